"""Shewhart rules for control charts, as The Health Care Data Guide gives them.

Source: Provost LP, Murray SK. *The Health Care Data Guide: Learning from Data for Improvement.*
Jossey-Bass, 2011, chapter 5 ("Rules for detecting special causes" on Shewhart charts); the same
rules are summarised by IHI. The five rules, applied within each phase of the chart:

1. **Outside the limits**: a single point above the upper or below the lower control limit.
2. **Shift**: 8 or more consecutive points on the same side of the centre line. A point exactly on
   the centre line neither breaks nor adds to the shift (the run-chart convention of the Guide).
3. **Trend**: 6 consecutive points all increasing or all decreasing. When neighbours are equal only
   one of them counts: equal values neither add to nor break a trend.
4. **Two out of three**: 2 out of 3 consecutive points in the outer third of the chart (beyond
   2 sigma from the centre line, including points beyond the limit) on the same side.
5. **Fifteen in the inner third**: 15 consecutive points within 1 sigma of the centre line, on
   either side.

Sigma is per point (``Band.sigma``), so for charts with varying limits (p, u, Laney) the thirds
follow each point's own limits. When a phase has zero sigma (every value the same, p-bar of 0 or
1) its limits equal the centre line; rules 1, 4 and 5 are then not applied in that phase (a
difference from a zero-width band is no evidence of a special cause) and the caller is told so;
rules 2 and 3 do not depend on sigma and still apply.

Public API: :func:`apply_rules` takes the points as :class:`Band` rows (value, centre, sigma,
lower and upper limit; value None for a point left out) and phase bounds, and returns
:class:`Signal` objects, each with the rule, the 0-based indices it covers, a plain-English
``description`` (points numbered from 1) and a ``direction`` (up or down).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

__all__ = [
    "INNER_THIRD_LENGTH",
    "SHIFT_LENGTH",
    "TREND_LENGTH",
    "Band",
    "Direction",
    "Rule",
    "Signal",
    "apply_rules",
]

SHIFT_LENGTH = 8
"""Rule 2: this many or more consecutive points on one side of the centre line."""
TREND_LENGTH = 6
"""Rule 3: this many consecutive points all going up or all going down."""
INNER_THIRD_LENGTH = 15
"""Rule 5: this many consecutive points within 1 sigma of the centre line."""


class Rule(IntEnum):
    OUTSIDE_LIMITS = 1
    SHIFT = 2
    TREND = 3
    TWO_OF_THREE = 4
    INNER_THIRD = 5

    @property
    def label(self) -> str:
        return {
            Rule.OUTSIDE_LIMITS: "Point outside the limits",
            Rule.SHIFT: "Shift",
            Rule.TREND: "Trend",
            Rule.TWO_OF_THREE: "Two out of three in the outer third",
            Rule.INNER_THIRD: "Fifteen in the inner third",
        }[self]


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Band:
    """One point and the chart around it. ``value`` None: the point is left out of the rules.

    ``sigma`` is the point's own sigma (limits = centre ± 3 sigma before clipping); ``lower`` and
    ``upper`` are the limits as drawn (possibly clipped, e.g. at 0 for a proportion).
    """

    value: float | None
    centre: float
    sigma: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class Signal:
    rule: Rule
    phase: int
    indices: tuple[int, ...]
    description: str
    direction: Direction | None


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _span(indices: Sequence[int]) -> str:
    first, last = indices[0] + 1, indices[-1] + 1
    return f"point {first}" if first == last else f"points {first} to {last}"


def _phase_text(phase: int, several: bool) -> str:
    return f" in phase {phase + 1}" if several else ""


def _outside(points: list[tuple[int, Band]], phase: int, several: bool) -> list[Signal]:
    found = []
    for i, b in points:
        assert b.value is not None
        if b.value > b.upper:
            where, limit, direction = "above the upper", b.upper, Direction.UP
        elif b.value < b.lower:
            where, limit, direction = "below the lower", b.lower, Direction.DOWN
        else:
            continue
        found.append(
            Signal(
                Rule.OUTSIDE_LIMITS,
                phase,
                (i,),
                f"Point outside the limits: point {i + 1} ({_fmt(b.value)}) is {where} control "
                f"limit ({_fmt(limit)}){_phase_text(phase, several)}.",
                direction,
            )
        )
    return found


def _shifts(points: list[tuple[int, Band]], phase: int, several: bool) -> list[Signal]:
    found: list[Signal] = []
    run: list[int] = []
    side = 0

    def close() -> None:
        if len(run) >= SHIFT_LENGTH:
            where = "above" if side > 0 else "below"
            found.append(
                Signal(
                    Rule.SHIFT,
                    phase,
                    tuple(run),
                    f"Shift: {len(run)} points in a row {where} the centre line"
                    f"{_phase_text(phase, several)} ({_span(run)}).",
                    Direction.UP if side > 0 else Direction.DOWN,
                )
            )

    for i, b in points:
        assert b.value is not None
        s = (b.value > b.centre) - (b.value < b.centre)
        if s == 0:
            continue
        if s != side:
            close()
            run, side = [], s
        run.append(i)
    close()
    return found


def _trends(points: list[tuple[int, Band]], phase: int, several: bool) -> list[Signal]:
    # Collapse equal neighbours into one group: (first index, last index, value).
    groups: list[list] = []
    for i, b in points:
        if groups and groups[-1][2] == b.value:
            groups[-1][1] = i
        else:
            groups.append([i, i, b.value])
    found: list[Signal] = []
    g = 0
    while g < len(groups) - 1:
        rising = groups[g + 1][2] > groups[g][2]
        h = g + 1
        while h + 1 < len(groups) and (groups[h + 1][2] > groups[h][2]) == rising:
            h += 1
        counted = h - g + 1
        if counted >= TREND_LENGTH:
            start, end = groups[g][1], groups[h][0]
            indices = tuple(i for i, _ in points if start <= i <= end)
            found.append(
                Signal(
                    Rule.TREND,
                    phase,
                    indices,
                    f"Trend: {counted} points in a row going {'up' if rising else 'down'}"
                    f"{_phase_text(phase, several)} ({_span(indices)}).",
                    Direction.UP if rising else Direction.DOWN,
                )
            )
        g = h
    return found


def _two_of_three(points: list[tuple[int, Band]], phase: int, several: bool) -> list[Signal]:
    found: list[Signal] = []
    for side in (1, -1):
        hits: set[int] = set()
        for w in range(len(points) - 2):
            window = points[w : w + 3]
            outer = [
                i
                for i, b in window
                if b.value is not None and side * (b.value - b.centre) > 2 * b.sigma
            ]
            if len(outer) >= 2:
                hits.update(outer)
        if not hits:
            continue
        # Group hits that belong to overlapping windows into one signal each.
        ordered = sorted(hits)
        position = {i: k for k, (i, _) in enumerate(points)}
        clusters: list[list[int]] = [[ordered[0]]]
        for i in ordered[1:]:
            if position[i] - position[clusters[-1][-1]] <= 2:
                clusters[-1].append(i)
            else:
                clusters.append([i])
        where = "above" if side > 0 else "below"
        for cluster in clusters:
            numbered = ", ".join(str(i + 1) for i in cluster)
            found.append(
                Signal(
                    Rule.TWO_OF_THREE,
                    phase,
                    tuple(cluster),
                    f"Two out of three: points {numbered} are in the outer third {where} the "
                    f"centre line (more than 2 sigma away){_phase_text(phase, several)}, at least "
                    "2 of any 3 in a row.",
                    Direction.UP if side > 0 else Direction.DOWN,
                )
            )
    return found


def _inner_third(points: list[tuple[int, Band]], phase: int, several: bool) -> list[Signal]:
    found: list[Signal] = []
    run: list[int] = []

    def close() -> None:
        if len(run) >= INNER_THIRD_LENGTH:
            found.append(
                Signal(
                    Rule.INNER_THIRD,
                    phase,
                    tuple(run),
                    f"Fifteen in the inner third: {len(run)} points in a row within 1 sigma of "
                    f"the centre line{_phase_text(phase, several)} ({_span(run)}); the limits "
                    "may be too wide for this process (e.g. mixed data sources).",
                    None,
                )
            )

    for i, b in points:
        assert b.value is not None
        if abs(b.value - b.centre) <= b.sigma:
            run.append(i)
        else:
            close()
            run = []
    close()
    return found


def apply_rules(
    bands: Sequence[Band], phases: Sequence[tuple[int, int]]
) -> tuple[tuple[Signal, ...], tuple[str, ...]]:
    """Apply the five rules within each phase ((start, end) inclusive 0-based index pairs).

    Returns the signals (sorted by first point, then rule) and notes for phases where the sigma
    rules were not applied because sigma is zero.
    """
    several = len(phases) > 1
    signals: list[Signal] = []
    notes: list[str] = []
    for k, (start, end) in enumerate(phases):
        points = [(i, bands[i]) for i in range(start, end + 1) if bands[i].value is not None]
        if not points:
            continue
        zero_sigma = all(b.sigma == 0 for _, b in points)
        if zero_sigma:
            notes.append(
                f"No variation to set limits from{_phase_text(k, several)}: the limits equal the "
                "centre line, so the rules that use the limits (outside the limits, two out of "
                "three, fifteen in the inner third) are not applied."
            )
        else:
            signals += _outside(points, k, several)
            signals += _two_of_three(points, k, several)
            signals += _inner_third(points, k, several)
        signals += _shifts(points, k, several)
        signals += _trends(points, k, several)
    signals.sort(key=lambda s: (s.indices[0], s.rule))
    return tuple(signals), tuple(notes)
