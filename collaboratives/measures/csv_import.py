"""A team's measure values from a CSV file: all of it, or nothing.

The format (shown on the upload page, with a template to download):

- UTF-8 text, with or without a byte-order mark (Excel's "CSV UTF-8"), separated by commas.
- A header row naming the columns ``measure``, ``period`` (or ``date``) and ``value``, in any
  order and any case; an optional ``note`` column. Other columns are ignored (and said so).
- ``measure``: the measure's name as the collaborative defines it, in any case.
- ``period``: ISO (2026-09-07, or 2026-09 for a month) or US (9/7/2026). Any day of the week (or
  month) stands for that week (month): the value is stored on the week's Monday (the month's
  first day), so a weekly measure's rows may carry whichever day the team records. Two rows that
  fall in the same period are a duplicate; a period that has not begun is refused.
- ``value``: a number (``12``, ``12.5``, ``"1,204"``; ``12.5%`` for a percentage); percentages
  lie in 0-100, counts are whole, nothing is negative. A cell that starts like a spreadsheet
  formula (``=``, ``+``, ``-``, ``@``) and is not a plain number is refused.
- ``numerator`` and ``denominator`` (optional columns, needed by counted measures): the count
  and what it is out of, zero or more, the denominator above zero and, for a percentage, at
  least the numerator; the value is computed from them (a ``value`` cell on such a row is
  ignored, so a file the portal exported comes back unchanged). A file may carry only these two
  columns and no ``value`` column when all its measures are counted.
- ``note``: text, stored as it is (a formula is text here, never run), at most 500 characters.

A file with any bad row imports nothing: every bad row is listed with its line number and all
its reasons. A good file is written with one bulk upsert per 1,000 rows: a period the team
already has is updated, never duplicated.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from collaboratives.measures.models import Measure, MeasureValue
from collaboratives.measures.services import (
    CellProblem,
    CountsRefused,
    check_enters_values,
    clean_note,
    counted_value,
    parse_day,
    parse_value,
    period_problem,
)
from collaboratives.programme.models import Collaborative
from core import csvsafe
from core.statemachine import audit
from core.text import sentence
from members.models import Team, User

REQUIRED = ("measure", "period")
OPTIONAL = ("value", "numerator", "denominator", "note")


ALIASES = {"date": "period", "week": "period", "month": "period", "notes": "note",
           "count": "numerator", "out of": "denominator"}


BATCH_SIZE = 1000


@dataclass(frozen=True)
class RowError:
    line: int
    reasons: tuple[str, ...]

    @property
    def message(self) -> str:
        return sentence(f"Line {self.line}: {'; '.join(self.reasons)}")


class CsvRejected(ValidationError):
    """The file as a whole, or some of its rows, cannot be imported; nothing was."""

    def __init__(self, summary: str, rows: list[RowError] = ()):
        self.summary = summary
        self.rows = list(rows)
        super().__init__([summary, *(row.message for row in self.rows)])


@dataclass
class ImportResult:
    rows: int
    created: int
    updated: int
    measures: list[str]
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    measure: Measure
    period: date
    value: Decimal
    note: str
    numerator: Decimal | None = None
    denominator: Decimal | None = None


def _name_key(name: str) -> str:
    """A measure's name as files write it; the apostrophe the portal's own CSV files put before
    a name that starts like a formula (``core.csvsafe``) is read back off."""
    if name.startswith("'") and csvsafe.looks_like_formula(name[1:]):
        name = name[1:]
    return " ".join(name.split()).casefold()


def _decode(raw: bytes) -> str:
    if b"\x00" in raw:
        raise CsvRejected("This is not a text file. Save the spreadsheet as “CSV UTF-8 (comma "
                          "delimited)” and upload that.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CsvRejected(f"Line {line} is not UTF-8 text. In Excel, save as “CSV UTF-8 "
                          "(comma delimited)”; in Google Sheets, download as CSV.") from error


def _columns(header: list[str], line: int) -> tuple[dict[str, int], list[str]]:
    names = [ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in header]
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        raise CsvRejected(f"Line {line}: the columns are not separated by commas. Save the file "
                          "as CSV with commas (in Excel: “CSV UTF-8 (comma delimited)”).")
    missing = [name for name in REQUIRED if name not in names]
    if "value" not in names and not {"numerator", "denominator"} <= set(names):
        missing.append("value")
    if missing:
        found = ", ".join(cell.strip() for cell in header if cell.strip()) or "nothing"
        raise CsvRejected(f"Line {line}: the header row must name the columns measure, period "
                          f"and value (missing: {', '.join(missing)}; found: {found}). "
                          "Measures entered as counts take numerator and denominator columns "
                          "instead of value.")
    repeated = sorted({name for name in names if names.count(name) > 1 and
                       name in (*REQUIRED, *OPTIONAL)})
    if repeated:
        raise CsvRejected(f"Line {line}: the header names {', '.join(repeated)} more than once.")
    columns = {name: names.index(name) for name in (*REQUIRED, *OPTIONAL) if name in names}
    ignored = [cell.strip() for cell, name in zip(header, names, strict=True)
               if name not in columns and cell.strip()]
    return columns, ignored


def _rows(text: str):
    """(first line, cells) of each non-blank record, with its line number in the file."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous = 0
    try:
        for cells in reader:
            first = previous + 1
            previous = reader.line_num
            if any(cell.strip() for cell in cells):
                yield first, cells
    except csv.Error as error:
        raise CsvRejected(f"Line {previous + 1} cannot be read as CSV ({error}). Check for a "
                          "quote mark that is opened and never closed.") from error


