"""Anhøj rules (spc.anhoej) against cited worked examples.

Sources used below:
- qicharts2 vignette, https://github.com/anhoej/qicharts2 vignettes/qicharts2.Rmd (rendered in
  docs/articles/qicharts2.html): the n = 24 example in "The Anhøj rules", Appendix 2 (critical
  values for 10-100 useful observations), and Case 2 (the ``cdi`` dataset).
- qicharts2 reference results tests/testthat/*.rds (runs analysis of Montgomery's textbook
  examples and of the ``hospital_infections`` dataset), read from the .rds files and typed in.
- Anhøj & Olesen, PLoS ONE 2014;9(11):e113825 for the definitions.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from spc.anhoej import (
    MIN_USEFUL_OBSERVATIONS,
    Direction,
    Rule,
    analyse,
    crossings_limit,
    longest_run_limit,
    runs_against,
)

# qicharts2 vignette, Appendix 2 "Critical values for longest run and number of crossings":
# useful observations -> (upper limit for longest run, lower limit for number of crossings).
APPENDIX_2 = {
    10: (6, 2), 11: (6, 2), 12: (7, 3), 13: (7, 3), 14: (7, 4), 15: (7, 4), 16: (7, 4),
    17: (7, 5), 18: (7, 5), 19: (7, 6), 20: (7, 6), 21: (7, 6), 22: (7, 7), 23: (8, 7),
    24: (8, 8), 25: (8, 8), 26: (8, 8), 27: (8, 9), 28: (8, 9), 29: (8, 10), 30: (8, 10),
    31: (8, 11), 32: (8, 11), 33: (8, 11), 34: (8, 12), 35: (8, 12), 36: (8, 13), 37: (8, 13),
    38: (8, 14), 39: (8, 14), 40: (8, 14), 41: (8, 15), 42: (8, 15), 43: (8, 16), 44: (8, 16),
    45: (8, 17), 46: (9, 17), 47: (9, 17), 48: (9, 18), 49: (9, 18), 50: (9, 19), 51: (9, 19),
    52: (9, 20), 53: (9, 20), 54: (9, 21), 55: (9, 21), 56: (9, 21), 57: (9, 22), 58: (9, 22),
    59: (9, 23), 60: (9, 23), 61: (9, 24), 62: (9, 24), 63: (9, 25), 64: (9, 25), 65: (9, 25),
    66: (9, 26), 67: (9, 26), 68: (9, 27), 69: (9, 27), 70: (9, 28), 71: (9, 28), 72: (9, 29),
    73: (9, 29), 74: (9, 29), 75: (9, 30), 76: (9, 30), 77: (9, 31), 78: (9, 31), 79: (9, 32),
    80: (9, 32), 81: (9, 33), 82: (9, 33), 83: (9, 34), 84: (9, 34), 85: (9, 34), 86: (9, 35),
    87: (9, 35), 88: (9, 36), 89: (9, 36), 90: (9, 37), 91: (10, 37), 92: (10, 38), 93: (10, 38),
    94: (10, 39), 95: (10, 39), 96: (10, 39), 97: (10, 40), 98: (10, 40), 99: (10, 41),
    100: (10, 41),
}  # fmt: skip

# qicharts2 ``cdi`` dataset (data/cdi.rda): hospital acquired C. difficile infections per month,
# 24 months before and 12 after an intervention.
CDI = [17, 12, 27, 20, 20, 18, 22, 19, 19, 24, 17, 16, 24, 19, 19, 22, 25, 19, 17, 6, 25, 17, 11,
       14, 9, 11, 7, 13, 5, 5, 3, 5, 9, 4, 5, 9]  # fmt: skip


def _formula_run_limit(n: int) -> int:
    return int(Decimal(math.log2(n) + 3).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _formula_crossings_limit(n: int) -> int:
    """qbinom(0.05, n - 1, 0.5) by walking the binomial pmf in exact fractions."""
    trials = n - 1
    pmf = Fraction(1, 2**trials)
    cdf = Fraction(0)
    for k in range(trials + 1):
        cdf += pmf
        if cdf >= Fraction(5, 100):
            return k
        pmf = pmf * (trials - k) / (k + 1)
    raise AssertionError("unreachable")


def test_limits_equal_the_qicharts2_appendix_2_table():
    """qicharts2 vignette Appendix 2: every row from 10 to 100 useful observations."""
    for n, (run_limit, cross_limit) in APPENDIX_2.items():
        assert (longest_run_limit(n), crossings_limit(n)) == (run_limit, cross_limit), n


@pytest.mark.parametrize("n", range(10, 101))
def test_limits_follow_the_formulas(n):
    """round(log2(n) + 3) and qbinom(0.05, n - 1, 0.5), computed here a second way."""
    assert longest_run_limit(n) == _formula_run_limit(n)
    assert crossings_limit(n) == _formula_crossings_limit(n)


def test_n_24_spot_values_from_the_vignette():
    """qicharts2 vignette, "The Anhøj rules": with 24 points, round(log2(24) + 3) = 8 and
    qbinom(0.05, 24 - 1, 0.5) = 8."""
    assert longest_run_limit(24) == 8
    assert crossings_limit(24) == 8


def test_long_series_limits_stay_exact():
    """Beyond the published table: 1,000 and 5,001 useful observations, checked the slow way."""
    for n in (1000, 5001):
        assert crossings_limit(n) == _formula_crossings_limit(n)
        assert longest_run_limit(n) == _formula_run_limit(n)


def test_limits_refuse_nonsense_n():
    assert crossings_limit(1) == 0  # cached for 1 must not let True through below
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError):
            longest_run_limit(bad)
        with pytest.raises(ValueError):
            crossings_limit(bad)


def test_cdi_baseline_median_is_19_and_finds_a_run_of_15_below():
    """qicharts2 vignette Case 2 (cdi, freeze = 24): "The median number of CDIs per month in the
    before period is 19. An unusually long run of 15 data points below the median proves that
    the CDI rate is reduced." """
    result = analyse(CDI, baselines=[(0, 23)])
    phase = result.phases[0]
    assert phase.median == 19
    assert phase.median_basis == "baseline"
    runs = result.signals_by_rule(Rule.LONGEST_RUN)
    assert len(runs) == 1
    assert len(runs[0].indices) == 15
    assert runs[0].indices == tuple(range(21, 36))
    assert runs[0].direction is Direction.DOWN
    assert "15 points in a row below the median of 19" in runs[0].description
    assert "points 22 to 36" in runs[0].description
    assert "frozen from points 1 to 24" in runs[0].description


