"""Each team's analysis of each measure is kept in the cache (``rhythm.analysis``): a change to
anything it depends on must give it a new key, so that no page shows an analysis of old data.
Each test changes one input and checks that the cached answer changes with it and equals what
an analysis without the cache says."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from collaboratives.measures.models import AstronomicalPoint, MeasurePhase, TeamMeasure
from rhythm import analysis, selectors
from tests.factories import MeasureFactory, MeasureValueFactory
from tests.rhythm.helpers import deteriorating_balancing, weekly_series


def _summary(team, measure):
    measure.collaborative = measure.collaborative  # its default chart, as the pages attach it
    return analysis.summaries([(team.pk, measure)])[team.pk, measure.pk]


def _uncached(team, measure):
    cache.clear()
    return _summary(team, measure)


@pytest.fixture
def morale(world):
    return deteriorating_balancing(world.collaborative, world.team_a)


def _changes(world, measure, change):
    before = _summary(world.team_a, measure)
    assert _summary(world.team_a, measure) == before  # now from the cache
    change()
    measure.refresh_from_db()
    measure.collaborative.refresh_from_db()
    after = _summary(world.team_a, measure)
    assert after != before
    assert after == _uncached(world.team_a, measure)
    return before, after


def test_a_value_entered_changes_the_analysis(world, morale):
    last = morale.values.order_by("period").last()
    before, after = _changes(world, morale, lambda: MeasureValueFactory(
        team=world.team_a, measure=morale, period=last.period + timedelta(weeks=1),
        value=Decimal("90")))
    assert after.points == before.points + 1


def test_a_value_replaced_changes_the_analysis(world, morale):
    def replace():
        last = morale.values.order_by("period").last()
        last.value = Decimal("99")
        last.save()
    before, after = _changes(world, morale, replace)
    assert after.points == before.points and after.latest_display != before.latest_display


def test_a_value_deleted_changes_the_analysis(world, morale):
    _changes(world, morale, lambda: morale.values.order_by("period").last().delete())


def test_an_astronomical_mark_changes_the_analysis(world, morale):
    first = morale.values.order_by("period").first()
    _, after = _changes(world, morale, lambda: AstronomicalPoint.objects.create(
        value=first, reason="Snow day", marked_by=world.coach_a))
    assert any(item["label"].startswith("Astronomical") for item in after.signal_items)


def test_removing_an_astronomical_mark_changes_the_analysis(world, morale):
    first = morale.values.order_by("period").first()
    AstronomicalPoint.objects.create(value=first, reason="Snow day", marked_by=world.coach_a)
    _changes(world, morale, lambda: AstronomicalPoint.objects.filter(value=first).delete())


def test_the_teams_goal_changes_the_analysis(world, morale):
    _, after = _changes(world, morale, lambda: TeamMeasure.objects.create(
        team=world.team_a, measure=morale, goal=Decimal("80")))
    assert after.goal_progress is not None


def test_a_frozen_baseline_changes_the_analysis(world, morale):
    _changes(world, morale, lambda: TeamMeasure.objects.create(
        team=world.team_a, measure=morale, baseline_median=Decimal("50")))


def test_a_phase_changes_the_analysis(world, morale):
    start = morale.values.order_by("period")[8].period
    _changes(world, morale, lambda: MeasurePhase.objects.create(
        team=world.team_a, measure=morale, starts_on=start, label="New timetable",
        added_by=world.lead_a))


def test_the_measures_direction_changes_the_analysis(world, morale):
    def flip():
        morale.better = "down"
        morale.save()
    before, after = _changes(world, morale, flip)
    assert [s.end_index for s in before.spans_of("deterioration")] == [14, 14]
    assert [s.end_index for s in after.spans_of("improvement")] == [14, 14]


def test_the_collaboratives_default_chart_changes_the_analysis(world):
    measure = MeasureFactory(collaborative=world.collaborative, kind="balancing", better="up",
                             unit="count")
    weekly_series(world.team_a, measure, [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 10, 12,
                                          11, 10, 11, 12, 10, 11, 10, 12, 11, 30, 2, 11])

    def control():
        world.collaborative.default_chart = "xmr"
        world.collaborative.save()
    _, after = _changes(world, measure, control)
    assert after.spans  # a control chart's signals are read too


def test_another_team_has_its_own_analysis(world, morale):
    weekly_series(world.team_b, morale, [50, 51])
    a, b = _summary(world.team_a, morale), _summary(world.team_b, morale)
    assert (a.points, b.points) == (15, 2)


def test_triage_follows_new_values_of_a_balancing_measure(world, morale):
    def flagged():
        return "shows a signal of deterioration" in " ".join(
            n.label for n in selectors.triage(world.coach_a)[0].needs)
    assert flagged()
    last = morale.values.order_by("period").last()
    for week in range(1, 9):  # back up for eight weeks: the deterioration is history
        MeasureValueFactory(team=world.team_a, measure=morale, value=Decimal("75"),
                            period=last.period + timedelta(weeks=week))
    assert not flagged()


def test_the_report_form_shows_the_latest_value_as_entered(client, world, morale, last_month):
    client.force_login(world.lead_a)
    url = reverse("rhythm:report_edit", args=[world.collaborative.slug, world.team_a.pk,
                                              last_month.year, last_month.month])
    assert "54%" in client.get(url).content.decode()
    last = morale.values.order_by("period").last()
    last.value = Decimal("61.5")
    last.save()
    page = client.get(url).content.decode()
    assert "61.5%" in page and "54%" not in page


def test_the_report_form_reads_a_control_charts_signals(client, world, last_month):
    """A measure drawn as a control chart: its signals (not IHI's) weigh in the evidence."""
    world.collaborative.default_chart = "xmr"
    world.collaborative.save()
    measure = MeasureFactory(collaborative=world.collaborative, unit="count", better="down")
    weekly_series(world.team_a, measure, [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 10, 12,
                                          11, 10, 11, 12, 10, 11, 10, 12, 11, 10, 2, 11])
    client.force_login(world.lead_a)
    page = client.get(reverse("rhythm:report_edit", args=[
        world.collaborative.slug, world.team_a.pk, last_month.year, last_month.month]))
    assert page.status_code == 200
    assert "(improvement)" in page.content.decode()
