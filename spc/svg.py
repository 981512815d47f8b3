"""Server-rendered, accessible SVG run charts (no JavaScript, no inline styles).

``render_svg`` draws one run chart as an inline ``<svg role="img">`` element with a ``<title>`` and
a ``<desc>`` (a sentence or two on the level, the medians and the signals), date and value axes,
the data line and points, the median of each phase (dashed), the goal line, vertical markers for
PDSA cycles and the signals of the rule engine (``spc.runchart``): points in a shift
are filled vermilion circles, points in a trend sit on a blue band and are blue diamonds, coach-
marked astronomical points get a purple ring, and a phase with too few or too many runs says so
on its median label. Colours are from the Okabe-Ito palette (safe for colour-blind readers) and
each signal also differs in shape, so colour is never the only cue.

The page's Content-Security-Policy forbids inline styles, so the markup uses only presentation
attributes (``fill``, ``stroke``, ``font-size``...) and class names: no ``style`` attribute,
no ``<style>`` element, no ``<script>``. Every piece of text is XML-escaped.

``data_table_rows`` returns the rows of the screen-reader data table the page renders below the
chart (date, value, side of the median, signals, PDSA cycles).

Why one module of this size: drawing a chart is one job (scales, axes, phases, medians,
signals, annotations, the text alternative) whose parts share the same geometry; split into files
they would pass the same dozen values back and forth. It has no Django and its own tests.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from spc.runchart import (
    Assessment,
    MedianBasis,
    Rule,
    RunChartAnalysis,
    RunsOutcome,
    SegmentAnalysis,
    Side,
    Signal,
    analyse,
)

__all__ = ["COLOURS", "DataTableRow", "data_table_rows", "format_value", "render_svg"]

Number = float | Decimal | int

COLOURS = {
    "text": "#1f2937",
    "muted": "#4b5563",
    "grid": "#e5e7eb",
    "axis": "#9ca3af",
    "line": "#334155",
    "median": "#4b5563",
    "goal": "#007a5a",  # Okabe-Ito bluish green, darkened for 4.5:1 contrast on white
    "pdsa": "#6b7280",
    "shift": "#d55e00",  # Okabe-Ito vermilion
    "trend": "#0072b2",  # Okabe-Ito blue
    "astronomical": "#cc79a7",  # Okabe-Ito reddish purple
    "runs": "#b45309",
    "background": "#ffffff",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PERCENT_UNITS = {"%", "percent", "percentage", "pct"}


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _esc(text: object) -> str:
    """Escape text for XML content or a double-quoted attribute (drops XML-invalid characters)."""
    return html.escape(_INVALID_XML.sub("", str(text)), quote=True)


def _n(x: float) -> str:
    """A coordinate: one decimal, no trailing ``.0``."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _is_percent(unit: str) -> bool:
    return unit.strip().lower() in _PERCENT_UNITS


def format_value(value: Number, unit: str = "", *, decimals: int | None = None) -> str:
    """Human format of a value: up to 2 decimals (trailing zeros dropped), ``%`` for percents."""
    v = float(value)
    text = f"{v:,.2f}".rstrip("0").rstrip(".") if decimals is None else f"{v:,.{decimals}f}"
    if text in ("-0", "-0.0"):
        text = text[1:]
    if _is_percent(unit):
        return f"{text}%"
    return text


