"""The coach's triage: their teams ordered by need, each row saying why and where to act."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rhythm import selectors
from rhythm.models import previous_month
from tests.factories import (
    ActionPeriodFactory,
    CoachFactory,
    CollaborativeFactory,
    EnrollmentFactory,
    MeasureFactory,
    PDSACycleFactory,
)
from tests.rhythm.helpers import deteriorating_balancing, submitted, weekly_series

URL = reverse("rhythm:triage")


def _labels(row):
    return " ".join(n.label for n in row.needs)


def test_a_coach_sees_only_their_teams_with_the_reasons(client, world):
    rows = selectors.triage(world.coach_a)
    assert [r.enrollment.team for r in rows] == [world.team_a]
    due = selectors.last_due_month(world.collaborative)
    assert f"The {due:%B %Y} report is overdue" in _labels(rows[0])
    assert "No PDSA cycle completed in this action period" in _labels(rows[0])
    client.force_login(world.coach_a)
    page = client.get(URL).content.decode()
    assert world.team_a.name in page and world.team_b.name not in page
    assert reverse("rhythm:team_reports", args=[world.collaborative.slug, world.team_a.pk]) in page


def test_staff_see_every_coachs_teams(client, world, staff):
    client.force_login(staff)
    page = client.get(URL).content.decode()
    assert world.team_a.name in page and world.team_b.name in page
    assert "every coach" in page


def test_members_and_outsiders_do_not_reach_triage(client, world):
    for person in (world.member_a, world.outsider):
        client.force_login(person)
        assert client.get(URL).status_code == 404


def test_filing_the_report_and_completing_a_cycle_reorders_the_teams(world, staff):
    due = selectors.last_due_month(world.collaborative)
    first = [r.enrollment.team for r in selectors.triage(staff)]
    assert first == sorted(first, key=lambda t: t.name)  # equal need: by name (B before A)
    submitted(world, due, team="b")
    PDSACycleFactory(team=world.team_b, action_period=world.period, change_idea=world.idea,
                     completed=True)
    rows = selectors.triage(staff)
    assert [r.enrollment.team for r in rows] == [world.team_a, world.team_b]
    assert rows[1].needs == []


def test_no_data_in_four_weeks_and_a_deteriorating_balancing_measure_are_flagged(world):
    deteriorating_balancing(world.collaborative, world.team_a)
    row = selectors.triage(world.coach_a)[0]
    assert "Teacher morale (balancing) shows a signal of deterioration" in _labels(row)
    assert "No new measure data" not in _labels(row)  # the values were just entered
    rate = MeasureFactory(collaborative=world.collaborative)
    weekly_series(world.team_b, rate, [20, 21])
    world.team_b.measure_values.update(created_at="2020-01-01T00:00:00Z")
    row_b = selectors.triage(world.coach_b)[0]
    assert "No new measure data in four weeks" in _labels(row_b)


def test_a_score_unchanged_for_three_months_is_flagged(world):
    world.collaborative.start -= timedelta(days=120)  # old enough for three reports
    world.collaborative.save()
    month = selectors.last_due_month(world.collaborative)
    for _ in range(3):
        submitted(world, month, score="2.0")
        month = previous_month(month)
    row = selectors.triage(world.coach_a)[0]
    assert "The score has stayed at 2.0 for three months" in _labels(row)
    assert "overdue" not in _labels(row)


def _coach_with(n):
    coach = CoachFactory()
    collaborative = CollaborativeFactory()
    ActionPeriodFactory(collaborative=collaborative)
    balancing = MeasureFactory(collaborative=collaborative, kind="balancing", better="up")
    for _ in range(n):
        enrollment = EnrollmentFactory(collaborative=collaborative, coach=coach)
        weekly_series(enrollment.team, balancing, [50, 52, 51])
    return coach


def test_triage_reads_the_same_number_of_queries_for_5_and_50_teams(client, db):
    counts = []
    for teams in (5, 50):
        coach = _coach_with(teams)
        client.force_login(coach)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.content.decode().count('class="triage-needs"') == teams
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12, counts  # analyses not yet in the cache: their values too
