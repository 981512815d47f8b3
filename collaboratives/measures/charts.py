"""Run charts of teams' measures, assembled from rows and drawn in Python.

``charts_for(teams=..., measures=...)`` reads everything a grid of charts needs in four queries,
however many teams and measures: the values (with their astronomical marks), the teams' chart
settings, their phases, and the PDSA cycles linked to the measures. The rule engine
(``spc.runchart.analyse``) and the SVG (``spc.svg.render_svg``) run on the result; signals are
computed on the fly, never stored.

``chart_from_snapshot`` draws the same chart from the frozen data a published change package
keeps (``snapshot``), so a published version shows the data of the day it went out.
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from collaboratives.cycles.models import PDSACycle
from collaboratives.measures import chartkinds
from collaboratives.measures.models import Measure, MeasurePhase, MeasureValue, TeamMeasure
from members.models import Team
from spc.runchart import Assessment, Rule, RunChartAnalysis, analyse
from spc.svg import DataTableRow, data_table_rows, format_value, render_svg

SIZES = {"full": (760, 340), "small": (380, 230), "print": (640, 300)}


# The labels' white halo (``spc.svg._halo_text``) relies on ``paint-order="stroke"``, which
# WeasyPrint does not support: it paints the white stroke over the letters and the labels
# vanish from the PDF. For print the halo is left off.
_HALO = re.compile(r' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" '
                   r'paint-order="stroke"')


def print_safe(svg: str) -> str:
    return _HALO.sub("", svg)


@dataclass
class Chart:
    """One team's run chart of one measure, ready for a page."""

    measure: Measure
    team_name: str
    team_id: int | None
    points: list[tuple[date, Decimal]]
    analysis: RunChartAnalysis
    svg: SafeString
    svg_narrow: SafeString  # the same chart drawn for a phone (full-size charts only)
    goal: Decimal | None
    phase_labels: list[str]
    annotations: list[tuple[date, str]]
    values: list[MeasureValue] = field(default_factory=list)
    settings: TeamMeasure | None = None
    phases: list[MeasurePhase] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)  # point index -> why astronomical
    kind: chartkinds.Result | None = None  # the chart drawn and how it was read
    counts: list = field(default_factory=list)  # (numerator, denominator) or None per point

    @property
    def kind_label(self) -> str:
        return self.kind.kind_label if self.kind else "Run chart"

    @property
    def rules_text(self) -> str:
        return self.kind.rules_text if self.kind else chartkinds.RULES_IHI

    @property
    def is_control(self) -> bool:
        return bool(self.kind and self.kind.control is not None)

    @property
    def uses_ihi(self) -> bool:
        """The IHI run-chart rules read this chart (else Anhøj's or Shewhart's)."""
        return not (self.kind and (self.kind.control is not None or self.kind.anhoej))

    @cached_property
    def control_rows(self) -> list[dict]:
        """The data table of a chart not read with the IHI rules (control charts, Anhøj run
        charts): value, counts, centre, limits and the signals of each period."""
        if self.uses_ihi:
            return []
        values, centre, lower, upper = chartkinds.series(self.kind, [v for _, v in self.points])
        lower, upper = lower or [None] * len(values), upper or [None] * len(values)
        unit = self.measure.chart_unit
        signals = (self.kind.control.signals if self.kind.control is not None
                   else self.kind.anhoej.signals)
        phase_of = {}
        if self.kind.control is not None:
            phase_of = {p.index: p.phase for p in self.kind.control.points}
        else:
            phase_of = {i: ph.index for ph in self.kind.anhoej.phases
                        for i in range(ph.start, ph.end + 1)}
        marks: dict[int, list[str]] = {}
        for item, signal in zip(self.signal_items, signals, strict=False):
            for i in signal.indices:
                marks.setdefault(i, []).append(item["label"])

        def show(v):
            return "—" if v is None else format_value(v, unit)
        rows = []
        for i, (d, _) in enumerate(self.points):
            count = self.counts[i] if i < len(self.counts) else None
            phase = phase_of.get(i, 0)
            rows.append({"date": d, "value": show(values[i]), "centre": show(centre[i]),
                         "lower": show(lower[i]), "upper": show(upper[i]),
                         "counts": (f"{count[0].normalize():f} / {count[1].normalize():f}"
                                    if count else ""),
                         "phase": self.phase_labels[phase] if phase < len(self.phase_labels)
                         else "", "signals": "; ".join(marks.get(i, [])) or "—"})
        return rows

    @cached_property
    def rows(self) -> list[DataTableRow]:
        """The data table under the chart, built when a page shows it: the small multiples
        leave it out, and sixty tables nobody sees cost about as much as their charts."""
        return data_table_rows(points=self.points, analysis=self.analysis,
                               annotations=self.annotations, unit=self.measure.chart_unit,
                               phase_labels=self.phase_labels)

    @property
    def has_data(self) -> bool:
        return bool(self.points)

    @property
    def latest(self) -> tuple[date, Decimal] | None:
        return self.points[-1] if self.points else None

    @property
    def latest_display(self) -> str:
        return self.measure.display(self.points[-1][1] if self.points else None)

    @property
    def median(self) -> Decimal | None:
        """The median of the latest phase."""
        return self.analysis.segments[-1].median if self.analysis.segments else None

    @property
    def baseline_median(self):
        return self.analysis.segments[0].median if self.analysis.segments else None

    @property
    def median_display(self) -> str:
        return self.measure.display(self.median)

    @property
    def baseline_display(self) -> str:
        return self.measure.display(self.baseline_median)

    @property
    def goal_display(self) -> str:
        return self.measure.display(self.goal)

    @property
    def signals(self):
        if not self.uses_ihi:
            return self.signal_items
        return self.analysis.signals

    @property
    def signal_summary(self) -> list[tuple[str, str]]:
        """(label, kind) of each distinct signal: kind is improvement, deterioration or
        neutral, for the badge's colour (the label says it in words too)."""
        seen, out = set(), []
        if not self.uses_ihi:
            for item in self.signal_items:
                if (item["label"], item["kind"]) not in seen:
                    seen.add((item["label"], item["kind"]))
                    out.append((item["label"], item["kind"]))
            return out
        for signal in self.analysis.signals:
            kind = signal.assessment.value if signal.assessment else "neutral"
            label = signal.rule.label
            if signal.assessment is Assessment.IMPROVEMENT:
                label += " (improvement)"
            elif signal.assessment is Assessment.DETERIORATION:
                label += " (deterioration)"
            if (label, kind) not in seen:
                seen.add((label, kind))
                out.append((label, kind))
        return out

    @cached_property  # templates read it twice a chart; it looks at every value
    def signal_items(self) -> list[dict]:
        """Each signal in words, with dates rather than point numbers: {label, kind, text}."""
        if not self.uses_ihi:
            return chartkinds.signal_items(self.kind, self.measure, [d for d, _ in self.points])
        items = []
        for signal in self.analysis.signals:
            start, end = self.points[signal.start_index][0], self.points[signal.end_index][0]
            span = (_day(start) if start == end else f"{_day(start)} to {_day(end)}")
            way = signal.direction.value if signal.direction else ""
            if signal.rule is Rule.SHIFT:
                side = "above" if way == "up" else "below"
                text = f"{signal.length} points in a row {side} the median, {span}"
            elif signal.rule is Rule.TREND:
                text = f"{signal.length} points in a row going {way}, {span}"
            elif signal.rule is Rule.ASTRONOMICAL:
                text = f"{span}: {self.reasons.get(signal.start_index, 'marked by the coach')}"
            else:
                text = signal.description
            kind = signal.assessment.value if signal.assessment else "neutral"
            label = signal.rule.label + {"improvement": " (improvement)",
                                         "deterioration": " (deterioration)"}.get(kind, "")
            items.append({"label": label, "kind": kind, "text": text})
        return items

    @property
    def goal_progress(self) -> int | None:
        """How far the latest value has come from the baseline median toward the goal, in
        percent (0-100); None without a goal, data, or room to move."""
        if self.goal is None or not self.points:
            return None
        start, latest = Decimal(self.baseline_median), self.points[-1][1]
        if self.goal == start:
            return None
        share = (latest - start) / (self.goal - start)
        return int(max(0, min(1, share)) * 100)


