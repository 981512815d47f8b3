"""The suggested level, one test per level of IHI's scale (rhythm.scale.suggest_level)."""

from decimal import Decimal

import pytest

from rhythm.scale import SCORES, Evidence, suggest_level

WORKING = dict(has_aim=True, has_data=True, cycles_logged=4, cycles_completed=2)


def test_the_scale_has_nine_levels_in_half_steps():
    assert [str(s) for s in SCORES] == ["1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"]


@pytest.mark.parametrize(("evidence", "level", "reason"), [
    (Evidence(), "1.0", "not set its aim"),
    (Evidence(has_aim=True), "1.5", "no baseline"),
    (Evidence(has_aim=True, has_data=True), "1.5", "No PDSA cycle has been logged"),
    (Evidence(has_aim=True, has_data=True, cycles_logged=2), "2.0", "none completed"),
    (Evidence(**WORKING), "2.5", "No measure shows a signal"),
    (Evidence(**WORKING, process_improvement=True), "3.0", "process measure"),
    (Evidence(**WORKING, process_improvement=True, outcome_improvement=True), "3.5",
     "outcome measure shows a signal of improvement"),
    (Evidence(**WORKING, outcome_improvement=True, outcome_sustained=True), "4.0",
     "held across two action periods"),
    (Evidence(**WORKING, outcome_improvement=True, goal_progress=50), "4.0", "50% of the way"),
    (Evidence(**WORKING, outcome_improvement=True, goal_progress=80), "4.5", "80% of the way"),
    (Evidence(**WORKING, outcome_improvement=True, outcome_sustained=True, goal_progress=100),
     "5.0", "100% of the way"),
])
def test_each_level_is_suggested_from_its_evidence_with_reasons(evidence, level, reason):
    suggestion = suggest_level(evidence)
    assert suggestion.score == Decimal(level)
    assert any(reason in r for r in suggestion.reasons), suggestion.reasons


def test_the_goal_reached_without_holding_is_not_yet_outstanding():
    evidence = Evidence(**WORKING, outcome_improvement=True, goal_progress=100)
    assert suggest_level(evidence).score == Decimal("4.5")


def test_progress_toward_the_goal_without_a_signal_of_improvement_counts_for_nothing():
    evidence = Evidence(**WORKING, goal_progress=90)
    assert suggest_level(evidence).score == Decimal("2.5")
