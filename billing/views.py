import json
import logging
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import paperwork, selectors, services, stripe_gateway
from billing.forms import PurchaseOrderForm, StatementForm
from billing.models import Payment, VendorDocument
from billing.pdf import receipt_pdf_render, statement_pdf_render
from core.files import stored_pdf_response
from core.forms import service_errors_show
from core.pagination import page_of
from core.ratelimit import ratelimit
from members import selectors as member_selectors
from members import services as member_services
from members.forms import BillingContactAddressForm, BillingContactMemberForm
from members.models import BillingContact, Membership
from members.selectors import applications_of, memberships_billed_to, memberships_of

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
    page = page_of(request, invoices.prefetch_related("versions"), size=PAGE_SIZE)
    history = page_of(request, selectors.money_history_of(request.user,
                                                           membership_id=membership_id),
                      size=PAGE_SIZE, param="history")
    # The memberships whose contacts the page lists include every one billed to the person
    # (in the same order): one read of them, marked, instead of a second read with its
    # institutions prefetched again.
    contact_memberships = list(
        selectors.memberships_with_contacts_for(request.user).annotate(
            billed_to_viewer=Exists(BillingContact.objects.filter(membership=OuterRef("pk"),
                                                                  user=request.user))))
    billed = [m for m in contact_memberships if m.billed_to_viewer]
    today = timezone.localdate()
    statement_form = StatementForm(memberships=billed, initial={
        "start": date(today.year - 1, 7, 1) if today.month < 7 else date(today.year, 7, 1),
        "end": today})
    return render(request, "billing/invoice_list.html", {
        "page": page,
        "history": history,
        "statement_form": statement_form if billed else None,
        "vendor_documents": selectors.vendor_documents_current(),
        "has_memberships": memberships_of(request.user).exists(),
        "membership_id": membership_id,
        "contact_memberships": contact_memberships,
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


# --- Purchasing paperwork ----------------------------------------------------------------------

@login_required
def invoice_po(request, pk):
    """The billing contact enters or corrects the PO number, vendor number and AP email of an
    invoice still owed. Staff do it too; anyone else gets a 404."""
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user)
                                .select_related("membership"), pk=pk)
    form = PurchaseOrderForm(initial={"po_number": invoice.po_number,
                                      "vendor_number": invoice.vendor_number,
                                      "ap_email": invoice.ap_email})
    if request.method == "POST":
        form = PurchaseOrderForm(request.POST)
        if form.is_valid():
            try:
                updated = paperwork.invoice_po_update(invoice=invoice, actor=request.user,
                                                      **form.cleaned_data)
            except ValidationError as error:
                service_errors_show(form, error)
            else:
                if updated.version != invoice.version:
                    sent_to = updated.ap_email or "your billing contacts"
                    messages.success(request, f"{updated.number} now carries the new purchasing "
                                              f"details (version {updated.version}); the new PDF "
                                              f"is on its way to {sent_to}.")
                else:
                    messages.info(request, f"Nothing changed on {updated.number}.")
                return redirect("billing:invoice_list")
    return render(request, "billing/invoice_po.html", {
        "invoice": invoice, "form": form,
        "versions": list(invoice.versions.all()),
    })


@login_required
def invoice_version_pdf(request, pk, version):
    """An earlier PDF of an invoice, kept on record when its PO details changed."""
    invoice = get_object_or_404(selectors.invoices_visible_to(request.user), pk=pk)
    kept = get_object_or_404(invoice.versions, version=version)
    return stored_pdf_response(kept.pdf_path, f"{invoice.number}-v{kept.version}.pdf",
                               missing="This version of the invoice is not on file.")


@login_required
def application_quote(request, pk):
    """The applicant's quote, from submission on: made once per application and fee schedule
    (a second request, even at the same moment, gets the same quote). Rendered in a task; until
    the PDF is there the page says so and looks again."""
    application = get_object_or_404(applications_of(request.user), pk=pk)
    try:
        quote = paperwork.quote_for_application(application=application)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(application.get_absolute_url())
    quote.refresh_from_db(fields=["pdf_path"])  # a worker (or, in-process, the commit) renders it
    if quote.pdf_path:
        return stored_pdf_response(quote.pdf_path, quote.pdf_filename,
                                   missing="The quote is being prepared.")
    return render(request, "billing/quote_pending.html", {"quote": quote,
                                                          "application": application},
                  status=202)


@login_required
def vendor_document(request, pk):
    """A vendor form (W-9 ...), for signed-in members and staff; only the current one of each
    kind is offered, and an old one is a 404 for members (staff keep it in admin)."""
    if not (request.user.is_staff or memberships_of(request.user).exists()
            or applications_of(request.user).exists()):
        raise Http404
    document = get_object_or_404(VendorDocument, pk=pk)
    if not request.user.is_staff and document not in selectors.vendor_documents_current():
        raise Http404
    return stored_pdf_response(document.file.name, document.download_name,
                               missing="This document is not on file.")


@login_required
def payment_receipt(request, pk):
    """A receipt for one payment, for the invoice's billing contacts and staff."""
    payment = get_object_or_404(Payment.objects.select_related("invoice").filter(
        invoice__in=selectors.invoices_visible_to(request.user)), pk=pk)
    number = paperwork.receipt_number(payment)
    response = HttpResponse(receipt_pdf_render(payment=payment, number=number),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@ratelimit("statement", methods=("GET",))
def statement_pdf(request):
    """A statement of account for a membership the person is billed for, between two days."""
    billed = list(memberships_billed_to(request.user).prefetch_related("institutions")
                  .select_related("tier"))
    form = StatementForm(request.GET, memberships=billed)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        for field, errors in paperwork.statement_range_errors(start, end).items():
            form.add_error(field, errors)
    if not form.is_valid():
        return render(request, "billing/statement_form.html", {"form": form}, status=400)
    membership = next(m for m in billed if m.pk == form.cleaned_data["membership"])
    statement = paperwork.statement_of(membership=membership, start=start, end=end)
    period = paperwork.describe_period(start, end)
    response = HttpResponse(statement_pdf_render(statement=statement, period=period),
                            content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="NCSUP-statement-{start}-to-'
                                       f'{end}.pdf"')
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt  # The mail provider cannot send a CSRF token; the HMAC signature stands in for it.
@require_POST
def email_bounce_webhook(request):
    """The mail provider's permanent bounces: ``X-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
    "t.body">`` with ``EMAIL_BOUNCE_WEBHOOK_SECRET``; body ``{"email": ..., "permanent": true,
    "reason": ...}``. 404 while no secret is set; 400 for a bad signature or body; 200 else."""
    secret = settings.EMAIL_BOUNCE_WEBHOOK_SECRET
    if not secret:
        raise Http404
    if not stripe_gateway.signature_valid(request.body, request.headers.get("X-Signature", ""),
                                          secret):
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    try:
        event = json.loads(request.body)
        address, permanent = str(event["email"]), bool(event.get("permanent"))
        reason = str(event.get("reason") or "")
    except (ValueError, KeyError, TypeError):
        return HttpResponse("Not an event.", status=400, content_type="text/plain")
    if permanent:
        try:
            paperwork.bounce_record(address=address, reason=reason, source="webhook")
        except ValidationError:
            return HttpResponse("Not an address.", status=400, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")
