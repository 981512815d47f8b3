"""The network's offer beyond collaboratives: groups (working groups, improvement hubs, affinity
groups) with their members and discussion topics, and network events (webinars, workshops, book
study groups, regional meetups, role-alike conversations) with registrations, a waitlist,
materials and attendance."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from core.models import TimeStampedModel

SHORT_TEXT = 500
LONG_TEXT = 10_000


class Group(TimeStampedModel):
    class Kind(models.TextChoices):
        WORKING_GROUP = "working_group", "working group"
        IMPROVEMENT_HUB = "improvement_hub", "improvement hub"
        AFFINITY_GROUP = "affinity_group", "affinity group"

    class Focus(models.TextChoices):
        PROBLEM = "problem", "a problem of practice"
        ROLE = "role", "a role"
        REGION = "region", "a region"

    class Joining(models.TextChoices):
        OPEN = "open", "open: members join at once"
        REQUEST = "request", "by request: a facilitator approves"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.WORKING_GROUP)
    focus = models.CharField("brings together people by", max_length=10, choices=Focus,
                             default=Focus.PROBLEM)
    focus_detail = models.CharField(
        "problem, role or region", max_length=120, blank=True,
        help_text="e.g. “chronic absenteeism”, “data analysts”, “the Southeast”.")
    summary = models.CharField(max_length=250)
    description = models.TextField(max_length=LONG_TEXT, blank=True)
    joining = models.CharField(max_length=10, choices=Joining, default=Joining.OPEN)
    # The group's shelf: resources from the Center's library its facilitators (or staff) put
    # there. Each reader sees those the library's own rules let them see.
    shelf = models.ManyToManyField("resources.Resource", blank=True, related_name="shelves")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("network:group", args=[self.slug])

    @property
    def is_open(self) -> bool:
        return self.joining == self.Joining.OPEN


class GroupMembership(TimeStampedModel):
    """A person's place in a group: requested, then active (or declined); left when they go.
    Facilitators are members with the facilitator role: they decide requests and moderate."""

    class Role(models.TextChoices):
        MEMBER = "member", "member"
        FACILITATOR = "facilitator", "facilitator"

    class Status(models.TextChoices):
        REQUESTED = "requested", "asked to join"
        ACTIVE = "active", "member"
        DECLINED = "declined", "declined"
        LEFT = "left", "left"

    TRANSITIONS = {
        Status.REQUESTED: {Status.ACTIVE, Status.DECLINED, Status.LEFT},
        Status.ACTIVE: {Status.LEFT},
        Status.DECLINED: {Status.REQUESTED, Status.ACTIVE},
        Status.LEFT: {Status.REQUESTED, Status.ACTIVE},
    }

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="network_groups")
    role = models.CharField(max_length=12, choices=Role, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE,
                              db_index=True)
    notify = models.BooleanField(
        "email me new posts", default=True,
        help_text="New posts in this group's topics by email (also off when nudges and digests "
                  "are off in Your account).")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["group", "user__last_name", "user__first_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "user"],
                                               name="network_one_place_per_group")]

    def __str__(self):
        return f"{self.user} in {self.group} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_facilitator(self) -> bool:
        return self.is_active and self.role == self.Role.FACILITATOR


class Event(TimeStampedModel):
    class Kind(models.TextChoices):
        WEBINAR = "webinar", "webinar"
        WORKSHOP = "workshop", "workshop"
        BOOK_STUDY = "book_study", "book study group"
        MEETUP = "meetup", "regional meetup"
        ROLE_ALIKE = "role_alike", "role-alike conversation"

    class Format(models.TextChoices):
        ONLINE = "online", "online"
        IN_PERSON = "in_person", "in person"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "scheduled"
        CANCELLED = "cancelled", "cancelled"

    TRANSITIONS = {Status.SCHEDULED: {Status.CANCELLED}}

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.WEBINAR)
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="events",
        help_text="Empty: open to every member of the network (Tier 1 included). A group: open "
                  "to its members only.")
    description = models.TextField(max_length=LONG_TEXT, blank=True)
    format = models.CharField(max_length=10, choices=Format, default=Format.ONLINE)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    meeting_link = models.URLField(blank=True, max_length=500,
                                   help_text="Online: shown only to those registered.")
    venue = models.CharField(max_length=200, blank=True)
    address = models.TextField(max_length=SHORT_TEXT, blank=True)
    capacity = models.PositiveIntegerField(
        help_text="Places; once they are taken, people join the waitlist.")
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="Records attendance and adds materials, with staff.")
    status = models.CharField(max_length=10, choices=Status, default=Status.SCHEDULED,
                              db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=SHORT_TEXT, blank=True)
    revision = models.PositiveIntegerField(default=0, editable=False)  # iCalendar SEQUENCE

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="network_event_ends_after_start",
                                   violation_error_message="An event ends after it starts."),
            models.CheckConstraint(condition=models.Q(capacity__gte=1),
                                   name="network_event_has_places",
                                   violation_error_message="An event has at least one place."),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("network:event", args=[self.pk])

    def clean(self):
        errors = {}
        if self.format == self.Format.ONLINE and not self.meeting_link:
            errors["meeting_link"] = "An online event needs its meeting link."
        if self.format == self.Format.IN_PERSON and not self.venue:
            errors["venue"] = "An event in person needs its venue."
        if errors:
            raise ValidationError(errors)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_online(self) -> bool:
        return self.format == self.Format.ONLINE

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def when(self) -> str:
        """"Tuesday 30 March 2027, 3:00 p.m. to 4:00 p.m. CDT", in the portal's time zone."""
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        end = "g:i a T" if starts.date() == ends.date() else "l j F Y, g:i a T"
        return f"{date_format(starts, 'l j F Y, g:i a')} to {date_format(ends, end)}"


