"""Server-rendered, accessible SVG of charts with a centre line per phase and, for control
charts, limits (stepped when they vary with the denominator), plus the moving-range chart beneath
an XmR chart, and the compact sparklines of the cross-team page.

``render_chart_svg`` draws from plain per-point lists (values, centre, lower and upper limit,
already scaled to what the reader sees, e.g. percentages) and a list of :class:`Marker` (the
points each signal covers). Every signal is marked by shape AND colour (Okabe-Ito colours, as
``spc.svg``): outside the limits a triangle pointing the way it broke out, two of three in the
outer third a square, a shift or an unusually long run a filled circle, a trend a diamond,
fifteen in the inner third a ring. PDSA cycles are numbered badges with a dashed line, as on the
run charts. The legend names each mark in words and the ``<desc>`` carries the text alternative;
pages list the signals under the chart too.

No inline style, no script (the portal's Content-Security-Policy), every text XML-escaped, no
Django: the same contract as ``spc.svg``, whose small helpers (scales, date ticks, escaping) it
reuses rather than copies.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from spc.svg import (
    COLOURS,
    FONT,
    _date_ticks,
    _esc,
    _fmt_date,
    _n,
    _text_width,
    _value_ticks,
    format_value,
)

__all__ = ["MARKS", "Marker", "MovingRange", "render_chart_svg", "render_sparkline"]

# key -> (shape, colour, legend words). The order is the drawing priority: a point in two
# signals shows the first one's shape (the signal list names both).
MARKS: dict[str, tuple[str, str, str]] = {
    "outside": ("triangle", "#882255", "Outside the limits"),
    "two_of_three": ("square", "#b45309", "2 of 3 in the outer third"),
    "shift": ("circle", COLOURS["shift"], "Shift"),
    "long_run": ("circle", COLOURS["shift"], "Unusually long run"),
    "trend": ("diamond", COLOURS["trend"], "Trend"),
    "inner_third": ("ring", COLOURS["trend"], "15 in the inner third"),
    "astronomical": ("ring", COLOURS["astronomical"], "Astronomical point"),
}


@dataclass(frozen=True, slots=True)
class Marker:
    """A signal to mark: ``key`` (one of ``MARKS``), the 0-based points it covers and, for a
    point outside the limits, whether it broke out upwards."""

    key: str
    indices: tuple[int, ...]
    up: bool = True


@dataclass(frozen=True, slots=True)
class MovingRange:
    """The moving-range chart under an XmR chart: per-point moving ranges (None for each
    phase's first point), their average and upper limit, and the points above it."""

    values: Sequence[float | None]
    centre: Sequence[float | None]
    upper: Sequence[float | None]
    above: tuple[int, ...] = ()


def _shape(shape: str, x: float, y: float, r: float, colour: str, *, up: bool = True,
           extra: str = "") -> str:
    if shape == "circle":
        return (f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r + 1)}" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="1"{extra}/>')
    if shape == "ring":
        return (f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r + 3)}" fill="none" '
                f'stroke="{colour}" stroke-width="2"{extra}/>')
    if shape == "square":
        s = r + 1.5
        return (f'<rect x="{_n(x - s)}" y="{_n(y - s)}" width="{_n(2 * s)}" height="{_n(2 * s)}" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="1"{extra}/>')
    if shape == "diamond":
        s = r + 2
        return (f'<path d="M{_n(x)} {_n(y - s)}L{_n(x + s)} {_n(y)}L{_n(x)} {_n(y + s)}'
                f'L{_n(x - s)} {_n(y)}Z" fill="{colour}" stroke="#ffffff" stroke-width="1"'
                f'{extra}/>')
    s = r + 2.5  # triangle, pointing the way the point broke out
    tip, base = (y - s, y + s * 0.8) if up else (y + s, y - s * 0.8)
    return (f'<path d="M{_n(x)} {_n(tip)}L{_n(x + s)} {_n(base)}L{_n(x - s)} {_n(base)}Z" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="1"{extra}/>')