def _day(value: date) -> str:
    return f"{value:%-d %b %Y}"


def is_astronomical(value: MeasureValue) -> bool:
    try:
        return value.astronomical is not None
    except ObjectDoesNotExist:
        return False


def phase_segments(periods: Sequence[date], phases: Iterable[MeasurePhase],
                   notes: list[str]) -> tuple[list[int], list[str], list[int | None]]:
    """Each phase starts at the first point on or after its date. A phase with no point after
    it yet, or one before the second point, waits (and says so). Returns the starts, the
    labels (the baseline's first) and each started phase's frozen points (or None)."""
    starts, labels, frozen = [], ["Baseline"], []
    for phase in sorted(phases, key=lambda p: p.starts_on):
        index = next((i for i, d in enumerate(periods) if d >= phase.starts_on), None)
        if index is None:
            notes.append(f"“{phase.label}” starts on {phase.starts_on:%-d %b %Y}; its phase "
                         "appears once there is data from then.")
        elif index == 0:
            notes.append(f"“{phase.label}” starts before the first value; enter earlier values "
                         "to see the change.")
        elif index not in starts:
            starts.append(index)
            labels.append(phase.label)
            frozen.append(getattr(phase, "baseline_points", None))
    return starts, labels, frozen


def build(*, measure: Measure, team_name: str, team_id: int | None,
          points: list[tuple[date, Decimal]], astronomical: Sequence[int] = (),
          baseline_points: int | None = None, baseline_median: Decimal | None = None,
          segments: Sequence[int] = (), phase_labels: Sequence[str] = ("Baseline",),
          goal: Decimal | None = None, annotations: Sequence[tuple[date, str]] = (),
          size: str = "full", chart_id: str | None = None, show_title: bool = True,
          notes: list[str] | None = None, drawn: dict | None = None,
          counts: Sequence[tuple[Decimal, Decimal] | None] = (),
          phase_baselines: Sequence[int | None] = (),
          choice: chartkinds.Choice | None = None, draw: bool = True,
          cached: bool = False) -> Chart:
    """``drawn`` maps render keys to SVG already drawn (see ``charts_for``): drawing is the
    costly part, and a chart whose inputs have not changed is drawn the same. ``counts``:
    each point's (numerator, denominator) for p and u charts; ``phase_baselines``: each later
    phase's frozen first points; ``choice``: the chart (else the measure's, see
    ``chartkinds.chart_choice``); ``draw`` False: the analysis without the SVG; ``cached``:
    read and keep this one chart's drawings in the cache (``charts_for`` batches its own)."""
    choice = choice or chartkinds.chart_choice(measure)
    given_baseline_points, given_baseline_median = baseline_points, baseline_median
    notes = notes if notes is not None else []
    first_len = (segments[0] if segments else len(points))
    if baseline_points is not None and points and baseline_points > first_len:
        notes.append(f"The baseline is set to its first {baseline_points} points, but there "
                     f"are {first_len} before the first change; all {first_len} are used.")
        baseline_points = first_len
    if not points:
        baseline_points = baseline_median = None
    analysis = analyse([v for _, v in points], baseline_points=baseline_points,
                       baseline_median=baseline_median, segments=list(segments),
                       astronomical=astronomical, direction_better=measure.better)
    kind = chartkinds.analyse(
        measure=measure, choice=choice, values=[v for _, v in points], counts=list(counts)
        or [None] * len(points), segments=list(segments), baseline_points=baseline_points,
        phase_baselines=phase_baselines)
    notes.extend(kind.notes)
    width, height = SIZES[size]
    title = f"{measure.name}: {team_name}" if show_title else measure.name
    labels = list(phase_labels)
    chart = Chart(measure=measure, team_name=team_name, team_id=team_id, points=points,
                  analysis=analysis, svg=mark_safe(""), svg_narrow=mark_safe(""), goal=goal,
                  phase_labels=labels, annotations=list(annotations), notes=notes, kind=kind,
                  counts=list(counts))
    if not draw:
        return chart
    # The key of what is drawn, from the inputs as given (hashing them costs: not for analysis).
    key = chart_cache_key("svg", measure=measure, team_name=team_name, points=points,
                          counts=list(counts), phase_baselines=list(phase_baselines),
                          choice=choice,
                          astronomical=astronomical, baseline_points=given_baseline_points,
                          baseline_median=given_baseline_median, segments=segments,
                          phase_labels=phase_labels, goal=goal, annotations=annotations,
                          size=size, chart_id=chart_id, show_title=show_title)

    def render(w, h, cid):
        if chart.uses_ihi:
            return render_svg(title=title, points=points, analysis=analysis, goal=goal,
                              annotations=list(annotations), unit=measure.chart_unit, width=w,
                              height=h, chart_id=cid, phase_labels=labels,
                              show_title=show_title)
        return chartkinds.draw(kind, title=title, dates=[d for d, _ in points],
                               values=[v for _, v in points], unit=measure.chart_unit,
                               goal=goal, annotations=list(annotations), phase_starts=segments,
                               phase_labels=labels, width=w, height=h, chart_id=cid,
                               show_title=show_title, items=chart.signal_items)
    if cached:  # a chart drawn alone (the network chart): both sizes in one round trip
        drawn = cache.get_many([key, f"{key}-narrow"])
    if drawn is not None and key in drawn:
        svg = drawn[key]
    else:
        svg = render(width, height, chart_id)
        if drawn is not None:
            drawn[key] = svg
            drawn.setdefault(NEW_KEYS, []).append(key)
    if size == "print":
        svg = print_safe(svg)
    narrow = ""
    if size == "full" and points:  # phones get a chart drawn for their width
        small_w, small_h = SIZES["small"]
        narrow = (drawn or {}).get(f"{key}-narrow") if cached else None
        if narrow is None:
            narrow = render(small_w, small_h + 30, f"{chart_id}-narrow" if chart_id else None)
            if cached:
                drawn[f"{key}-narrow"] = narrow
                drawn.setdefault(NEW_KEYS, []).append(f"{key}-narrow")
    if cached and drawn.get(NEW_KEYS):
        cache.set_many({k: drawn[k] for k in drawn.pop(NEW_KEYS)}, RENDER_CACHE_SECONDS)
    chart.svg = mark_safe(svg)  # noqa: S308 - every text is escaped
    chart.svg_narrow = mark_safe(narrow)  # noqa: S308 - every text is escaped
    return chart


