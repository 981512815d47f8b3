"""Unit tests of the run-chart rule engine (Perla, Provost & Murray 2011)."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from spc import runchart
from spc.runchart import (
    RUNS_LIMITS,
    Assessment,
    Direction,
    MedianBasis,
    Rule,
    RunsOutcome,
    Side,
    analyse,
    count_runs,
    find_shifts,
    find_trends,
    runs_limits,
    swed_eisenhart_limits,
)

D = Decimal


def rules(analysis, rule):
    return analysis.signals_by_rule(rule)


def only(analysis, rule):
    found = rules(analysis, rule)
    assert len(found) == 1, found
    return found[0]


# --------------------------------------------------------------------------------------------
# Median
# --------------------------------------------------------------------------------------------


class TestMedian:
    def test_odd_count(self):
        assert analyse([3, 1, 2]).medians == (D(2),)

    def test_even_count_averages_the_middle_pair(self):
        assert analyse([4, 1, 3, 2]).medians == (D("2.5"),)

    def test_decimal_values_stay_exact(self):
        a = analyse([D("0.1"), D("0.2")])
        assert a.medians == (D("0.15"),)
        assert isinstance(a.medians[0], Decimal)

    def test_floats_give_float_median(self):
        a = analyse([0.1, 0.2, 0.3])
        assert a.medians == (0.2,)
        assert isinstance(a.medians[0], float)

    def test_mixed_decimal_and_float_become_float(self):
        a = analyse([D("1.5"), 2.5, 3])
        assert a.values == (1.5, 2.5, 3.0)
        assert all(isinstance(v, float) for v in a.values)

    def test_ints_become_decimal(self):
        assert analyse([1, 2, 3]).values == (D(1), D(2), D(3))

    def test_single_point(self):
        a = analyse([D("7.5")])
        assert a.medians == (D("7.5"),)
        assert a.sides == (Side.ON,)
        assert a.signals == ()

    def test_empty_series(self):
        a = analyse([])
        assert a.segments == () and a.signals == () and a.values == ()
        assert a.baseline is None and not a.has_signal

    def test_sides_against_median(self):
        a = analyse([1, 2, 3, 4, 5])
        assert a.sides == (Side.BELOW, Side.BELOW, Side.ON, Side.ABOVE, Side.ABOVE)
        assert [a.side_of(i).label for i in range(5)][2] == "on median"
        assert a.median_at(4) == D(3)


# --------------------------------------------------------------------------------------------
# Shift: 6 or more consecutive points on one side; points on the median are skipped
# --------------------------------------------------------------------------------------------


class TestShift:
    @pytest.mark.parametrize("length", [6, 7, 12])
    def test_six_or_more_above_is_a_shift(self, length):
        values = [5, 15] * 3 + [15] * length + [5, 15]
        a = analyse(values, baseline_median=10)
        s = only(a, Rule.SHIFT)
        assert (s.start_index, s.end_index) == (5, 5 + length)  # the 15 at index 5 starts it
        assert s.length == length + 1
        assert s.direction is Direction.UP

    def test_five_above_is_not_a_shift(self):
        a = analyse([5] + [15] * 5 + [5], baseline_median=10)
        assert rules(a, Rule.SHIFT) == ()

    def test_exactly_six_above_is_a_shift(self):
        a = analyse([5] + [15] * 6 + [5], baseline_median=10)
        s = only(a, Rule.SHIFT)
        assert (s.start_index, s.end_index, s.length) == (1, 6, 6)
        assert s.points == (1, 2, 3, 4, 5, 6)

    def test_five_below_no_shift_six_below_shift(self):
        assert rules(analyse([15] + [5] * 5 + [15], baseline_median=10), Rule.SHIFT) == ()
        s = only(analyse([15] + [5] * 6 + [15], baseline_median=10), Rule.SHIFT)
        assert s.direction is Direction.DOWN
        assert "below" in s.description

    def test_shift_at_start_and_end_of_series(self):
        a = analyse([15] * 6 + [5] * 6, baseline_median=10)
        shifts = rules(a, Rule.SHIFT)
        assert [(s.start_index, s.end_index, s.direction) for s in shifts] == [
            (0, 5, Direction.UP),
            (6, 11, Direction.DOWN),
        ]

    def test_point_on_median_does_not_add(self):
        # 5 above + 1 on the median: only 5 count, no shift.
        a = analyse([5, 15, 15, 10, 15, 15, 15, 5], baseline_median=10)
        assert rules(a, Rule.SHIFT) == ()

    def test_point_on_median_does_not_break(self):
        # 3 above, 1 on, 3 above: the 6 points off the median make a shift.
        a = analyse([5, 15, 15, 15, 10, 15, 15, 15, 5], baseline_median=10)
        s = only(a, Rule.SHIFT)
        assert (s.start_index, s.end_index) == (1, 7)
        assert s.points == (1, 2, 3, 5, 6, 7)  # the point on the median is not part of it
        assert s.length == 6

    def test_several_points_on_median_in_a_row_are_all_skipped(self):
        a = analyse([15, 15, 10, 10, 10, 15, 15, 15, 15], baseline_median=10)
        s = only(a, Rule.SHIFT)
        assert s.length == 6 and (s.start_index, s.end_index) == (0, 8)

    def test_opposite_side_breaks_a_shift(self):
        a = analyse([15] * 5 + [5] + [15] * 5, baseline_median=10)
        assert rules(a, Rule.SHIFT) == ()

    def test_long_shift_is_reported_once_not_per_window(self):
        a = analyse([15] * 20, baseline_median=10)
        assert len(rules(a, Rule.SHIFT)) == 1
        assert only(a, Rule.SHIFT).length == 20

    def test_description_numbers_points_from_one(self):
        s = only(analyse([5] + [15] * 6, baseline_median=10), Rule.SHIFT)
        assert "6 consecutive points above the median of 10" in s.description
        assert "points 2-7" in s.description

    def test_find_shifts_helper(self):
        sides = [Side.ABOVE] * 3 + [Side.ON] + [Side.ABOVE] * 3 + [Side.BELOW] * 2
        assert find_shifts(sides) == [(Side.ABOVE, [0, 1, 2, 4, 5, 6])]
        assert find_shifts(sides, min_length=7) == []


# --------------------------------------------------------------------------------------------
# Trend: 5 or more consecutive points up or down; equal neighbours count once
# --------------------------------------------------------------------------------------------


class TestTrend:
    def test_five_rising_points_are_a_trend(self):
        s = only(analyse([3, 1, 2, 3, 4, 5, 2]), Rule.TREND)
        assert (s.start_index, s.end_index, s.length) == (1, 5, 5)
        assert s.direction is Direction.UP

    def test_four_rising_points_are_not(self):
        assert rules(analyse([3, 1, 2, 3, 4, 2]), Rule.TREND) == ()

    def test_five_falling_points_are_a_trend(self):
        s = only(analyse([1, 9, 8, 7, 6, 5, 7]), Rule.TREND)
        assert (s.start_index, s.end_index) == (1, 5)
        assert s.direction is Direction.DOWN
        assert "going down" in s.description

    def test_four_falling_points_are_not(self):
        assert rules(analyse([1, 9, 8, 7, 6, 7]), Rule.TREND) == ()

    def test_equal_neighbours_do_not_add(self):
        # 1, 2, 2, 3, 4: four distinct steps' worth of points -> only 4 count.
        assert rules(analyse([1, 2, 2, 3, 4]), Rule.TREND) == ()
        assert rules(analyse([5, 4, 4, 4, 3, 2]), Rule.TREND) == ()

    def test_equal_neighbours_do_not_break(self):
        s = only(analyse([1, 2, 3, 3, 3, 4, 5]), Rule.TREND)
        assert (s.start_index, s.end_index) == (0, 6)
        assert "5 consecutive points going up" in s.description

    def test_equal_values_at_the_edges_are_not_part_of_the_span(self):
        s = only(analyse([1, 1, 2, 3, 4, 5, 5]), Rule.TREND)
        assert (s.start_index, s.end_index) == (1, 5)

    def test_turning_point_belongs_to_both_trends(self):
        trends = rules(analyse([1, 2, 3, 4, 5, 4, 3, 2, 1]), Rule.TREND)
        assert [(t.direction, t.start_index, t.end_index) for t in trends] == [
            (Direction.UP, 0, 4),
            (Direction.DOWN, 4, 8),
        ]

    def test_trend_does_not_depend_on_the_median(self):
        # All points above the median of a frozen baseline: still a trend.
        s = only(analyse([20, 21, 22, 23, 24], baseline_median=10), Rule.TREND)
        assert s.direction is Direction.UP

    def test_flat_series_has_no_trend(self):
        assert rules(analyse([4] * 12), Rule.TREND) == ()

    def test_long_trend_reported_once(self):
        s = only(analyse(list(range(30))), Rule.TREND)
        assert s.length == 30

    def test_find_trends_helper(self):
        assert find_trends([1, 2, 2, 3, 4, 5]) == [(Direction.UP, 0, 5, 5)]
        assert find_trends([1, 2, 3, 4, 5], min_length=6) == []


# --------------------------------------------------------------------------------------------
# Runs: count, useful observations, the published table
# --------------------------------------------------------------------------------------------

HIGH, LOW, MID = D(10), D(0), D(5)


def build_runs(useful: int, runs: int) -> list[Decimal]:
    """A series with exactly ``useful`` points off its own median, in exactly ``runs`` runs.

    Even ``useful``: n/2 lows (0) and n/2 highs (10), median 5, nothing on the median.
    Odd ``useful``: (n-1)/2 lows, (n+1)/2 highs and two 5s, whose median is 5: two points on the
    median, which the rule must skip (they are put in the middle of the series).
    """
    n_low = useful // 2
    n_high = useful - n_low
    k_high, k_low = (runs + 1) // 2, runs // 2  # runs alternate, starting with highs
    assert 1 <= k_high <= n_high and 1 <= k_low <= n_low
    highs = [1] * k_high
    highs[0] += n_high - k_high
    lows = [1] * k_low
    lows[0] += n_low - k_low
    series: list[Decimal] = []
    for j in range(runs):
        series += [HIGH] * highs[j // 2] if j % 2 == 0 else [LOW] * lows[j // 2]
    if useful % 2:
        middle = len(series) // 2
        series[middle:middle] = [MID, MID]
    return series


def runs_signals(analysis):
    return rules(analysis, Rule.TOO_FEW_RUNS) + rules(analysis, Rule.TOO_MANY_RUNS)


# Values that are certain (Perla et al. 2011, Table 1), checked against the exact distribution.
ANCHORS = {10: (3, 9), 11: (3, 10), 12: (3, 11), 17: (5, 13), 20: (6, 16), 22: (7, 17),
           27: (9, 20), 30: (11, 21), 40: (15, 27), 50: (19, 33), 60: (24, 38)}
DERIVED = [n for n in range(10, 61) if n not in runchart.PUBLISHED_ROWS]


class TestRunsTable:
    def test_table_covers_10_to_60(self):
        assert sorted(RUNS_LIMITS) == list(range(10, 61))

    @pytest.mark.parametrize("useful", sorted(ANCHORS))
    def test_known_values(self, useful):
        assert RUNS_LIMITS[useful] == ANCHORS[useful]

    @pytest.mark.parametrize("useful", DERIVED)
    def test_table_matches_exact_swed_eisenhart_derivation(self, useful):
        assert RUNS_LIMITS[useful] == swed_eisenhart_limits(useful)

    @pytest.mark.parametrize("useful", sorted(runchart.PUBLISHED_ROWS))
    def test_published_rows_are_wider_than_the_exact_limits(self, useful):
        lower, upper = RUNS_LIMITS[useful]
        exact_lower, exact_upper = swed_eisenhart_limits(useful)
        assert lower <= exact_lower and upper >= exact_upper
        assert (lower, upper) != (exact_lower, exact_upper)

    @pytest.mark.parametrize("useful", DERIVED)
    def test_limits_have_the_5_percent_meaning(self, useful):
        """P(runs < lower) <= 2.5% < P(runs < lower + 1), and the same for the upper tail."""
        lower, upper = RUNS_LIMITS[useful]
        n1 = useful // 2
        dist = runchart._runs_distribution(n1, useful - n1)
        total = math.comb(useful, n1)
        p = {r: Fraction(c, total) for r, c in dist.items()}
        below = sum(v for r, v in p.items() if r < lower)
        assert below <= Fraction(1, 40) < below + p.get(lower, 0)
        above = sum(v for r, v in p.items() if r > upper)
        assert above <= Fraction(1, 40) < above + p.get(upper, 0)

    @pytest.mark.parametrize("useful", range(10, 61, 2))
    def test_even_counts_are_symmetric(self, useful):
        lower, upper = RUNS_LIMITS[useful]
        assert lower + upper == useful + 2  # the runs distribution is symmetric for n1 = n2

    def test_limits_never_decrease(self):
        for n in range(11, 61):
            assert RUNS_LIMITS[n][0] >= RUNS_LIMITS[n - 1][0]
            assert RUNS_LIMITS[n][1] >= RUNS_LIMITS[n - 1][1]

    def test_distribution_sums_to_all_arrangements(self):
        for n1, n2 in [(5, 5), (10, 10), (14, 15), (3, 9)]:
            assert sum(runchart._runs_distribution(n1, n2).values()) == math.comb(n1 + n2, n1)

    def test_twenty_useful_observations(self):
        """The published row for 20 is (6, 16): fewer than 6 or more than 16 runs signal."""
        assert RUNS_LIMITS[20] == (6, 16)
        assert not runs_signals(analyse(build_runs(20, 6)))
        assert runs_signals(analyse(build_runs(20, 5)))
        assert not runs_signals(analyse(build_runs(20, 16)))
        assert runs_signals(analyse(build_runs(20, 17)))

    def test_beyond_the_table_limits_are_derived(self):
        lower, upper, source = runs_limits(100)
        assert source == "swed_eisenhart_exact"
        assert (lower, upper) == swed_eisenhart_limits(100)
        assert lower < 51 < upper
        assert runs_limits(60)[2] == "perla_table_1"
        assert runs_limits(9) is None


class TestRunsRule:
    def test_count_runs_ignores_points_on_the_median(self):
        sides = [Side.ABOVE, Side.ON, Side.ABOVE, Side.BELOW, Side.ON, Side.BELOW, Side.ABOVE]
        assert count_runs(sides) == (3, 5)

    def test_count_runs_empty_and_all_on_median(self):
        assert count_runs([]) == (0, 0)
        assert count_runs([Side.ON] * 4) == (0, 0)

    def test_runs_and_useful_observations_reported(self):
        a = analyse([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])  # median 6
        runs = a.segments[0].runs
        assert (runs.runs, runs.useful_observations) == (2, 10)
        assert (runs.lower_limit, runs.upper_limit) == (3, 9)
        assert runs.outcome is RunsOutcome.TOO_FEW and runs.applied
        s = only(a, Rule.TOO_FEW_RUNS)
        assert (s.start_index, s.end_index, s.points) == (0, 10, ())
        assert "2 runs in 10 useful observations" in s.description

    def test_fewer_than_ten_useful_observations_not_applied(self):
        # 9 points off the median (plus one on it): the rule is not applied, whatever the runs.
        a = analyse([1, 2, 3, 4, 5, 6, 7, 8, 9])
        runs = a.segments[0].runs
        assert runs.useful_observations == 8
        assert runs.outcome is RunsOutcome.NOT_APPLIED and not runs.applied
        assert runs.lower_limit is None and runs.upper_limit is None
        assert "not applied" in runs.note and "8 useful observations" in runs.note
        assert runs_signals(a) == ()

    def test_nine_useful_with_points_on_median_not_applied(self):
        values = [0, 10] * 4 + [0] + [5] * 3  # 9 points off the median, 3 on it
        a = analyse(values, baseline_median=5)
        assert a.segments[0].runs.useful_observations == 9
        assert a.segments[0].runs.outcome is RunsOutcome.NOT_APPLIED

    def test_ten_useful_observations_applied(self):
        a = analyse([0, 10] * 5, baseline_median=5)
        runs = a.segments[0].runs
        assert runs.applied and runs.runs == 10 and runs.useful_observations == 10
        assert runs.outcome is RunsOutcome.TOO_MANY
        assert only(a, Rule.TOO_MANY_RUNS).segment == 0

    @pytest.mark.parametrize("useful", range(10, 61))
    def test_table_limits_for_every_n(self, useful):
        lower, upper = RUNS_LIMITS[useful]
        cases = [
            (lower - 1, Rule.TOO_FEW_RUNS),
            (lower, None),
            (upper, None),
            (upper + 1, Rule.TOO_MANY_RUNS),
        ]
        for runs, expected in cases:
            a = analyse(build_runs(useful, runs))
            seg = a.segments[0]
            assert seg.median == MID
            assert (seg.runs.runs, seg.runs.useful_observations) == (runs, useful)
            assert seg.runs.limits_source == "perla_table_1"
            found = [s.rule for s in runs_signals(a)]
            assert found == ([expected] if expected else []), (useful, runs, found)

    def test_build_runs_places_points_on_the_median(self):
        series = build_runs(11, 5)
        assert series.count(MID) == 2
        assert analyse(series).sides.count(Side.ON) == 2

    def test_beyond_sixty_uses_exact_limits(self):
        a = analyse(build_runs(80, 20))
        runs = a.segments[0].runs
        assert runs.limits_source == "swed_eisenhart_exact"
        assert (runs.lower_limit, runs.upper_limit) == swed_eisenhart_limits(80)
        assert runs.outcome is RunsOutcome.TOO_FEW
        assert "published table stops at 60" in runs.note


# --------------------------------------------------------------------------------------------
# Segments (phases) and frozen baselines
# --------------------------------------------------------------------------------------------

# 12 points around 20 (six 19s, six 21s, 8 runs), then 12 around 10 (same pattern).
PATTERN = [0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1]
PHASE_1 = [D(19 + 2 * p) for p in PATTERN]
PHASE_2 = [D(9 + 2 * p) for p in PATTERN]


class TestSegments:
    def test_without_segments_the_change_is_a_shift(self):
        a = analyse(PHASE_1 + PHASE_2)
        assert a.medians == (D(15),)
        shifts = rules(a, Rule.SHIFT)
        assert [(s.start_index, s.end_index) for s in shifts] == [(0, 11), (12, 23)]

    def test_each_segment_has_its_own_median(self):
        a = analyse(PHASE_1 + PHASE_2, segments=(12,))
        assert a.medians == (D(20), D(10))
        assert [(s.start_index, s.end_index, s.size) for s in a.segments] == [
            (0, 11, 12),
            (12, 23, 12),
        ]
        assert all(s.median_basis is MedianBasis.SEGMENT for s in a.segments)
        assert a.signals == ()  # judged against its own median, each phase is random
        assert [s.runs.runs for s in a.segments] == [8, 8]
        assert a.segment_of(12).index == 1 and 12 in a.segments[1] and 12 not in a.segments[0]
        assert a.median_at(0) == D(20) and a.median_at(23) == D(10)

    def test_shift_judged_against_its_own_segments_median(self):
        phase_2 = [D(v) for v in [5, 5, 5, 5, 5, 5, 1, 1, 1, 1, 1, 1, 3]]  # median 3
        a = analyse(PHASE_1 + phase_2, segments=(12,))
        shifts = rules(a, Rule.SHIFT)
        assert [(s.segment, s.start_index, s.end_index, s.direction) for s in shifts] == [
            (1, 12, 17, Direction.UP),
            (1, 18, 23, Direction.DOWN),
        ]
        assert "in phase 2" in shifts[0].description

    def test_signals_do_not_cross_segment_boundaries(self):
        values = [D(v) for v in [1, 9, 1, 9, 1, 9, 9, 9, 9, 9, 9, 1, 9, 1, 1, 9]]
        s = only(analyse(values, baseline_median=5), Rule.SHIFT)
        assert (s.start_index, s.end_index) == (5, 10)
        # A new phase starts in the middle of the run of 9s: neither phase has 6 in a row.
        a = analyse(values, baseline_median=5, segments=(8,))
        assert a.medians == (D(5), D(9))
        assert rules(a, Rule.SHIFT) == ()

    def test_trends_are_per_segment(self):
        values = [1, 2, 3, 4, 5, 6]
        assert rules(analyse(values), Rule.TREND)
        assert rules(analyse(values, segments=(3,)), Rule.TREND) == ()

    def test_runs_rule_per_segment(self):
        a = analyse([*PHASE_1, D(1), D(2), D(3)], segments=(12,))
        assert a.segments[0].runs.applied
        assert a.segments[1].runs.outcome is RunsOutcome.NOT_APPLIED

    def test_three_segments(self):
        a = analyse([1, 2, 1, 5, 6, 5, 9, 8, 9], segments=(3, 6))
        assert a.medians == (D(1), D(5), D(9))
        assert [seg.index for seg in a.segments] == [0, 1, 2]

    @pytest.mark.parametrize(
        "segments",
        [(0,), (5, 5), (6, 3), (10,), (12,)],
    )
    def test_invalid_segments(self, segments):
        with pytest.raises(ValueError):
            analyse(list(range(10)), segments=segments)

    def test_segment_start_must_be_int(self):
        with pytest.raises(TypeError):
            analyse(list(range(10)), segments=(2.5,))


BEFORE_CHANGE = [20, 22, 19, 21, 20, 23, 18, 21, 19, 22]
AFTER_CHANGE = [14, 15, 13, 16, 12, 15, 14, 13]


class TestFrozenBaseline:
    def test_baseline_points_median_is_frozen_and_extended(self):
        values = [*BEFORE_CHANGE, *AFTER_CHANGE]
        a = analyse(values, baseline_points=10, direction_better="down")
        seg = a.segments[0]
        assert seg.median == D("20.5")  # median of the first 10 only
        assert seg.median_basis is MedianBasis.BASELINE_POINTS
        assert seg.baseline_end_index == 9
        s = only(a, Rule.SHIFT)
        assert (s.start_index, s.end_index, s.length) == (10, 17, 8)
        assert s.assessment is Assessment.IMPROVEMENT

    def test_without_freezing_the_same_data_has_a_different_median(self):
        values = [*BEFORE_CHANGE, *AFTER_CHANGE]
        assert analyse(values).medians != (D("20.5"),)

    def test_explicit_frozen_median(self):
        a = analyse([D("12.5"), D("13.1"), D("11.0")], baseline_median=D("12.0"))
        seg = a.segments[0]
        assert seg.median == D("12.0") and seg.median_basis is MedianBasis.EXPLICIT
        assert a.sides == (Side.ABOVE, Side.ABOVE, Side.BELOW)

    def test_explicit_float_median_with_decimal_values(self):
        a = analyse([D("1.5"), D("2.5")], baseline_median=2.0)
        assert a.medians == (2.0,)

    def test_frozen_baseline_then_new_phase(self):
        values = [5, 6, 5, 6, 5, 6, 9, 9, 9, 1, 2, 1, 2]
        a = analyse(values, baseline_points=6, segments=(9,))
        assert a.medians == (D("5.5"), D("1.5"))
        assert a.segments[0].median_basis is MedianBasis.BASELINE_POINTS
        assert a.segments[1].median_basis is MedianBasis.SEGMENT

    def test_baseline_points_whole_first_segment(self):
        a = analyse([1, 2, 3], baseline_points=3)
        assert a.medians == (D(2),) and a.segments[0].baseline_end_index == 2

    @pytest.mark.parametrize("n", [0, 7, -1])
    def test_baseline_points_out_of_range(self, n):
        with pytest.raises(ValueError):
            analyse([1, 2, 3, 4, 5, 6], baseline_points=n, segments=(6,) if n == 7 else ())

    def test_baseline_longer_than_first_segment(self):
        with pytest.raises(ValueError):
            analyse(list(range(10)), baseline_points=6, segments=(5,))

    def test_both_baselines_rejected(self):
        with pytest.raises(ValueError):
            analyse([1, 2, 3], baseline_points=2, baseline_median=2)


# --------------------------------------------------------------------------------------------
# Astronomical points, direction, validation, determinism
# --------------------------------------------------------------------------------------------


class TestAstronomical:
    def test_marked_points_are_reported(self):
        a = analyse([10, 11, 60, 10, 9, 1], astronomical={5, 2}, direction_better="down")
        assert a.astronomical == (2, 5)
        found = rules(a, Rule.ASTRONOMICAL)
        assert [(s.start_index, s.end_index, s.points) for s in found] == [
            (2, 2, (2,)),
            (5, 5, (5,)),
        ]
        assert found[0].direction is Direction.UP
        assert found[0].assessment is Assessment.DETERIORATION
        assert found[1].assessment is Assessment.IMPROVEMENT
        assert "marked by a coach" in found[0].description
        assert a.signals_at(2) == (found[0],)

    def test_not_computed(self):
        assert rules(analyse([10, 11, 1000, 10, 9]), Rule.ASTRONOMICAL) == ()

    def test_segment_of_marked_point(self):
        a = analyse([1, 2, 3, 4, 5, 6], segments=(3,), astronomical=[4])
        assert only(a, Rule.ASTRONOMICAL).segment == 1

    @pytest.mark.parametrize("index", [-1, 5, 99])
    def test_out_of_range(self, index):
        with pytest.raises(ValueError):
            analyse([1, 2, 3, 4, 5], astronomical={index})


class TestDirection:
    def test_no_direction_no_assessment(self):
        s = only(analyse([15] * 6, baseline_median=10), Rule.SHIFT)
        assert s.assessment is None and s.direction is Direction.UP

    @pytest.mark.parametrize(
        ("better", "expected"),
        [("up", Assessment.IMPROVEMENT), ("down", Assessment.DETERIORATION)],
    )
    def test_rising_trend(self, better, expected):
        s = only(analyse([1, 2, 3, 4, 5], direction_better=better), Rule.TREND)
        assert s.assessment is expected

    def test_runs_signals_have_no_direction(self):
        a = analyse([0, 10] * 5, baseline_median=5, direction_better="up")
        s = only(a, Rule.TOO_MANY_RUNS)
        assert s.direction is None and s.assessment is None

    def test_invalid_direction(self):
        with pytest.raises(ValueError):
            analyse([1, 2], direction_better="sideways")  # type: ignore[arg-type]


class TestValidationAndPurity:
    @pytest.mark.parametrize("bad", [float("nan"), float("inf"), D("NaN"), D("-Infinity")], ids=str)
    def test_non_finite_rejected(self, bad):
        with pytest.raises(ValueError):
            analyse([1, bad, 3])

    @pytest.mark.parametrize("bad", [None, "3", True])
    def test_non_numbers_rejected(self, bad):
        with pytest.raises(TypeError):
            analyse([1, bad, 3])

    def test_input_not_mutated_and_result_deterministic(self):
        values = [D(v) for v in [5, 3, 8, 8, 1, 9, 2, 7, 7, 4, 6, 5, 3]]
        copy = list(values)
        first = analyse(values, baseline_points=6, astronomical={3})
        second = analyse(values, baseline_points=6, astronomical={3})
        assert values == copy
        assert first == second

    def test_signals_sorted_by_position(self):
        a = analyse([1, 2, 3, 4, 5] + [9] * 7, baseline_median=4, astronomical={0})
        starts = [s.start_index for s in a.signals]
        assert starts == sorted(starts)

    def test_signal_points_and_has_signal(self):
        a = analyse([5] + [15] * 6, baseline_median=10)
        assert a.signal_points(Rule.SHIFT) == frozenset(range(1, 7))
        assert a.signal_points(Rule.TREND) == frozenset()
        assert a.has_signal

    def test_rule_labels(self):
        assert [r.label for r in Rule] == [
            "Shift",
            "Trend",
            "Too few runs",
            "Too many runs",
            "Astronomical point",
        ]
