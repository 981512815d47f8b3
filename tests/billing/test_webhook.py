"""Stripe webhooks, signed with Stripe's algorithm, against the local fake Stripe API."""

import json
import time
from decimal import Decimal

import pytest
import stripe
from django.core import mail
from django.test import Client
from django.urls import reverse

from billing import stripe_gateway
from billing.models import Invoice, Payment, StripeEvent
from core.models import AuditEntry, OutboundEmail
from tests.billing.conftest import WEBHOOK_SECRET, run_in_threads, stripe_signature
from tests.factories import InvoiceFactory

URL = reverse("billing:stripe_webhook")


def event(invoice_id, *, event_id="evt_1", type="invoice.paid", **data):
    return json.dumps({"id": event_id, "object": "event", "type": type, "api_version": "x",
                       "data": {"object": {"id": invoice_id, "object": "invoice",
                                           "status": "paid", **data}}}).encode()


def post(client, payload, signature=None):
    header = stripe_signature(payload) if signature is None else signature
    return client.post(URL, data=payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=header)


@pytest.fixture
def paid_online(fake_stripe, db):
    """Our open invoice, which the member has just paid on Stripe's hosted page."""
    invoice = InvoiceFactory(total=Decimal("5000.00"), with_stripe=True)
    fake_stripe.invoices[invoice.stripe_invoice_id] = {
        "id": invoice.stripe_invoice_id, "object": "invoice", "status": "open",
        "amount_due": 500000, "amount_paid": 0, "metadata": {"ncsup_invoice": invoice.number},
    }
    fake_stripe.pay_online(invoice.stripe_invoice_id, payment_intent="pi_123")
    return invoice


def assert_nothing_written():
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.exists()
    assert not OutboundEmail.objects.exists()


# --- signatures --------------------------------------------------------------------------------

def test_our_check_agrees_with_stripes_own_signing():
    payload = b'{"id": "evt_1"}'
    header = stripe.WebhookSignature.generate_signature_header(payload.decode(), WEBHOOK_SECRET)
    assert stripe_gateway.signature_valid(payload, header, WEBHOOK_SECRET)
    assert stripe_gateway.signature_valid(payload, stripe_signature(payload), WEBHOOK_SECRET)
    assert not stripe_gateway.signature_valid(payload + b" ", header, WEBHOOK_SECRET)
    assert not stripe_gateway.signature_valid(payload, header, "whsec_other")


@pytest.mark.parametrize("header", [
    "", "t=,v1=", "v1=abc", "t=123", "t=abc,v1=def", "garbage",
    "t=1,v1=" + "0" * 64,
])
def test_malformed_headers_are_refused(header):
    assert not stripe_gateway.signature_valid(b"{}", header, WEBHOOK_SECRET)


def test_one_valid_signature_among_several_is_enough_during_a_secret_rotation():
    payload, now = b'{"id": "evt_1"}', int(time.time())
    good = stripe_signature(payload, at=now).split(",v1=")[1]
    header = f"t={now},v1={'f' * 64},v1={good}"
    assert stripe_gateway.signature_valid(payload, header, WEBHOOK_SECRET)


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["tampered", "stale", "future", "wrong_secret", "missing"])
def test_bad_signatures_get_400_and_write_nothing(client, paid_online, fake_stripe, case):
    signed = event(paid_online.stripe_invoice_id)
    now = int(time.time())
    payload, header = {
        # The body is changed after Stripe signed it.
        "tampered": (signed.replace(b"evt_1", b"evt_2"), stripe_signature(signed)),
        "stale": (signed, stripe_signature(signed, at=now - 301)),
        # A minute past the tolerance: a busy test machine may take seconds to answer.
        "future": (signed, stripe_signature(signed, at=now + 360)),
        "wrong_secret": (signed, stripe_signature(signed, secret="whsec_attacker")),
        "missing": (signed, ""),
    }[case]
    response = post(client, payload, header)
    assert response.status_code == 400
    assert_nothing_written()
    assert fake_stripe.requests == []  # not even a look at Stripe
    paid_online.refresh_from_db()
    assert paid_online.status == "open"


@pytest.mark.django_db
def test_a_signature_just_inside_the_tolerance_is_accepted(client, paid_online):
    payload = event(paid_online.stripe_invoice_id)
    response = post(client, payload, stripe_signature(payload, at=int(time.time()) - 290))
    assert response.status_code == 200