NEW_KEYS = "__new__"


RENDER_CACHE_SECONDS = 60 * 60 * 24


# Bump when the drawing or a card's template changes, so that what the old code drew is not
# served after a deploy.
CHART_CACHE_VERSION = 4


def chart_cache_key(kind: str, *, measure: Measure, **inputs) -> str:
    """The one cache key of anything drawn from a measure: a chart's SVG (``kind="svg"``), a
    team's card (``kind="card"``), the network chart's section (``"network"``) and the
    cross-team page's cards and network chart together (``"cross-team"``). It changes whenever
    anything drawn changes: the measure's drawn fields, the time zone the dates are read in,
    and every input passed."""
    drawn_from = {**inputs, "measure": (measure.pk, measure.name, measure.unit,
                                        measure.rate_basis, measure.better, measure.chart_unit,
                                        measure.goal, measure.counted, measure.rate_scale),
                  "timezone": timezone.get_current_timezone_name()}
    digest = hashlib.sha256(repr(sorted((k, repr(v)) for k, v in drawn_from.items()))
                            .encode()).hexdigest()
    return f"runchart-{kind}:v{CHART_CACHE_VERSION}:{digest}"


def counts_of(numerator: Decimal | None, denominator: Decimal | None):
    return None if numerator is None or denominator is None else (numerator, denominator)


