"""Reads of the library: who sees which resource, search on either database and the tag
filters ("new this month" on My portal: panels.py)."""


from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import Exists, F, Q, QuerySet

from collaboratives.programme.selectors import is_coach, visible_collaborative_ids
from members.models import User
from members.selectors import current_places
from resources.models import SEARCH_CONFIG, Resource, Tag, search_vector

NEW_DAYS = 30


def resources_visible_to(user: User) -> QuerySet[Resource]:
    """The listed resources a person may see, newest first; one query whatever the rules.

    - everyone, signed in or not: those marked public;
    - anyone on the team of a current membership (any tier): those for every member;
    - on a current membership whose tier includes a collaborative: those for Tier 2;
    - on a team enrolled in a collaborative (or its coach): those for that collaborative;
    - staff and the Center's coaches: all of them.

    A page narrows it further (a group's shelf, a tag) with ordinary filters.
    """
    listed = Resource.objects.filter(listed=True)
    if not user.is_authenticated:
        return listed.filter(visibility=Resource.Visibility.PUBLIC)
    if user.is_staff:
        return listed
    places = current_places(user)
    tier2 = places.filter(team__membership__tier__includes_collaborative=True)
    # The Center's coaches (collaboratives.programme.selectors.is_coach) see everything: asked
    # inside the same query, so the dashboard panel costs one query.
    coach = User.groups.through.objects.filter(user_id=user.pk,
                                               group__name=settings.COLLABORATIVE_COACH_GROUP)
    return listed.filter(
        Q(Exists(coach))
        | Q(visibility=Resource.Visibility.PUBLIC)
        | Q(Exists(places), visibility=Resource.Visibility.MEMBERS)
        | Q(Exists(tier2), visibility=Resource.Visibility.TIER2)
        | Q(visibility=Resource.Visibility.COLLABORATIVE,
            collaborative_id__in=visible_collaborative_ids(user))
    )


def resources_search(resources: QuerySet[Resource], text: str) -> QuerySet[Resource]:
    """``resources`` that match ``text``. PostgreSQL: full-text search (web-search syntax:
    words, "quoted phrases", -excluded), English stemming, best match first, through the GIN
    index on ``search_vector()``. Elsewhere (SQLite): every word appears somewhere in the title,
    summary, tags or file name, newest first."""
    text = " ".join(text.split())[:200]
    if not text:
        return resources
    if connections[resources.db].vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return (resources.annotate(search=search_vector()).filter(search=query)
                .annotate(rank=SearchRank(F("search"), query))
                .order_by("-rank", "-published_at", "-id"))
    return resources_search_words(resources, text)


def resources_search_words(resources: QuerySet[Resource], text: str) -> QuerySet[Resource]:
    """The fallback: every word appears somewhere in the search text (any database)."""
    for word in text.split():
        word = word.strip("\"'-+")
        if word:
            resources = resources.filter(search_document__icontains=word)
    return resources


def resources_filter(resources: QuerySet[Resource], *, tags: list[Tag],
                     kind: str = "") -> QuerySet[Resource]:
    """Resources carrying every tag in ``tags`` (one subquery each), of ``kind`` if given."""
    for tag in tags:
        resources = resources.filter(tags=tag)
    if kind:
        resources = resources.filter(kind=kind)
    return resources


def tags_by_kind() -> dict[str, list[Tag]]:
    """All tags, grouped by kind, for the filter form (one query)."""
    grouped: dict[str, list[Tag]] = {kind: [] for kind in Tag.Kind.values}
    for tag in Tag.objects.all():
        grouped[tag.kind].append(tag)
    return grouped


def in_network(user: User) -> bool:
    """Anyone on a current membership, staff or a coach: who sees more than public resources."""
    return user.is_authenticated and (user.is_staff or is_coach(user)
                                      or current_places(user).exists())

