"""One measure across teams: the network chart (sums of numerators and denominators, or the
median of the teams' values) and one compact card per team, each kept in the cache as the HTML
the page shows.

Each card is a sparkline (a word-sized SVG of about 1 KB, ``spc.controlsvg.render_sparkline``)
with the team's latest value, centre line and signals in words, linking to the team's full
chart: 100 teams come to well under 300 KB of HTML, where full inline charts were 25 KB each.
Reading every team's values and running the run-chart rules on every request cost about 280 ms
at 60 teams of 139 weekly points each, however little had changed; rendering 100 cards through
the template, and building them from the cache as objects, still cost most of the page at 100
teams. Here each team's card is kept in the cache as its finished ``<li>`` (its chart drawn, its
signals and facts in words, its link and coach), under a key made from everything on it
(``charts.chart_cache_key``, the one key scheme of every chart drawn, kind "card"):

- the measure's name, unit, direction and goal, the chart chosen for it, the link to a team's
  chart (the collaborative's slug and the URL scheme), the team's name and its coach's name;
- how many values the team has and when one last changed (a value entered, replaced by a CSV,
  or deleted changes one or the other);
- its astronomical marks with their reasons, its chart settings, its phases;
- the PDSA cycles marked on its chart that this viewer may see: how many, when one last
  changed, and the sum of their ids.

Those are read in four short statements whatever the number of teams (``key_reads``), and
none of them loads the values themselves. The network chart's section is kept the same way
(kind "network"), under the same reads of the values of every team shown, and the page's cards
and network chart together (kind "cross-team") under all of the reads, the teams shown with
their coaches and the viewer's words for them: a page nothing changed on costs those reads and
one cache round trip, however many teams. Any change to what a card shows gives it, and the
page, a new key: the page is put together again from the cache, and only that card is drawn
again (only its team's values are read, through ``card_reads``).
"""

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import NamedTuple

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.template.loader import render_to_string
from django.urls import reverse
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
from collaboratives.programme.models import Enrollment
from members.models import User
from spc.controlsvg import render_sparkline

CARD_CACHE_SECONDS = 60 * 60 * 24 * 7


class TeamRow(NamedTuple):
    """An enrolled team as the cross-team page lists it, with its coach's names: read as
    values, not model instances (a hundred teams with their coaches cost more to build as
    objects than to draw)."""

    pk: int
    name: str
    coach_first_name: str = ""
    coach_last_name: str = ""
    coach_email: str = ""

    @property
    def coach(self) -> str:
        """The coach's name in the words of ``User.display_name``, without building a User
        (only a card being drawn asks for it)."""
        return User.display_name.fget(SimpleNamespace(
            first_name=self.coach_first_name, last_name=self.coach_last_name,
            email=self.coach_email))


def team_rows(enrollments: QuerySet[Enrollment]) -> list[TeamRow]:
    """The enrolled teams, by name, with their coaches' names, in one query."""
    return list(map(TeamRow._make, enrollments.order_by("team__name", "pk").values_list(
        "team_id", "team__name", "coach__first_name", "coach__last_name", "coach__email")))


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
    """What the cross-team page shows of one team's chart: its sparkline and its facts."""

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


class TeamCard(NamedTuple):
    """One team's card as the page lists it: its ``<li>`` (rendered and escaped by
    ``partials/measure_card.html``, kept as a plain string: the page marks the cards safe once
    it has joined them), and whether it shows a signal or any data (the page puts the teams
    with a signal first and counts both)."""

    team_id: int
    team_name: str
    has_data: bool
    has_signal: bool
    html: str


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


class _Reads(NamedTuple):
    """What the cards are drawn from, but the values themselves, as rows in a fixed order
    (``card_reads`` typed, to draw from; ``key_reads`` as stored, to hash)."""

    values: list  # (team, a marked value's id or none, its reason, how many values, last change)
    settings: list  # (team, baseline points, baseline median, goal)
    phases: list  # (team, starts on, label, frozen points), by team and start
    cycles: list  # (team, cycles marked, last change, sum of their ids)


def card_reads(team_ids: list[int], measure: Measure, cycles: QuerySet) -> _Reads:
    """What these teams' cards are drawn from, but their values, in four queries whatever the
    number of teams: for the cards to draw. ``cycles``: what the viewer may see
    (``cycles.selectors.cycles_visible_to``)."""
    mine = {"measure_id": measure.pk, "team_id__in": team_ids}
    return _Reads(
        # The values and their astronomical marks in one pass: a group per team of the values
        # not marked, and one per marked value with its reason.
        values=list(MeasureValue.objects.filter(**mine)
                    .values_list("team_id", "astronomical__value_id")
                    .annotate(reason=Max("astronomical__reason"), n=Count("pk"),
                              changed=Max("updated_at"))
                    .order_by("team_id", "astronomical__value_id")),
        settings=list(TeamMeasure.objects.filter(**mine).order_by("team_id").values_list(
            "team_id", "baseline_points", "baseline_median", "goal")),
        phases=list(MeasurePhase.objects.filter(**mine).order_by("team_id", "starts_on", "pk")
                    .values_list("team_id", "starts_on", "label", "baseline_points")),
        # The cycles this viewer may see of these teams that are marked on the measure's charts.
        cycles=list(cycles.filter(team_id__in=team_ids, measures=measure).values_list("team_id")
                    .annotate(n=Count("pk"), changed=Max("updated_at"), ids=Sum("pk"))
                    .order_by("team_id")))


