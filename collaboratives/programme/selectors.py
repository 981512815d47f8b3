"""Who sees what: ``Viewer`` (what one person may see and do in one collaborative), the
collaboratives a person may open, their enrollment, and who is in the network at all. Every
page and service of the other domains asks these."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from collaboratives.programme.models import Collaborative, Enrollment
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


def _on_team(user: User) -> Exists:
    """Whether the person has a current place on the enrollment's team."""
    return Exists(TeamMember.objects.filter(team=OuterRef("team"), user=user, **CURRENT_PLACE))


def viewer_for(user: User, collaborative: Collaborative) -> Viewer:
    """One query: the enrollments of this collaborative that concern this person."""
    if not user.is_authenticated:
        return Viewer()
    rows = (Enrollment.objects.filter(collaborative=collaborative)
            .annotate(on_team=_on_team(user)).filter(Q(coach=user) | Q(on_team=True))
            .values_list("team_id", "coach_id", "on_team"))
    mine = frozenset(team_id for team_id, _, on in rows if on)
    coached = frozenset(team_id for team_id, coach_id, _ in rows if coach_id == user.pk)
    return Viewer(is_staff=user.is_staff, my_team_ids=mine, coached_team_ids=coached)


def viewer_of_enrolled(user: User, enrolled: list[tuple[int, int]],
                       places: set[int] | None = None) -> Viewer:
    """``viewer_for``, from the collaborative's enrollments as ``(team_id, coach_id)`` pairs that
    the page has already read, and the teams the person has a current place on (``places``;
    read here when not given): one query, simpler than asking, for each enrolled team, whether
    the person has one on it."""
    if not user.is_authenticated:
        return Viewer()
    if places is None:
        places = set(current_places(user).values_list("team_id", flat=True))
    return Viewer(is_staff=user.is_staff,
                  my_team_ids=frozenset({team for team, _ in enrolled if team in places}),
                  coached_team_ids=frozenset({team for team, coach in enrolled
                                              if coach == user.pk}))


def visible_collaborative_ids(user: User) -> QuerySet | None:
    """Ids of the collaboratives a non-staff person takes part in; None for staff (all)."""
    if user.is_staff:
        return None
    return Enrollment.objects.filter(
        Q(coach=user) | Q(team__in=current_places(user).values("team_id"))
    ).values("collaborative_id")


def collaboratives_visible_to(user: User) -> QuerySet[Collaborative]:
    """The collaboratives a person may open, with their phases."""
    if not user.is_authenticated:
        return Collaborative.objects.none()
    queryset = Collaborative.objects.all()
    ids = visible_collaborative_ids(user)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.prefetch_related("phases")


def collaborative_for(user: User, slug: str) -> Collaborative | None:
    return collaboratives_visible_to(user).filter(slug=slug).first()


def enrollment_for(collaborative: Collaborative, team_id: int) -> Enrollment | None:
    return (Enrollment.objects.filter(collaborative=collaborative, team_id=team_id)
            .select_related("team", "coach", "aim", "collaborative").first())


def enrollment_with_viewer(user: User, slug: str,
                           team_id: int) -> tuple[Enrollment | None, Viewer]:
    """One query: the team's enrollment in the collaborative of ``slug`` (whoever asks: check
    what the viewer may see), and the person's ``Viewer`` of that collaborative, as
    ``viewer_for`` gives it (the same enrollments, read with the team's)."""
    if not user.is_authenticated:
        return None, Viewer()
    rows = list(Enrollment.objects.filter(collaborative__slug=slug)
                .annotate(on_team=_on_team(user))
                .filter(Q(team_id=team_id) | Q(coach=user) | Q(on_team=True))
                .select_related("team", "coach", "aim", "collaborative"))
    enrollment = next((e for e in rows if e.team_id == team_id), None)
    return enrollment, Viewer(
        is_staff=user.is_staff, my_team_ids=frozenset(e.team_id for e in rows if e.on_team),
        coached_team_ids=frozenset(e.team_id for e in rows if e.coach_id == user.pk))


def in_network(user: User) -> bool:
    """Staff, the Center's coaches, and anyone on a current membership of any tier: who reads the
    published change packages and is invited to convenings open to the whole network."""
    return is_coach(user) or current_places(user).exists()
