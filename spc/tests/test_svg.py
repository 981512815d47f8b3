"""Tests of the server-rendered run-chart SVG and its screen-reader data table."""

import re
import statistics
import time
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest

from spc.runchart import Rule, Side, analyse
from spc.svg import data_table_rows, format_value, render_svg

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal
START = date(2024, 9, 2)


def weekly(values, start=START):
    return [(start + timedelta(weeks=i), D(str(v))) for i, v in enumerate(values)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well formed


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [el for el in root.iter() if name in el.get("class", "").split()]


# Baseline of 12 weeks around 20%, then 10 weeks clearly lower: a shift after the change.
BASELINE = [19.5, 21.0, 20.2, 18.9, 20.8, 19.7, 21.3, 20.0, 19.1, 20.6, 19.8, 21.1]
AFTER = [16.2, 15.1, 14.8, 15.9, 14.2, 15.5, 13.9, 14.6, 15.0, 14.1]


@pytest.fixture
def shift_chart():
    points = weekly(BASELINE + AFTER)
    analysis = analyse([v for _, v in points], baseline_points=12, direction_better="down")
    svg = render_svg(
        title="Chronic absenteeism rate",
        points=points,
        analysis=analysis,
        goal=D("12"),
        annotations=[(date(2024, 11, 25), "Attendance buddies"), (date(2025, 1, 6), "Texts")],
        unit="%",
        chart_id="chart-1",
    )
    return points, analysis, svg


def all_charts():
    """A spread of charts: signals of every kind, segments, empty, single point, no goal."""
    trend = weekly([10, 11, 12, 13, 14, 15, 12, 11, 13, 12, 14, 11])
    seg_points = weekly(BASELINE + AFTER)
    yield render_svg(title="Trend", points=trend, analysis=analyse([v for _, v in trend]))
    yield render_svg(
        title="Phases",
        points=seg_points,
        analysis=analyse([v for _, v in seg_points], segments=(12,), astronomical={3}),
        goal=15,
        unit="students",
        phase_labels=["Before", "After <change>"],
    )
    yield render_svg(title="Empty", points=[], analysis=analyse([]))
    yield render_svg(title="One", points=weekly([4]), analysis=analyse([D(4)]))
    runs = weekly([0, 10] * 8)
    yield render_svg(title="Runs", points=runs, analysis=analyse([v for _, v in runs]))


class TestWellFormedAndAccessible:
    def test_parses_as_xml_with_role_img(self, shift_chart):
        root = parse(shift_chart[2])
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        assert root.get("viewBox") == "0 0 720 320"

    def test_title_and_desc_are_first_and_labelled(self, shift_chart):
        root = parse(shift_chart[2])
        title, desc = list(root)[:2]
        assert title.tag == f"{SVG}title" and title.text == "Chronic absenteeism rate"
        assert desc.tag == f"{SVG}desc"
        assert root.get("aria-labelledby") == "chart-1-title chart-1-desc"
        assert title.get("id") == "chart-1-title" and desc.get("id") == "chart-1-desc"

    def test_desc_describes_level_median_goal_and_signals(self, shift_chart):
        desc = list(parse(shift_chart[2]))[1].text
        assert "22 weekly points from 2 Sep 2024 to 27 Jan 2025" in desc
        assert "Median: 20.1% (from the first 12 points, frozen and extended)" in desc
        assert "Goal: 12%; the latest value is above it." in desc
        assert "a shift of 10 points below the median from 25 Nov 2024 to 27 Jan 2025" in desc
        assert "(improvement)" in desc
        assert "2 PDSA cycles are marked" in desc and "Attendance buddies" in desc

    def test_desc_without_signals(self):
        points = weekly([5, 7, 8, 6, 5, 8, 7, 5, 6, 8, 7, 6])
        assert not analyse([v for _, v in points]).has_signal
        desc = list(parse(render_svg(title="Calm", points=points)))[1].text
        assert "No signal of non-random variation" in desc

    def test_desc_mentions_runs_rule_not_applied(self):
        points = weekly([5, 7, 6, 8, 5])
        desc = list(parse(render_svg(title="Short", points=points)))[1].text
        assert "runs rule was not applied" in desc

    def test_desc_mentions_runs_and_phases(self):
        points = weekly([0, 10] * 8)
        desc = list(parse(render_svg(title="Runs", points=points)))[1].text
        assert "too many runs (16 runs in 16 points off the median; 5 to 13 expected)" in desc
        phases = weekly(BASELINE + AFTER)
        a = analyse([v for _, v in phases], segments=(12,))
        desc = list(parse(render_svg(title="P", points=phases, analysis=a, unit="%")))[1].text
        assert "Medians: Baseline (2 Sep 2024 to 18 Nov 2024): 20.1%" in desc
        assert "The median fell from 20.1% (Baseline) to 14.9% (Phase 2)." in desc

    @pytest.mark.parametrize("index", range(5))
    def test_every_variant_is_well_formed_with_no_style_or_script(self, index):
        svg = list(all_charts())[index]
        root = parse(svg)
        assert "style=" not in svg and "<style" not in svg and "<script" not in svg.lower()
        for el in root.iter():
            assert "style" not in el.attrib
            assert not el.tag.endswith(("style", "script", "foreignObject"))
            assert not any(k.startswith("on") for k in el.attrib)  # no event handlers
        assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None

    def test_ids_default_to_a_stable_hash(self):
        points = weekly([1, 2, 3])
        first = parse(render_svg(title="A", points=points))
        again = parse(render_svg(title="A", points=points))
        other = parse(render_svg(title="B", points=points))
        assert first.get("id") == again.get("id") != other.get("id")
        assert re.fullmatch(r"runchart-[0-9a-f]{10}", first.get("id"))

    def test_chart_id_is_sanitised(self):
        root = parse(render_svg(title="A", points=weekly([1, 2]), chart_id='x" onload="y'))
        assert root.get("id") == "x--onload--y"
        assert "onload" not in root.attrib


class TestEscaping:
    def test_script_in_title_is_escaped(self):
        title = '<script>alert("x")</script> & <b>Co</b>'
        svg = render_svg(title=title, points=weekly([1, 2, 3]))
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        root = parse(svg)
        assert root.find(f"{SVG}title").text == title
        assert title in root.find(f"{SVG}desc").text
        visible = [el.text for el in root.iter(f"{SVG}text")]
        assert title in visible

    def test_annotations_units_and_phase_labels_are_escaped(self):
        points = weekly(BASELINE + AFTER)
        a = analyse([v for _, v in points], segments=(12,))
        svg = render_svg(
            title="T",
            points=points,
            analysis=a,
            annotations=[(date(2024, 12, 2), '<img src=x onerror="alert(1)">')],
            unit="<b>kids</b>",
            phase_labels=["<i>Before</i>", "After & later"],
        )
        root = parse(svg)
        assert "<img" not in svg and "<b>" not in svg and "<i>" not in svg
        texts = [el.text for el in root.iter() if el.text]
        assert "<b>kids</b>" in texts
        assert "<i>Before</i>" in texts
        assert any('<img src=x onerror="alert(1)">' in t for t in texts)

    def test_control_characters_are_dropped(self):
        root = parse(render_svg(title="Bad\x00\x08 title\x1f", points=weekly([1, 2])))
        assert root.find(f"{SVG}title").text == "Bad title"


class TestDrawing:
    def test_signal_points_are_marked(self, shift_chart):
        _, analysis, svg = shift_chart
        root = parse(svg)
        shift = analysis.signals_by_rule(Rule.SHIFT)[0]
        marked = by_class(root, "runchart-shift")
        assert len(marked) == shift.length == 10
        assert all(el.get("fill") == "#d55e00" for el in marked)
        tips = [el.find(f"{SVG}title").text for el in marked]
        assert all("shift" in t and "below median" in t for t in tips)
        plain = [el for el in by_class(root, "runchart-point") if el not in marked]
        assert len(plain) == 12
        assert all(el.get("fill") == "#ffffff" for el in plain)
        legend = [el.text for el in by_class(root, "runchart-legend")[0].iter(f"{SVG}text")]
        assert legend == ["Data", "Median", "Goal", "PDSA cycle", "Shift"]

    def test_trend_points_and_band(self):
        points = weekly([10, 11, 12, 13, 14, 15, 12, 11, 13, 12, 14, 11])
        root = parse(render_svg(title="T", points=points))
        assert len(by_class(root, "runchart-trend")) == 6
        assert len(by_class(root, "runchart-trend-band")) == 1
        legend = [el.text for el in by_class(root, "runchart-legend")[0].iter(f"{SVG}text")]
        assert "Trend" in legend and "Shift" not in legend

    def test_astronomical_ring(self):
        points = weekly([5, 6, 5, 40, 6, 5])
        root = parse(
            render_svg(
                title="A", points=points, analysis=analyse([v for _, v in points], astronomical={3})
            )
        )
        rings = by_class(root, "runchart-astronomical")
        assert len(rings) == 1 and rings[0].get("fill") == "none"

    def test_median_line_per_segment_dashed(self):
        points = weekly(BASELINE + AFTER)
        a = analyse([v for _, v in points], segments=(12,))
        root = parse(render_svg(title="P", points=points, analysis=a))
        medians = by_class(root, "runchart-median")
        assert len(medians) == 2
        assert all(el.get("stroke-dasharray") for el in medians)
        ys = [float(el.get("y1")) for el in medians]
        assert ys[0] < ys[1]  # the second phase's median is lower, drawn further down
        assert float(medians[0].get("x2")) <= float(medians[1].get("x1")) + 0.1
        assert len(by_class(root, "runchart-phase")) == 1
        texts = [el.text for el in root.iter(f"{SVG}text")]
        assert "Baseline" in texts and "Phase 2" in texts
        assert "Median 20.1" in texts and "Median 14.9" in texts

    def test_goal_line_only_with_goal(self, shift_chart):
        root = parse(shift_chart[2])
        goal = by_class(root, "runchart-goal")
        assert len(goal) == 1 and not goal[0].get("stroke-dasharray")
        assert "Goal 12%" in [el.text for el in root.iter(f"{SVG}text")]
        assert by_class(parse(render_svg(title="T", points=weekly([1, 2]))), "runchart-goal") == []

    def test_goal_and_median_above_the_data_are_inside_the_value_axis(self):
        points = weekly([1, 2, 3, 2, 1])
        root = parse(render_svg(title="T", points=points, goal=50))
        goal = by_class(root, "runchart-goal")[0]
        assert float(goal.get("y1")) >= 0

    def test_pdsa_markers(self, shift_chart):
        root = parse(shift_chart[2])
        badges = by_class(root, "runchart-pdsa-badge")
        assert len(badges) == 2
        assert badges[0].find(f"{SVG}title").text == (
            "PDSA cycle 1, 25 Nov 2024: Attendance buddies"
        )
        lines = by_class(root, "runchart-pdsa")[0].findall(f"{SVG}line")
        assert len(lines) == 2 and all(el.get("x1") == el.get("x2") for el in lines)

    def test_pdsa_outside_the_dates_is_not_drawn(self):
        root = parse(
            render_svg(
                title="T",
                points=weekly([1, 2, 3, 4]),
                annotations=[(date(2020, 1, 1), "old"), (START + timedelta(days=8), "in")],
            )
        )
        assert len(by_class(root, "runchart-pdsa-badge")) == 1

    def test_axes_have_value_and_date_labels(self, shift_chart):
        root = parse(shift_chart[2])
        texts = [el.text for el in by_class(root, "runchart-axes")[0].iter(f"{SVG}text")]
        assert any(re.fullmatch(r"\d+%", t) for t in texts)  # values, as percents
        # 22 weeks: a tick every other week, the year under the first tick and in January.
        assert {"Sep 2", "Sep 16", "Dec 23", "Jan 6", "Jan 20"} <= set(texts)
        assert texts.count("2024") == 1 and texts.count("2025") == 1

    def test_points_left_to_right_in_date_order(self, shift_chart):
        root = parse(shift_chart[2])
        xs = [float(el.get("cx")) for el in by_class(root, "runchart-point")]
        assert xs == sorted(xs) and len(set(xs)) == len(xs)

    def test_non_percent_unit_is_an_axis_title(self):
        root = parse(render_svg(title="T", points=weekly([1, 2, 3]), unit="students"))
        rotated = [el for el in root.iter(f"{SVG}text") if el.get("transform")]
        assert [el.text for el in rotated] == ["students"]

    @pytest.mark.parametrize(
        ("step", "count", "expected"),
        [
            (timedelta(days=1), 40, "Sep 9"),
            (timedelta(weeks=1), 260, "2026"),
            (timedelta(days=30), 120, "2030"),
        ],
    )
    def test_date_ticks_for_different_spans(self, step, count, expected):
        points = [(START + i * step, D(i % 7)) for i in range(count)]
        root = parse(render_svg(title="T", points=points))
        texts = [el.text for el in by_class(root, "runchart-axes")[0].iter(f"{SVG}text")]
        assert expected in texts
        date_labels = [
            el
            for el in by_class(root, "runchart-axes")[0].iter(f"{SVG}text")
            if el.get("text-anchor") == "middle" and not el.get("transform")
        ]
        assert 2 <= len(date_labels) <= 30

    def test_empty_chart(self):
        svg = render_svg(title="Nothing", points=[], analysis=analyse([]))
        root = parse(svg)
        assert "No data yet" in [el.text for el in root.iter(f"{SVG}text")]
        assert "no data has been entered yet" in root.find(f"{SVG}desc").text

    def test_single_point_and_flat_series(self):
        parse(render_svg(title="One", points=weekly([3])))
        root = parse(render_svg(title="Flat", points=weekly([3] * 12), goal=3))
        assert len(by_class(root, "runchart-point")) == 12

    def test_analysis_computed_when_omitted(self):
        points = weekly([1, 2, 3, 4, 5, 6])
        assert render_svg(title="T", points=points) == render_svg(
            title="T", points=points, analysis=analyse([v for _, v in points])
        )

    def test_size_is_configurable(self):
        root = parse(render_svg(title="T", points=weekly([1, 2, 3]), width=300, height=200))
        assert (root.get("width"), root.get("height")) == ("300", "200")

    def test_mismatched_analysis_rejected(self):
        with pytest.raises(ValueError):
            render_svg(title="T", points=weekly([1, 2, 3]), analysis=analyse([1, 2]))

    def test_dates_out_of_order_rejected(self):
        points = weekly([1, 2, 3])
        with pytest.raises(ValueError):
            render_svg(title="T", points=[points[1], points[0], points[2]])

    def test_non_dates_rejected(self):
        with pytest.raises(TypeError):
            render_svg(title="T", points=[("2024-01-01", 1)])  # type: ignore[list-item]

    def test_float_values(self):
        points = [(START + timedelta(weeks=i), 0.1 * i) for i in range(12)]
        parse(render_svg(title="Floats", points=points, goal=0.5))


class TestFormatValue:
    @pytest.mark.parametrize(
        ("value", "unit", "decimals", "expected"),
        [
            (D("12.50"), "%", None, "12.5%"),
            (D("12"), "percent", None, "12%"),
            (3.14159, "", None, "3.14"),
            (1234.5, "", None, "1,234.5"),
            (-0.001, "", None, "0"),
            (2.5, "%", 1, "2.5%"),
            (10, "students", 0, "10"),
        ],
    )
    def test_formats(self, value, unit, decimals, expected):
        assert format_value(value, unit, decimals=decimals) == expected


class TestDataTable:
    def test_rows(self, shift_chart):
        points, analysis, _ = shift_chart
        rows = data_table_rows(
            points=points,
            analysis=analysis,
            annotations=[(date(2024, 11, 27), "Attendance buddies")],
            unit="%",
        )
        assert len(rows) == len(points)
        first = rows[0]
        assert (first.date, first.value, first.value_display) == (START, D("19.5"), "19.5%")
        assert first.side is Side.BELOW and first.side_label == "below median"
        assert first.median_display == "20.1%" and first.phase == 1
        assert first.phase_label == "Baseline" and first.signals == ()
        # The shift after the change, labelled improvement because lower is better.
        assert rows[12].signals == ("Shift (improvement)",)
        assert rows[12].signal_display == "Shift (improvement)"
        # The PDSA cycle on a Wednesday lands in the week starting on the Monday before it.
        assert rows[12].date == date(2024, 11, 25)
        assert rows[12].pdsa == ("27 Nov 2024: Attendance buddies",)
        assert sum(bool(r.pdsa) for r in rows) == 1

    def test_sides_on_median_and_phases(self):
        points = weekly([1, 2, 3, 10, 11, 12])
        a = analyse([v for _, v in points], segments=(3,))
        rows = data_table_rows(points=points, analysis=a, phase_labels=["Before", "After"])
        assert [r.side_label for r in rows] == ["below median", "on median", "above median"] * 2
        assert [r.phase_label for r in rows] == ["Before"] * 3 + ["After"] * 3

    def test_trend_and_astronomical_labels(self):
        points = weekly([1, 2, 3, 4, 5, 2])
        a = analyse([v for _, v in points], astronomical={5})
        rows = data_table_rows(points=points, analysis=a)
        assert rows[0].signals == ("Trend (up)",)
        assert rows[5].signals == ("Astronomical point",)

    def test_annotations_outside_the_series_are_left_out(self):
        points = weekly([1, 2, 3])
        rows = data_table_rows(
            points=points,
            annotations=[(START - timedelta(days=1), "before"), (START + timedelta(weeks=9), "x")],
        )
        assert all(r.pdsa == () for r in rows)

    def test_empty(self):
        assert data_table_rows(points=[], analysis=analyse([])) == []


def test_timing_260_weekly_points():
    """Analyse and render 260 weekly points (five years); print the median of 20 runs."""
    values = [
        D(str(round(20 + 3 * ((i * 7919) % 13 - 6) / 6 - (4 if i > 150 else 0), 1)))
        for i in range(260)
    ]
    points = weekly(values)
    annotations = [(START + timedelta(weeks=w), f"PDSA {w}") for w in (40, 90, 151, 200)]
    analyse_times, render_times, total_times = [], [], []
    for _ in range(20):
        t0 = time.perf_counter()
        analysis = analyse(values, baseline_points=52, segments=(151,), direction_better="down")
        t1 = time.perf_counter()
        svg = render_svg(
            title="Chronic absenteeism",
            points=points,
            analysis=analysis,
            goal=15,
            annotations=annotations,
            unit="%",
        )
        t2 = time.perf_counter()
        analyse_times.append(t1 - t0)
        render_times.append(t2 - t1)
        total_times.append(t2 - t0)
    parse(svg)
    median_ms = statistics.median(total_times) * 1000
    print(
        f"\n260 weekly points, median of 20 runs: analyse "
        f"{statistics.median(analyse_times) * 1000:.2f} ms, render "
        f"{statistics.median(render_times) * 1000:.2f} ms, total {median_ms:.2f} ms "
        f"({len(svg):,} bytes of SVG)"
    )
    assert median_ms < 50
