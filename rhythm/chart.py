"""The stacked chart of score distributions per month, drawn as inline SVG in Python (no
JavaScript, presentation attributes only, as the page's Content-Security-Policy wants).

Accessible: the ``<svg role="img">`` has a ``<title>`` and a ``<desc>`` summing it up in words,
every segment carries its own ``<title>`` ("March 2027: 3 teams at 2.5"), segments tall enough
show their level as text and the legend pairs each colour with its number, so colour is never
the only cue; the page prints the same numbers as a table beneath."""

from decimal import Decimal
from html import escape

# Nine steps from pale amber (1.0, forming) to deep blue (5.0, outstanding): ordered lightness,
# distinguishable in greyscale, with dark text on the light half and white on the dark half.
COLOURS = ["#fde9c4", "#fbd38d", "#f6ad55", "#d69e6a", "#b7c4d6", "#8aa6c8",
           "#5b84b1", "#2f5f8f", "#14406b"]
DARK_FROM = 6  # index from which the text on a segment is white


def _colour(index: int) -> str:
    return COLOURS[min(index, len(COLOURS) - 1)]


def stacked_svg(*, distribution: list[dict], levels: list, width: int = 760,
                height: int = 320, chart_id: str = "score-distribution") -> str:
    """``distribution``: per month {"month": date, "counts": {score: n}, "total": n}, oldest
    first; ``levels``: the scale's levels in order."""
    left, right, top, bottom = 40, 10, 16, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    most = max([d["total"] for d in distribution] + [1])
    months = len(distribution) or 1
    slot = plot_w / months
    bar = min(48.0, slot * 0.7)
    scores = [level.score for level in levels]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" class="stacked-chart" aria-labelledby="{chart_id}-title '
             f'{chart_id}-desc" id="{chart_id}">',
             f'<title id="{chart_id}-title">Team scores per month on the IHI assessment '
             f'scale</title>',
             f'<desc id="{chart_id}-desc">{escape(_describe(distribution))}</desc>']
    # axis and grid
    steps = most if most <= 10 else 10
    for i in range(steps + 1):
        value = round(most * i / steps)
        y = top + plot_h - plot_h * value / most
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#d9dee7" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#4a5568">{value}</text>')
    parts.append(f'<text x="12" y="{top + plot_h / 2:.0f}" font-size="11" fill="#4a5568" '
                 f'transform="rotate(-90 12 {top + plot_h / 2:.0f})" text-anchor="middle">'
                 'teams</text>')
    for i, item in enumerate(distribution):
        x = left + slot * i + (slot - bar) / 2
        y = top + plot_h
        for index, score in enumerate(scores):
            n = item["counts"].get(score, 0)
            if not n:
                continue
            h = plot_h * n / most
            y -= h
            label = f"{item['month']:%B %Y}: {n} team{'s' if n != 1 else ''} at {score}"
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{_colour(index)}" stroke="#ffffff" stroke-width="1">'
                         f'<title>{escape(label)}</title></rect>')
            if h >= 13 and bar >= 22:
                fill = "#ffffff" if index >= DARK_FROM else "#1d2433"
                parts.append(f'<text x="{x + bar / 2:.1f}" y="{y + h / 2 + 4:.1f}" '
                             f'text-anchor="middle" font-size="10" fill="{fill}" '
                             f'aria-hidden="true">{score}</text>')
        if months <= 14 or i % 2 == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" font-size="11" '
                         f'text-anchor="middle" fill="#4a5568">{item["month"]:%b}</text>')
            if i == 0 or item["month"].month == 1:
                parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 27}" '
                             f'font-size="10" text-anchor="middle" fill="#4a5568">'
                             f'{item["month"]:%Y}</text>')
    # legend
    legend_y = height - 18
    step = (width - left) / len(scores) if scores else 0
    for index, score in enumerate(scores):
        x = left + step * index
        parts.append(f'<rect x="{x:.1f}" y="{legend_y - 10}" width="12" height="12" '
                     f'fill="{_colour(index)}" stroke="#4a5568" stroke-width="0.5"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{legend_y}" font-size="11" fill="#1d2433">'
                     f'{score}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _describe(distribution: list[dict]) -> str:
    rated = [d for d in distribution if d["total"]]
    if not rated:
        return "No team has a score yet."
    latest = rated[-1]
    average = (sum(Decimal(s) * n for s, n in latest["counts"].items()) / latest["total"])
    spread = ", ".join(f"{n} at {s}" for s, n in latest["counts"].items() if n)
    return (f"{len(rated)} month{'s' if len(rated) != 1 else ''} with scores. In "
            f"{latest['month']:%B %Y}, {latest['total']} team{'s' if latest['total'] != 1 else ''}"
            f" scored: {spread}; the average was {average.quantize(Decimal('0.1'))}.")