def card_inputs(reads: _Reads) -> dict[int, _Inputs]:
    """``card_reads`` team by team."""
    found: dict[int, _Inputs] = defaultdict(_Inputs)
    for team_id, value_id, reason, n, changed in reads.values:
        given = found[team_id]
        count, last = given.values
        given.values = (count + n, changed if last is None or changed > last else last)
        if value_id is not None:
            given.marks[value_id] = reason
    for team_id, points, median, goal in reads.settings:
        found[team_id].settings = _Settings(points, median, goal)
    for team_id, starts_on, label, frozen in reads.phases:
        found[team_id].phases.append(_Phase(starts_on, label, frozen))
    for team_id, n, changed, ids in reads.cycles:
        found[team_id].cycles = (n, changed, ids)
    return found


def key_reads(measure: Measure, cycles: QuerySet) -> _Reads:
    """The rows the keys are made from: ``card_reads`` over every team of the measure,
    read as the database gives them. These rows are only hashed, never drawn from (a card to
    draw reads what it shows through ``card_reads``): three short statements of our own and
    one the ORM compiles cost about 3k Python calls where four ORM queries cost 9k, most of the
    page once the cards come from the cache. Every team of the measure: a coach's page is keyed
    on more teams than it shows, which costs a redraw of nothing but the page when a team they
    do not coach changes. Only table names from the models go into the text; values are
    parameters."""
    pk = measure.pk
    # The cycles marked on the measure's charts among those this viewer may see: the ORM
    # compiles it from the selector's query (the rule stays there).
    try:
        marked = (cycles.filter(measures=measure).values_list("team_id")
                  .annotate(n=Count("pk"), changed=Max("updated_at"), ids=Sum("pk"))
                  .order_by("team_id").query.sql_with_params())
    except EmptyResultSet:  # the viewer may see no cycle
        marked = None
    with connection.cursor() as cursor:
        def rows(sql: str, params) -> list:
            cursor.execute(sql, params)
            return cursor.fetchall()
        return _Reads(
            # The values and their marks in one pass: a group per team of the values not
            # marked (0) and one per marked value, with its reason. Sorted here: sorting 14k
            # rows before grouping them took PostgreSQL longer than hashing them.
            values=sorted(rows(
                "SELECT v.team_id, COALESCE(a.value_id, 0), MAX(a.reason), COUNT(*), "  # noqa: S608
                # (as text: a time is only hashed, and a hundred cost calls to convert)
                f"CAST(MAX(v.updated_at) AS VARCHAR) FROM {MeasureValue._meta.db_table} v "
                f"LEFT JOIN {AstronomicalPoint._meta.db_table} a ON a.value_id = v.id "
                "WHERE v.measure_id = %s GROUP BY v.team_id, a.value_id", [pk])),
            settings=rows(
                "SELECT team_id, baseline_points, baseline_median, goal "  # noqa: S608
                f"FROM {TeamMeasure._meta.db_table} WHERE measure_id = %s ORDER BY team_id",
                [pk]),
            phases=rows(
                "SELECT team_id, starts_on, label, baseline_points "  # noqa: S608
                f"FROM {MeasurePhase._meta.db_table} WHERE measure_id = %s "
                "ORDER BY team_id, starts_on, id", [pk]),
            cycles=[] if marked is None else rows(*marked))


def _by_team(reads: _Reads) -> dict[int, list]:
    """The rows of ``key_reads`` team by team, each with the read it comes from."""
    own = defaultdict(list)
    for part, rows in enumerate(reads):
        for row in rows:
            own[row[0]].append((part, row))
    return own


