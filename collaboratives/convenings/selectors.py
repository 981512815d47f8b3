"""Reads about convenings: a collaborative's convenings, who is invited to one (the one answer
behind reminders, notices and who may answer), the network's open convenings, and a person's
calendar feed."""


from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from collaboratives.convenings.models import Convening
from collaboratives.programme.models import Collaborative, Enrollment
from collaboratives.programme.selectors import Viewer, in_network, visible_collaborative_ids
from members.models import TeamMember, User
from members.selectors import CURRENT_PLACE


def convenings_of(collaborative: Collaborative) -> QuerySet[Convening]:
    return Convening.objects.filter(collaborative=collaborative).select_related("collaborative")


def next_convening(collaborative: Collaborative) -> Convening | None:
    return (convenings_of(collaborative)
            .filter(status=Convening.Status.SCHEDULED, starts_at__gt=timezone.now())
            .order_by("starts_at").first())


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
    ids = visible_collaborative_ids(user)
    if ids is None:
        return convenings
    mine = Q(collaborative_id__in=ids)
    if in_network(user):
        mine |= Q(open_to_network=True)
    return convenings.filter(mine)
