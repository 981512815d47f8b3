"""Payments and refunds are dated inside a window: a payment from 60 days before its invoice's
issue date (a check sent ahead) to today; a refund from the first money received to today."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import services
from billing.models import Payment, Refund
from core.dates import day
from tests.billing.test_admin import act
from tests.factories import InvoiceFactory, PaymentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

ISSUED = date(2026, 12, 1)


def pay(invoice, received_on):
    return services.payment_record(invoice=invoice, amount=Decimal("100.00"), method="check",
                                   received_on=received_on)


def test_a_payment_dated_1900_on_an_invoice_of_december_2026_is_refused():
    invoice = InvoiceFactory(issue_date=ISSUED)
    with pytest.raises(ValidationError) as caught:
        pay(invoice, date(1900, 1, 1))
    (message,) = caught.value.message_dict["received_on"]
    assert message == (f"{invoice.number} was issued on 1 Dec 2026: money received for it "
                       "is dated from 2 Oct 2026 (60 days before, for a payment sent "
                       "ahead) to today, not 1 Jan 1900.")
    assert not Payment.objects.exists()


def test_the_window_edges_for_a_payment():
    invoice = InvoiceFactory(issue_date=ISSUED, total=Decimal("1000.00"))
    with pytest.raises(ValidationError, match="2 Oct 2026"):
        pay(invoice, ISSUED - timedelta(days=61))
    assert pay(invoice, ISSUED - timedelta(days=60)).received_on == date(2026, 10, 2)
    assert pay(invoice, timezone.localdate()).received_on == timezone.localdate()
    with pytest.raises(ValidationError, match="future"):
        pay(invoice, timezone.localdate() + timedelta(days=1))


def test_the_admin_shows_the_window_next_to_the_date_and_keeps_what_was_typed(staff_client):
    invoice = InvoiceFactory(issue_date=ISSUED, total=Decimal("2500.00"))
    response = act(staff_client, "record_a_payment_selected", [invoice], amount="2500.00",
                   received_on="1900-01-01", method="check", reference="Check 88")
    html = response.content.decode()
    assert 'id="id_received_on_error"' in html
    assert "dated from 2 Oct 2026" in html
    assert 'value="Check 88"' in html
    assert not Payment.objects.exists()


def test_a_refund_cannot_be_dated_before_the_money_came_in():
    today = timezone.localdate()
    first = today - timedelta(days=10)
    invoice = InvoiceFactory(issue_date=today - timedelta(days=30), total=Decimal("1000.00"))
    PaymentFactory(invoice=invoice, amount=Decimal("500.00"), received_on=first)

    def refund(day, key):
        return services.refund_record(invoice=invoice, amount=Decimal("10.00"), method="check",
                                      reason="Paid twice", request_key=key, refunded_on=day)

    with pytest.raises(ValidationError) as caught:
        refund(first - timedelta(days=1), "r1")
    assert caught.value.message_dict["refunded_on"] == [
        f"The money on {invoice.number} first came in on {day(first)}: a refund is dated "
        f"from then to today, not {day(first - timedelta(days=1))}."]
    assert not Refund.objects.exists()
    assert refund(first, "r2").refunded_on == first
    with pytest.raises(ValidationError, match="future"):
        refund(timezone.localdate() + timedelta(days=1), "r3")