def test_cdi_whole_series_shows_the_shift():
    """qicharts2 vignette Case 2, first run chart: "A downward shift in the number of CDIs is
    clearly visible ... and is supported by the runs analysis"."""
    assert analyse(CDI).has_signal


def test_cdi_split_at_the_intervention_shows_random_variation_in_both_periods():
    """qicharts2 vignette Case 2 (part = 24): "both periods show only random variation"."""
    result = analyse(CDI, phase_starts=[24])
    assert [p.median for p in result.phases] == [19, 6]
    assert all(p.applied for p in result.phases)
    assert result.signals == ()


@pytest.mark.parametrize(
    ("source", "values", "centre", "expected"),
    [
        pytest.param(
            "Montgomery Table 7.4 p chart, qicharts2 tests/testthat/tbl_7.4_1.rds",
            [Fraction(a, b) for a, b in zip(
                [12, 8, 6, 9, 10, 12, 11, 16, 10, 6, 20, 15, 9, 8, 6, 8, 10, 7, 5, 8, 5, 8, 10,
                 6, 9],
                [100, 80, 80, 100, 110, 110, 100, 100, 90, 90, 110, 120, 120, 120, 110, 80, 80,
                 80, 90, 100, 100, 100, 100, 90, 90], strict=True)],
            Fraction(234, 2450),
            (25, 5, 8, 10, 8),
            id="montgomery-table-7.4",
        ),
        pytest.param(
            "Montgomery Example 6.5 I chart (freeze 20), qicharts2 tests/testthat/ex_6.5_3.rds",
            [310, 288, 297, 298, 307, 303, 294, 297, 308, 306, 294, 299, 297, 299, 314, 295, 293,
             306, 301, 304, 305, 282, 305, 296, 314, 295, 287, 301, 298, 311, 310, 292, 305, 299,
             304, 310, 304, 305, 333, 328],
            Decimal("300.5"),
            (40, 6, 8, 20, 14),
            id="montgomery-example-6.5",
        ),
    ],
)  # fmt: skip
def test_runs_against_a_control_chart_centre_match_qicharts2(source, values, centre, expected):
    """qicharts2 runs the Anhøj rules against a control chart's centre line; its reference
    results give (n.useful, longest.run, longest.run.max, n.crossings, n.crossings.min)."""
    stats = runs_against(values, centre)
    got = (
        stats.useful_observations,
        stats.longest_run,
        stats.longest_run_limit,
        stats.crossings,
        stats.crossings_limit,
    )
    assert got == expected, source
    assert not stats.long_run_signal
    assert not stats.crossings_signal