def read(raw: bytes, *, collaborative: Collaborative,
         today: date) -> tuple[list[tuple[int, _Row]], list[str]]:
    """Parse and check a whole file. Returns its rows (with their line numbers) and the columns
    it ignored, or raises ``CsvRejected`` listing every bad row."""
    text = _decode(raw)
    records = _rows(text)
    try:
        header_line, header = next(records)
    except StopIteration:
        raise CsvRejected("The file is empty: it needs a header row (measure, period, value) "
                          "and a row for each value.") from None
    columns, ignored = _columns(header, header_line)
    limit = settings.MEASURES_CSV_MAX_ROWS
    records = list(records)
    if len(records) > limit:
        raise CsvRejected(f"The file has {len(records):,} rows of values; at most {limit:,} can "
                          "be uploaded at once. Split it into smaller files.")
    if not records:
        raise CsvRejected("The file has a header row but no values under it.")
    measures = {_name_key(m.name): m for m in Measure.objects.filter(collaborative=collaborative)}
    known = ", ".join(f"“{m.name}”" for m in measures.values()) or "none yet"
    width = max(columns.values()) + 1
    seen: dict[tuple[int, date], int] = {}
    good: list[tuple[int, _Row]] = []
    bad: list[RowError] = []
    for line, cells in records:
        reasons: list[str] = []
        if len(cells) > len(header):
            reasons.append(f"it has {len(cells)} cells but the header has {len(header)} (a "
                           "number with a thousands comma must be in quotes)")
        cells = cells + [""] * (width - len(cells))
        measure = measures.get(_name_key(cells[columns["measure"]]))
        name = cells[columns["measure"]].strip()
        if measure is None:
            reasons.append(f"unknown measure “{name}” (this collaborative's measures: {known})"
                           if name else "the measure is missing")
        day = value = note = numerator = denominator = None
        try:
            day = parse_day(cells[columns["period"]])
        except CellProblem as problem:
            reasons.append(f"the period {problem}")
        if measure is not None:
            if day is not None and (problem := period_problem(measure, day, today,
                                                                   collaborative)):
                reasons.append(f"the {problem}")
                day = None
            if measure.counted:
                if "numerator" not in columns or "denominator" not in columns:
                    reasons.append(f"“{measure.name}” is entered as numerator and denominator: "
                                   "add those two columns")
                else:
                    try:
                        value, numerator, denominator = counted_value(
                            measure, cells[columns["numerator"]], cells[columns["denominator"]])
                    except CountsRefused as refused:
                        reasons.extend(f"the {k} {v}" for k, v in refused.errors.items())
            elif "value" not in columns:
                reasons.append(f"“{measure.name}” takes a single value: add a value column")
            else:
                try:
                    value = parse_value(cells[columns["value"]], measure)
                except CellProblem as problem:
                    reasons.append(f"the value {problem}")
        if "note" in columns:
            try:
                note = clean_note(cells[columns["note"]])
            except CellProblem as problem:
                reasons.append(f"the note {problem}")
        if measure is not None and day is not None:
            key = (measure.pk, measure.period_of(day))
            if key in seen:
                reasons.append(f"duplicate period: {measure.period_label(key[1])} of "
                               f"“{measure.name}” is already on line {seen[key]}")
            else:
                seen[key] = line
        if reasons:
            bad.append(RowError(line, tuple(reasons)))
        else:
            good.append((line, _Row(measure, measure.period_of(day), value, note or "",
                                     numerator, denominator)))
    if bad:
        raise CsvRejected(f"Nothing was imported: {len(bad):,} of {len(records):,} rows "
                          f"{'has a problem' if len(bad) == 1 else 'have problems'}. Correct "
                          f"{'it' if len(bad) == 1 else 'them'} and upload the whole file "
                          "again.", bad)
    return good, ignored


