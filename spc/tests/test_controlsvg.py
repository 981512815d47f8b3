"""The control-chart drawing: stepped limits, the moving-range chart, signals by shape and colour,
the text alternative, and the sparklines of the cross-team page.

Worked example (hand-computed, checked against the formulas of Provost & Murray, The Health Care
Data Guide, 2011, ch. 6 and Laney 2002): the p chart of 3/100, 30/1000, 6/200 has p-bar =
39/1300 = 0.03 and sigma_i = sqrt(0.03 x 0.97 / n_i): 0.01706 (n = 100), 0.005394 (n = 1000),
0.01206 (n = 200), so the upper limits are 0.08118, 0.04618 and 0.06618: three different heights,
drawn as three steps.
"""

import math
import re
from datetime import date, timedelta

import pytest

from spc import control
from spc.controlsvg import MARKS, Marker, MovingRange, render_chart_svg, render_sparkline

DATES = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(24)]


def test_p_chart_limits_of_the_hand_worked_example():
    nums = [3, 30, 6] * 7
    dens = [100, 1000, 200] * 7
    chart = control.p_chart(nums, dens)
    assert chart.points[0].centre == pytest.approx(0.03)
    expected = [0.03 + 3 * math.sqrt(0.03 * 0.97 / n) for n in (100, 1000, 200)]
    assert [p.upper for p in chart.points[:3]] == pytest.approx(expected, rel=1e-4)
    assert expected == pytest.approx([0.08118, 0.04618, 0.06618], abs=1e-5)


def _draw(chart, **extra):
    n = len(chart.points)
    return render_chart_svg(
        title="Test chart", dates=DATES[:n], values=[p.value for p in chart.points],
        centre=[p.centre for p in chart.points], lower=[p.lower for p in chart.points],
        upper=[p.upper for p in chart.points], description="A text alternative.", **extra)


def test_limits_that_vary_with_the_denominator_are_drawn_as_steps():
    chart = control.p_chart([3, 30, 6] * 7, [100, 1000, 200] * 7)
    svg = _draw(chart)
    upper = re.findall(r'class="controlchart-limit" d="([^"]+)"', svg)[1]
    heights = set(re.findall(r"L[\d.]+ ([\d.]+)H", upper))
    assert len(heights) == 3  # one level per denominator
    assert "Control limits" in svg and "A text alternative." in svg


def test_signals_are_marked_by_shape_and_colour_and_named_in_the_legend():
    values = [10.0, 10.5, 9.5, 10.2, 9.8] * 4 + [30.0]
    chart = control.xmr_chart(values)
    assert chart.signals_by_rule(control.Rule.OUTSIDE_LIMITS)
    markers = [Marker("outside", (20,), True)]
    svg = _draw(chart, markers=markers)
    shape, colour, words = MARKS["outside"]
    assert shape == "triangle" and words in svg
    mark = re.search(r'<path [^>]*fill="([^"]+)"[^>]*class="signal-outside"', svg)
    assert mark and mark.group(1) == colour
    # every mark differs from every other in shape or colour, and each has words
    pairs = {(s, c) for s, c, _ in MARKS.values()}
    assert len(pairs) == len({k for k in MARKS if k != "long_run"})
    assert "<script" not in svg and "style=" not in svg


def test_the_moving_range_chart_is_drawn_beneath_an_xmr_chart():
    chart = control.xmr_chart([10.0, 11.0, 9.0, 10.0] * 5 + [10.5])
    mr = chart.moving_range
    svg = _draw(chart, moving_range=MovingRange([p.value for p in mr.points],
                                                 [p.centre for p in mr.points],
                                                 [p.upper for p in mr.points]),
                height=300)
    assert 'viewBox="0 0 760 420"' in svg  # 120 px more for the MR chart
    assert "Moving range (difference from the point before)" in svg


def test_text_is_escaped_and_pdsa_cycles_are_numbered():
    chart = control.xmr_chart([1.0, 2.0] * 10)
    svg = _draw(chart, annotations=[(DATES[3], "Texts <home> & calls")])
    assert "Texts &lt;home&gt; &amp; calls" in svg and ">1</text>" in svg


def test_a_sparkline_is_small_and_says_what_it_shows():
    svg = render_sparkline(label="p chart of Oxford: 52 points; shift", values=[0.1 * i
                           for i in range(52)], centre=[2.5] * 52, marked=[50, 51])
    assert len(svg) < 2000  # about 1.5 KB for a year of weekly points
    assert 'role="img" aria-label="p chart of Oxford: 52 points; shift"' in svg
    assert svg.count("<rect") == 2
    assert render_sparkline(label="x", values=[None, None]).endswith("</svg>")
