import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import selectors, services, stripe_gateway
from core.files import stored_pdf_response
from members.selectors import memberships_of

logger = logging.getLogger(__name__)

PAGE_SIZE = 20


@login_required
def invoice_list(request):
    """The member's invoices: status, balance, the PDF and how to pay."""
    membership_id = request.GET.get("membership")
    membership_id = int(membership_id) if membership_id and membership_id.isdigit() else None
    invoices = selectors.invoices_of_member(request.user, membership_id=membership_id)
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "billing/invoice_list.html", {
        "page": page,
        "has_memberships": memberships_of(request.user).exists(),
        "membership_id": membership_id,
        **services.payment_details(),
    })


@login_required
def invoice_pdf(request, pk):
    """The stored PDF, for the membership's own people and staff; 404 for anyone else."""
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    return stored_pdf_response(invoice.pdf_path, invoice.pdf_filename,
                               missing="The PDF of this invoice is being prepared.")


@csrf_exempt  # Stripe cannot send a CSRF token; the signature on the raw body stands in for it.
@require_POST
def stripe_webhook(request):
    """Stripe's events: verified, stored once, state re-read from Stripe.

    400 for a bad signature (nothing written); 200 for a replay or an event we ignore; 500 when
    processing fails, so that Stripe retries (the event row is rolled back with the rest).
    """
    payload = request.body
    if not stripe_gateway.signature_valid(payload, request.headers.get("Stripe-Signature", ""),
                                          settings.STRIPE_WEBHOOK_SECRET):
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    try:
        event = json.loads(payload)
        event_id, event_type = str(event["id"]), str(event["type"])
        data_object = (event.get("data") or {}).get("object") or {}
        object_id = str(data_object.get("id") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return HttpResponse("Not an event.", status=400, content_type="text/plain")
    try:
        services.stripe_event_process(event_id=event_id, event_type=event_type,
                                      object_id=object_id)
    except Exception:
        logger.exception("Stripe event %s (%s) failed; Stripe will retry it.", event_id,
                         event_type)
        return HttpResponse("Failed; retry later.", status=500, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")
