"""Every write about measures that has a rule: defining a measure, recording a value, a team's
chart settings (frozen baseline, phases, its own goal) and astronomical points.

Who may do what (``selectors.Viewer``): staff and the collaborative's coaches define measures;
a team's members (and staff) record its values; its members and its coach set up its charts;
only its coach (and staff) mark a point astronomical. Errors are ``ValidationError``s keyed by
the form field they belong to. The cell parsers here are shared with ``csv_import``, so a value
typed in the form and one uploaded in a file are refused in the same words.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from collaboratives.measures.models import (
    AstronomicalPoint,
    Measure,
    MeasurePhase,
    MeasureValue,
    TeamMeasure,
)
from collaboratives.programme import selectors as programme_selectors
from collaboratives.programme.models import Collaborative, Enrollment, text_limit_errors
from core.csvsafe import looks_like_formula
from core.dates import add_years
from core.dates import day as format_day
from core.statemachine import audit
from core.text import sentence
from members.models import Team, User
from members.services import membership_writable_check

FOUR_PLACES = Decimal("0.0001")


EARLIEST_YEAR = 2000


BASELINE_YEARS = 5  # how far before a collaborative's start a team's baseline data may go


NOTE_MAX = 500


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2,4})$")


class CellProblem(ValueError):
    """A cell that cannot be read; the message completes "Line 7: the value “…” …"."""


def parse_value(text: str, measure: Measure) -> Decimal:
    """A number as a team writes it: ``12``, ``12.5``, ``1,204`` or, for a percentage,
    ``12.5%``. Rounded to four decimal places. Raises ``CellProblem``."""
    raw = text.strip()
    if not raw:
        raise CellProblem("is missing")
    cell = raw
    if cell.endswith("%"):
        if measure.unit != Measure.Unit.PERCENT:
            raise CellProblem(f"“{raw}” has a % sign, but {measure.name} is not a percentage")
        cell = cell[:-1].strip()
    if _THOUSANDS.match(cell):
        cell = cell.replace(",", "")
    if not _NUMBER.match(cell):
        if looks_like_formula(raw):
            raise CellProblem(f"“{_clip(raw)}” looks like a spreadsheet formula; enter the "
                              "number itself")
        raise CellProblem(f"“{_clip(raw)}” is not a number")
    try:
        value = Decimal(cell).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise CellProblem(f"“{_clip(raw)}” is not a number") from error
    problem = measure.value_problem(value)
    if problem:
        raise CellProblem(f"{_clip(raw)} {problem}")
    return value


def parse_count(text: str, what: str) -> Decimal:
    """A numerator or denominator: a number of zero or more (``1,204`` is read as 1204).
    ``what`` names it in the message ("numerator", "denominator"). Raises ``CellProblem``."""
    raw = str(text).strip()
    if not raw:
        raise CellProblem("is missing")
    cell = raw.replace(",", "") if _THOUSANDS.match(raw) else raw
    if not _NUMBER.match(cell):
        if looks_like_formula(raw):
            raise CellProblem(f"“{_clip(raw)}” looks like a spreadsheet formula; enter the "
                              "number itself")
        raise CellProblem(f"“{_clip(raw)}” is not a number")
    number = Decimal(cell).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    if number < 0:
        raise CellProblem(f"{_clip(raw)} is below 0; a {what} cannot be negative")
    if number >= COUNT_LIMIT:
        raise CellProblem(f"{_clip(raw)} is too large (at most {COUNT_LIMIT - 1:,})")
    return number


COUNT_LIMIT = 10**10  # MeasureValue.numerator/denominator: 10 digits before the point


def counts_problems(measure: Measure, numerator: Decimal | None,
                    denominator: Decimal | None) -> dict[str, str]:
    """Why a numerator and denominator cannot be a value of this counted measure, by field."""
    problems = {}
    if denominator is not None and denominator == 0:
        problems["denominator"] = ("is 0; there is nothing to divide by (leave the period out "
                                   "if nothing was counted)")
    if (numerator is not None and denominator is not None
            and measure.unit == Measure.Unit.PERCENT and numerator > denominator):
        problems["numerator"] = (f"{numerator.normalize():f} is greater than the denominator "
                                 f"{denominator.normalize():f}; a proportion cannot be above "
                                 "100%")
    return problems


def counted_value(measure: Measure, numerator_text: str, denominator_text: str,
                  ) -> tuple[Decimal, Decimal, Decimal]:
    """(value, numerator, denominator) from two cells, or ``CellProblem``s by field in a
    ``ValidationError``-ready dict raised as ``CountsRefused``."""
    errors: dict[str, str] = {}
    numbers: dict[str, Decimal] = {}
    for name, text in (("numerator", numerator_text), ("denominator", denominator_text)):
        try:
            numbers[name] = parse_count(text, name)
        except CellProblem as problem:
            errors[name] = str(problem)
    errors.update({k: v for k, v in counts_problems(measure, numbers.get("numerator"),
                                                     numbers.get("denominator")).items()
                   if k not in errors})
    if errors:
        raise CountsRefused(errors)
    value = measure.value_of(numbers["numerator"], numbers["denominator"])
    if problem := measure.value_problem(value):
        raise CountsRefused({"numerator": f"gives {value.normalize():f}, which {problem}"})
    return value, numbers["numerator"], numbers["denominator"]


class CountsRefused(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"the {k} {v}" for k, v in errors.items()))


def parse_day(text: str) -> date:
    """A date as ISO (2026-09-07, or 2026-09 for a month) or US (9/7/2026). Raises
    ``CellProblem``."""
    raw = text.strip()
    if not raw:
        raise CellProblem("is missing")
    parts = None
    if match := _ISO.match(raw):
        parts = int(match[1]), int(match[2]), int(match[3])
    elif match := _ISO_MONTH.match(raw):
        parts = int(match[1]), int(match[2]), 1
    elif match := _US.match(raw):
        if len(match[3]) != 4:
            raise CellProblem(f"“{_clip(raw)}” has a two-digit year; write it in full, e.g. "
                              "9/7/2026")
        parts = int(match[3]), int(match[1]), int(match[2])
    if parts is None:
        raise CellProblem(f"“{_clip(raw)}” is not a date; write 2026-09-07 or 9/7/2026")
    try:
        day = date(*parts)
    except ValueError as error:
        raise CellProblem(f"“{_clip(raw)}” is not a real date") from error
    if day.year < EARLIEST_YEAR:
        raise CellProblem(f"“{_clip(raw)}” is before {EARLIEST_YEAR}; is the year mistyped?")
    return day


def baseline_floor(collaborative: Collaborative) -> date:
    """The earliest day a team's data may be for: its baseline, at most ``BASELINE_YEARS``
    before the collaborative began."""
    return add_years(collaborative.start, -BASELINE_YEARS)


def period_problem(measure: Measure, day: date, today: date,
                   collaborative: Collaborative | None = None) -> str | None:
    """A value is for a period that has begun, and not before the baseline window."""
    period = measure.period_of(day)
    if period > today:
        return f"{measure.period_label(period)} has not begun yet"
    collaborative = collaborative or measure.collaborative
    floor = baseline_floor(collaborative)
    if day < floor:
        return (f"{measure.period_label(period)} is before {format_day(floor)}: baseline data go "
                f"back at most {BASELINE_YEARS} years before the collaborative began "
                f"({format_day(collaborative.start)})")
    return None


def clean_note(text: str) -> str:
    """A note is kept as the text it is: never evaluated, escaped on every page, and written
    back out to CSV with a leading apostrophe when it looks like a formula (``core.csvsafe``)."""
    note = "".join(ch for ch in text.strip() if ch >= " " or ch == "\t")
    if len(note) > NOTE_MAX:
        raise CellProblem(f"is {len(note)} characters long; notes are at most {NOTE_MAX}")
    return note


def _clip(text: str, length: int = 40) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _check_defines(actor: User, collaborative: Collaborative) -> None:
    viewer = programme_selectors.viewer_for(actor, collaborative)
    if not (viewer.is_staff or viewer.is_coach):
        raise ValidationError("Center staff and the collaborative's coaches define its "
                              "measures.", code="forbidden")


def _check_name_free(collaborative: Collaborative, name: str, exclude_pk=None) -> None:
    taken = (Measure.objects.filter(collaborative=collaborative)
             .annotate(lname=Lower("name")).filter(lname=name.lower()).exclude(pk=exclude_pk))
    if taken.exists():
        raise ValidationError({"name": ["The collaborative already has a measure of that "
                                        "name."]})


MEASURE_FIELDS = ["name", "kind", "operational_definition", "unit", "rate_basis", "better",
                  "sampling", "goal", "counted", "rate_scale", "chart", "run_rules"]


@transaction.atomic
def measure_define(*, collaborative: Collaborative, actor: User, name: str, kind: str,
                   operational_definition: str, unit: str, better: str, sampling: str,
                   rate_basis: str = "", goal: Decimal | None = None, counted: bool = False,
                   rate_scale: int | None = 1, chart: str = "", run_rules: str = "") -> Measure:
    """Staff or a coach define a measure of the collaborative, and the chart it is drawn as
    (empty: the collaborative's default)."""
    _check_defines(actor, collaborative)
    collaborative = Collaborative.objects.select_for_update().get(pk=collaborative.pk)
    name = " ".join(name.split())
    _check_name_free(collaborative, name)
    measure = Measure(collaborative=collaborative, name=name, kind=kind,
                      operational_definition=operational_definition.strip(), unit=unit,
                      rate_basis=rate_basis.strip(), better=better, sampling=sampling, goal=goal,
                      counted=counted, rate_scale=rate_scale or 1, chart=chart or "",
                      run_rules=run_rules or "", position=collaborative.measures.count() + 1,
                      created_by=actor)
    measure.full_clean(validate_unique=False, validate_constraints=False)
    measure.save()
    audit(measure, action="measure:defined", actor=actor)
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, actor: User, **fields) -> Measure:
    """Edit a measure. Once teams have entered values, its unit and sampling period stay: the
    values were entered in them."""
    _check_defines(actor, measure.collaborative)
    locked = Measure.objects.select_for_update().select_related("collaborative").get(
        pk=measure.pk)
    unexpected = set(fields) - set(MEASURE_FIELDS)
    if unexpected:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unexpected))}.")
    if "name" in fields:
        fields["name"] = " ".join(fields["name"].split())
        _check_name_free(locked.collaborative, fields["name"], exclude_pk=locked.pk)
    has_values = MeasureValue.objects.filter(measure=locked).exists()
    errors = {}
    if "rate_scale" in fields:
        fields["rate_scale"] = fields["rate_scale"] or 1
    for name in ("chart", "run_rules"):
        if name in fields:
            fields[name] = fields[name] or ""
    for name in ("unit", "sampling", "counted", "rate_scale"):
        if name in fields and fields[name] != getattr(locked, name) and has_values:
            label = {"counted": "way of entering values"}.get(
                name, Measure._meta.get_field(name).verbose_name)
            errors[name] = [f"Teams have entered values of this measure, so its {label} cannot "
                            "change. Define a new measure instead."]
    if errors:
        raise ValidationError(errors)
    for name, value in fields.items():
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.full_clean(validate_unique=False, validate_constraints=False)
    locked.save()
    audit(locked, action="measure:updated", actor=actor)
    return locked


