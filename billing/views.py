import functools
import json
import logging
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import paperwork, selectors, services, stripe_gateway
from billing.forms import PurchaseOrderForm, StatementForm
from billing.models import (
    Invoice,
    Payment,
    VendorDocument,
    invoice_display_status,
    invoice_payable_online,
    invoice_summary,
)
from billing.pdf import receipt_pdf_render, statement_pdf_render
from core.files import stored_pdf_response
from core.forms import service_errors_show
from core.fragments import fragment
from core.money import format_usd, money
from core.ratelimit import ratelimit
from core.worklists import badge, escape, list_day, peek_page, row_url
from members import selectors as member_selectors
from members import services as member_services
from members.forms import BillingContactAddressForm, BillingContactMemberForm
from members.models import Membership
from members.selectors import applications_of, memberships_billed_to, memberships_of

logger = logging.getLogger(__name__)

PAGE_SIZE = 20


@login_required
def invoice_list(request):
    """The member's invoices: status, balance, the PDF and how to pay. Only the memberships
    they are a billing contact of; asking for another membership's invoices is a 404.

    Both lists page without counting (``core.worklists.peek_page``: "Page 2", not "Page 2 of
    3"), and their rows are built here as text, once: a fixed handful of queries and no
    template work a row, however long the member's history."""
    # Served from the cache until a table it read is written (core/fragments.py), for the day:
    # overdue is derived from today. Per person; the query string is the key (the membership
    # shown, both lists' pages, which the pagination links keep), with how to pay offline (the
    # settings). A membership not billed to the person is a 404 from the render, never stored.
    payment = services.payment_details()
    return render(request, "billing/invoice_list.html", {"content": fragment(
        "billing-page", [request.GET.urlencode(), *payment.values()],
        lambda: invoice_list_content(request, payment), viewer=request.user)})


def invoice_list_content(request, payment: dict) -> str:
    """The billing page's part: invoices, payments, the statement form, vendor forms and
    billing contacts, every row read here."""
    membership_id = request.GET.get("membership")
    membership_id = int(membership_id) if membership_id and membership_id.isdigit() else None
    # The memberships whose contacts the page lists include every one billed to the person
    # (in the same order): one read names them all and says which are billed to them.
    contact_memberships = selectors.billing_page_memberships(request.user)
    billed = [m for m in contact_memberships if m.billed_to_viewer]
    if membership_id is not None and all(m.pk != membership_id for m in billed):
        raise Http404
    shown = [membership_id] if membership_id is not None else [m.pk for m in billed]
    today = timezone.localdate()
    page = peek_page(request, selectors.invoices_of_memberships(shown), size=PAGE_SIZE)
    page.rows = invoice_rows(page.object_list, selectors.invoice_versions_of(page.object_list),
                             today=today)
    history = peek_page(request, selectors.money_history_of_memberships(shown), size=PAGE_SIZE,
                        param="history")
    history.rows = history_rows(history.object_list)
    contacts_url = row_url("billing:contacts")
    statement_form = statement_fields_html(
        [(m.pk, m.institutions) for m in billed],
        start=date(today.year - 1, 7, 1) if today.month < 7 else date(today.year, 7, 1), end=today)
    return render_to_string("billing/partials/invoice_list_content.html", {
        "page": page,
        "history": history,
        "statement_form": statement_form if billed else None,
        "vendor_documents": selectors.vendor_documents_current(),
        # Asked only when there is no invoice to show (it picks the empty page's words): a
        # membership on the page is one of the person's.
        "has_memberships": bool(page.object_list or contact_memberships)
        or memberships_of(request.user).exists(),
        "membership_id": membership_id,
        # Who gets the invoices of each membership on the page: (its contacts page, its name).
        "contact_links": [(contacts_url.format(m.pk), m.institutions)
                          for m in contact_memberships],
        **payment,
    })


def statement_fields_html(memberships: list[tuple[int, str]], *, start: date,
                          end: date) -> SafeString:
    """The billing page's statement form, nothing typed yet: the memberships to choose from
    (``(id, "District + University")``), this fiscal year so far filled in. Drawn once per
    process for each set of what it shows (and the language and URL prefix it is drawn in), as
    drawing a form's fields costs ~3,000 function calls; the same inputs always draw the same
    form, so nothing kept can be out of date or someone else's."""
    return SafeString(_statement_fields(tuple(memberships), start, end,
                                        translation.get_language(), get_script_prefix()))


@functools.lru_cache(maxsize=1024)
def _statement_fields(memberships: tuple, start: date, end: date, language: str,
                      script_prefix: str) -> str:
    # ``language`` and ``script_prefix`` only key the cache: rendering reads them itself.
    form = StatementForm(memberships=list(memberships), initial={"start": start, "end": end})
    return render_to_string("billing/statement_fields.html", {"form": form})


