"""The run-chart analysis the rhythm's pages read of each team's measures, kept in the cache.

Triage, the report form and the progress page read of a chart only its points' count, its
latest value, its signals (in words, and as spans of periods) and the progress toward its goal;
none draws it. Analysing every chart on every request (about 5,000 values for a coach's three
dozen teams) was most of those pages' cost, however little had changed. Each team's analysis of
each measure is kept here under a key made, by ``charts.chart_cache_key``, from cheap reads of
everything the analysis depends on:

- the measure's analysed fields (``chart_cache_key``'s own), when it last changed and the chart
  it is read as (its own or the collaborative's default);
- how many values the team has and when one last changed (a value entered, replaced by a CSV,
  or deleted changes one or the other);
- how many of its values are marked astronomical, when the latest mark was made and which
  values carry them;
- its chart settings (baseline, goal) and its phases.

Those come in three small queries whatever the number of teams, none of them reading the values
themselves; only an analysis whose key is not in the cache reads its values (one query for all
of them). The analysis depends on no viewer: it is the same for everyone who may see the page.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from collaboratives.measures import chartkinds
from collaboratives.measures.charts import Chart, build, chart_cache_key, chart_spec, counts_of
from collaboratives.measures.models import Measure, MeasurePhase, MeasureValue, TeamMeasure

CACHE_SECONDS = 60 * 60 * 24 * 7
VERSION = 1  # bump when what ``summary_of`` keeps changes


class _Settings(NamedTuple):  # the fields of TeamMeasure an analysis reads
    baseline_points: int | None = None
    baseline_median: Decimal | None = None
    goal: Decimal | None = None


class _Phase(NamedTuple):  # the fields of MeasurePhase an analysis reads
    starts_on: date
    label: str
    baseline_points: int | None = None


@dataclass
class Inputs:
    """What one team's analysis of one measure depends on, except the values themselves."""

    values: tuple = (0, None)          # how many, when one last changed
    marks: tuple = (0, None, None)     # astronomical marks: how many, latest, sum of value ids
    settings: _Settings = field(default_factory=_Settings)
    phases: list[_Phase] = field(default_factory=list)
    last_entered: datetime | None = None  # when the latest value was first entered


class Span(NamedTuple):
    """A signal as the rhythm reads it: improvement, deterioration or neutral, over which
    periods, ending at which point."""

    kind: str
    first: date
    last: date
    end_index: int


@dataclass(frozen=True)
class Summary:
    """One team's chart of one measure, analysed: what the rhythm's pages show and weigh."""

    points: int
    latest: tuple[date, Decimal] | None
    latest_display: str
    signal_items: tuple[dict, ...]           # {label, kind, text}, as ``Chart.signal_items``
    signal_summary: tuple[tuple[str, str], ...]  # (label, kind), as ``Chart.signal_summary``
    spans: tuple[Span, ...]
    goal_progress: int | None

    @property
    def has_data(self) -> bool:
        return self.points > 0

    def spans_of(self, kind: str) -> list[Span]:
        return [span for span in self.spans if span.kind == kind]


def summary_of(chart: Chart) -> Summary:
    dates = [d for d, _ in chart.points]
    if chart.uses_ihi:
        spans = [Span(s.assessment.value if s.assessment else "neutral", dates[s.start_index],
                      dates[s.end_index], s.end_index) for s in chart.analysis.signals]
    else:  # control charts and Anhøj's rules: each signal's points, with its item's kind
        found = (chart.kind.control.signals if chart.kind.control is not None
                 else chart.kind.anhoej.signals)
        spans = [Span(item["kind"], dates[min(s.indices)], dates[max(s.indices)],
                      max(s.indices))
                 for item, s in zip(chart.signal_items, found, strict=False) if s.indices]
    return Summary(points=len(chart.points), latest=chart.latest,
                   latest_display=chart.latest_display,
                   signal_items=tuple(dict(item) for item in chart.signal_items),
                   signal_summary=tuple(chart.signal_summary), spans=tuple(spans),
                   goal_progress=chart.goal_progress)


