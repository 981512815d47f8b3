"""Control charts (spc.control) and Shewhart rules (spc.shewhart) against cited worked examples.

Sources used below:
- qicharts2 (https://github.com/anhoej/qicharts2) reference results in tests/testthat/*.rds for
  Montgomery's textbook examples (Introduction to Statistical Quality Control, 6th ed., 2009),
  run by tests/testthat/test_montgomery.R, and summary(qic(...)) of the hospital_infections
  dataset (tests/testthat/hai_1.rds, test_hai.R). The .rds files were read and the numbers
  typed in here.
- qicharts2 vignette (vignettes/qicharts2.Rmd): Case 3 (cabg readmissions, P and P' charts) and
  Case 5 (nhs_accidents, "Prime charts for count data with very large sample sizes").
- Hand-computed cases: the arithmetic is in each docstring.
- Shewhart rules: Provost & Murray, The Health Care Data Guide (2011), chapter 5.

qicharts2 computes XmR limits as mean ± 3 x MRbar/1.128 (= 2.6596 x MRbar); we use 2.66 as the
Health Care Data Guide prints it, so XmR limits are compared with qicharts2 to 0.02%.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from spc.control import (
    D2,
    D4,
    E2,
    MIN_POINTS,
    ChartKind,
    control_chart,
    laney_recommendation,
    p_chart,
    p_prime_chart,
    u_chart,
    u_prime_chart,
    xmr_chart,
)
from spc.shewhart import Band, Direction, Rule, apply_rules

# Montgomery Table 6.7 (qicharts2 sysdata tbl_06.07, Example 6.5): weekly costs, 40 weeks.
COSTS = [310, 288, 297, 298, 307, 303, 294, 297, 308, 306, 294, 299, 297, 299, 314, 295, 293,
         306, 301, 304, 305, 282, 305, 296, 314, 295, 287, 301, 298, 311, 310, 292, 305, 299,
         304, 310, 304, 305, 333, 328]  # fmt: skip

# Montgomery Table 7.4 (qicharts2 sysdata tbl_07.04): nonconforming units, varying sample sizes.
T74_NUM = [12, 8, 6, 9, 10, 12, 11, 16, 10, 6, 20, 15, 9, 8, 6, 8, 10, 7, 5, 8, 5, 8, 10, 6, 9]
T74_DEN = [100, 80, 80, 100, 110, 110, 100, 100, 90, 90, 110, 120, 120, 120, 110, 80, 80, 80, 90,
           100, 100, 100, 100, 90, 90]  # fmt: skip

# Montgomery Table 7.3 (qicharts2 sysdata tbl_07.03, Example 7.1): 94 samples of 50.
T73_NUM = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15,
           9, 12, 7, 13, 9, 6, 9, 6, 12, 5, 6, 4, 6, 3, 7, 6, 2, 4, 3, 6, 5, 4, 8, 5, 6, 7, 5, 6,
           3, 5, 8, 7, 5, 6, 4, 5, 2, 3, 4, 7, 6, 5, 5, 3, 7, 9, 6, 10, 4, 3, 5, 8, 11, 9, 7, 3,
           5, 2, 1, 4, 5, 3, 7, 6, 4, 4, 6, 8, 5, 6]  # fmt: skip

# Montgomery Table 7.10 (qicharts2 sysdata tbl_07.10, "Example 7.4" in test_montgomery.R).
T710_COUNT = [2, 3, 8, 1, 1, 4, 1, 4, 5, 1, 8, 2, 4, 3, 4, 1, 8, 3, 7, 4]

# qicharts2 hospital_infections summed over hospitals and infections per month (n, risk days;
# days are stored in hours / 24, so these fractions are the exact sums).
HAI_N = [575, 521, 585, 528, 507, 519, 457, 505, 494, 512, 543, 506, 509, 521, 549, 531, 509, 528,
         419, 512, 495, 513, 454, 490]  # fmt: skip
HAI_DAYS = [Fraction(x) for x in [
    "1862801/6", "6776323/24", "7418153/24", "863932/3", "2381947/8", "1147953/4", "783361/3",
    "1074883/4", "2275503/8", "580899/2", "6914507/24", "2239691/8", "6955295/24", "3311407/12",
    "6979787/24", "1141983/4", "6780365/24", "2191423/8", "2024685/8", "6297857/24", "1102117/4",
    "3388861/12", "6228739/24", "6149651/24"]]  # fmt: skip

# qicharts2 cabg dataset, readmissions within 30 days and operations per month (36 months).
CABG_READMISSIONS = [14, 12, 15, 8, 16, 11, 12, 14, 16, 17, 5, 11, 13, 10, 14, 5, 12, 10, 11, 5,
                     10, 8, 11, 12, 11, 18, 18, 21, 14, 15, 18, 22, 17, 16, 20, 15]  # fmt: skip
CABG_N = [52, 64, 70, 60, 67, 69, 67, 54, 79, 59, 49, 61, 41, 51, 56, 43, 57, 48, 69, 41, 40, 46,
          59, 62, 57, 65, 75, 70, 76, 69, 64, 67, 84, 67, 69, 78]  # fmt: skip

# qicharts2 nhs_accidents: patients seen within 4 hours (r) of all attendances (n), 20 weeks.
NHS_R = [266501, 264225, 276532, 281461, 269071, 261215, 270409, 279778, 270483, 270320, 267923,
         271478, 255353, 256820, 261835, 259144, 255910, 260863, 264465, 260989]  # fmt: skip
NHS_N = [280443, 276823, 291681, 296155, 282343, 275888, 283867, 295251, 284468, 282529, 279618,
         283932, 266629, 268091, 276803, 271578, 266005, 273520, 278574, 273772]  # fmt: skip


def outside(chart):
    return [s.indices[0] + 1 for s in chart.signals_by_rule(Rule.OUTSIDE_LIMITS)]


# ------------------------------------------------------------------------------------------
# Worked examples from qicharts2's references
# ------------------------------------------------------------------------------------------


def test_p_chart_montgomery_table_7_4_matches_qicharts2():
    """qicharts2 tests/testthat/tbl_7.4_1.rds (Montgomery Table 7.4): CL 0.09551020408163265;
    n=100: UCL 0.18368571343549223, LCL 0.007334694727773067; n=80: UCL 0.19409342051458195,
    LCL clipped to 0; n=120: UCL 0.17600306323599374, LCL 0.01501734492727154; sigma signal at
    point 11 only."""
    chart = p_chart(T74_NUM, T74_DEN)
    assert chart.enough_points
    assert chart.phases[0].centre == pytest.approx(0.09551020408163265, rel=1e-12)
    first, second, twelfth = chart.points[0], chart.points[1], chart.points[11]
    assert first.upper == pytest.approx(0.18368571343549223, rel=1e-12)
    assert first.lower == pytest.approx(0.007334694727773067, rel=1e-12)
    assert second.upper == pytest.approx(0.19409342051458195, rel=1e-12)
    assert second.lower == 0.0
    assert twelfth.upper == pytest.approx(0.17600306323599374, rel=1e-12)
    assert twelfth.lower == pytest.approx(0.01501734492727154, rel=1e-12)
    assert outside(chart) == [11]
    signal = chart.signals_by_rule(Rule.OUTSIDE_LIMITS)[0]
    assert signal.direction is Direction.UP
    assert "point 11 (0.1818) is above the upper control limit (0.1796)" in signal.description


def test_p_chart_montgomery_example_7_1_two_phases_and_excluded_points_match_qicharts2():
    """qicharts2 tests/testthat/ex_7.1_5.rds (Montgomery Example 7.1, part = 30, exclude 15 and
    23): phase 1 CL 0.215, UCL 0.38929716004571047, LCL 0.040702839954289555 (from 28 points);
    phase 2 CL 0.1096875, UCL 0.24226995518120034, LCL 0; sigma signals at points 15, 21, 23."""
    chart = p_chart(T73_NUM, [50] * 94, phase_starts=[30], exclude=[14, 22])
    one, two = chart.phases
    assert (one.centre, one.points_used) == (pytest.approx(0.215, rel=1e-12), 28)
    assert (two.centre, two.points_used) == (pytest.approx(0.1096875, rel=1e-12), 64)
    assert chart.points[0].upper == pytest.approx(0.38929716004571047, rel=1e-12)
    assert chart.points[0].lower == pytest.approx(0.040702839954289555, rel=1e-12)
    assert chart.points[40].upper == pytest.approx(0.24226995518120034, rel=1e-12)
    assert chart.points[40].lower == 0.0
    assert outside(chart) == [15, 21, 23]
    assert [(e.index, e.drawn) for e in chart.excluded] == [(14, True), (22, True)]
    assert not chart.points[14].in_limits_calculation
    assert "in phase 1" in chart.signals_by_rule(Rule.OUTSIDE_LIMITS)[0].description


def test_u_chart_montgomery_table_7_10_matches_qicharts2():
    """qicharts2 tests/testthat/ex_7.4_1.rds (Montgomery Table 7.10, n = 50 each): CL 0.074,
    UCL 0.1894123043700281, LCL 0 (0.074 - 3·sqrt(0.074/50) < 0); no sigma signal."""
    chart = u_chart(T710_COUNT, [50] * 20)
    assert chart.phases[0].centre == pytest.approx(0.074, rel=1e-12)
    assert chart.points[0].upper == pytest.approx(0.1894123043700281, rel=1e-12)
    assert chart.points[0].lower == 0.0
    assert outside(chart) == []


def test_u_chart_hospital_infections_matches_qicharts2_summary():
    """qicharts2 tests/testthat/hai_1.rds, summary(qic(month, n, days, data =
    hospital_infections, chart = 'u')): CL 0.0018235751654857592, average LCL
    0.001581489772276647, average UCL 0.0020656605586948716, no sigma signal."""
    chart = u_chart(HAI_N, HAI_DAYS)
    assert chart.phases[0].centre == pytest.approx(0.0018235751654857592, rel=1e-9)
    lowers = [p.lower for p in chart.points]
    uppers = [p.upper for p in chart.points]
    assert sum(lowers) / 24 == pytest.approx(0.001581489772276647, rel=1e-9)
    assert sum(uppers) / 24 == pytest.approx(0.0020656605586948716, rel=1e-9)
    assert outside(chart) == []


def test_xmr_montgomery_example_6_5_frozen_baseline_matches_qicharts2():
    """qicharts2 tests/testthat/ex_6.5_3.rds and ex_6.5_4.rds (Montgomery Example 6.5, freeze =
    20): CL 300.5 from the first 20 weeks; MR chart CL 7.7894736842105265 (148/19) and UCL
    25.44821052631579 (3.267 x 148/19); I limits 321.21668533034716 / 279.78331466965284 with
    3/1.128, i.e. 300.5 ± 20.72 with 2.66 (0.016% apart). Sigma signals: I chart points 39 and 40,
    MR chart point 39 (moving range 28)."""
    chart = xmr_chart(COSTS, baselines=[(0, 19)])
    phase = chart.phases[0]
    assert (phase.centre, phase.basis, phase.points_used) == (300.5, "baseline", 20)
    assert phase.average_moving_range == pytest.approx(148 / 19, rel=1e-12)
    assert chart.points[30].upper == pytest.approx(300.5 + 2.66 * 148 / 19, rel=1e-12)
    assert chart.points[30].upper == pytest.approx(321.21668533034716, rel=2e-4)
    assert chart.points[30].lower == pytest.approx(279.78331466965284, rel=2e-4)
    assert outside(chart) == [39, 40]
    mr = chart.moving_range
    assert mr is not None
    assert mr.points[0].value is None  # no moving range for the first point
    assert mr.points[1].value == 22
    assert mr.points[1].centre == pytest.approx(7.7894736842105265, rel=1e-12)
    assert mr.points[1].upper == pytest.approx(25.44821052631579, rel=1e-12)
    assert [s.indices[0] + 1 for s in mr.signals] == [39]
    assert "jump to point 39 (28)" in mr.signals[0].description


def test_cabg_readmissions_p_and_p_prime_reach_the_same_conclusion():
    """qicharts2 vignette Case 3: "On average, 22% of patients are readmitted within 30 days";
    Case 5: comparing P and P' charts on cabg readmissions, "the 3-sigma limits in the P' chart
    are a little wider, the two charts reach similar conclusions"."""
    p = p_chart(CABG_READMISSIONS, CABG_N)
    prime = p_prime_chart(CABG_READMISSIONS, CABG_N)
    assert p.phases[0].centre == pytest.approx(0.22, abs=0.005)
    assert prime.phases[0].centre == p.phases[0].centre
    sigma_z = prime.phases[0].sigma_z
    assert 1 < sigma_z < 1.3  # "a little wider"
    for a, b in zip(p.points, prime.points, strict=True):
        assert b.sigma == pytest.approx(a.sigma * sigma_z)
        assert b.upper > a.upper
    assert outside(p) == outside(prime) == []
    advice = laney_recommendation(CABG_READMISSIONS, CABG_N)
    assert not advice.prime_recommended
    assert advice.chart is ChartKind.P
    assert advice.reason.startswith("The p chart is fine")


