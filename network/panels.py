"""The network's panel on "My portal" (``members.hooks.dashboard_panel``): the person's next
events and their groups, in two small queries (three for someone on no team: are they one of
the Center's coaches)."""

from django.urls import reverse
from django.utils import timezone

from collaboratives.programme.selectors import is_coach
from members.hooks import dashboard_panel, portal_person
from network.models import Event, GroupMembership, Registration

PANEL_SIZE = 5


def my_upcoming_events(user, *, limit: int) -> list[dict]:
    """The person's next events (registered or waitlisted), soonest first: ``title``,
    ``starts_at``, ``url`` and ``my_status``."""
    rows = (Registration.objects.filter(
        user=user, status__in=[Registration.Status.REGISTERED, Registration.Status.WAITLISTED],
        event__ends_at__gt=timezone.now(), event__status=Event.Status.SCHEDULED)
        .order_by("event__starts_at", "event_id")
        .values_list("event_id", "event__title", "event__starts_at", "status")[:limit])
    return [{"title": title, "starts_at": starts_at, "my_status": status,
             "url": reverse("network:event", args=[event_id])}
            for event_id, title, starts_at, status in rows]


def my_groups(user, *, limit: int) -> list[dict]:
    """The groups the person is an active member of, by name: ``name`` and ``url``."""
    rows = (GroupMembership.objects.filter(user=user, status=GroupMembership.Status.ACTIVE)
            .order_by("group__name", "group_id").values_list("group__name", "group__slug")[:limit])
    return [{"name": name, "url": reverse("network:group", args=[slug])} for name, slug in rows]


@dashboard_panel(order=30, template="network/partials/dashboard_panel.html")
def network_panel(request):
    user = request.user
    # collaboratives' in_network(), with the person's places already read for the dashboard.
    if not user.is_authenticated or not (portal_person(request).has_place or is_coach(user)):
        return None
    return {"events": my_upcoming_events(user, limit=PANEL_SIZE),
            "groups": my_groups(user, limit=PANEL_SIZE)}
