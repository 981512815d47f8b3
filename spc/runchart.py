"""Run-chart rule engine: median(s), shift, trend, runs and astronomical points.

Implements the four probability-based run-chart rules of

    Perla RJ, Provost LP, Murray SK. "The run chart: a simple analytical tool for learning from
    variation in healthcare processes." BMJ Quality & Safety 2011;20:46-51.
    doi:10.1136/bmjqs.2009.037895

Rules, as applied here (each one per *segment*, i.e. per phase of the chart, against that
segment's own median):

1. **Shift**: six or more consecutive points all above, or all below, the median. Points that fall
   exactly on the median are skipped: they neither add to nor break a shift.
2. **Trend**: five or more consecutive points all going up, or all going down. When consecutive
   values are equal only one of them is counted: equal neighbours neither add to nor break a trend.
3. **Too few or too many runs**: a run is one or more consecutive points on the same side of the
   median (points on the median are ignored); "useful observations" are the points not on the
   median. The number of runs is compared with Table 1 of the paper (see ``RUNS_LIMITS``); fewer
   runs than the lower limit, or more than the upper limit, signal non-random variation. With
   fewer than 10 useful observations the rule is not applied.
4. **Astronomical point**: an obviously, even grossly, different value. It is a judgement, not a
   computation: a coach marks the point and the engine reports it.

Segments (phases): ``segments`` lists the indices where a new phase starts (e.g. the first point
after a change was made). Each segment's median is computed from that segment's own points, except
the first segment when the baseline is frozen: ``baseline_points=N`` takes the median of the first
N points and extends it across the rest of the first segment, and ``baseline_median=m`` gives the
frozen median explicitly (e.g. carried over from an earlier period).

The module is pure Python (no Django), deterministic and fast: analysing 260 points takes a
fraction of a millisecond.

Indices (``Signal.start_index``, ``Signal.points``...) are 0-based positions in ``values``; the
human-readable ``description`` numbers points from 1, as a reader of the chart would.

Why one module of this size: the four rules, the runs table and its exact derivation belong
together (the table is only read by the runs rule, and the rules share one segment walk).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum, StrEnum
from functools import lru_cache
from typing import Literal

__all__ = [
    "MIN_USEFUL_OBSERVATIONS",
    "RUNS_LIMITS",
    "SHIFT_LENGTH",
    "TREND_LENGTH",
    "Assessment",
    "Direction",
    "MedianBasis",
    "Rule",
    "RunChartAnalysis",
    "RunsOutcome",
    "RunsResult",
    "SegmentAnalysis",
    "Side",
    "Signal",
    "analyse",
    "count_runs",
    "find_shifts",
    "find_trends",
    "runs_limits",
    "swed_eisenhart_limits",
]

Number = float | Decimal
DirectionBetter = Literal["up", "down"] | None

SHIFT_LENGTH = 6
"""A shift is this many or more consecutive points on one side of the median."""
TREND_LENGTH = 5
"""A trend is this many or more consecutive points all going up or all going down."""
MIN_USEFUL_OBSERVATIONS = 10
"""Below this many useful observations the runs rule is not applied (the table starts at 10)."""

# Table 1 of Perla, Provost and Murray (2011), "Table for checking for too many or too few runs
# on a run chart", derived from Swed and Eisenhart (Ann Math Stat 1943;14:66-87):
#     useful observations: (lower limit, upper limit)
# Fewer runs than the lower limit, or more than the upper limit, is a signal of non-random
# variation. Rows 10-30 are the published values (as reproduced in IHI's run-chart tool). Where
# they differ from the exact 5% limits of the Swed-Eisenhart distribution (``PUBLISHED_ROWS``
# lists those rows: 11, 12, 17, 20, 22, 27) the published value is kept, because teams compare
# their charts with the published table; it is the more conservative (wider) one in each case.
# Rows 31-60 are the exact 5% limits: the lower limit is the largest L with P(runs < L) <= 2.5%
# and the upper the smallest U with P(runs > U) <= 2.5%, for n1 = n2 = n/2 (n1 = (n-1)/2 for odd
# n). ``swed_eisenhart_limits`` re-derives those and the unit tests check every row.
PUBLISHED_ROWS: dict[int, tuple[int, int]] = {
    11: (3, 10), 12: (3, 11), 17: (5, 13), 20: (6, 16), 22: (7, 17), 27: (9, 20),
}
RUNS_LIMITS: dict[int, tuple[int, int]] = {
    10: (3, 9),
    11: (3, 10),
    12: (3, 11),
    13: (4, 11),
    14: (4, 12),
    15: (5, 12),
    16: (5, 13),
    17: (5, 13),
    18: (6, 14),
    19: (6, 15),
    20: (6, 16),
    21: (7, 16),
    22: (7, 17),
    23: (8, 17),
    24: (8, 18),
    25: (9, 18),
    26: (9, 19),
    27: (9, 20),
    28: (10, 20),
    29: (10, 21),
    30: (11, 21),
    31: (11, 22),
    32: (12, 22),
    33: (12, 23),
    34: (12, 24),
    35: (13, 24),
    36: (13, 25),
    37: (14, 25),
    38: (14, 26),
    39: (14, 26),
    40: (15, 27),
    41: (15, 28),
    42: (16, 28),
    43: (16, 29),
    44: (17, 29),
    45: (17, 30),
    46: (17, 31),
    47: (18, 31),
    48: (18, 32),
    49: (19, 32),
    50: (19, 33),
    51: (20, 33),
    52: (20, 34),
    53: (20, 35),
    54: (21, 35),
    55: (21, 36),
    56: (22, 36),
    57: (22, 37),
    58: (23, 37),
    59: (23, 38),
    60: (24, 38),
}


class Rule(StrEnum):
    SHIFT = "shift"
    TREND = "trend"
    TOO_FEW_RUNS = "too_few_runs"
    TOO_MANY_RUNS = "too_many_runs"
    ASTRONOMICAL = "astronomical"

    @property
    def label(self) -> str:
        return _RULE_LABELS[self]


_RULE_LABELS = {
    Rule.SHIFT: "Shift",
    Rule.TREND: "Trend",
    Rule.TOO_FEW_RUNS: "Too few runs",
    Rule.TOO_MANY_RUNS: "Too many runs",
    Rule.ASTRONOMICAL: "Astronomical point",
}


class Side(IntEnum):
    """Where a point lies relative to its segment's median."""

    BELOW = -1
    ON = 0
    ABOVE = 1

    @property
    def label(self) -> str:
        return {Side.BELOW: "below median", Side.ON: "on median", Side.ABOVE: "above median"}[self]


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


