"""Reads about the improvement work: the current action period, each team's progress in it, the
cycles and coaching calls a person may see or edit, the coach's teams and the driver diagram."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from collaboratives.cycles.models import (
    ActionPeriod,
    ChangeIdea,
    CoachingCall,
    PDSACycle,
    PrimaryDriver,
)
from collaboratives.programme.models import Collaborative, Enrollment
from collaboratives.programme.selectors import Viewer, viewer_for
from members.models import User


def current_action_period(collaborative: Collaborative,
                          today: date | None = None) -> ActionPeriod | None:
    """The action period running today: from its opening convening's day up to the day before
    its closing convening."""
    today = today or timezone.localdate()
    return (ActionPeriod.objects.filter(collaborative=collaborative,
                                        opening_convening__starts_at__date__lte=today,
                                        closing_convening__starts_at__date__gt=today)
            .select_related("opening_convening", "closing_convening").first())


def cycle_counts(period: ActionPeriod | None) -> dict[int, tuple[int, int]]:
    """Each team's cycles in the period, by team id: (logged, of any status; completed). One
    query; a team that logged none is absent. A team is behind while it has logged fewer than
    the period expects."""
    if period is None:
        return {}
    rows = PDSACycle.objects.filter(action_period=period).values_list("team_id").annotate(
        logged=Count("pk"), completed=Count("pk", filter=Q(status=PDSACycle.Status.COMPLETED)))
    return {team_id: (logged, completed) for team_id, logged, completed in rows}


def latest_learning(collaborative: Collaborative, limit: int) -> list[PDSACycle]:
    """The collaborative's newest completed cycles: what ``shared_cycles`` lists first, the same
    for everyone who sees the collaborative (completed cycles are shared with every team)."""
    return list(PDSACycle.objects.filter(action_period__collaborative=collaborative,
                                         status=PDSACycle.Status.COMPLETED)
                .order_by("-completed_at", "-pk")
                .select_related("team", "change_idea", "action_period__collaborative")[:limit])


def _cycles(collaborative: Collaborative) -> QuerySet[PDSACycle]:
    return (PDSACycle.objects.filter(action_period__collaborative=collaborative)
            .select_related("team", "change_idea__primary_driver", "created_by",
                            "action_period__opening_convening",
                            "action_period__closing_convening",
                            "action_period__collaborative"))


def cycles_visible_to(user: User, collaborative: Collaborative,
                      viewer: Viewer | None = None) -> QuerySet[PDSACycle]:
    """Completed cycles of every team (learning is shared) plus every cycle of the viewer's own
    and coached teams. Staff see all; anyone who cannot see the collaborative sees none."""
    viewer = viewer or viewer_for(user, collaborative)
    cycles = _cycles(collaborative)
    if viewer.is_staff:
        return cycles
    if not viewer.sees_collaborative:
        return cycles.none()
    own = viewer.my_team_ids | viewer.coached_team_ids
    return cycles.filter(Q(status=PDSACycle.Status.COMPLETED) | Q(team_id__in=own))


def cycles_editable_by(user: User, collaborative: Collaborative,
                       viewer: Viewer | None = None) -> QuerySet[PDSACycle]:
    """Cycles a person may edit and advance: their own team's (staff: all)."""
    viewer = viewer or viewer_for(user, collaborative)
    cycles = _cycles(collaborative)
    if viewer.is_staff:
        return cycles
    return cycles.filter(team_id__in=viewer.my_team_ids)


def shared_cycles(user: User, collaborative: Collaborative,
                  viewer: Viewer | None = None) -> QuerySet[PDSACycle]:
    """The collaborative's learning: completed cycles of all teams, newest first.

    Its pages list cycle rows (title, team, idea, link): only those relations are joined.
    PostgreSQL took longer to plan the nine-table join of ``_cycles`` than to run it."""
    return (cycles_visible_to(user, collaborative, viewer)
            .filter(status=PDSACycle.Status.COMPLETED).order_by("-completed_at", "-pk")
            .select_related(None)
            .select_related("team", "change_idea", "action_period__collaborative"))


def calls_visible_to(user: User, collaborative: Collaborative,
                     viewer: Viewer | None = None) -> QuerySet[CoachingCall]:
    """Coaching calls: a team sees its own, a coach those of the teams they coach."""
    viewer = viewer or viewer_for(user, collaborative)
    calls = (CoachingCall.objects.filter(enrollment__collaborative=collaborative)
             .select_related("enrollment__team", "logged_by")
             .prefetch_related("attendees"))
    if viewer.is_staff:
        return calls
    return calls.filter(enrollment__team_id__in=viewer.my_team_ids | viewer.coached_team_ids)


@dataclass
class CoachedTeam:
    enrollment: Enrollment
    period: ActionPeriod | None
    logged: int
    last_call_on: date | None

    @property
    def behind(self) -> bool:
        return self.period is not None and self.logged < self.period.expected_cycles


def coached_teams(user: User) -> list[CoachedTeam]:
    """The coach's view: the teams they coach, each with its current action period's progress
    and its last call. Four queries, however many teams."""
    today = timezone.localdate()
    last_call = (CoachingCall.objects.filter(enrollment=OuterRef("pk"))
                 .order_by("-held_on").values("held_on")[:1])
    enrollments = list(
        Enrollment.objects.filter(coach=user)
        .select_related("team", "collaborative", "aim")
        .prefetch_related("collaborative__phases")
        .annotate(last_call_on=Subquery(last_call))
        .order_by("-collaborative__start", "collaborative__name", "team__name", "pk"))
    periods = {
        period.collaborative_id: period
        for period in ActionPeriod.objects.filter(
            collaborative_id__in={e.collaborative_id for e in enrollments},
            opening_convening__starts_at__date__lte=today,
            closing_convening__starts_at__date__gt=today,
        ).select_related("opening_convening", "closing_convening")
    }
    counts = {
        (row["team_id"], row["action_period_id"]): row["n"]
        for row in PDSACycle.objects.filter(action_period__in=list(periods.values()))
        .values("team_id", "action_period_id").annotate(n=Count("pk")).order_by()
    }
    result = []
    for enrollment in enrollments:
        period = periods.get(enrollment.collaborative_id)
        logged = counts.get((enrollment.team_id, period.pk), 0) if period else 0
        result.append(CoachedTeam(enrollment=enrollment, period=period, logged=logged,
                                  last_call_on=enrollment.last_call_on))
    return result


def driver_diagram(collaborative: Collaborative) -> QuerySet[PrimaryDriver]:
    """Primary drivers with their change ideas and how many completed cycles tested each."""
    ideas = ChangeIdea.objects.annotate(
        tested=Count("cycles", filter=Q(cycles__status=PDSACycle.Status.COMPLETED)))
    return (PrimaryDriver.objects.filter(collaborative=collaborative)
            .prefetch_related(Prefetch("change_ideas", queryset=ideas)))


def change_ideas_of(collaborative: Collaborative) -> QuerySet[ChangeIdea]:
    return (ChangeIdea.objects.filter(primary_driver__collaborative=collaborative)
            .select_related("primary_driver"))