def invoice_rows(invoices, versions: dict[int, list[dict]], *, today: date) -> SafeString:
    """The billing page's invoice rows (``selectors.INVOICE_COLUMNS``): number, what for,
    dates, amounts, status, the PDF (and earlier ones) and how to pay, as the invoice's own
    properties say them. Every text is escaped here; dates and amounts are ours."""
    pdf_url, po_url = row_url("billing:invoice_pdf"), row_url("billing:invoice_po")
    rows = []
    for invoice in invoices:
        pk = invoice["pk"]
        number = escape(invoice["number"])
        of_invoice = f'<span class="visually-hidden"> of invoice {number}</span>'
        help_text = escape(invoice["bill_to_institutions"])
        for label, value in (("PO number", invoice["po_number"]),
                             ("Vendor number", invoice["vendor_number"]),
                             ("Accounts payable", invoice["ap_email"])):
            if value:
                help_text += f"<br>{label}: {escape(value)}"
        status, total, paid = invoice["status"], invoice["total"], money(invoice["paid_total"])
        balance = format_usd(total - paid)
        shown, label = invoice_display_status(status=status, due_date=invoice["due_date"],
                                              total=total, amount_paid=paid, today=today)
        owed = status in Invoice.PAYABLE
        actions = (f'<li><a href="{pdf_url.format(pk)}" download>Download PDF'
                   f"{of_invoice}</a></li>" if invoice["pdf_path"]
                   else '<li class="help">PDF being prepared</li>')
        for kept in versions.get(pk, ()):
            url = reverse("billing:invoice_version_pdf", args=[pk, kept["version"]])
            actions += (f'<li class="help"><a href="{url}" download>Version {kept["version"]}'
                        f"{of_invoice}</a> (earlier PO details)</li>")
        if owed:
            change = "Change PO details" if invoice["po_number"] else "Add a PO number"
            actions += f'<li><a href="{po_url.format(pk)}">{change}{of_invoice}</a></li>'
        if invoice_payable_online(status=status, amount_paid=paid,
                                  hosted_invoice_url=invoice["hosted_invoice_url"]):
            actions += (f'<li><a class="button button-secondary" '
                        f'href="{escape(invoice["hosted_invoice_url"])}" rel="noopener">Pay'
                        f'<span class="visually-hidden"> {balance}</span> online'
                        f'<span class="visually-hidden"> for invoice {number}</span></a></li>')
        elif owed:
            actions += '<li><a href="#pay-offline">Pay by check or purchase order</a></li>'
        summary = invoice_summary(kind=invoice["kind"], commitment_year=invoice["commitment_year"])
        rows.append(
            f'<tr><th scope="row">{number}</th>'
            f'<td class="for" data-label="For">{escape(summary)}<br>'
            f'<span class="help">{help_text}</span></td>'
            f'<td class="nowrap" data-label="Issued">{list_day(invoice["issue_date"])}</td>'
            f'<td class="nowrap" data-label="Due">{list_day(invoice["due_date"])}</td>'
            f'<td class="num" data-label="Total">{format_usd(total)}</td>'
            f'<td class="num" data-label="Balance">{balance}</td>'
            f'<td data-label="Status">{badge(shown, label)}</td>'
            f'<td><ul class="plain actions">{actions}</ul></td></tr>')
    return SafeString("\n".join(rows))


def history_rows(entries) -> SafeString:
    """The billing page's payments and refunds (``selectors.HISTORY_COLUMNS``), a row each,
    with a receipt for each payment."""
    receipt_url = row_url("billing:payment_receipt")
    rows = []
    for pk, entry, day, amount, method, reference, number in entries:
        day, amount = list_day(day), format_usd(amount)
        if entry == "payment":
            what = "Payment received"
            receipt = (f'<a href="{receipt_url.format(pk)}" download>Receipt<span '
                       f'class="visually-hidden"> for {amount} on {day}</span> (PDF)</a>')
        else:
            what, amount = "Refund sent", f"\N{MINUS SIGN}{amount}"
            receipt = '<span class="help">in the refund email</span>'
        rows.append(
            f'<tr><td class="nowrap" data-label="Date">{day}</td>'
            f'<th scope="row" data-label="What">{what}</th>'
            f'<td data-label="Method">{escape(selectors.method_label(method))}</td>'
            f'<td data-label="Reference">{escape(reference or "—")}</td>'
            f'<td data-label="Invoice">{escape(number)}</td>'
            f'<td class="num" data-label="Amount">{amount}</td>'
            f'<td data-label="Receipt">{receipt}</td></tr>')
    return SafeString("\n".join(rows))


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
    form = StatementForm(request.GET, memberships=[
        (m.pk, " + ".join(i.name for i in m.institutions.all())) for m in billed])
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