def _fmt_date(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10**exponent
    nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 2.5 if fraction <= 2.5 else 5
    if fraction > 5:
        nice = 10
    return nice * 10**exponent


def _value_ticks(lo: float, hi: float, target: int = 5) -> tuple[float, float, list[float], int]:
    if hi - lo < 1e-12:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    step = _nice_step((hi - lo) / target)
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    count = round((end - start) / step)
    ticks = [start + i * step for i in range(count + 1)]
    decimals = next(d for d in range(7) if abs(round(step, d) - step) < 1e-9 * max(1.0, step))
    return start, end, ticks, decimals


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def _date_ticks(d0: date, d1: date, max_ticks: int) -> list[tuple[date, str, str | None]]:
    """Ticks as (date, label, optional second line with the year)."""
    span = (d1 - d0).days
    max_ticks = max(2, max_ticks)
    ticks: list[date] = []
    for days in (1, 7, 14, 28):
        if span / days + 1 <= max_ticks:
            ticks = [d0 + timedelta(days=i) for i in range(0, span + 1, days)]
            kind = "day"
            break
    else:
        for months in (1, 2, 3, 6, 12, 24, 60):
            first = _add_months(date(d0.year, d0.month, 1), 0 if d0.day == 1 else 1)
            while (first.month - 1) % min(months, 12):
                first = _add_months(first, 1)
            candidates = []
            current = first
            while current <= d1:
                candidates.append(current)
                current = _add_months(current, months)
            if len(candidates) <= max_ticks:
                ticks, kind = candidates, ("year" if months >= 12 else "month")
                break
        else:  # pragma: no cover - 60-month steps always fit
            ticks, kind = [d0, d1], "day"
    if not ticks:
        ticks, kind = [d0], "day"
    labelled: list[tuple[date, str, str | None]] = []
    previous_year = None
    for t in ticks:
        if kind == "year":
            labelled.append((t, str(t.year), None))
            continue
        label = f"{_MONTHS[t.month - 1]} {t.day}" if kind == "day" else _MONTHS[t.month - 1]
        year = str(t.year) if t.year != previous_year else None
        labelled.append((t, label, year))
        previous_year = t.year
    return labelled


def _text_width(text: str, size: float) -> float:
    """Rough rendered width of sans-serif text (no font metrics on the server)."""
    wide = sum(1 for c in text if c in "MW%@mw")
    narrow = sum(1 for c in text if c in "il.,:;|!'() 1")
    return size * (0.56 * (len(text) - wide - narrow) + 0.85 * wide + 0.32 * narrow)


def _chart_id(title: str, points: Sequence[tuple[date, Number]]) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(title.encode())
    for d, v in points:
        digest.update(f"{d.isoformat()}={v};".encode())
    return f"runchart-{digest.hexdigest()[:10]}"


def _period_word(dates: Sequence[date]) -> str:
    if len(dates) < 2:
        return ""
    gaps = sorted((b - a).days for a, b in itertools.pairwise(dates))
    gap = gaps[len(gaps) // 2]
    if 6 <= gap <= 8:
        return "weekly "
    if 27 <= gap <= 32:
        return "monthly "
    if 88 <= gap <= 93:
        return "quarterly "
    if gap == 1:
        return "daily "
    return ""


def _phase_names(analysis: RunChartAnalysis, phase_labels: Sequence[str]) -> list[str]:
    names = []
    for seg in analysis.segments:
        if seg.index < len(phase_labels) and phase_labels[seg.index]:
            names.append(str(phase_labels[seg.index]))
        elif seg.index == 0:
            names.append("Baseline")
        else:
            names.append(f"Phase {seg.index + 1}")
    return names


def _signal_phrase(
    signal: Signal, analysis: RunChartAnalysis, dates: Sequence[date], names: Sequence[str]
) -> str:
    multi = len(analysis.segments) > 1
    start, end = _fmt_date(dates[signal.start_index]), _fmt_date(dates[signal.end_index])
    when = f"on {start}" if signal.start_index == signal.end_index else f"from {start} to {end}"
    where = f" ({names[signal.segment]})" if multi else ""
    verdict = f" ({signal.assessment.value})" if signal.assessment else ""
    if signal.rule is Rule.SHIFT:
        side = "above" if signal.direction and signal.direction.value == "up" else "below"
        return f"a shift of {signal.length} points {side} the median {when}{verdict}"
    if signal.rule is Rule.TREND:
        way = "upward" if signal.direction and signal.direction.value == "up" else "downward"
        article = "an" if way == "upward" else "a"
        return f"{article} {way} trend of {signal.length} points {when}{verdict}"
    if signal.rule is Rule.ASTRONOMICAL:
        return f"an astronomical point {when}{verdict}"
    kind = "too few" if signal.rule is Rule.TOO_FEW_RUNS else "too many"
    runs = analysis.segments[signal.segment].runs
    return (
        f"{kind} runs{where} ({runs.runs} runs in {runs.useful_observations} points off the "
        f"median; {runs.lower_limit} to {runs.upper_limit} expected)"
    )


def _describe(
    *,
    title: str,
    dates: Sequence[date],
    analysis: RunChartAnalysis,
    goal: Number | None,
    annotations: Sequence[tuple[date, str]],
    unit: str,
    names: Sequence[str],
) -> str:
    values = analysis.values
    if not values:
        return f"Run chart of {title}: no data has been entered yet."
    fv = lambda v: format_value(v, unit)  # noqa: E731
    unit_text = "" if _is_percent(unit) or not unit.strip() else f" (in {unit.strip()})"
    sentences = [
        f"Run chart of {title}{unit_text}: {len(values)} {_period_word(dates)}"
        f"point{'s' if len(values) != 1 else ''} from {_fmt_date(dates[0])} to "
        f"{_fmt_date(dates[-1])}, ranging from {fv(min(values))} to {fv(max(values))}; "
        f"the latest value is {fv(values[-1])}."
    ]
    segs = analysis.segments
    multi = len(segs) > 1
    parts = []
    for seg, name in zip(segs, names, strict=True):
        notes = []
        if multi:
            notes.append(
                f"{_fmt_date(dates[seg.start_index])} to {_fmt_date(dates[seg.end_index])}"
            )
        if seg.median_basis is MedianBasis.BASELINE_POINTS:
            assert seg.baseline_end_index is not None
            notes.append(f"from the first {seg.baseline_end_index + 1} points, frozen and extended")
        elif seg.median_basis is MedianBasis.EXPLICIT:
            notes.append("frozen baseline median")
        note = f" ({'; '.join(notes)})" if notes else ""
        parts.append(f"{name}{note}: {fv(seg.median)}" if multi else f"{fv(seg.median)}{note}")
    sentences.append(f"Median{'s' if multi else ''}: {'; '.join(parts)}.")
    if multi:
        first, final = segs[0].median, segs[-1].median
        if final != first:
            way = "rose" if final > first else "fell"
            sentences.append(
                f"The median {way} from {fv(first)} ({names[0]}) to {fv(final)} ({names[-1]})."
            )
        else:
            sentences.append("The median is unchanged across phases.")
    if goal is not None:
        latest = values[-1]
        rel = "meets" if latest == goal else "is above" if latest > goal else "is below"
        sentences.append(f"Goal: {fv(goal)}; the latest value {rel} it.")
    signals = analysis.signals
    if signals:
        phrases = [_signal_phrase(s, analysis, dates, names) for s in signals]
        sentences.append(
            f"Signal{'s' if len(phrases) > 1 else ''} of non-random variation: "
            + "; ".join(phrases)
            + "."
        )
    else:
        sentences.append(
            "No signal of non-random variation: no shift, no trend and no unusual number of runs."
        )
    skipped = [
        name
        for seg, name in zip(segs, names, strict=True)
        if seg.runs.outcome is RunsOutcome.NOT_APPLIED
    ]
    if skipped:
        which = "" if not multi else f" to {', '.join(skipped)}"
        sentences.append(
            f"The runs rule was not applied{which}: fewer than 10 points off the median."
        )
    if annotations:
        cycles = "; ".join(f"{_fmt_date(d)}: {text}" for d, text in annotations)
        sentences.append(
            f"{len(annotations)} PDSA cycle{'s are' if len(annotations) != 1 else ' is'} "
            f"marked ({cycles})."
        )
    return " ".join(sentences)


# --------------------------------------------------------------------------------------------
# render_svg
# --------------------------------------------------------------------------------------------


def _check_inputs(
    points: Sequence[tuple[date, Number]], analysis: RunChartAnalysis | None
) -> RunChartAnalysis:
    dates = [d for d, _ in points]
    for d in dates:
        if not isinstance(d, date):
            raise TypeError(f"points must be (date, value) pairs, got {d!r}")
    if any(b < a for a, b in itertools.pairwise(dates)):
        raise ValueError("points must be in date order")
    if analysis is None:
        analysis = analyse([v for _, v in points])
    if len(analysis.values) != len(points):
        raise ValueError(
            f"analysis has {len(analysis.values)} values but {len(points)} points were given"
        )
    return analysis


def _legend_items(
    analysis: RunChartAnalysis, goal: Number | None, annotations: Sequence[tuple[date, str]]
) -> list[tuple[str, str]]:
    items = [("data", "Data"), ("median", "Median")]
    if goal is not None:
        items.append(("goal", "Goal"))
    if annotations:
        items.append(("pdsa", "PDSA cycle"))
    rules = {s.rule for s in analysis.signals}
    if Rule.SHIFT in rules:
        items.append(("shift", "Shift"))
    if Rule.TREND in rules:
        items.append(("trend", "Trend"))
    if Rule.ASTRONOMICAL in rules:
        items.append(("astronomical", "Astronomical point"))
    return items


def _legend_swatch(kind: str, x: float, y: float) -> str:
    c = COLOURS
    if kind == "data":
        return (
            f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 18)}" y2="{_n(y)}" '
            f'stroke="{c["line"]}" stroke-width="2"/>'
            f'<circle cx="{_n(x + 9)}" cy="{_n(y)}" r="3" fill="#ffffff" '
            f'stroke="{c["line"]}" stroke-width="1.5"/>'
        )
    if kind == "median":
        return (
            f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 18)}" y2="{_n(y)}" '
            f'stroke="{c["median"]}" stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
    if kind == "goal":
        return (
            f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 18)}" y2="{_n(y)}" '
            f'stroke="{c["goal"]}" stroke-width="2"/>'
        )
    if kind == "pdsa":
        return (
            f'<line x1="{_n(x + 9)}" y1="{_n(y - 6)}" x2="{_n(x + 9)}" y2="{_n(y + 6)}" '
            f'stroke="{c["pdsa"]}" stroke-width="1" stroke-dasharray="2 2"/>'
        )
    if kind == "shift":
        return (
            f'<circle cx="{_n(x + 9)}" cy="{_n(y)}" r="4.5" fill="{c["shift"]}" '
            f'stroke="#ffffff" stroke-width="1"/>'
        )
    if kind == "trend":
        return (
            f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 18)}" y2="{_n(y)}" '
            f'stroke="{c["trend"]}" stroke-opacity="0.25" stroke-width="8" '
            f'stroke-linecap="round"/>' + _diamond(x + 9, y, 4.5, c["trend"])
        )
    return (  # astronomical
        f'<circle cx="{_n(x + 9)}" cy="{_n(y)}" r="6" fill="none" '
        f'stroke="{c["astronomical"]}" stroke-width="2"/>'
    )