def test_nhs_accidents_p_chart_limits_too_narrow_and_laney_recommended():
    """qicharts2 vignette Case 5 (nhs_accidents, sample sizes > 250,000): "When plotted on a P
    chart, the 3-sigma limits appear too narrow" (over-dispersion); the P' chart corrects it."""
    p = p_chart(NHS_R, NHS_N)
    prime = p_prime_chart(NHS_R, NHS_N)
    assert len(outside(p)) >= 10  # most weeks look "special" on the p chart
    assert outside(prime) == []
    assert prime.phases[0].sigma_z > 5
    advice = laney_recommendation(NHS_R, NHS_N)
    assert advice.prime_recommended
    assert advice.chart is ChartKind.P_PRIME
    assert advice.sigma_z == prime.phases[0].sigma_z
    assert advice.reason.startswith("Use the Laney p' chart: the points vary 10.6 times as much")
    assert "denominators around 279,096" in advice.reason
    assert "too narrow" in advice.reason


# ------------------------------------------------------------------------------------------
# Hand-computed cases
# ------------------------------------------------------------------------------------------


def test_xmr_hand_computed():
    """20 values: 10, 14 repeated (10 each). Mean = (10x10 + 10x14)/20 = 12. 19 moving ranges of
    4, MRbar = 4. UCL = 12 + 2.66x4 = 22.64, LCL = 12 - 10.64 = 1.36, sigma = 10.64/3 = 3.5467.
    MR chart: CL 4, UCL 3.267x4 = 13.068. Every point is 2 from the centre (< 1 sigma), so the
    sawtooth sits in the inner third: rule 5 fires (15 or more in a row), nothing else."""
    values = [10, 14] * 10
    chart = xmr_chart(values)
    phase = chart.phases[0]
    assert phase.centre == 12
    assert phase.average_moving_range == 4
    assert chart.points[0].upper == pytest.approx(22.64)
    assert chart.points[0].lower == pytest.approx(1.36)
    assert chart.points[0].sigma == pytest.approx(3.546666, rel=1e-6)
    assert chart.moving_range.points[5].upper == pytest.approx(13.068)
    assert [s.rule for s in chart.signals] == [Rule.INNER_THIRD]
    assert chart.signals[0].indices == tuple(range(20))
    assert chart.message == "XmR chart (I chart with moving ranges): 1 signal found."


