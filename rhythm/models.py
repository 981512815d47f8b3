"""The collaborative's monthly rhythm: each enrolled team's monthly report with its self-rated
and coach-confirmed score on IHI's Assessment Scale for Collaboratives (``ProgressLevel``, data),
the amendments that correct a submitted report, attendance at convenings with their check-in
codes, the evaluations attendees give, and the progress PDFs staff print for funders."""

import secrets
from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from collaboratives.programme.models import NARRATIVE, SHORT_TEXT, limited_text
from core.models import TimeStampedModel

MONTH_FORMAT = "%B %Y"


class ProgressLevel(models.Model):
    """One of the nine levels of IHI's Assessment Scale for Collaboratives (1.0 … 5.0), loaded
    by a data migration. Scores point here, so a score off the scale cannot be stored."""

    score = models.DecimalField(max_digits=2, decimal_places=1, unique=True)
    title = models.CharField(max_length=80)
    description = limited_text(SHORT_TEXT)

    class Meta:
        ordering = ["score"]

    def __str__(self):
        return f"{self.score} {self.title}"


class RhythmSettings(TimeStampedModel):
    """A collaborative's monthly rhythm: the day of the month a report of the month before is
    due, and how many days ahead the reminder goes. Without a row the defaults apply."""

    DEFAULT_DUE_DAY = 10
    DEFAULT_REMINDER_DAYS = 3

    collaborative = models.OneToOneField("collaboratives.Collaborative", on_delete=models.CASCADE,
                                         related_name="rhythm_settings")
    report_due_day = models.PositiveSmallIntegerField(
        default=DEFAULT_DUE_DAY, validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="The day of the month (1-28) that the report of the month before is due.")
    reminder_days = models.PositiveSmallIntegerField(
        "reminder, days ahead", default=DEFAULT_REMINDER_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(14)],
        help_text="Teams that have not submitted are reminded this many days before the due "
                  "day (and once more when it is overdue).")

    class Meta:
        verbose_name = "rhythm settings"
        verbose_name_plural = "rhythm settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(report_due_day__gte=1,
                                                      report_due_day__lte=28),
                                   name="rhythm_due_day_1_28",
                                   violation_error_message="The due day is between 1 and 28."),
        ]

    def __str__(self):
        return f"Monthly rhythm of {self.collaborative}"


class MonthlyReport(TimeStampedModel):
    """A team's report of one month. A draft is the team's to edit; submitting freezes it (the
    cycles and measures are copied in as they stood); corrections are ``ReportAmendment`` rows.
    The coach comments and confirms a score; the coach's score stands over the team's."""

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        SUBMITTED = "submitted", "submitted"

    TRANSITIONS = {Status.DRAFT: {Status.SUBMITTED}}

    enrollment = models.ForeignKey("collaboratives.Enrollment", on_delete=models.PROTECT,
                                   related_name="monthly_reports")
    month = models.DateField(help_text="The month's first day.")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT,
                              db_index=True)
    learned = limited_text(NARRATIVE, "what we learned", blank=True)
    barriers = limited_text(NARRATIVE, "barriers", blank=True)
    help_needed = limited_text(NARRATIVE, "where we need help", blank=True)
    self_score = models.ForeignKey(ProgressLevel, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="our score")
    # Frozen at submission: what the report showed of the month's cycles and the measures.
    cycles_snapshot = models.JSONField(default=list, blank=True, editable=False)
    measures_snapshot = models.JSONField(default=list, blank=True, editable=False)
    suggested_score = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True,
                                          editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    # The coach's part
    coach_score = models.ForeignKey(ProgressLevel, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name="coach's score")
    coach_comment = limited_text(NARRATIVE, "coach's comment", blank=True)
    coach_rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    coach_rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "enrollment__team__name"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "month"],
                                    name="rhythm_one_report_per_team_month",
                                    violation_error_message="The team already has a report "
                                                            "for this month."),
            models.CheckConstraint(condition=models.Q(month__day=1),
                                   name="rhythm_report_month_first_day"),
        ]
        indexes = [models.Index(fields=["enrollment", "month", "status"])]

    def __str__(self):
        return f"{self.enrollment.team} · {self.month_label}"

    def get_absolute_url(self):
        return reverse("rhythm:report", args=[self.enrollment.collaborative.slug, self.pk])

    @property
    def month_label(self) -> str:
        return self.month.strftime(MONTH_FORMAT)

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def score(self) -> ProgressLevel | None:
        """The month's score: the coach's when given (it stands), else the team's own once
        the report is submitted."""
        if self.coach_score_id:
            return self.coach_score
        return self.self_score if self.is_submitted else None