def cycle_day(cycle: PDSACycle) -> date:
    """Where a cycle sits on a chart: the day its test started (planned: the day it was
    logged)."""
    return timezone.localdate(cycle.in_progress_at or cycle.created_at)


def cycle_note(cycle: PDSACycle) -> str:
    return f"{cycle.title} ({cycle.decision})" if cycle.decision else cycle.title


def chart_spec(*, measure: Measure, team: Team, points: list[tuple[date, Decimal]],
               astronomical: list[int], settings, phases: Iterable, annotations: list,
               size: str, show_title: bool, prefix: str, counts=()) -> dict:
    """The arguments of ``build`` for one team's chart of one measure. ``settings`` is the
    team's ``TeamMeasure`` (or anything with its baseline and goal fields), or None."""
    notes: list[str] = []
    segments, labels, frozen = phase_segments([d for d, _ in points], phases, notes)
    goal = getattr(settings, "goal", None)
    return dict(counts=counts, phase_baselines=frozen,
        measure=measure, team_name=team.name, team_id=team.pk, points=points,
        astronomical=astronomical, baseline_points=getattr(settings, "baseline_points", None),
        baseline_median=getattr(settings, "baseline_median", None), segments=segments,
        phase_labels=labels, goal=goal if goal is not None else measure.goal,
        annotations=annotations, size=size, show_title=show_title,
        chart_id=f"{prefix}-{team.pk}-{measure.pk}", notes=notes)