def test_xmr_constants():
    """E2 = 2.66 (~3/1.128), D4 = 3.267 for moving ranges of 2, d2 = 1.128."""
    assert (E2, D4, D2) == (2.66, 3.267, 1.128)
    assert abs(3 / D2 - E2) < 0.001


def test_p_chart_hand_computed_varying_limits():
    """10 points of 5/50 then 10 of 20/100: p-bar = (50 + 200)/(500 + 1000) = 1/6.
    n = 50: sigma = sqrt((1/6)(5/6)/50) = sqrt(1/360) = 0.052705, limits 1/6 ± 0.158114 ->
    [0.008553, 0.324781]. n = 100: sigma = sqrt(1/720) = 0.037268, limits 1/6 ± 0.111803 ->
    [0.054863, 0.278470]."""
    chart = p_chart([5] * 10 + [20] * 10, [50] * 10 + [100] * 10)
    assert chart.phases[0].centre == pytest.approx(1 / 6)
    assert chart.points[0].sigma == pytest.approx(math.sqrt(1 / 360))
    assert (chart.points[0].lower, chart.points[0].upper) == (
        pytest.approx(0.008553, abs=1e-6),
        pytest.approx(0.324781, abs=1e-6),
    )
    assert (chart.points[10].lower, chart.points[10].upper) == (
        pytest.approx(0.054863, abs=1e-6),
        pytest.approx(0.278470, abs=1e-6),
    )


