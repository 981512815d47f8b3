"""Which chart a measure is drawn as, and the charts other than the IHI run chart: XmR, p, u,
Laney's p' and u' (``spc.control``) and run charts read with Anhøj's rules (``spc.anhoej``).

``chart_choice(measure)`` resolves the measure's own choice or the collaborative's default, and
says in words why (a p or u chart needs numerators and denominators: a measure without them is
drawn as an XmR chart and the page says so). ``analyse`` runs the maths for one team's points;
with fewer points than a control chart needs it returns the run chart's fallback, with the reason
in plain words. ``signal_items`` names each signal, the rule it broke and the dates it covers.
The drawing is ``spc.controlsvg``; this module only turns rows into its inputs.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from collaboratives.measures.models import ATTRIBUTE_CHARTS, Measure
from collaboratives.programme.models import ChartChoice, RunRules
from spc import anhoej as spc_anhoej
from spc import control as spc_control
from spc import shewhart
from spc.controlsvg import Marker, MovingRange, render_chart_svg

SPC_KIND = {ChartChoice.XMR: spc_control.ChartKind.XMR,
            ChartChoice.P: spc_control.ChartKind.P,
            ChartChoice.U: spc_control.ChartKind.U,
            ChartChoice.P_PRIME: spc_control.ChartKind.P_PRIME,
            ChartChoice.U_PRIME: spc_control.ChartKind.U_PRIME}

RULES_IHI = ("Read with the IHI run-chart rules (Perla, Provost & Murray 2011): a shift is 6 or "
             "more points in a row on one side of the median, a trend 5 or more in a row going "
             "up or down; too few or too many runs for the number of points; an astronomical "
             "point is one the coach marked.")
RULES_ANHOEJ = ("Read with Anhøj's run-chart rules (Anhøj & Olesen 2014): an unusually long run "
                "(more points in a row on one side of the median than round(log2(n) + 3), n "
                "being the points not on the median) or unusually few crossings of the median "
                "(fewer than the lower 5% binomial limit for n - 1 chances).")
RULES_SHEWHART = ("Read with the Shewhart rules of The Health Care Data Guide (Provost & Murray "
                  "2011): a point outside the limits; 8 or more in a row on one side of the "
                  "centre line; 6 in a row going up or down; 2 of 3 in a row in the outer third "
                  "(beyond 2 sigma) on one side; 15 in a row in the inner third (within 1 "
                  "sigma).")
HOW_LIMITS = {
    ChartChoice.XMR: "Centre line: the mean. Limits: the mean ± 2.66 x the average moving range; "
                     "the moving-range chart is beneath (upper limit 3.267 x its average).",
    ChartChoice.P: "Centre line: all numerators over all denominators. Limits: 3 sigma of a "
                   "proportion, wider for a small denominator, so they step from period to "
                   "period.",
    ChartChoice.U: "Centre line: all counts over all exposure. Limits: 3 sigma of a rate, wider "
                   "for a small exposure, so they step from period to period.",
    ChartChoice.P_PRIME: "Laney p': the p chart's limits widened (or narrowed) by sigma z, the "
                         "variation between periods the p chart does not expect (Laney 2002).",
    ChartChoice.U_PRIME: "Laney u': the u chart's limits widened (or narrowed) by sigma z, the "
                         "variation between periods the u chart does not expect (Laney 2002).",
}


@dataclass(frozen=True)
class Choice:
    kind: str  # a ChartChoice value
    rules: str  # a RunRules value (run charts)
    why: str  # where the choice comes from, in words

    @property
    def label(self) -> str:
        return ChartChoice(self.kind).label.split(" (")[0]


def chart_choice(measure: Measure) -> Choice:
    """The measure's own chart, else its collaborative's default; a p or u chart for a measure
    without numerators and denominators is drawn as an XmR chart (and says so)."""
    own = bool(measure.chart)
    kind = measure.chart or measure.collaborative.default_chart or ChartChoice.RUN
    rules = measure.run_rules or measure.collaborative.default_run_rules or RunRules.IHI
    why = "Chosen for this measure." if own else "The collaborative's default chart."
    if kind in ATTRIBUTE_CHARTS and not measure.counted:
        why = (f"The collaborative's default is the {ChartChoice(kind).label.split(' (')[0]}, "
               "which needs numerators and denominators; this measure has single values, so it "
               "is drawn as an XmR chart.")
        kind = ChartChoice.XMR
    if kind in (ChartChoice.P, ChartChoice.P_PRIME) and measure.unit != Measure.Unit.PERCENT:
        kind = ChartChoice.U if kind == ChartChoice.P else ChartChoice.U_PRIME
    return Choice(kind=kind, rules=rules, why=why)


def snapshot_choice(measure: Measure) -> Choice:
    """The choice of a measure rebuilt from a frozen snapshot (no collaborative to ask)."""
    return Choice(kind=measure.chart or ChartChoice.RUN, rules=measure.run_rules or RunRules.IHI,
                  why="")


@dataclass
class Result:
    """What ``analyse`` found: ``drawn`` is the chart actually drawn ("run" when a control
    chart lacks points), ``control`` or ``anhoej`` the maths, ``notes`` plain sentences."""

    choice: Choice
    drawn: str
    rules_text: str
    control: spc_control.ControlChart | None = None
    anhoej: spc_anhoej.AnhojAnalysis | None = None
    notes: list[str] = field(default_factory=list)
    scale: float = 1.0

    @property
    def kind_label(self) -> str:
        return ChartChoice(self.drawn).label.split(" (")[0]


def _baselines(n: int, starts: Sequence[int], first_points: int | None,
               later: Sequence[int | None]) -> list[tuple[int, int]]:
    """Frozen ranges per phase: the first N points of each phase that has N set."""
    bounds = [0, *starts, n]
    ranges = []
    for k, points in enumerate([first_points, *later]):
        if points and k + 1 < len(bounds):
            start, end = bounds[k], bounds[k + 1] - 1
            ranges.append((start, min(end, start + points - 1)))
    return ranges


def scale_of(measure: Measure, kind: str) -> float:
    """What a p or u value is multiplied by to be read in the measure's unit."""
    if kind not in ATTRIBUTE_CHARTS:
        return 1.0
    return 100.0 if measure.unit == Measure.Unit.PERCENT else float(measure.rate_scale)