def enrollment_of(team: Team, collaborative: Collaborative) -> Enrollment:
    enrollment = Enrollment.objects.filter(collaborative=collaborative, team=team).first()
    if enrollment is None:
        raise ValidationError(f"{team.name} is not enrolled in {collaborative.name}.")
    return enrollment


def check_enters_values(actor: User, team: Team, collaborative: Collaborative) -> Enrollment:
    enrollment = enrollment_of(team, collaborative)
    if not programme_selectors.viewer_for(actor, collaborative).works_on(team.pk):
        raise ValidationError("Only members of the team enter its data.", code="forbidden")
    membership_writable_check(team.membership_id, message=(
        "Your membership has lapsed: the charts stay readable, but new data waits until the "
        "renewal invoice is paid."))
    return enrollment


@transaction.atomic
def measure_value_record(*, team: Team, measure: Measure, actor: User, day: date,
                         value: str | Decimal = "", note: str = "",
                         numerator: str | Decimal = "", denominator: str | Decimal = "",
                         today: date | None = None) -> MeasureValue:
    """Record one value: for the period ``day`` falls in. The same period again replaces it.
    A counted measure takes ``numerator`` and ``denominator`` and computes the value."""
    check_enters_values(actor, team, measure.collaborative)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    number = count = out_of = None
    if measure.counted:
        try:
            number, count, out_of = counted_value(measure, str(numerator), str(denominator))
        except CountsRefused as refused:
            for name, text in refused.errors.items():
                errors[name] = [sentence(f"The {name} {text}")]
    else:
        try:
            number = parse_value(str(value), measure)
        except CellProblem as problem:
            errors["value"] = [sentence(f"The value {problem}")]
    if day.year < EARLIEST_YEAR:
        errors["day"] = [f"Is the year mistyped? Values start in {EARLIEST_YEAR}."]
    elif problem := period_problem(measure, day, today):
        errors["day"] = [sentence(f"The {problem}")]
    try:
        note = clean_note(note)
    except CellProblem as problem:
        errors["note"] = [sentence(f"The note {problem}")]
    if errors:
        raise ValidationError(errors)
    row, _ = MeasureValue.objects.update_or_create(
        team=team, measure=measure, period=measure.period_of(day),
        defaults={"value": number, "numerator": count, "denominator": out_of, "note": note,
                  "source": MeasureValue.Source.FORM, "entered_by": actor})
    return row


