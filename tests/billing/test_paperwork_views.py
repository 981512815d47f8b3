"""The billing page's paperwork as a member uses it: PO details, versions, quotes, vendor forms,
payment history, receipts and statements; and the bounce webhook."""

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing import paperwork, services
from billing.models import EmailBounce, Invoice, InvoiceVersion, Quote, Refund, VendorDocument
from core.emails import email_render
from tests.billing.conftest import partnership_membership, stripe_signature
from tests.factories import (
    ApplicationFactory,
    InvoiceFactory,
    MembershipFactory,
    PaymentFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("immediate_on_commit")
PAGE = reverse("billing:invoice_list")


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def membership(applicant, fees):
    return partnership_membership(applicant=applicant)


@pytest.fixture
def invoice(membership):
    issued = services.invoice_issue(membership=membership, commitment_year=1)
    issued.refresh_from_db()
    return issued


def _refund(invoice, amount="50.00", key="r1"):
    return Refund.objects.create(invoice=invoice, amount=Decimal(amount),
                                 refunded_on=invoice.issue_date, method="check",
                                 reason="Recorded twice", request_key=key)


def _grow(membership, n, start):
    """``n`` more invoices, each with a payment, a refund and an earlier PDF version."""
    for i in range(n):
        item = InvoiceFactory(membership=membership, extra_seats=True, fiscal_year=2031,
                              sequence=start + i, issue_date=date(2026, 9, 1))
        PaymentFactory(invoice=item, amount=Decimal("100.00"))
        _refund(item, "10.00", key=f"grow-{start + i}")
        # As invoice_po_update leaves it: version 1 kept, the invoice now at version 2.
        InvoiceVersion.objects.create(invoice=item, version=1, pdf_path="invoices/x.pdf")
        Invoice.objects.filter(pk=item.pk).update(version=2)


def test_billing_page_query_count_is_constant_with_history_versions_and_forms(
        applicant_client, membership, django_assert_max_num_queries):
    VendorDocument.objects.create(kind="w9", title="W-9 2026", effective_from=date(2026, 1, 1),
                                  file=ContentFile(b"%PDF", name="w9.pdf"))
    counts = []
    for size, start in ((3, 1), (60, 100)):
        _grow(membership, size, start)
        # 6 (tests/billing/test_views.py), and the earlier PDFs of the invoices shown.
        with django_assert_max_num_queries(7) as captured:
            response = applicant_client.get(PAGE)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    page = response.content.decode()
    assert "Payments and refunds" in page and "W-9 2026" in page
    assert "Version 1" in page and "Statement of account" in page
    history = response.context["history"]
    assert len(history.object_list) == 20 and history.next_url  # of 63 * 2
    print(f"billing page queries with 3 and 63 invoices, payments, refunds, versions: {counts}")


def test_history_lists_payments_and_refunds_with_date_method_reference_and_receipt(
        applicant_client, invoice):
    payment = PaymentFactory(invoice=invoice, amount=Decimal("1000.00"), reference="Check 2002",
                             received_on=timezone.localdate())
    _refund(invoice, "50.00")
    page = applicant_client.get(PAGE).content.decode()
    assert "Check 2002" in page and "Refund sent" in page and "Payment received" in page
    assert reverse("billing:payment_receipt", args=[payment.pk]) in page
    receipt = applicant_client.get(reverse("billing:payment_receipt", args=[payment.pk]))
    assert receipt["Content-Type"] == "application/pdf"
    text = pdf_text(receipt.getvalue())
    assert "RECEIPT" in text and "Check 2002" in text and invoice.number in text


def test_someone_elses_receipt_is_a_404(client, invoice):
    payment = PaymentFactory(invoice=invoice)
    client.force_login(UserFactory())
    assert client.get(reverse("billing:payment_receipt", args=[payment.pk])).status_code == 404


def test_the_billing_contact_adds_a_po_number_and_sees_the_versions(applicant_client, invoice):
    url = reverse("billing:invoice_po", args=[invoice.pk])
    response = applicant_client.post(url, {"po_number": "4500012345", "vendor_number": "V-1",
                                           "ap_email": "ap@oxford.example"})
    assert response.status_code == 302
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert (fresh.po_number, fresh.version) == ("4500012345", 2)
    page = applicant_client.get(url).content.decode()
    assert "Version 2 (current)" in page and "Version 1" in page
    old = applicant_client.get(reverse("billing:invoice_version_pdf", args=[invoice.pk, 1]))
    assert old.status_code == 200
    assert b"".join(old.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(("value", "shown"), [
    ("P" * 200, "at most 60 characters"),
    ("<b>PO</b>", "no markup"),
    ("    ", "only spaces"),
])
def test_bad_po_input_is_shown_next_to_the_field_and_kept(applicant_client, invoice, value,
                                                          shown):
    response = applicant_client.post(reverse("billing:invoice_po", args=[invoice.pk]),
                                     {"po_number": value, "vendor_number": "V-1",
                                      "ap_email": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert shown in " ".join(form.errors["po_number"])
    assert form["vendor_number"].value() == "V-1"
    page = response.content.decode()
    assert "<b>PO</b>" not in page, "markup is escaped"
    assert Invoice.objects.get(pk=invoice.pk).version == 1


def test_a_paid_invoice_offers_no_po_form_and_refuses_a_post(applicant_client, invoice, staff):
    services.payment_record(invoice=invoice, amount=invoice.total, method="check", actor=staff)
    url = reverse("billing:invoice_po", args=[invoice.pk])
    assert "can no longer change" in applicant_client.get(url).content.decode()
    response = applicant_client.post(url, {"po_number": "X-1", "vendor_number": "",
                                           "ap_email": ""})
    assert response.status_code == 200
    assert "can no longer change" in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).po_number == "PO-2027-0042"


def test_someone_else_cannot_reach_the_po_form(client, invoice):
    client.force_login(UserFactory())
    url = reverse("billing:invoice_po", args=[invoice.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"po_number": "X"}).status_code == 404


def test_the_applicant_downloads_the_quote_from_the_application_page(client, fees):
    applicant = UserFactory()
    application = ApplicationFactory(applicant=applicant)
    client.force_login(applicant)
    page = client.get(application.get_absolute_url()).content.decode()
    url = reverse("billing:application_quote", args=[application.pk])
    assert url in page
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert Quote.objects.count() == 1
    other = UserFactory()
    client.force_login(other)
    assert client.get(url).status_code == 404


def test_a_withdrawn_application_is_told_it_has_no_quote(client, fees):
    applicant = UserFactory()
    application = ApplicationFactory(applicant=applicant, status="withdrawn")
    client.force_login(applicant)
    response = client.get(reverse("billing:application_quote", args=[application.pk]),
                          follow=True)
    assert "has no quote" in response.content.decode()


def test_the_acknowledgement_email_links_the_quote(fees):
    application = ApplicationFactory()
    _subject, text, html = email_render("application_received", {
        "application": application, "names": ["Oxford School District"],
        "tier": application.requested_tier})
    url = reverse("billing:application_quote", args=[application.pk])
    assert url in text and url in html


def test_an_old_vendor_document_is_no_longer_offered(client, membership, applicant):
    old = VendorDocument.objects.create(kind="w9", title="W-9 2024",
                                        effective_from=date(2024, 1, 1),
                                        file=ContentFile(b"%PDF old", name="w9.pdf"))
    new = VendorDocument.objects.create(kind="w9", title="W-9 2026",
                                        effective_from=date(2026, 1, 1),
                                        file=ContentFile(b"%PDF new", name="w9.pdf"))
    client.force_login(applicant)
    page = client.get(PAGE).content.decode()
    assert "W-9 2026" in page and "W-9 2024" not in page
    assert client.get(reverse("billing:vendor_document", args=[new.pk])).status_code == 200
    assert client.get(reverse("billing:vendor_document", args=[old.pk])).status_code == 404


def test_a_statement_pdf_for_a_chosen_range(applicant_client, invoice):
    PaymentFactory(invoice=invoice, amount=Decimal("1000.00"), reference="Check 9",
                   received_on=timezone.localdate())
    today = timezone.localdate()
    response = applicant_client.get(reverse("billing:statement"), {
        "membership": invoice.membership_id, "start": (today - timedelta(days=30)).isoformat(),
        "end": today.isoformat()})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "STATEMENT" in text and invoice.number in text and "Check 9" in text


def test_a_statement_with_a_backwards_range_shows_the_error(applicant_client, invoice):
    response = applicant_client.get(reverse("billing:statement"), {
        "membership": invoice.membership_id, "start": "2026-08-01", "end": "2026-07-01"})
    assert response.status_code == 400
    assert "on or after the start" in response.content.decode()


def test_a_statement_of_someone_elses_membership_is_refused(applicant_client, membership):
    other = MembershipFactory()
    response = applicant_client.get(reverse("billing:statement"), {
        "membership": other.pk, "start": "2026-01-01", "end": "2026-02-01"})
    assert response.status_code == 400


def test_the_bounce_webhook_records_a_signed_permanent_bounce(client, settings, db):
    settings.EMAIL_BOUNCE_WEBHOOK_SECRET = "bounce-secret"
    body = json.dumps({"email": "ap@gone.example", "permanent": True,
                       "reason": "550 user unknown"}).encode()
    url = reverse("billing:email_bounce_webhook")
    bad = client.post(url, body, content_type="application/json",
                      headers={"X-Signature": stripe_signature(body, secret="wrong")})
    assert bad.status_code == 400 and not EmailBounce.objects.exists()
    good = client.post(url, body, content_type="application/json",
                       headers={"X-Signature": stripe_signature(body, secret="bounce-secret")})
    assert good.status_code == 200
    assert EmailBounce.objects.get().address == "ap@gone.example"
    soft = json.dumps({"email": "ap@full.example", "permanent": False}).encode()
    client.post(url, soft, content_type="application/json",
                headers={"X-Signature": stripe_signature(soft, secret="bounce-secret")})
    assert EmailBounce.objects.count() == 1, "a temporary bounce is not recorded"


def test_the_bounce_webhook_is_off_without_a_secret(client, settings, db):
    settings.EMAIL_BOUNCE_WEBHOOK_SECRET = ""
    assert client.post(reverse("billing:email_bounce_webhook"), b"{}",
                       content_type="application/json").status_code == 404


def test_staff_issue_a_quote_in_admin_for_an_institution_that_has_not_applied(fees, tier1):
    quote = paperwork.quote_issue(institutions="Lafayette County School District",
                                  partnership=True, tier_name=tier1.name,
                                  actor=UserFactory(staff=True))
    quote.refresh_from_db()
    assert quote.pdf_path and quote.total == fees.partnership_fee * 2
