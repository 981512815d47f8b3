import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import selectors, services, stripe_gateway
from core.files import stored_pdf_response
from core.pagination import page_of
from members import selectors as member_selectors
from members import services as member_services
from members.forms import BillingContactAddressForm, BillingContactMemberForm
from members.models import Membership
from members.selectors import memberships_billed_to, memberships_of

logger = logging.getLogger(__name__)

PAGE_SIZE = 20


@login_required
def invoice_list(request):
    """The member's invoices: status, balance, the PDF and how to pay. Only the memberships
    they are a billing contact of; asking for another membership's invoices is a 404."""
    membership_id = request.GET.get("membership")
    membership_id = int(membership_id) if membership_id and membership_id.isdigit() else None
    if (membership_id is not None
            and not memberships_billed_to(request.user).filter(pk=membership_id).exists()):
        raise Http404
    invoices = selectors.invoices_of_member(request.user, membership_id=membership_id)
    page = page_of(request, invoices, size=PAGE_SIZE)
    return render(request, "billing/invoice_list.html", {
        "page": page,
        "has_memberships": memberships_of(request.user).exists(),
        "membership_id": membership_id,
        "contact_memberships": selectors.memberships_with_contacts_for(request.user),
        **services.payment_details(),
    })


def _billing_membership(request, pk) -> tuple[Membership, selectors.BillingAccess]:
    membership = get_object_or_404(
        Membership.objects.select_related("tier").prefetch_related("institutions"), pk=pk)
    access = selectors.billing_access(request.user, membership)
    if not access.sees_contacts:
        raise Http404
    return membership, access


@login_required
def billing_contacts(request, pk):
    """Who gets a membership's invoices. Its billing contacts read the list; the team lead (while
    the membership is current) and staff add and remove; anyone else gets a 404."""
    membership, access = _billing_membership(request, pk)
    people = member_selectors.billing_contact_candidates(membership)
    member_form = BillingContactMemberForm(people=people, prefix="member")
    address_form = BillingContactAddressForm(prefix="address")
    if request.method == "POST":
        if not access.manages_contacts:
            raise Http404
        if request.POST.get("add") == "member":
            form = member_form = BillingContactMemberForm(request.POST, people=people,
                                                          prefix="member")
        else:
            form = address_form = BillingContactAddressForm(request.POST, prefix="address")
        if form.is_valid():
            try:
                contact = member_services.billing_contact_add(
                    membership=membership, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"{contact.address} is now a billing contact: they "
                                          "get this membership's invoices and receipts.")
                return redirect("billing:contacts", pk=membership.pk)
    return render(request, "billing/billing_contacts.html", {
        "membership": membership,
        "access": access,
        "contacts": list(member_selectors.billing_contacts_of(membership)),
        "member_form": member_form,
        "address_form": address_form,
        "has_candidates": people.exists(),
    })


@login_required
@require_POST
def billing_contact_remove(request, pk, contact_pk):
    membership, access = _billing_membership(request, pk)
    if not access.manages_contacts:
        raise Http404
    contact = get_object_or_404(membership.billing_contacts.select_related("user"), pk=contact_pk)
    try:
        member_services.billing_contact_remove(contact=contact, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{contact.address} is no longer a billing contact.")
    return redirect("billing:contacts", pk=membership.pk)


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
