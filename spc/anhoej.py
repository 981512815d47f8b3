"""Anhøj's run-chart rules: unusually long runs and unusually few crossings of the median.

Sources:

    Anhøj J, Olesen AV. "Run charts revisited: a simulation study of run chart rules for detection
    of non-random variation in health care processes." PLoS ONE 2014;9(11):e113825.
    doi:10.1371/journal.pone.0113825
    Anhøj J. "Diagnostic value of run chart analysis." PLoS ONE 2015;10(3):e0121349.
    qicharts2 (R), Anhøj's own implementation: ``runs.analysis()`` in R/helper.functions.R and the
    vignette's Appendix 2 (critical values for n = 10..100). https://github.com/anhoej/qicharts2

The rules, per phase and against that phase's median:

* **Useful observations** ``n``: the points not on the median (points on the median, missing and
  refused points are left out: they neither break a run nor add to it).
* **Unusually long run**: a run is one or more consecutive useful points on the same side of the
  median. The longest run signals when it is longer than ``round(log2(n) + 3)``
  (:func:`longest_run_limit`).
* **Unusually few crossings**: a crossing is two consecutive useful points on opposite sides of
  the median (so crossings = runs - 1). Fewer crossings than the lower 5% quantile of the binomial
  distribution with ``n - 1`` trials and p = 0.5 signal (:func:`crossings_limit`; R's
  ``qbinom(0.05, n - 1, 0.5)``: the smallest k with P(X <= k) >= 0.05, computed exactly with
  integers).
* Below ``MIN_USEFUL_OBSERVATIONS`` (10) useful observations the rules are not applied and the
  phase's ``note`` says so: the paper validates them from 10 points on.

Phases and baselines: ``phase_starts`` lists the 0-based indices where each later phase begins
(e.g. the first point after a change). Each phase gets its own median, computed from its own
points, unless a baseline range ``(first, last)`` (inclusive, 0-based) lying inside that phase is
given in ``baselines``: the median of the range is then frozen and used for the whole phase. Any
phase may have a baseline (qicharts2 only freezes the first); later phases are still recomputed on
their own points.

Public API:

* :func:`analyse` -> :class:`AnhojAnalysis` (``phases``: one :class:`PhaseResult` each, with the
  median, ``useful_observations``, ``longest_run`` and ``longest_run_limit``, ``crossings`` and
  ``crossings_limit``, the ``signals`` that fired and a ``note``; ``signals`` across all phases;
  ``excluded`` lists points left out and why).
* :func:`longest_run_limit`, :func:`crossings_limit`: the two critical values for ``n``.
* :func:`phase_bounds`, :func:`phase_baselines`: check and resolve ``phase_starts`` and
  ``baselines`` (shared with :mod:`spc.control`).
* :func:`runs_against`: the same statistics for one series against a centre line you give (as
  qicharts2 does for control charts, against the mean).

Indices in results are 0-based positions in ``values``; descriptions number points from 1 for
readers. Pure Python (stdlib only), deterministic. ``ValueError`` is raised only for caller
mistakes (phase or baseline indices that do not fit the series); bad data points (missing, not a
number, not finite) are excluded with a reason instead.

Why one module of this size: two rules, their exact limits and the phase/baseline handling
that control charts reuse; most of the length is the documentation of each limit.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache

__all__ = [
    "MIN_USEFUL_OBSERVATIONS",
    "AnhojAnalysis",
    "Direction",
    "Exclusion",
    "PhaseResult",
    "Rule",
    "RunsStatistics",
    "Signal",
    "analyse",
    "crossings_limit",
    "longest_run_limit",
    "phase_baselines",
    "phase_bounds",
    "runs_against",
]

MIN_USEFUL_OBSERVATIONS = 10
"""Below this many useful observations the Anhøj rules are not applied (Anhøj & Olesen 2014)."""


class Rule(StrEnum):
    LONGEST_RUN = "longest_run"
    CROSSINGS = "crossings"

    @property
    def label(self) -> str:
        return {Rule.LONGEST_RUN: "Unusually long run", Rule.CROSSINGS: "Unusually few crossings"}[
            self
        ]


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A point left out of the analysis: ``index`` (0-based) and the reason, in plain words."""

    index: int
    reason: str


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal: the rule, the phase (0-based), the indices it covers and why it fired.

    For an unusually long run ``indices`` are the points of that run (points on the median inside
    it are not counted) and ``direction`` says above (up) or below (down) the median; for too few
    crossings ``indices`` are all useful points of the phase and ``direction`` is None.
    """

    rule: Rule
    phase: int
    indices: tuple[int, ...]
    description: str
    direction: Direction | None = None


@dataclass(frozen=True, slots=True)
class RunsStatistics:
    """Runs statistics of one series against one centre line."""

    useful_observations: int
    longest_run: int
    longest_run_limit: int | None
    crossings: int
    crossings_limit: int | None
    longest_runs: tuple[tuple[int, ...], ...]  # every run longer than the limit (indices)
    longest_run_directions: tuple[Direction, ...]
    useful_indices: tuple[int, ...]

    @property
    def long_run_signal(self) -> bool:
        return self.longest_run_limit is not None and self.longest_run > self.longest_run_limit

    @property
    def crossings_signal(self) -> bool:
        return self.crossings_limit is not None and self.crossings < self.crossings_limit


@dataclass(frozen=True, slots=True)
class PhaseResult:
    """One phase (``start``..``end`` inclusive) and its Anhøj analysis.

    ``median_basis`` is "phase" (median of the phase's own points) or "baseline" (median of
    ``baseline``, a frozen range, carried over the whole phase). ``applied`` is False when there
    are too few useful observations; ``note`` then says so.
    """

    index: int
    start: int
    end: int
    median: Decimal | float | None
    median_basis: str
    baseline: tuple[int, int] | None
    useful_observations: int
    longest_run: int
    longest_run_limit: int | None
    crossings: int
    crossings_limit: int | None
    applied: bool
    signals: tuple[Signal, ...]
    note: str


@dataclass(frozen=True, slots=True)
class AnhojAnalysis:
    phases: tuple[PhaseResult, ...]
    signals: tuple[Signal, ...]
    excluded: tuple[Exclusion, ...]

    @property
    def has_signal(self) -> bool:
        return bool(self.signals)

    def signals_by_rule(self, rule: Rule) -> tuple[Signal, ...]:
        return tuple(s for s in self.signals if s.rule is rule)


# ------------------------------------------------------------------------------------------
# Critical values
# ------------------------------------------------------------------------------------------


def longest_run_limit(n: int) -> int:
    """Upper 95% prediction limit for the longest run: ``round(log2(n) + 3)``.

    log2(n) + 3 is never exactly halfway between integers for a whole n >= 1 (that would need
    n = 2**k * sqrt(2)), so the rounding convention does not matter.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError("n must be a whole number of at least 1")
    return math.floor(math.log2(n) + 3 + 0.5)


