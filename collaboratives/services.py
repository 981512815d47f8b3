"""Every write in the collaboratives that has a rule.

Errors are ``ValidationError``s keyed by the form field they belong to, so pages can show them
next to it. Locks follow one order, parents first: the collaborative, then a convening or an
enrollment, then a cycle.
"""

import csv
import io
import logging
import secrets
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import ngettext

from collaboratives import selectors
from collaboratives.models import (
    RSVP,
    ActionPeriod,
    CalendarToken,
    ChangeIdea,
    CoachingCall,
    Collaborative,
    Convening,
    CycleAttachment,
    CycleComment,
    Enrollment,
    PDSACycle,
    Phase,
    PrimaryDriver,
    ReminderLog,
    TeamAim,
    local_date,
    new_calendar_token,
    phase_schedule_errors,
    text_limit_errors,
)
from core.dates import add_years, day
from core.emails import email_queue
from core.statemachine import IllegalTransition, audit, transition
from members.models import Membership, Role, Team, TeamMember, User

logger = logging.getLogger(__name__)


def _lock(instance):
    return type(instance).objects.select_for_update().get(pk=instance.pk)


def _full_clean(instance, exclude=None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _day(value: date) -> str:
    return day(value)


AIM_YEARS_AFTER_END = 1  # a team's aim falls due inside the collaborative, or within a year


# --- Collaborative calendar --------------------------------------------------------------------

@transaction.atomic
def phase_set(*, collaborative: Collaborative, kind: str, start: date, end: date) -> Phase:
    """Create or re-date one phase; the whole schedule must stay in order without overlap."""
    collaborative = _lock(collaborative)
    phase = (Phase.objects.filter(collaborative=collaborative, kind=kind).first()
             or Phase(collaborative=collaborative, kind=kind))
    phase.start, phase.end = start, end
    phase.checked_as_schedule = True  # checked below, with its siblings
    _full_clean(phase)
    siblings = list(Phase.objects.filter(collaborative=collaborative).exclude(kind=kind))
    problems = phase_schedule_errors(collaborative, [*siblings, phase])
    if problems:
        raise ValidationError({"start": problems})
    phase.save()
    return phase


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
    collaborative = _lock(collaborative)
    convening = Convening(collaborative=collaborative, title=title.strip(), format=format,
                          starts_at=starts_at, ends_at=ends_at, venue=venue.strip(),
                          address=address.strip(), meeting_link=meeting_link,
                          agenda=agenda.strip(), open_to_network=open_to_network)
    _full_clean(convening)
    convening.save()
    audit(convening, action="convening:scheduled", actor=actor)
    return convening


def convening_move_errors(convening: Convening, *, starts_at: datetime,
                          ends_at: datetime) -> dict[str, list[str]]:
    """Action periods run from one convening to the next: a move must keep them in order."""
    errors: dict[str, list[str]] = {}
    period = ActionPeriod.objects.filter(opening_convening=convening).select_related(
        "closing_convening").first()
    if period and starts_at >= period.closing_convening.starts_at:
        errors["starts_at"] = [f"This convening opens an action period that ends with "
                               f"“{period.closing_convening.title}”; it must stay before it."]
    period = ActionPeriod.objects.filter(closing_convening=convening).select_related(
        "opening_convening").first()
    if period and starts_at <= period.opening_convening.starts_at:
        errors["starts_at"] = [f"This convening closes an action period that starts with "
                               f"“{period.opening_convening.title}”; it must stay after it."]
    return errors


@transaction.atomic
def convening_move(*, convening: Convening, starts_at: datetime, ends_at: datetime,
                   actor: User | None = None) -> Convening:
    """New dates. Reminders are keyed by the start, so the moved convening's reminders re-arm;
    everyone invited is told of the move (once each) after commit."""
    from collaboratives import tasks

    Collaborative.objects.select_for_update().get(pk=convening.collaborative_id)
    locked = Convening.objects.select_for_update().select_related("collaborative").get(
        pk=convening.pk)
    if locked.is_cancelled:
        raise ValidationError("A cancelled convening cannot be moved; schedule a new one.")
    if (locked.starts_at, locked.ends_at) == (starts_at, ends_at):
        return locked
    errors = convening_move_errors(locked, starts_at=starts_at, ends_at=ends_at)
    if errors:
        raise ValidationError(errors)
    before = locked.starts_at
    locked.starts_at, locked.ends_at = starts_at, ends_at
    locked.moved_at, locked.moved_from = timezone.now(), before
    _full_clean(locked)
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


@transaction.atomic
def convening_cancel(*, convening: Convening, actor: User | None = None,
                     reason: str = "") -> Convening:
    """Cancel; everyone invited gets a cancellation notice (once each) after commit."""
    from collaboratives import tasks

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


def _reminder_recipients(convening: Convening):
    """The invitees, less those who answered that they cannot come (since its latest move: a
    "no" to the old date does not silence the new one). They still hear of moves and
    cancellations."""
    declined = RSVP.objects.filter(convening=convening, response=RSVP.Response.NO)
    if convening.moved_at is not None:
        declined = declined.filter(updated_at__gt=convening.moved_at)
    return selectors.convening_invitees(convening).exclude(pk__in=declined.values("user_id"))


def _claim(convening: Convening, user: User, kind: str) -> bool:
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
        if user.pk in already or not _claim(convening, user, kind):
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


# --- Action periods ----------------------------------------------------------------------------

def action_period_refusals(*, collaborative: Collaborative, opening: Convening,
                           closing: Convening, exclude_pk: int | None = None
                           ) -> dict[str, list[str]]:
    """Why these two convenings cannot bound an action period (empty when they can)."""
    errors: dict[str, list[str]] = {}
    others = ActionPeriod.objects.exclude(pk=exclude_pk)
    if others.filter(opening_convening=opening).exists():
        errors["opening_convening"] = ["That convening already opens an action period."]
    if others.filter(closing_convening=closing).exists():
        errors["closing_convening"] = ["That convening already closes an action period."]
    overlapping = others.filter(collaborative=collaborative,
                                opening_convening__starts_at__lt=closing.starts_at,
                                closing_convening__starts_at__gt=opening.starts_at)
    if not errors and overlapping.exists():
        errors["opening_convening"] = ["Action periods of a collaborative cannot overlap."]
    return errors


@transaction.atomic
def action_period_create(*, collaborative: Collaborative, opening: Convening,
                         closing: Convening, expected_cycles: int = 2) -> ActionPeriod:
    """An action period from one convening to the next, expecting ``expected_cycles`` PDSA
    cycles of each team."""
    collaborative = _lock(collaborative)
    period = ActionPeriod(collaborative=collaborative, opening_convening=opening,
                          closing_convening=closing, expected_cycles=expected_cycles)
    _full_clean(period)
    errors = action_period_refusals(collaborative=collaborative, opening=opening,
                                    closing=closing)
    if errors:
        raise ValidationError(errors)
    period.save()
    return period


@transaction.atomic
def action_periods_create_between_convenings(*, collaborative: Collaborative,
                                             expected_cycles: int = 2) -> list[ActionPeriod]:
    """One action period between each pair of consecutive scheduled convenings that has none."""
    collaborative = _lock(collaborative)
    convenings = list(collaborative.convenings.filter(status=Convening.Status.SCHEDULED)
                      .order_by("starts_at"))
    created = []
    for opening, closing in pairwise(convenings):
        try:
            with transaction.atomic():
                created.append(action_period_create(
                    collaborative=collaborative, opening=opening, closing=closing,
                    expected_cycles=expected_cycles))
        except ValidationError:
            continue  # already there, or would overlap one staff set up by hand
    return created


@transaction.atomic
def action_period_nudge_send(*, period: ActionPeriod, today: date | None = None) -> int:
    """Near the end of an action period, nudge each team that has logged fewer cycles than
    expected: every active member once per period."""
    today = today or timezone.localdate()
    period = (ActionPeriod.objects.select_related("collaborative", "opening_convening",
                                                  "closing_convening").get(pk=period.pk))
    behind = (Enrollment.objects.filter(collaborative=period.collaborative)
              .annotate(logged=Count("team__pdsa_cycles",
                                     filter=Q(team__pdsa_cycles__action_period=period)))
              .filter(logged__lt=period.expected_cycles).select_related("team"))
    queued = 0
    for enrollment in behind:
        kind = f"nudge:period-{period.pk}:team-{enrollment.team_id}"
        members = (TeamMember.objects.filter(team=enrollment.team, user__is_active=True,
                                             status=TeamMember.Status.ACTIVE)
                   .select_related("user"))
        for member in members:
            if not _claim(period.closing_convening, member.user, kind):
                continue
            email_queue(
                key=f"action-period-nudge:{period.pk}:{enrollment.team_id}:{member.user_id}",
                to=member.user.email, template="action_period_nudge",
                context={"period": period, "collaborative": period.collaborative,
                         "team": enrollment.team, "user": member.user,
                         "logged": enrollment.logged, "expected": period.expected_cycles,
                         "days_left": (period.ends_on - today).days}, category="nudge")
            queued += 1
    return queued


# --- Enrollment, coaching ----------------------------------------------------------------------

def enrollment_refusals(*, collaborative: Collaborative, team: Team,
                        coach: User | None) -> dict[str, list[str]]:
    """Why this team cannot enroll (empty when it can). The admin form shows the same words."""
    errors: dict[str, list[str]] = {}
    membership = Membership.objects.select_related("tier").get(pk=team.membership_id)
    if not membership.tier.includes_collaborative:
        errors["team"] = [
            f"{team.name} has {membership.tier.name}, which does not include a Breakthrough "
            "Collaborative. Only Tier 2 memberships may enroll; the membership would have to "
            "move to Tier 2 first."]
    elif membership.status not in Membership.CURRENT:
        errors["team"] = [f"{team.name}'s membership has {membership.get_status_display()}; "
                          "only current members may enroll."]
    elif Enrollment.objects.filter(collaborative=collaborative, team=team).exists():
        errors["team"] = [f"{team.name} is already enrolled in {collaborative.name}."]
    elif Enrollment.objects.filter(team=team, collaborative__start__lt=collaborative.end,
                                   collaborative__end__gt=collaborative.start).exists():
        errors["team"] = [f"{team.name} already holds its collaborative seat in another "
                          "collaborative at the same time."]
    if not collaborative.enrollment_open:
        errors.setdefault("collaborative", []).append(
            f"Enrollment in {collaborative.name} is closed.")
    if coach is None:
        errors["coach"] = ["Assign a Center improvement coach."]
    elif not selectors.is_coach(coach) or not coach.is_active:
        errors["coach"] = [f"{coach} is not a Center improvement coach (staff, or the "
                           f"“{settings.COLLABORATIVE_COACH_GROUP}” group)."]
    return errors


@transaction.atomic
def enrollment_create(*, collaborative: Collaborative, team: Team, coach: User,
                      actor: User | None = None) -> Enrollment:
    """Enroll a Tier 2 team and assign its coach. A Tier 1 team is refused, with the reason."""
    collaborative = _lock(collaborative)
    team = _lock(team)
    errors = enrollment_refusals(collaborative=collaborative, team=team, coach=coach)
    if errors:
        raise ValidationError(errors)
    enrollment = Enrollment.objects.create(collaborative=collaborative, team=team, coach=coach,
                                           enrolled_by=actor)
    audit(enrollment, action="enrollment:created", actor=actor, reason=f"Coach: {coach}")
    return enrollment


@transaction.atomic
def enrollment_coach_assign(*, enrollment: Enrollment, coach: User,
                            actor: User | None = None) -> Enrollment:
    enrollment = _lock(enrollment)
    if enrollment.coach_id == coach.pk:
        return enrollment
    if not selectors.is_coach(coach) or not coach.is_active:
        raise ValidationError({"coach": [f"{coach} is not a Center improvement coach (staff, or "
                                          f"the “{settings.COLLABORATIVE_COACH_GROUP}” group)."]})
    enrollment.coach = coach
    enrollment.save(update_fields=["coach", "updated_at"])
    audit(enrollment, action="enrollment:coach", actor=actor, reason=f"Coach: {coach}")
    return enrollment


@transaction.atomic
def aim_set(*, enrollment: Enrollment, actor: User, what: str, how_much: str,
            by_when: date) -> TeamAim:
    """The team states (or restates) its aim: what, how much, by when."""
    viewer = selectors.viewer_for(actor, enrollment.collaborative)
    if not (viewer.works_on(enrollment.team_id) or viewer.coaches_team(enrollment.team_id)):
        raise ValidationError("Only the team, its coach and Center staff set the team's aim.")
    errors = {}
    if not what.strip():
        errors["what"] = ["Say what you will improve."]
    if not how_much.strip():
        errors["how_much"] = ["Say how much, e.g. from 24% to 18%."]
    errors.update(text_limit_errors(TeamAim, what=what.strip(), how_much=how_much.strip()))
    collaborative = enrollment.collaborative
    latest = add_years(collaborative.end, AIM_YEARS_AFTER_END)
    if not collaborative.start < by_when <= latest:
        errors["by_when"] = [f"Choose a date after the collaborative starts "
                             f"({_day(collaborative.start)}) and at most a year after it ends "
                             f"(by {_day(latest)})."]
    if errors:
        raise ValidationError(errors)
    aim, _ = TeamAim.objects.update_or_create(
        enrollment=enrollment,
        defaults={"what": what.strip(), "how_much": how_much.strip(), "by_when": by_when,
                  "set_by": actor})
    return aim


@transaction.atomic
def coaching_call_log(*, enrollment: Enrollment, actor: User, held_on: date,
                      attendees: list[User], other_attendees: str = "", notes: str,
                      next_steps: str) -> CoachingCall:
    """The team's coach (or staff) records a check-in call."""
    viewer = selectors.viewer_for(actor, enrollment.collaborative)
    if not viewer.coaches_team(enrollment.team_id):
        raise ValidationError("Only the team's coach logs its coaching calls.")
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = ["Log a call once it has happened."]
    if held_on < enrollment.collaborative.start:
        errors["held_on"] = [f"The collaborative started on "
                             f"{_day(enrollment.collaborative.start)}."]
    members = set(TeamMember.objects.filter(team_id=enrollment.team_id,
                                            status=TeamMember.Status.ACTIVE)
                  .values_list("user_id", flat=True))
    strangers = [str(user) for user in attendees if user.pk not in members]
    if strangers:
        errors["attendees"] = [f"Not on the team: {', '.join(strangers)}."]
    if not attendees and not other_attendees.strip():
        errors["attendees"] = ["Say who was on the call."]
    if not notes.strip():
        errors["notes"] = ["Write a few notes about the call."]
    if not next_steps.strip():
        errors["next_steps"] = ["Write down the next steps you agreed."]
    errors.update(text_limit_errors(CoachingCall, notes=notes.strip(),
                                    next_steps=next_steps.strip(),
                                    other_attendees=other_attendees.strip()))
    if errors:
        raise ValidationError(errors)
    call = CoachingCall.objects.create(enrollment=enrollment, held_on=held_on,
                                       other_attendees=other_attendees.strip(),
                                       notes=notes.strip(), next_steps=next_steps.strip(),
                                       logged_by=actor)
    call.attendees.set(attendees)
    return call


# --- Driver diagram ----------------------------------------------------------------------------

def _may_maintain_ideas(actor: User, collaborative: Collaborative) -> bool:
    viewer = selectors.viewer_for(actor, collaborative)
    return viewer.is_staff or viewer.is_coach


@transaction.atomic
def primary_driver_add(*, collaborative: Collaborative, actor: User, title: str,
                       description: str = "") -> PrimaryDriver:
    if not _may_maintain_ideas(actor, collaborative):
        raise ValidationError("Center staff and the collaborative's coaches maintain the driver "
                              "diagram.")
    if not title.strip():
        raise ValidationError({"title": ["Name the driver."]})
    errors = text_limit_errors(PrimaryDriver, title=title.strip(),
                               description=description.strip())
    if errors:
        raise ValidationError(errors)
    position = collaborative.primary_drivers.count() + 1
    return PrimaryDriver.objects.create(collaborative=collaborative, title=title.strip(),
                                        description=description.strip(), position=position)


@transaction.atomic
def change_idea_add(*, primary_driver: PrimaryDriver, actor: User, title: str,
                    description: str = "") -> ChangeIdea:
    if not _may_maintain_ideas(actor, primary_driver.collaborative):
        raise ValidationError("Center staff and the collaborative's coaches maintain the change "
                              "ideas.")
    if not title.strip():
        raise ValidationError({"title": ["Name the change idea."]})
    errors = text_limit_errors(ChangeIdea, title=title.strip(), description=description.strip())
    if errors:
        raise ValidationError(errors)
    position = primary_driver.change_ideas.count() + 1
    return ChangeIdea.objects.create(primary_driver=primary_driver, title=title.strip(),
                                     description=description.strip(), position=position,
                                     added_by=actor)


# --- PDSA cycles -------------------------------------------------------------------------------

PLAN_REQUIRED = {
    "title": "Give the cycle a short name.",
    "question": "Write the question this cycle should answer.",
    "prediction": "Write down what you predict will happen.",
}
START_REQUIRED = {
    "plan_who": "Say who will carry out the test.",
    "plan_what": "Say what you will do.",
    "plan_when": "Say when.",
    "plan_where": "Say where.",
    "data_to_collect": "Say what data you will collect.",
}
COMPLETE_REQUIRED = {
    "what_happened": "Describe what happened when you ran the test.",
    "results": "Compare the results with your prediction.",
    "learning": "Write down what you learned.",
    "decision": "Choose adopt, adapt or abandon.",
    "next_step": "Say what you will do next.",
}
EDITABLE = {
    PDSACycle.Status.PLANNED: ["title", "change_idea", *PDSACycle.PLAN_FIELDS, "measures"],
    PDSACycle.Status.IN_PROGRESS: [*PDSACycle.DO_STUDY_ACT_FIELDS, "measures"],
    PDSACycle.Status.COMPLETED: [],
}


def _missing(values: dict, required: dict[str, str]) -> dict[str, list[str]]:
    return {name: [message] for name, message in required.items()
            if not str(values.get(name) or "").strip()}


def _check_works_on(actor: User, collaborative: Collaborative, team_id: int) -> None:
    if not selectors.viewer_for(actor, collaborative).works_on(team_id):
        raise ValidationError("Only members of the team log and edit its PDSA cycles.")


def _check_change_idea(change_idea: ChangeIdea | None, collaborative: Collaborative) -> dict:
    if change_idea is None:
        return {"change_idea": ["Choose the change idea this cycle tests."]}
    if change_idea.primary_driver.collaborative_id != collaborative.pk:
        return {"change_idea": ["That change idea belongs to another collaborative."]}
    return {}


def _check_measures(measures, collaborative: Collaborative) -> dict:
    if any(m.collaborative_id != collaborative.pk for m in measures):
        return {"measures": ["Choose measures of this collaborative."]}
    return {}


def _clean_text(fields: dict) -> dict:
    return {name: value.strip() if isinstance(value, str) else value
            for name, value in fields.items()}


@transaction.atomic
def pdsa_cycle_log(*, team: Team, collaborative: Collaborative, actor: User,
                   change_idea: ChangeIdea | None, title: str, question: str, prediction: str,
                   plan_who: str = "", plan_what: str = "", plan_when: str = "",
                   plan_where: str = "", data_to_collect: str = "",
                   measures=(), today: date | None = None) -> PDSACycle:
    """A team member plans a cycle against a change idea, in the current action period."""
    enrollment = Enrollment.objects.filter(collaborative=collaborative, team=team).first()
    if enrollment is None:
        raise ValidationError(f"{team.name} is not enrolled in {collaborative.name}.")
    _check_works_on(actor, collaborative, team.pk)
    fields = _clean_text({"title": title, "question": question, "prediction": prediction,
                          "plan_who": plan_who, "plan_what": plan_what, "plan_when": plan_when,
                          "plan_where": plan_where, "data_to_collect": data_to_collect})
    errors = {**_missing(fields, PLAN_REQUIRED), **_check_change_idea(change_idea, collaborative),
              **_check_measures(measures, collaborative)}
    period = selectors.current_action_period(collaborative, today)
    if period is None:
        errors.setdefault("__all__", []).append(
            "No action period is running today: cycles are logged between one convening and "
            "the next. Ask your coach when the next action period begins.")
    if errors:
        raise ValidationError(errors)
    cycle = PDSACycle(team=team, action_period=period, change_idea=change_idea,
                      created_by=actor, **fields)
    _full_clean(cycle)
    cycle.save()
    if measures:
        cycle.measures.set(measures)
    audit(cycle, action="pdsa:logged", actor=actor, to_status=cycle.status)
    return cycle


@transaction.atomic
def pdsa_cycle_update(*, cycle: PDSACycle, actor: User, **fields) -> PDSACycle:
    """Edit the part of the cycle its status allows: the Plan while planned; Do, Study and Act
    while in progress. A completed cycle is the record of what was learned and stays as it is."""
    locked = PDSACycle.objects.select_for_update().select_related(
        "action_period__collaborative").get(pk=cycle.pk)
    collaborative = locked.action_period.collaborative
    _check_works_on(actor, collaborative, locked.team_id)
    allowed = EDITABLE[locked.status]
    if not allowed:
        raise ValidationError("A completed cycle cannot be edited; start a new cycle to build "
                              "on it.")
    unexpected = sorted(set(fields) - set(allowed))
    if unexpected:
        raise ValidationError(f"These cannot be changed while the cycle is "
                              f"{locked.get_status_display()}: {', '.join(unexpected)}.")
    fields = _clean_text(fields)
    measures = fields.pop("measures", None)
    errors = _check_measures(measures, collaborative) if measures is not None else {}
    if locked.status == PDSACycle.Status.PLANNED:
        merged = {name: getattr(locked, name) for name in allowed if name != "measures"} | fields
        errors.update(_missing(merged, PLAN_REQUIRED))
        if "change_idea" in fields:
            errors.update(_check_change_idea(fields["change_idea"], collaborative))
    if "decision" in fields and fields["decision"] and (
            fields["decision"] not in PDSACycle.Decision.values):
        errors["decision"] = ["Choose adopt, adapt or abandon."]
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(locked, name, value)
    _full_clean(locked)
    locked.save()
    if measures is not None:
        locked.measures.set(measures)
    return locked


@transaction.atomic
def pdsa_cycle_advance(*, cycle: PDSACycle, actor: User, to: str, **fields) -> PDSACycle:
    """Save the stage's fields, then move planned → in progress (the Plan must be complete) or
    in progress → completed (Do, Study and Act must be written). Other moves are refused."""
    locked = PDSACycle.objects.select_for_update().select_related(
        "action_period__collaborative").get(pk=cycle.pk)
    _check_works_on(actor, locked.action_period.collaborative, locked.team_id)
    if locked.status == to:
        return locked  # a second click on the same button changes nothing
    if to not in PDSACycle.TRANSITIONS.get(locked.status, set()):
        labels = dict(PDSACycle.Status.choices)
        raise IllegalTransition(f"A PDSA cycle that is {locked.get_status_display()} cannot "
                                f"become {labels.get(to, to)}.", code="illegal_transition")
    if fields:
        locked = pdsa_cycle_update(cycle=locked, actor=actor, **fields)
    required = {PDSACycle.Status.IN_PROGRESS: {**PLAN_REQUIRED, **START_REQUIRED},
                PDSACycle.Status.COMPLETED: COMPLETE_REQUIRED}.get(to, {})
    errors = _missing({name: getattr(locked, name) for name in required}, required)
    if errors:
        raise ValidationError(errors)
    locked, _ = transition(locked, to, actor=actor)
    return locked


# --- Attachments and comments ------------------------------------------------------------------

ATTACHMENT_TYPES = {
    ".png": (CycleAttachment.Kind.IMAGE, "image/png"),
    ".jpg": (CycleAttachment.Kind.IMAGE, "image/jpeg"),
    ".jpeg": (CycleAttachment.Kind.IMAGE, "image/jpeg"),
    ".gif": (CycleAttachment.Kind.IMAGE, "image/gif"),
    ".webp": (CycleAttachment.Kind.IMAGE, "image/webp"),
    ".pdf": (CycleAttachment.Kind.PDF, "application/pdf"),
    ".csv": (CycleAttachment.Kind.CSV, "text/csv"),
}
ACCEPTED = "images (PNG, JPEG, GIF, WebP), PDF or CSV"


def _content_matches(extension: str, head: bytes, upload: UploadedFile) -> bool:
    """Does the file's content match its extension? Magic bytes for images and PDF; for CSV,
    text without NUL bytes that decodes (UTF-8, or Windows-1252 as Excel saves it) and parses."""
    if extension == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == ".gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if extension == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension == ".pdf":
        return head.lstrip(b"\r\n\t ").startswith(b"%PDF-")
    if extension == ".csv":
        upload.seek(0)
        raw = upload.read()
        if b"\x00" in raw or not raw.strip():
            return False
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return False
        if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in text):
            return False
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error:
            return False
        return bool(rows)
    return False


