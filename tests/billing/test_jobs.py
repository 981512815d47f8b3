"""The periodic jobs: year-N invoices ahead of the anniversary, reminders, delivery retries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing import services
from billing.models import Invoice, ReminderLog
from billing.tasks import (
    commitment_invoices_issue_due,
    invoice_deliver_pending,
    invoice_reminders_send,
)
from core.models import OutboundEmail
from tests.factories import InvoiceFactory, MembershipFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def membership_with_anniversary_in(days, **kwargs):
    anniversary = timezone.localdate() + timedelta(days=days)
    start = anniversary.replace(year=anniversary.year - 1)
    return MembershipFactory(term_start=start, term_end=start.replace(year=start.year + 2),
                             **kwargs)


@pytest.mark.parametrize(("days_to_anniversary", "years"), [
    (61, [1]), (60, [1, 2]), (59, [1, 2]), (-10, [1, 2]),
])
def test_year_two_is_issued_sixty_days_before_the_anniversary(fees, days_to_anniversary, years):
    membership = membership_with_anniversary_in(days_to_anniversary, active=True)
    commitment_invoices_issue_due()
    assert sorted(membership.invoices.values_list("commitment_year", flat=True)) == years


def test_the_lead_time_is_a_setting(fees, settings):
    settings.BILLING_YEAR2_LEAD_DAYS = 90
    membership = membership_with_anniversary_in(75, active=True)
    commitment_invoices_issue_due()
    assert sorted(membership.invoices.values_list("commitment_year", flat=True)) == [1, 2]


def test_year_two_job_run_twice_issues_once_and_keeps_year_one(fees):
    membership = membership_with_anniversary_in(30, active=True)
    year_one = InvoiceFactory(membership=membership, paid=True, commitment_year=1,
                              sequence=900)
    commitment_invoices_issue_due()
    commitment_invoices_issue_due()
    invoices = membership.invoices.order_by("commitment_year")
    assert [(i.pk == year_one.pk, i.commitment_year) for i in invoices] == [
        (True, 1), (False, 2)]
    year_two = invoices[1]
    assert year_two.issue_date == timezone.localdate()
    assert year_two.due_date == timezone.localdate() + timedelta(days=30)
    assert "commitment year 2 of 2" in year_two.lines.get().description


def test_a_voided_year_two_is_not_issued_again_by_the_job(fees, staff):
    membership = membership_with_anniversary_in(30, active=True)
    commitment_invoices_issue_due()
    year_two = membership.invoices.get(commitment_year=2)
    services.invoice_void(invoice=year_two, actor=staff, reason="Leaving early, agreed")
    commitment_invoices_issue_due()
    assert membership.invoices.filter(commitment_year=2).count() == 1


@pytest.mark.parametrize("status", ["left_early", "ended"])
def test_memberships_that_left_get_no_year_two(fees, status):
    membership = membership_with_anniversary_in(30, status=status)
    commitment_invoices_issue_due()
    assert not membership.invoices.exists()


# --- reminders ---------------------------------------------------------------------------------

def open_invoice_due_in(days, **kwargs):
    today = timezone.localdate()
    return InvoiceFactory(issue_date=today + timedelta(days=days - 30),
                          due_date=today + timedelta(days=days), **kwargs)


@pytest.mark.parametrize(("due_in", "kind"), [
    (8, None), (7, "due_7"), (3, "due_7"), (0, "due_7"), (-1, "overdue_1"),
    (-13, "overdue_1"), (-14, "overdue_14"), (-29, "overdue_14"), (-30, "overdue_30"),
    (-200, "overdue_30"),
])
def test_which_reminder_an_invoice_is_owed(due_in, kind):
    invoice = open_invoice_due_in(due_in)
    assert services.reminder_kind_due(invoice, today=timezone.localdate()) == kind


def test_reminders_job_sends_each_once_however_often_it_runs(immediate_on_commit):
    due_soon = open_invoice_due_in(7)
    late = open_invoice_due_in(-1)
    paid = open_invoice_due_in(-1, paid=True)
    far = open_invoice_due_in(20)
    for _ in range(3):
        invoice_reminders_send()
    assert sorted(ReminderLog.objects.values_list("invoice_id", "kind")) == sorted([
        (due_soon.pk, "due_7"), (late.pk, "overdue_1")])
    subjects = sorted(m.subject for m in mail.outbox if m.to == ["ap@example.org"])
    assert len(subjects) == 2 and len(mail.outbox) == 4  # two billing contacts, each once
    assert subjects[0].startswith("Overdue: invoice") and late.number in subjects[0]
    assert subjects[1].startswith("Reminder: invoice") and due_soon.number in subjects[1]
    assert not ReminderLog.objects.filter(invoice__in=[paid, far]).exists()


def test_over_a_whole_life_an_invoice_gets_four_reminders_each_once():
    invoice = open_invoice_due_in(0)
    due = invoice.due_date
    sent = []
    for offset in range(-30, 60):
        for _ in range(2):  # two workers on the same day
            log = services.invoice_reminder_send(invoice=invoice, today=due + timedelta(offset))
            if log:
                sent.append((offset, log.kind))
    assert sent == [(-7, "due_7"), (1, "overdue_1"), (14, "overdue_14"), (30, "overdue_30")]
    # Four reminders, each once to each of the two billing contacts.
    assert OutboundEmail.objects.filter(key__startswith="invoice-reminder:").count() == 8


def test_the_overdue_reminder_says_what_is_still_open(immediate_on_commit):
    invoice = open_invoice_due_in(-14, total=Decimal("2500.00"))
    PaymentFactory(invoice=invoice, amount=Decimal("1000.00"))
    invoice_reminders_send()
    message = mail.outbox[-1]
    assert "14 days ago" in message.body and "$1,500.00 is still open" in message.body


# --- delivery retry ----------------------------------------------------------------------------

def test_delivery_retry_job_picks_up_invoices_that_were_not_delivered(
    fees, immediate_on_commit
):
    stuck = InvoiceFactory(open_at=timezone.now() - timedelta(hours=1))
    fresh = InvoiceFactory()  # just issued: its own task is still running
    invoice_deliver_pending()
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.pdf_path and stuck.delivered_at is not None
    assert not fresh.pdf_path and fresh.delivered_at is None
    assert any(stuck.number in m.subject for m in mail.outbox)
    invoice_deliver_pending()  # nothing left to do: no second email
    assert len([m for m in mail.outbox if stuck.number in m.subject]) == 2  # billing + contact
    assert Invoice.objects.filter(delivered_at__isnull=True).count() == 1