def analyse(*, measure: Measure, choice: Choice, values: Sequence[Decimal],
            counts: Sequence[tuple[Decimal, Decimal] | None], segments: Sequence[int],
            baseline_points: int | None, phase_baselines: Sequence[int | None]) -> Result:
    n = len(values)
    frozen = _baselines(n, segments, baseline_points, phase_baselines)
    if choice.kind == ChartChoice.RUN:
        if choice.rules != RunRules.ANHOEJ:
            return Result(choice, ChartChoice.RUN, RULES_IHI)
        return Result(choice, ChartChoice.RUN, RULES_ANHOEJ,
                      anhoej=spc_anhoej.analyse(list(values), phase_starts=list(segments),
                                            baselines=frozen))
    kind = SPC_KIND[ChartChoice(choice.kind)]
    if choice.kind in ATTRIBUTE_CHARTS:
        nums = [None if c is None else c[0] for c in counts]
        dens = [None if c is None else c[1] for c in counts]
        chart = spc_control.control_chart(kind, numerators=nums, denominators=dens,
                                      phase_starts=list(segments), baselines=frozen)
    else:
        chart = spc_control.control_chart(kind, values=list(values), phase_starts=list(segments),
                                      baselines=frozen)
    notes = []
    if not chart.enough_points:
        notes.append(chart.message)
        return Result(choice, ChartChoice.RUN, RULES_IHI, notes=notes)
    if choice.kind in ATTRIBUTE_CHARTS:
        plain = "p" if choice.kind in (ChartChoice.P, ChartChoice.P_PRIME) else "u"
        advice = spc_control.laney_recommendation(nums, dens, kind=plain,
                                              phase_starts=list(segments), baselines=frozen)
        if advice.prime_recommended and choice.kind in (ChartChoice.P, ChartChoice.U):
            notes.append(f"The portal recommends Laney's chart here. {advice.reason}")
        elif not advice.prime_recommended and choice.kind in (ChartChoice.P_PRIME,
                                                               ChartChoice.U_PRIME):
            notes.append(f"Laney's chart is drawn as chosen. {advice.reason}")
        else:
            notes.append(advice.reason)
    notes += [e.reason for e in chart.excluded]
    notes += list(chart.notes)
    return Result(choice, choice.kind,
                  f"{HOW_LIMITS[ChartChoice(choice.kind)]} {RULES_SHEWHART}", control=chart,
                  notes=notes, scale=scale_of(measure, choice.kind))


def _day(d: date) -> str:
    return f"{d:%-d %b %Y}"


def _span(dates: Sequence[date], indices: Sequence[int]) -> str:
    first, last = dates[indices[0]], dates[indices[-1]]
    return _day(first) if first == last else f"{_day(first)} to {_day(last)}"


def _assessment(measure: Measure, up: bool | None) -> str:
    if up is None:
        return "neutral"
    better_up = measure.better == Measure.Better.UP
    return "improvement" if up == better_up else "deterioration"


