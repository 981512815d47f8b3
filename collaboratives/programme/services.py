"""Writes with a rule about the programme: a collaborative's phases and its enrollments (Tier 2
only, enrollment open, a real coach), plus the two row helpers every domain's services use:
``lock_row`` (``SELECT ... FOR UPDATE``) and ``full_clean_row`` (field and ``clean()`` checks;
constraints are left to the database and the services)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from collaboratives.programme import selectors
from collaboratives.programme.models import Collaborative, Enrollment, Phase, phase_schedule_errors
from core.statemachine import audit
from members.models import Membership, Team, User


def lock_row(instance):
    return type(instance).objects.select_for_update().get(pk=instance.pk)


def full_clean_row(instance, exclude=None) -> None:
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


@transaction.atomic
def phase_set(*, collaborative: Collaborative, kind: str, start: date, end: date) -> Phase:
    """Create or re-date one phase; the whole schedule must stay in order without overlap."""
    collaborative = lock_row(collaborative)
    phase = (Phase.objects.filter(collaborative=collaborative, kind=kind).first()
             or Phase(collaborative=collaborative, kind=kind))
    phase.start, phase.end = start, end
    phase.checked_as_schedule = True  # checked below, with its siblings
    full_clean_row(phase)
    siblings = list(Phase.objects.filter(collaborative=collaborative).exclude(kind=kind))
    problems = phase_schedule_errors(collaborative, [*siblings, phase])
    if problems:
        raise ValidationError({"start": problems})
    phase.save()
    return phase


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
    collaborative = lock_row(collaborative)
    team = lock_row(team)
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
    enrollment = lock_row(enrollment)
    if enrollment.coach_id == coach.pk:
        return enrollment
    if not selectors.is_coach(coach) or not coach.is_active:
        raise ValidationError({"coach": [f"{coach} is not a Center improvement coach (staff, or "
                                          f"the “{settings.COLLABORATIVE_COACH_GROUP}” group)."]})
    enrollment.coach = coach
    enrollment.save(update_fields=["coach", "updated_at"])
    audit(enrollment, action="enrollment:coach", actor=actor, reason=f"Coach: {coach}")
    return enrollment
