"""Writes with a rule about the network: registrations (capacity, waitlist, promotion),
cancelling an event, attendance and materials; joining groups, deciding requests, topics, posts
and their moderation. Emails go through the outbox (``core.emails``) after commit."""

import secrets
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from collaboratives.cycles.attachments import ATTACHMENT_TYPES, upload_check
from core.emails import email_queue
from core.statemachine import audit, transition
from members.models import User
from network import selectors, tasks
from network.models import (
    Event,
    EventMaterial,
    Group,
    GroupMembership,
    Post,
    Registration,
    Topic,
)
from resources.models import Resource
from resources.selectors import resources_visible_to

FULL = ("This event is full. Join the waitlist and you will have the first place that opens "
        "(we email you when it does).")


def _lock_event(event: Event) -> Event:
    """The event row guards its places: every registration change takes it first."""
    return (Event.objects.select_for_update(of=("self",)).select_related("group")
            .get(pk=event.pk))


def _taken(event: Event) -> int:
    return Registration.objects.filter(event=event,
                                       status=Registration.Status.REGISTERED).count()


def _places_fill(event: Event, *, actor: User | None = None) -> list[Registration]:
    """With the event locked: give free places to the waitlist, first come first served, and
    tell each person promoted (once). Returns those promoted."""
    free = event.capacity - _taken(event)
    if free <= 0 or event.is_cancelled or event.has_started:
        return []
    queue = list(Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
                 .select_related("user").order_by("queued_at", "pk")[:free])
    for registration in queue:
        transition(registration, Registration.Status.REGISTERED, actor=actor,
                   reason="A place opened: first on the waitlist.")
        email_queue(key=f"network-promoted:{registration.pk}:"
                        f"{registration.queued_at.timestamp():.6f}",
                    to=registration.user.email, template="network_waitlist_promoted",
                    context={"event": event, "user": registration.user})
    return queue


@transaction.atomic
def event_places_fill(*, event: Event, actor: User | None = None) -> int:
    """After staff raise an event's capacity: promote the waitlist into the new places."""
    return len(_places_fill(_lock_event(event), actor=actor))


@transaction.atomic
def event_register(*, event: Event, user: User, waitlist: bool = False) -> Registration:
    """Take a place, or (``waitlist=True``) a place in the queue when the event is full. A full
    event refuses a plain registration with ``FULL`` (code "full"). Registering again when
    already registered or waiting changes nothing."""
    locked = _lock_event(event)
    if locked.is_cancelled:
        raise ValidationError({NON_FIELD_ERRORS: ["This event is cancelled."]})
    if locked.has_started:
        raise ValidationError({NON_FIELD_ERRORS: ["This event has started; registration is "
                                                  "closed."]})
    if not selectors.may_register(user, locked):
        raise ValidationError({NON_FIELD_ERRORS: [
            "Only members of the group register for its events: join the group first."
            if locked.group_id else
            "Network events are for members of the Center: your account is not on a current "
            "membership's team."]})
    _places_fill(locked)
    registration = Registration.objects.filter(event=locked, user=user).first()
    if registration is not None and registration.status != Registration.Status.CANCELLED:
        return registration
    target = Registration.Status.REGISTERED
    if _taken(locked) >= locked.capacity:
        if not waitlist:
            raise ValidationError({NON_FIELD_ERRORS: [FULL]}, code="full")
        target = Registration.Status.WAITLISTED
    if registration is None:
        registration = Registration.objects.create(event=locked, user=user, status=target)
        audit(registration, action=f"status:{target}", to_status=target, actor=user)
        return registration
    registration.queued_at = timezone.now()
    registration.save(update_fields=["queued_at", "updated_at"])
    locked_registration, _ = transition(registration, target, actor=user)
    return locked_registration


@transaction.atomic
def registration_cancel(*, event: Event, user: User, actor: User | None = None) -> Registration:
    """Give up a place (or leave the waitlist); a place given up goes to the first person
    waiting, who is told by email."""
    locked = _lock_event(event)
    registration = Registration.objects.filter(event=locked, user=user).first()
    if registration is None or registration.status == Registration.Status.CANCELLED:
        raise ValidationError({NON_FIELD_ERRORS: ["You are not registered for this event."]})
    if locked.has_started:
        raise ValidationError({NON_FIELD_ERRORS: ["This event has started; there is nothing "
                                                  "to cancel."]})
    registration, _ = transition(registration, Registration.Status.CANCELLED,
                                 actor=actor or user)
    _places_fill(locked, actor=actor or user)
    return registration