def _stepped(xs: Sequence[float], ys: Sequence[float | None], left: float,
             right: float) -> list[str]:
    """Path data of a line that holds each point's value across its slot (half-way to its
    neighbours): flat where the values are equal, stepped where they vary."""
    runs: list[list[list[float]]] = []  # per unbroken stretch: [x0, x1, y] levels
    n = len(xs)
    for i in range(n):
        y = ys[i]
        if y is None:
            runs.append([])
            continue
        x0 = left if i == 0 else (xs[i - 1] + xs[i]) / 2
        x1 = right if i == n - 1 else (xs[i] + xs[i + 1]) / 2
        if not runs:
            runs.append([])
        levels = runs[-1]
        if levels and _n(levels[-1][2]) == _n(y):
            levels[-1][1] = x1  # the same level goes on: one horizontal stroke, not many
        else:
            levels.append([x0, x1, y])
    return ["".join(f"{'M' if j == 0 else 'L'}{_n(x0)} {_n(y)}H{_n(x1)}"
                    for j, (x0, x1, y) in enumerate(levels))
            for levels in runs if levels]


def _by_phase(xs: Sequence[float], ys: Sequence[float | None], left: float, right: float,
              starts: Sequence[int]) -> list[str]:
    """``_stepped`` for each phase on its own: no line joins one phase's level to the next."""
    cuts = [0, *starts, len(xs)]
    paths = []
    for a, b in itertools.pairwise(cuts):
        if a >= b:
            continue
        lo = left if a == 0 else (xs[a - 1] + xs[a]) / 2
        hi = right if b == len(xs) else (xs[b - 1] + xs[b]) / 2
        paths += _stepped(xs[a:b], ys[a:b], lo, hi)
    return paths


def _chart_id(title: str, values: Sequence[float | None]) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(title.encode())
    digest.update(repr(list(values)).encode())
    return f"ctl-{digest.hexdigest()[:10]}"


