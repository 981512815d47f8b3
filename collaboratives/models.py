"""Breakthrough Collaboratives: the calendar (phases, convenings, action periods), the work between
convenings (aims, driver diagram, PDSA cycles) and the coach (enrollments, calls, comments).

Rules inside one row live in ``clean()``; rules across rows live in ``services``. Who sees what is
decided in ``selectors``. Counts (cycles logged, teams behind) are computed from rows, never stored.
"""

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from core.dates import day
from core.models import TimeStampedModel

# Paths under /collaboratives/ that a collaborative's slug may not take.
RESERVED_SLUGS = {"calendar", "coaching", "new", "change-packages"}


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(f"“{value}” is used by the portal itself; choose another web "
                              "address.")


def coach_choices() -> models.Q:
    """Who may coach: Center staff, or anyone in the "Improvement coaches" group."""
    return models.Q(is_staff=True) | models.Q(groups__name=settings.COLLABORATIVE_COACH_GROUP)


def _day(value: date) -> str:
    return day(value)


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


class Collaborative(TimeStampedModel):
    """A year-long Breakthrough Collaborative (IHI Breakthrough Series)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True, validators=[validate_slug_not_reserved],
                            help_text="Its web address, e.g. chronic-absenteeism-2027.")
    problem_of_practice = models.CharField(max_length=200,
                                           help_text="e.g. chronic absenteeism")
    start = models.DateField()
    end = models.DateField(help_text="About twelve months after the start.")
    aim = models.TextField(help_text="The collaborative's aim, e.g. reduce chronic absenteeism "
                                     "across member institutions by 20% within one year.")
    enrollment_open = models.BooleanField(default=True,
                                          help_text="When closed, no more teams can enroll.")

    class Meta:
        ordering = ["-start", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="collab_collaborative_ends_after_start",
                                   violation_error_message="A collaborative ends after it "
                                                           "starts."),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("collaboratives:home", args=[self.slug])

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "A collaborative ends after it starts."})

    def current_phase(self, today: date | None = None):
        """The phase running today, from ``phases`` (prefetch it to stay query-free)."""
        today = today or timezone.localdate()
        return next((p for p in self.phases.all() if p.start <= today <= p.end), None)


class Phase(TimeStampedModel):
    """One of the four phases, dated. Order and overlap are checked across the phases of a
    collaborative (``phase_schedule_errors``): by the admin formset as a whole, by ``phase_set``,
    and by ``clean()`` when one phase is validated on its own."""

    class Kind(models.TextChoices):
        LEARNING = "learning", "Learning"
        TESTING = "testing", "Testing"
        SPREADING = "spreading", "Spreading"
        SUSTAINING = "sustaining", "Sustaining"

    ORDER = [Kind.LEARNING, Kind.TESTING, Kind.SPREADING, Kind.SUSTAINING]

    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE,
                                      related_name="phases")
    kind = models.CharField("phase", max_length=12, choices=Kind)
    start = models.DateField()
    end = models.DateField()
    summary = models.CharField(max_length=250, blank=True,
                               help_text="What teams do in this phase, in a sentence.")

    class Meta:
        ordering = ["collaborative", "start"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "kind"],
                                    name="collab_one_phase_of_each_kind",
                                    violation_error_message="The collaborative already has this "
                                                            "phase."),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                   name="collab_phase_ends_on_or_after_start",
                                   violation_error_message="A phase ends on or after the day it "
                                                           "starts."),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} phase"

    @property
    def rank(self) -> int:
        return self.ORDER.index(self.kind)

    def clean(self):
        errors = {}
        if self.start and self.end and self.end < self.start:
            errors["end"] = "A phase ends on or after the day it starts."
        if self.collaborative_id and self.start and self.end and not errors:
            collaborative = self.collaborative
            if self.start < collaborative.start:
                errors["start"] = (f"The collaborative starts on {_day(collaborative.start)}; "
                                   "a phase cannot start before it.")
            if self.end > collaborative.end:
                errors["end"] = (f"The collaborative ends on {_day(collaborative.end)}; "
                                 "a phase cannot run past it.")
            # Validated on its own (a form, full_clean): check against the saved phases. The
            # admin formset checks the whole schedule at once and sets ``checked_as_schedule``.
            if not errors and not getattr(self, "checked_as_schedule", False):
                siblings = list(Phase.objects.filter(collaborative_id=self.collaborative_id)
                                .exclude(pk=self.pk).exclude(kind=self.kind))
                problems = phase_schedule_errors(collaborative, [*siblings, self])
                if problems:
                    errors["start"] = problems
        if errors:
            raise ValidationError(errors)


def phase_schedule_errors(collaborative: Collaborative, phases: list[Phase]) -> list[str]:
    """What is wrong with a collaborative's phases taken together: each inside the collaborative's
    dates, one of each kind, in the order Learning → Testing → Spreading → Sustaining, and each
    starting after the one before has ended (no overlap)."""
    problems = []
    kinds = [p.kind for p in phases]
    for kind in {k for k in kinds if kinds.count(k) > 1}:
        problems.append(f"There can be only one {Phase.Kind(kind).label} phase.")
    for phase in phases:
        label = Phase.Kind(phase.kind).label
        if phase.end < phase.start:
            problems.append(f"The {label} phase ends before it starts.")
        if phase.start < collaborative.start or phase.end > collaborative.end:
            problems.append(f"The {label} phase must fall within the collaborative "
                            f"({_day(collaborative.start)} to {_day(collaborative.end)}).")
    ordered = sorted(phases, key=lambda p: Phase.ORDER.index(p.kind))
    for before, after in pairwise(ordered):
        if after.start <= before.end:
            problems.append(
                f"The {Phase.Kind(after.kind).label} phase must start after the "
                f"{Phase.Kind(before.kind).label} phase ends ({_day(before.end)}): phases run "
                "in order, without overlap.")
    return problems


class GradeBand(models.TextChoices):
    ELEMENTARY = "elementary", "elementary (K-5)"
    MIDDLE = "middle", "middle (6-8)"
    HIGH = "high", "high (9-12)"
    K12 = "k12", "K-12 (several bands)"
    POSTSECONDARY = "postsec", "postsecondary"


class Locale(models.TextChoices):
    URBAN = "urban", "urban"
    SUBURBAN = "suburban", "suburban"
    TOWN = "town", "town"
    RURAL = "rural", "rural"


class Enrollment(TimeStampedModel):
    """A team's seat in a collaborative, with the Center improvement coach assigned to it.

    Only Tier 2 memberships (whose tier includes a collaborative) may enroll: ``enrollment_create``
    refuses the rest with the reason.
    """

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT,
                                      related_name="enrollments")
    team = models.ForeignKey("members.Team", on_delete=models.PROTECT, related_name="enrollments")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="coached_enrollments", limit_choices_to=coach_choices,
                              help_text="A Center improvement coach: staff, or a member of the "
                                        "“Improvement coaches” group.")
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    # The team's setting, for the change package's "for whom, under what conditions".
    grade_band = models.CharField(max_length=12, choices=GradeBand, blank=True,
                                  help_text="The grades the team's work reaches.")
    locale = models.CharField(max_length=8, choices=Locale, blank=True,
                              help_text="Urban, suburban, town or rural (NCES locale).")

    class Meta:
        ordering = ["collaborative", "team__name"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "team"],
                                    name="collab_team_enrolled_once",
                                    violation_error_message="This team is already enrolled in "
                                                            "the collaborative."),
        ]

    def __str__(self):
        return f"{self.team} in {self.collaborative}"

    def get_absolute_url(self):
        return reverse("collaboratives:workspace", args=[self.collaborative.slug, self.team_id])

    @property
    def team_aim(self):
        """The team's aim, or None (no query when ``aim`` was select_related)."""
        try:
            return self.aim
        except ObjectDoesNotExist:
            return None


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
    address = models.TextField(blank=True, help_text="In person: the street address.")
    meeting_link = models.URLField(blank=True, max_length=500,
                                   help_text="Online: shown only to enrolled members and staff.")
    agenda = models.TextField(blank=True)
    open_to_network = models.BooleanField(
        "open to the whole network", default=False,
        help_text="Every current member of the network is invited (Tier 1 included), not only "
                  "the collaborative's teams: they see it, answer, and get its reminders.")
    status = models.CharField(max_length=10, choices=Status, default=Status.SCHEDULED,
                              db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(blank=True)
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
        return f"{self.title} ({_day(local_date(self.starts_at))})"

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
                    f"The collaborative starts on {_day(collaborative.start)}; a convening "
                    "cannot be earlier.")
            if local_date(self.ends_at) > collaborative.end:
                errors.setdefault("ends_at", []).append(
                    f"The collaborative ends on {_day(collaborative.end)}; a convening cannot "
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


class ActionPeriod(TimeStampedModel):
    """The work between two convenings: from the day one opens to the day the next begins."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT,
                                      related_name="action_periods")
    opening_convening = models.OneToOneField(Convening, on_delete=models.PROTECT,
                                             related_name="opens_period")
    closing_convening = models.OneToOneField(Convening, on_delete=models.PROTECT,
                                             related_name="closes_period")
    expected_cycles = models.PositiveSmallIntegerField(
        "expected PDSA cycles per team", default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)])

    class Meta:
        ordering = ["collaborative", "opening_convening__starts_at"]

    def __str__(self):
        return f"Action period {_day(self.starts_on)} to {_day(self.ends_on)}"

    @property
    def starts_on(self) -> date:
        return local_date(self.opening_convening.starts_at)

    @property
    def ends_on(self) -> date:
        """The day the closing convening begins (the period runs up to it)."""
        return local_date(self.closing_convening.starts_at)

    def clean(self):
        errors = {}
        opening, closing = self.opening_convening_id, self.closing_convening_id
        if opening and closing:
            if opening == closing:
                errors["closing_convening"] = "An action period runs between two convenings."
            else:
                if self.collaborative_id and (
                    self.opening_convening.collaborative_id != self.collaborative_id
                    or self.closing_convening.collaborative_id != self.collaborative_id
                ):
                    errors["closing_convening"] = ("Both convenings must belong to the "
                                                   "collaborative.")
                elif self.closing_convening.starts_at <= self.opening_convening.starts_at:
                    errors["closing_convening"] = ("The closing convening must come after the "
                                                   "opening one.")
        if errors:
            raise ValidationError(errors)


class TeamAim(TimeStampedModel):
    """An enrolled team's aim: what, how much, by when."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, related_name="aim")
    what = models.CharField(max_length=250, help_text="e.g. reduce chronic absenteeism in "
                                                      "grades 6-8")
    how_much = models.CharField(max_length=120, help_text="e.g. from 24% to 18%")
    by_when = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        ordering = ["enrollment"]

    def __str__(self):
        return self.statement

    @property
    def statement(self) -> str:
        return f"{self.what} {self.how_much} by {day(self.by_when)}"


class PrimaryDriver(TimeStampedModel):
    """A primary driver of the collaborative's aim (a simple driver diagram)."""

    collaborative = models.ForeignKey(Collaborative, on_delete=models.CASCADE,
                                      related_name="primary_drivers")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["collaborative", "position", "pk"]

    def __str__(self):
        return self.title


class ChangeIdea(TimeStampedModel):
    primary_driver = models.ForeignKey(PrimaryDriver, on_delete=models.PROTECT,
                                       related_name="change_ideas")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["primary_driver", "position", "pk"]

    def __str__(self):
        return self.title


class PDSACycle(TimeStampedModel):
    """One Plan-Do-Study-Act cycle of a team, testing a change idea in an action period."""

    class Status(models.TextChoices):
        PLANNED = "planned", "planned"
        IN_PROGRESS = "in_progress", "in progress"
        COMPLETED = "completed", "completed"

    TRANSITIONS = {
        Status.PLANNED: {Status.IN_PROGRESS},
        Status.IN_PROGRESS: {Status.COMPLETED},
    }

    class Decision(models.TextChoices):
        ADOPT = "adopt", "Adopt: keep the change as it is"
        ADAPT = "adapt", "Adapt: change it and test again"
        ABANDON = "abandon", "Abandon: stop testing this idea"

    PLAN_FIELDS = ["question", "prediction", "plan_who", "plan_what", "plan_when", "plan_where",
                   "data_to_collect"]
    DO_STUDY_ACT_FIELDS = ["what_happened", "surprises", "results", "learning", "decision",
                           "next_step"]

    team = models.ForeignKey("members.Team", on_delete=models.PROTECT, related_name="pdsa_cycles")
    action_period = models.ForeignKey(ActionPeriod, on_delete=models.PROTECT,
                                      related_name="cycles")
    change_idea = models.ForeignKey(ChangeIdea, on_delete=models.PROTECT, related_name="cycles")
    title = models.CharField(max_length=200, help_text="A short name, e.g. “Texting families "
                                                       "after a first absence”.")
    # Plan
    question = models.TextField("question", help_text="What do you want to learn?")
    prediction = models.TextField(help_text="What do you expect to happen, and why?")
    plan_who = models.CharField("who", max_length=250, blank=True)
    plan_what = models.TextField("what", blank=True)
    plan_when = models.CharField("when", max_length=250, blank=True)
    plan_where = models.CharField("where", max_length=250, blank=True)
    data_to_collect = models.TextField("data to collect", blank=True)
    # Do
    what_happened = models.TextField("what happened", blank=True)
    surprises = models.TextField("surprises", blank=True)
    # Study
    results = models.TextField("results against the prediction", blank=True)
    learning = models.TextField("what we learned", blank=True)
    # Act
    decision = models.CharField(max_length=8, choices=Decision, blank=True)
    next_step = models.TextField("next step", blank=True)
    # The measures the team watches for this change: the cycle is marked on their run charts.
    measures = models.ManyToManyField("Measure", blank=True, related_name="cycles",
                                      help_text="Measures this change should move.")

    status = models.CharField(max_length=12, choices=Status, default=Status.PLANNED,
                              db_index=True)
    in_progress_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "PDSA cycle"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["action_period", "team", "status"]),
            # The collaborative's latest learning (completed cycles, newest first) reads this
            # in order and stops after a page, instead of sorting every completed cycle.
            models.Index(fields=["-completed_at", "-id"], name="collab_cycle_completed_recent",
                         condition=models.Q(status="completed")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="completed") | ~models.Q(decision=""),
                name="collab_completed_cycle_has_decision",
                violation_error_message="A completed cycle records adopt, adapt or abandon."),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("collaboratives:cycle", args=[self.action_period.collaborative.slug,
                                                     self.pk])

    @property
    def is_completed(self) -> bool:
        return self.status == self.Status.COMPLETED


