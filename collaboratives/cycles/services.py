"""Writes with a rule about the improvement work: action periods, a team's aim, coaching calls,
the driver diagram, PDSA cycles (plan, start, complete) and comments on them."""

from datetime import date
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from collaboratives.convenings.models import Convening
from collaboratives.cycles import selectors
from collaboratives.cycles.models import (
    ActionPeriod,
    ChangeIdea,
    CoachingCall,
    CycleComment,
    PDSACycle,
    PrimaryDriver,
    TeamAim,
)
from collaboratives.programme import selectors as programme_selectors
from collaboratives.programme.models import Collaborative, Enrollment, text_limit_errors
from collaboratives.programme.services import full_clean_row, lock_row
from core.dates import add_years, day
from core.statemachine import IllegalTransition, audit, transition
from members.models import Team, TeamMember, User
from members.services import membership_writable_check

AIM_YEARS_AFTER_END = 1  # a team's aim falls due inside the collaborative, or within a year


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
    collaborative = lock_row(collaborative)
    period = ActionPeriod(collaborative=collaborative, opening_convening=opening,
                          closing_convening=closing, expected_cycles=expected_cycles)
    full_clean_row(period)
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
    collaborative = lock_row(collaborative)
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
def aim_set(*, enrollment: Enrollment, actor: User, what: str, how_much: str,
            by_when: date) -> TeamAim:
    """The team states (or restates) its aim: what, how much, by when."""
    viewer = programme_selectors.viewer_for(actor, enrollment.collaborative)
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
                             f"({day(collaborative.start)}) and at most a year after it ends "
                             f"(by {day(latest)})."]
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
    viewer = programme_selectors.viewer_for(actor, enrollment.collaborative)
    if not viewer.coaches_team(enrollment.team_id):
        raise ValidationError("Only the team's coach logs its coaching calls.")
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = ["Log a call once it has happened."]
    if held_on < enrollment.collaborative.start:
        errors["held_on"] = [f"The collaborative started on "
                             f"{day(enrollment.collaborative.start)}."]
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


def _may_maintain_ideas(actor: User, collaborative: Collaborative) -> bool:
    viewer = programme_selectors.viewer_for(actor, collaborative)
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


LAPSED_NO_CYCLES = ("Your membership has lapsed: the collaborative stays readable, but new PDSA "
                    "cycles wait until the renewal invoice is paid.")


def _missing(values: dict, required: dict[str, str]) -> dict[str, list[str]]:
    return {name: [message] for name, message in required.items()
            if not str(values.get(name) or "").strip()}


def check_works_on(actor: User, collaborative: Collaborative, team_id: int) -> None:
    if not programme_selectors.viewer_for(actor, collaborative).works_on(team_id):
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
    check_works_on(actor, collaborative, team.pk)
    membership_writable_check(team.membership_id, message=LAPSED_NO_CYCLES)
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
    full_clean_row(cycle)
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
    check_works_on(actor, collaborative, locked.team_id)
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
    full_clean_row(locked)
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
    check_works_on(actor, locked.action_period.collaborative, locked.team_id)
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


@transaction.atomic
def cycle_comment_add(*, cycle: PDSACycle, actor: User, body: str) -> CycleComment:
    """The team's coach (or Center staff) comments on a cycle."""
    collaborative = cycle.action_period.collaborative
    if not programme_selectors.viewer_for(actor, collaborative).coaches_team(cycle.team_id):
        raise ValidationError("Only the team's coach comments on its cycles.")
    if not body.strip():
        raise ValidationError({"body": ["Write your comment."]})
    errors = text_limit_errors(CycleComment, body=body.strip())
    if errors:
        raise ValidationError(errors)
    return CycleComment.objects.create(cycle=cycle, author=actor, body=body.strip())
