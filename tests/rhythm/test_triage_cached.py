"""The coach's triage is served from the fragment cache (core/fragments.py) and shows every
change at once: each coach their own teams, staff every coach's."""

import pytest
from django.urls import reverse

from rhythm import selectors
from tests.factories import PDSACycleFactory
from tests.rhythm.helpers import submitted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache")]

URL = reverse("rhythm:triage")


def triage(client):
    """The page's own part (the header's sign-out form carries a fresh CSRF token each time)."""
    html = client.get(URL).content.decode()
    return html[html.index('<p class="crumbs">'):html.index("</main>")]


def test_a_second_visit_costs_the_session_the_account_and_the_coach_check(
        client, world, django_assert_max_num_queries):
    client.force_login(world.coach_a)
    first = triage(client)
    with django_assert_max_num_queries(3):
        assert triage(client) == first


def test_a_change_to_what_it_shows_shows_at_once(client, world):
    client.force_login(world.coach_a)
    due = selectors.last_due_month(world.collaborative)
    overdue = f"The {due:%B %Y} report is overdue"
    html = triage(client)
    assert overdue in html and "No PDSA cycle completed in this action period" in html
    submitted(world, due)
    PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                     completed=True)
    html = triage(client)
    assert overdue not in html and "No PDSA cycle completed" not in html
    world.team_a.name = "Oxford SD renamed"
    world.team_a.save()
    assert "Oxford SD renamed" in triage(client)


def test_each_coach_sees_their_own_and_staff_every_coachs(client, world, staff):
    client.force_login(world.coach_a)
    mine = triage(client)
    client.force_login(world.coach_b)
    theirs = triage(client)
    client.force_login(staff)
    everyone = triage(client)
    assert world.team_a.name in mine and world.team_b.name not in mine
    assert world.team_b.name in theirs and world.team_a.name not in theirs
    assert "every coach" in everyone and "your teams" in mine
    assert world.team_a.name in everyone and world.team_b.name in everyone

