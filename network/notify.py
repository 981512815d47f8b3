"""The network's emails that go to many people, each once per person: reminders before an event
(the convenings' machinery: the same ``COLLABORATIVE_REMINDER_DAYS`` and due rule, claimed in a
log row in the same transaction that queues the email), the notice of a cancelled event, new
posts (nudges a person may turn off, per group or for all) and requests to join."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from collaboratives.convenings.reminders import reminder_kind_due
from core.emails import email_queue
from members.models import User
from network.models import Event, EventReminderLog, GroupMembership, Post, Registration


def _claim(event: Event, user: User, kind: str) -> bool:
    try:
        with transaction.atomic():
            _, created = EventReminderLog.objects.get_or_create(event=event, user=user,
                                                                kind=kind)
    except IntegrityError:  # another worker claimed it between our look and our insert
        return False
    return created


def _notify_once(event: Event, *, kind: str, template: str, statuses, **context) -> int:
    already = set(EventReminderLog.objects.filter(event=event, kind=kind)
                  .values_list("user_id", flat=True))
    queued = 0
    registrations = (Registration.objects.filter(event=event, status__in=statuses,
                                                 user__is_active=True)
                     .select_related("user").order_by("pk"))
    for registration in registrations:
        user = registration.user
        if user.pk in already or not _claim(event, user, kind):
            continue
        email_queue(key=f"{template.replace('_', '-')}:{event.pk}:{user.pk}:{kind}",
                    to=user.email, template=template,
                    context={"event": event, "user": user, "registration": registration,
                             **context})
        queued += 1
    return queued


@transaction.atomic
def event_reminders_send(*, event: Event, now: datetime | None = None) -> int:
    """The reminder due now (14 and 2 days before, by default) to each person registered, once."""
    now = now or timezone.now()
    due = reminder_kind_due(event, now=now)
    if due is None:
        return 0
    kind, days_left = due
    return _notify_once(event, kind=kind, template="network_event_reminder",
                        statuses=[Registration.Status.REGISTERED], days_left=days_left)


@transaction.atomic
def event_cancellation_notify(*, event: Event, now: datetime | None = None) -> int:
    """Tell everyone registered or waiting, once, that an event still ahead is cancelled."""
    now = now or timezone.now()
    if not event.is_cancelled or event.starts_at <= now:
        return 0
    return _notify_once(event, kind="cancelled", template="network_event_cancelled",
                        statuses=[Registration.Status.REGISTERED,
                                  Registration.Status.WAITLISTED])


def post_notify(*, post: Post) -> int:
    """Email a new post to the group's members who take them (``notify`` on their place, and
    nudges on in Your account: the outbox's "nudge" category), not to its author, once each."""
    if post.is_hidden:
        return 0
    group = post.topic.group
    places = (GroupMembership.objects.filter(group=group, status=GroupMembership.Status.ACTIVE,
                                             notify=True, user__is_active=True)
              .exclude(user=post.author_id).select_related("user").order_by("pk"))
    queued = 0
    for place in places:
        if email_queue(key=f"network-post:{post.pk}:{place.user_id}", to=place.user.email,
                       template="network_post", category="nudge",
                       context={"post": post, "topic": post.topic, "group": group,
                                "user": place.user}):
            queued += 1
    return queued


def join_request_notify(*, place: GroupMembership) -> int:
    """Tell the group's facilitators that someone asks to join."""
    if place.status != GroupMembership.Status.REQUESTED:
        return 0
    facilitators = (GroupMembership.objects.filter(
        group=place.group, status=GroupMembership.Status.ACTIVE,
        role=GroupMembership.Role.FACILITATOR, user__is_active=True)
        .exclude(user=place.user_id).select_related("user"))
    for facilitator in facilitators:
        email_queue(key=f"network-join-request:{place.pk}:{place.updated_at.timestamp():.6f}:"
                        f"{facilitator.user_id}",
                    to=facilitator.user.email, template="network_join_request",
                    context={"group": place.group, "requester": place.user,
                             "user": facilitator.user})
    return len(facilitators)
