"""Who sees what in a collaborative, and the reads behind its pages.

The rules:
- Staff see everything.
- A member of an enrolled team (an active ``TeamMember`` of a team enrolled in the collaborative,
  whose membership is current: see ``members.selectors.current_places``)
  sees the collaborative, its convenings with their meeting links, every team's *completed*
  cycles (learning is shared), and only their own team's planned and in-progress cycles and
  coaching calls.
- A coach sees the collaboratives of the teams they coach, those teams' cycles and calls only.
- The network (anyone on a current membership of any tier, and the Center's coaches) sees the
  convenings a collaborative opens to the whole network, and nothing else of the collaborative.
- Anyone else sees nothing: the views answer 404.

Every function returns a queryset ready for its page (``select_related``/``prefetch_related``),
so templates never cause queries.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from collaboratives.models import (
    ActionPeriod,
    ChangeIdea,
    CoachingCall,
    Collaborative,
    Convening,
    Enrollment,
    PDSACycle,
    PrimaryDriver,
)
from members.models import TeamMember, User
from members.selectors import CURRENT_PLACE, current_places


def is_coach(user: User) -> bool:
    """Staff, or a member of the "Improvement coaches" group."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.groups.filter(name=settings.COLLABORATIVE_COACH_GROUP).exists()


@dataclass(frozen=True)
class Viewer:
    """What one person may see of one collaborative."""

    is_staff: bool = False
    my_team_ids: frozenset[int] = field(default_factory=frozenset)  # enrolled teams they are on
    coached_team_ids: frozenset[int] = field(default_factory=frozenset)
    # Outside the collaborative, invited to one of its convenings as a member of the network.
    network_guest: bool = False

    @property
    def sees_collaborative(self) -> bool:
        return self.is_staff or bool(self.my_team_ids) or bool(self.coached_team_ids)

    @property
    def is_member(self) -> bool:
        return bool(self.my_team_ids)

    @property
    def is_coach(self) -> bool:
        return bool(self.coached_team_ids)

    def sees_team(self, team_id: int) -> bool:
        """The team's workspace: its aim, all its cycles and its coaching calls."""
        return self.is_staff or team_id in self.my_team_ids or team_id in self.coached_team_ids

    def works_on(self, team_id: int) -> bool:
        """May log and edit the team's cycles, set its aim and upload its data."""
        return self.is_staff or team_id in self.my_team_ids

    def coaches_team(self, team_id: int) -> bool:
        """May log the team's coaching calls and comment on its cycles."""
        return self.is_staff or team_id in self.coached_team_ids


def viewer_for(user: User, collaborative: Collaborative) -> Viewer:
    """One query: the enrollments of this collaborative that concern this person."""
    if not user.is_authenticated:
        return Viewer()
    on_team = Exists(TeamMember.objects.filter(team=OuterRef("team"), user=user,
                                               **CURRENT_PLACE))
    rows = (Enrollment.objects.filter(collaborative=collaborative)
            .annotate(on_team=on_team).filter(Q(coach=user) | Q(on_team=True))
            .values_list("team_id", "coach_id", "on_team"))
    mine = frozenset(team_id for team_id, _, on in rows if on)
    coached = frozenset(team_id for team_id, coach_id, _ in rows if coach_id == user.pk)
    return Viewer(is_staff=user.is_staff, my_team_ids=mine, coached_team_ids=coached)


def _visible_collaborative_ids(user: User) -> QuerySet | None:
    """Ids of the collaboratives a non-staff person takes part in; None for staff (all)."""
    if user.is_staff:
        return None
    return Enrollment.objects.filter(
        Q(coach=user) | Q(team__in=current_places(user).values("team_id"))
    ).values("collaborative_id")


def _next_convening_start(now):
    return Subquery(
        Convening.objects.filter(collaborative=OuterRef("pk"), status=Convening.Status.SCHEDULED,
                                 starts_at__gt=now).order_by("starts_at").values("starts_at")[:1])


def collaboratives_visible_to(user: User) -> QuerySet[Collaborative]:
    """The collaboratives a person may open, with their phases and next convening's start."""
    if not user.is_authenticated:
        return Collaborative.objects.none()
    queryset = Collaborative.objects.all()
    ids = _visible_collaborative_ids(user)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return (queryset.prefetch_related("phases")
            .annotate(next_convening_at=_next_convening_start(timezone.now())))


def collaborative_for(user: User, slug: str) -> Collaborative | None:
    return collaboratives_visible_to(user).filter(slug=slug).first()


def current_action_period(collaborative: Collaborative,
                          today: date | None = None) -> ActionPeriod | None:
    """The action period running today: from its opening convening's day up to the day before
    its closing convening."""
    today = today or timezone.localdate()
    return (ActionPeriod.objects.filter(collaborative=collaborative,
                                        opening_convening__starts_at__date__lte=today,
                                        closing_convening__starts_at__date__gt=today)
            .select_related("opening_convening", "closing_convening").first())