@transaction.atomic
def event_cancel(*, event: Event, actor: User, reason: str) -> Event:
    """Cancel an event; everyone registered or waiting is told once, after commit."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why: the people registered are told."]})
    locked, changed = transition(event, Event.Status.CANCELLED, actor=actor, reason=reason)
    if changed:
        locked.cancellation_reason = reason[:500]
        locked.revision += 1
        locked.save(update_fields=["cancellation_reason", "revision", "updated_at"])
        tasks.event_cancellation_notify.delay_on_commit(locked.pk)
    return locked


def _check_manages(actor: User, event: Event) -> None:
    if not selectors.may_manage_event(actor, event):
        raise ValidationError({NON_FIELD_ERRORS: [
            "Only the event's facilitator, its group's facilitators and staff may do this."]})


@transaction.atomic
def attendance_record(*, event: Event, actor: User, present: set[int]) -> int:
    """Who came: ``present`` holds the registration ids of those who attended; everyone else
    registered is recorded as absent. Only once the event has started. Returns how many came."""
    locked = _lock_event(event)
    _check_manages(actor, locked)
    if not locked.has_started:
        raise ValidationError({NON_FIELD_ERRORS: ["Attendance is recorded once the event has "
                                                  "started."]})
    registered = Registration.objects.filter(event=locked,
                                             status=Registration.Status.REGISTERED)
    came = registered.filter(pk__in=present).update(attended=True,
                                                    attendance_recorded_by=actor,
                                                    updated_at=timezone.now())
    registered.exclude(pk__in=present).update(attended=False, attendance_recorded_by=actor,
                                              updated_at=timezone.now())
    audit(locked, action="event:attendance", actor=actor,
          reason=f"{came} of {registered.count()} registered attended")
    return came


@transaction.atomic
def material_add(*, event: Event, actor: User, kind: str, title: str, url: str = "",
                 upload: UploadedFile | None = None) -> EventMaterial:
    """A link or a file (checked like PDSA-cycle attachments: size, type and content), stored
    under an unguessable name."""
    locked = _lock_event(event)
    _check_manages(actor, locked)
    title = title.strip()
    errors = {}
    if kind not in EventMaterial.Kind.values:
        errors["kind"] = ["Choose what this is."]
    if not title:
        errors["title"] = ["Give it a title members will recognise."]
    if bool(url) == bool(upload):
        errors["url"] = ["Give a link or attach a file (one of the two)."]
    if errors:
        raise ValidationError(errors)
    material = EventMaterial(event=locked, kind=kind, title=title, url=url, added_by=actor)
    stored = ""
    if upload is not None:
        original, extension = upload_check(upload)
        upload.seek(0)
        stored = default_storage.save(
            f"network/materials/{secrets.token_urlsafe(24)}{extension}", upload)
        material.storage_name, material.original_name = stored, original
        material.content_type, material.size = ATTACHMENT_TYPES[extension][1], upload.size
    try:
        with transaction.atomic():
            material.save()
    except Exception:
        if stored:
            default_storage.delete(stored)
        raise
    audit(locked, action="event:material", actor=actor, reason=title)
    return material


# --- Groups ---------------------------------------------------------------------------------


def _lock_place(group: Group, user: User) -> GroupMembership | None:
    return (GroupMembership.objects.select_for_update().filter(group=group, user=user)
            .first())


@transaction.atomic
def group_join(*, group: Group, user: User) -> GroupMembership:
    """Join an open group at once, or ask to join one by request (its facilitators are told).
    Joining again finds the place as it is."""
    if not selectors.group_viewer(user, group).in_network:
        raise ValidationError({NON_FIELD_ERRORS: [
            "Groups are for members of the Center: your account is not on a current "
            "membership's team."]})
    Group.objects.select_for_update().filter(pk=group.pk).first()
    target = (GroupMembership.Status.ACTIVE if group.is_open
              else GroupMembership.Status.REQUESTED)
    place = _lock_place(group, user)
    if place is None:
        place = GroupMembership.objects.create(group=group, user=user, status=target)
        audit(place, action=f"status:{target}", to_status=target, actor=user)
    elif place.status in (GroupMembership.Status.LEFT, GroupMembership.Status.DECLINED):
        place, _ = transition(place, target, actor=user)
    else:
        return place
    if target == GroupMembership.Status.REQUESTED:
        tasks.join_request_notify.delay_on_commit(place.pk)
    return place


@transaction.atomic
def join_request_decide(*, place: GroupMembership, actor: User, approve: bool,
                        note: str = "") -> GroupMembership:
    """A facilitator of the group (or staff) approves or declines a request; nobody decides
    their own. The person is told by email."""
    locked = GroupMembership.objects.select_for_update().select_related("group", "user").get(
        pk=place.pk)
    viewer = selectors.group_viewer(actor, locked.group)
    if locked.user_id == actor.pk:
        raise ValidationError({NON_FIELD_ERRORS: ["Nobody decides their own request to join; "
                                                  "another facilitator or staff does."]})
    if not viewer.moderates:
        raise ValidationError({NON_FIELD_ERRORS: ["Only the group's facilitators and staff "
                                                  "decide requests to join."]})
    if locked.status != GroupMembership.Status.REQUESTED:
        return locked
    target = GroupMembership.Status.ACTIVE if approve else GroupMembership.Status.DECLINED
    locked, _ = transition(locked, target, actor=actor, reason=note.strip())
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["decided_by", "decided_at", "updated_at"])
    email_queue(key=f"network-join-decided:{locked.pk}:{locked.decided_at.timestamp():.6f}",
                to=locked.user.email, template="network_join_decided",
                context={"group": locked.group, "user": locked.user, "approved": approve,
                         "note": note.strip()})
    return locked


@transaction.atomic
def group_leave(*, group: Group, user: User) -> GroupMembership:
    place = _lock_place(group, user)
    if place is None or place.status not in (GroupMembership.Status.ACTIVE,
                                             GroupMembership.Status.REQUESTED):
        raise ValidationError({NON_FIELD_ERRORS: ["You are not in this group."]})
    place, _ = transition(place, GroupMembership.Status.LEFT, actor=user)
    return place


@transaction.atomic
def group_notifications_set(*, group: Group, user: User, notify: bool) -> GroupMembership:
    place = _lock_place(group, user)
    if place is None or not place.is_active:
        raise ValidationError({NON_FIELD_ERRORS: ["You are not in this group."]})
    if place.notify != notify:
        place.notify = notify
        place.save(update_fields=["notify", "updated_at"])
    return place


def _check_posts(actor: User, group: Group) -> None:
    if not selectors.group_viewer(actor, group).posts:
        raise ValidationError({NON_FIELD_ERRORS: ["Only the group's members post in it: join "
                                                  "the group first."]})


def _post_errors(body: str, markup: str) -> dict:
    errors = {}
    if not body.strip():
        errors["body"] = ["Write something to post."]
    elif len(body) > Post._meta.get_field("body").max_length:
        errors["body"] = [f"A post is at most {Post._meta.get_field('body').max_length:,} "
                          "characters."]
    if markup not in Post.Markup.values:
        errors["markup"] = ["Choose plain text or Markdown."]
    return errors


def _post_create(topic: Topic, actor: User, body: str, markup: str, now: datetime) -> Post:
    post = Post.objects.create(topic=topic, author=actor, body=body.strip(), markup=markup)
    Topic.objects.filter(pk=topic.pk).update(last_post_at=now)
    tasks.post_notify.delay_on_commit(post.pk)
    return post


@transaction.atomic
def topic_start(*, group: Group, actor: User, title: str, body: str,
                markup: str = Post.Markup.TEXT) -> Topic:
    _check_posts(actor, group)
    errors = _post_errors(body, markup)
    if not title.strip():
        errors["title"] = ["Give the topic a title."]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    topic = Topic.objects.create(group=group, title=title.strip()[:200], started_by=actor,
                                 last_post_at=now)
    _post_create(topic, actor, body, markup, now)
    return topic


@transaction.atomic
def post_add(*, topic: Topic, actor: User, body: str, markup: str = Post.Markup.TEXT) -> Post:
    _check_posts(actor, topic.group)
    errors = _post_errors(body, markup)
    if errors:
        raise ValidationError(errors)
    return _post_create(topic, actor, body, markup, timezone.now())


@transaction.atomic
def shelf_add(*, group: Group, resource_id: int, actor: User) -> Resource:
    """A facilitator of the group (or staff) puts a library resource they can see on the
    group's shelf. Putting it there twice keeps one."""
    locked = Group.objects.select_for_update().get(pk=group.pk)
    if not selectors.group_viewer(actor, locked).moderates:
        raise ValidationError({NON_FIELD_ERRORS: ["Only the group's facilitators and staff "
                                                  "fill its shelf."]})
    resource = resources_visible_to(actor).filter(pk=resource_id).first()
    if resource is None:
        raise ValidationError({"resource": ["No such resource in the library."]})
    if not locked.shelf.filter(pk=resource.pk).exists():
        locked.shelf.add(resource)
        audit(locked, action="shelf:added", actor=actor, reason=resource.title)
    return resource