class Registration(TimeStampedModel):
    """One person's place at an event, or in its queue. ``queued_at`` orders the waitlist (a
    person who cancels and comes back joins its end)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "registered"
        WAITLISTED = "waitlisted", "on the waitlist"
        CANCELLED = "cancelled", "cancelled"

    TRANSITIONS = {
        Status.REGISTERED: {Status.CANCELLED},
        Status.WAITLISTED: {Status.REGISTERED, Status.CANCELLED},
        Status.CANCELLED: {Status.REGISTERED, Status.WAITLISTED},
    }

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="network_registrations")
    status = models.CharField(max_length=10, choices=Status, db_index=True)
    queued_at = models.DateTimeField(default=timezone.now)
    attended = models.BooleanField(null=True, blank=True)
    attendance_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["event", "queued_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "user"],
                                               name="network_one_registration_per_event")]

    def __str__(self):
        return f"{self.user} at {self.event} ({self.get_status_display()})"


class EventMaterial(models.Model):
    """A recording, slides or another material, added after (or before) the event: a link, or a
    file checked like PDSA-cycle attachments and served only to those who see the event."""

    class Kind(models.TextChoices):
        RECORDING = "recording", "recording"
        SLIDES = "slides", "slides"
        READING = "reading", "reading"
        OTHER = "other", "other material"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.RECORDING)
    title = models.CharField(max_length=200)
    url = models.URLField("link", max_length=500, blank=True)
    storage_name = models.CharField(max_length=300, blank=True, editable=False)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [models.CheckConstraint(
            condition=~models.Q(url="") | ~models.Q(storage_name=""),
            name="network_material_link_or_file",
            violation_error_message="A material is a link or a file.")]

    def __str__(self):
        return self.title

    @property
    def is_file(self) -> bool:
        return bool(self.storage_name)


class EventReminderLog(models.Model):
    """Claims each reminder and notice about an event once per person (like convenings')."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    kind = models.CharField(max_length=60)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user", "kind"],
                                               name="network_one_reminder_of_a_kind")]

    def __str__(self):
        return f"{self.kind} to user {self.user_id} about event {self.event_id}"


class Topic(TimeStampedModel):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(max_length=200)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    last_post_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_post_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("network:topic", args=[self.group.slug, self.pk])


class Post(models.Model):
    class Markup(models.TextChoices):
        TEXT = "text", "plain text"
        MARKDOWN = "markdown", "Markdown (bold, italics, lists, links)"

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField(max_length=LONG_TEXT)
    markup = models.CharField(max_length=10, choices=Markup, default=Markup.TEXT)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moderation: who hid it, when and why (the audit log has it too).
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    hidden_reason = models.CharField(max_length=SHORT_TEXT, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Post by {self.author} in {self.topic}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