@transaction.atomic
def values_import(*, team: Team, collaborative: Collaborative, actor: User, raw: bytes,
                  filename: str = "", today: date | None = None) -> ImportResult:
    """Check the whole file, then write every row in bulk; a row for a period the team already
    has replaces that value. Raises ``CsvRejected`` (nothing written) for a bad file."""
    enrollment = check_enters_values(actor, team, collaborative)
    limit = settings.MEASURES_CSV_MAX_BYTES
    if len(raw) > limit:
        raise CsvRejected(f"The file is {len(raw) / 1024 / 1024:.1f} MB; files can be at most "
                          f"{limit / 1024 / 1024:.0f} MB. Split it into smaller files.")
    rows, ignored = read(raw, collaborative=collaborative, today=today or timezone.localdate())
    used = {row.measure.pk: row.measure for _, row in rows}
    existing = set(MeasureValue.objects.filter(team=team, measure_id__in=used)
                   .values_list("measure_id", "period"))
    MeasureValue.objects.bulk_create(
        [MeasureValue(team=team, measure=row.measure, period=row.period, value=row.value,
                      numerator=row.numerator, denominator=row.denominator, note=row.note,
                      source=MeasureValue.Source.CSV, entered_by=actor)
         for _, row in rows],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["team", "measure", "period"],
        update_fields=["value", "numerator", "denominator", "note", "source", "entered_by",
                       "updated_at"],
    )
    updated = sum(1 for _, row in rows if (row.measure.pk, row.period) in existing)
    result = ImportResult(rows=len(rows), created=len(rows) - updated, updated=updated,
                          measures=sorted(m.name for m in used.values()),
                          ignored_columns=ignored)
    audit(enrollment, action="measures:csv_imported", actor=actor,
          reason=f"{filename or 'CSV file'}: {result.created} new, {result.updated} updated")
    return result


def template_csv(collaborative: Collaborative, today: date | None = None) -> str:
    """A file to start from: the header and an example row for each measure."""
    today = today or timezone.localdate()
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\r\n")
    measures = list(Measure.objects.filter(collaborative=collaborative))
    counted = any(m.counted for m in measures)
    writer.writerow(["measure", "period", "value", *(("numerator", "denominator") if counted
                                                     else ()), "note"])
    for measure in measures:
        example = {"percent": "18.5", "count": "12", "rate": "3.2"}[measure.unit]
        counts = (("", "") if not measure.counted else ("42", "350")) if counted else ()
        writer.writerow([measure.name, measure.period_of(today).isoformat(),
                         "" if measure.counted else example, *counts,
                         "example row: replace it"])
    return out.getvalue()


def example_csv(measures: list[Measure]) -> str:
    """A short example for the upload page: two periods of the first two measures."""
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\n")
    writer.writerow(["measure", "period", "value", "note"])
    samples = {"percent": ("18.5", "17.9"), "count": ("12", "9"), "rate": ("3.2", "2.8")}
    for measure in measures[:2] or [Measure(name="Chronic absenteeism rate", unit="percent",
                                            sampling="weekly")]:
        first, second = samples[measure.unit]
        weekly = measure.sampling == Measure.Sampling.WEEKLY
        writer.writerow([measure.name, "2026-09-07" if weekly else "2026-09-01", first, ""])
        writer.writerow([measure.name, "9/14/2026" if weekly else "10/1/2026", second,
                         "Fall break on Friday"])
    return out.getvalue()