def convenings_of(collaborative: Collaborative) -> QuerySet[Convening]:
    return Convening.objects.filter(collaborative=collaborative).select_related("collaborative")


def next_convening(collaborative: Collaborative) -> Convening | None:
    return (convenings_of(collaborative)
            .filter(status=Convening.Status.SCHEDULED, starts_at__gt=timezone.now())
            .order_by("starts_at").first())


def _cycles_in_period(period: ActionPeriod, **filters):
    """The number of the enrollment's team's cycles in the period, as a correlated subquery:
    an index lookup on (action_period, team, status) per team, rather than joining every cycle
    the teams ever logged and counting after."""
    return Coalesce(Subquery(
        PDSACycle.objects.filter(team=OuterRef("team"), action_period=period, **filters)
        .order_by().values("team").annotate(n=Count("pk")).values("n")), 0)


def team_progress(collaborative: Collaborative,
                  period: ActionPeriod | None) -> QuerySet[Enrollment]:
    """Every enrolled team with its aim, its coach and its cycles in the period: one query,
    however many teams. ``logged`` counts cycles of any status; a team is behind while it has
    logged fewer than the period expects."""
    enrollments = (Enrollment.objects.filter(collaborative=collaborative)
                   .select_related("collaborative", "team", "coach", "aim")
                   .order_by("team__name", "pk"))
    if period is None:
        return enrollments.annotate(logged=Value(0), completed=Value(0))
    return enrollments.annotate(
        logged=_cycles_in_period(period),
        completed=_cycles_in_period(period, status=PDSACycle.Status.COMPLETED),
    )


def teams_behind_count(collaborative: Collaborative, period: ActionPeriod | None) -> int:
    if period is None:
        return 0
    return (Enrollment.objects.filter(collaborative=collaborative)
            .annotate(logged=_cycles_in_period(period))
            .filter(logged__lt=period.expected_cycles).count())


def enrollment_for(collaborative: Collaborative, team_id: int) -> Enrollment | None:
    return (Enrollment.objects.filter(collaborative=collaborative, team_id=team_id)
            .select_related("team", "coach", "aim", "collaborative").first())


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


# --- The network: every current member, any tier ------------------------------------------------

def in_network(user: User) -> bool:
    """Staff, the Center's coaches, and anyone on a current membership of any tier: who reads the
    published change packages and is invited to convenings open to the whole network."""
    return is_coach(user) or current_places(user).exists()


def network_convening(user: User, slug: str, pk: int) -> Convening | None:
    """A convening open to the whole network, for a member of the network who is not in its
    collaborative."""
    if not in_network(user):
        return None
    return (Convening.objects.filter(collaborative__slug=slug, pk=pk, open_to_network=True)
            .select_related("collaborative").first())


def convening_invitees(convening: Convening) -> QuerySet[User]:
    """Who is invited to a convening: the one answer behind its reminders, move and
    cancellation notices, and who may answer it (``invited_to``).

    - every member of a team enrolled in its collaborative who has a current place on it
      (``members.selectors.CURRENT_PLACE``: active on a team whose membership is pending or
      active), and each enrolled team's coach;
    - when it is open to the whole network, also the network as ``in_network`` draws it: every
      current place on any team, and the Center's coaches.

    Staff are not invited for being staff: they run convenings and see every answer; a staff
    member who coaches an enrolled team is invited as its coach. Only active accounts."""
    enrolled = Enrollment.objects.filter(collaborative_id=convening.collaborative_id)
    places = TeamMember.objects.filter(**CURRENT_PLACE)
    invited = (Q(pk__in=places.filter(team__in=enrolled.values("team_id")).values("user_id"))
               | Q(pk__in=enrolled.values("coach_id")))
    if convening.open_to_network:
        coaches = User.groups.through.objects.filter(
            group__name=settings.COLLABORATIVE_COACH_GROUP)
        invited |= Q(pk__in=places.values("user_id")) | Q(pk__in=coaches.values("user_id"))
    return User.objects.filter(invited, is_active=True).order_by("pk")


def invited_to(user: User, convening: Convening, viewer: Viewer | None = None) -> bool:
    """Whether the person is invited (may answer): one of ``convening_invitees``. A network
    guest's page has already found them in the network (``network_convening``), so it is not
    asked again."""
    if not user.is_authenticated:
        return False
    if viewer is not None and viewer.network_guest and convening.open_to_network:
        return True
    return convening_invitees(convening).filter(pk=user.pk).exists()


def convenings_for_calendar(user: User) -> QuerySet[Convening]:
    """A person's convenings: those of the collaboratives they are in (staff: all), and those
    open to the whole network when they are in it."""
    convenings = Convening.objects.select_related("collaborative").order_by("starts_at", "pk")
    if not user.is_active:
        return convenings.none()
    ids = _visible_collaborative_ids(user)
    if ids is None:
        return convenings
    mine = Q(collaborative_id__in=ids)
    if in_network(user):
        mine |= Q(open_to_network=True)
    return convenings.filter(mine)