def _draw(teams: Sequence[TeamRow], measure: Measure, cycles: QuerySet,
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


def cards_for(*, teams: Sequence[TeamRow], measure: Measure, cycles: QuerySet, slug: str,
              reads: _Reads | None = None, prefix: str = "team") -> list[TeamCard]:
    """Each team's card for one measure, in the teams' order, from the cache where nothing on it
    changed. ``cycles`` is what the viewer may see of the collaborative's cycles
    (``cycles.selectors.cycles_visible_to``): only those are marked on the charts. ``slug``:
    the collaborative's, for the cards' links; ``reads``: ``key_reads`` if already read."""
    own = _by_team(key_reads(measure, cycles) if reads is None else reads)
    # What every card shares, hashed once: the measure, its chart, and the address of a team's
    # chart (a change of the URLs or of the slug changes every card).
    shared = charts.chart_cache_key(
        "card", measure=measure, prefix=prefix, choice=chartkinds.chart_choice(measure),
        link=reverse(TEAM_CHART_URL, args=[slug, 0, measure.pk]))
    # Then each team's own: its name, its coach and the rows of what its chart shows.
    keys = {}
    for team in teams:
        digest = hashlib.sha256(repr((team, own[team.pk])).encode()).hexdigest()
        keys[team.pk] = f"{shared}:{digest}"
    cached = cache.get_many(list(keys.values()))
    missing = [team for team in teams if keys[team.pk] not in cached]
    if missing:
        inputs = card_inputs(card_reads([team.pk for team in missing], measure, cycles))
        drawn = _draw(missing, measure, cycles, inputs, prefix)
        new = {}
        for team in missing:
            card = drawn[team.pk]
            html = render_to_string("collaboratives/partials/measure_card.html", {
                "team": team, "card": card,
                "link": reverse(TEAM_CHART_URL, args=[slug, team.pk, measure.pk])})
            # Kept as a plain string: a SafeString would cost a call to unpickle.
            new[keys[team.pk]] = (card.has_data, card.has_signal, str.__str__(html))
        cache.set_many(new, CARD_CACHE_SECONDS)
        cached.update(new)
    out = []
    for team in teams:
        has_data, has_signal, html = cached[keys[team.pk]]
        out.append(TeamCard(team.pk, team.name, has_data, has_signal, html))
    return out


TEAM_CHART_URL = "collaboratives:team_measure"


class NetworkSection(NamedTuple):
    """The network chart as the page shows it: its figure rendered by
    ``partials/runchart.html``."""

    kind_label: str
    is_control: bool
    has_data: bool
    html: SafeString


def _network(measure: Measure, teams: Sequence[TeamRow], reads: _Reads,
             teams_label: str) -> tuple[str, bool, bool, str]:
    """The network chart's section (``NetworkSection``'s fields), from the cache while no value
    of the teams shown changed (their counts and latest changes, ``key_reads``, are the key):
    reading every team's values and analysing them cost more than the rest of the page
    together. Kept as plain values: a SafeString would cost a call to unpickle."""
    shown = {team.pk for team in teams}
    key = charts.chart_cache_key(
        "network", measure=measure, choice=chartkinds.chart_choice(measure), label=teams_label,
        teams=sorted(shown), values=[row for row in reads.values if row[0] in shown])
    found = cache.get(key)
    if found is None:
        chart = network_chart(measure=measure, team_ids=[team.pk for team in teams],
                              teams_label=teams_label)
        html = render_to_string("collaboratives/partials/runchart.html",
                                {"chart": chart, "table": False, "rules": True})
        found = (chart.kind_label, chart.is_control, chart.has_data, str.__str__(html))
        cache.set(key, found, CARD_CACHE_SECONDS)
    return found


class CrossTeam(NamedTuple):
    cards: list[TeamCard]  # in the teams' order
    network: NetworkSection


def cross_team(*, measure: Measure, teams: Sequence[TeamRow], cycles: QuerySet, slug: str,
               teams_label: str) -> CrossTeam:
    """The cross-team page's network chart and cards, for these teams (``team_rows``) and a
    viewer who may see ``cycles``.

    The whole is kept in the cache under a key made from everything on it, read in four
    statements (``key_reads``) and hashed as read: a page nothing changed on costs those reads
    and one cache round trip, however many teams. When anything changed, each card and the
    network chart come from their own cache entries, and only what changed is drawn again."""
    reads = key_reads(measure, cycles)
    key = charts.chart_cache_key(
        "cross-team", measure=measure, choice=chartkinds.chart_choice(measure),
        teams=[tuple(team) for team in teams],  # (a named tuple's repr is a call each)
        label=teams_label, link=reverse(TEAM_CHART_URL, args=[slug, 0, measure.pk]),
        reads=reads)
    found = cache.get(key)
    if found is None:
        cards = cards_for(teams=teams, measure=measure, cycles=cycles, slug=slug, reads=reads)
        found = ([tuple(card) for card in cards], _network(measure, teams, reads, teams_label))
        cache.set(key, found, CARD_CACHE_SECONDS)
    cards, (kind_label, is_control, has_data, html) = found
    return CrossTeam([TeamCard(*card) for card in cards], NetworkSection(
        kind_label, is_control, has_data, mark_safe(html)))  # noqa: S308 - rendered by us


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
