"""Control charts: XmR (I and MR), p, u, and Laney's p' and u', with baselines in any phase.

Sources:

    Provost LP, Murray SK. *The Health Care Data Guide.* Jossey-Bass, 2011: chapters 5 and 6
    (XmR limits mean ± 2.66 x average moving range, MR chart upper limit 3.267 x average moving
    range; p chart p-bar ± 3·sqrt(p-bar(1 - p-bar)/n_i); u chart u-bar ± 3·sqrt(u-bar/n_i); at
    least 20 subgroups to set limits).
    Montgomery DC. *Introduction to Statistical Quality Control*, 6th ed. Wiley, 2009: the same
    formulas (eq. 6.33, 7.8, 7.19); qicharts2 reproduces its examples.
    Laney DB. "Improved control charts for attributes." Quality Engineering 2002;14(4):531-537.
    doi:10.1081/QEN-120003555 (p' and u': z_i = (y_i - centre)/sigma_i, sigma_z = average moving
    range of z / 1.128, limits centre ± 3·sigma_i·sigma_z).
    qicharts2 (R), Anhøj: https://github.com/anhoej/qicharts2, R/helper.functions.R
    (``qic.i``, ``qic.p``, ``qic.pp``, ``qic.u``, ``qic.up``) for the same computations.

Public API (every function keyword-only after the data):

* :func:`xmr_chart` (values), :func:`p_chart` (numerators, denominators), :func:`u_chart` (counts,
  exposures), :func:`p_prime_chart`, :func:`u_prime_chart`, and :func:`control_chart` to pick one by
  :class:`ChartKind`. Each returns a :class:`ControlChart`: ``points`` (value, centre, limits and
  sigma per point), ``phases`` (centre, how it was computed, sigma z for Laney, a note),
  ``signals`` (Shewhart rules, see :mod:`spc.shewhart`), ``excluded`` (points left out and why),
  ``notes`` and, for XmR, ``moving_range`` (the MR chart, itself a :class:`ControlChart`).
* :func:`laney_recommendation`: whether to use p'/u' rather than p/u, with the reason in words.
* ``MIN_POINTS`` (20): with fewer usable points the result has ``enough_points`` False, no limits
  and a plain ``message`` saying so, so the caller draws the run chart instead.

Common options: ``phase_starts`` (0-based indices where each later phase begins), ``baselines``
(inclusive 0-based (first, last) ranges, at most one per phase, in ANY phase: that phase's centre
and limits come from the range and are frozen over the whole phase; every other phase is computed
on its own points) and ``exclude`` (indices left out of the centre and limits, still drawn and
checked by the rules, e.g. a point with a known special cause).

Bad data never raise: a point with a missing or zero denominator, a negative count, a numerator
above its denominator (p charts), a missing or non-finite value is left out with a reason in
``excluded``. All values equal (zero sigma) gives limits equal to the centre, no signal from the
limits, and a note saying so. ``ValueError`` is raised only for caller mistakes (lists of
different lengths, phase or baseline indices that do not fit). Arithmetic is in floats, except
sums of numerators and denominators, which are exact.

Why one module of this size: the five charts share one engine (phases, baselines, exclusion,
sigma per point, the rules); what differs per chart is a few lines each. Separate files would
repeat the engine or import its internals.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from .anhoej import phase_baselines, phase_bounds
from .shewhart import Band, Direction, Rule, Signal, apply_rules

__all__ = [
    "D2",
    "D4",
    "E2",
    "MIN_POINTS",
    "OVERDISPERSION_SIGMA_Z",
    "UNDERDISPERSION_SIGMA_Z",
    "ChartKind",
    "ChartPoint",
    "ControlChart",
    "Exclusion",
    "PhaseLimits",
    "Recommendation",
    "control_chart",
    "laney_recommendation",
    "p_chart",
    "p_prime_chart",
    "u_chart",
    "u_prime_chart",
    "xmr_chart",
]

MIN_POINTS = 20
"""A control chart needs at least this many usable points (Provost & Murray 2011: 20 or more
subgroups); with fewer, draw the run chart."""
E2 = 2.66
"""XmR limits: mean ± E2 x average moving range (3/d2 with d2 = 1.128, as Provost & Murray and
Wheeler print it; qicharts2 uses 3/1.128 = 2.6596, 0.016% narrower)."""
D4 = 3.267
"""Moving-range chart upper limit: D4 x average moving range (n = 2)."""
D2 = 1.128
"""d2 for moving ranges of two points: sigma = average moving range / d2 (Laney's sigma z)."""
OVERDISPERSION_SIGMA_Z = 1.3
"""Recommend Laney's chart when sigma z is above this (the points vary 30% more than the p or u
chart assumes). Chosen in line with Minitab's P and U Chart Diagnostic, whose documented examples
put the upper limit for the ratio of observed to expected variation at 129% to 148%
(https://support.minitab.com/en-us/minitab/help-and-how-to/quality-and-process-improvement/
control-charts/supporting-topics/understanding-attributes-control-charts/
overdispersion-and-underdispersion). Laney (2002): sigma z = 1 means no adjustment is needed."""
UNDERDISPERSION_SIGMA_Z = 0.7
"""Recommend Laney's chart when sigma z is below this (the p or u limits are too wide)."""


class ChartKind(StrEnum):
    XMR = "xmr"
    P = "p"
    U = "u"
    P_PRIME = "p_prime"
    U_PRIME = "u_prime"

    @property
    def label(self) -> str:
        return {
            ChartKind.XMR: "XmR chart (I chart with moving ranges)",
            ChartKind.P: "p chart",
            ChartKind.U: "u chart",
            ChartKind.P_PRIME: "Laney p' chart",
            ChartKind.U_PRIME: "Laney u' chart",
        }[self]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A point left out of the centre line and limits. ``drawn``: still plotted and checked (the
    caller asked to exclude it); otherwise its data are missing or refused and it is not drawn."""

    index: int
    reason: str
    drawn: bool = False


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One plotted point. ``value`` None: not drawn (bad data, see ``ControlChart.excluded``).
    ``centre``/``lower``/``upper``/``sigma`` are None when the chart has no limits."""

    index: int
    phase: int
    value: float | None
    centre: float | None = None
    lower: float | None = None
    upper: float | None = None
    sigma: float | None = None
    in_limits_calculation: bool = False


@dataclass(frozen=True, slots=True)
class PhaseLimits:
    """How one phase's centre and limits were set.

    ``basis`` is "phase" (all its usable points) or "baseline" (the ``baseline`` range, frozen over
    the phase). ``points_used`` counts the points that set the limits. ``average_moving_range``:
    XmR only; ``sigma_z``: Laney charts only. ``centre`` None: no usable point in the basis.
    """

    index: int
    start: int
    end: int
    centre: float | None
    basis: str
    baseline: tuple[int, int] | None
    points_used: int
    average_moving_range: float | None = None
    sigma_z: float | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ControlChart:
    kind: ChartKind
    enough_points: bool
    message: str
    points: tuple[ChartPoint, ...]
    phases: tuple[PhaseLimits, ...] = ()
    signals: tuple[Signal, ...] = ()
    excluded: tuple[Exclusion, ...] = ()
    notes: tuple[str, ...] = ()
    moving_range: ControlChart | None = None

    @property
    def has_signal(self) -> bool:
        return bool(self.signals)

    def signals_by_rule(self, rule: Rule) -> tuple[Signal, ...]:
        return tuple(s for s in self.signals if s.rule is rule)

    @property
    def usable_points(self) -> int:
        return sum(1 for p in self.points if p.value is not None)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Whether to prefer Laney's chart: ``chart`` is the one to draw, ``reason`` says why."""

    chart: ChartKind
    prime_recommended: bool
    sigma_z: float | None
    reason: str


# ------------------------------------------------------------------------------------------
# Input checks
# ------------------------------------------------------------------------------------------


def _number(v: object) -> tuple[Fraction | None, str | None]:
    """(exact value, None) or (None, what is wrong with it)."""
    if v is None:
        return None, "missing"
    if isinstance(v, bool) or not isinstance(v, int | float | Decimal | Fraction):
        return None, f"not a number ({_short(v)})"
    if not (v.is_finite() if isinstance(v, Decimal) else math.isfinite(v)):
        return None, "not a finite number"
    return Fraction(v), None  # type: ignore[arg-type]


def _clean_values(values: Sequence[object]) -> tuple[list[Fraction | None], list[Exclusion]]:
    out: list[Fraction | None] = []
    excluded: list[Exclusion] = []
    for i, v in enumerate(values):
        x, problem = _number(v)
        if problem:
            word = "the value is missing" if problem == "missing" else f"the value is {problem}"
            excluded.append(Exclusion(i, f"Point {i + 1} left out: {word}."))
        out.append(x)
    return out, excluded


def _clean_ratios(
    numerators: Sequence[object], denominators: Sequence[object], *, proportion: bool
) -> tuple[list[tuple[Fraction, Fraction] | None], list[Exclusion]]:
    if len(numerators) != len(denominators):
        raise ValueError(
            f"{len(numerators)} numerators but {len(denominators)} denominators: "
            "give one of each per point"
        )
    top = "numerator" if proportion else "count"
    bottom = "denominator" if proportion else "exposure"
    out: list[tuple[Fraction, Fraction] | None] = []
    excluded: list[Exclusion] = []
    for i, (num, den) in enumerate(zip(numerators, denominators, strict=True)):
        n, n_problem = _number(num)
        d, d_problem = _number(den)
        reason = None
        if n_problem:
            reason = f"the {top} is {n_problem}"
        elif d_problem:
            reason = f"the {bottom} is {d_problem}"
        elif n is not None and n < 0:
            reason = f"the {top} is negative ({_fmt(float(n))}); counts cannot be below zero"
        elif d is not None and d == 0:
            reason = f"the {bottom} is zero, so there is no rate to plot"
        elif d is not None and d < 0:
            reason = f"the {bottom} is negative ({_fmt(float(d))})"
        elif proportion and n is not None and d is not None and n > d:
            reason = (
                f"the numerator ({_fmt(float(n))}) is greater than the denominator "
                f"({_fmt(float(d))}); a proportion cannot be above 1"
            )
        if reason:
            excluded.append(Exclusion(i, f"Point {i + 1} left out: {reason}."))
            out.append(None)
        else:
            assert n is not None and d is not None
            out.append((n, d))
    return out, excluded


def _short(v: object) -> str:
    """repr() of a bad value, cut short so a stray blob never floods a message."""
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _check_exclude(n: int, exclude: Sequence[int]) -> set[int]:
    chosen = set()
    for i in exclude:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < n:
            raise ValueError(f"excluded point {i!r} is not a point of the series")
        chosen.add(i)
    return chosen


def _too_few(kind: ChartKind, usable: int) -> str:
    return (
        f"Not enough points for the {kind.label}: {usable} usable point"
        f"{'' if usable == 1 else 's'}, and control limits need at least {MIN_POINTS}. "
        "Showing the run chart instead."
    )


# ------------------------------------------------------------------------------------------
# The engine shared by every chart
# ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _PhaseMaths:
    centre: float | None
    sigmas: dict[int, float]  # per plotted point of the phase
    points_used: int
    average_moving_range: float | None = None
    sigma_z: float | None = None
    problem: str = ""


def _build(
    kind: ChartKind,
    n: int,
    plotted: list[float | None],
    excluded: list[Exclusion],
    phase_starts: Sequence[int],
    baselines: Sequence[tuple[int, int]],
    exclude: Sequence[int],
    maths,  # (basis indices, phase point indices) -> _PhaseMaths
    clip_lower: float | None,
    clip_upper: float | None,
) -> ControlChart:
    if n == 0:
        if phase_starts or baselines or exclude:
            raise ValueError("phases, baselines or exclusions need data points")
        return ControlChart(kind, False, _too_few(kind, 0), ())
    bounds = phase_bounds(n, phase_starts)
    frozen = phase_baselines(bounds, baselines)
    left_out = _check_exclude(n, exclude)
    for i in sorted(left_out):
        if plotted[i] is not None:
            excluded.append(
                Exclusion(
                    i,
                    f"Point {i + 1} is left out of the centre line and limits as asked; it is "
                    "still drawn and checked against them.",
                    drawn=True,
                )
            )
    excluded.sort(key=lambda e: e.index)
    usable = sum(1 for v in plotted if v is not None)
    phase_of = [k for k, (s, e) in enumerate(bounds) for _ in range(s, e + 1)]
    if usable < MIN_POINTS:
        points = tuple(ChartPoint(i, phase_of[i], plotted[i]) for i in range(n))
        return ControlChart(kind, False, _too_few(kind, usable), points, excluded=tuple(excluded))

    several = len(bounds) > 1
    points: list[ChartPoint] = []
    bands: list[Band] = []
    phases: list[PhaseLimits] = []
    notes: list[str] = []
    for k, (start, end) in enumerate(bounds):
        in_phase = f" in phase {k + 1}" if several else ""
        baseline = frozen.get(k)
        first, last = baseline if baseline else (start, end)
        basis = [i for i in range(first, last + 1) if plotted[i] is not None and i not in left_out]
        members = [i for i in range(start, end + 1) if plotted[i] is not None]
        m: _PhaseMaths = maths(basis, members)
        note = m.problem  # written to follow "In phase 2, " or to stand alone
        if note:
            note = f"In phase {k + 1}, {note}" if several else note[0].upper() + note[1:]
        if m.centre is not None and not m.problem and len(basis) < MIN_POINTS:
            note = (
                f"The limits{in_phase} come from {len(basis)} point"
                f"{'' if len(basis) == 1 else 's'}: treat them as trial limits until there are "
                f"{MIN_POINTS}."
            )
        if note:
            notes.append(note)
        phases.append(
            PhaseLimits(
                index=k,
                start=start,
                end=end,
                centre=m.centre,
                basis="baseline" if baseline else "phase",
                baseline=baseline,
                points_used=len(basis),
                average_moving_range=m.average_moving_range,
                sigma_z=m.sigma_z,
                note=note,
            )
        )
        basis_set = set(basis)
        for i in range(start, end + 1):
            value = plotted[i]
            sigma = m.sigmas.get(i)
            if value is None or m.centre is None or sigma is None:
                points.append(ChartPoint(i, k, value, m.centre, in_limits_calculation=False))
                bands.append(Band(None, 0.0, 0.0, 0.0, 0.0))
                continue
            lower = m.centre - 3 * sigma
            upper = m.centre + 3 * sigma
            if clip_lower is not None:
                lower = max(lower, clip_lower)
            if clip_upper is not None:
                upper = min(upper, clip_upper)
            points.append(ChartPoint(i, k, value, m.centre, lower, upper, sigma, i in basis_set))
            bands.append(Band(value, m.centre, sigma, lower, upper))
    signals, rule_notes = apply_rules(bands, bounds)
    notes.extend(rule_notes)
    if signals:
        message = f"{kind.label}: {len(signals)} signal{'' if len(signals) == 1 else 's'} found."
    else:
        message = f"{kind.label}: no special-cause signal."
    return ControlChart(
        kind=kind,
        enough_points=True,
        message=message,
        points=tuple(points),
        phases=tuple(phases),
        signals=signals,
        excluded=tuple(excluded),
        notes=tuple(notes),
    )


# ------------------------------------------------------------------------------------------
# XmR
# ------------------------------------------------------------------------------------------


def _moving_ranges(values: list[float | None], indices: Sequence[int]) -> dict[int, float]:
    """|x_i - x_previous| for each index after the first of ``indices`` (gaps skipped)."""
    out: dict[int, float] = {}
    for a, b in itertools.pairwise(indices):
        va, vb = values[a], values[b]
        assert va is not None and vb is not None
        out[b] = abs(vb - va)
    return out


def xmr_chart(
    values: Sequence[float | int | Decimal | Fraction | None],
    *,
    phase_starts: Sequence[int] = (),
    baselines: Sequence[tuple[int, int]] = (),
    exclude: Sequence[int] = (),
) -> ControlChart:
    """I chart (centre = mean, limits = mean ± 2.66 x average moving range) and its MR chart.

    Moving ranges are taken between consecutive points of the same phase that set the limits
    (points left out are skipped). The MR chart (``moving_range``) has centre = average moving
    range and upper limit 3.267 x it; only points above that limit signal on it.
    """
    clean, excluded = _clean_values(values)
    plotted = [None if v is None else float(v) for v in clean]
    n = len(plotted)
    mr_state: dict[int, tuple[float | None, list[int]]] = {}

    def maths(basis: list[int], members: list[int]) -> _PhaseMaths:
        if not basis:
            return _PhaseMaths(None, {}, 0, problem="there are no usable points to set limits.")
        centre = statistics.fmean(plotted[i] for i in basis)  # type: ignore[misc]
        ranges = list(_moving_ranges(plotted, basis).values())
        if not ranges:
            return _PhaseMaths(
                centre,
                {},
                len(basis),
                problem=(
                    f"point {basis[0] + 1} alone cannot set limits: a moving range needs at "
                    "least 2 points."
                ),
            )
        amr = statistics.fmean(ranges)
        sigma = E2 * amr / 3
        mr_state[members[0] if members else basis[0]] = (amr, members)
        return _PhaseMaths(centre, dict.fromkeys(members, sigma), len(basis), amr)

    chart = _build(
        ChartKind.XMR, n, plotted, excluded, phase_starts, baselines, exclude, maths, None, None
    )
    if not chart.enough_points:
        return chart
    return _with_moving_range(chart, plotted, mr_state)


def _with_moving_range(
    chart: ControlChart,
    plotted: list[float | None],
    mr_state: dict[int, tuple[float | None, list[int]]],
) -> ControlChart:
    several = len(chart.phases) > 1
    mr_points: list[ChartPoint] = [ChartPoint(p.index, p.phase, None) for p in chart.points]
    signals: list[Signal] = []
    for amr, members in mr_state.values():
        if amr is None:
            continue
        upper = D4 * amr
        for i, mr in _moving_ranges(plotted, members).items():
            phase = chart.points[i].phase
            mr_points[i] = ChartPoint(i, phase, mr, amr, 0.0, upper, None, True)
            if mr > upper and amr > 0:
                signals.append(
                    Signal(
                        Rule.OUTSIDE_LIMITS,
                        phase,
                        (i,),
                        f"Moving range above its upper limit: the jump to point {i + 1} "
                        f"({_fmt(mr)}) is more than {_fmt(upper)}"
                        f"{f' in phase {phase + 1}' if several else ''}.",
                        Direction.UP,
                    )
                )
    mr_chart = ControlChart(
        kind=ChartKind.XMR,
        enough_points=True,
        message="Moving-range chart beneath the I chart.",
        points=tuple(mr_points),
        signals=tuple(signals),
    )
    return ControlChart(
        kind=chart.kind,
        enough_points=True,
        message=chart.message,
        points=chart.points,
        phases=chart.phases,
        signals=chart.signals,
        excluded=chart.excluded,
        notes=chart.notes,
        moving_range=mr_chart,
    )


# ------------------------------------------------------------------------------------------
# p, u, p', u'
# ------------------------------------------------------------------------------------------


def _attribute_chart(
    kind: ChartKind,
    numerators: Sequence[object],
    denominators: Sequence[object],
    phase_starts: Sequence[int],
    baselines: Sequence[tuple[int, int]],
    exclude: Sequence[int],
) -> ControlChart:
    proportion = kind in (ChartKind.P, ChartKind.P_PRIME)
    laney = kind in (ChartKind.P_PRIME, ChartKind.U_PRIME)
    pairs, excluded = _clean_ratios(numerators, denominators, proportion=proportion)
    plotted = [None if p is None else float(p[0] / p[1]) for p in pairs]
    sizes = [None if p is None else float(p[1]) for p in pairs]

    def base_sigma(centre: float, i: int) -> float:
        size = sizes[i]
        assert size is not None
        variance = centre * (1 - centre) if proportion else centre
        return math.sqrt(max(variance, 0.0) / size)

    def maths(basis: list[int], members: list[int]) -> _PhaseMaths:
        if not basis:
            return _PhaseMaths(None, {}, 0, problem="there are no usable points to set limits.")
        total_num = sum((pairs[i][0] for i in basis), Fraction(0))  # type: ignore[index]
        total_den = sum((pairs[i][1] for i in basis), Fraction(0))  # type: ignore[index]
        centre = float(total_num / total_den)
        sigmas = {i: base_sigma(centre, i) for i in members}
        if not laney:
            return _PhaseMaths(centre, sigmas, len(basis))
        basis_sigmas = [base_sigma(centre, i) for i in basis]
        if any(s == 0 for s in basis_sigmas):
            # p-bar of 0 or 1 (or u-bar of 0): no variation at all; z cannot be formed.
            return _PhaseMaths(centre, dict.fromkeys(members, 0.0), len(basis), sigma_z=None)
        z = [(plotted[i] - centre) / s for i, s in zip(basis, basis_sigmas, strict=True)]  # type: ignore[operator]
        if len(z) < 2:
            return _PhaseMaths(
                centre,
                {},
                len(basis),
                problem=(
                    f"point {basis[0] + 1} alone cannot set Laney limits: sigma z needs a moving "
                    "range, so at least 2 points."
                ),
            )
        sigma_z = statistics.fmean(abs(b - a) for a, b in itertools.pairwise(z)) / D2
        return _PhaseMaths(
            centre, {i: s * sigma_z for i, s in sigmas.items()}, len(basis), sigma_z=sigma_z
        )

    return _build(
        kind,
        len(plotted),
        plotted,
        excluded,
        phase_starts,
        baselines,
        exclude,
        maths,
        0.0,
        1.0 if proportion else None,
    )


def p_chart(
    numerators: Sequence[object],
    denominators: Sequence[object],
    *,
    phase_starts: Sequence[int] = (),
    baselines: Sequence[tuple[int, int]] = (),
    exclude: Sequence[int] = (),
) -> ControlChart:
    """p chart: p-bar = Σnumerators / Σdenominators; limits p-bar ± 3·sqrt(p-bar(1-p-bar)/n_i),
    per point, clipped to [0, 1]."""
    return _attribute_chart(ChartKind.P, numerators, denominators, phase_starts, baselines, exclude)


def u_chart(
    counts: Sequence[object],
    exposures: Sequence[object],
    *,
    phase_starts: Sequence[int] = (),
    baselines: Sequence[tuple[int, int]] = (),
    exclude: Sequence[int] = (),
) -> ControlChart:
    """u chart: u-bar = Σcounts / Σexposures; limits u-bar ± 3·sqrt(u-bar/n_i), lower clipped at
    0. Multiply values and limits by a constant (e.g. per 10,000 days) when drawing, not here."""
    return _attribute_chart(ChartKind.U, counts, exposures, phase_starts, baselines, exclude)


def p_prime_chart(
    numerators: Sequence[object],
    denominators: Sequence[object],
    *,
    phase_starts: Sequence[int] = (),
    baselines: Sequence[tuple[int, int]] = (),
    exclude: Sequence[int] = (),
) -> ControlChart:
    """Laney p' chart: the p chart's sigma_i multiplied by sigma z (each phase's own, from the
    points that set its limits)."""
    return _attribute_chart(
        ChartKind.P_PRIME, numerators, denominators, phase_starts, baselines, exclude
    )


def u_prime_chart(
    counts: Sequence[object],
    exposures: Sequence[object],
    *,
    phase_starts: Sequence[int] = (),
    baselines: Sequence[tuple[int, int]] = (),
    exclude: Sequence[int] = (),
) -> ControlChart:
    """Laney u' chart: the u chart's sigma_i multiplied by sigma z."""
    return _attribute_chart(ChartKind.U_PRIME, counts, exposures, phase_starts, baselines, exclude)


def control_chart(
    kind: ChartKind | str,
    *,
    values: Sequence[object] | None = None,
    numerators: Sequence[object] | None = None,
    denominators: Sequence[object] | None = None,
    phase_starts: Sequence[int] = (),
    baselines: Sequence[tuple[int, int]] = (),
    exclude: Sequence[int] = (),
) -> ControlChart:
    """Draw the chart ``kind`` names: XmR takes ``values``; p, u, p', u' take ``numerators`` and
    ``denominators`` (counts and exposures for u charts)."""
    kind = ChartKind(kind)
    options = {"phase_starts": phase_starts, "baselines": baselines, "exclude": exclude}
    if kind is ChartKind.XMR:
        if values is None:
            raise ValueError("an XmR chart needs values")
        return xmr_chart(values, **options)  # type: ignore[arg-type]
    if numerators is None or denominators is None:
        raise ValueError(f"a {kind.label} needs numerators and denominators")
    return _attribute_chart(kind, numerators, denominators, phase_starts, baselines, exclude)


# ------------------------------------------------------------------------------------------
# When to prefer Laney's charts
# ------------------------------------------------------------------------------------------


def laney_recommendation(
    numerators: Sequence[object],
    denominators: Sequence[object],
    *,
    kind: ChartKind | str = ChartKind.P,
    phase_starts: Sequence[int] = (),
    baselines: Sequence[tuple[int, int]] = (),
    exclude: Sequence[int] = (),
) -> Recommendation:
    """Recommend p' over p (or u' over u) when the data vary more, or less, than p or u assumes.

    Criterion: Laney's own sigma z (the spread of the standardised values; 1 means the p or u
    chart's binomial or Poisson spread fits, Laney 2002) outside ``UNDERDISPERSION_SIGMA_Z`` to
    ``OVERDISPERSION_SIGMA_Z`` (0.7 to 1.3) in any phase. Overdispersion is what large
    denominators expose: the p or u limits shrink with sqrt(n) while real month-to-month
    variation does not (qicharts2 vignette, case 5). ``kind`` is "p" or "u".
    """
    kind = ChartKind(kind)
    if kind in (ChartKind.P, ChartKind.P_PRIME):
        plain, prime, word = ChartKind.P, ChartKind.P_PRIME, "proportion"
    elif kind in (ChartKind.U, ChartKind.U_PRIME):
        plain, prime, word = ChartKind.U, ChartKind.U_PRIME, "rate"
    else:
        raise ValueError("Laney's charts exist for p and u charts only")
    chart = _attribute_chart(prime, numerators, denominators, phase_starts, baselines, exclude)
    if not chart.enough_points:
        return Recommendation(
            plain,
            False,
            None,
            f"Not enough points to judge between the {plain.label} and the {prime.label}: "
            f"{chart.usable_points} usable, {MIN_POINTS} needed.",
        )
    sigma_zs = [p.sigma_z for p in chart.phases if p.sigma_z]  # None or 0: no variation
    if not sigma_zs:
        return Recommendation(
            plain,
            False,
            None,
            f"The {plain.label} is enough: every {word} is the same, so there is no variation "
            "to adjust for.",
        )
    worst = max(sigma_zs, key=lambda s: abs(math.log(s)))
    sizes = [
        float(d)
        for i, d in enumerate(denominators)
        if chart.points[i].value is not None and isinstance(d, int | float | Decimal | Fraction)
    ]
    typical = statistics.median(sizes) if sizes else 0
    typical_text = f"{typical:,.0f}"
    if worst > OVERDISPERSION_SIGMA_Z:
        return Recommendation(
            prime,
            True,
            worst,
            f"Use the {prime.label}: the points vary {worst:.1f} times as much as the "
            f"{plain.label} expects (sigma z {worst:.2f}, above {OVERDISPERSION_SIGMA_Z}). With "
            f"denominators around {typical_text} the {plain.label}'s limits are too narrow and "
            "would flag ordinary variation as special causes; Laney's chart widens them to the "
            "variation the process really shows.",
        )
    if worst < UNDERDISPERSION_SIGMA_Z:
        return Recommendation(
            prime,
            True,
            worst,
            f"Use the {prime.label}: the points vary only {worst:.2f} times as much as the "
            f"{plain.label} expects (sigma z {worst:.2f}, below {UNDERDISPERSION_SIGMA_Z}), so "
            f"its limits are too wide and could hide special causes; Laney's chart narrows them.",
        )
    return Recommendation(
        plain,
        False,
        worst,
        f"The {plain.label} is fine: the points vary about as much as it expects (sigma z "
        f"{worst:.2f}, within {UNDERDISPERSION_SIGMA_Z} to {OVERDISPERSION_SIGMA_Z}), so the "
        f"{prime.label} would draw nearly the same limits.",
    )