class Assessment(StrEnum):
    IMPROVEMENT = "improvement"
    DETERIORATION = "deterioration"


class MedianBasis(StrEnum):
    SEGMENT = "segment"  # median of all the segment's points
    BASELINE_POINTS = "baseline_points"  # median of the first N points, frozen and extended
    EXPLICIT = "explicit"  # frozen median given by the caller


class RunsOutcome(StrEnum):
    WITHIN_LIMITS = "within_limits"
    TOO_FEW = "too_few"
    TOO_MANY = "too_many"
    NOT_APPLIED = "not_applied"


@dataclass(frozen=True, slots=True)
class Signal:
    """A non-random pattern found by one rule in one segment.

    ``start_index``/``end_index`` are inclusive 0-based indices of the span the signal covers;
    ``points`` are the indices that make it up (for a shift, the points on the median inside the
    span are not part of it; for the runs rules the span is the whole segment and ``points`` is
    empty because no single point is special).
    """

    rule: Rule
    start_index: int
    end_index: int
    description: str
    segment: int
    points: tuple[int, ...] = ()
    direction: Direction | None = None
    assessment: Assessment | None = None

    @property
    def length(self) -> int:
        """How many points count towards the signal (for runs rules: 0)."""
        return len(self.points)


@dataclass(frozen=True, slots=True)
class RunsResult:
    """The too-few/too-many-runs rule for one segment."""

    runs: int
    useful_observations: int
    lower_limit: int | None
    upper_limit: int | None
    outcome: RunsOutcome
    limits_source: Literal["perla_table_1", "swed_eisenhart_exact"] | None
    note: str

    @property
    def applied(self) -> bool:
        return self.outcome is not RunsOutcome.NOT_APPLIED