@transaction.atomic
def measure_value_remove(*, value: MeasureValue, actor: User) -> None:
    """Take a wrong value off the chart (and the coach's mark with it). The audit log keeps
    what it was, so nothing entered is lost without a trace."""
    check_enters_values(actor, value.team, value.measure.collaborative)
    measure = value.measure
    kept = measure.point_label(value)
    if value.note:
        kept += f" (note: {value.note})"
    audit(value, action="measure_value:removed", actor=actor, reason=kept)
    value.delete()


def _check_sets_up_chart(actor: User, team: Team, measure: Measure) -> None:
    enrollment_of(team, measure.collaborative)
    viewer = programme_selectors.viewer_for(actor, measure.collaborative)
    if not (viewer.works_on(team.pk) or viewer.coaches_team(team.pk)):
        raise ValidationError("Only the team and its coach set up its run charts.",
                              code="forbidden")


@transaction.atomic
def team_measure_set(*, team: Team, measure: Measure, actor: User,
                     baseline_points: int | None = None,
                     baseline_median: Decimal | None = None,
                     goal: Decimal | None = None) -> TeamMeasure:
    """Freeze the baseline (by its first N points, or a given median) and set the team's own
    goal; leave both baseline fields empty to let the median follow all points."""
    _check_sets_up_chart(actor, team, measure)
    errors = {}
    if baseline_points is not None and baseline_median is not None:
        errors["baseline_median"] = ["Freeze the baseline by its first points or by a median, "
                                     "not both."]
    for name, number in (("baseline_median", baseline_median), ("goal", goal)):
        if number is not None and (problem := measure.value_problem(number)):
            errors.setdefault(name, []).append(sentence(f"{number.normalize():f} {problem}"))
    if errors:
        raise ValidationError(errors)
    settings, _ = TeamMeasure.objects.update_or_create(
        team=team, measure=measure,
        defaults={"baseline_points": baseline_points, "baseline_median": baseline_median,
                  "goal": goal, "updated_by": actor})
    return settings


