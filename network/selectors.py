"""Who sees what of the network: the network is every current member (Tier 1 included), the
Center's coaches and staff (``collaboratives.programme.selectors.in_network``, the same answer
as network convenings). Events open to all are theirs; a group's events, topics and members are
its members' (and staff's). Each read costs a bounded number of queries."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from collaboratives.programme.selectors import in_network
from members.models import User
from network.models import Event, EventMaterial, Group, GroupMembership, Post, Registration, Topic
from resources.models import Resource
from resources.selectors import resources_search, resources_visible_to


def active_group_ids(user: User):
    return GroupMembership.objects.filter(user=user, status=GroupMembership.Status.ACTIVE
                                          ).values("group_id")


@dataclass(frozen=True)
class GroupViewer:
    """What one person may do in one group."""

    in_network: bool = False
    is_staff: bool = False
    place: GroupMembership | None = None

    @property
    def is_member(self) -> bool:
        return self.place is not None and self.place.is_active

    @property
    def reads(self) -> bool:
        """The group's topics, members and events."""
        return self.is_staff or self.is_member

    @property
    def posts(self) -> bool:
        return self.is_member or self.is_staff

    @property
    def moderates(self) -> bool:
        """Decides requests to join and hides posts."""
        return self.is_staff or (self.place is not None and self.place.is_facilitator)


def group_viewer(user: User, group: Group) -> GroupViewer:
    if not user.is_authenticated:
        return GroupViewer()
    place = GroupMembership.objects.filter(group=group, user=user).first()
    return GroupViewer(in_network=in_network(user), is_staff=user.is_staff, place=place)


def group_for(user: User, slug: str) -> Group | None:
    """A group, for anyone in the network (they may read about it and join)."""
    if not user.is_authenticated or not in_network(user):
        return None
    return Group.objects.filter(slug=slug).first()


def events_visible_to(user: User) -> QuerySet[Event]:
    """Events open to the whole network, and those of the groups the person belongs to; staff
    see every one. Nothing for someone outside the network."""
    events = Event.objects.select_related("group")
    if not user.is_authenticated or not user.is_active:
        return events.none()
    if user.is_staff:
        return events
    if not in_network(user):
        return events.none()
    return events.filter(Q(group__isnull=True) | Q(group_id__in=active_group_ids(user)))


def event_list(user: User, *, past: bool, kind: str = "", group: str = "") -> QuerySet[Event]:
    """Upcoming events soonest first, or past ones latest first, with each one's places taken,
    whether it has a recording, and the person's own registration status, in one query."""
    now = timezone.now()
    events = events_visible_to(user)
    events = (events.filter(ends_at__lte=now).order_by("-starts_at", "-pk") if past
              else events.filter(ends_at__gt=now).order_by("starts_at", "pk"))
    if kind:
        events = events.filter(kind=kind)
    if group:
        events = events.filter(group__slug=group)
    return with_counts(events, user)


def with_counts(events: QuerySet[Event], user: User) -> QuerySet[Event]:
    mine = Registration.objects.filter(event=OuterRef("pk"), user=user)
    return events.annotate(
        taken=Count("registrations", filter=Q(
            registrations__status=Registration.Status.REGISTERED), distinct=True),
        waiting=Count("registrations", filter=Q(
            registrations__status=Registration.Status.WAITLISTED), distinct=True),
        has_recording=Exists(EventMaterial.objects.filter(
            event=OuterRef("pk"), kind=EventMaterial.Kind.RECORDING)),
        my_status=Subquery(mine.values("status")[:1]),
    )


def registration_of(user: User, event: Event) -> Registration | None:
    return Registration.objects.filter(event=event, user=user).first()


def waitlist_position(registration: Registration) -> int:
    """1 for the first in the queue."""
    return Registration.objects.filter(
        event_id=registration.event_id, status=Registration.Status.WAITLISTED
    ).filter(Q(queued_at__lt=registration.queued_at)
             | Q(queued_at=registration.queued_at, pk__lt=registration.pk)).count() + 1


