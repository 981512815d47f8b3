"""Purchasing paperwork under real concurrency (threads against PostgreSQL): a quote asked for
from two tabs at once, and a PO change racing the check that pays the invoice."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import delivery, paperwork, services
from billing.models import Invoice, InvoiceVersion, Quote, QuoteNumberCounter
from tests.billing.conftest import run_in_threads
from tests.factories import ApplicationFactory, FeeScheduleFactory, InvoiceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_paperwork_delivery(monkeypatch):
    """No PDF or mail from the threads (tested in test_paperwork.py)."""
    for task in (delivery.quote_pdf_render_task, delivery.invoice_revision_deliver,
                 delivery.invoice_stripe_sync_task):
        monkeypatch.setattr(task, "delay_on_commit", lambda *args: None)
    monkeypatch.setattr(services, "_enqueue", lambda *args: None)


def test_a_quote_requested_eight_times_at_once_is_one_quote_and_one_number(
        postgres, no_paperwork_delivery):
    FeeScheduleFactory()
    application = ApplicationFactory()
    results, errors = run_in_threads(
        8, lambda _: paperwork.quote_for_application(application=application).number)
    assert errors == []
    assert len(set(results)) == 1
    assert Quote.objects.count() == 1
    assert QuoteNumberCounter.objects.get().last_number == 1, "no number was burnt"


@pytest.mark.parametrize("attempt", range(4))
def test_a_po_change_racing_the_payment_never_loses_either(postgres, no_paperwork_delivery,
                                                            attempt):
    """The check and the PO form arrive together. Whichever locks the invoice first wins;
    the payment always stands, and the PO change either lands before it or is refused with
    "is paid" and changes nothing."""
    invoice = InvoiceFactory(total=Decimal("2500.00"), po_number="PO-OLD",
                             pdf_path="invoices/2027/old.pdf")
    staff, contact = UserFactory(staff=True), UserFactory()

    def act(index):
        if index == 0:
            return services.payment_record(invoice=invoice, amount=Decimal("2500.00"),
                                           method="check", reference="Check 1", actor=staff)
        return paperwork.invoice_po_update(invoice=invoice, po_number="PO-NEW",
                                           vendor_number="", ap_email="", actor=contact)

    _results, errors = run_in_threads(2, act)
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert fresh.status == "paid" and fresh.payments.count() == 1
    assert all(isinstance(e, ValidationError) for e in errors)
    if errors:
        assert "is paid" in " ".join(errors[0].messages)
        assert (fresh.po_number, fresh.version) == ("PO-OLD", 1)
        assert not InvoiceVersion.objects.exists()
    else:
        assert (fresh.po_number, fresh.version) == ("PO-NEW", 2)
        assert InvoiceVersion.objects.get().pdf_path == "invoices/2027/old.pdf"