class CycleAttachment(models.Model):
    """A file attached to a cycle: an image, a PDF or a CSV of data.

    Stored through ``default_storage`` under an unguessable name; served only by a view that
    checks the viewer may see the cycle.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", "image"
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV data"

    cycle = models.ForeignKey(PDSACycle, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(max_length=5, choices=Kind)
    storage_name = models.CharField(max_length=300, unique=True, editable=False)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class CycleComment(models.Model):
    cycle = models.ForeignKey(PDSACycle, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Comment by {self.author} on {self.cycle}"


class CoachingCall(TimeStampedModel):
    """A check-in call the coach had with an enrolled team."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT,
                                   related_name="coaching_calls")
    held_on = models.DateField("date of the call")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    other_attendees = models.CharField(max_length=250, blank=True,
                                       help_text="Anyone else on the call, by name.")
    notes = models.TextField()
    next_steps = models.TextField("agreed next steps")
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Coaching call on {_day(self.held_on)}"


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


# --- Measures ----------------------------------------------------------------------------------

def period_start(day: date, sampling: str) -> date:
    """The period a day falls in: the week's Monday, or the month's first day."""
    if sampling == Measure.Sampling.WEEKLY:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


class Measure(TimeStampedModel):
    """An outcome, process or balancing measure of a collaborative, with its operational
    definition. Teams record one value per period (week or month) in ``MeasureValue``."""

    class Kind(models.TextChoices):
        OUTCOME = "outcome", "outcome"
        PROCESS = "process", "process"
        BALANCING = "balancing", "balancing"

    class Unit(models.TextChoices):
        PERCENT = "percent", "percent (0-100)"
        COUNT = "count", "count (whole number)"
        RATE = "rate", "rate"

    class Better(models.TextChoices):
        UP = "up", "higher is better"
        DOWN = "down", "lower is better"

    class Sampling(models.TextChoices):
        WEEKLY = "weekly", "weekly"
        MONTHLY = "monthly", "monthly"

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT,
                                      related_name="measures")
    name = models.CharField(max_length=120, help_text="e.g. Chronic absenteeism rate. Teams' "
                                                      "CSV files name the measure this way.")
    kind = models.CharField("type", max_length=10, choices=Kind)
    operational_definition = models.TextField(
        help_text="Exactly what is counted and how: the numerator, the denominator, the data "
                  "source, who is included.")
    unit = models.CharField(max_length=8, choices=Unit)
    rate_basis = models.CharField("rate per", max_length=60, blank=True,
                                  help_text="For a rate: per what, e.g. “per 100 students”.")
    better = models.CharField("better direction", max_length=4, choices=Better)
    sampling = models.CharField("sampling period", max_length=8, choices=Sampling)
    goal = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True,
                               help_text="Optional: the collaborative's goal. A team may set its "
                                         "own on its chart.")
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["collaborative_id", "position", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "collaborative",
                                    name="collab_measure_name_unique",
                                    violation_error_message="The collaborative already has a "
                                                            "measure of that name."),
            models.CheckConstraint(
                condition=~models.Q(unit="percent") | models.Q(goal__isnull=True)
                | models.Q(goal__gte=0, goal__lte=100),
                name="collab_measure_percent_goal_0_100",
                violation_error_message="A percentage goal lies between 0 and 100."),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("collaboratives:measure_teams", args=[self.collaborative.slug, self.pk])

    @property
    def chart_unit(self) -> str:
        """What ``spc.svg`` writes after values: "%" for percents, the rate's basis."""
        if self.unit == self.Unit.PERCENT:
            return "%"
        if self.unit == self.Unit.RATE:
            return self.rate_basis or "rate"
        return ""

    @property
    def unit_phrase(self) -> str:
        if self.unit == self.Unit.RATE:
            return f"rate {self.rate_basis}".strip()
        return self.get_unit_display().split(" (")[0]

    def display(self, value: Decimal | None) -> str:
        """A value as the charts write it: 18.5%, 1,204, 3.2."""
        from spc.svg import format_value

        return "—" if value is None else format_value(value, self.chart_unit)

    @property
    def goal_display(self) -> str:
        return self.display(self.goal)

    def value_problem(self, value: Decimal) -> str | None:
        """Why a value cannot be a value of this measure (None when it can)."""
        if value < 0:
            return "is below 0; values of this measure cannot be negative"
        if self.unit == self.Unit.PERCENT and value > 100:
            return "is outside 0-100 for a percentage"
        if self.unit == self.Unit.COUNT and value != value.to_integral_value():
            return "is not a whole number, and this measure is a count"
        if abs(value) >= VALUE_LIMIT:
            return f"is too large (values stay below {VALUE_LIMIT:,})"
        return None

    def period_of(self, day: date) -> date:
        return period_start(day, self.sampling)

    def period_label(self, period: date) -> str:
        if self.sampling == self.Sampling.WEEKLY:
            return f"week of {period:%a %-d %b %Y}"
        return f"{period:%B %Y}"

    def point_label(self, point: "MeasureValue") -> str:
        """One of this measure's values as the pages name it: "week of Mon 16 Nov 2026: 21.2%"."""
        return f"{self.period_label(point.period)}: {self.display(point.value)}"

    def clean(self):
        errors = {}
        if self.unit == self.Unit.PERCENT and self.goal is not None and not (
                0 <= self.goal <= 100):
            errors["goal"] = "A percentage goal lies between 0 and 100."
        if self.unit == self.Unit.RATE and not self.rate_basis.strip():
            errors["rate_basis"] = "Say what the rate is per, e.g. “per 100 students”."
        if self.unit != self.Unit.RATE and self.rate_basis.strip():
            errors["rate_basis"] = "Only a rate is “per” something."
        if errors:
            raise ValidationError(errors)


