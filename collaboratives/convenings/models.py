"""Convenings (4-6 a year, in person or online), the RSVPs to them, the private calendar feed
tokens, and the log that makes every reminder and notice go out once per person."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from collaboratives.programme.models import (
    NARRATIVE,
    SHORT_TEXT,
    Collaborative,
    limited_text,
    local_date,
)
from core.dates import day
from core.models import TimeStampedModel


class Convening(TimeStampedModel):
    """A gathering of the whole collaborative, in person or online."""

    class Format(models.TextChoices):
        IN_PERSON = "in_person", "in person"
        ONLINE = "online", "online"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "scheduled"
        CANCELLED = "cancelled", "cancelled"

    TRANSITIONS = {Status.SCHEDULED: {Status.CANCELLED}}

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT,
                                      related_name="convenings")
    title = models.CharField(max_length=200)
    format = models.CharField(max_length=10, choices=Format, default=Format.IN_PERSON)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    venue = models.CharField(max_length=200, blank=True, help_text="In person: the venue.")
    address = limited_text(500, blank=True, help_text="In person: the street address.")
    meeting_link = models.URLField(blank=True, max_length=500,
                                   help_text="Online: shown only to enrolled members and staff.")
    agenda = limited_text(NARRATIVE, blank=True)
    open_to_network = models.BooleanField(
        "open to the whole network", default=False,
        help_text="Every current member of the network is invited (Tier 1 included), not only "
                  "the collaborative's teams: they see it, answer, and get its reminders.")
    status = models.CharField(max_length=10, choices=Status, default=Status.SCHEDULED,
                              db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = limited_text(SHORT_TEXT, blank=True)
    # iCalendar SEQUENCE: raised each time the convening moves or is cancelled.
    revision = models.PositiveIntegerField(default=0, editable=False)
    # The latest move: when, and from where (the members' notice says "moved from").
    moved_at = models.DateTimeField(null=True, blank=True, editable=False)
    moved_from = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="collab_convening_ends_after_start",
                                   violation_error_message="A convening ends after it starts."),
        ]
        indexes = [models.Index(fields=["collaborative", "starts_at"])]

    def __str__(self):
        if not self.starts_at:
            return self.title
        return f"{self.title} ({day(local_date(self.starts_at))})"

    def get_absolute_url(self):
        return reverse("collaboratives:convening", args=[self.collaborative.slug, self.pk])

    @property
    def when(self) -> str:
        """"Tuesday 30 March 2027, 9:00 a.m. to 3:00 p.m. CDT", naming the last day too when
        the convening runs over several days. In the portal's time zone, as the emails and
        pages write it."""
        starts, ends = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        end = "g:i a T" if starts.date() == ends.date() else "l j F Y, g:i a T"
        return f"{date_format(starts, 'l j F Y, g:i a')} to {date_format(ends, end)}"

    @property
    def is_online(self) -> bool:
        return self.format == self.Format.ONLINE

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def clean(self):
        errors: dict[str, list[str]] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors.setdefault("ends_at", []).append("A convening ends after it starts.")
        if self.format == self.Format.IN_PERSON:
            if not self.venue.strip():
                errors.setdefault("venue", []).append("An in-person convening needs a venue.")
            if not self.address.strip():
                errors.setdefault("address", []).append("An in-person convening needs an "
                                                        "address.")
        if self.format == self.Format.ONLINE and not self.meeting_link:
            errors.setdefault("meeting_link", []).append("An online convening needs a meeting "
                                                         "link.")
        if self.collaborative_id and self.starts_at and self.ends_at:
            collaborative = self.collaborative
            if local_date(self.starts_at) < collaborative.start:
                errors.setdefault("starts_at", []).append(
                    f"The collaborative starts on {day(collaborative.start)}; a convening "
                    "cannot be earlier.")
            if local_date(self.ends_at) > collaborative.end:
                errors.setdefault("ends_at", []).append(
                    f"The collaborative ends on {day(collaborative.end)}; a convening cannot "
                    "be later.")
        if errors:
            raise ValidationError(errors)


class RSVP(TimeStampedModel):
    class Response(models.TextChoices):
        YES = "yes", "I will be there"
        MAYBE = "maybe", "Not sure yet"
        NO = "no", "I cannot come"

    convening = models.ForeignKey(Convening, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="convening_rsvps")
    response = models.CharField(max_length=5, choices=Response)

    class Meta:
        verbose_name = "RSVP"
        ordering = ["convening", "user__last_name", "user__first_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "user"], name="collab_one_rsvp_each"),
        ]

    def __str__(self):
        return f"{self.user}: {self.get_response_display()}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in a person's iCalendar feed address. Resetting it retires the old address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user"]

    def __str__(self):
        return f"Calendar feed of {self.user}"

    @property
    def fingerprint(self) -> str:
        """Names this address without revealing it (the page posts it back on a reset)."""
        return hashlib.sha256(self.token.encode()).hexdigest()[:16]


class ReminderLog(models.Model):
    """A reminder (or cancellation or move notice, or action-period nudge) claimed for one
    person.

    The unique constraint is the claim: whoever inserts the row queues the email, in the same
    transaction, so however many jobs run at once each reminder goes once per person. The kind of
    a convening reminder includes the convening's start, so moving the convening re-arms it.
    """

    convening = models.ForeignKey(Convening, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    kind = models.CharField(max_length=80)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "user", "kind"],
                                    name="collab_reminder_once_per_person"),
        ]

    def __str__(self):
        return f"{self.kind} to {self.user}"