def signal_items(result: Result, measure: Measure, dates: Sequence[date]) -> list[dict]:
    """Each signal in words: {label, kind (improvement, deterioration, neutral), text}."""
    items = []
    if result.control is not None:
        chart = result.control
        for s in chart.signals:
            up = None if s.direction is None else s.direction == shewhart.Direction.UP
            side = "above" if up else "below"
            length = len(s.indices)
            text = {
                shewhart.Rule.OUTSIDE_LIMITS: f"a point {side} the {'upper' if up else 'lower'} "
                                              "control limit",
                shewhart.Rule.SHIFT: f"{length} points in a row {side} the centre line (8 or "
                                     "more signal)",
                shewhart.Rule.TREND: f"{length} points in a row going {'up' if up else 'down'} "
                                     "(6 or more signal)",
                shewhart.Rule.TWO_OF_THREE: f"2 of 3 points in a row in the outer third, {side} "
                                            "the centre line",
                shewhart.Rule.INNER_THIRD: f"{length} points in a row within one sigma of the "
                                           "centre line (15 or more signal: less variation than "
                                           "the limits expect)",
            }[s.rule]
            kind = "neutral" if s.rule is shewhart.Rule.INNER_THIRD else _assessment(measure, up)
            label = s.rule.label + {"improvement": " (improvement)",
                                    "deterioration": " (deterioration)"}.get(kind, "")
            items.append({"label": label, "kind": kind,
                          "text": f"{text}, {_span(dates, s.indices)}."})
        for s in chart.moving_range.signals if chart.moving_range else ():
            items.append({"label": "Moving range above its limit", "kind": "neutral",
                          "text": f"the jump to {_day(dates[s.indices[0]])} is larger than the "
                                  "moving-range chart's upper limit."})
    elif result.anhoej is not None:
        for s in result.anhoej.signals:
            phase = result.anhoej.phases[s.phase]
            if s.rule is spc_anhoej.Rule.LONGEST_RUN:
                up = s.direction == spc_anhoej.Direction.UP
                text = (f"{len(s.indices)} points in a row {'above' if up else 'below'} the "
                        f"median, more than the {phase.longest_run_limit} expected by chance for "
                        f"{phase.useful_observations} points off the median, "
                        f"{_span(dates, s.indices)}.")
                kind = _assessment(measure, up)
            else:
                text = (f"the data cross the median {phase.crossings} times, fewer than the "
                        f"{phase.crossings_limit} expected for {phase.useful_observations} points "
                        f"off the median ({_span(dates, s.indices)}): the process has likely "
                        "shifted.")
                kind = "neutral"
            label = s.rule.label + {"improvement": " (improvement)",
                                    "deterioration": " (deterioration)"}.get(kind, "")
            items.append({"label": label, "kind": kind, "text": text})
    return items


def _markers(result: Result) -> list[Marker]:
    out = []
    if result.control is not None:
        key = {shewhart.Rule.OUTSIDE_LIMITS: "outside", shewhart.Rule.SHIFT: "shift",
               shewhart.Rule.TREND: "trend", shewhart.Rule.TWO_OF_THREE: "two_of_three",
               shewhart.Rule.INNER_THIRD: "inner_third"}
        for s in result.control.signals:
            out.append(Marker(key[s.rule], s.indices, s.direction == shewhart.Direction.UP))
    elif result.anhoej is not None:
        out += [Marker("long_run", s.indices) for s in result.anhoej.signals
                if s.rule is spc_anhoej.Rule.LONGEST_RUN]
    return out


def signal_points(result: Result) -> list[int]:
    return sorted({i for m in _markers(result) for i in m.indices})


def series(result: Result, values: Sequence[Decimal]):
    """(values, centre, lower, upper) as the reader sees them (e.g. percentages)."""
    k = result.scale
    if result.control is not None:
        pts = result.control.points

        def sc(v):
            return None if v is None else v * k
        return ([sc(p.value) for p in pts], [sc(p.centre) for p in pts],
                [sc(p.lower) for p in pts], [sc(p.upper) for p in pts])
    centre = []
    for phase in result.anhoej.phases:
        centre += [None if phase.median is None else float(phase.median)] * (
            phase.end - phase.start + 1)
    return [float(v) for v in values], centre, None, None


def describe(result: Result, *, title: str, dates: Sequence[date], unit: str,
             items: list[dict]) -> str:
    """The chart's text alternative: what it is, how it is read, what it found."""
    signals = ("; ".join(f"{i['label']}: {i['text']}" for i in items) if items
               else "No signal of special-cause variation.")
    return (f"{result.kind_label} of {title}: {len(dates)} points from {_day(dates[0])} to "
            f"{_day(dates[-1])}. {result.rules_text} {signals}") if dates else (
        f"{result.kind_label} of {title}: no data yet.")


def draw(result: Result, *, title: str, dates: Sequence[date], values: Sequence[Decimal],
         unit: str, goal: Decimal | None, annotations, phase_starts: Sequence[int],
         phase_labels: Sequence[str], width: int, height: int, chart_id: str | None,
         show_title: bool, items: list[dict]) -> str:
    vals, centre, lower, upper = series(result, values)
    mr = None
    if result.control is not None and result.control.moving_range is not None:
        m = result.control.moving_range
        mr = MovingRange([p.value for p in m.points], [p.centre for p in m.points],
                         [p.upper for p in m.points], tuple(i for s in m.signals
                                                             for i in s.indices))
    return render_chart_svg(
        title=title, dates=dates, values=vals, centre=centre, lower=lower, upper=upper,
        centre_label="Median" if result.control is None else "Mean" if result.drawn ==
        ChartChoice.XMR else "Centre", phase_starts=phase_starts, phase_labels=phase_labels,
        markers=_markers(result), annotations=annotations, unit=unit,
        goal=None if goal is None else float(goal),
        description=describe(result, title=title, dates=dates, unit=unit, items=items),
        moving_range=mr, width=width, height=height, chart_id=chart_id, show_title=show_title)