def render_chart_svg(
    *,
    title: str,
    dates: Sequence[date],
    values: Sequence[float | None],
    centre: Sequence[float | None],
    lower: Sequence[float | None] | None = None,
    upper: Sequence[float | None] | None = None,
    centre_label: str = "Mean",
    phase_starts: Sequence[int] = (),
    phase_labels: Sequence[str] = (),
    markers: Sequence[Marker] = (),
    annotations: Sequence[tuple[date, str]] = (),
    unit: str = "",
    goal: float | None = None,
    description: str = "",
    moving_range: MovingRange | None = None,
    width: int = 760,
    height: int = 340,
    chart_id: str | None = None,
    show_title: bool = True,
) -> str:
    """One chart as an inline ``<svg role="img">``; see the module's docstring."""
    if not (len(dates) == len(values) == len(centre)):
        raise ValueError("dates, values and centre need one entry per point")
    if any(b < a for a, b in itertools.pairwise(dates)):
        raise ValueError("points must be in date order")
    c = COLOURS
    cid = chart_id or _chart_id(title, values)
    mr_h = 120 if moving_range is not None else 0
    total_h = height + mr_h
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="runchart controlchart" '
        f'viewBox="0 0 {width} {total_h}" width="{width}" height="{total_h}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="{_esc(FONT)}" font-size="11">'
        f'<title id="{cid}-title">{_esc(title)}</title>'
        f'<desc id="{cid}-desc">{_esc(description)}</desc>'
        f'<rect width="{width}" height="{total_h}" fill="{c["background"]}"/>'
    ]
    top = 8.0
    if show_title:
        out.append(f'<text x="12" y="20" font-size="14" font-weight="600" '
                   f'fill="{c["text"]}">{_esc(title)}</text>')
        top = 28.0
    # ---- legend: every line and mark drawn, in words ------------------------------------------
    used = [k for k in MARKS if any(m.key == k for m in markers)]
    items: list[tuple[str, str]] = [("data", "Data"), ("centre", centre_label)]
    if upper is not None and any(v is not None for v in upper):
        items.append(("limits", "Control limits"))
    if goal is not None:
        items.append(("goal", "Goal"))
    if annotations:
        items.append(("pdsa", "PDSA cycle"))
    items += [(k, MARKS[k][2]) for k in used]
    lx, ly = 12.0, top + 8
    legend = ['<g class="chart-legend" aria-hidden="true">']
    for key, text in items:
        w = 24 + _text_width(text, 10.5) + 12
        if lx + w > width - 8:
            lx, ly = 12.0, ly + 16
        if key in MARKS:
            shape, colour, _ = MARKS[key]
            legend.append(_shape(shape, lx + 9, ly, 3, colour))
        elif key == "data":
            legend.append(f'<line x1="{_n(lx)}" y1="{_n(ly)}" x2="{_n(lx + 18)}" y2="{_n(ly)}" '
                          f'stroke="{c["line"]}" stroke-width="2"/>')
        elif key == "pdsa":
            legend.append(f'<circle cx="{_n(lx + 9)}" cy="{_n(ly)}" r="6" fill="{c["pdsa"]}"/>')
        else:
            colour = {"centre": c["median"], "limits": "#882255", "goal": c["goal"]}[key]
            dash = {"centre": ' stroke-dasharray="5 3"' if centre_label == "Median" else "",
                    "limits": ' stroke-dasharray="2 2"', "goal": ""}[key]
            legend.append(f'<line x1="{_n(lx)}" y1="{_n(ly)}" x2="{_n(lx + 18)}" y2="{_n(ly)}" '
                          f'stroke="{colour}" stroke-width="1.75"{dash}/>')
        legend.append(f'<text x="{_n(lx + 24)}" y="{_n(ly + 3.5)}" fill="{c["text"]}" '
                      f'font-size="10.5">{_esc(text)}</text>')
        lx += w
    legend.append("</g>")
    out += legend
    plot_top = ly + 22 + (10 if annotations else 0)
    present = [v for v in values if v is not None]
    if not present:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
                   f'fill="{c["muted"]}">No data yet</text></svg>')
        return "".join(out)
    domain = [*present, *(v for v in centre if v is not None)]
    for series in (lower, upper):
        domain += [v for v in (series or ()) if v is not None]
    if goal is not None:
        domain.append(goal)
    y_lo, y_hi, ticks, decimals = _value_ticks(min(domain), max(domain))
    labels = [format_value(t, unit, decimals=decimals) for t in ticks]
    left = 14 + max(_text_width(t, 11) for t in labels)
    right = width - 16.0
    bottom = height - 38.0
    plot_w, plot_h = right - left, bottom - plot_top

    def ys(v: float) -> float:
        return bottom - (v - y_lo) / (y_hi - y_lo) * plot_h

    d0, d1 = dates[0], dates[-1]
    span = (d1 - d0).days
    inset = min(10.0, plot_w * 0.03)

    def xd(d: date) -> float:
        if span == 0:
            return left + plot_w / 2
        return left + inset + (d - d0).days / span * (plot_w - 2 * inset)

    xs = [xd(d) for d in dates]
    # ---- axes ---------------------------------------------------------------------------------
    out.append('<g class="runchart-axes" aria-hidden="true">')
    for t, label in zip(ticks, labels, strict=True):
        y = ys(t)
        out.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}" '
                   f'stroke="{c["grid"]}" stroke-width="1"/><text x="{_n(left - 6)}" '
                   f'y="{_n(y + 4)}" text-anchor="end" fill="{c["muted"]}">{_esc(label)}</text>')
    out.append(f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(right)}" y2="{_n(bottom)}" '
               f'stroke="{c["axis"]}" stroke-width="1"/>')
    for t, label, year in _date_ticks(d0, d1, int(plot_w // 46)):
        x = xd(t)
        out.append(f'<text x="{_n(x)}" y="{_n(bottom + 16)}" text-anchor="middle" '
                   f'fill="{c["muted"]}">{_esc(label)}</text>')
        if year:
            out.append(f'<text x="{_n(x)}" y="{_n(bottom + 29)}" text-anchor="middle" '
                       f'fill="{c["muted"]}" font-size="10">{_esc(year)}</text>')
    out.append("</g>")
    # ---- phases, centre lines, limits ---------------------------------------------------------
    out.append('<g class="controlchart-lines" aria-hidden="true">')
    starts = [0, *phase_starts]
    bounds = list(enumerate(starts))
    dash = ' stroke-dasharray="6 4"' if centre_label == "Median" else ""
    for k, s in bounds:
        x0 = left if s == 0 else (xs[s - 1] + xs[s]) / 2
        if s:
            out.append(f'<line class="runchart-phase" x1="{_n(x0)}" y1="{_n(plot_top)}" '
                       f'x2="{_n(x0)}" y2="{_n(bottom)}" stroke="{c["axis"]}" stroke-width="1"/>')
        if len(bounds) > 1 or (phase_labels and k < len(phase_labels) and s):
            name = phase_labels[k] if k < len(phase_labels) else f"Phase {k + 1}"
            out.append(f'<text x="{_n(x0 + 4)}" y="{_n(plot_top + 11)}" font-size="10" '
                       f'font-weight="600" fill="{c["muted"]}">{_esc(name)}</text>')
    for path in _by_phase(xs, [None if v is None else ys(v) for v in centre], left, right,
                          phase_starts):
        out.append(f'<path class="controlchart-centre" d="{path}" fill="none" '
                   f'stroke="{c["median"]}" stroke-width="1.5"{dash}/>')
    for series in (lower, upper):
        if series is None:
            continue
        for path in _by_phase(xs, [None if v is None else ys(v) for v in series], left, right,
                              phase_starts):
            out.append(f'<path class="controlchart-limit" d="{path}" fill="none" '
                       f'stroke="#882255" stroke-width="1.25" stroke-dasharray="2 2"/>')
    last_c = next((v for v in reversed(centre) if v is not None), None)
    end_labels = []
    if last_c is not None:
        end_labels.append((last_c, f"{centre_label} {format_value(last_c, unit)}", c["median"]))
    if upper is not None and upper[-1] is not None:
        end_labels.append((upper[-1], f"UCL {format_value(upper[-1], unit)}", "#882255"))
    if lower is not None and lower[-1] is not None:
        end_labels.append((lower[-1], f"LCL {format_value(lower[-1], unit)}", "#882255"))
    if goal is not None:
        gy = ys(goal)
        out.append(f'<line class="runchart-goal" x1="{_n(left)}" y1="{_n(gy)}" x2="{_n(right)}" '
                   f'y2="{_n(gy)}" stroke="{c["goal"]}" stroke-width="2"/>')
        end_labels.append((goal, f"Goal {format_value(goal, unit)}", c["goal"]))
    placed: list[float] = []
    for value, text, colour in sorted(end_labels, key=lambda e: -e[0]):
        y = ys(value) - 4
        if placed and y - placed[-1] < 11:
            y = placed[-1] + 11
        placed.append(y)
        out.append(f'<text x="{_n(right - 2)}" y="{_n(y)}" text-anchor="end" font-size="10" '
                   f'fill="{colour}">{_esc(text)}</text>')
    out.append("</g>")
    # ---- PDSA cycles --------------------------------------------------------------------------
    out += _pdsa(annotations, d0, d1, xd, left, right, plot_top, bottom)
    # ---- data and signals ---------------------------------------------------------------------
    out.append('<g class="runchart-data">')
    spacing = plot_w / max(1, len(xs) - 1)
    r = max(1.8, min(3.5, spacing / 3))
    run: list[str] = []
    for x, v in zip(xs, values, strict=True):
        if v is None:
            if len(run) > 1:
                out.append(f'<polyline points="{" ".join(run)}" fill="none" '
                           f'stroke="{c["line"]}" stroke-width="1.75" stroke-linejoin="round"/>')
            run = []
        else:
            run.append(f"{_n(x)},{_n(ys(v))}")
    if len(run) > 1:
        out.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{c["line"]}" '
                   f'stroke-width="1.75" stroke-linejoin="round"/>')
    mark_at: dict[int, tuple[str, bool]] = {}
    for key in MARKS:
        for m in markers:
            if m.key == key:
                for i in m.indices:
                    mark_at.setdefault(i, (key, m.up))
    for i, (x, v) in enumerate(zip(xs, values, strict=True)):
        if v is None:
            continue
        y = ys(v)
        tip = f"<title>{_esc(f'{_fmt_date(dates[i])}: {format_value(v, unit)}')}</title>"
        if i in mark_at:
            key, up = mark_at[i]
            shape, colour, _ = MARKS[key]
            if shape == "ring":
                out.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="#ffffff" '
                           f'stroke="{c["line"]}" stroke-width="1.5"/>')
            mark = _shape(shape, x, y, r, colour, up=up, extra=f' class="signal-{key}"')
            out.append(mark.replace("/>", f">{tip}</{_tag(shape)}>", 1))
        elif spacing >= 5 or len(xs) == 1:
            out.append(f'<circle class="runchart-point" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" '
                       f'fill="#ffffff" stroke="{c["line"]}" stroke-width="1.5">{tip}</circle>')
    out.append("</g>")
    if moving_range is not None:
        out += _moving_range(moving_range, xs, left, right, height, mr_h, r, unit)
    out.append("</svg>")
    return "".join(out)


