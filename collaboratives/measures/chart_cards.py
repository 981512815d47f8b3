"""One measure across teams: the network chart (sums of numerators and denominators, or the
median of the teams' values) and one compact card per team, each kept in the cache.

Each card is a sparkline (a word-sized SVG of about 1 KB, ``spc.controlsvg.render_sparkline``)
with the team's latest value, centre line and signals in words, linking to the team's full
chart: 100 teams come to well under 300 KB of HTML, where full inline charts were 25 KB each.
The cross-team page showed one small run chart per team. Reading every team's values into model
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

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.safestring import SafeString, mark_safe

from collaboratives.cycles.models import PDSACycle
from collaboratives.measures import chartkinds, charts
from collaboratives.measures.models import (
    AstronomicalPoint,
    Measure,
    MeasurePhase,
    MeasureValue,
    TeamMeasure,
)
from members.models import Team
from spc.controlsvg import render_sparkline

CARD_CACHE_SECONDS = 60 * 60 * 24 * 7


class _Phase(NamedTuple):
    starts_on: date
    label: str
    baseline_points: int | None = None


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
    centre_display: str = ""
    kind_label: str = ""
    phase_label: str = ""
    goal_display: str = ""
    cycles: int = 0

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
    for team_id, starts_on, label, frozen in (
            MeasurePhase.objects.filter(**mine).order_by("starts_on", "pk")
            .values_list("team_id", "starts_on", "label", "baseline_points")):
        found[team_id].phases.append(_Phase(starts_on, label, frozen))
    for row in (_links(measure, cycles, team_ids).values("pdsacycle__team_id")
                .annotate(n=Count("pk"), changed=Max("pdsacycle__updated_at"),
                          ids=Sum("pdsacycle_id"))):
        found[row["pdsacycle__team_id"]].cycles = (row["n"], row["changed"], row["ids"])
    return found


def _draw(teams: Sequence[Team], measure: Measure, cycles: QuerySet,
          inputs: dict[int, _Inputs], prefix: str) -> dict[int, Card]:
    """Draw the cards of these teams, reading their values and marked cycles."""
    points = defaultdict(list)
    counts = defaultdict(list)
    ids = defaultdict(list)
    for team_id, value_id, period, value, numerator, denominator in (
            MeasureValue.objects.filter(measure=measure, team_id__in=[t.pk for t in teams])
            .order_by("team_id", "period").values_list("team_id", "pk", "period", "value",
                                                       "numerator", "denominator")):
        points[team_id].append((period, value))
        counts[team_id].append(charts.counts_of(numerator, denominator))
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
            size="small", show_title=False, prefix=prefix, counts=counts[team.pk]), draw=False)
        chart.reasons = {i: given.marks[ids[team.pk][i]] for i in astronomical}
        cards[team.pk] = card_of(chart, chart_id=f"{prefix}-{team.pk}-{measure.pk}")
    return cards


# A card draws at most this many of the latest points (a year of weeks): a card's size, and
# the cross-team page's, stays bounded however long a team has been entering data. The team's
# own chart, one click away, draws them all.
SPARKLINE_POINTS = 52


def sparkline_of(chart: charts.Chart, *, label: str) -> str:
    """The chart's latest ``SPARKLINE_POINTS`` as a sparkline: its values, its centre line, its
    signals' points."""
    values = [float(v) for _, v in chart.points]
    if (chart.kind and chart.kind.control is not None) or (chart.kind and chart.kind.anhoej):
        values, centre, _, _ = chartkinds.series(chart.kind, [v for _, v in chart.points])
        marked = chartkinds.signal_points(chart.kind)
    else:
        centre = [float(chart.analysis.median_at(i)) for i in range(len(values))]
        marked = sorted({i for s in chart.analysis.signals for i in s.points})
    skip = max(len(values) - SPARKLINE_POINTS, 0)
    return render_sparkline(label=label, values=values[skip:], centre=centre[skip:],
                            marked=[i - skip for i in marked if i >= skip])


def card_of(chart: charts.Chart, *, chart_id: str) -> Card:
    if chart.is_control:
        last = chart.kind.control.points[-1]
        centre = chart.measure.display(None if last.centre is None
                                       else last.centre * chart.kind.scale)
    else:
        centre = chart.median_display
    summary = tuple(chart.signal_summary)
    words = ", ".join(label for label, _ in summary) or "no signal"
    shown = min(len(chart.points), SPARKLINE_POINTS)
    points = (f"{len(chart.points)} points" if shown == len(chart.points)
              else f"the latest {shown} of {len(chart.points)} points")
    label = (f"{chart.kind_label} of {chart.team_name}: {points}, latest "
             f"{chart.latest_display}; {words}.")
    return Card(
        has_data=chart.has_data, has_signal=bool(summary),
        latest_display=chart.latest_display,
        latest_period=chart.latest[0] if chart.latest else None,
        median_display=chart.median_display, signal_summary=summary,
        figure_html=sparkline_of(chart, label=label) if chart.has_data else "",
        centre_display=centre, kind_label=chart.kind_label,
        phase_label=chart.phase_labels[-1] if len(chart.phase_labels) > 1 else "",
        goal_display=chart.goal_display if chart.goal is not None else "",
        cycles=len(chart.annotations))


def cards_for(*, teams: Sequence[Team], measure: Measure, cycles: QuerySet,
              prefix: str = "team") -> dict[int, Card]:
    """Each team's card for one measure, from the cache where nothing drawn on it changed.
    ``cycles`` is what the viewer may see of the collaborative's cycles
    (``cycles.selectors.cycles_visible_to``): only those are marked on the charts."""
    inputs = _inputs([t.pk for t in teams], measure, cycles)
    choice = chartkinds.chart_choice(measure)
    keys = {team.pk: charts.chart_cache_key(
        "card", measure=measure, team=(team.pk, team.name), prefix=prefix, choice=choice,
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


def network_chart(*, measure: Measure, team_ids: list[int], teams_label: str) -> charts.Chart:
    """The measure across these teams as one chart, in one query. A counted measure sums the
    numerators and the denominators of each period across teams (a percentage of all students,
    not an average of the teams' percentages) and is drawn as the measure's chart; a measure of
    single values plots the median of the teams' values each period."""
    values = MeasureValue.objects.filter(measure=measure, team_id__in=team_ids)
    points, counts = [], []
    if measure.counted:
        # The database sums each period's numerators and denominators (only entries with
        # both): one row a period, not one a team and period.
        both = Q(numerator__isnull=False, denominator__isnull=False)
        for period, top, bottom in (values.order_by("period").values("period")
                                    .annotate(top=Sum("numerator", filter=both),
                                              bottom=Sum("denominator", filter=both))
                                    .values_list("period", "top", "bottom")):
            if top is None or bottom is None:
                continue
            points.append((period, measure.value_of(top, bottom)))
            counts.append((top, bottom))
    else:
        by_period: dict[date, list] = defaultdict(list)
        for period, value in values.order_by("period").values_list("period", "value"):
            by_period[period].append(value)
        for period, entries in sorted(by_period.items()):
            points.append((period, Decimal(statistics.median(entries))))
    choice = chartkinds.chart_choice(measure)
    what = ("numerators and denominators summed" if measure.counted
            else "the median of the teams' values")
    chart = charts.build(measure=measure, team_name=teams_label, team_id=None, points=points,
                         counts=counts, goal=measure.goal, size="full", show_title=False,
                         chart_id=f"network-{measure.pk}", choice=choice, cached=True)
    chart.notes.insert(0, f"Each period: {what} across {teams_label}.")
    return chart