def test_u_chart_hand_computed_lower_limit_clipped_at_zero():
    """10 points of 2 events in 4 units, 10 of 6 in 4: u-bar = (20 + 60)/80 = 1.
    sigma = sqrt(1/4) = 0.5, limits 1 ± 1.5 -> [0 (clipped from -0.5), 2.5]."""
    chart = u_chart([2] * 10 + [6] * 10, [4] * 20)
    assert chart.phases[0].centre == 1
    assert (chart.points[0].lower, chart.points[0].upper) == (0.0, 2.5)


def test_p_prime_hand_computed():
    """20 points of n = 100 with numerators 10, 10, 30, 30 repeated: p-bar = 0.2,
    sigma_i = sqrt(0.2 x 0.8/100) = 0.04, z = ±2.5 in pairs, moving ranges of z: 0, 5, 0, 5, ...
    (10 zeros, 9 fives) -> mean 45/19 = 2.368421, sigma_z = 2.368421/1.128 = 2.099664.
    Limits 0.2 ± 3 x 0.04 x 2.099664 = 0.2 ± 0.251960 -> [0 (clipped), 0.451960]. On the plain
    p chart the limits are 0.2 ± 0.12 = [0.08, 0.32]."""
    numerators = [10, 10, 30, 30] * 5
    prime = p_prime_chart(numerators, [100] * 20)
    assert prime.phases[0].sigma_z == pytest.approx(2.099664, rel=1e-6)
    assert prime.points[0].lower == 0.0
    assert prime.points[0].upper == pytest.approx(0.451960, abs=1e-6)
    plain = p_chart(numerators, [100] * 20)
    assert (plain.points[0].lower, plain.points[0].upper) == (
        pytest.approx(0.08),
        pytest.approx(0.32),
    )


