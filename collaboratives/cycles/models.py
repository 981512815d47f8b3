"""The improvement work of a collaborative: action periods between convenings, each team's aim,
the driver diagram (primary drivers and change ideas), PDSA cycles with their attachments and
comments, and coaching calls."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from collaboratives.convenings.models import Convening
from collaboratives.programme.models import (
    NARRATIVE,
    SHORT_TEXT,
    Collaborative,
    Enrollment,
    limited_text,
    local_date,
)
from core.dates import day
from core.models import TimeStampedModel


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
        return f"Action period {day(self.starts_on)} to {day(self.ends_on)}"

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
    description = limited_text(SHORT_TEXT, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["collaborative", "position", "pk"]

    def __str__(self):
        return self.title


class ChangeIdea(TimeStampedModel):
    primary_driver = models.ForeignKey(PrimaryDriver, on_delete=models.PROTECT,
                                       related_name="change_ideas")
    title = models.CharField(max_length=200)
    description = limited_text(SHORT_TEXT, blank=True)
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
    question = limited_text(NARRATIVE, "question", help_text="What do you want to learn?")
    prediction = limited_text(NARRATIVE, help_text="What do you expect to happen, and why?")
    plan_who = models.CharField("who", max_length=250, blank=True)
    plan_what = limited_text(NARRATIVE, "what", blank=True)
    plan_when = models.CharField("when", max_length=250, blank=True)
    plan_where = models.CharField("where", max_length=250, blank=True)
    data_to_collect = limited_text(NARRATIVE, "data to collect", blank=True)
    # Do
    what_happened = limited_text(NARRATIVE, "what happened", blank=True)
    surprises = limited_text(NARRATIVE, "surprises", blank=True)
    # Study
    results = limited_text(NARRATIVE, "results against the prediction", blank=True)
    learning = limited_text(NARRATIVE, "what we learned", blank=True)
    # Act
    decision = models.CharField(max_length=8, choices=Decision, blank=True)
    next_step = limited_text(NARRATIVE, "next step", blank=True)
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
    body = limited_text(NARRATIVE)
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
    notes = limited_text(NARRATIVE)
    next_steps = limited_text(NARRATIVE, "agreed next steps")
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Coaching call on {day(self.held_on)}"
