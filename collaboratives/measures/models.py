"""Measures (outcome, process, balancing) with their operational definitions, the values teams
enter, each team's chart settings and phases, and the points its coach marks astronomical.
Aggregates only: no student-level data."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from collaboratives.programme.models import (
    SHORT_TEXT,
    ChartChoice,
    Collaborative,
    RunRules,
    limited_text,
)
from core.models import TimeStampedModel
from spc.svg import format_value


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
    operational_definition = limited_text(
        SHORT_TEXT,
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
    counted = models.BooleanField(
        "entered as numerator and denominator", default=False,
        help_text="Teams enter the count and what it is out of (e.g. 42 chronically absent of "
                  "350 enrolled); the portal computes the percentage or rate. Needed for p and u "
                  "charts, and the network chart then sums the counts across teams.")
    rate_scale = models.PositiveIntegerField(
        "rate multiplier", default=1, blank=True, validators=[MinValueValidator(1)],
        help_text="For a counted rate: numerator / denominator x this, e.g. 100 for “per 100 "
                  "students”.")
    chart = models.CharField(
        max_length=8, choices=ChartChoice, blank=True,
        help_text="Leave empty for the collaborative's default chart.")
    run_rules = models.CharField(
        "run-chart rules", max_length=8, choices=RunRules, blank=True,
        help_text="Leave empty for the collaborative's default rules.")
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
        if self.counted and self.unit == self.Unit.COUNT:
            errors["counted"] = ("A count has no denominator: choose percent or rate to enter "
                                 "numerators and denominators.")
        if self.chart in ATTRIBUTE_CHARTS and not self.counted:
            errors["chart"] = (f"A {ChartChoice(self.chart).label.split(' (')[0]} needs "
                               "numerators and denominators: tick “entered as numerator and "
                               "denominator”, or choose a run or XmR chart.")
        if self.chart in (ChartChoice.P, ChartChoice.P_PRIME) and self.unit != self.Unit.PERCENT:
            errors["chart"] = "A p chart draws proportions: the measure's unit must be percent."
        if self.rate_scale != 1 and not (self.counted and self.unit == self.Unit.RATE):
            errors["rate_scale"] = "Only a counted rate has a multiplier; leave it at 1."
        if errors:
            raise ValidationError(errors)

    def value_of(self, numerator: Decimal, denominator: Decimal) -> Decimal:
        """The value shown for a numerator and denominator: a percentage, or a rate x its
        multiplier. The caller has checked the denominator is above zero."""
        factor = 100 if self.unit == self.Unit.PERCENT else self.rate_scale
        return (numerator * factor / denominator).quantize(Decimal("0.0001"))


ATTRIBUTE_CHARTS = (ChartChoice.P, ChartChoice.U, ChartChoice.P_PRIME, ChartChoice.U_PRIME)


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
    numerator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True,
                                    help_text="Counted measures: the count.")
    denominator = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True,
                                      help_text="Counted measures: what the count is out of "
                                                "(enrolled students, school days).")
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
            models.CheckConstraint(
                condition=(models.Q(numerator__isnull=True, denominator__isnull=True)
                           | models.Q(numerator__gte=0, denominator__gt=0)),
                name="collab_value_counts_valid",
                violation_error_message="A count is zero or more, out of a denominator above "
                                        "zero."),
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
    baseline_points = models.PositiveSmallIntegerField(
        "freeze from its first", null=True, blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(260)],
        help_text="Optional: freeze this phase's centre line and limits from its first N points "
                  "and extend them across the phase (else they follow all its points).")
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
    reason = limited_text(SHORT_TEXT, help_text="Why this point is astronomical, e.g. a snow day.")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-marked_at", "-pk"]

    def __str__(self):
        return f"Astronomical point: {self.value}"
