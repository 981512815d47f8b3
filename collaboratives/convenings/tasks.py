"""Background work about convenings: the daily reminders job and the notices after a move or a
cancellation. Tasks take ids, load rows and call ``convenings.reminders``; each keeps the name
it was registered under before the split (``collaboratives.tasks.<name>``)."""

from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from collaboratives.convenings import reminders
from collaboratives.convenings.models import Convening
from core.batch import each_locked

MOVE_NOTICE_DAYS = 2  # how long after a move the daily job still sends its notice


@shared_task(name="collaboratives.tasks.convening_reminders_send")
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
    queued = sum(each_locked(ahead.filter(status=Convening.Status.SCHEDULED),
                             lambda c: reminders.convening_reminders_send(convening=c, now=now)))
    cancelled = (Convening.objects.filter(status=Convening.Status.CANCELLED, starts_at__gt=now)
                 .select_related("collaborative"))
    queued += sum(each_locked(cancelled, lambda c: reminders.convening_cancellation_notify(
        convening=c, now=now)))
    # A move's notice lost with its task goes out here; a later newcomer is not told of it.
    moved = (Convening.objects.filter(status=Convening.Status.SCHEDULED, starts_at__gt=now,
                                      moved_at__gte=now - timedelta(days=MOVE_NOTICE_DAYS))
             .select_related("collaborative"))
    queued += sum(each_locked(moved, lambda c: reminders.convening_move_notify(convening=c,
                                                                               now=now)))
    return queued


def _notify(convening_id: int, notify: Callable) -> int:
    convening = Convening.objects.select_related("collaborative").filter(pk=convening_id).first()
    return 0 if convening is None else notify(convening=convening)


@shared_task(name="collaboratives.tasks.convening_move_notify")
def convening_move_notify(convening_id: int) -> int:
    """After a convening moves: tell everyone invited its new dates, once each."""
    return _notify(convening_id, reminders.convening_move_notify)


@shared_task(name="collaboratives.tasks.convening_cancellation_notify")
def convening_cancellation_notify(convening_id: int) -> int:
    """After a convening is cancelled: tell everyone invited, once each."""
    return _notify(convening_id, reminders.convening_cancellation_notify)