def charts_for(*, teams: Sequence[Team], measures: Sequence[Measure], cycles: QuerySet,
               size: str = "full", show_title: bool = False,
               prefix: str = "chart") -> dict[tuple[int, int], Chart]:
    """A chart for each team and measure, in four queries whatever their number. ``cycles`` is
    what the viewer may see of the collaborative's cycles (``cycles_visible_to``): only
    those are marked on the charts."""
    team_ids = [t.pk for t in teams]
    measure_ids = [m.pk for m in measures]
    values = defaultdict(list)
    rows = (MeasureValue.objects.filter(team_id__in=team_ids, measure_id__in=measure_ids)
            .select_related("astronomical__marked_by").order_by("team_id", "measure_id", "period"))
    if size == "full":  # a team's own chart page lists who entered each note; a grid does not
        rows = rows.select_related("entered_by")
    for value in rows:
        values[value.team_id, value.measure_id].append(value)
    settings = {(s.team_id, s.measure_id): s for s in TeamMeasure.objects.filter(
        team_id__in=team_ids, measure_id__in=measure_ids)}
    phases = defaultdict(list)
    for phase in MeasurePhase.objects.filter(team_id__in=team_ids, measure_id__in=measure_ids):
        phases[phase.team_id, phase.measure_id].append(phase)
    marks = defaultdict(list)
    links = (PDSACycle.measures.through.objects
             .filter(measure_id__in=measure_ids,
                     pdsacycle__in=cycles.filter(team_id__in=team_ids).values("pk"))
             .select_related("pdsacycle").order_by("pdsacycle__created_at"))
    for link in links:
        cycle = link.pdsacycle
        marks[cycle.team_id, link.measure_id].append((cycle_day(cycle), cycle_note(cycle)))
    specs = []
    for team in teams:
        for measure in measures:
            key = (team.pk, measure.pk)
            rows = values.get(key, [])
            own = settings.get(key)
            specs.append((key, rows, own, chart_spec(
                measure=measure, team=team, points=[(v.period, v.value) for v in rows],
                counts=[counts_of(v.numerator, v.denominator) for v in rows],
                astronomical=[i for i, v in enumerate(rows) if is_astronomical(v)],
                settings=own, phases=phases.get(key, []), annotations=marks.get(key, []),
                size=size, show_title=show_title, prefix=prefix)))
    # Drawings of charts whose data have not changed come from the cache, in one round trip.
    drawn = cache.get_many([chart_cache_key(
        "svg", **{k: v for k, v in spec.items() if k not in ("team_id", "notes")},
        choice=chartkinds.chart_choice(spec["measure"])) for _, _, _, spec in specs])
    charts = {}
    for key, rows, own, spec in specs:
        chart = build(**spec, drawn=drawn)
        chart.values, chart.settings = rows, own
        chart.reasons = {i: v.astronomical.reason for i, v in enumerate(rows)
                         if is_astronomical(v)}
        chart.phases = sorted(phases.get(key, []), key=lambda p: p.starts_on)
        charts[key] = chart
    new = {k: drawn[k] for k in drawn.pop(NEW_KEYS, [])}
    if new:
        cache.set_many(new, RENDER_CACHE_SECONDS)
    return charts