@transaction.atomic
def attachment_add(*, cycle: PDSACycle, actor: User, upload: UploadedFile) -> CycleAttachment:
    """Check the file's size and type (by its extension and by its content), store it under an
    unguessable name and record it. A refused file leaves nothing behind."""
    # The team first (it guards the quota, and parents lock before children), then the cycle.
    Team.objects.select_for_update().filter(pk=cycle.team_id).first()
    locked = PDSACycle.objects.select_for_update().select_related(
        "action_period__collaborative").get(pk=cycle.pk)
    _check_works_on(actor, locked.action_period.collaborative, locked.team_id)
    original = PurePath(upload.name or "").name[:200] or "attachment"
    extension = PurePath(original).suffix.lower()
    limit = settings.COLLABORATIVE_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError({"file": [
            f"“{original}” is {upload.size / 1024 / 1024:.1f} MB; files can be at most "
            f"{limit / 1024 / 1024:.0f} MB."]}, code="too_large")
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError({"file": [
            f"“{original}” is not a file type we accept. Attach {ACCEPTED}."]},
            code="wrong_type")
    upload.seek(0)
    head = upload.read(16)
    if not _content_matches(extension, head, upload):
        raise ValidationError({"file": [
            f"“{original}” does not contain what its name says ({extension[1:].upper()}). "
            f"Attach {ACCEPTED}."]}, code="wrong_content")
    _check_team_quota(locked.team_id, original, upload.size)
    kind, content_type = ATTACHMENT_TYPES[extension]
    upload.seek(0)
    stored = default_storage.save(
        f"collaboratives/attachments/{secrets.token_urlsafe(24)}{extension}", upload)
    try:
        with transaction.atomic():
            attachment = CycleAttachment.objects.create(
                cycle=locked, kind=kind, storage_name=stored, original_name=original,
                content_type=content_type, size=upload.size, uploaded_by=actor)
    except Exception:
        default_storage.delete(stored)
        raise
    return attachment


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def _check_team_quota(team_id: int, original: str, size: int) -> None:
    """A team keeps at most ``COLLABORATIVE_ATTACHMENTS_PER_TEAM`` files and
    ``COLLABORATIVE_ATTACHMENT_TEAM_BYTES`` in all, across its cycles. Called with the team
    locked, so two uploads at once cannot both take the last place."""
    used = CycleAttachment.objects.filter(cycle__team_id=team_id).aggregate(
        n=Count("pk"), size=Sum("size"))
    count, total = used["n"], used["size"] or 0
    most, room = (settings.COLLABORATIVE_ATTACHMENTS_PER_TEAM,
                  settings.COLLABORATIVE_ATTACHMENT_TEAM_BYTES)
    if count + 1 > most:
        raise ValidationError({"file": [
            f"Your team already keeps {count:,} files, the most a team may: delete one it no "
            f"longer needs, then attach “{original}”."]},
            code="quota_count")
    if total + size > room:
        raise ValidationError({"file": [
            f"“{original}” ({_megabytes(size)}) does not fit: your team's files take "
            f"{_megabytes(total)} of the {_megabytes(room)} a team may keep. Delete files it "
            "no longer needs first."]}, code="quota_bytes")


