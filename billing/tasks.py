"""Billing's background work. Tasks take ids, load rows and call services; every one is safe to
run twice, and the periodic ones are safe to run on several workers at once."""

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from billing import services, stripe_gateway
from billing.models import Invoice
from members.models import Membership

logger = logging.getLogger(__name__)

BATCH_SIZE = 25
MAX_RETRIES = 8


def _each_locked(queryset: QuerySet, handle: Callable, *, batch_size: int = BATCH_SIZE) -> int:
    """Call ``handle(row)`` for each row, in batches locked with SKIP LOCKED.

    Rows another worker holds are skipped (that worker deals with them); a cursor on the primary
    key means no row is looked at twice in one run. One bad row is logged and does not stop the
    rest. Returns how many rows were handled.
    """
    last_pk, handled = 0, 0
    while True:
        with transaction.atomic():
            batch = list(
                queryset.filter(pk__gt=last_pk).order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))[:batch_size]
            )
            if not batch:
                return handled
            for row in batch:
                try:
                    with transaction.atomic():
                        handle(row)
                    handled += 1
                except ValidationError as error:
                    logger.warning("%s %s skipped: %s", type(row).__name__, row.pk,
                                   " ".join(error.messages))
            last_pk = batch[-1].pk


def _retry_later(task, error: Exception, what: str):
    if task.request.is_eager:
        # In-process (no broker): leave it for the periodic job rather than sleeping here.
        logger.warning("%s not done yet, the periodic job will retry: %s", what, error)
        return None
    raise task.retry(exc=error, countdown=min(60 * 2**task.request.retries, 3600))


@shared_task
def commitment_invoices_issue_for(membership_id: int):
    """On approval (settings.MEMBERSHIP_APPROVED_TASKS): issue the year-1 invoice."""
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
    return _each_locked(
        memberships, lambda membership: services.commitment_invoices_issue(membership=membership,
                                                                           today=today))


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def invoice_deliver(self, invoice_id: int):
    """After issue: create the Stripe invoice (when keys are set), render and store the PDF,
    then email it. Each step is done once, so a retry picks up where a failure stopped."""
    invoice = (Invoice.objects.select_related("membership__application__applicant")
               .filter(pk=invoice_id).first())
    if invoice is None or invoice.status == Invoice.Status.DRAFT:
        return
    if invoice.status == Invoice.Status.OPEN and stripe_gateway.enabled():
        try:
            invoice = services.invoice_stripe_push(invoice=invoice)
        except stripe_gateway.TEMPORARY_ERRORS as error:
            return _retry_later(self, error, f"Stripe invoice for {invoice}")
        except stripe_gateway.Error as error:
            logger.error("Stripe refused invoice %s: %s", invoice, error)
            return None
    services.invoice_pdf_store(invoice=invoice)
    if invoice.status == Invoice.Status.OPEN:
        services.invoice_email_queue(invoice=invoice)
    return None


@shared_task
def invoice_deliver_pending():
    """Every 15 minutes: open invoices whose delivery did not finish (Stripe or mail was down,
    a worker died). Safe alongside ``invoice_deliver``: each step is idempotent."""
    cutoff = timezone.now() - timedelta(minutes=10)
    for invoice_id in (Invoice.objects.filter(status=Invoice.Status.OPEN,
                                              delivered_at__isnull=True, open_at__lt=cutoff)
                       .values_list("pk", flat=True)[:200]):
        invoice_deliver.delay(invoice_id)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def invoice_stripe_sync(self, invoice_id: int):
    """After we void, write off or settle offline an invoice that exists in Stripe."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None or not stripe_gateway.enabled():
        return None
    try:
        services.invoice_stripe_sync(invoice=invoice)
    except stripe_gateway.TEMPORARY_ERRORS as error:
        return _retry_later(self, error, f"Stripe status of {invoice}")
    except stripe_gateway.Error as error:
        logger.error("Stripe refused the status change of %s: %s", invoice, error)
    return None


@shared_task
def invoice_reminders_send():
    """Daily: due-in-7-days and 1/14/30-days-overdue reminders, each once per invoice."""
    today = timezone.localdate()
    invoices = Invoice.objects.filter(status=Invoice.Status.OPEN,
                                      due_date__lte=today + timedelta(days=7))
    return _each_locked(invoices,
                        lambda invoice: services.invoice_reminder_send(invoice=invoice,
                                                                       today=today))


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