@dataclass(frozen=True, slots=True)
class SegmentAnalysis:
    """One phase of the chart: its points (``start_index``..``end_index`` inclusive), its median
    and the runs rule's result. ``baseline_end_index`` is the last point of a frozen baseline
    (``baseline_points``), else None."""

    index: int
    start_index: int
    end_index: int
    median: Number
    median_basis: MedianBasis
    runs: RunsResult
    baseline_end_index: int | None = None

    @property
    def size(self) -> int:
        return self.end_index - self.start_index + 1

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and self.start_index <= index <= self.end_index


@dataclass(frozen=True, slots=True)
class RunChartAnalysis:
    values: tuple[Number, ...]
    segments: tuple[SegmentAnalysis, ...]
    sides: tuple[Side, ...]
    signals: tuple[Signal, ...]
    astronomical: tuple[int, ...]
    direction_better: DirectionBetter = None
    _segment_of: tuple[int, ...] = field(default=(), repr=False, compare=False)

    # -- per-point look-ups ------------------------------------------------------------------
    def segment_of(self, index: int) -> SegmentAnalysis:
        return self.segments[self._segment_of[index]]

    def median_at(self, index: int) -> Number:
        return self.segment_of(index).median

    def side_of(self, index: int) -> Side:
        return self.sides[index]

    def signals_at(self, index: int) -> tuple[Signal, ...]:
        """Signals a point is part of (shift, trend, astronomical; runs signals have no points)."""
        return tuple(s for s in self.signals if index in s.points)

    def signal_points(self, rule: Rule) -> frozenset[int]:
        return frozenset(i for s in self.signals if s.rule is rule for i in s.points)

    # -- summaries -----------------------------------------------------------------------------
    @property
    def medians(self) -> tuple[Number, ...]:
        return tuple(s.median for s in self.segments)

    @property
    def baseline(self) -> SegmentAnalysis | None:
        return self.segments[0] if self.segments else None

    @property
    def has_signal(self) -> bool:
        return bool(self.signals)

    def signals_by_rule(self, rule: Rule) -> tuple[Signal, ...]:
        return tuple(s for s in self.signals if s.rule is rule)


# --------------------------------------------------------------------------------------------
# Runs table
# --------------------------------------------------------------------------------------------


def _runs_distribution(n1: int, n2: int) -> dict[int, int]:
    """Number of arrangements of n1 + n2 points giving each possible number of runs.

    Swed & Eisenhart (1943): for r = 2k, 2*C(n1-1, k-1)*C(n2-1, k-1); for r = 2k+1,
    C(n1-1, k)*C(n2-1, k-1) + C(n1-1, k-1)*C(n2-1, k). The counts add up to C(n1+n2, n1).
    """
    counts: dict[int, int] = {}
    for r in range(2, n1 + n2 + 1):
        k = r // 2
        if r % 2 == 0:
            c = 2 * math.comb(n1 - 1, k - 1) * math.comb(n2 - 1, k - 1)
        else:
            c = math.comb(n1 - 1, k) * math.comb(n2 - 1, k - 1) + math.comb(
                n1 - 1, k - 1
            ) * math.comb(n2 - 1, k)
        if c:
            counts[r] = c
    return counts


@lru_cache(maxsize=512)
def swed_eisenhart_limits(useful: int, alpha: float = 0.05) -> tuple[int, int]:
    """Exact (lower, upper) run-count limits for ``useful`` observations at two-sided ``alpha``.

    Splits the useful observations as evenly as possible (n1 = useful // 2) and returns the
    largest L with P(runs < L) <= alpha/2 and the smallest U with P(runs > U) <= alpha/2, in exact
    integer arithmetic. This is how Table 1 of Perla et al. (2011) was built from Swed and
    Eisenhart; it is also used beyond the table's last row (60).
    """
    if useful < 2:
        raise ValueError("need at least 2 useful observations")
    n1 = useful // 2
    n2 = useful - n1
    counts = _runs_distribution(n1, n2)
    total = math.comb(useful, n1)
    assert sum(counts.values()) == total
    # P <= alpha/2  <=>  count * 2 <= alpha * total; alpha is compared as an exact fraction.
    num, den = Decimal(str(alpha)).as_integer_ratio()

    def within_tail(count: int) -> bool:
        return count * 2 * den <= num * total

    lower, cumulative = 2, 0
    for r in sorted(counts):
        cumulative += counts[r]
        if not within_tail(cumulative):
            break
        lower = r + 1  # P(runs <= r) is small enough: "fewer than r + 1" signals
    upper, cumulative = useful, 0
    for r in sorted(counts, reverse=True):
        cumulative += counts[r]
        if not within_tail(cumulative):
            break
        upper = r - 1  # P(runs >= r) is small enough: "more than r - 1" signals
    return lower, upper


