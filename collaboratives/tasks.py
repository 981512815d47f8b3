"""Background work of the collaboratives: convening reminders, cancellation notices and
action-period nudges.

Tasks take ids, load rows and call services. The periodic jobs (``CELERY_BEAT_SCHEDULE`` in
``ncsup/settings.py``) are safe to run twice at once: they take rows in batches with
``SELECT ... FOR UPDATE SKIP LOCKED`` (another worker's rows are skipped), and each email is
claimed by inserting a ``ReminderLog`` row under a unique constraint in the same transaction that
queues it. A worker that dies mid-run rolls back both, so the next run sends what it did not.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from collaboratives import services
from collaboratives.models import ActionPeriod, Convening

logger = logging.getLogger(__name__)

BATCH_SIZE = 20
MOVE_NOTICE_DAYS = 2  # how long after a move the daily job still sends its notice


def _each_locked(queryset: QuerySet, handle: Callable, *, batch_size: int = BATCH_SIZE) -> int:
    """Call ``handle(row)`` for each row, a locked batch per transaction (SKIP LOCKED).

    A cursor on the primary key means no row is looked at twice in one run. One refused row is
    logged and does not stop the rest. Returns the sum of what ``handle`` returned.
    """
    last_pk, total = 0, 0
    while True:
        with transaction.atomic():
            batch = list(queryset.filter(pk__gt=last_pk).order_by("pk")
                         .select_for_update(skip_locked=True, of=("self",))[:batch_size])
            if not batch:
                return total
            for row in batch:
                try:
                    with transaction.atomic():
                        total += handle(row) or 0
                except ValidationError as error:
                    logger.warning("%s %s skipped: %s", type(row).__name__, row.pk,
                                   " ".join(error.messages))
            last_pk = batch[-1].pk


@shared_task
def convening_reminders_send() -> int:
    """Daily: the reminder due for each convening ahead (14 and 2 days before, by default) to
    everyone invited (``selectors.convening_invitees``), once each; the cancellation notice for any
    cancelled convening still ahead, and the notice of a move made in the last two days, where
    they have not gone out (the task after cancelling or moving does it first). Returns how
    many emails were queued."""
    now = timezone.now()
    horizon = timezone.localdate() + timedelta(days=max(settings.COLLABORATIVE_REMINDER_DAYS))
    ahead = (Convening.objects.filter(starts_at__gt=now, starts_at__date__lte=horizon)
             .select_related("collaborative"))
    queued = _each_locked(ahead.filter(status=Convening.Status.SCHEDULED),
                          lambda c: services.convening_reminders_send(convening=c, now=now))
    cancelled = (Convening.objects.filter(status=Convening.Status.CANCELLED, starts_at__gt=now)
                 .select_related("collaborative"))
    queued += _each_locked(cancelled, lambda c: services.convening_cancellation_notify(
        convening=c, now=now))
    # A move's notice lost with its task goes out here; a later newcomer is not told of it.
    moved = (Convening.objects.filter(status=Convening.Status.SCHEDULED, starts_at__gt=now,
                                      moved_at__gte=now - timedelta(days=MOVE_NOTICE_DAYS))
             .select_related("collaborative"))
    queued += _each_locked(moved, lambda c: services.convening_move_notify(convening=c,
                                                                           now=now))
    return queued


def _notify(convening_id: int, notify: Callable) -> int:
    convening = Convening.objects.select_related("collaborative").filter(pk=convening_id).first()
    return 0 if convening is None else notify(convening=convening)


@shared_task
def convening_move_notify(convening_id: int) -> int:
    """After a convening moves: tell everyone invited its new dates, once each."""
    return _notify(convening_id, services.convening_move_notify)


@shared_task
def convening_cancellation_notify(convening_id: int) -> int:
    """After a convening is cancelled: tell everyone invited, once each."""
    return _notify(convening_id, services.convening_cancellation_notify)


@shared_task
def action_period_nudges_send() -> int:
    """Daily: in the last ``COLLABORATIVE_NUDGE_DAYS`` of an action period, nudge each team that
    has logged fewer PDSA cycles than expected. Once per person per period."""
    today = timezone.localdate()
    ending = ActionPeriod.objects.filter(
        opening_convening__starts_at__date__lte=today,
        closing_convening__starts_at__date__gt=today,
        closing_convening__starts_at__date__lte=today + timedelta(
            days=settings.COLLABORATIVE_NUDGE_DAYS),
    )
    return _each_locked(ending,
                        lambda period: services.action_period_nudge_send(period=period,
                                                                         today=today))


@shared_task(bind=True, max_retries=5, acks_late=True)
def change_package_pdf_render(self, package_id: int) -> str:
    """After publication: render the version's PDF and store it (once; safe to run twice)."""
    from collaboratives import change_package
    from collaboratives.models import ChangePackage

    package = (ChangePackage.objects.select_related("collaborative")
               .filter(pk=package_id, status=ChangePackage.Status.PUBLISHED).first())
    if package is None:
        return ""
    return change_package.change_package_pdf_store(package=package)


@shared_task
def change_package_pdfs_render_pending() -> int:
    """Every 15 minutes: published versions whose PDF a dead worker did not finish."""
    from collaboratives import change_package

    pending = list(change_package.pdfs_pending().values_list("pk", flat=True)[:20])
    for package_id in pending:
        change_package_pdf_render.delay(package_id)
    return len(pending)