def crossings_limit(n: int) -> int:
    """Lower 5% prediction limit for crossings: qbinom(0.05, n - 1, 0.5), exactly.

    The smallest k with P(X <= k) >= 1/20 for X ~ Binomial(n - 1, 1/2), i.e. with
    20 * sum(C(n-1, i) for i <= k) >= 2**(n-1); integer arithmetic, no rounding.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError("n must be a whole number of at least 1")
    return _crossings_limit(n)


@lru_cache(maxsize=1024)
def _crossings_limit(n: int) -> int:
    trials = n - 1
    total = 1 << trials
    cumulative = 0
    term = 1  # C(trials, k), updated in place so long series stay fast
    for k in range(trials + 1):
        cumulative += term
        if 20 * cumulative >= total:
            return k
        term = term * (trials - k) // (k + 1)
    return trials  # unreachable: the full sum is the total


# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------


def _clean(values: Sequence[object]) -> tuple[list[Fraction | None], list[Exclusion], bool]:
    """Exact values (Fraction) or None for excluded points; the exclusions; were floats given."""
    out: list[Fraction | None] = []
    excluded: list[Exclusion] = []
    floats = False
    for i, v in enumerate(values):
        reason = None
        if v is None:
            reason = "no value"
        elif isinstance(v, bool) or not isinstance(v, int | float | Decimal | Fraction):
            reason = f"not a number ({_short(v)})"
        elif not (v.is_finite() if isinstance(v, Decimal) else math.isfinite(v)):
            reason = "not a finite number"
        if reason:
            out.append(None)
            excluded.append(Exclusion(i, f"Point {i + 1} left out: {reason}."))
            continue
        floats = floats or isinstance(v, float)
        out.append(Fraction(v))  # type: ignore[arg-type]
    return out, excluded, floats


def _present(value: Fraction, floats: bool) -> Decimal | float:
    if floats:
        return float(value)
    return Decimal(value.numerator) / Decimal(value.denominator)


def _short(v: object) -> str:
    """repr() of a bad value, cut short so a stray blob never floods a message."""
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _fmt(value: Decimal | float) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return f"{value:.6g}"


def _span(indices: Sequence[int]) -> str:
    first, last = indices[0] + 1, indices[-1] + 1
    return f"point {first}" if first == last else f"points {first} to {last}"


def phase_bounds(n: int, phase_starts: Sequence[int]) -> list[tuple[int, int]]:
    """(start, end) inclusive index pairs of each phase of an ``n``-point series."""
    starts = [0]
    for s in phase_starts:
        if not isinstance(s, int) or isinstance(s, bool):
            raise ValueError("phase starts must be whole numbers")
        if s <= starts[-1] or s >= n:
            raise ValueError(
                "phase starts must increase, be greater than 0 and fall on a point of the series"
            )
        starts.append(s)
    ends = [s - 1 for s in starts[1:]] + [n - 1]
    return list(zip(starts, ends, strict=True))


def phase_baselines(
    bounds: Sequence[tuple[int, int]], baselines: Sequence[tuple[int, int]]
) -> dict[int, tuple[int, int]]:
    """Map phase number -> baseline range; every range must sit inside one phase, one per phase."""
    found: dict[int, tuple[int, int]] = {}
    for rng in baselines:
        try:
            first, last = rng
        except (TypeError, ValueError):
            raise ValueError("a baseline is a (first, last) pair of point indices") from None
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (first, last)):
            raise ValueError("a baseline is a (first, last) pair of point indices")
        if first > last:
            raise ValueError(f"baseline {first + 1}-{last + 1} ends before it starts")
        for k, (start, end) in enumerate(bounds):
            if start <= first <= end:
                if last > end:
                    raise ValueError(
                        f"baseline points {first + 1} to {last + 1} run past the end of phase "
                        f"{k + 1} (point {end + 1})"
                    )
                if k in found:
                    raise ValueError(f"phase {k + 1} has more than one baseline")
                found[k] = (first, last)
                break
        else:
            raise ValueError(f"baseline points {first + 1} to {last + 1} are not in the series")
    return found


# ------------------------------------------------------------------------------------------
# Runs statistics
# ------------------------------------------------------------------------------------------


def _runs(
    values: Sequence[Fraction | None], centre: Fraction, offset: int = 0
) -> tuple[list[list[int]], list[int], list[int]]:
    """Runs (lists of indices), their signs, and the useful indices, against ``centre``."""
    runs: list[list[int]] = []
    signs: list[int] = []
    useful: list[int] = []
    for i, v in enumerate(values):
        if v is None or v == centre:
            continue  # missing or on the centre line: neither breaks nor adds to a run
        sign = 1 if v > centre else -1
        useful.append(offset + i)
        if signs and signs[-1] == sign:
            runs[-1].append(offset + i)
        else:
            runs.append([offset + i])
            signs.append(sign)
    return runs, signs, useful


def _statistics(values: Sequence[Fraction | None], centre: Fraction, offset: int) -> RunsStatistics:
    runs, signs, useful = _runs(values, centre, offset)
    n = len(useful)
    longest = max((len(r) for r in runs), default=0)
    crossings = max(len(runs) - 1, 0)
    if n < MIN_USEFUL_OBSERVATIONS:
        return RunsStatistics(n, longest, None, crossings, None, (), (), tuple(useful))
    run_limit = longest_run_limit(n)
    long_runs = [(tuple(r), s) for r, s in zip(runs, signs, strict=True) if len(r) > run_limit]
    return RunsStatistics(
        useful_observations=n,
        longest_run=longest,
        longest_run_limit=run_limit,
        crossings=crossings,
        crossings_limit=crossings_limit(n),
        longest_runs=tuple(r for r, _ in long_runs),
        longest_run_directions=tuple(
            Direction.UP if s > 0 else Direction.DOWN for _, s in long_runs
        ),
        useful_indices=tuple(useful),
    )


def runs_against(
    values: Sequence[float | int | Decimal | Fraction | None],
    centre: float | int | Decimal | Fraction,
) -> RunsStatistics:
    """Anhøj statistics of ``values`` against a given centre line (e.g. a control chart's mean).

    Missing or non-numeric values are skipped like points on the centre line. Limits are None
    below ``MIN_USEFUL_OBSERVATIONS`` useful observations.
    """
    clean, _, _ = _clean(values)
    return _statistics(clean, Fraction(centre), 0)


# ------------------------------------------------------------------------------------------
# analyse()
# ------------------------------------------------------------------------------------------


def analyse(
    values: Sequence[float | int | Decimal | Fraction | None],
    *,
    phase_starts: Sequence[int] = (),
    baselines: Sequence[tuple[int, int]] = (),
) -> AnhojAnalysis:
    """Apply Anhøj's two rules to ``values`` (in time order), phase by phase.

    ``phase_starts``: 0-based indices where each later phase begins. ``baselines``: inclusive
    0-based (first, last) ranges, at most one per phase; the phase's median is frozen at the
    median of its range. Points that are None or not finite numbers are left out (see
    ``excluded``).
    """
    clean, excluded, floats = _clean(values)
    n = len(clean)
    if n == 0:
        if phase_starts or baselines:
            raise ValueError("phases or baselines need data points")
        return AnhojAnalysis((), (), ())
    bounds = phase_bounds(n, phase_starts)
    frozen = phase_baselines(bounds, baselines)
    several = len(bounds) > 1

    phases: list[PhaseResult] = []
    signals: list[Signal] = []
    for k, (start, end) in enumerate(bounds):
        chunk = clean[start : end + 1]
        in_phase = f" in phase {k + 1}" if several else ""
        baseline = frozen.get(k)
        basis_points = clean[baseline[0] : baseline[1] + 1] if baseline else chunk
        present_points = [v for v in basis_points if v is not None]
        if not present_points:
            where = f"baseline points {baseline[0] + 1} to {baseline[1] + 1}" if baseline else "it"
            phases.append(
                PhaseResult(
                    k,
                    start,
                    end,
                    None,
                    "baseline" if baseline else "phase",
                    baseline,
                    0,
                    0,
                    None,
                    0,
                    None,
                    False,
                    (),
                    f"Phase {k + 1} has no values in {where}, so it has no median.",
                )
            )
            continue
        median = statistics.median(present_points)
        shown = _present(median, floats)
        stats = _statistics(chunk, median, start)
        median_text = f"the median of {_fmt(shown)}{in_phase}"
        if baseline:
            median_text += f" (frozen from points {baseline[0] + 1} to {baseline[1] + 1})"
        phase_signals: list[Signal] = []
        if stats.longest_run_limit is None:
            on = sum(1 for v in chunk if v is not None and v == median)
            note = (
                f"Anhøj rules not applied{in_phase}: {stats.useful_observations} useful "
                f"observation{'s' if stats.useful_observations != 1 else ''} (points not on "
                f"{median_text}); they need at least {MIN_USEFUL_OBSERVATIONS}."
            )
            if on and stats.useful_observations == 0:
                note = (
                    f"Anhøj rules not applied{in_phase}: every point is on {median_text}, so "
                    "there is no variation to test."
                )
        else:
            for run, direction in zip(
                stats.longest_runs, stats.longest_run_directions, strict=True
            ):
                side = "above" if direction is Direction.UP else "below"
                phase_signals.append(
                    Signal(
                        Rule.LONGEST_RUN,
                        k,
                        run,
                        f"Unusually long run: {len(run)} points in a row {side} {median_text} "
                        f"({_span(run)}); with {stats.useful_observations} useful observations a "
                        f"run longer than {stats.longest_run_limit} is unlikely by chance.",
                        direction,
                    )
                )
            if stats.crossings_signal:
                phase_signals.append(
                    Signal(
                        Rule.CROSSINGS,
                        k,
                        stats.useful_indices,
                        f"Unusually few crossings: only {stats.crossings} "
                        f"crossing{'s' if stats.crossings != 1 else ''} of {median_text} "
                        f"({_span(stats.useful_indices)}); with {stats.useful_observations} "
                        f"useful observations fewer than {stats.crossings_limit} crossings is "
                        "unlikely by chance.",
                    )
                )
            verdict = "signals found" if phase_signals else "no signal"
            note = (
                f"Anhøj rules{in_phase}: {stats.useful_observations} useful observations, longest "
                f"run {stats.longest_run} (limit {stats.longest_run_limit}), {stats.crossings} "
                f"crossing{'s' if stats.crossings != 1 else ''} "
                f"(at least {stats.crossings_limit} expected): {verdict}."
            )
        phases.append(
            PhaseResult(
                index=k,
                start=start,
                end=end,
                median=shown,
                median_basis="baseline" if baseline else "phase",
                baseline=baseline,
                useful_observations=stats.useful_observations,
                longest_run=stats.longest_run,
                longest_run_limit=stats.longest_run_limit,
                crossings=stats.crossings,
                crossings_limit=stats.crossings_limit,
                applied=stats.longest_run_limit is not None,
                signals=tuple(phase_signals),
                note=note,
            )
        )
        signals.extend(phase_signals)
    return AnhojAnalysis(tuple(phases), tuple(signals), tuple(excluded))