def test_u_prime_hand_computed():
    """20 points with exposure 100, counts 40, 40, 60, 60 repeated: u-bar = 1000/2000 = 0.5,
    sigma_i = sqrt(0.5/100) = 0.0707107, z = ±0.1/0.0707107 = ±1.414214; moving ranges: 10 zeros
    and 9 of 2.828427 -> mean 1.339781, sigma_z = 1.339781/1.128 = 1.187749.
    Limits 0.5 ± 3 x 0.0707107 x 1.187749 = 0.5 ± 0.251960 -> [0.248040, 0.751960]."""
    chart = u_prime_chart([40, 40, 60, 60] * 5, [100] * 20)
    assert chart.phases[0].sigma_z == pytest.approx(1.187749, rel=1e-6)
    assert chart.points[0].lower == pytest.approx(0.248040, abs=1e-6)
    assert chart.points[0].upper == pytest.approx(0.751960, abs=1e-6)


def test_control_chart_dispatches_by_kind():
    assert control_chart("xmr", values=COSTS).kind is ChartKind.XMR
    chart = control_chart(ChartKind.P_PRIME, numerators=T74_NUM, denominators=T74_DEN)
    assert chart.kind is ChartKind.P_PRIME
    assert chart.phases[0].sigma_z is not None
    with pytest.raises(ValueError):
        control_chart("p", values=COSTS)
    with pytest.raises(ValueError):
        control_chart("xmr", numerators=T74_NUM, denominators=T74_DEN)
    with pytest.raises(ValueError):
        control_chart("c", values=COSTS)


# ------------------------------------------------------------------------------------------
# Baselines and phases
# ------------------------------------------------------------------------------------------


def test_baseline_in_a_later_phase_is_frozen_and_other_phases_recomputed():
    """Three phases of 20. Phase 2's centre and limits come from its points 21-30 only and are
    frozen over points 31-40; phases 1 and 3 use all their own points."""
    phase1 = [10, 12] * 10  # mean 11, MRbar 2
    phase2 = [20, 24] * 5 + [30, 34] * 5  # baseline mean 22, MRbar 4
    phase3 = [5, 6] * 10  # mean 5.5, MRbar 1
    chart = xmr_chart([*phase1, *phase2, *phase3], phase_starts=[20, 40], baselines=[(20, 29)])
    one, two, three = chart.phases
    assert (one.centre, one.basis, one.average_moving_range) == (11, "phase", 2)
    assert (two.centre, two.basis, two.baseline) == (22, "baseline", (20, 29))
    assert two.average_moving_range == 4
    assert two.points_used == 10
    assert (three.centre, three.average_moving_range) == (5.5, 1)
    # Frozen: points 31-40 are judged against 22 ± 10.64, so 34 is above the limit 32.64.
    assert chart.points[35].upper == pytest.approx(32.64)
    assert outside(chart) == [32, 34, 36, 38, 40]
    assert all(s.phase == 1 for s in chart.signals_by_rule(Rule.OUTSIDE_LIMITS))
    assert "trial limits" in two.note  # 10 points set them
    # Without the baseline, phase 2 is recomputed on all its points: nothing is outside.
    unfrozen = xmr_chart([*phase1, *phase2, *phase3], phase_starts=[20, 40])
    assert unfrozen.phases[1].centre == 27
    assert not [s for s in unfrozen.signals_by_rule(Rule.OUTSIDE_LIMITS) if s.phase == 1]


def test_p_chart_baseline_in_second_phase():
    """Phase 2 (points 21-40) freezes p-bar from points 21-30: (10 x 5)/(10 x 50) = 0.1."""
    num = [10] * 20 + [5] * 10 + [15] * 10
    chart = p_chart(num, [50] * 40, phase_starts=[20], baselines=[(20, 29)])
    assert chart.phases[0].centre == pytest.approx(0.2)
    assert chart.phases[1].centre == pytest.approx(0.1)
    assert chart.points[35].centre == pytest.approx(0.1)