def _tag(shape: str) -> str:
    return {"circle": "circle", "ring": "circle", "square": "rect"}.get(shape, "path")


def _pdsa(annotations, d0, d1, xd, left, right, plot_top, bottom) -> list[str]:
    out: list[str] = []
    if not annotations:
        return out
    c = COLOURS
    out.append('<g class="runchart-pdsa">')
    last_badge = -1e9
    for number, (d, text) in enumerate(sorted(annotations, key=lambda a: a[0]), start=1):
        if d < d0 - timedelta(days=7) or d > d1 + timedelta(days=31):
            continue
        x = min(max(xd(d), left), right)
        bx = max(x, last_badge + 18)
        last_badge = bx
        by = plot_top - 12
        out.append(f'<line x1="{_n(x)}" y1="{_n(plot_top)}" x2="{_n(x)}" y2="{_n(bottom)}" '
                   f'stroke="{c["pdsa"]}" stroke-width="1" stroke-dasharray="3 3"/>'
                   f'<g class="runchart-pdsa-badge"><title>'
                   f"{_esc(f'PDSA cycle {number}, {_fmt_date(d)}: {text}')}</title>"
                   f'<circle cx="{_n(bx)}" cy="{_n(by)}" r="8" fill="{c["pdsa"]}"/>'
                   f'<text x="{_n(bx)}" y="{_n(by + 3.5)}" text-anchor="middle" font-size="10" '
                   f'font-weight="600" fill="#ffffff">{number}</text></g>')
    out.append("</g>")
    return out