@pytest.mark.django_db
def test_without_a_webhook_secret_everything_is_refused(client, paid_online, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = event(paid_online.stripe_invoice_id)
    assert post(client, payload, stripe_signature(payload, secret="")).status_code == 400
    assert_nothing_written()


@pytest.mark.django_db
def test_get_is_not_allowed_and_csrf_is_not_asked(paid_online):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.get(URL).status_code == 405
    assert post(csrf_client, event(paid_online.stripe_invoice_id)).status_code == 200


# --- processing --------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_on_commit")
def test_invoice_paid_records_the_payment_activates_and_sends_one_receipt(
    client, paid_online, fake_stripe
):
    # The payload claims a different amount: the handler must re-read Stripe, not trust it.
    response = post(client, event(paid_online.stripe_invoice_id, amount_paid=1))
    assert response.status_code == 200
    payment = Payment.objects.get()
    assert (payment.amount, payment.method, payment.stripe_invoice_id,
            payment.stripe_payment_id) == (Decimal("5000.00"), "stripe",
                                           paid_online.stripe_invoice_id, "pi_123")
    paid_online.refresh_from_db()
    assert paid_online.status == "paid"
    paid_online.membership.refresh_from_db()
    assert paid_online.membership.status == "active"
    assert StripeEvent.objects.get().event_id == "evt_1"
    retrieve = fake_stripe.calls("GET", f"/v1/invoices/{paid_online.stripe_invoice_id}")
    assert len(retrieve) == 1
    receipts = [m for m in mail.outbox if m.subject.startswith("Payment received")
                and m.to == ["ap@example.org"]]  # each billing contact gets their own
    assert len(receipts) == 1 and "paid in full" in receipts[0].body


@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_on_commit")
def test_a_replay_returns_200_and_changes_nothing(client, paid_online, fake_stripe):
    payload = event(paid_online.stripe_invoice_id)
    for _ in range(3):
        assert post(client, payload).status_code == 200
    assert Payment.objects.count() == 1
    assert StripeEvent.objects.count() == 1
    assert AuditEntry.objects.filter(to_status="paid").count() == 1
    assert len([m for m in mail.outbox if m.subject.startswith("Payment received")
                and m.to == ["ap@example.org"]]) == 1
    # Replays are answered from our own table: Stripe is asked once.
    assert len(fake_stripe.calls("GET")) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_on_commit")
def test_a_different_event_for_the_same_stripe_invoice_records_nothing_more(
    client, paid_online
):
    post(client, event(paid_online.stripe_invoice_id, event_id="evt_1"))
    post(client, event(paid_online.stripe_invoice_id, event_id="evt_2"))
    assert StripeEvent.objects.count() == 2
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_an_event_that_arrives_before_the_payment_settles_records_nothing(
    client, fake_stripe
):
    invoice = InvoiceFactory(with_stripe=True)
    fake_stripe.invoices[invoice.stripe_invoice_id] = {
        "id": invoice.stripe_invoice_id, "object": "invoice", "status": "open",
        "amount_due": 250000, "amount_paid": 0, "metadata": {}}
    # Out of order: the event says paid, Stripe (re-read) says open.
    assert post(client, event(invoice.stripe_invoice_id)).status_code == 200
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == "open"


@pytest.mark.django_db
def test_unknown_event_types_are_acknowledged_and_ignored(client, fake_stripe):
    payload = event("cus_1", event_id="evt_9", type="customer.updated")
    assert post(client, payload).status_code == 200
    assert StripeEvent.objects.get().type == "customer.updated"
    assert fake_stripe.requests == []
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_not_an_event_is_400(client):
    payload = b'{"no": "id"}'
    assert post(client, payload).status_code == 400
    assert post(client, b"not json").status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_on_commit")
def test_a_processing_error_answers_500_keeps_no_event_and_the_retry_works(
    client, paid_online, fake_stripe, caplog
):
    fake_stripe.fail_with = 500
    payload = event(paid_online.stripe_invoice_id)
    assert post(client, payload).status_code == 500
    assert not StripeEvent.objects.exists()
    assert not Payment.objects.exists()
    assert "Stripe event evt_1 (invoice.paid) failed" in caplog.text
    caplog.clear()  # the ERROR above is the point of this test

    fake_stripe.fail_with = None
    assert post(client, payload).status_code == 200
    assert Payment.objects.count() == 1
    assert StripeEvent.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("immediate_on_commit")
def test_a_database_error_rolls_the_event_back_too(client, paid_online, monkeypatch, caplog):
    from billing import services

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "stripe_invoice_reconcile", broken)
    assert post(client, event(paid_online.stripe_invoice_id)).status_code == 500
    assert not StripeEvent.objects.exists()
    caplog.clear()


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_replays_make_one_payment_one_change_one_receipt(
    postgres, paid_online, fake_stripe
):
    payload = event(paid_online.stripe_invoice_id)
    header = stripe_signature(payload)

    def deliver(_):
        return post(Client(), payload, header).status_code

    statuses, errors = run_in_threads(10, deliver)
    assert errors == []
    assert statuses == [200] * 10
    assert Payment.objects.count() == 1
    assert StripeEvent.objects.count() == 1
    invoice = Invoice.objects.get(pk=paid_online.pk)
    assert invoice.status == "paid"
    assert AuditEntry.objects.filter(object_id=str(invoice.pk), to_status="paid").count() == 1
    # One receipt for each billing contact, whatever the replays.
    receipts = OutboundEmail.objects.filter(key__startswith="payment-received:")
    assert sorted(receipts.values_list("to", flat=True)) == sorted(
        invoice.membership.billing_contacts.values_list("email", flat=True))
    assert len([m for m in mail.outbox if m.subject.startswith("Payment received")
                and m.to == ["ap@example.org"]]) == 1