class ReportAmendment(models.Model):
    """A correction to a submitted report, kept on record beside it (the report stays as
    submitted)."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="amendments")
    body = limited_text(NARRATIVE, "correction")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Amendment to {self.report}"

    def get_absolute_url(self):
        return f"{self.report.get_absolute_url()}#amendment-{self.pk}"


CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud in a room


def new_check_in_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


class CheckInCode(models.Model):
    """The code staff show in the room (or the meeting chat): members check themselves in with
    it, on the convening's day(s) only."""

    convening = models.OneToOneField("collaboratives.Convening", on_delete=models.CASCADE,
                                     related_name="check_in_code")
    code = models.CharField(max_length=12, default=new_check_in_code)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Check-in code of {self.convening}"


class Attendance(TimeStampedModel):
    """Whether one person was at one convening, and for which team (the team's rate counts it)."""

    class Source(models.TextChoices):
        STAFF = "staff", "marked by staff"
        CHECK_IN = "check_in", "checked in with the code"

    convening = models.ForeignKey("collaboratives.Convening", on_delete=models.PROTECT,
                                  related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="convening_attendance")
    team = models.ForeignKey("members.Team", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="convening_attendance")
    present = models.BooleanField(default=True)
    source = models.CharField(max_length=10, choices=Source)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name_plural = "attendance"
        ordering = ["convening", "user__last_name", "user__first_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "user"],
                                    name="rhythm_attendance_once_per_person"),
        ]
        indexes = [models.Index(fields=["convening", "team", "present"])]

    def __str__(self):
        return f"{self.user} at {self.convening}: {'present' if self.present else 'absent'}"


class Evaluation(TimeStampedModel):
    """One attendee's evaluation of a convening. One row per person: answering again changes
    it. ``anonymous`` hides the name from staff's results and exports (the row still knows whose
    it is, so that a second answer replaces the first instead of counting twice)."""

    convening = models.ForeignKey("collaboratives.Convening", on_delete=models.PROTECT,
                                  related_name="evaluations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="convening_evaluations")
    overall = models.PositiveSmallIntegerField(
        "overall, 1 (poor) to 5 (excellent)",
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    most_useful = limited_text(SHORT_TEXT, "what was most useful", blank=True)
    suggestions = limited_text(SHORT_TEXT, "what would make the next one better", blank=True)
    anonymous = models.BooleanField("answer anonymously", default=False,
                                    help_text="Staff see your answers without your name.")

    class Meta:
        ordering = ["convening", "-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "user"],
                                    name="rhythm_one_evaluation_per_person"),
            models.CheckConstraint(condition=models.Q(overall__gte=1, overall__lte=5),
                                   name="rhythm_evaluation_overall_1_5",
                                   violation_error_message="Choose 1 to 5."),
        ]

    def __str__(self):
        return f"Evaluation of {self.convening}"


class ProgressPdf(models.Model):
    """The collaborative's progress report as a PDF, rendered in Celery, at most one a day."""

    collaborative = models.ForeignKey("collaboratives.Collaborative", on_delete=models.CASCADE,
                                      related_name="progress_pdfs")
    as_of = models.DateField()
    pdf_path = models.CharField(max_length=300, blank=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "progress PDF"
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["collaborative", "as_of"],
                                    name="rhythm_one_progress_pdf_a_day"),
        ]

    def __str__(self):
        return f"Progress of {self.collaborative} on {self.as_of}"

    @property
    def filename(self) -> str:
        return f"progress-{self.collaborative.slug}-{self.as_of:%Y-%m-%d}.pdf"


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