@transaction.atomic
def shelf_remove(*, group: Group, resource_id: int, actor: User) -> None:
    """A facilitator (or staff) takes a resource off the group's shelf (the library keeps it)."""
    locked = Group.objects.select_for_update().get(pk=group.pk)
    if not selectors.group_viewer(actor, locked).moderates:
        raise ValidationError({NON_FIELD_ERRORS: ["Only the group's facilitators and staff "
                                                  "change its shelf."]})
    resource = locked.shelf.filter(pk=resource_id).first()
    if resource is not None:
        locked.shelf.remove(resource)
        audit(locked, action="shelf:removed", actor=actor, reason=resource.title)


@transaction.atomic
def post_hide(*, post: Post, actor: User, reason: str) -> Post:
    """A facilitator of the group or staff hides a post, saying why; the post then shows as
    "hidden by a moderator". Recorded on the post and in the audit log."""
    locked = Post.objects.select_for_update().select_related("topic__group").get(pk=post.pk)
    if not selectors.group_viewer(actor, locked.topic.group).moderates:
        raise ValidationError({NON_FIELD_ERRORS: ["Only the group's facilitators and staff "
                                                  "hide posts."]})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the post is hidden (kept in the record)."]})
    if locked.is_hidden:
        return locked
    locked.hidden_at, locked.hidden_by, locked.hidden_reason = timezone.now(), actor, reason[:500]
    locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit(locked, action="post:hidden", actor=actor, reason=reason)
    return locked
