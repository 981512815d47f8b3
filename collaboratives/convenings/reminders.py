"""The emails about convenings, each sent once per person (claimed by a ``ReminderLog`` row in
the same transaction that queues it): reminders before a convening, and the notices of a move
or a cancellation. Called by the tasks; safe to run twice."""

from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from collaboratives.convenings import selectors
from collaboratives.convenings.models import RSVP, Convening, ReminderLog
from collaboratives.programme.models import local_date
from core.emails import email_queue
from members.models import User


def _reminder_recipients(convening: Convening):
    """The invitees, less those who answered that they cannot come (since its latest move: a
    "no" to the old date does not silence the new one). They still hear of moves and
    cancellations."""
    declined = RSVP.objects.filter(convening=convening, response=RSVP.Response.NO)
    if convening.moved_at is not None:
        declined = declined.filter(updated_at__gt=convening.moved_at)
    return selectors.convening_invitees(convening).exclude(pk__in=declined.values("user_id"))


def reminder_claim(convening: Convening, user: User, kind: str) -> bool:
    """Insert the reminder's log row; True if this caller claimed it (and must send)."""
    try:
        with transaction.atomic():
            _, created = ReminderLog.objects.get_or_create(convening=convening, user=user,
                                                           kind=kind)
    except IntegrityError:  # another worker claimed it between our look and our insert
        return False
    return created


def reminder_kind_due(convening: Convening, *, now: datetime) -> tuple[str, int] | None:
    """The reminder due now, if any: the nearest of ``COLLABORATIVE_REMINDER_DAYS`` whose day
    has come. Its kind names the convening's start, so a moved convening re-arms."""
    if convening.is_cancelled or convening.starts_at <= now:
        return None
    days_left = (local_date(convening.starts_at) - timezone.localtime(now).date()).days
    due = [days for days in settings.COLLABORATIVE_REMINDER_DAYS if days_left <= days]
    if not due:
        return None
    start = convening.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    return f"before-{min(due)}d@{start}", days_left


@transaction.atomic
def convening_reminders_send(*, convening: Convening, now: datetime | None = None) -> int:
    """Queue the reminder due now to each invitee who has not had it nor declined. Returns how many
    were queued. Each is claimed (``ReminderLog``) in the same transaction as its email."""
    now = now or timezone.now()
    due = reminder_kind_due(convening, now=now)
    if due is None:
        return 0
    kind, days_left = due
    return _notify_once(convening, kind=kind, template="convening_reminder",
                        recipients=_reminder_recipients(convening), days_left=days_left)


def _notify_once(convening: Convening, *, kind: str, template: str, recipients=None,
                 **context) -> int:
    """Queue one email of ``kind`` to each invitee (``selectors.convening_invitees``, or the
    ``recipients`` given) who has not had it (claimed in ``ReminderLog``, in the caller's
    transaction). Returns how many were queued. The outbox key
    names the email (its template), the convening, the person and the kind."""
    already = set(ReminderLog.objects.filter(convening=convening, kind=kind)
                  .values_list("user_id", flat=True))
    queued = 0
    if recipients is None:
        recipients = selectors.convening_invitees(convening)
    for user in recipients:
        if user.pk in already or not reminder_claim(convening, user, kind):
            continue
        email_queue(key=f"{template.replace('_', '-')}:{convening.pk}:{user.pk}:{kind}",
                    to=user.email, template=template,
                    context={"convening": convening, "collaborative": convening.collaborative,
                             "user": user, **context})
        queued += 1
    return queued


def move_notice_kind(convening: Convening) -> str | None:
    """The notice a moved convening still ahead owes its members: one per move (its calendar
    revision), so a convening moved twice before the first notice went out sends the latest."""
    if convening.is_cancelled or convening.moved_from is None:
        return None
    return f"moved@r{convening.revision}"


@transaction.atomic
def convening_move_notify(*, convening: Convening, now: datetime | None = None) -> int:
    """Tell each invitee, once per move, that a convening still ahead has new dates."""
    now = now or timezone.now()
    kind = move_notice_kind(convening)
    if kind is None or convening.starts_at <= now:
        return 0
    return _notify_once(convening, kind=kind, template="convening_moved")


@transaction.atomic
def convening_cancellation_notify(*, convening: Convening, now: datetime | None = None) -> int:
    """Tell each invitee, once, that a convening still ahead is cancelled."""
    now = now or timezone.now()
    if not convening.is_cancelled or convening.starts_at <= now:
        return 0
    return _notify_once(convening, kind="cancelled", template="convening_cancelled")
