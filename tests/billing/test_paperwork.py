"""Purchasing paperwork's rules: quotes, PO details on an open invoice, terms, scheduled issue,
bounced addresses and statements (billing.paperwork, billing.services)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from billing import paperwork, selectors, services
from billing.models import (
    BillingTerms,
    EmailBounce,
    Invoice,
    InvoiceVersion,
    Quote,
    QuoteNumberCounter,
    VendorDocument,
)
from core.models import AuditEntry, OutboundEmail
from tests.billing.conftest import partnership_membership
from tests.factories import (
    ApplicationFactory,
    FeeScheduleFactory,
    InvoiceFactory,
    MembershipFactory,
    PaymentFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("immediate_on_commit")


def pdf_text(path: str) -> str:
    with default_storage.open(path, "rb") as stored:
        return "\n".join(page.extract_text() for page in PdfReader(stored).pages)


# --- Quotes -------------------------------------------------------------------------------------

def test_a_submitted_application_gets_a_numbered_quote_that_is_not_an_invoice(fees, settings):
    settings.QUOTE_VALID_DAYS = 45
    application = ApplicationFactory(partnership=True)
    quote = paperwork.quote_for_application(application=application)
    quote.refresh_from_db()
    today = timezone.localdate()
    fiscal_year = today.year + 1 if today.month >= 7 else today.year
    assert quote.number == f"Q-{fiscal_year}-0001"
    assert quote.valid_until == today + timedelta(days=45)
    assert quote.annual_fee == fees.partnership_fee
    assert quote.total == fees.partnership_fee * fees.commitment_years
    text = pdf_text(quote.pdf_path)
    assert "QUOTE" in text and quote.number in text
    assert "not an invoice" in text
    assert "NCSUP-" not in text, "a quote never carries an invoice number"
    assert settings.BILLING_CHECKS_PAYABLE_TO in text
    assert "Purchase orders payable to" in text
    for year in range(1, fees.commitment_years + 1):
        assert f"commitment year {year} of {fees.commitment_years}" in text


def test_asking_twice_gives_the_same_quote_and_a_new_fee_schedule_a_new_one(fees):
    application = ApplicationFactory()
    first = paperwork.quote_for_application(application=application)
    assert paperwork.quote_for_application(application=application) == first
    assert Quote.objects.count() == 1
    FeeScheduleFactory(effective_from=timezone.localdate(), institution_fee=Decimal("2750.00"))
    second = paperwork.quote_for_application(application=application)
    assert second != first and second.annual_fee == Decimal("2750.00")
    assert second.sequence == first.sequence + 1


@pytest.mark.parametrize("status", ["rejected", "withdrawn"])
def test_rejected_and_withdrawn_applications_get_no_quote(fees, status):
    application = ApplicationFactory(status=status)
    with pytest.raises(ValidationError, match="has no quote"):
        paperwork.quote_for_application(application=application)
    assert not Quote.objects.exists()


def test_no_fee_schedule_no_quote_and_no_number_used(db):
    with pytest.raises(ValidationError, match="No fee schedule"):
        paperwork.quote_for_application(application=ApplicationFactory())
    assert not QuoteNumberCounter.objects.filter(last_number__gt=0).exists()


def test_staff_quote_an_institution_that_has_not_applied(fees, staff):
    quote = paperwork.quote_issue(institutions="Lafayette County School District",
                                  partnership=False, tier_name="Tier 1", actor=staff)
    assert quote.application is None and quote.issued_by == staff
    assert quote.total == fees.institution_fee * 2
    with pytest.raises(ValidationError) as refused:
        paperwork.quote_issue(institutions="<b>x</b>", partnership=False, tier_name="Tier 1",
                              actor=staff)
    assert "institutions" in refused.value.message_dict


def test_quote_and_invoice_numbers_are_separate_series(fees):
    invoice = InvoiceFactory()
    quote = paperwork.quote_for_application(application=ApplicationFactory())
    assert quote.number.startswith("Q-") and invoice.number.startswith("NCSUP-")


# --- Vendor documents ---------------------------------------------------------------------------

def _document(kind, effective_from, title=None):
    return VendorDocument.objects.create(kind=kind, title=title or f"{kind} {effective_from}",
                                         effective_from=effective_from,
                                         file=ContentFile(b"%PDF-1.4", name=f"{kind}.pdf"))


def test_members_are_offered_the_current_document_of_each_kind(db):
    today = timezone.localdate()
    old_w9 = _document("w9", today - timedelta(days=400))
    new_w9 = _document("w9", today - timedelta(days=3))
    _document("w9", today + timedelta(days=30))  # not in effect yet
    ach = _document("ach", today - timedelta(days=10))
    current = selectors.vendor_documents_current()
    assert current == [new_w9, ach]
    assert old_w9 not in current and VendorDocument.objects.filter(pk=old_w9.pk).exists()


# --- PO details on an open invoice --------------------------------------------------------------

@pytest.fixture
def open_invoice(fees):
    membership = partnership_membership()
    invoice = services.invoice_issue(membership=membership, commitment_year=1)
    invoice.refresh_from_db()
    assert invoice.pdf_path
    return invoice


def test_po_change_keeps_number_and_lines_makes_a_new_version_and_mails_ap(open_invoice,
                                                                          applicant):
    before_lines = list(open_invoice.lines.values_list("description", "amount"))
    first_pdf = open_invoice.pdf_path
    updated = paperwork.invoice_po_update(invoice=open_invoice, po_number="4500012345",
                                          vendor_number="V-0042", ap_email="ap@oxford.example",
                                          actor=applicant)
    updated.refresh_from_db()
    assert updated.number == open_invoice.number and updated.total == open_invoice.total
    assert list(updated.lines.values_list("description", "amount")) == before_lines
    assert updated.version == 2 and updated.pdf_path and updated.pdf_path != first_pdf
    kept = InvoiceVersion.objects.get(invoice=updated)
    assert kept.version == 1 and kept.pdf_path == first_pdf and kept.po_number == "PO-2027-0042"
    assert default_storage.exists(first_pdf), "the earlier PDF stays on record"
    text = pdf_text(updated.pdf_path)
    assert "4500012345" in text and "V-0042" in text
    mail = OutboundEmail.objects.get(key__startswith=f"invoice-revised:{updated.pk}:2")
    assert mail.to == "ap@oxford.example" and mail.attachment_path == updated.pdf_path
    assert AuditEntry.objects.filter(action="po_details", object_id=str(updated.pk)).exists()


def test_the_same_po_details_again_make_no_new_version(open_invoice, applicant):
    for _ in range(2):
        paperwork.invoice_po_update(invoice=open_invoice, po_number="4500012345",
                                    vendor_number="", ap_email="", actor=applicant)
    assert InvoiceVersion.objects.count() == 1
    assert Invoice.objects.get(pk=open_invoice.pk).version == 2


@pytest.mark.parametrize(("value", "message"), [
    ("P" * 200, "at most 60 characters; this one has 200"),
    ("<script>alert(1)</script>", "no markup"),
    ('PO"><img src=x>', "no markup"),
    ("     ", "only spaces"),
])
def test_bad_po_numbers_are_refused_with_a_clear_error_and_nothing_changes(open_invoice,
                                                                          applicant, value,
                                                                          message):
    with pytest.raises(ValidationError) as refused:
        paperwork.invoice_po_update(invoice=open_invoice, po_number=value, vendor_number="",
                                    ap_email="", actor=applicant)
    assert message in " ".join(refused.value.message_dict["po_number"])
    fresh = Invoice.objects.get(pk=open_invoice.pk)
    assert (fresh.po_number, fresh.version) == ("PO-2027-0042", 1)
    assert not InvoiceVersion.objects.exists()


def test_a_vendor_number_of_markup_is_refused_next_to_its_field(open_invoice, applicant):
    with pytest.raises(ValidationError) as refused:
        paperwork.invoice_po_update(invoice=open_invoice, po_number="", vendor_number="<i>",
                                    ap_email="", actor=applicant)
    assert set(refused.value.message_dict) == {"vendor_number"}


@pytest.mark.parametrize("trait", ["paid", "void"])
def test_paid_and_void_invoices_refuse_po_changes(db, applicant, trait):
    invoice = InvoiceFactory(**{trait: True}, po_number="PO-1")
    with pytest.raises(ValidationError, match="can no longer change"):
        paperwork.invoice_po_update(invoice=invoice, po_number="PO-2", vendor_number="",
                                    ap_email="", actor=applicant)
    assert Invoice.objects.get(pk=invoice.pk).po_number == "PO-1"


def test_an_invoice_paid_in_full_since_the_form_opened_refuses_the_change(open_invoice,
                                                                         applicant, staff):
    stale = Invoice.objects.get(pk=open_invoice.pk)  # the page was opened before the check came
    services.payment_record(invoice=open_invoice, amount=open_invoice.total, method="check",
                            reference="Check 1001", actor=staff)
    with pytest.raises(ValidationError, match="is paid"):
        paperwork.invoice_po_update(invoice=stale, po_number="4500012345", vendor_number="",
                                    ap_email="", actor=applicant)
    fresh = Invoice.objects.get(pk=open_invoice.pk)
    assert fresh.status == "paid" and fresh.payments.count() == 1
    assert fresh.po_number == "PO-2027-0042"


def test_a_part_paid_invoice_still_takes_po_details(open_invoice, applicant):
    PaymentFactory(invoice=open_invoice, amount=Decimal("100.00"))
    updated = paperwork.invoice_po_update(invoice=open_invoice, po_number="PO-9",
                                          vendor_number="", ap_email="", actor=applicant)
    assert updated.version == 2


def test_the_stripe_invoice_gets_the_new_po_details(fees, fake_stripe, applicant):
    membership = partnership_membership()
    invoice = services.invoice_issue(membership=membership, commitment_year=1)
    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id
    paperwork.invoice_po_update(invoice=invoice, po_number="4500012345",
                                vendor_number="V-7", ap_email="", actor=applicant)
    stored = fake_stripe.invoices[invoice.stripe_invoice_id]
    assert stored["custom_fields"] == [{"name": "PO number", "value": "4500012345"},
                                       {"name": "Vendor number", "value": "V-7"}]
    assert stored["amount_due"] == 500000, "amounts are frozen"


# --- Terms and scheduled issue ------------------------------------------------------------------

def test_net_45_terms_set_the_due_date_and_the_ap_address_gets_the_invoice(fees):
    membership = MembershipFactory()
    BillingTerms.objects.create(application=membership.application, net_days=45,
                                ap_email="ap@district.example")
    today = timezone.localdate()
    invoice = services.invoice_issue(membership=membership, commitment_year=1, issue_date=today)
    assert invoice.net_days == 45 and invoice.due_date == today + timedelta(days=45)
    assert invoice.ap_email == "ap@district.example"
    recipients = set(OutboundEmail.objects.filter(key__startswith=f"invoice-issued:{invoice.pk}")
                     .values_list("to", flat=True))
    assert "ap@district.example" in recipients
    assert membership.application.applicant.email in recipients


def test_without_terms_the_fee_schedule_net_days_apply(fees):
    invoice = services.invoice_issue(membership=MembershipFactory(), commitment_year=1)
    assert invoice.net_days == fees.net_days == 30


def test_a_scheduled_issue_date_holds_invoices_until_that_day(fees):
    membership = MembershipFactory(term_start=timezone.localdate())
    issue_on = timezone.localdate() + timedelta(days=20)
    BillingTerms.objects.create(application=membership.application, issue_on=issue_on)
    assert services.commitment_invoices_issue(membership=membership) == []
    assert services.commitment_invoices_issue(
        membership=membership, today=issue_on - timedelta(days=1)) == []
    [invoice] = services.commitment_invoices_issue(membership=membership, today=issue_on)
    assert invoice.issue_date == issue_on and invoice.number
    assert services.commitment_invoices_issue(membership=membership, today=issue_on) == []


def test_terms_accept_only_net_30_45_60(db):
    terms = BillingTerms(application=ApplicationFactory(), net_days=90)
    with pytest.raises(ValidationError):
        terms.full_clean()


# --- Bounces ------------------------------------------------------------------------------------

def test_a_bounced_ap_address_is_recorded_staff_are_told_and_the_others_still_get_mail(
        fees, settings, staff):
    membership = MembershipFactory()
    BillingTerms.objects.create(application=membership.application,
                                ap_email="Dead@District.example")
    paperwork.bounce_record(address="dead@district.example", reason="550 5.1.1 user unknown",
                            source="webhook")
    paperwork.bounce_record(address="DEAD@district.example")  # a replay
    assert EmailBounce.objects.count() == 1
    alert = OutboundEmail.objects.get(to=settings.CENTER_STAFF_EMAIL,
                                      key__startswith="email-bounced:")
    assert "dead@district.example" in alert.subject
    invoice = services.invoice_issue(membership=membership, commitment_year=1)
    recipients = set(OutboundEmail.objects.filter(key__startswith=f"invoice-issued:{invoice.pk}")
                     .values_list("to", flat=True))
    assert recipients == {membership.application.applicant.email,
                          membership.application.billing_email} - {""}
    assert not any("dead" in r.lower() for r in recipients)


def test_a_bounce_without_an_address_is_refused(db):
    with pytest.raises(ValidationError):
        paperwork.bounce_record(address="   ")


# --- Statements ---------------------------------------------------------------------------------

def test_a_statement_carries_the_balance_forward_and_after_each_line(db):
    membership = MembershipFactory()
    old = InvoiceFactory(membership=membership, issue_date=date(2026, 1, 10),
                         total=Decimal("2500.00"))
    PaymentFactory(invoice=old, amount=Decimal("2000.00"), received_on=date(2026, 2, 1))
    new = InvoiceFactory(membership=membership, commitment_year=2, issue_date=date(2026, 7, 1),
                         total=Decimal("2500.00"), po_number="PO-77")
    PaymentFactory(invoice=new, amount=Decimal("2500.00"), received_on=date(2026, 7, 20),
                   reference="Check 5")
    InvoiceFactory(membership=membership, extra_seats=True, void=True,
                   issue_date=date(2026, 7, 2))
    InvoiceFactory(issue_date=date(2026, 7, 3))  # someone else's
    statement = paperwork.statement_of(membership=membership, start=date(2026, 7, 1),
                                       end=date(2026, 7, 31))
    assert statement.opening == Decimal("500.00")
    assert [(r.charge, r.credit, r.balance) for r in statement.rows] == [
        (Decimal("2500.00"), Decimal("0.00"), Decimal("3000.00")),
        (Decimal("0.00"), Decimal("2500.00"), Decimal("500.00")),
    ]
    assert "PO-77" in statement.rows[0].description
    assert statement.closing == Decimal("500.00")


@pytest.mark.parametrize(("start", "end", "field"), [
    (date(2026, 8, 1), date(2026, 7, 1), "end"),
    (date(2010, 1, 1), date(2026, 1, 1), "end"),
    (date(2999, 1, 1), date(2999, 2, 1), "start"),
])
def test_statement_ranges_that_make_no_sense_are_refused(db, start, end, field):
    with pytest.raises(ValidationError) as refused:
        paperwork.statement_of(membership=MembershipFactory(), start=start, end=end)
    assert field in refused.value.message_dict


def test_receipt_numbers_name_the_invoice(db):
    payment = PaymentFactory()
    assert paperwork.receipt_number(payment) == f"R-{payment.invoice.number}-{payment.pk}"


def test_a_quote_is_audited(fees):
    quote = paperwork.quote_issue(institutions="X District", partnership=False,
                                  tier_name="Tier 1", actor=UserFactory(staff=True))
    assert AuditEntry.objects.filter(action="quote_issued", object_id=str(quote.pk)).exists()
