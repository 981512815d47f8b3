"""Refunds: money paid back by check or transfer, never more than was received offline, once per
form, with the invoice's balance, status and the revenue report following."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import services
from billing.models import Invoice, Refund
from core import once
from core.statemachine import IllegalTransition, history
from members.models import Membership
from tests.billing.test_admin import REPORTS, act
from tests.factories import InvoiceFactory, PaymentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def refund(invoice, amount, key="form-1", **kwargs):
    kwargs.setdefault("method", "check")
    kwargs.setdefault("reason", "Check recorded twice")
    return services.refund_record(invoice=invoice, amount=Decimal(amount), request_key=key,
                                  **kwargs)


def paid_by_check(total="2500.00"):
    invoice = InvoiceFactory(total=Decimal(total))
    services.payment_record(invoice=invoice, amount=Decimal(total), method="check",
                            reference="Check 1001")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    return invoice


def test_a_refund_reopens_a_paid_invoice_for_what_went_back(staff):
    invoice = paid_by_check()
    membership = invoice.membership
    refund(invoice, "500.00", reference="Check 2002", actor=staff)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance, invoice.is_partially_paid) == (
        "open", Decimal("2000.00"), Decimal("500.00"), True)
    listed = Invoice.objects.with_balance().get(pk=invoice.pk)  # the lists' annotation agrees
    assert (listed.paid_total, listed.balance_due) == (Decimal("2000.00"), Decimal("500.00"))
    entry = history(invoice).get(action="refund")
    assert (entry.actor, entry.reason) == (staff, "$500.00 by check (Check 2002): Check "
                                                  "recorded twice")
    assert history(invoice).filter(to_status="open").exists()
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE  # leaving is a staff decision
    sent = [m for m in mail.outbox if m.subject == f"Refund for invoice {invoice.number}"]
    assert len(sent) == 1 and sent[0].to == [invoice.bill_to_email]
    assert "paid back $500.00 (check, Check 2002)" in sent[0].body
    assert "Why: Check recorded twice" in sent[0].body
    assert "$500.00 of $2,500.00 is open on the invoice." in sent[0].body


def test_refunded_in_full_the_invoice_can_be_voided(staff):
    invoice = paid_by_check()
    with pytest.raises(IllegalTransition, match="paid cannot become void"):
        services.invoice_void(invoice=invoice, actor=staff, reason="Left early")
    refund(invoice, "2500.00", reason="Left early: year refunded", actor=staff)
    voided = services.invoice_void(invoice=invoice, actor=staff, reason="Left early")
    assert voided.status == "void"


@pytest.mark.parametrize("amount, message", [
    ("2500.01", "more than the $2,500.00 received"),
    ("0.00", "A refund is more than $0.00."),
    ("-5.00", "A refund is more than $0.00."),
])
def test_no_refund_beyond_what_came_in(amount, message):
    invoice = paid_by_check()
    with pytest.raises(ValidationError) as caught:
        refund(invoice, amount)
    assert message in " ".join(caught.value.message_dict["amount"])
    assert not Refund.objects.exists()


def test_refunds_add_up_to_what_was_received_and_no_more():
    invoice = paid_by_check("1000.00")
    refund(invoice, "600.00", key="a")
    with pytest.raises(ValidationError, match=r"more than the \$400.00 received"):
        refund(invoice, "400.01", key="b")
    refund(invoice, "400.00", key="c")
    with pytest.raises(ValidationError, match=r"Nothing received .* is left to refund"):
        refund(invoice, "1.00", key="d")
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.balance) == (Decimal("0.00"), Decimal("1000.00"))


def test_money_paid_online_is_refunded_in_stripe_not_here():
    invoice = InvoiceFactory(total=Decimal("2500.00"))
    PaymentFactory(invoice=invoice, amount=Decimal("2000.00"), method="stripe",
                   stripe_invoice_id="in_1")
    with pytest.raises(ValidationError, match="paid online: refund it in Stripe"):
        refund(invoice, "10.00")
    PaymentFactory(invoice=invoice, amount=Decimal("500.00"), method="check")
    with pytest.raises(ValidationError, match=r"more than the \$500.00 received"):
        refund(invoice, "600.00")
    refund(invoice, "500.00")


def test_the_same_form_twice_makes_one_refund():
    invoice = paid_by_check()
    first = refund(invoice, "100.00", key="double-click")
    again = refund(invoice, "100.00", key="double-click")
    assert first.pk == again.pk and Refund.objects.count() == 1
    assert len([m for m in mail.outbox if m.subject.startswith("Refund for")]) == 1
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("100.00")


@pytest.mark.parametrize("changes, field", [
    ({"reason": "  "}, "reason"),
    ({"refunded_on": timezone.localdate() + timedelta(days=1)}, "refunded_on"),
    ({"method": "stripe"}, "method"),
])
def test_a_bad_refund_is_refused_next_to_its_field(changes, field):
    invoice = paid_by_check()
    with pytest.raises(ValidationError) as caught:
        refund(invoice, "10.00", **changes)
    assert field in caught.value.message_dict
    assert not Refund.objects.exists()


def test_revenue_counts_refunds_in_the_year_they_went_back(staff_client):
    invoice = InvoiceFactory(fiscal_year=2026, total=Decimal("1000.00"))
    PaymentFactory(invoice=invoice, amount=Decimal("1000.00"), received_on=date(2026, 6, 1))
    refund(invoice, "300.00", refunded_on=date(2026, 7, 15))  # FY2027: July starts it
    rows = {r.fiscal_year: r for r in staff_client.get(REPORTS).context["revenue"]}
    assert (rows[2026].collected, rows[2026].refunded) == (Decimal("1000.00"), Decimal("0"))
    assert (rows[2027].collected, rows[2027].refunded) == (Decimal("-300.00"),
                                                           Decimal("300.00"))
    assert "$300.00" in staff_client.get(REPORTS).content.decode()


def test_staff_refund_from_the_invoice_list_and_a_resubmit_changes_nothing(staff_client, staff):
    invoice = paid_by_check()
    form = act(staff_client, "refund_money_received_selected", [invoice])
    html = form.content.decode()
    assert 'name="amount"' in html and 'type="hidden" name="once_token"' in html
    key = form.context["form"]["once_token"].value()
    data = {"amount": "250.00", "refunded_on": str(timezone.localdate()), "method": "check",
            "reference": "Check 3003", "reason": "Billed for one seat too many",
            "once_token": key}
    done = act(staff_client, "refund_money_received_selected", [invoice], **data)
    assert "Refund money received: 1 invoice." in done.content.decode()
    again = act(staff_client, "refund_money_received_selected", [invoice], **data)  # back button
    assert "That was already saved." in again.content.decode()
    assert Refund.objects.get().recorded_by == staff
    over = act(staff_client, "refund_money_received_selected", [invoice],
               **{**data, "amount": "9999.00", "once_token": once.form_token_new()})
    assert 'id="id_amount_error"' in over.content.decode()
    assert Refund.objects.count() == 1
    page = staff_client.get(f"/staff/billing/invoice/{invoice.pk}/change/").content.decode()
    assert "Billed for one seat too many" in page and "$250.00" in page
