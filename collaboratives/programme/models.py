"""The programme: a Breakthrough Collaborative, its dated phases, and the teams enrolled in it
(with their grade band and locale); also the text limits every domain's long fields share.
The bottom layer of the app: it imports no other part of collaboratives."""

from datetime import date, datetime
from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from core.dates import add_years, day
from core.models import TimeStampedModel

FIRST_YEAR = 2017  # the network the Center grew out of (iLEAD) began in 2017


MAX_YEARS = 2  # a collaborative runs about twelve months; never more than this


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


NARRATIVE = 5000  # a PDSA answer, notes of a call, a comment, an agenda


SHORT_TEXT = 2000  # a reason, a description, an address


def too_long(limit: int, length: int) -> str:
    return f"This is {length:,} characters long; write at most {limit:,}."


@deconstructible
class TextLimit(MaxLengthValidator):
    """The field's maximum, said plainly with both numbers."""

    def __call__(self, value):
        if len(value) > self.limit_value:
            raise ValidationError(too_long(self.limit_value, len(value)), code="max_length")


def limited_text(limit: int, *args, **kwargs) -> models.TextField:
    return models.TextField(*args, max_length=limit, validators=[TextLimit(limit)], **kwargs)


def text_limit_errors(model: type[models.Model], **values) -> dict[str, list[str]]:
    """For services that write without ``full_clean``: each value longer than its field
    allows, keyed by the field."""
    errors = {}
    for name, value in values.items():
        limit = model._meta.get_field(name).max_length
        if limit and isinstance(value, str) and len(value) > limit:
            errors[name] = [too_long(limit, len(value))]
    return errors


class ChartChoice(models.TextChoices):
    """The chart a measure is drawn as (``collaboratives.measures.chart_choice``)."""

    RUN = "run", "run chart"
    XMR = "xmr", "XmR chart (individual values and moving ranges)"
    P = "p", "p chart (proportions: numerator / denominator)"
    U = "u", "u chart (rates per unit of exposure)"
    P_PRIME = "p_prime", "Laney p' chart (proportions, large denominators)"
    U_PRIME = "u_prime", "Laney u' chart (rates, large denominators)"


class RunRules(models.TextChoices):
    IHI = "ihi", "IHI rules (shift, trend, runs; Perla, Provost & Murray 2011)"
    ANHOEJ = "anhoej", "Anhøj rules (long runs, few crossings; Anhøj & Olesen 2014)"


class Collaborative(TimeStampedModel):
    """A year-long Breakthrough Collaborative (IHI Breakthrough Series)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True, validators=[validate_slug_not_reserved],
                            help_text="Its web address, e.g. chronic-absenteeism-2027.")
    problem_of_practice = models.CharField(max_length=200,
                                           help_text="e.g. chronic absenteeism")
    start = models.DateField()
    end = models.DateField(help_text="About twelve months after the start.")
    aim = limited_text(SHORT_TEXT,
                       help_text="The collaborative's aim, e.g. reduce chronic absenteeism "
                                 "across member institutions by 20% within one year.")
    enrollment_open = models.BooleanField(default=True,
                                          help_text="When closed, no more teams can enroll.")
    default_chart = models.CharField(
        "default chart", max_length=8, choices=ChartChoice, default=ChartChoice.RUN, blank=True,
        help_text="How measures are drawn unless a measure chooses its own chart (empty: run "
                  "chart). A control chart needs 20 points; with fewer the run chart is drawn.")
    default_run_rules = models.CharField(
        "default run-chart rules", max_length=8, choices=RunRules, default=RunRules.IHI,
        blank=True,
        help_text="The rules run charts are read with, unless a measure chooses.")

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
        if self.start and self.start.year < FIRST_YEAR:
            raise ValidationError({"start": f"The Center's collaboratives began in {FIRST_YEAR}; "
                                            "is the year mistyped?"})
        if self.start and self.end and self.end > add_years(self.start, MAX_YEARS):
            raise ValidationError({"end": f"A collaborative runs about twelve months, at most "
                                          f"{MAX_YEARS} years: end it by "
                                          f"{_day(add_years(self.start, MAX_YEARS))}."})

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