def test_bad_phase_and_baseline_arguments_are_caller_errors():
    with pytest.raises(ValueError, match="run past the end"):
        xmr_chart(COSTS, phase_starts=[20], baselines=[(10, 25)])
    with pytest.raises(ValueError):
        xmr_chart(COSTS, exclude=[40])
    with pytest.raises(ValueError, match="3 numerators but 2 denominators"):
        p_chart([1, 2, 3], [4, 5])


# ------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------


def test_too_few_points_says_so_and_draws_nothing():
    chart = xmr_chart(COSTS[:19])
    assert not chart.enough_points
    assert MIN_POINTS == 20
    assert chart.message == (
        "Not enough points for the XmR chart (I chart with moving ranges): 19 usable points, and "
        "control limits need at least 20. Showing the run chart instead."
    )
    assert chart.signals == () and chart.phases == ()
    assert all(p.upper is None for p in chart.points)
    assert [p.value for p in chart.points] == COSTS[:19]  # the run chart still has the data
    assert xmr_chart(COSTS[:20]).enough_points


def test_bad_points_count_against_the_minimum():
    denominators: list[object] = [50] * 20
    denominators[3] = 0
    chart = p_chart([5] * 20, denominators)
    assert not chart.enough_points
    assert "19 usable points" in chart.message


def test_zero_and_missing_denominators_are_excluded_with_reasons():
    num: list[object] = list(T74_NUM)
    den: list[object] = list(T74_DEN)
    num.insert(5, 3)
    den.insert(5, 0)
    num.insert(9, 4)
    den.insert(9, None)
    chart = p_chart(num, den)
    reasons = {e.index: e.reason for e in chart.excluded}
    assert reasons == {
        5: "Point 6 left out: the denominator is zero, so there is no rate to plot.",
        9: "Point 10 left out: the denominator is missing.",
    }
    assert not any(e.drawn for e in chart.excluded)
    assert chart.points[5].value is None and chart.points[5].upper is None
    # The other points give exactly the chart without the bad rows.
    assert chart.phases[0].centre == p_chart(T74_NUM, T74_DEN).phases[0].centre
    assert outside(chart) == [13]  # Table 7.4's point 11, moved by the two inserted rows


def test_numerator_above_denominator_is_refused_for_a_proportion_only():
    num = [2, 8] * 10 + [60]  # 0.04 and 0.16 around p-bar 0.1: no signal of any kind
    den = [50] * 20 + [50]
    chart = p_chart(num, den)
    assert chart.excluded[0].index == 20
    assert chart.excluded[0].reason == (
        "Point 21 left out: the numerator (60) is greater than the denominator (50); a proportion "
        "cannot be above 1."
    )
    assert chart.points[20].value is None
    assert chart.signals == ()
    # A u chart counts events per unit of exposure: 60 events in 50 days is a rate of 1.2.
    rate = u_chart(num, den)
    assert rate.excluded == ()
    assert rate.points[20].value == pytest.approx(1.2)


def test_negative_counts_and_denominators_are_refused():
    num: list[object] = [5] * 22
    den: list[object] = [50] * 22
    num[2] = -1
    den[7] = -50
    for chart in (p_chart(num, den), u_chart(num, den), p_prime_chart(num, den)):
        reasons = {e.index: e.reason for e in chart.excluded}
        assert "negative (-1); counts cannot be below zero" in reasons[2]
        assert "is negative (-50)" in reasons[7]
        assert chart.enough_points  # 20 good points remain
        assert chart.phases[0].centre == pytest.approx(0.1)


def test_non_numbers_and_non_finite_values_never_raise():
    values: list[object] = list(COSTS)
    values[4] = "n/a"
    values[8] = float("inf")
    values[12] = None
    values[15] = True
    chart = xmr_chart(values)  # type: ignore[arg-type]
    assert [e.index for e in chart.excluded] == [4, 8, 12, 15]
    assert chart.excluded[0].reason == "Point 5 left out: the value is not a number ('n/a')."
    assert chart.excluded[1].reason == "Point 9 left out: the value is not a finite number."
    assert chart.excluded[2].reason == "Point 13 left out: the value is missing."
    assert chart.enough_points
    long_junk = xmr_chart(["y" * 500, *COSTS])
    assert len(long_junk.excluded[0].reason) < 100
    p = p_chart(["x", *T74_NUM[1:]], [Decimal("100"), *T74_DEN[1:]])
    assert p.excluded[0].reason == "Point 1 left out: the numerator is not a number ('x')."


