"""One measure across teams (the small multiples), each team's card kept in the cache.

The cross-team page shows one small run chart per team. Reading every team's values into model
instances and running the run-chart rules on every request cost about 280 ms at 60 teams of 139
weekly points each, however little had changed. Here each team's card (its chart drawn with its
signals in words, and the few facts the page's table needs) is kept in the cache under a key
made from everything drawn on it, by ``charts.chart_cache_key`` (the one key scheme of every
chart drawn, kind "card"):

- the measure's name, unit, direction and goal, and the team's name;
- how many values the team has and when one last changed (a value entered, replaced by a CSV,
  or deleted changes one or the other);
- its astronomical marks with their reasons, its chart settings, its phases;
- the PDSA cycles marked on its chart that this viewer may see, with their titles and decisions.

Those are read in five small queries whatever the number of teams, and none of them loads the
values themselves: an unchanged card costs one cache round trip for all teams, and any change to
what a card shows gives it a new key, so it is drawn again (only that team's values are read).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, Max, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from collaboratives.cycles.models import PDSACycle
from collaboratives.measures import charts
from collaboratives.measures.models import (
    AstronomicalPoint,
    Measure,
    MeasurePhase,
    MeasureValue,
    TeamMeasure,
)
from members.models import Team

CARD_CACHE_SECONDS = 60 * 60 * 24 * 7


class _Phase(NamedTuple):
    starts_on: date
    label: str


class _Settings(NamedTuple):  # the fields of TeamMeasure a chart is drawn from
    baseline_points: int | None = None
    baseline_median: Decimal | None = None
    goal: Decimal | None = None


@dataclass(frozen=True)
class Card:
    """What the cross-team page shows of one team: a row of its table and its chart card."""

    has_data: bool
    has_signal: bool
    latest_display: str
    latest_period: date | None
    median_display: str
    signal_summary: tuple[tuple[str, str], ...]
    figure_html: str

    @property
    def figure(self) -> SafeString:
        return mark_safe(self.figure_html)  # noqa: S308 - rendered by our template, escaped


@dataclass
class _Inputs:
    """Everything one team's card is drawn from, except the values themselves."""

    values: tuple = (0, None)  # (how many, when one last changed)
    marks: dict[int, str] = field(default_factory=dict)  # value id -> reason
    settings: _Settings = field(default_factory=_Settings)
    phases: list[_Phase] = field(default_factory=list)
    cycles: tuple = (0, None, None)  # cycles marked: how many, last change, sum of their ids


def _links(measure: Measure, cycles: QuerySet, team_ids: list[int]) -> QuerySet:
    """The measure's links to the cycles the viewer may see of these teams."""
    return (PDSACycle.measures.through.objects.order_by()
            .filter(measure=measure, pdsacycle__in=cycles.filter(team_id__in=team_ids)
                    .values("pk")))


def _inputs(team_ids: list[int], measure: Measure, cycles: QuerySet) -> dict[int, _Inputs]:
    found: dict[int, _Inputs] = defaultdict(_Inputs)
    mine = {"measure": measure, "team_id__in": team_ids}
    for row in (MeasureValue.objects.filter(**mine).order_by().values("team_id")
                .annotate(n=Count("pk"), changed=Max("updated_at"))):
        found[row["team_id"]].values = (row["n"], row["changed"])
    for team_id, value_id, reason in (AstronomicalPoint.objects
                                      .filter(value__measure=measure,
                                              value__team_id__in=team_ids)
                                      .values_list("value__team_id", "value_id", "reason")):
        found[team_id].marks[value_id] = reason
    for team_id, points, median, goal in (TeamMeasure.objects.filter(**mine)
                                          .values_list("team_id", "baseline_points",
                                                       "baseline_median", "goal")):
        found[team_id].settings = _Settings(points, median, goal)
    for team_id, starts_on, label in (MeasurePhase.objects.filter(**mine)
                                      .order_by("starts_on", "pk")
                                      .values_list("team_id", "starts_on", "label")):
        found[team_id].phases.append(_Phase(starts_on, label))
    for row in (_links(measure, cycles, team_ids).values("pdsacycle__team_id")
                .annotate(n=Count("pk"), changed=Max("pdsacycle__updated_at"),
                          ids=Sum("pdsacycle_id"))):
        found[row["pdsacycle__team_id"]].cycles = (row["n"], row["changed"], row["ids"])
    return found


