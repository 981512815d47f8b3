"""Writes with a rule about convenings: schedule, edit, move, cancel (moves and cancellations
notify everyone invited after commit), RSVPs and calendar-feed tokens.

Moving or cancelling enqueues the notice task (``convenings.tasks``), which calls
``convenings.reminders``; neither imports this module back, so the task is imported here at
module level."""

from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from collaboratives.convenings import selectors, tasks
from collaboratives.convenings.models import RSVP, CalendarToken, Convening, new_calendar_token
from collaboratives.programme.models import Collaborative, text_limit_errors
from collaboratives.programme.services import full_clean_row, lock_row
from core.statemachine import audit, transition
from members.models import User


def convening_cadence_note(collaborative: Collaborative) -> str | None:
    """The Center's guidance is 4-6 convenings a year: a note for staff when outside it."""
    count = collaborative.convenings.filter(status=Convening.Status.SCHEDULED).count()
    years = max((collaborative.end - collaborative.start).days, 1) / 365.25
    per_year = count / years
    if 4 <= round(per_year, 1) <= 6:
        return None
    months = (collaborative.end - collaborative.start).days // 30
    convenings = ngettext("scheduled convening", "scheduled convenings", count)
    return (f"{collaborative.name} has {count} {convenings} over {months} "
            f"{ngettext('month', 'months', months)}, about {per_year:.1f} a year; the Center's "
            "guidance is 4-6 a year.")


@transaction.atomic
def convening_schedule(
    *,
    collaborative: Collaborative,
    title: str,
    format: str,
    starts_at: datetime,
    ends_at: datetime,
    venue: str = "",
    address: str = "",
    meeting_link: str = "",
    agenda: str = "",
    open_to_network: bool = False,
    actor: User | None = None,
) -> Convening:
    collaborative = lock_row(collaborative)
    convening = Convening(collaborative=collaborative, title=title.strip(), format=format,
                          starts_at=starts_at, ends_at=ends_at, venue=venue.strip(),
                          address=address.strip(), meeting_link=meeting_link,
                          agenda=agenda.strip(), open_to_network=open_to_network)
    full_clean_row(convening)
    convening.save()
    audit(convening, action="convening:scheduled", actor=actor)
    return convening


def _period(convening: Convening, accessor: str):
    """The action period a convening opens or closes (``ActionPeriod``'s reverse one-to-ones),
    read fresh; None when there is none. Action periods sit a layer above convenings, so they
    are reached through the relation, not imported."""
    try:
        return getattr(Convening.objects.select_related(
            f"{accessor}__opening_convening", f"{accessor}__closing_convening")
                       .get(pk=convening.pk), accessor)
    except ObjectDoesNotExist:
        return None


def convening_move_errors(convening: Convening, *, starts_at: datetime,
                          ends_at: datetime) -> dict[str, list[str]]:
    """Why the convening cannot move to these dates (empty when it can): a cancelled convening
    stays put, and action periods run from one convening to the next, so a move must keep them
    in order."""
    if convening.is_cancelled:
        return {NON_FIELD_ERRORS: ["A cancelled convening cannot be moved; schedule a new one."]}
    errors: dict[str, list[str]] = {}
    period = _period(convening, "opens_period")
    if period and starts_at >= period.closing_convening.starts_at:
        errors["starts_at"] = [f"This convening opens an action period that ends with "
                               f"“{period.closing_convening.title}”; it must stay before it."]
    period = _period(convening, "closes_period")
    if period and starts_at <= period.opening_convening.starts_at:
        errors["starts_at"] = [f"This convening closes an action period that starts with "
                               f"“{period.opening_convening.title}”; it must stay after it."]
    return errors


@transaction.atomic
def convening_move(*, convening: Convening, starts_at: datetime, ends_at: datetime,
                   actor: User | None = None) -> Convening:
    """New dates. Reminders are keyed by the start, so the moved convening's reminders re-arm;
    everyone invited is told of the move (once each) after commit."""
    Collaborative.objects.select_for_update().get(pk=convening.collaborative_id)
    locked = Convening.objects.select_for_update().select_related("collaborative").get(
        pk=convening.pk)
    errors = convening_move_errors(locked, starts_at=starts_at, ends_at=ends_at)
    if errors:
        raise ValidationError(errors)
    if (locked.starts_at, locked.ends_at) == (starts_at, ends_at):
        return locked
    before = locked.starts_at
    locked.starts_at, locked.ends_at = starts_at, ends_at
    locked.moved_at, locked.moved_from = timezone.now(), before
    full_clean_row(locked)
    locked.revision += 1
    locked.save(update_fields=["starts_at", "ends_at", "moved_at", "moved_from", "revision",
                               "updated_at"])
    audit(locked, action="convening:moved", actor=actor,
          reason=f"From {timezone.localtime(before):%Y-%m-%d %H:%M} to "
                 f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}")
    for field in ("starts_at", "ends_at", "moved_at", "moved_from", "revision"):
        setattr(convening, field, getattr(locked, field))
    tasks.convening_move_notify.delay_on_commit(locked.pk)
    return locked


