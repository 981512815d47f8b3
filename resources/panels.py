"""“New this month” on My portal (members.hooks.dashboard_panel): the newest resources the
person may see; one query, and no panel when nothing is new."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, Q
from django.urls import reverse
from django.utils import timezone

from collaboratives.programme.models import Enrollment
from members.hooks import dashboard_panel, portal_person
from members.models import User
from resources.models import Resource
from resources.selectors import NEW_DAYS


def visible_filter(person) -> Q:
    """``selectors.resources_visible_to``'s rule for a signed-in person who is not staff, from
    the places the dashboard already read (``members.hooks.portal_person``) instead of
    subqueries over them. tests/resources/test_library.py checks that both give the same
    resources to every kind of person."""
    user = person.user
    coach = User.groups.through.objects.filter(user_id=user.pk,
                                               group__name=settings.COLLABORATIVE_COACH_GROUP)
    allowed = Q(Exists(coach)) | Q(visibility=Resource.Visibility.PUBLIC)
    if person.has_place:
        allowed |= Q(visibility=Resource.Visibility.MEMBERS)
    if person.tier2:
        allowed |= Q(visibility=Resource.Visibility.TIER2)
    collaboratives = Enrollment.objects.filter(
        Q(coach=user) | Q(team_id__in=person.team_ids)).values("collaborative_id")
    return allowed | Q(visibility=Resource.Visibility.COLLABORATIVE,
                       collaborative_id__in=collaboratives)


def newest_visible(request, *, now=None, limit: int = 5) -> list[dict]:
    """The newest resources this person may see, published in the last ``NEW_DAYS`` days:
    ``title``, ``kind`` (its label), ``published_at`` and ``url`` (one query)."""
    user = request.user
    now = now or timezone.now()
    resources = Resource.objects.filter(listed=True, published_at__gte=now - timedelta(
        days=NEW_DAYS), published_at__lte=now)
    if not user.is_authenticated:
        resources = resources.filter(visibility=Resource.Visibility.PUBLIC)
    elif not user.is_staff:
        resources = resources.filter(visible_filter(portal_person(request)))
    kinds = dict(Resource.Kind.choices)
    return [{"title": title, "kind": kinds.get(kind, kind), "published_at": published,
             "url": reverse("resources:detail", args=[pk])}
            for pk, title, kind, published in resources.values_list(
                "pk", "title", "kind", "published_at")[:limit]]


@dashboard_panel(order=40, template="resources/partials/new_this_month.html")
def new_this_month(request):
    resources = newest_visible(request)
    return {"resources": resources} if resources else None