def test_long_run_fires_only_above_the_limit():
    """Hand example: ten 1s and ten 9s, median 5, 20 useful points, so the limit is
    round(log2(20) + 3) = round(7.32) = 7. Runs L5 H1 L3 H1 L2 H8: the run of 8 fires.
    Near miss, runs L5 H1 L3 H2 L2 H7: the longest run is 7, not more than 7."""
    fires = [1, 1, 1, 1, 1, 9, 1, 1, 1, 9, 1, 1, 9, 9, 9, 9, 9, 9, 9, 9]
    result = analyse(fires)
    phase = result.phases[0]
    assert phase.useful_observations == 20
    assert phase.longest_run_limit == 7
    runs = result.signals_by_rule(Rule.LONGEST_RUN)
    assert [len(r.indices) for r in runs] == [8]
    assert runs[0].indices == tuple(range(12, 20))

    near_miss = [1, 1, 1, 1, 1, 9, 1, 1, 1, 9, 9, 1, 1, 9, 9, 9, 9, 9, 9, 9]
    result = analyse(near_miss)
    assert result.phases[0].longest_run == 7
    assert result.signals_by_rule(Rule.LONGEST_RUN) == ()


def test_points_on_the_median_neither_break_nor_add_to_a_run():
    """Anhøj & Olesen 2014: points on the median are not useful observations. 11 values, median
    5; the 5 between 7 and 8 is skipped, so 6, 7, 8, 9 make one run of 4 (two runs of 2 if the
    5 broke it)."""
    values = [1, 2, 3, 4, 6, 7, 5, 8, 9, 1, 5]
    result = analyse(values)
    phase = result.phases[0]
    assert phase.median == 5
    assert phase.useful_observations == 9
    assert phase.longest_run == 4
    assert phase.crossings == 2


def test_too_few_crossings_fires_and_its_near_miss_does_not():
    """Hand example, 20 useful points: crossings limit qbinom(0.05, 19, 0.5) = 6.
    Five crossings fire; six do not."""
    # 6 runs (5 crossings) of lengths 4,3,3,3,3,4 alternating low/high -> no run over 7.
    lows, highs = [1] * 4, [9] * 3
    five = [*lows, *highs, 1, 1, 1, 9, 9, 9, 1, 1, 1, 9, 9, 9, 9]
    assert len(five) == 20
    result = analyse(five)
    phase = result.phases[0]
    assert (phase.crossings, phase.crossings_limit) == (5, 6)
    signal = result.signals_by_rule(Rule.CROSSINGS)[0]
    assert signal.indices == tuple(range(20))
    assert "only 5 crossings of the median of 5 (points 1 to 20)" in signal.description
    assert "fewer than 6 crossings is unlikely by chance" in signal.description
    assert result.signals_by_rule(Rule.LONGEST_RUN) == ()

    # Near miss: runs L3 H3 L3 H3 L3 H4 L1 -> 6 crossings, not fewer than 6.
    six = [1, 1, 1, 9, 9, 9, 1, 1, 1, 9, 9, 9, 1, 1, 1, 9, 9, 9, 9, 1]
    result = analyse(six)
    assert (result.phases[0].crossings, result.phases[0].crossings_limit) == (6, 6)
    assert result.signals == ()


def test_each_phase_has_its_own_median_and_rules():
    """Phases: a change after point 12; each phase is judged against its own median."""
    before = [10, 12, 9, 13, 11, 14, 10, 12, 9, 13, 11, 14]  # median 11.5, alternating
    after = [v + 10 for v in before]  # median 21.5
    result = analyse([*before, *after], phase_starts=[12])
    assert [p.median for p in result.phases] == [Decimal("11.5"), Decimal("21.5")]
    assert all(p.applied for p in result.phases)
    assert [(p.start, p.end) for p in result.phases] == [(0, 11), (12, 23)]
    assert result.signals == ()
    # The same data as one phase: a run of 12 below then 12 above the median.
    assert analyse([*before, *after]).signals_by_rule(Rule.LONGEST_RUN)


