"""IHI's Assessment Scale for Collaboratives, and the level the portal suggests from a team's
evidence.

The levels themselves are data (``ProgressLevel``, loaded by migration 0002 with the scale's
published titles and descriptions). ``suggest_level`` is the one place the rules live; it
returns a suggestion with its reasons and changes nothing: a team rates itself and its coach
confirms a score, each seeing the suggestion beside the form.
"""

from dataclasses import dataclass, field
from decimal import Decimal

# The scale's nine levels, 1.0 … 5.0, in half steps.
SCORES = tuple(Decimal(n) / 2 for n in range(2, 11))


@dataclass(frozen=True)
class Evidence:
    """What the portal knows of a team's work in a collaborative, as of a month."""

    has_aim: bool = False
    has_data: bool = False             # any value of any measure entered
    cycles_logged: int = 0             # PDSA cycles of any status, so far
    cycles_completed: int = 0
    process_improvement: bool = False  # a run-chart signal of improvement on a process measure
    outcome_improvement: bool = False  # ... on an outcome measure
    outcome_sustained: bool = False    # that outcome signal spans two action periods or more
    # How far the outcome measures have come toward their goals (0-100, the least of those with
    # a goal; ``Chart.goal_progress``), None when no outcome measure has a goal and data.
    goal_progress: int | None = None


@dataclass(frozen=True)
class Suggestion:
    score: Decimal
    reasons: list[str] = field(default_factory=list)


def suggest_level(evidence: Evidence) -> Suggestion:
    """The level of IHI's scale the evidence points to, with the reasons in words.

    The rules, first match wins (the issue's, aligned with the scale's descriptions):

    - no aim yet → 1.0 (forming team);
    - an aim but no measure data (no baseline) → 1.5 (planning has begun);
    - no PDSA cycle completed: cycles planned or running → 2.0 (activity, but no changes
      tested); none at all → 1.5;
    - cycles completed, an outcome measure improving (a run-chart signal of improvement):
      the goal reached (100% of the way from the baseline median) and the improvement
      sustained → 5.0; at least 75% of the way → 4.5; sustained over two action periods or
      at least halfway → 4.0; otherwise → 3.5;
    - cycles completed, a process measure improving → 3.0 (modest improvement);
    - cycles completed, no signal of improvement → 2.5 (changes tested, no improvement yet).
    """
    if not evidence.has_aim:
        return Suggestion(Decimal("1.0"), ["The team has not set its aim yet."])
    if not evidence.has_data:
        return Suggestion(Decimal("1.5"), ["The aim is set, but no measure has data yet, so "
                                           "there is no baseline."])
    reasons = ["The aim is set and the measures have data."]
    if evidence.cycles_completed == 0:
        if evidence.cycles_logged:
            return Suggestion(Decimal("2.0"), [*reasons, f"{evidence.cycles_logged} PDSA "
                              f"cycle{_s(evidence.cycles_logged)} planned or running, none "
                              "completed yet."])
        return Suggestion(Decimal("1.5"), [*reasons, "No PDSA cycle has been logged yet."])
    reasons.append(f"{evidence.cycles_completed} PDSA cycle{_s(evidence.cycles_completed)} "
                   "completed.")
    if evidence.outcome_improvement:
        reasons.append("An outcome measure shows a signal of improvement.")
        progress = evidence.goal_progress
        if progress is not None:
            reasons.append(f"The outcome measures have come {progress}% of the way from "
                           "their baseline to their goal.")
        if evidence.outcome_sustained:
            reasons.append("The improvement has held across two action periods or more.")
        if progress is not None and progress >= 100 and evidence.outcome_sustained:
            return Suggestion(Decimal("5.0"), reasons)
        if progress is not None and progress >= 75:
            return Suggestion(Decimal("4.5"), reasons)
        if evidence.outcome_sustained or (progress is not None and progress >= 50):
            return Suggestion(Decimal("4.0"), reasons)
        return Suggestion(Decimal("3.5"), reasons)
    if evidence.process_improvement:
        return Suggestion(Decimal("3.0"), [*reasons, "A process measure shows a signal of "
                                                     "improvement; no outcome measure does "
                                                     "yet."])
    return Suggestion(Decimal("2.5"), [*reasons, "No measure shows a signal of improvement "
                                                 "yet."])


def _s(count: int) -> str:
    return "" if count == 1 else "s"