VALUE_LIMIT = 10**8  # MeasureValue.value holds 8 digits before the point and 4 after


class MeasureValue(TimeStampedModel):
    """One team's value of one measure for one period (the week's Monday or the month's first
    day). Entering the same period again replaces the value."""

    class Source(models.TextChoices):
        FORM = "form", "form"
        CSV = "csv", "CSV upload"

    team = models.ForeignKey("members.Team", on_delete=models.PROTECT,
                             related_name="measure_values")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="values")
    period = models.DateField(help_text="The week's Monday, or the month's first day.")
    value = models.DecimalField(max_digits=12, decimal_places=4)
    note = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=4, choices=Source, default=Source.FORM)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["team_id", "measure_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["team", "measure", "period"],
                                    name="collab_one_value_per_period",
                                    violation_error_message="The team already has a value for "
                                                            "this period."),
        ]
        indexes = [models.Index(fields=["measure", "team", "period"])]

    def __str__(self):
        return f"{self.measure} {self.period:%Y-%m-%d}: {self.value.normalize():f}"


class TeamMeasure(TimeStampedModel):
    """A team's chart settings for one measure: a frozen baseline (the median of its first N
    points, or a median given outright) and the team's own goal."""

    team = models.ForeignKey("members.Team", on_delete=models.CASCADE,
                             related_name="measure_settings")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="team_settings")
    baseline_points = models.PositiveSmallIntegerField(
        "baseline points", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(260)],
        help_text="Freeze the median of the first N points and extend it (often 8-12).")
    baseline_median = models.DecimalField(
        "frozen baseline median", max_digits=12, decimal_places=4, null=True, blank=True,
        help_text="Or give the baseline median outright, e.g. last year's.")
    goal = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True,
                               help_text="The team's own goal (else the collaborative's).")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["team_id", "measure_id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "measure"], name="collab_team_measure_once"),
            models.CheckConstraint(
                condition=models.Q(baseline_points__isnull=True)
                | models.Q(baseline_median__isnull=True),
                name="collab_team_measure_one_baseline",
                violation_error_message="Freeze the baseline by its first points or by a "
                                        "median, not both."),
        ]

    def __str__(self):
        return f"{self.team}: {self.measure}"

    def clean(self):
        if self.baseline_points is not None and self.baseline_median is not None:
            raise ValidationError({"baseline_median": "Freeze the baseline by its first points "
                                                      "or by a median, not both."})