def snapshot(chart: Chart) -> dict:
    """The data behind a chart, as JSON, to draw it again later exactly as it was."""
    segments = [s.start_index for s in chart.analysis.segments[1:]]
    first = chart.analysis.segments[0] if chart.analysis.segments else None
    return {
        "team": chart.team_name,
        "measure": {"name": chart.measure.name, "unit": chart.measure.unit,
                    "rate_basis": chart.measure.rate_basis, "better": chart.measure.better,
                    "sampling": chart.measure.sampling, "kind": chart.measure.kind,
                    "counted": chart.measure.counted, "rate_scale": chart.measure.rate_scale,
                    # the chart as chosen that day, so the published version keeps it
                    "chart": chart.kind.choice.kind if chart.kind else "",
                    "run_rules": chart.kind.choice.rules if chart.kind else ""},
        "counts": [None if c is None else [str(c[0]), str(c[1])] for c in chart.counts],
        "phase_baselines": [getattr(p, "baseline_points", None) for p in chart.phases],
        "points": [[d.isoformat(), str(v)] for d, v in chart.points],
        "astronomical": list(chart.analysis.astronomical),
        "baseline_points": (first.baseline_end_index + 1
                            if first and first.baseline_end_index is not None else None),
        "baseline_median": (str(first.median)
                            if first and first.median_basis.value == "explicit" else None),
        "segments": segments,
        "phase_labels": chart.phase_labels[: len(segments) + 1],
        "goal": None if chart.goal is None else str(chart.goal),
        "annotations": [[d.isoformat(), text] for d, text in chart.annotations],
    }


def chart_from_snapshot(data: dict, *, size: str = "print",
                        chart_id: str | None = None) -> Chart:
    """Draw a frozen chart, the measure's name and unit included, as it was."""
    def number(text):
        return None if text is None else Decimal(text)

    measure = Measure(**data["measure"])
    return build(
        measure=measure, team_name=data["team"], team_id=None,
        choice=chartkinds.snapshot_choice(measure),
        counts=[None if c is None else (Decimal(c[0]), Decimal(c[1]))
                for c in data.get("counts", [])],
        phase_baselines=data.get("phase_baselines", []),
        points=[(date.fromisoformat(d), Decimal(v)) for d, v in data["points"]],
        astronomical=data["astronomical"], baseline_points=data["baseline_points"],
        baseline_median=number(data["baseline_median"]), segments=data["segments"],
        phase_labels=data["phase_labels"], goal=number(data["goal"]),
        annotations=[(date.fromisoformat(d), text) for d, text in data["annotations"]],
        size=size, chart_id=chart_id, show_title=False)
