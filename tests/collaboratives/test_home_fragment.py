"""The collaborative home from the fragment cache (collaboratives.pages.collaborative_home):
the home's tests again with the cache on, and what only a cached page can get wrong."""

import pytest
from django.urls import reverse

from collaboratives.cycles.models import PDSACycle
from members import services
from members.models import TeamMember
from tests.collaboratives.test_home import (  # noqa: F401 - the same tests, the cache on
    test_empty_states,
    test_the_current_phase_shows_on_the_other_pages_too,
    test_the_home_shows_the_current_phase_next_convening_and_who_is_behind,
    test_the_learning_rows_are_drawn_as_the_cycle_row_partial_draws_them,
    test_the_next_convening_card_names_both_days_of_a_two_day_convening,
)
from tests.factories import PDSACycleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache")]


def home(client, world, **params):
    return client.get(reverse("collaboratives:home", args=[world.collaborative.slug]), params)


def test_a_second_visit_is_the_session_and_the_account(client, world,
                                                       django_assert_max_num_queries):
    client.force_login(world.member_a)
    home(client, world)
    with django_assert_max_num_queries(2):
        assert home(client, world).status_code == 200


def test_a_cycle_completed_shows_on_the_next_visit_of_every_member(client, world):
    client.force_login(world.member_b)
    assert "No completed PDSA cycles yet" in home(client, world).content.decode()
    PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                     completed=True, title="Texts to families")
    assert PDSACycle.objects.count() == 1
    html = home(client, world).content.decode()
    assert "Texts to families" in html and "No completed PDSA cycles yet" not in html


def test_a_member_removed_from_their_team_gets_a_404_not_the_kept_page(client, world):
    client.force_login(world.member_a)
    assert home(client, world).status_code == 200
    member = TeamMember.objects.get(team=world.team_a, user=world.member_a)
    services.member_remove(member=member, actor=world.lead_a)
    assert home(client, world).status_code == 404


def test_each_page_of_teams_and_each_person_are_kept_apart(client, world):
    client.force_login(world.member_a)
    mine = home(client, world).content.decode()
    assert "My team's workspace" in mine
    client.force_login(world.coach_b)
    theirs = home(client, world).content.decode()
    assert "My team's workspace" not in theirs
    assert home(client, world, page=2).status_code == 200