def inputs_of(team_ids: Iterable[int], measure_ids: Iterable[int]) -> dict[tuple, Inputs]:
    """The inputs of every (team, measure) pair of these, in three queries."""
    team_ids, measure_ids = list(team_ids), list(measure_ids)
    found: dict[tuple, Inputs] = defaultdict(Inputs)
    if not team_ids or not measure_ids:
        return found
    mine = {"team_id__in": team_ids, "measure_id__in": measure_ids}
    for row in (MeasureValue.objects.filter(**mine).order_by().values("team_id", "measure_id")
                .annotate(n=Count("pk"), changed=Max("updated_at"), entered=Max("created_at"),
                          marks=Count("astronomical"), marked=Max("astronomical__marked_at"),
                          marked_ids=Sum("astronomical__value_id"))):
        given = found[row["team_id"], row["measure_id"]]
        given.values = (row["n"], row["changed"])
        given.marks = (row["marks"], row["marked"], row["marked_ids"])
        given.last_entered = row["entered"]
    for team_id, measure_id, *settings in (TeamMeasure.objects.filter(**mine).order_by()
                                           .values_list("team_id", "measure_id",
                                                        "baseline_points", "baseline_median",
                                                        "goal")):
        found[team_id, measure_id].settings = _Settings(*settings)
    for team_id, measure_id, *phase in (MeasurePhase.objects.filter(**mine)
                                        .order_by("starts_on", "pk")
                                        .values_list("team_id", "measure_id", "starts_on",
                                                     "label", "baseline_points")):
        found[team_id, measure_id].phases.append(_Phase(*phase))
    return found


def _key(team_id: int, measure: Measure, given: Inputs) -> str:
    return chart_cache_key("rhythm", measure=measure, team=team_id, version=VERSION,
                           changed=measure.updated_at, choice=chartkinds.chart_choice(measure),
                           values=given.values, marks=given.marks, settings=given.settings,
                           phases=given.phases)


def summaries(pairs: list[tuple[int, Measure]],
              inputs: dict[tuple, Inputs] | None = None) -> dict[tuple, Summary]:
    """Each (team id, measure) pair's summary by (team id, measure id), from the cache where
    nothing it depends on changed. ``inputs``: ``inputs_of`` these pairs (or more), when the
    caller read them already. Each measure needs its ``collaborative`` (its default chart)."""
    if not pairs:
        return {}
    if inputs is None:
        inputs = inputs_of({t for t, _ in pairs}, {m.pk for _, m in pairs})
    keys = {(team_id, measure.pk): _key(team_id, measure, inputs[team_id, measure.pk])
            for team_id, measure in pairs}
    cached = cache.get_many(list(keys.values()))
    found = {pair: cached[key] for pair, key in keys.items() if key in cached}
    missing = [(t, m) for t, m in pairs if (t, m.pk) not in found]
    if missing:
        analysed = _analyse(missing, inputs)
        cache.set_many({keys[pair]: summary for pair, summary in analysed.items()},
                       CACHE_SECONDS)
        found.update(analysed)
    return found


class _Team(NamedTuple):  # what ``chart_spec`` reads of a team; the summary never shows it
    pk: int
    name: str = ""


def _analyse(pairs: list[tuple[int, Measure]], inputs: dict[tuple, Inputs]) -> dict:
    """Read these pairs' values (one query, as tuples) and analyse each without drawing."""
    wanted = {(t, m.pk) for t, m in pairs}
    values = defaultdict(list)
    for row in (MeasureValue.objects.filter(team_id__in={t for t, _ in pairs},
                                            measure_id__in={m.pk for _, m in pairs})
                .order_by("team_id", "measure_id", "period")
                .values_list("team_id", "measure_id", "period", "value", "numerator",
                             "denominator", "astronomical__id")):
        if (row[0], row[1]) in wanted:
            values[row[0], row[1]].append(row[2:])
    analysed = {}
    for team_id, measure in pairs:
        key = (team_id, measure.pk)
        rows, given = values.get(key, []), inputs[key]
        chart = build(**chart_spec(
            measure=measure, team=_Team(team_id), points=[(r[0], r[1]) for r in rows],
            counts=[counts_of(r[2], r[3]) for r in rows],
            astronomical=[i for i, r in enumerate(rows) if r[4] is not None],
            settings=given.settings, phases=given.phases, annotations=[],
            size="small", show_title=False, prefix="rhythm"), draw=False)
        analysed[key] = summary_of(chart)
    return analysed