def _moving_range(mr: MovingRange, xs, left, right, top_h, mr_h, r, unit) -> list[str]:
    c = COLOURS
    top, bottom = top_h + 14.0, top_h + mr_h - 14.0
    present = [v for v in mr.values if v is not None]
    domain = [0.0, *present, *(v for v in mr.upper if v is not None)]
    y_lo, y_hi, ticks, decimals = _value_ticks(min(domain), max(domain), target=3)

    def ys(v: float) -> float:
        return bottom - (v - y_lo) / (y_hi - y_lo) * (bottom - top)

    out = [f'<g class="controlchart-mr"><text x="12" y="{_n(top_h + 4)}" font-size="11" '
           f'font-weight="600" fill="{c["text"]}">Moving range (difference from the point before)'
           "</text>"]
    for t in ticks:
        out.append(f'<line x1="{_n(left)}" y1="{_n(ys(t))}" x2="{_n(right)}" y2="{_n(ys(t))}" '
                   f'stroke="{c["grid"]}" stroke-width="1"/><text x="{_n(left - 6)}" '
                   f'y="{_n(ys(t) + 4)}" text-anchor="end" fill="{c["muted"]}">'
                   f"{_esc(format_value(t, unit, decimals=decimals))}</text>")
    for series, colour, dash in ((mr.centre, c["median"], ""),
                                 (mr.upper, "#882255", ' stroke-dasharray="2 2"')):
        for path in _stepped(xs, [None if v is None else ys(v) for v in series], left, right):
            out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.25"'
                       f'{dash}/>')
    run: list[str] = []
    segments = []
    for x, v in zip(xs, mr.values, strict=True):
        if v is None:
            if len(run) > 1:
                segments.append(run)
            run = []
        else:
            run.append(f"{_n(x)},{_n(ys(v))}")
    if len(run) > 1:
        segments.append(run)
    for seg in segments:
        out.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{c["line"]}" '
                   f'stroke-width="1.25"/>')
    shape, colour, _ = MARKS["outside"]
    for i, (x, v) in enumerate(zip(xs, mr.values, strict=True)):
        if v is None:
            continue
        if i in mr.above:
            out.append(_shape(shape, x, ys(v), r, colour, extra=' class="signal-outside"'))
        elif len(xs) < 80:
            out.append(f'<circle cx="{_n(x)}" cy="{_n(ys(v))}" r="{_n(max(1.5, r - 1))}" '
                       f'fill="{c["line"]}"/>')
    out.append("</g>")
    return out