def may_manage_event(user: User, event: Event) -> bool:
    """Records attendance and adds materials: staff, the event's facilitator, and a facilitator
    of its group."""
    if not user.is_authenticated:
        return False
    if user.is_staff or (event.facilitator_id is not None and event.facilitator_id == user.pk):
        return True
    return event.group_id is not None and GroupMembership.objects.filter(
        group_id=event.group_id, user=user, status=GroupMembership.Status.ACTIVE,
        role=GroupMembership.Role.FACILITATOR).exists()


def may_register(user: User, event: Event) -> bool:
    """Who may take a place: someone in the network; for a group's event, its members."""
    if not user.is_authenticated or not user.is_active or not in_network(user):
        return False
    if event.group_id is None:
        return True
    return GroupMembership.objects.filter(group_id=event.group_id, user=user,
                                          status=GroupMembership.Status.ACTIVE).exists()


def event_filter_groups(user: User) -> QuerySet[Group]:
    """The groups whose events the person may filter by: their own (staff: every group with
    events)."""
    groups = Group.objects.filter(events__isnull=False).distinct().order_by("name")
    return groups if user.is_staff else groups.filter(pk__in=active_group_ids(user))


def group_list(user: User, *, kind: str = "") -> QuerySet[Group]:
    """Every group, with its member count and the person's own place status, in one query."""
    groups = Group.objects.annotate(
        members=Count("memberships", filter=Q(
            memberships__status=GroupMembership.Status.ACTIVE), distinct=True),
        my_status=Subquery(GroupMembership.objects.filter(group=OuterRef("pk"), user=user)
                           .values("status")[:1]),
    ).order_by("name")
    if kind:
        groups = groups.filter(kind=kind)
    return groups


def group_members(group: Group) -> QuerySet[GroupMembership]:
    return (GroupMembership.objects.filter(group=group, status=GroupMembership.Status.ACTIVE)
            .select_related("user").order_by("-role", "user__last_name", "user__first_name",
                                             "pk"))


def join_requests(group: Group) -> QuerySet[GroupMembership]:
    return (GroupMembership.objects.filter(group=group, status=GroupMembership.Status.REQUESTED)
            .select_related("user").order_by("created_at", "pk"))


def topics_of(group: Group) -> QuerySet[Topic]:
    return (Topic.objects.filter(group=group).select_related("started_by", "group")
            .annotate(replies=Count("posts")).order_by("-last_post_at", "-pk"))


def posts_of(topic: Topic) -> QuerySet[Post]:
    return Post.objects.filter(topic=topic).select_related("author", "hidden_by")


def events_of_group(group: Group, user: User) -> QuerySet[Event]:
    return with_counts(Event.objects.filter(group=group, ends_at__gt=timezone.now())
                       .select_related("group").order_by("starts_at", "pk"), user)


def materials_of(event: Event) -> QuerySet[EventMaterial]:
    return EventMaterial.objects.filter(event=event).order_by("added_at", "pk")


def registrations_of(event: Event) -> QuerySet[Registration]:
    return (Registration.objects.filter(event=event).exclude(status=Registration.Status.CANCELLED)
            .select_related("user").order_by("status", "queued_at", "pk"))


def calendar_registrations(user: User) -> QuerySet[Registration]:
    """What the person's calendar feed carries of the network: the events they registered for
    or wait for (cancelled events too, so calendars strike them through)."""
    return (Registration.objects.filter(user=user, status__in=[
        Registration.Status.REGISTERED, Registration.Status.WAITLISTED])
        .select_related("event", "event__group").order_by("event__starts_at", "event_id"))




def shelf_of(group: Group, user: User, limit: int = 50) -> list[Resource]:
    """The resources on the group's shelf that this person may see in the library."""
    return list(resources_visible_to(user).filter(shelves=group).order_by("title")[:limit])


def shelf_candidates(group: Group, user: User, text: str, limit: int = 10) -> list[Resource]:
    """Library resources matching ``text`` that a facilitator could put on the shelf (not
    already there)."""
    text = text.strip()
    if not text:
        return []
    found = resources_search(resources_visible_to(user), text).exclude(shelves=group)
    return list(found[:limit])