def attachment_may_delete(user: User, attachment: CycleAttachment, viewer,
                          lead_of: set[int]) -> bool:
    """Who may delete an attachment: whoever uploaded it while still on the team, the team's
    lead, and staff. Not the coach (the team's record is the team's), not another team."""
    team_id = attachment.cycle.team_id
    if viewer.is_staff:
        return True
    if not viewer.works_on(team_id):
        return False
    return attachment.uploaded_by_id == user.pk or team_id in lead_of


def teams_led_by(user: User) -> set[int]:
    return set(TeamMember.objects.filter(user=user, status=TeamMember.Status.ACTIVE,
                                         role=Role.LEAD).values_list("team_id", flat=True))


@transaction.atomic
def attachment_delete(*, attachment: CycleAttachment, actor: User) -> None:
    """Delete an attachment: the record goes at once, the file from storage once that has
    committed (a rollback keeps both). An audit entry on the cycle says what went and who."""
    locked = (CycleAttachment.objects.select_for_update()
              .select_related("cycle__action_period__collaborative")
              .filter(pk=attachment.pk).first())
    if locked is None:
        return  # already deleted: a second click changes nothing
    cycle = locked.cycle
    viewer = selectors.viewer_for(actor, cycle.action_period.collaborative)
    if not attachment_may_delete(actor, locked, viewer, teams_led_by(actor)):
        raise ValidationError("Only whoever attached a file, the team's lead and Center staff "
                              "delete it.", code="forbidden")
    reason = (f"“{locked.original_name}” ({_megabytes(locked.size)}), attached by "
              f"{locked.uploaded_by}")
    stored = locked.storage_name
    locked.delete()
    audit(cycle, action="attachment:deleted", actor=actor, reason=reason)
    transaction.on_commit(lambda: default_storage.delete(stored))


@transaction.atomic
def cycle_comment_add(*, cycle: PDSACycle, actor: User, body: str) -> CycleComment:
    """The team's coach (or Center staff) comments on a cycle."""
    collaborative = cycle.action_period.collaborative
    if not selectors.viewer_for(actor, collaborative).coaches_team(cycle.team_id):
        raise ValidationError("Only the team's coach comments on its cycles.")
    if not body.strip():
        raise ValidationError({"body": ["Write your comment."]})
    errors = text_limit_errors(CycleComment, body=body.strip())
    if errors:
        raise ValidationError(errors)
    return CycleComment.objects.create(cycle=cycle, author=actor, body=body.strip())