def runs_limits(
    useful: int,
) -> tuple[int, int, Literal["perla_table_1", "swed_eisenhart_exact"]] | None:
    """(lower, upper, source) for ``useful`` observations; None below 10 (rule not applied)."""
    if useful < MIN_USEFUL_OBSERVATIONS:
        return None
    if useful in RUNS_LIMITS:
        lower, upper = RUNS_LIMITS[useful]
        return lower, upper, "perla_table_1"
    lower, upper = swed_eisenhart_limits(useful)
    return lower, upper, "swed_eisenhart_exact"


# --------------------------------------------------------------------------------------------
# The rules, on plain sequences (usable on their own)
# --------------------------------------------------------------------------------------------


def _sides(values: Sequence[Number], median: Number) -> list[Side]:
    return [Side.ABOVE if v > median else Side.BELOW if v < median else Side.ON for v in values]


def count_runs(sides: Iterable[Side]) -> tuple[int, int]:
    """(runs, useful observations) of a sequence of sides; points on the median are ignored."""
    runs = useful = 0
    previous = Side.ON
    for side in sides:
        if side is Side.ON:
            continue
        useful += 1
        if side is not previous:
            runs += 1
            previous = side
    return runs, useful


def find_shifts(
    sides: Sequence[Side], *, min_length: int = SHIFT_LENGTH
) -> list[tuple[Side, list[int]]]:
    """Maximal runs of ``min_length`` or more points on one side, skipping points on the median.

    Returns (side, indices of the counted points) pairs; indices are positions in ``sides``.
    """
    found: list[tuple[Side, list[int]]] = []
    current: list[int] = []
    current_side = Side.ON
    for i, side in enumerate(sides):
        if side is Side.ON:
            continue  # neither adds to nor breaks the run
        if side is not current_side:
            if len(current) >= min_length:
                found.append((current_side, current))
            current, current_side = [], side
        current.append(i)
    if len(current) >= min_length:
        found.append((current_side, current))
    return found


def find_trends(
    values: Sequence[Number], *, min_length: int = TREND_LENGTH
) -> list[tuple[Direction, int, int, int]]:
    """Maximal monotone runs of ``min_length`` or more points, equal neighbours counted once.

    Returns (direction, start, end, counted points) tuples; ``start``/``end`` are the indices
    where the movement begins and ends (the last of a leading group of equal values and the
    first of a trailing one), so the span contains no flat edge.
    """
    # Collapse runs of equal values to one "distinct" point each: (first index, last index).
    groups: list[tuple[int, int]] = []
    for i, v in enumerate(values):
        if groups and values[groups[-1][0]] == v:
            groups[-1] = (groups[-1][0], i)
        else:
            groups.append((i, i))
    found: list[tuple[Direction, int, int, int]] = []
    g = 0
    while g < len(groups) - 1:
        rising = values[groups[g + 1][0]] > values[groups[g][0]]
        h = g + 1
        while h + 1 < len(groups) and (values[groups[h + 1][0]] > values[groups[h][0]]) == rising:
            h += 1
        if h - g + 1 >= min_length:
            direction = Direction.UP if rising else Direction.DOWN
            found.append((direction, groups[g][1], groups[h][0], h - g + 1))
        g = h  # the turning point may start the next trend
    return found


# --------------------------------------------------------------------------------------------
# analyse()
# --------------------------------------------------------------------------------------------