def _diamond(x: float, y: float, r: float, fill: str, extra: str = "") -> str:
    return (
        f'<path d="M{_n(x)} {_n(y - r)}L{_n(x + r)} {_n(y)}L{_n(x)} {_n(y + r)}'
        f'L{_n(x - r)} {_n(y)}Z" fill="{fill}" stroke="#ffffff" stroke-width="1"{extra}/>'
    )


def _halo_text(
    x: float,
    y: float,
    text: str,
    *,
    fill: str,
    anchor: str = "start",
    size=11,
    weight: str | None = None,
) -> str:
    w = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{w} stroke="#ffffff" stroke-width="3" stroke-linejoin="round" '
        f'paint-order="stroke">{_esc(text)}</text>'
    )


def _segment_hits(
    box: tuple[float, float, float, float], coords: Sequence[tuple[float, float]]
) -> int:
    """How many data points and line segments a label box (x0, y0, x1, y1) would cover."""
    bx0, by0, bx1, by1 = box
    hits = 0
    for (xa, ya), (xb, yb) in itertools.pairwise(coords):
        if xb < bx0 or xa > bx1:
            continue
        lo, hi = max(xa, bx0), min(xb, bx1)
        if xb == xa:
            ys_ = (ya, yb)
        else:
            ys_ = tuple(ya + (yb - ya) * (x - xa) / (xb - xa) for x in (lo, hi))
        if min(ys_) <= by1 and max(ys_) >= by0:
            hits += 1
    hits += sum(3 for x, y in coords if bx0 - 3 <= x <= bx1 + 3 and by0 - 3 <= y <= by1 + 3)
    return hits


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def render_svg(
    *,
    title: str,
    points: Sequence[tuple[date, Number]],
    analysis: RunChartAnalysis | None = None,
    goal: Number | None = None,
    annotations: Sequence[tuple[date, str]] = (),
    unit: str = "",
    width: int = 720,
    height: int = 320,
    chart_id: str | None = None,
    phase_labels: Sequence[str] = (),
    show_title: bool = True,
) -> str:
    """Render a run chart as an accessible inline SVG string.

    ``points`` are (date, value) pairs in date order and ``analysis`` the result of
    ``runchart.analyse`` on their values (computed with the defaults if omitted). ``goal`` draws
    the goal line, ``annotations`` the PDSA cycles as (date, text) markers, ``unit`` labels the
    values ("%" or "percent" formats them as percentages). ``chart_id`` prefixes the element ids,
    which must be unique on the page (derived from the title and data if omitted).
    ``phase_labels`` names the segments (default "Baseline", "Phase 2"...). ``show_title`` also
    draws the title as visible text at the top (it is always in ``<title>``).
    """
    analysis = _check_inputs(points, analysis)
    cid = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) if chart_id else _chart_id(title, points)
    dates = [d for d, _ in points]
    values = [float(v) for v in analysis.values]
    names = _phase_names(analysis, phase_labels)
    c = COLOURS
    desc = _describe(
        title=title,
        dates=dates,
        analysis=analysis,
        goal=goal,
        annotations=annotations,
        unit=unit,
        names=names,
    )
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="runchart" id="{cid}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="{_esc(FONT)}" '
        f'font-size="11" fill="{c["text"]}">',
        f'<title id="{cid}-title">{_esc(title)}</title>',
        f'<desc id="{cid}-desc">{_esc(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{c["background"]}"/>',
    ]

    # ---- header: title and legend ------------------------------------------------------------
    top = 6.0
    if show_title:
        shown = title if len(title) <= 90 else title[:89] + "…"
        out.append(
            f'<text x="12" y="22" font-size="14" font-weight="600" fill="{c["text"]}">'
            f"{_esc(shown)}</text>"
        )
        top = 30.0
    legend = _legend_items(analysis, goal, annotations) if values else []
    lx, ly = 12.0, top + 12
    out.append('<g class="runchart-legend" aria-hidden="true">')
    for kind, label in legend:
        item_w = 24 + _text_width(label, 11) + 16
        if lx + item_w > width - 8 and lx > 12:
            lx, ly = 12.0, ly + 18
        out.append(_legend_swatch(kind, lx, ly - 4))
        out.append(f'<text x="{_n(lx + 24)}" y="{_n(ly)}" fill="{c["muted"]}">{_esc(label)}</text>')
        lx += item_w
    out.append("</g>")
    plot_top = ly + (30 if annotations else 16)

    if not values:
        out.append(
            f'<text x="{_n(width / 2)}" y="{_n((plot_top + height) / 2)}" text-anchor="middle" '
            f'font-size="13" fill="{c["muted"]}">No data yet</text></svg>'
        )
        return "".join(out)

    # ---- scales ------------------------------------------------------------------------------
    segs = analysis.segments
    multi = len(segs) > 1
    domain = [*values, *(float(m) for m in analysis.medians)]
    if goal is not None:
        domain.append(float(goal))
    y_lo, y_hi, y_ticks, decimals = _value_ticks(min(domain), max(domain))
    tick_labels = [format_value(t, unit, decimals=decimals) for t in y_ticks]
    unit_title = "" if _is_percent(unit) or not unit.strip() else unit.strip()
    left = 14 + max(_text_width(t, 11) for t in tick_labels) + (18 if unit_title else 0)
    # Right margin: the goal's and the last median's labels sit beyond the plot's right edge.
    end_labels: list[tuple[float, str, str]] = []  # (value, text, colour)
    last = segs[-1]
    end_labels.append(
        (float(last.median), f"Median {format_value(last.median, unit)}", c["median"])
    )
    if goal is not None:
        end_labels.append((float(goal), f"Goal {format_value(goal, unit)}", c["goal"]))
    right = width - 14 - max(_text_width(t, 10) for _, t, _ in end_labels) - 8
    bottom = height - 38.0
    plot_w, plot_h = right - left, bottom - plot_top

    def ys(v: float) -> float:
        return bottom - (v - y_lo) / (y_hi - y_lo) * plot_h

    d0, d1 = dates[0], dates[-1]
    span_days = (d1 - d0).days
    inset = min(10.0, plot_w * 0.03)

    def xs(d: date) -> float:
        if span_days == 0:
            return left + plot_w / 2
        return left + inset + (d - d0).days / span_days * (plot_w - 2 * inset)

    coords = [(xs(d), ys(v)) for d, v in zip(dates, values, strict=True)]
    labels: list[str] = []  # drawn last, on top of the data
    taken: list[tuple[float, float, float, float]] = []

    # ---- grid and axes -------------------------------------------------------------------------
    out.append('<g class="runchart-axes" aria-hidden="true">')
    for t, label in zip(y_ticks, tick_labels, strict=True):
        y = ys(t)
        out.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}" '
            f'stroke="{c["grid"]}" stroke-width="1"/>'
            f'<text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end" '
            f'fill="{c["muted"]}">{_esc(label)}</text>'
        )
    if unit_title:
        cy = plot_top + plot_h / 2
        out.append(
            f'<text x="14" y="{_n(cy)}" text-anchor="middle" fill="{c["muted"]}" '
            f'transform="rotate(-90 14 {_n(cy)})">{_esc(unit_title)}</text>'
        )
    out.append(
        f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(right)}" y2="{_n(bottom)}" '
        f'stroke="{c["axis"]}" stroke-width="1"/>'
    )
    for t, label, year in _date_ticks(d0, d1, int(plot_w // 46)):
        x = xs(t)
        out.append(
            f'<line x1="{_n(x)}" y1="{_n(bottom)}" x2="{_n(x)}" y2="{_n(bottom + 4)}" '
            f'stroke="{c["axis"]}" stroke-width="1"/>'
            f'<text x="{_n(x)}" y="{_n(bottom + 16)}" text-anchor="middle" '
            f'fill="{c["muted"]}">{_esc(label)}</text>'
        )
        if year:
            out.append(
                f'<text x="{_n(x)}" y="{_n(bottom + 29)}" text-anchor="middle" '
                f'fill="{c["muted"]}" font-size="10">{_esc(year)}</text>'
            )
    out.append("</g>")

    # ---- phases: separators, median lines, phase names -----------------------------------------
    out.append('<g class="runchart-medians" aria-hidden="true">')
    for seg, name in zip(segs, names, strict=True):
        x0 = (
            left
            if seg.index == 0
            else (xs(dates[seg.start_index - 1]) + coords[seg.start_index][0]) / 2
        )
        x1 = right if seg is last else (coords[seg.end_index][0] + xs(dates[seg.end_index + 1])) / 2
        if seg.index > 0:
            out.append(
                f'<line class="runchart-phase" x1="{_n(x0)}" y1="{_n(plot_top)}" x2="{_n(x0)}" '
                f'y2="{_n(bottom)}" stroke="{c["axis"]}" stroke-width="1"/>'
            )
        y = ys(float(seg.median))
        out.append(
            f'<line class="runchart-median" x1="{_n(x0)}" y1="{_n(y)}" x2="{_n(x1)}" '
            f'y2="{_n(y)}" stroke="{c["median"]}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        if seg.baseline_end_index is not None and seg.baseline_end_index < seg.end_index:
            # Where the frozen baseline ends and its median is extended: a short tick.
            xe = (coords[seg.baseline_end_index][0] + coords[seg.baseline_end_index + 1][0]) / 2
            out.append(
                f'<line x1="{_n(xe)}" y1="{_n(y - 5)}" x2="{_n(xe)}" y2="{_n(y + 5)}" '
                f'stroke="{c["median"]}" stroke-width="1.5"/>'
            )
        runs_note = {
            RunsOutcome.TOO_FEW: " · too few runs",
            RunsOutcome.TOO_MANY: " · too many runs",
        }.get(seg.runs.outcome, "")
        if multi or seg.median_basis is not MedianBasis.SEGMENT or runs_note:
            # A lone phase is named only when its baseline is frozen.
            named = multi or seg.median_basis is not MedianBasis.SEGMENT
            text = name + runs_note if named else runs_note.removeprefix(" · ").capitalize()
            labels.append(
                _halo_text(
                    x0 + 5,
                    plot_top + 12,
                    text,
                    fill=c["runs"] if runs_note else c["muted"],
                    size=10,
                    weight="600",
                )
            )
            taken.append((x0 + 5, plot_top + 2, x0 + 5 + _text_width(text, 10), plot_top + 14))
        if seg is not last:  # earlier medians are labelled inside the plot, where it is clear
            text = f"Median {format_value(seg.median, unit)}"
            w = _text_width(text, 10)
            candidates = [
                (x0 + 5, y - 5),
                (x0 + 5, y + 13),
                (x1 - 5 - w, y - 5),
                (x1 - 5 - w, y + 13),
            ]
            best = min(
                candidates,
                key=lambda p: (
                    _segment_hits((p[0], p[1] - 9, p[0] + w, p[1] + 2), coords)
                    + 100 * any(_overlaps((p[0], p[1] - 9, p[0] + w, p[1] + 2), b) for b in taken)
                ),
            )
            taken.append((best[0], best[1] - 9, best[0] + w, best[1] + 2))
            labels.append(_halo_text(best[0], best[1], text, fill=c["median"], size=10))
    out.append("</g>")

    # ---- goal --------------------------------------------------------------------------------
    if goal is not None:
        y = ys(float(goal))
        out.append(
            f'<line class="runchart-goal" x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" '
            f'y2="{_n(y)}" stroke="{c["goal"]}" stroke-width="2" aria-hidden="true"/>'
        )
    # End-of-line labels in the right margin, nudged apart when the lines are close.
    placed: list[float] = []
    for value, text, colour in sorted(end_labels, key=lambda e: -e[0]):
        y = ys(value) + 3.5
        if placed and y - placed[-1] < 12:
            y = placed[-1] + 12
        placed.append(y)
        weight = "600" if colour == c["goal"] else None
        labels.append(_halo_text(right + 6, y, text, fill=colour, size=10, weight=weight))

    # ---- PDSA cycles ---------------------------------------------------------------------------
    badges: list[str] = []
    if annotations:
        out.append('<g class="runchart-pdsa" aria-hidden="true">')
        last_badge = -1e9
        ordered = sorted(annotations, key=lambda a: a[0])
        for number, (d, text) in enumerate(ordered, start=1):
            if d < d0 - timedelta(days=7) or d > d1 + timedelta(days=31):
                continue  # outside the chart's dates
            x = min(max(xs(d), left), right)
            bx = max(x, last_badge + 18)  # badges of close cycles sit side by side
            last_badge = bx
            by = plot_top - 12
            out.append(
                f'<line x1="{_n(x)}" y1="{_n(plot_top)}" x2="{_n(x)}" y2="{_n(bottom)}" '
                f'stroke="{c["pdsa"]}" stroke-width="1" stroke-dasharray="3 3"/>'
            )
            if bx != x:
                out.append(
                    f'<line x1="{_n(bx)}" y1="{_n(by + 8)}" x2="{_n(x)}" y2="{_n(plot_top)}" '
                    f'stroke="{c["pdsa"]}" stroke-width="1"/>'
                )
            badges.append(
                f'<g class="runchart-pdsa-badge">'
                f"<title>{_esc(f'PDSA cycle {number}, {_fmt_date(d)}: {text}')}</title>"
                f'<circle cx="{_n(bx)}" cy="{_n(by)}" r="8" fill="{c["pdsa"]}"/>'
                f'<text x="{_n(bx)}" y="{_n(by + 3.5)}" text-anchor="middle" font-size="10" '
                f'font-weight="600" fill="#ffffff">{number}</text></g>'
            )
        out.append("</g>")

    # ---- data --------------------------------------------------------------------------------
    out.append('<g class="runchart-data">')
    spacing = plot_w / max(1, len(coords) - 1)
    r = max(1.8, min(3.5, spacing / 3))
    for sig in analysis.signals_by_rule(Rule.TREND):
        band = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords[sig.start_index : sig.end_index + 1])
        out.append(
            f'<polyline class="runchart-trend-band" points="{band}" fill="none" '
            f'stroke="{c["trend"]}" stroke-opacity="0.22" stroke-width="{_n(3 * r + 0.5)}" '
            f'stroke-linecap="round" stroke-linejoin="round"/>'
        )
    if len(coords) > 1:
        line = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
        out.append(
            f'<polyline class="runchart-line" points="{line}" fill="none" stroke="{c["line"]}" '
            f'stroke-width="1.75" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    shift_pts = analysis.signal_points(Rule.SHIFT)
    trend_pts = analysis.signal_points(Rule.TREND)
    astro_pts = analysis.signal_points(Rule.ASTRONOMICAL)
    for i, ((x, y), d) in enumerate(zip(coords, dates, strict=True)):
        sigs = analysis.signals_at(i)
        tooltip = f"{_fmt_date(d)}: {format_value(analysis.values[i], unit)}"
        tooltip += f" ({analysis.side_of(i).label})"
        if sigs:
            tooltip += "; " + ", ".join(s.rule.label.lower() for s in sigs)
        tip = f"<title>{_esc(tooltip)}</title>"
        if i in shift_pts:
            classes = "runchart-point runchart-shift"
            ring = ' stroke="#ffffff" stroke-width="1"'
            if i in trend_pts:
                classes += " runchart-trend"
                ring = f' stroke="{c["trend"]}" stroke-width="2"'
            out.append(
                f'<circle class="{classes}" cx="{_n(x)}" cy="{_n(y)}" '
                f'r="{_n(r + 1)}" fill="{c["shift"]}"{ring}>{tip}</circle>'
            )
        elif i in trend_pts:
            out.append(
                _diamond(
                    x, y, r + 1.5, c["trend"], ' class="runchart-point runchart-trend"'
                ).replace("/>", f">{tip}</path>")
            )
        elif spacing >= 5 or i in astro_pts or len(coords) == 1:
            out.append(
                f'<circle class="runchart-point" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" '
                f'fill="#ffffff" stroke="{c["line"]}" stroke-width="1.5">{tip}</circle>'
            )
        if i in astro_pts:
            out.append(
                f'<circle class="runchart-astronomical" cx="{_n(x)}" cy="{_n(y)}" '
                f'r="{_n(max(r + 4.5, 7))}" fill="none" stroke="{c["astronomical"]}" '
                f'stroke-width="2"/>'
            )
    out.append("</g>")
    out.append('<g class="runchart-labels" aria-hidden="true">' + "".join(labels) + "</g>")
    if badges:
        out.append("".join(badges))
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Data table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DataTableRow:
    """One row of the screen-reader table under a chart."""

    date: date
    value: Number
    value_display: str
    phase: int  # 1-based
    phase_label: str
    median: Number
    median_display: str
    side: Side
    side_label: str  # "above median" / "below median" / "on median"
    signals: tuple[str, ...]  # e.g. ("Shift (improvement)", "Trend")
    pdsa: tuple[str, ...]  # PDSA cycles dated in this period

    @property
    def signal_display(self) -> str:
        return "; ".join(self.signals)


def _signal_label(signal: Signal) -> str:
    label = signal.rule.label
    if signal.assessment is Assessment.IMPROVEMENT:
        return f"{label} (improvement)"
    if signal.assessment is Assessment.DETERIORATION:
        return f"{label} (deterioration)"
    if signal.direction is not None and signal.rule is not Rule.ASTRONOMICAL:
        return f"{label} ({'up' if signal.direction.value == 'up' else 'down'})"
    return label


def data_table_rows(
    *,
    points: Sequence[tuple[date, Number]],
    analysis: RunChartAnalysis | None = None,
    annotations: Sequence[tuple[date, str]] = (),
    unit: str = "",
    phase_labels: Sequence[str] = (),
) -> list[DataTableRow]:
    """Rows (date, value, side of the median, signals, PDSA cycles) for the data table.

    A PDSA cycle is listed on the row of the period it falls in: the last point dated on or
    before it (cycles before the first point, or more than a period after the last, are left out).
    """
    analysis = _check_inputs(points, analysis)
    dates = [d for d, _ in points]
    names = _phase_names(analysis, phase_labels)
    by_row: dict[int, list[str]] = {}
    if dates:
        gaps = sorted((b - a).days for a, b in itertools.pairwise(dates))
        period = gaps[len(gaps) // 2] if gaps else 0
        for d, text in sorted(annotations, key=lambda a: a[0]):
            i = bisect.bisect_right(dates, d) - 1
            if i < 0 or (i == len(dates) - 1 and (d - dates[-1]).days >= max(period, 1)):
                continue
            by_row.setdefault(i, []).append(f"{_fmt_date(d)}: {text}")
    rows = []
    for i, (d, _) in enumerate(points):
        seg: SegmentAnalysis = analysis.segment_of(i)
        side = analysis.side_of(i)
        rows.append(
            DataTableRow(
                date=d,
                value=analysis.values[i],
                value_display=format_value(analysis.values[i], unit),
                phase=seg.index + 1,
                phase_label=names[seg.index],
                median=seg.median,
                median_display=format_value(seg.median, unit),
                side=side,
                side_label=side.label,
                signals=tuple(_signal_label(s) for s in analysis.signals_at(i)),
                pdsa=tuple(by_row.get(i, ())),
            )
        )
    return rows
