"""Numbering, the year-2 job and refunds under real concurrency: threads against PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import services
from billing.models import Invoice, InvoiceNumberCounter, Refund
from billing.tasks import commitment_invoices_issue_due
from tests.billing.conftest import FY2027_DAY, run_in_threads
from tests.factories import FeeScheduleFactory, InvoiceFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_delivery(monkeypatch):
    """Issue only: no PDF, Stripe or mail from the threads (tested elsewhere)."""
    enqueued = []
    monkeypatch.setattr(services, "_enqueue", lambda name, *args: enqueued.append(args))
    return enqueued


def test_twenty_concurrent_issues_get_twenty_gapless_numbers(postgres, no_delivery):
    FeeScheduleFactory()
    memberships = [MembershipFactory() for _ in range(20)]

    def issue(index):
        return services.invoice_issue(membership=memberships[index], commitment_year=1,
                                      issue_date=FY2027_DAY).number

    numbers, errors = run_in_threads(20, issue)
    assert errors == []
    assert len(set(numbers)) == 20, "duplicate numbers"
    assert sorted(numbers) == [f"NCSUP-2027-{n:04d}" for n in range(1, 21)], "a gap"
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == list(range(1, 21))
    assert InvoiceNumberCounter.objects.get(fiscal_year=2027).last_number == 20
    assert len(no_delivery) == 20


def test_concurrent_issues_for_the_same_year_make_one_invoice(postgres, no_delivery):
    FeeScheduleFactory()
    membership = MembershipFactory()

    def issue(_):
        return services.commitment_invoices_issue(membership=membership, today=FY2027_DAY)

    results, errors = run_in_threads(8, issue)
    assert errors == []
    assert sorted(len(r) for r in results) == [0] * 7 + [1]
    assert membership.invoices.count() == 1
    assert InvoiceNumberCounter.objects.get().last_number == 1


def _due_for_year_two(count):
    """Memberships whose second year starts in 60 days (BILLING_YEAR2_LEAD_DAYS)."""
    start = timezone.localdate() + timedelta(days=60)
    start = start.replace(year=start.year - 1)
    return [MembershipFactory(term_start=start, term_end=start.replace(year=start.year + 2),
                              active=True)
            for _ in range(count)]


def test_year_two_job_run_twice_and_on_four_workers_at_once_makes_one_invoice_each(
    postgres, no_delivery
):
    FeeScheduleFactory()
    memberships = _due_for_year_two(30)
    today = timezone.localdate()
    not_yet = MembershipFactory(term_start=today, term_end=today + timedelta(days=730),
                                active=True)

    _, errors = run_in_threads(4, lambda _: commitment_invoices_issue_due())
    assert errors == []
    commitment_invoices_issue_due()  # and once more, afterwards

    for membership in memberships:
        years = sorted(membership.invoices.values_list("commitment_year", flat=True))
        assert years == [1, 2], f"{membership}: {years}"
    assert list(not_yet.invoices.values_list("commitment_year", flat=True)) == [1]
    numbers = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, 62)), "numbers must stay gapless across workers"


def test_concurrent_refunds_never_pay_back_more_than_came_in(postgres, no_delivery):
    """Six staff refund $1,000 of a $2,500 check at once: two fit, four are refused."""
    invoice = InvoiceFactory(total=Decimal("2500.00"))
    services.payment_record(invoice=invoice, amount=Decimal("2500.00"), method="check")

    def refund(index):
        return services.refund_record(invoice=invoice, amount=Decimal("1000.00"),
                                      method="check", reason="test", request_key=f"k{index}")

    results, errors = run_in_threads(6, refund)
    assert len([r for r in results if r]) == 2
    assert len(errors) == 4 and all(isinstance(e, ValidationError) for e in errors)
    assert sum(r.amount for r in Refund.objects.all()) == Decimal("2000.00")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == ("open", Decimal("2000.00"))
