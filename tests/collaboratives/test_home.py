"""The collaborative home: phases, next convening, every team's progress, in bounded queries."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone

from collaboratives import pages
from collaboratives.models import Phase
from rhythm import panels
from tests.collaboratives.util import url
from tests.factories import (
    CoachFactory,
    ConveningFactory,
    EnrollmentFactory,
    PDSACycleFactory,
    PhaseFactory,
    TeamAimFactory,
)

pytestmark = pytest.mark.django_db


def add_teams(world, n):
    for _ in range(n):
        enrollment = EnrollmentFactory(collaborative=world.collaborative, coach=CoachFactory())
        TeamAimFactory(enrollment=enrollment)
        PDSACycleFactory(team=enrollment.team, action_period=world.period, change_idea=world.idea,
                         completed=True)


def test_query_count_is_the_same_at_3_and_60_teams(client, world, staff, monkeypatch,
                                                  django_assert_max_num_queries):
    """Teams A and B come with the world; one more makes 3, then 57 more make 60. Measured for a
    team member (who sees their own team's link) and for staff (who see every team's link),
    with nothing in the cache, then with what the page keeps there (``test_home_cache.py``)."""
    monkeypatch.setattr(pages, "HOME_SETTLE_SECONDS", -3600)  # keep the world's fresh rows
    monkeypatch.setattr(panels, "PANEL_SETTLE_SECONDS", -3600)
    path = url("home", world.collaborative.slug)

    def measure(user, teams):
        client.force_login(user)
        cache.clear()
        counts = []
        # nothing kept yet; then the page's own reads of what it keeps. Both with the 3 queries
        # of who may open it (collaborative_or_404), which the fragment cache keeps in production
        for most in (24, 9):
            with django_assert_max_num_queries(most) as queries:
                response = client.get(path)
            counts.append(len(queries.captured_queries))
        # 25 teams a page (the rest on the next pages), each with its progress
        assert len(response.context["progress"].object_list) == min(teams, 25)
        assert response.context["progress"].paginator.count == teams
        html = response.content.decode()
        assert html.count('class="status status-') >= min(teams, 25)
        return counts, html

    add_teams(world, 1)
    member_at_3, _ = measure(world.member_a, 3)
    staff_at_3, _ = measure(staff, 3)
    add_teams(world, 57)
    member_at_60, _ = measure(world.member_a, 60)
    staff_at_60, html = measure(staff, 60)
    assert html.count("/teams/") >= 25  # staff get a workspace link for every team shown
    print(f"collaborative home: {member_at_3} queries at 3 teams, {member_at_60} at 60 "
          f"(member, nothing kept and all kept); {staff_at_3} and {staff_at_60} (staff)")
    assert member_at_3 == member_at_60
    assert staff_at_3 == staff_at_60


def test_the_next_convening_card_names_both_days_of_a_two_day_convening(client, world):
    closing = world.period.closing_convening
    closing.ends_at = closing.starts_at + timedelta(days=1)
    closing.save()
    client.force_login(world.member_a)
    page = client.get(url("home", world.collaborative.slug)).content.decode()
    last_day = timezone.localtime(closing.ends_at)
    assert f"to {last_day:%A %-d %B %Y}" in page


def test_the_home_shows_the_current_phase_next_convening_and_who_is_behind(client, world):
    start = world.collaborative.start
    PhaseFactory(collaborative=world.collaborative, kind=Phase.Kind.LEARNING, start=start,
                 end=start + timedelta(days=59))
    PhaseFactory(collaborative=world.collaborative, kind=Phase.Kind.TESTING,
                 start=start + timedelta(days=60), end=start + timedelta(days=179))
    ConveningFactory(collaborative=world.collaborative, title="Cancelled one", status="cancelled",
                     starts_at=timezone.now() + timedelta(days=2))
    for _ in range(2):
        PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea)
    client.force_login(world.member_b)
    response = client.get(url("home", world.collaborative.slug))
    page = response.content.decode()
    assert response.context["current_phase"].kind == "testing"
    assert 'aria-current="step"' in page and "Testing phase" in page
    assert response.context["next_convening"] == world.period.closing_convening
    rows = {row.team.team_name: (row.logged, row.completed) for row in response.context["progress"]}
    assert rows == {world.team_a.name: (2, 0), world.team_b.name: (0, 0)}
    assert response.context["behind_count"] == 1
    assert "<strong>1 of 2</strong> teams is behind." in page
    assert "Not set yet" in page and "InvalidVar" not in page  # neither team has an aim


def test_the_current_phase_shows_on_the_other_pages_too(client, world):
    PhaseFactory(collaborative=world.collaborative, kind=Phase.Kind.TESTING,
                 start=timezone.localdate() - timedelta(days=5),
                 end=timezone.localdate() + timedelta(days=5))
    client.force_login(world.member_a)
    slug = world.collaborative.slug
    for path in [url("list"), url("cycles", slug), url("drivers", slug),
                 url("workspace", slug, world.team_a.pk),
                 url("convening", slug, world.period.closing_convening.pk)]:
        assert "Testing phase" in client.get(path).content.decode(), path


def test_empty_states(client, world):
    client.force_login(world.member_a)
    page = client.get(url("home", world.collaborative.slug)).content.decode()
    assert "No completed PDSA cycles yet" in page
    assert "The Center has not dated the phases yet." in page
    page = client.get(url("workspace", world.collaborative.slug, world.team_a.pk)).content.decode()
    assert "No cycles yet" in page and "No coaching calls logged yet" in page


def test_the_learning_rows_are_drawn_as_the_cycle_row_partial_draws_them(client, world):
    """The home builds its learning rows in Python (``pages._learning_rows``); they are the
    markup of ``partials/cycle_row.html``, the shared learning page's rows."""
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, completed=True)
    client.force_login(world.member_b)
    page = client.get(url("home", world.collaborative.slug)).content.decode()
    partial = render_to_string("collaboratives/partials/cycle_row.html",
                               {"cycle": cycle, "show_team": True})

    def squeeze(html):
        return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()

    assert squeeze(partial) in squeeze(page)