CONVENING_DETAILS = ("title", "format", "venue", "address", "meeting_link", "agenda",
                     "open_to_network")
STRIPPED = {"title", "venue", "address", "agenda"}


@transaction.atomic
def convening_update(*, convening: Convening, actor: User | None = None,
                     starts_at: datetime | None = None, ends_at: datetime | None = None,
                     **details) -> Convening:
    """Edit a convening. New dates go through ``convening_move`` (its rules, re-armed reminders,
    the notice, a new calendar revision); the other details are checked and saved here, and the
    change is audited."""
    unexpected = set(details) - set(CONVENING_DETAILS)
    if unexpected:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unexpected))}.")
    locked = Convening.objects.select_for_update().select_related("collaborative").get(
        pk=convening.pk)
    if (starts_at is not None and ends_at is not None
        and (starts_at, ends_at) != (locked.starts_at, locked.ends_at)):
        convening_move(convening=locked, starts_at=starts_at, ends_at=ends_at, actor=actor)
    values = {name: value.strip() if name in STRIPPED else value
              for name, value in details.items()}
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, values[name])
    full_clean_row(locked)
    locked.save(update_fields=[*changed, "updated_at"])
    labels = ", ".join(str(Convening._meta.get_field(name).verbose_name) for name in changed)
    audit(locked, action="convening:updated", actor=actor, reason=f"Changed: {labels}")
    return locked


@transaction.atomic
def convening_cancel(*, convening: Convening, actor: User | None = None,
                     reason: str = "") -> Convening:
    """Cancel; everyone invited gets a cancellation notice (once each) after commit."""
    errors = text_limit_errors(Convening, cancellation_reason=reason.strip())
    if errors:
        raise ValidationError({"reason": errors["cancellation_reason"]})
    locked, changed = transition(convening, Convening.Status.CANCELLED, actor=actor,
                                 reason=reason)
    if changed:
        locked.cancellation_reason = reason.strip()
        locked.revision += 1
        locked.save(update_fields=["cancellation_reason", "revision", "updated_at"])
        tasks.convening_cancellation_notify.delay_on_commit(locked.pk)
    return locked


@transaction.atomic
def rsvp_set(*, convening: Convening, user: User, response: str) -> RSVP:
    if response not in RSVP.Response.values:
        raise ValidationError({"response": ["Choose whether you will come."]})
    if convening.is_cancelled:
        raise ValidationError({"response": ["This convening is cancelled."]})
    if convening.ends_at <= timezone.now():
        raise ValidationError({"response": ["This convening is over."]})
    if not selectors.invited_to(user, convening):
        raise ValidationError({"response": ["Only the people invited to this convening answer: "
                                            "members of enrolled teams and their coaches, or of "
                                            "the whole network when it is open to it."]})
    rsvp, _ = RSVP.objects.update_or_create(convening=convening, user=user,
                                            defaults={"response": response})
    return rsvp


def _lock_user(user: User) -> None:
    """Lock the person's row: their calendar address is created and replaced one at a time."""
    User.objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def calendar_token_for(*, user: User) -> CalendarToken:
    _lock_user(user)
    token, _ = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def calendar_token_reset(*, user: User, replaces: str | None = None) -> CalendarToken:
    """A new secret address; the old one stops working at once. The feed keeps its row (and so
    its calendar UID). With ``replaces`` (the ``fingerprint`` of the address the page showed),
    an address already replaced since is kept: six clicks make one new address, not six, and
    never an error."""
    _lock_user(user)
    token = CalendarToken.objects.filter(user=user).first()
    if token is None:
        return CalendarToken.objects.create(user=user)
    if replaces is not None and replaces != token.fingerprint:
        return token
    token.token = new_calendar_token()
    token.save(update_fields=["token"])
    return token