def test_all_values_equal_means_zero_sigma_no_signal_and_a_note():
    chart = xmr_chart([5] * 25)
    assert chart.phases[0].centre == 5
    assert all(p.upper == p.lower == 5 for p in chart.points)
    assert chart.signals == ()
    assert chart.notes == (
        "No variation to set limits from: the limits equal the centre line, so the rules that "
        "use the limits (outside the limits, two out of three, fifteen in the inner third) are "
        "not applied.",
    )
    assert chart.moving_range.signals == ()


def test_zero_sigma_baseline_does_not_invent_signals_later():
    """A flat baseline gives zero-width limits; later points that differ are not 'outside'."""
    values = [5] * 20 + [6, 4, 5, 6, 4]
    chart = xmr_chart(values, baselines=[(0, 19)])
    assert chart.points[20].upper == 5
    assert chart.signals_by_rule(Rule.OUTSIDE_LIMITS) == ()
    assert chart.notes


@pytest.mark.parametrize("build", [p_chart, p_prime_chart, u_chart, u_prime_chart])
def test_all_zero_numerators_give_zero_sigma_without_division_by_zero(build):
    chart = build([0] * 25, [40] * 25)
    assert chart.phases[0].centre == 0
    assert chart.signals == ()
    assert "No variation" in chart.notes[0]


@pytest.mark.parametrize("build", [p_prime_chart, u_prime_chart])
def test_laney_with_identical_proportions_has_zero_sigma_z(build):
    chart = build([10] * 25, [100] * 25)
    assert chart.phases[0].sigma_z == 0
    assert chart.signals == ()
    advice = laney_recommendation(
        [10] * 25, [100] * 25, kind="u" if build is u_prime_chart else "p"
    )
    assert not advice.prime_recommended
    assert "no variation to adjust for" in advice.reason


def test_p_chart_with_every_case_a_proportion_of_one():
    chart = p_chart([50] * 25, [50] * 25)
    assert chart.phases[0].centre == 1
    assert chart.signals == ()


def test_a_phase_with_one_point_cannot_set_limits_and_says_so():
    chart = xmr_chart([*COSTS[:25], 400], phase_starts=[25])
    assert chart.phases[1].note == (
        "In phase 2, point 26 alone cannot set limits: a moving range needs at least 2 points."
    )
    assert chart.points[25].upper is None
    assert not [s for s in chart.signals if s.phase == 1]


def test_a_baseline_without_usable_points_says_so():
    values: list[object] = [None] * 5 + list(COSTS[5:])
    chart = xmr_chart(values, baselines=[(0, 4)])  # type: ignore[arg-type]
    assert chart.phases[0].centre is None
    assert chart.phases[0].note == "There are no usable points to set limits."
    assert chart.signals == ()


def test_laney_recommendation_underdispersion_and_too_few_points():
    """Numerators that barely move relative to the binomial spread: sigma z < 0.7."""
    num = [100, 101] * 10
    den = [1000] * 20
    advice = laney_recommendation(num, den)
    assert advice.prime_recommended
    assert advice.sigma_z < 0.7
    assert "too wide and could hide special causes" in advice.reason
    few = laney_recommendation(num[:10], den[:10], kind="u")
    assert not few.prime_recommended
    assert few.reason == (
        "Not enough points to judge between the u chart and the Laney u' chart: 10 usable, 20 "
        "needed."
    )
    with pytest.raises(ValueError):
        laney_recommendation(num, den, kind="xmr")


# ------------------------------------------------------------------------------------------
# Shewhart rules, one by one (Provost & Murray 2011): centre 0, sigma 1, limits ± 3.
# The filler alternates ±1.5: outside the inner third, inside 2 sigma, no trend, no shift.
# ------------------------------------------------------------------------------------------


def bands(values, sigma=1.0):
    return [Band(v, 0.0, sigma, -3 * sigma, 3 * sigma) for v in values]


def rules(values, sigma=1.0):
    signals, _ = apply_rules(bands(values, sigma), [(0, len(values) - 1)])
    return signals


FILLER = [1.5, -1.5] * 3


def test_rule_1_point_outside_the_limits():
    fired = rules([*FILLER, 3.5, *FILLER, -3.2])
    assert [(s.rule, s.indices, s.direction) for s in fired] == [
        (Rule.OUTSIDE_LIMITS, (6,), Direction.UP),
        (Rule.OUTSIDE_LIMITS, (13,), Direction.DOWN),
    ]
    assert fired[0].description == (
        "Point outside the limits: point 7 (3.5) is above the upper control limit (3)."
    )
    assert rules([*FILLER, 3.0, *FILLER]) == ()  # on the limit is not outside