def test_a_baseline_can_be_frozen_in_a_later_phase_and_carried_over_that_phase():
    """Baseline in phase 2 (points 13-22) frozen over the rest of phase 2; phase 1 and phase 3
    each recomputed on their own points (qicharts2 cannot freeze outside the first part)."""
    phase1 = [5, 7, 6, 8, 4, 7, 5, 6, 8, 7, 5, 6]
    phase2_baseline = [10, 12, 11, 13, 9, 12, 10, 11, 13, 12]  # median 11.5
    phase2_after = [15, 16, 14, 15, 16, 17, 15, 14, 16, 15]  # all above 11.5
    phase3 = [1, 3, 2, 4, 1, 3, 2, 4, 3, 2]
    values = [*phase1, *phase2_baseline, *phase2_after, *phase3]
    result = analyse(values, phase_starts=[12, 32], baselines=[(12, 21)])
    p1, p2, p3 = result.phases
    assert (p1.median, p1.median_basis) == (6, "phase")
    assert (p2.median, p2.median_basis, p2.baseline) == (Decimal("11.5"), "baseline", (12, 21))
    assert (p3.median, p3.median_basis) == (Decimal("2.5"), "phase")
    # Against the frozen 11.5 the last two baseline points (13, 12) and the ten after them
    # make one run of 12 above (points 21 to 32); limit for 20 useful points is 7.
    long_runs = result.signals_by_rule(Rule.LONGEST_RUN)
    assert len(long_runs) == 1
    assert long_runs[0].phase == 1
    assert long_runs[0].indices == tuple(range(20, 32))
    assert "in phase 2 (frozen from points 13 to 22)" in long_runs[0].description
    assert not [s for s in result.signals if s.phase != 1]
    # Without the baseline, phase 2's own median (13.5) is used: two runs of 10 instead.
    unfrozen = analyse(values, phase_starts=[12, 32])
    assert unfrozen.phases[1].median == Decimal("13.5")
    assert [s.indices for s in unfrozen.signals_by_rule(Rule.LONGEST_RUN)] == [
        tuple(range(12, 22)),
        tuple(range(22, 32)),
    ]


def test_baseline_ranges_that_do_not_fit_are_refused():
    values = list(range(30))
    with pytest.raises(ValueError, match="run past the end of phase 1"):
        analyse(values, phase_starts=[10], baselines=[(5, 12)])
    with pytest.raises(ValueError, match="more than one baseline"):
        analyse(values, baselines=[(0, 4), (5, 9)])
    with pytest.raises(ValueError, match="not in the series"):
        analyse(values, baselines=[(40, 45)])
    with pytest.raises(ValueError, match="ends before it starts"):
        analyse(values, baselines=[(9, 3)])
    with pytest.raises(ValueError):
        analyse(values, phase_starts=[0])
    with pytest.raises(ValueError):
        analyse(values, phase_starts=[30])


def test_fewer_than_ten_useful_observations_is_said_plainly_and_fires_nothing():
    """Anhøj & Olesen validate the rules from 10 useful observations."""
    result = analyse([1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 10])  # median 6, two on it: 9 useful
    phase = result.phases[0]
    assert phase.useful_observations == MIN_USEFUL_OBSERVATIONS - 1
    assert not phase.applied
    assert phase.longest_run_limit is None and phase.crossings_limit is None
    assert result.signals == ()
    assert "not applied" in phase.note and "at least 10" in phase.note


def test_all_values_equal_gives_no_signal_and_says_why():
    result = analyse([7] * 30)
    phase = result.phases[0]
    assert phase.median == 7
    assert phase.useful_observations == 0
    assert result.signals == ()
    assert "every point is on the median of 7" in phase.note


def test_missing_and_non_numeric_values_are_left_out_with_reasons():
    values: list[object] = [3, 5, None, 4, float("nan"), "abc", 6, 2, 5, 4, 3, 6, 5, 2, 7, 3]
    result = analyse(values)  # type: ignore[arg-type]
    assert [e.index for e in result.excluded] == [2, 4, 5]
    assert result.excluded[0].reason == "Point 3 left out: no value."
    assert "not a finite number" in result.excluded[1].reason
    assert "not a number" in result.excluded[2].reason
    assert result.phases[0].useful_observations == 11  # 13 values, two on the median of 4
    assert result.phases[0].median == 4


def test_a_phase_whose_baseline_has_no_values_says_so():
    values = [None, None, None, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    result = analyse(values, baselines=[(0, 2)])
    assert result.phases[0].median is None
    assert "has no values in baseline points 1 to 3" in result.phases[0].note
    assert result.signals == ()


def test_empty_series():
    assert analyse([]).phases == ()


def test_floats_keep_float_medians_and_decimals_stay_exact():
    assert isinstance(analyse([0.1, 0.2, 0.3]).phases[0].median, float)
    assert analyse([Decimal("0.1"), Decimal("0.2")]).phases[0].median == Decimal("0.15")