def _draw(teams: Sequence[Team], measure: Measure, cycles: QuerySet,
          inputs: dict[int, _Inputs], prefix: str) -> dict[int, Card]:
    """Draw the cards of these teams, reading their values and marked cycles."""
    points = defaultdict(list)
    ids = defaultdict(list)
    for team_id, value_id, period, value in (
            MeasureValue.objects.filter(measure=measure, team_id__in=[t.pk for t in teams])
            .order_by("team_id", "period").values_list("team_id", "pk", "period", "value")):
        points[team_id].append((period, value))
        ids[team_id].append(value_id)
    annotations = defaultdict(list)
    for team_id, title, decision, in_progress_at, created_at in (
            _links(measure, cycles, [t.pk for t in teams])
            .order_by("pdsacycle__created_at", "pdsacycle_id")
            .values_list("pdsacycle__team_id", "pdsacycle__title", "pdsacycle__decision",
                         "pdsacycle__in_progress_at", "pdsacycle__created_at")):
        cycle = PDSACycle(title=title, decision=decision, in_progress_at=in_progress_at,
                          created_at=created_at)
        annotations[team_id].append((charts.cycle_day(cycle), charts.cycle_note(cycle)))
    cards = {}
    for team in teams:
        given, own = inputs[team.pk], points[team.pk]
        astronomical = [i for i, value_id in enumerate(ids[team.pk]) if value_id in given.marks]
        chart = charts.build(**charts.chart_spec(
            measure=measure, team=team, points=own, astronomical=astronomical,
            settings=given.settings, phases=given.phases, annotations=annotations[team.pk],
            size="small", show_title=False, prefix=prefix))
        chart.reasons = {i: given.marks[ids[team.pk][i]] for i in astronomical}
        cards[team.pk] = Card(
            has_data=chart.has_data, has_signal=bool(chart.signals),
            latest_display=chart.latest_display,
            latest_period=chart.latest[0] if chart.latest else None,
            median_display=chart.median_display,
            signal_summary=tuple(chart.signal_summary),
            figure_html=render_to_string("collaboratives/partials/runchart.html",
                                         {"chart": chart, "table": False}))
    return cards


def cards_for(*, teams: Sequence[Team], measure: Measure, cycles: QuerySet,
              prefix: str = "team") -> dict[int, Card]:
    """Each team's card for one measure, from the cache where nothing drawn on it changed.
    ``cycles`` is what the viewer may see of the collaborative's cycles
    (``cycles.selectors.cycles_visible_to``): only those are marked on the charts."""
    inputs = _inputs([t.pk for t in teams], measure, cycles)
    keys = {team.pk: charts.chart_cache_key(
        "card", measure=measure, team=(team.pk, team.name), prefix=prefix,
        values=inputs[team.pk].values, marks=sorted(inputs[team.pk].marks.items()),
        settings=inputs[team.pk].settings, phases=inputs[team.pk].phases,
        cycles=inputs[team.pk].cycles) for team in teams}
    cached = cache.get_many(list(keys.values()))
    cards = {team_id: cached[key] for team_id, key in keys.items() if key in cached}
    missing = [team for team in teams if team.pk not in cards]
    if missing:
        drawn = _draw(missing, measure, cycles, inputs, prefix)
        cache.set_many({keys[team_id]: card for team_id, card in drawn.items()},
                       CARD_CACHE_SECONDS)
        cards.update(drawn)
    return cards