class MeasurePhase(TimeStampedModel):
    """A change the team made: from ``starts_on`` the run chart starts a new phase with its own
    median."""

    team = models.ForeignKey("members.Team", on_delete=models.CASCADE,
                             related_name="measure_phases")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="phases")
    starts_on = models.DateField("new phase from",
                                 help_text="The first period after the change.")
    label = models.CharField("what changed", max_length=120,
                             help_text="A short name for the phase, e.g. “Texts to families”.")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        ordering = ["team_id", "measure_id", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["team", "measure", "starts_on"],
                                    name="collab_one_phase_start_a_day",
                                    violation_error_message="A phase already starts then."),
        ]

    def __str__(self):
        return f"{self.label} (from {self.starts_on:%-d %b %Y})"


class AstronomicalPoint(models.Model):
    """A value the team's coach judged obviously, even grossly, different: a run-chart signal
    that is a judgement, not a computation."""

    value = models.OneToOneField(MeasureValue, on_delete=models.CASCADE,
                                 related_name="astronomical")
    reason = models.TextField(help_text="Why this point is astronomical, e.g. a snow day.")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-marked_at", "-pk"]

    def __str__(self):
        return f"Astronomical point: {self.value}"


# --- The change package ------------------------------------------------------------------------

class ChangePackage(TimeStampedModel):
    """A versioned collection of the change ideas teams adopted, with their evidence. Published,
    a version is a frozen record: its entries keep the texts and data of the day it went out."""

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        PUBLISHED = "published", "published"

    TRANSITIONS = {Status.DRAFT: {Status.PUBLISHED}}

    collaborative = models.ForeignKey(Collaborative, on_delete=models.PROTECT,
                                      related_name="change_packages")
    version = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT,
                              db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    # The PDF, stored under an unguessable name once rendered after publication.
    pdf_path = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["collaborative_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "version"],
                                    name="collab_change_package_version_once"),
            models.UniqueConstraint(fields=["collaborative"],
                                    condition=models.Q(status="draft"),
                                    name="collab_one_draft_change_package",
                                    violation_error_message="The collaborative already has a "
                                                            "draft change package."),
        ]

    def __str__(self):
        return f"{self.title} (version {self.version})"

    def get_absolute_url(self):
        return reverse("collaboratives:change_package",
                       args=[self.collaborative.slug, self.version])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def pdf_filename(self) -> str:
        return f"{self.collaborative.slug}-change-package-v{self.version}.pdf"


class ChangePackageEntry(TimeStampedModel):
    """One change idea in a change package. While the package is a draft its evidence is read
    live from the cycles; publication copies the texts and the evidence (the cycles, the teams
    and their settings, the run charts' data) into the entry, where they stay."""

    package = models.ForeignKey(ChangePackage, on_delete=models.CASCADE, related_name="entries")
    change_idea = models.ForeignKey(ChangeIdea, on_delete=models.PROTECT,
                                    related_name="package_entries")
    position = models.PositiveSmallIntegerField(default=0)
    commentary = models.TextField(
        "for whom and under what conditions", blank=True,
        help_text="What the evidence says about where this change works, and what to watch.")
    # Frozen at publication.
    title = models.CharField(max_length=200, blank=True, editable=False)
    description = models.TextField(blank=True, editable=False)
    driver_title = models.CharField(max_length=200, blank=True, editable=False)
    evidence = models.JSONField(default=dict, blank=True, editable=False)
    frozen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "change package entries"
        ordering = ["package_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["package", "change_idea"],
                                    name="collab_idea_once_per_package",
                                    violation_error_message="This change idea is already in "
                                                            "the package."),
        ]

    def __str__(self):
        return self.title or str(self.change_idea)