def test_rule_2_eight_on_one_side():
    eight = [0.5, 1.2, 0.4, 1.3, 0.6, 1.1, 0.7, 1.4]  # zigzag above the centre, within 2 sigma
    fired = rules([*FILLER, *eight, -1.5])
    assert [(s.rule, s.indices, s.direction) for s in fired] == [
        (Rule.SHIFT, tuple(range(6, 14)), Direction.UP)
    ]
    assert (
        fired[0].description == "Shift: 8 points in a row above the centre line (points 7 to 14)."
    )
    assert rules([*FILLER, *eight[:7], -1.5]) == ()  # seven is a near miss
    # A point on the centre line neither breaks nor adds to the shift.
    fired = rules([*FILLER, *eight[:4], 0.0, *eight[4:], -1.5])
    assert [len(s.indices) for s in fired if s.rule is Rule.SHIFT] == [8]


def test_rule_3_six_increasing_or_decreasing():
    up = [-1.6, -1.0, -0.4, 0.2, 0.8, 1.4]
    fired = rules([1.5, *up, -1.5])
    assert [(s.rule, s.indices, s.direction) for s in fired] == [
        (Rule.TREND, (1, 2, 3, 4, 5, 6), Direction.UP)
    ]
    assert "6 points in a row going up (points 2 to 7)" in fired[0].description
    assert rules([1.5, *up[1:], -1.5]) == ()  # five is a near miss
    down = [1.4, 0.8, 0.8, 0.2, -0.4, -1.0]  # an equal neighbour counts once: 5 distinct
    assert rules([-1.5, *down, 1.5]) == ()
    fired = rules([-1.5, *down, -1.6, 1.5])
    assert [(s.rule, s.direction) for s in fired] == [(Rule.TREND, Direction.DOWN)]


def test_rule_4_two_of_three_in_the_outer_third():
    fired = rules([*FILLER, 2.5, 0.5, 2.2, *FILLER])
    assert [(s.rule, s.indices, s.direction) for s in fired] == [
        (Rule.TWO_OF_THREE, (6, 8), Direction.UP)
    ]
    assert "points 7, 9 are in the outer third above the centre line" in fired[0].description
    assert rules([*FILLER, 2.5, 0.5, 0.5, 2.2, *FILLER]) == ()  # 4 apart: near miss
    assert rules([*FILLER, 2.5, 0.5, -2.2, *FILLER]) == ()  # opposite sides: near miss
    assert rules([*FILLER, 2.5, 0.5, 2.0, *FILLER]) == ()  # exactly 2 sigma is not beyond


def test_rule_4_uses_each_points_own_sigma():
    """Varying limits: 2.5 is beyond 2 sigma where sigma = 1, but not where sigma = 1.5."""
    row = [Band(v, 0.0, 1.0, -3.0, 3.0) for v in [*FILLER, 2.5, 0.5]]
    row.append(Band(2.5, 0.0, 1.5, -4.5, 4.5))
    signals, _ = apply_rules(row, [(0, len(row) - 1)])
    assert signals == ()
    row[-1] = Band(2.5, 0.0, 1.0, -3.0, 3.0)
    signals, _ = apply_rules(row, [(0, len(row) - 1)])
    assert [s.rule for s in signals] == [Rule.TWO_OF_THREE]


def test_rule_5_fifteen_in_the_inner_third():
    hugging = [0.5, -0.5] * 7 + [0.5]  # 15 points within 1 sigma
    fired = rules([*FILLER, *hugging, *FILLER])
    assert [(s.rule, s.indices) for s in fired] == [(Rule.INNER_THIRD, tuple(range(6, 21)))]
    assert fired[0].direction is None
    assert "15 points in a row within 1 sigma" in fired[0].description
    assert rules([*FILLER, *hugging[:14], *FILLER]) == ()  # fourteen is a near miss


def test_rules_apply_within_each_phase():
    """Seven above at the end of phase 1 and one more at the start of phase 2 are not a shift:
    phase 2 has its own centre line."""
    values = [*FILLER, 0.5, 1.2, 0.4, 1.3, 0.6, 1.1, 0.7, 1.4, -1.5, 1.5]
    signals, _ = apply_rules(bands(values), [(0, 12), (13, 15)])
    assert signals == ()
    signals, _ = apply_rules(bands(values), [(0, 15)])
    assert [s.rule for s in signals] == [Rule.SHIFT]
