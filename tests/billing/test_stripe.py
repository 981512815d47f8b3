"""The official stripe client against a local fake of the Stripe API."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from billing import services, stripe_gateway
from billing.models import Invoice
from billing.tasks import invoice_deliver, stripe_invoices_reconcile
from tests.billing.conftest import FY2027_DAY, partnership_membership
from tests.factories import InvoiceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def issue(**kwargs):
    return services.invoice_issue(membership=partnership_membership(), commitment_year=1,
                                  issue_date=kwargs.pop("issue_date", FY2027_DAY), **kwargs)


def test_issuing_creates_customer_invoice_items_and_finalizes_with_idempotency_keys(
    fees, fake_stripe
):
    invoice = issue()
    invoice.refresh_from_db()

    assert fake_stripe.api_calls() == [
        ("POST", "/v1/customers"),
        ("POST", "/v1/invoices"),
        ("POST", "/v1/invoiceitems"),
        ("POST", f"/v1/invoices/{invoice.stripe_invoice_id}/finalize"),
    ]
    customer, created, item, finalize = fake_stripe.requests
    assert all(r.headers["authorization"] == "Bearer sk_test_fake_key"
               for r in fake_stripe.requests)
    assert customer.params["email"] == "ap@oxford.k12.ms.example"
    assert customer.params["name"] == "Oxford School District + University of Mississippi"
    assert customer.idempotency_key == f"ncsup-membership-{invoice.membership_id}-customer"

    assert created.idempotency_key == f"ncsup-invoice-{invoice.pk}-create"
    assert created.params["collection_method"] == "send_invoice"
    assert created.params["customer"] == invoice.stripe_customer_id
    assert created.params["custom_fields[0][name]"] == "PO number"
    assert created.params["custom_fields[0][value]"] == "PO-2027-0042"
    assert created.params["metadata[ncsup_invoice]"] == "NCSUP-2027-0001"
    assert created.params["currency"] == "usd"
    # Due 1 October 2026, end of the day in Oxford's (Central) time zone.
    assert int(created.params["due_date"]) == int(
        datetime(2026, 10, 1, 23, 59, tzinfo=ZoneInfo("America/Chicago")).timestamp())

    assert item.params["amount"] == "500000"  # cents, only here
    assert item.params["invoice"] == invoice.stripe_invoice_id
    assert item.idempotency_key.startswith(f"ncsup-invoice-{invoice.pk}-line-")
    assert finalize.idempotency_key == f"ncsup-invoice-{invoice.pk}-finalize"

    assert invoice.stripe_customer_id.startswith("cus_fake_")
    assert invoice.hosted_invoice_url == f"{fake_stripe.url}/hosted/{invoice.stripe_invoice_id}"
    assert fake_stripe.invoices[invoice.stripe_invoice_id]["amount_due"] == 500000

    message = next(m for m in mail.outbox if m.to == ["ap@oxford.k12.ms.example"])
    assert invoice.hosted_invoice_url in message.body
    assert "Online payment is not available" not in message.body


def test_without_po_there_is_no_custom_field(fees, fake_stripe):
    membership = partnership_membership()
    membership.application.po_number = ""
    membership.application.save()
    services.invoice_issue(membership=membership, commitment_year=1, issue_date=FY2027_DAY)
    created = fake_stripe.calls("POST", "/v1/invoices")[0]
    assert not any(key.startswith("custom_fields") for key in created.params)


def test_a_second_invoice_reuses_the_customer(fees, fake_stripe):
    membership = partnership_membership()
    services.invoice_issue(membership=membership, commitment_year=1, issue_date=FY2027_DAY)
    services.invoice_issue(membership=membership, commitment_year=2,
                           issue_date=date(2027, 7, 3))
    assert len(fake_stripe.calls("POST", "/v1/customers")) == 1
    ids = set(membership.invoices.values_list("stripe_customer_id", flat=True))
    assert len(ids) == 1 and "" not in ids


def test_delivering_again_calls_stripe_no_more(fees, fake_stripe):
    invoice = issue()
    calls = len(fake_stripe.requests)
    invoice_deliver(invoice.pk)
    invoice_deliver(invoice.pk)
    assert len(fake_stripe.requests) == calls
    assert Invoice.objects.get(pk=invoice.pk).hosted_invoice_url


def test_stripe_down_leaves_the_invoice_for_the_retry_job_and_resumes(
    fees, fake_stripe, settings, caplog
):
    fake_stripe.fail_with = 500
    invoice = issue()
    invoice.refresh_from_db()
    assert (invoice.stripe_invoice_id, invoice.hosted_invoice_url, invoice.pdf_path) == (
        "", "", "")
    assert invoice.delivered_at is None
    assert not [m for m in mail.outbox if invoice.number in m.subject]
    assert "not done yet" in caplog.text

    fake_stripe.fail_with = None
    invoice_deliver(invoice.pk)  # what invoice_deliver_pending enqueues
    invoice.refresh_from_db()
    assert invoice.hosted_invoice_url and invoice.pdf_path and invoice.delivered_at
    assert len(fake_stripe.invoices) == 1  # the retried create did not make a second one


def test_resuming_after_a_crash_between_create_and_finalize_does_not_duplicate(
    fees, fake_stripe, monkeypatch
):
    real_finalize = stripe_gateway.invoice_finalize

    def crash(**kwargs):
        raise stripe_gateway.stripe.APIConnectionError("connection reset")

    monkeypatch.setattr(stripe_gateway, "invoice_finalize", crash)
    invoice = issue()
    invoice.refresh_from_db()
    assert invoice.stripe_invoice_id and not invoice.hosted_invoice_url

    monkeypatch.setattr(stripe_gateway, "invoice_finalize", real_finalize)
    invoice_deliver(invoice.pk)
    invoice.refresh_from_db()
    assert invoice.hosted_invoice_url
    assert len(fake_stripe.calls("POST", "/v1/invoices")) == 1
    assert len(fake_stripe.calls("POST", "/v1/invoiceitems")) == 1
    assert fake_stripe.invoices[invoice.stripe_invoice_id]["status"] == "open"


def test_without_keys_nothing_calls_stripe(fees, fake_stripe, settings):
    settings.STRIPE_SECRET_KEY = ""
    invoice = issue()
    invoice.refresh_from_db()
    assert fake_stripe.requests == []
    assert (invoice.stripe_invoice_id, invoice.hosted_invoice_url) == ("", "")
    assert invoice.pdf_path and invoice.delivered_at
    message = next(m for m in mail.outbox if invoice.number in m.subject)
    assert "Online payment is not available" in message.body


def test_a_check_that_pays_a_stripe_invoice_marks_it_paid_out_of_band(fees, fake_stripe, staff):
    invoice = issue()
    invoice.refresh_from_db()
    services.payment_record(invoice=invoice, amount=Decimal("1000.00"), method="check",
                            actor=staff)
    assert not fake_stripe.calls("POST", f"/v1/invoices/{invoice.stripe_invoice_id}/pay")

    services.payment_record(invoice=invoice, amount=Decimal("4000.00"), method="check",
                            actor=staff)
    pay = fake_stripe.calls("POST", f"/v1/invoices/{invoice.stripe_invoice_id}/pay")
    assert len(pay) == 1
    assert pay[0].params == {"paid_out_of_band": "true"}
    assert pay[0].idempotency_key == f"ncsup-invoice-{invoice.pk}-paid-out-of-band"
    assert fake_stripe.invoices[invoice.stripe_invoice_id]["status"] == "paid"

    # Stripe's resulting invoice.paid is money we already counted: nothing new is recorded.
    state = stripe_gateway.invoice_state(invoice.stripe_invoice_id)
    assert state.paid_on_stripe == Decimal("0.00")
    assert services.stripe_invoice_reconcile(state=state) is None
    assert invoice.payments.count() == 2


def test_voiding_voids_the_stripe_invoice_too(fees, fake_stripe, staff):
    invoice = issue()
    invoice.refresh_from_db()
    services.invoice_void(invoice=invoice, actor=staff, reason="Wrong tier")
    assert fake_stripe.invoices[invoice.stripe_invoice_id]["status"] == "void"
    void = fake_stripe.calls("POST", f"/v1/invoices/{invoice.stripe_invoice_id}/void")
    assert void[0].idempotency_key == f"ncsup-invoice-{invoice.pk}-void"


def test_reconciliation_records_a_payment_a_lost_webhook_missed(fees, fake_stripe):
    invoice = issue()
    invoice.refresh_from_db()
    fake_stripe.pay_online(invoice.stripe_invoice_id, payment_intent="pi_lost_1")
    assert stripe_invoices_reconcile() == 1
    assert stripe_invoices_reconcile() == 0  # paid now: no longer asked about
    payment = invoice.payments.get()
    assert (payment.amount, payment.method, payment.stripe_payment_id) == (
        Decimal("5000.00"), "stripe", "pi_lost_1")
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    retrieves = fake_stripe.calls("GET", f"/v1/invoices/{invoice.stripe_invoice_id}")
    assert retrieves[0].params == {"expand[0]": "payments"}


def test_stripe_money_on_an_invoice_we_voided_is_flagged_for_refund(fees, staff, caplog):
    invoice = InvoiceFactory(with_stripe=True, void=True)
    state = services.StripeInvoiceState(id=invoice.stripe_invoice_id, status="paid",
                                        paid_on_stripe=Decimal("2500.00"))
    assert services.stripe_invoice_reconcile(state=state) is None
    assert not invoice.payments.exists()
    from core.statemachine import history

    entry = history(invoice).get(action="stripe_overpayment")
    assert "refund $2,500.00" in entry.reason
