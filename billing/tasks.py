"""Billing's background work. Tasks take ids, load rows and call services; every one is safe to
run twice, and the periodic ones are safe to run on several workers at once."""

import logging
from datetime import timedelta

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing import services, stripe_gateway
from billing.delivery import invoice_deliver, invoice_stripe_sync_task
from billing.models import Invoice
from core.batch import each_locked
from members.models import Membership

logger = logging.getLogger(__name__)

# Enqueued by billing.services after commit; defined with the work they do (billing.delivery).
__all__ = ["invoice_deliver", "invoice_stripe_sync_task"]


@shared_task
def commitment_invoices_issue_for(membership_id: int):
    """On approval (members.signals.membership_approved, see billing.receivers): issue the
    year-1 invoice."""
    membership = Membership.objects.filter(pk=membership_id).first()
    if membership is None:
        return
    try:
        services.commitment_invoices_issue(membership=membership)
    except ValidationError as error:
        # Most often: no fee schedule in force yet. The daily job issues it once there is one.
        logger.warning("Membership %s not invoiced yet: %s", membership_id,
                       " ".join(error.messages))


@shared_task
def commitment_invoices_issue_due():
    """Daily: every commitment year that is due (year 2 sixty days before its anniversary, by
    default) and not invoiced yet. Also catches a year 1 that approval could not issue."""
    today = timezone.localdate()
    memberships = Membership.objects.filter(status__in=Membership.CURRENT,
                                            term_end__gte=today)  # the last day is inclusive
    return len(each_locked(
        memberships, lambda membership: services.commitment_invoices_issue(membership=membership,
                                                                           today=today)))


@shared_task
def invoice_deliver_pending():
    """Every 15 minutes: open invoices whose delivery did not finish (Stripe or mail was down,
    a worker died). Safe alongside ``invoice_deliver``: each step is idempotent."""
    cutoff = timezone.now() - timedelta(minutes=10)
    for invoice_id in (Invoice.objects.filter(status=Invoice.Status.OPEN,
                                              delivered_at__isnull=True, open_at__lt=cutoff)
                       .values_list("pk", flat=True)[:200]):
        invoice_deliver.delay(invoice_id)


@shared_task
def invoice_reminders_send():
    """Daily: due-in-7-days and 1/14/30-days-overdue reminders, each once per invoice."""
    today = timezone.localdate()
    invoices = Invoice.objects.filter(status=Invoice.Status.OPEN,
                                      due_date__lte=today + timedelta(days=7))
    return len(each_locked(invoices,
                            lambda invoice: services.invoice_reminder_send(invoice=invoice,
                                                                           today=today)))


@shared_task
def stripe_invoices_reconcile():
    """Hourly: re-read our open invoices from Stripe and record what a lost webhook missed."""
    if not stripe_gateway.enabled():
        return 0
    recorded = 0
    for stripe_invoice_id in stripe_gateway.open_invoice_ids():
        try:
            state = stripe_gateway.invoice_state(stripe_invoice_id)
        except stripe_gateway.Error as error:
            logger.warning("Could not re-read Stripe invoice %s: %s", stripe_invoice_id, error)
            continue
        if services.stripe_invoice_reconcile(state=state) is not None:
            recorded += 1
    return recorded
