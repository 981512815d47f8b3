"""Money on invoices: Decimal with two places, half up; balances derived from payments."""

from decimal import Decimal

import pytest

from billing import services
from billing.models import Invoice
from billing.services import LineData
from core.money import from_cents, money, to_cents
from tests.billing.conftest import FY2027_DAY
from tests.factories import FeeScheduleFactory, InvoiceFactory, MembershipFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def test_line_amounts_round_half_up_per_unit_then_multiply():
    assert LineData("seat", Decimal("333.335"), 3).amount == Decimal("1000.02")
    assert LineData("seat", Decimal("0.005")).amount == Decimal("0.01")
    assert LineData("seat", Decimal("2500")).amount == Decimal("2500.00")
    assert str(LineData("seat", Decimal("2500")).amount) == "2500.00"


def test_floats_are_refused_everywhere_money_enters():
    with pytest.raises(TypeError):
        money(2500.0)
    with pytest.raises(TypeError):
        LineData("seat", 0.1, 3).amount  # noqa: B018


def test_cents_exist_only_at_the_stripe_edge_and_round_trip():
    assert to_cents(Decimal("5000.00")) == 500000
    assert to_cents(Decimal("0.105")) == 11
    assert from_cents(250050) == Decimal("2500.50")


def test_totals_and_balances_are_exact_sums_of_decimals(db):
    FeeScheduleFactory(extra_seat_fee=Decimal("333.33"))
    invoice = services.invoice_issue_extra_seats(
        membership=MembershipFactory(), seats=3, actor=None, issue_date=FY2027_DAY)
    assert invoice.total == Decimal("999.99")
    for amount in ("0.10", "0.20", "333.33"):
        services.payment_record(invoice=invoice, amount=Decimal(amount), method="check",
                                received_on=FY2027_DAY)
    invoice = Invoice.objects.with_balance().get(pk=invoice.pk)
    assert invoice.amount_paid == Decimal("333.63")
    assert invoice.balance == Decimal("666.36")  # 0.1 + 0.2 is 0.30 here, not 0.30000000000004
    assert invoice.balance_due == Decimal("666.36")
    assert isinstance(invoice.balance_due, Decimal)
    assert invoice.is_partially_paid


def test_balance_is_derived_the_same_with_or_without_the_annotation(db):
    invoice = InvoiceFactory(total=Decimal("5000.00"))
    PaymentFactory(invoice=invoice, amount=Decimal("1250.25"))
    PaymentFactory(invoice=invoice, amount=Decimal("1249.75"))
    plain = Invoice.objects.get(pk=invoice.pk)
    annotated = Invoice.objects.with_balance().get(pk=invoice.pk)
    assert plain.balance == annotated.balance == annotated.balance_due == Decimal("2500.00")
    assert plain.amount_paid == annotated.paid_total == Decimal("2500.00")
    untouched = Invoice.objects.with_balance().get(pk=InvoiceFactory().pk)
    assert (untouched.paid_total, untouched.balance_due) == (Decimal("0.00"), Decimal("2500.00"))
    assert not untouched.is_partially_paid
