from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from billing import services
from billing.models import FeeSchedule, Invoice, InvoiceNumberCounter, fiscal_year_of
from core.models import OutboundEmail
from core.statemachine import history
from members import services as member_services
from members.models import Institution, Membership
from tests.billing.conftest import FY2027_DAY, partnership_membership
from tests.factories import ApplicationFactory, FeeScheduleFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("day", "fiscal_year"), [
    (date(2026, 6, 30), 2026), (date(2026, 7, 1), 2027), (date(2026, 12, 31), 2027),
    (date(2027, 1, 1), 2027), (date(2027, 6, 30), 2027), (date(2027, 7, 1), 2028),
])
def test_fiscal_year_runs_july_to_june_named_by_its_end(day, fiscal_year):
    assert fiscal_year_of(day) == fiscal_year


def test_partnership_pays_the_partnership_fee_single_the_institution_fee(fees):
    partnership = partnership_membership()
    single = MembershipFactory()
    a = services.invoice_issue(membership=partnership, commitment_year=1, issue_date=FY2027_DAY)
    b = services.invoice_issue(membership=single, commitment_year=1, issue_date=FY2027_DAY)
    assert (a.total, b.total) == (Decimal("5000.00"), Decimal("2500.00"))
    line = a.lines.get()
    assert (line.quantity, line.unit_price, line.amount) == (1, Decimal("5000.00"),
                                                            Decimal("5000.00"))
    assert "commitment year 1 of 2" in line.description
    assert "LEA-IHE partnership" in line.description
    assert "1 September 2026 to 31 August 2027" in line.description


def test_prices_come_from_the_schedule_in_force_on_the_issue_date(fees):
    FeeScheduleFactory(effective_from=date(2027, 1, 1), institution_fee=Decimal("2750.00"),
                       partnership_fee=Decimal("5500.00"), net_days=45)
    before = services.invoice_issue(membership=MembershipFactory(), commitment_year=1,
                                    issue_date=date(2026, 12, 31))
    after = services.invoice_issue(membership=MembershipFactory(), commitment_year=1,
                                   issue_date=date(2027, 1, 1))
    assert (before.total, before.net_days, before.due_date) == (
        Decimal("2500.00"), 30, date(2027, 1, 30))
    assert (after.total, after.net_days, after.due_date) == (
        Decimal("2750.00"), 45, date(2027, 2, 15))


def test_no_fee_schedule_in_force_is_refused(db):
    FeeScheduleFactory(effective_from=date(2030, 1, 1))
    with pytest.raises(ValidationError, match="No fee schedule is in force"):
        services.invoice_issue(membership=MembershipFactory(), commitment_year=1,
                               issue_date=FY2027_DAY)
    assert not Invoice.objects.exists()


def test_issue_numbers_opens_and_audits(fees, staff):
    invoice = services.invoice_issue(membership=partnership_membership(), commitment_year=1,
                                     issue_date=FY2027_DAY, actor=staff)
    assert invoice.number == "NCSUP-2027-0001"
    assert (invoice.status, invoice.fiscal_year, invoice.sequence) == ("open", 2027, 1)
    assert (invoice.issue_date, invoice.due_date) == (FY2027_DAY, date(2026, 10, 1))
    assert invoice.open_at is not None and invoice.issued_by == staff
    entry = history(invoice).get()
    assert (entry.from_status, entry.to_status, entry.actor) == ("draft", "open", staff)


def test_numbers_are_sequential_per_fiscal_year_and_restart_in_july(fees):
    numbers = [services.invoice_issue(membership=MembershipFactory(), commitment_year=1,
                                      issue_date=day).number
               for day in (date(2027, 6, 29), date(2027, 6, 30), date(2027, 7, 1),
                           date(2027, 7, 1))]
    assert numbers == ["NCSUP-2027-0001", "NCSUP-2027-0002", "NCSUP-2028-0001",
                       "NCSUP-2028-0002"]


def test_a_rolled_back_issue_leaves_no_gap(fees):
    services.invoice_issue(membership=MembershipFactory(), commitment_year=1,
                           issue_date=FY2027_DAY)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.invoice_issue(membership=MembershipFactory(), commitment_year=1,
                               issue_date=FY2027_DAY)
        raise RuntimeError("something after the issue failed")
    third = services.invoice_issue(membership=MembershipFactory(), commitment_year=1,
                                   issue_date=FY2027_DAY)
    assert third.number == "NCSUP-2027-0002"
    assert InvoiceNumberCounter.objects.get(fiscal_year=2027).last_number == 2


def test_bill_to_po_and_line_text_are_frozen_at_issue(fees):
    membership = partnership_membership()
    invoice = services.invoice_issue(membership=membership, commitment_year=1,
                                     issue_date=FY2027_DAY)
    application = membership.application
    application.billing_name, application.po_number = "Someone Else", "PO-CHANGED"
    application.billing_address = "Elsewhere"
    application.save()
    Institution.objects.filter(name="Oxford School District").update(name="Renamed District")
    FeeSchedule.objects.update(partnership_fee=Decimal("9999.00"))

    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.bill_to_name, invoice.bill_to_email, invoice.po_number) == (
        "Dana Accounts", "ap@oxford.k12.ms.example", "PO-2027-0042")
    assert invoice.bill_to_address == "224 Bramlett Blvd\nOxford, MS 38655"
    assert invoice.bill_to_institutions == "Oxford School District + University of Mississippi"
    assert invoice.total == invoice.lines.get().amount == Decimal("5000.00")


