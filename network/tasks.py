"""Background work of the network: the daily reminders job and the notices sent after commit.
Tasks take ids, load rows and call ``network.notify``."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.batch import each_locked
from network import notify
from network.models import Event, GroupMembership, Post


@shared_task(name="network.tasks.event_reminders_send")
def event_reminders_send() -> int:
    """Daily: the reminder due for each event ahead to everyone registered, once each; and the
    cancellation notice of a cancelled event still ahead where it has not gone out."""
    now = timezone.now()
    horizon = timezone.localdate() + timedelta(days=max(settings.COLLABORATIVE_REMINDER_DAYS))
    ahead = Event.objects.filter(starts_at__gt=now, starts_at__date__lte=horizon)
    queued = sum(each_locked(ahead.filter(status=Event.Status.SCHEDULED),
                             lambda e: notify.event_reminders_send(event=e, now=now)))
    queued += sum(each_locked(Event.objects.filter(status=Event.Status.CANCELLED,
                                                   starts_at__gt=now),
                              lambda e: notify.event_cancellation_notify(event=e, now=now)))
    return queued


@shared_task(name="network.tasks.event_cancellation_notify")
def event_cancellation_notify(event_id: int) -> int:
    event = Event.objects.filter(pk=event_id).first()
    return 0 if event is None else notify.event_cancellation_notify(event=event)


@shared_task(name="network.tasks.post_notify")
def post_notify(post_id: int) -> int:
    post = Post.objects.select_related("topic__group", "author").filter(pk=post_id).first()
    return 0 if post is None else notify.post_notify(post=post)


@shared_task(name="network.tasks.join_request_notify")
def join_request_notify(place_id: int) -> int:
    place = (GroupMembership.objects.select_related("group", "user").filter(pk=place_id)
             .first())
    return 0 if place is None else notify.join_request_notify(place=place)