def _normalise(values: Sequence[object], *, extra: Sequence[object] = ()) -> list[Number]:
    """All Decimal (exact) if no value is a float, else all float; reject bools and non-finite."""
    items = [*values, *extra]
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int | float | Decimal):
            raise TypeError(f"run-chart values must be numbers, got {v!r}")
        if not (v.is_finite() if isinstance(v, Decimal) else math.isfinite(v)):
            raise ValueError(f"run-chart values must be finite, got {v!r}")
    if any(isinstance(v, float) for v in items):
        return [float(v) for v in items]  # type: ignore[arg-type]
    return [v if isinstance(v, Decimal) else Decimal(v) for v in items]  # type: ignore[arg-type]


def _fmt(value: Number) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return f"{value:g}" if abs(value) < 1e15 else repr(value)


def _span(start: int, end: int) -> str:
    return f"point {start + 1}" if start == end else f"points {start + 1}-{end + 1}"


def _assess(direction: Direction | None, better: DirectionBetter) -> Assessment | None:
    if direction is None or better is None:
        return None
    return Assessment.IMPROVEMENT if direction.value == better else Assessment.DETERIORATION


def _segment_bounds(n: int, segments: Sequence[int]) -> list[tuple[int, int]]:
    starts = [0, *segments]
    for a, b in itertools.pairwise(starts):
        if not isinstance(b, int) or isinstance(b, bool):
            raise TypeError("segment starts must be integers")
        if b <= a:
            raise ValueError("segment starts must be strictly increasing and greater than 0")
    if starts[-1] >= n and segments:
        raise ValueError(f"segment start {starts[-1]} is beyond the last point ({n - 1})")
    return [(s, e - 1) for s, e in zip(starts, [*starts[1:], n], strict=True)]


def _runs_result(sides: Sequence[Side]) -> RunsResult:
    runs, useful = count_runs(sides)
    limits = runs_limits(useful)
    if limits is None:
        return RunsResult(
            runs=runs,
            useful_observations=useful,
            lower_limit=None,
            upper_limit=None,
            outcome=RunsOutcome.NOT_APPLIED,
            limits_source=None,
            note=(
                f"Runs rule not applied: {useful} useful observation"
                f"{'' if useful == 1 else 's'} (points not on the median); "
                f"at least {MIN_USEFUL_OBSERVATIONS} are needed."
            ),
        )
    lower, upper, source = limits
    if runs < lower:
        outcome = RunsOutcome.TOO_FEW
    elif runs > upper:
        outcome = RunsOutcome.TOO_MANY
    else:
        outcome = RunsOutcome.WITHIN_LIMITS
    where = (
        "Perla et al. 2011, Table 1"
        if source == "perla_table_1"
        else "exact Swed-Eisenhart limits; the published table stops at 60"
    )
    verdict = {
        RunsOutcome.TOO_FEW: "too few runs",
        RunsOutcome.TOO_MANY: "too many runs",
        RunsOutcome.WITHIN_LIMITS: "within the limits",
    }[outcome]
    note = (
        f"{runs} runs in {useful} useful observations: {verdict} "
        f"(expected {lower} to {upper}; {where})."
    )
    return RunsResult(runs, useful, lower, upper, outcome, source, note)


