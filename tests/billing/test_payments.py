from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import services
from billing.models import Invoice, Payment
from core.models import AuditEntry
from core.statemachine import IllegalTransition, history
from members.models import Membership
from tests.billing.conftest import FY2027_DAY
from tests.factories import InvoiceFactory, MembershipFactory, PaymentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def pay(invoice, amount, **kwargs):
    kwargs.setdefault("method", "check")
    kwargs.setdefault("received_on", FY2027_DAY)
    return services.payment_record(invoice=invoice, amount=Decimal(amount), **kwargs)


def test_partial_payments_keep_a_balance_then_the_last_one_pays_and_activates(staff):
    invoice = InvoiceFactory(total=Decimal("5000.00"))
    membership = invoice.membership
    assert membership.status == Membership.Status.PENDING

    pay(invoice, "2000.00", reference="Check 1001", actor=staff)
    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.balance, invoice.is_partially_paid) == (
        "open", Decimal("3000.00"), True)
    assert membership.status == "pending"

    pay(invoice, "3000.00", method="ach", reference="ACH 77", actor=staff)
    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert (invoice.status, invoice.balance, invoice.is_partially_paid) == (
        "paid", Decimal("0.00"), False)
    assert invoice.paid_at is not None
    assert membership.status == "active" and membership.active_at is not None
    assert [e.to_status for e in history(membership)] == ["active"]
    receipts = [m for m in mail.outbox if m.subject.startswith("Payment received")
                and m.to == [invoice.bill_to_email]]  # each billing contact gets their own
    assert len(receipts) == 2
    assert "$3,000.00 of $5,000.00 is still open" in receipts[0].body
    assert "paid in full" in receipts[1].body
    assert receipts[0].to == [invoice.bill_to_email]


def test_year_two_payment_leaves_an_active_membership_active(staff):
    membership = MembershipFactory(active=True)
    invoice = InvoiceFactory(membership=membership, commitment_year=2)
    pay(invoice, "2500.00")
    membership.refresh_from_db()
    assert membership.status == "active"
    assert not history(membership).exists()


def test_extra_seat_invoices_do_not_activate_a_membership():
    invoice = InvoiceFactory(extra_seats=True, total=Decimal("500.00"))
    pay(invoice, "500.00")
    invoice.membership.refresh_from_db()
    assert invoice.membership.status == "pending"


def test_overpayment_is_refused_next_to_the_amount():
    invoice = InvoiceFactory(total=Decimal("2500.00"))
    pay(invoice, "2000.00")
    with pytest.raises(ValidationError) as error:
        pay(invoice, "500.01")
    assert "more than the balance of $500.00" in str(error.value.message_dict["amount"])
    assert invoice.payments.count() == 1


def test_a_paid_invoice_takes_no_more_money():
    invoice = InvoiceFactory(total=Decimal("100.00"))
    pay(invoice, "100.00")
    with pytest.raises(ValidationError, match="already paid in full"):
        pay(invoice, "1.00")
    assert invoice.payments.count() == 1


def test_a_void_invoice_takes_no_payment():
    invoice = InvoiceFactory(void=True)
    with pytest.raises(ValidationError, match="is void"):
        pay(invoice, "10.00")
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["0", "0.00", "-5.00", "0.001"])
def test_non_positive_payments_are_refused(amount):
    invoice = InvoiceFactory()
    with pytest.raises(ValidationError) as error:
        pay(invoice, amount)
    assert "amount" in error.value.message_dict
    assert not Payment.objects.exists()


def test_money_received_tomorrow_is_refused():
    invoice = InvoiceFactory()
    with pytest.raises(ValidationError) as error:
        pay(invoice, "10.00", received_on=timezone.localdate() + timedelta(days=1))
    assert "received_on" in error.value.message_dict


def test_unknown_method_is_refused():
    with pytest.raises(ValidationError):
        pay(InvoiceFactory(), "10.00", method="bitcoin")


def test_void_needs_a_reason_and_keeps_it(staff):
    invoice = InvoiceFactory()
    with pytest.raises(ValidationError) as error:
        services.invoice_void(invoice=invoice, actor=staff, reason="  ")
    assert "reason" in error.value.message_dict
    voided = services.invoice_void(invoice=invoice, actor=staff, reason="Billed the wrong tier")
    assert (voided.status, voided.void_reason) == ("void", "Billed the wrong tier")
    assert voided.void_at is not None and voided.number == invoice.number
    entry = history(voided).get()
    assert (entry.to_status, entry.actor, entry.reason) == ("void", staff,
                                                           "Billed the wrong tier")


def test_a_paid_invoice_cannot_be_voided(staff):
    invoice = InvoiceFactory(paid=True)
    with pytest.raises(IllegalTransition, match="paid cannot become void"):
        services.invoice_void(invoice=invoice, actor=staff, reason="Oops")
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_an_invoice_with_payments_cannot_be_voided(staff):
    invoice = InvoiceFactory()
    PaymentFactory(invoice=invoice, amount=Decimal("100.00"))
    with pytest.raises(ValidationError, match=r"has \$100.00 paid against it: refund it first"):
        services.invoice_void(invoice=invoice, actor=staff, reason="Oops")
    invoice.refresh_from_db()
    assert invoice.status == "open"


def test_uncollectible_can_still_be_paid_or_voided(staff):
    invoice = InvoiceFactory(total=Decimal("50.00"))
    services.invoice_mark_uncollectible(invoice=invoice, actor=staff, reason="No answer")
    invoice.refresh_from_db()
    assert invoice.status == "uncollectible"
    pay(invoice, "50.00")
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    other = InvoiceFactory()
    services.invoice_mark_uncollectible(invoice=other, actor=staff, reason="Closed")
    assert services.invoice_void(invoice=other, actor=staff, reason="Closed").status == "void"


ALL = set(Invoice.Status.values)
LEGAL = {
    "draft": {"open", "void"},
    "open": {"paid", "void", "uncollectible"},
    "uncollectible": {"paid", "void"},
}


@pytest.mark.parametrize("start", sorted(ALL - {"draft"}))
@pytest.mark.parametrize("to", ["void", "uncollectible"])
def test_staff_status_changes_follow_the_table(start, to, staff):
    invoice = InvoiceFactory(status=start)
    service = services.invoice_void if to == "void" else services.invoice_mark_uncollectible
    if start == to:
        service(invoice=invoice, actor=staff, reason="again")
        assert not AuditEntry.objects.exists()
    elif to in LEGAL.get(start, set()):
        assert service(invoice=invoice, actor=staff, reason="why").status == to
    else:
        with pytest.raises(IllegalTransition):
            service(invoice=invoice, actor=staff, reason="why")
        invoice.refresh_from_db()
        assert invoice.status == start


def test_payments_are_audited_with_method_and_reference(staff):
    invoice = InvoiceFactory()
    pay(invoice, "100.00", reference="Check 4417", actor=staff)
    entry = history(invoice).get(action="payment")
    assert entry.reason == "$100.00 by check (Check 4417)"
    assert entry.actor == staff