@transaction.atomic
def measure_phase_add(*, team: Team, measure: Measure, actor: User, starts_on: date,
                      label: str, baseline_points: int | None = None) -> MeasurePhase:
    """After a change, the chart starts a new phase from ``starts_on``, with its own median
    (or centre line and limits), frozen from its first ``baseline_points`` when given: a
    baseline in any phase, not only the first."""
    _check_sets_up_chart(actor, team, measure)
    label = " ".join(label.split())
    errors = {}
    if not label:
        errors["label"] = ["Name the change, e.g. “Texts to families”."]
    if starts_on > timezone.localdate():
        errors["starts_on"] = ["A new phase starts once the change is made."]
    elif starts_on < (floor := baseline_floor(measure.collaborative)):
        errors["starts_on"] = [f"Charts begin at most {BASELINE_YEARS} years before the "
                               f"collaborative ({format_day(floor)}); choose a later day."]
    if baseline_points is not None and not 2 <= baseline_points <= 260:
        errors["baseline_points"] = ["Freeze from 2 to 260 points, or leave it empty."]
    if MeasurePhase.objects.filter(team=team, measure=measure,
                                   starts_on=measure.period_of(starts_on)).exists():
        errors["starts_on"] = ["A phase already starts in that period."]
    if errors:
        raise ValidationError(errors)
    return MeasurePhase.objects.create(team=team, measure=measure,
                                       starts_on=measure.period_of(starts_on), label=label,
                                       baseline_points=baseline_points, added_by=actor)


@transaction.atomic
def measure_phase_remove(*, phase: MeasurePhase, actor: User) -> None:
    _check_sets_up_chart(actor, phase.team, phase.measure)
    phase.delete()


def _check_coaches(actor: User, value: MeasureValue) -> None:
    viewer = programme_selectors.viewer_for(actor, value.measure.collaborative)
    if not viewer.coaches_team(value.team_id):
        raise ValidationError("Only the team's coach marks astronomical points.",
                              code="forbidden")


@transaction.atomic
def astronomical_mark(*, value: MeasureValue, actor: User, reason: str) -> AstronomicalPoint:
    """The coach marks a point as obviously, even grossly, different, and says why."""
    _check_coaches(actor, value)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why this point is astronomical."]})
    errors = text_limit_errors(AstronomicalPoint, reason=reason.strip())
    if errors:
        raise ValidationError(errors)
    point, _ = AstronomicalPoint.objects.update_or_create(
        value=value, defaults={"reason": reason.strip(), "marked_by": actor})
    audit(value, action="measure_value:astronomical", actor=actor, reason=reason.strip())
    return point


@transaction.atomic
def astronomical_unmark(*, value: MeasureValue, actor: User) -> None:
    _check_coaches(actor, value)
    if AstronomicalPoint.objects.filter(value=value).delete()[0]:
        audit(value, action="measure_value:not_astronomical", actor=actor)