def analyse(
    values: Sequence[float | Decimal | int],
    *,
    baseline_points: int | None = None,
    baseline_median: float | Decimal | int | None = None,
    segments: Sequence[int] = (),
    astronomical: Iterable[int] = frozenset(),
    direction_better: DirectionBetter = None,
) -> RunChartAnalysis:
    """Apply the four run-chart rules to ``values`` (in time order).

    ``baseline_points``: freeze the first segment's median at the median of its first N points
    and extend it over the rest of that segment. ``baseline_median``: freeze it at this value.
    ``segments``: 0-based indices where each later phase starts; each gets its own median.
    ``astronomical``: indices a coach marked as astronomical points (reported, not computed).
    ``direction_better``: "up" or "down" labels shift/trend/astronomical signals as improvement
    or deterioration.
    """
    if direction_better not in (None, "up", "down"):
        raise ValueError("direction_better must be 'up', 'down' or None")
    if baseline_points is not None and baseline_median is not None:
        raise ValueError("give baseline_points or baseline_median, not both")
    extra = [] if baseline_median is None else [baseline_median]
    numbers = _normalise(values, extra=extra)
    frozen = numbers.pop() if baseline_median is not None else None
    n = len(numbers)
    marked = sorted(set(astronomical))
    for i in marked:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < n:
            raise ValueError(f"astronomical point index {i!r} is not a point of the chart")
    if n == 0:
        if segments or baseline_points:
            raise ValueError("segments or a baseline need data points")
        return RunChartAnalysis((), (), (), (), (), direction_better)

    bounds = _segment_bounds(n, segments)
    first_len = bounds[0][1] + 1
    if baseline_points is not None and not 1 <= baseline_points <= first_len:
        raise ValueError(
            f"baseline_points must be between 1 and the first segment's length ({first_len})"
        )

    segment_results: list[SegmentAnalysis] = []
    sides: list[Side] = []
    signals: list[Signal] = []
    segment_of: list[int] = []
    for k, (start, end) in enumerate(bounds):
        chunk = numbers[start : end + 1]
        baseline_end = None
        if k == 0 and frozen is not None:
            median, basis = frozen, MedianBasis.EXPLICIT
        elif k == 0 and baseline_points is not None:
            median = statistics.median(chunk[:baseline_points])
            basis, baseline_end = MedianBasis.BASELINE_POINTS, baseline_points - 1
        else:
            median, basis = statistics.median(chunk), MedianBasis.SEGMENT
        seg_sides = _sides(chunk, median)
        runs = _runs_result(seg_sides)
        segment_results.append(SegmentAnalysis(k, start, end, median, basis, runs, baseline_end))
        sides.extend(seg_sides)
        segment_of.extend([k] * len(chunk))
        phase = f" in phase {k + 1}" if len(bounds) > 1 else ""
        median_text = f"the median of {_fmt(median)}{phase}"

        for side, idx in find_shifts(seg_sides):
            points = tuple(start + i for i in idx)
            direction = Direction.UP if side is Side.ABOVE else Direction.DOWN
            where = "above" if side is Side.ABOVE else "below"
            signals.append(
                Signal(
                    Rule.SHIFT,
                    points[0],
                    points[-1],
                    f"Shift: {len(points)} consecutive points {where} {median_text} "
                    f"({_span(points[0], points[-1])}).",
                    k,
                    points,
                    direction,
                    _assess(direction, direction_better),
                )
            )
        for direction, s, e, counted in find_trends(chunk):
            signals.append(
                Signal(
                    Rule.TREND,
                    start + s,
                    start + e,
                    f"Trend: {counted} consecutive points going "
                    f"{'up' if direction is Direction.UP else 'down'}{phase} "
                    f"({_span(start + s, start + e)}).",
                    k,
                    tuple(range(start + s, start + e + 1)),
                    direction,
                    _assess(direction, direction_better),
                )
            )
        if runs.outcome in (RunsOutcome.TOO_FEW, RunsOutcome.TOO_MANY):
            rule = Rule.TOO_FEW_RUNS if runs.outcome is RunsOutcome.TOO_FEW else Rule.TOO_MANY_RUNS
            signals.append(Signal(rule, start, end, runs.note, k))

    for i in marked:
        side = sides[i]
        direction = {Side.ABOVE: Direction.UP, Side.BELOW: Direction.DOWN}.get(side)
        signals.append(
            Signal(
                Rule.ASTRONOMICAL,
                i,
                i,
                f"Astronomical point marked by a coach: point {i + 1} ({_fmt(numbers[i])}).",
                segment_of[i],
                (i,),
                direction,
                _assess(direction, direction_better),
            )
        )

    order = {rule: r for r, rule in enumerate(Rule)}
    signals.sort(key=lambda s: (s.start_index, order[s.rule], s.end_index))
    return RunChartAnalysis(
        values=tuple(numbers),
        segments=tuple(segment_results),
        sides=tuple(sides),
        signals=tuple(signals),
        astronomical=tuple(marked),
        direction_better=direction_better,
        _segment_of=tuple(segment_of),
    )