def test_the_same_commitment_year_is_never_invoiced_twice(fees):
    membership = MembershipFactory()
    services.invoice_issue(membership=membership, commitment_year=1, issue_date=FY2027_DAY)
    with pytest.raises(ValidationError, match="already invoiced"):
        services.invoice_issue(membership=membership, commitment_year=1, issue_date=FY2027_DAY)
    assert membership.invoices.count() == 1
    assert InvoiceNumberCounter.objects.get().last_number == 1


def test_the_database_refuses_a_second_invoice_for_a_commitment_year(fees):
    from django.db import IntegrityError

    from tests.factories import InvoiceFactory

    first = InvoiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(membership=first.membership, commitment_year=1, lines=False)
    InvoiceFactory(membership=first.membership, extra_seats=True)  # other kinds are fine


@pytest.mark.parametrize("status", ["left_early", "ended"])
def test_memberships_that_ended_are_not_invoiced(fees, status):
    membership = MembershipFactory(status=status)
    with pytest.raises(ValidationError, match="nothing to invoice"):
        services.invoice_issue(membership=membership, commitment_year=1, issue_date=FY2027_DAY)
    assert services.commitment_invoices_issue(membership=membership, today=FY2027_DAY) == []
    assert not Invoice.objects.exists()


def test_a_two_year_term_has_no_third_commitment_year(fees):
    membership = MembershipFactory()
    with pytest.raises(ValidationError, match="2 commitment year"):
        services.invoice_issue(membership=membership, commitment_year=3, issue_date=FY2027_DAY)


@pytest.mark.usefixtures("immediate_on_commit", "no_stripe")
def test_approval_issues_year_one_and_emails_the_pdf_with_check_instructions(fees, staff):
    application = ApplicationFactory(partnership=True, billing_email="ap@district.example.org",
                                     po_number="PO-77")
    membership = member_services.application_approve(application=application, actor=staff,
                                                     term_start=FY2027_DAY)
    invoice = membership.invoices.get()
    assert (invoice.commitment_year, invoice.total, invoice.po_number) == (
        1, Decimal("5000.00"), "PO-77")
    assert invoice.pdf_path and invoice.delivered_at is not None
    sent = [m for m in mail.outbox if invoice.number in m.subject]
    assert sorted(m.to[0] for m in sent) == sorted(["ap@district.example.org",
                                                    application.applicant.email])
    message = next(m for m in sent if m.to == ["ap@district.example.org"])
    assert message.attachments[0][0] == f"{invoice.number}.pdf"
    assert message.attachments[0][1].startswith(b"%PDF")
    assert "$5,000.00" in message.subject
    assert "payable to The University of Mississippi" in message.body
    assert "Online payment is not available" in message.body
    assert "stripe" not in message.body.lower()

    # A second approval, or the task running again, issues nothing more.
    member_services.application_approve(application=application, actor=staff)
    from billing.tasks import commitment_invoices_issue_for

    commitment_invoices_issue_for(membership_id=membership.pk)
    assert membership.invoices.count() == 1
    assert OutboundEmail.objects.filter(key__startswith="invoice-issued:").count() == 2


@pytest.mark.usefixtures("immediate_on_commit")
def test_approval_without_a_fee_schedule_warns_and_the_daily_job_catches_up(staff, caplog):
    from billing.tasks import commitment_invoices_issue_due

    application = ApplicationFactory()
    membership = member_services.application_approve(application=application, actor=staff)
    assert not membership.invoices.exists()
    assert "not invoiced yet: No fee schedule" in caplog.text

    FeeScheduleFactory()
    commitment_invoices_issue_due()
    assert list(membership.invoices.values_list("commitment_year", flat=True)) == [1]


def test_extra_seats_are_billed_at_the_schedule_price(fees, staff):
    membership = MembershipFactory(status=Membership.Status.ACTIVE)
    invoice = services.invoice_issue_extra_seats(membership=membership, seats=3, actor=staff,
                                                 issue_date=FY2027_DAY)
    line = invoice.lines.get()
    assert (invoice.kind, invoice.commitment_year) == ("extra_seats", None)
    assert (line.quantity, line.unit_price, line.amount, invoice.total) == (
        3, Decimal("500.00"), Decimal("1500.00"), Decimal("1500.00"))
    with pytest.raises(ValidationError):
        services.invoice_issue_extra_seats(membership=membership, seats=0, actor=staff)


def test_commitment_years_due_follow_the_anniversary_and_lead_days():
    membership = Membership(term_start=date(2026, 9, 1), term_end=date(2028, 9, 1))
    assert services.commitment_years_in_term(membership) == 2
    due = services.commitment_years_due
    assert due(membership, today=date(2026, 9, 1), lead_days=60) == [1]
    assert due(membership, today=date(2027, 7, 2), lead_days=60) == [1]
    assert due(membership, today=date(2027, 7, 3), lead_days=60) == [1, 2]
    assert due(membership, today=date(2029, 1, 1), lead_days=60) == [1, 2]
    assert date(2027, 9, 1) - timedelta(days=60) == date(2027, 7, 3)
