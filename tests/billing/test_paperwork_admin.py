"""Staff's side of the paperwork in admin: quotes for institutions that have not applied, vendor
documents, billing terms, bounces and the "Change PO details" action."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from billing.models import BillingTerms, EmailBounce, Invoice, Quote, VendorDocument
from core.models import OutboundEmail
from tests.billing.test_admin import act
from tests.factories import ApplicationFactory, InvoiceFactory, MembershipFactory
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]
CHANGE_PO = "change_the_po_details_selected"


@pytest.mark.parametrize("model", ["quote", "vendordocument", "billingterms", "emailbounce",
                                   "quotenumbercounter"])
def test_the_new_lists_open_with_filters_and_search(staff_client, model):
    url = reverse(f"admin:billing_{model}_changelist")
    assert staff_client.get(url).status_code == 200
    assert staff_client.get(url, {"q": "oxford"}).status_code == 200


def test_staff_issue_a_quote_and_its_page_links_the_pdf(staff_client, fees, tier1):
    response = staff_client.post(reverse("admin:billing_quote_add"), {
        "institutions": "Lafayette County School District", "tier": tier1.pk,
        "prepared_for": "Purchasing", "prepared_for_email": "buyer@lafayette.example",
        "prepared_for_address": "", **token()}, follow=True)
    quote = Quote.objects.get()
    assert f"Issued quote {quote.number}" in response.content.decode()
    assert quote.application is None and quote.total == fees.institution_fee * 2
    pdf = staff_client.get(reverse("admin:billing_quote_pdf", args=[quote.pk]))
    assert pdf.status_code == 200


def test_a_quote_without_institutions_is_refused_next_to_the_field(staff_client, fees, tier1):
    response = staff_client.post(reverse("admin:billing_quote_add"), {
        "institutions": "   ", "tier": tier1.pk, **token()})
    assert response.status_code == 200 and "institutions" in response.context["form"].errors
    assert not Quote.objects.exists()


def test_staff_upload_a_w9_with_an_effective_date(staff_client, staff):
    response = staff_client.post(reverse("admin:billing_vendordocument_add"), {
        "kind": "w9", "title": "W-9 2027", "effective_from": "2026-11-01",
        "file": SimpleUploadedFile("w9.pdf", b"%PDF-1.4 w9", content_type="application/pdf"),
        **token()})
    assert response.status_code == 302
    document = VendorDocument.objects.get()
    assert document.uploaded_by == staff
    not_pdf = staff_client.post(reverse("admin:billing_vendordocument_add"), {
        "kind": "ach", "title": "ACH", "effective_from": "2026-11-01",
        "file": SimpleUploadedFile("ach.exe", b"MZ"), **token()})
    assert not_pdf.status_code == 200 and VendorDocument.objects.count() == 1


def test_staff_set_net_60_terms_before_approval(staff_client):
    application = ApplicationFactory()
    response = staff_client.post(reverse("admin:billing_billingterms_add"), {
        "application": application.pk, "net_days": 60, "ap_email": "ap@district.example",
        "issue_on": "2027-07-01", **token()})
    assert response.status_code == 302
    terms = BillingTerms.objects.get()
    assert (terms.net_days, terms.issue_on) == (60, date(2027, 7, 1))
    refused = staff_client.post(reverse("admin:billing_billingterms_add"), {
        "application": ApplicationFactory().pk, "net_days": 90, **token()})
    assert refused.status_code == 200 and "net_days" in refused.context["adminform"].form.errors


def test_staff_record_a_bounce_by_hand_and_are_told(staff_client, settings):
    response = staff_client.post(reverse("admin:billing_emailbounce_add"), {
        "address": "AP@Gone.example", "reason": "550 5.1.1", **token()}, follow=True)
    assert "gets no more billing mail" in response.content.decode()
    assert EmailBounce.objects.get().address == "ap@gone.example"
    assert OutboundEmail.objects.filter(to=settings.CENTER_STAFF_EMAIL).count() == 1


def test_the_change_po_action_makes_a_new_version(staff_client):
    invoice = InvoiceFactory(total=Decimal("2500.00"), pdf_path="invoices/2027/old.pdf")
    response = act(staff_client, CHANGE_PO, [invoice], po_number="4500099999",
                   vendor_number="", ap_email="")
    assert response.status_code == 200
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.po_number, invoice.version) == ("4500099999", 2)
    page = staff_client.get(reverse("admin:billing_invoice_change", args=[invoice.pk]))
    assert "earlier pdf versions" in page.content.decode().lower()


def test_the_change_po_action_refuses_a_paid_invoice(staff_client):
    invoice = InvoiceFactory(paid=True, po_number="PO-1")
    response = act(staff_client, CHANGE_PO, [invoice], po_number="PO-2", vendor_number="",
                   ap_email="")
    assert "can no longer change" in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).po_number == "PO-1"


def test_issuing_a_held_membership_in_admin_says_when_it_will_be_issued(staff_client, fees):
    from_day = timezone.localdate() + timedelta(days=30)
    membership = MembershipFactory(term_start=timezone.localdate())
    BillingTerms.objects.create(application=membership.application, issue_on=from_day)
    response = staff_client.post(reverse("admin:billing_invoice_add"), {
        "membership": membership.pk, "what": "commitment", **token()}, follow=True)
    assert "scheduled from" in response.content.decode()
    assert not membership.invoices.exists()