def render_sparkline(
    *,
    label: str,
    values: Sequence[float | None],
    centre: Sequence[float | None] = (),
    marked: Sequence[int] = (),
    width: int = 240,
    height: int = 44,
) -> str:
    """A word-sized chart (no axes) for a grid of many teams: the line, the centre line
    (dashed), and the points in a signal as vermilion squares. ``label`` is its text
    alternative; the page writes the same facts next to it."""
    c = COLOURS
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {width} '
           f'{height}" width="{width}" height="{height}" preserveAspectRatio="none" role="img" '
           f'aria-label="{_esc(label)}">']
    present = [v for v in values if v is not None]
    if not present:
        return out[0] + "</svg>"
    domain = present + [v for v in centre if v is not None]
    lo, hi = min(domain), max(domain)
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    n = len(values)

    def x(i: int) -> float:
        return 3 + (i / (n - 1) if n > 1 else 0.5) * (width - 6)

    def y(v: float) -> float:
        return height - 4 - (v - lo) / (hi - lo) * (height - 8)

    if centre:
        for path in _stepped([x(i) for i in range(n)],
                             [None if v is None else y(v) for v in centre], 3, width - 3):
            out.append(f'<path d="{path}" fill="none" stroke="{c["median"]}" stroke-width="1" '
                       f'stroke-dasharray="3 2"/>')
    points = " ".join(f"{x(i):.0f},{y(v):.0f}" for i, v in enumerate(values) if v is not None)
    out.append(f'<polyline points="{points}" fill="none" stroke="{c["line"]}" '
               f'stroke-width="1.25"/>')
    for i in sorted(set(marked)):
        if 0 <= i < n and values[i] is not None:
            out.append(f'<rect x="{x(i) - 2:.0f}" y="{y(values[i]) - 2:.0f}" width="4" '
                       f'height="4" fill="{c["shift"]}"/>')
    out.append("</svg>")
    return "".join(out)
