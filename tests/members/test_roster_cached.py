"""The roster served from the fragment cache (members.views._roster_page): every roster page
test again with the cache on, so each change they make must show on the next request, plus
what only a cached page can get wrong (tokens, another viewer, the cost of a second visit)."""

import re

import pytest
from django.test import Client

from tests.members.test_roster_page import *  # noqa: F403 - the same tests, the cache on
from tests.members.test_roster_page import _page
from tests.members.test_roster_views import *  # noqa: F403

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit",
                                                             "fragment_cache")]


def test_a_second_visit_costs_a_handful_of_queries(lead_client, team,
                                                   django_assert_max_num_queries):
    first = _page(lead_client, team)
    with django_assert_max_num_queries(3):
        second = _page(lead_client, team)
    strip = re.compile(r'value="[^"]{20,}"')  # the CSRF and one-time tokens differ
    assert strip.sub("", first) == strip.sub("", second)


def test_an_invitation_posted_from_the_cached_page_with_csrf_checks_is_sent(team, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    _page(client, team)
    html = _page(client, team)  # from the cache
    fields = dict(re.findall(r'name="(csrfmiddlewaretoken|once_token)" value="([^"]+)"', html))
    response = client.post(team.get_absolute_url(), {
        **fields, "name": "Pat Doe", "email": "pat@example.org", "role": "member"})
    assert response.status_code == 302
    assert team.invitations.filter(email="pat@example.org").exists()
    assert "pat@example.org" in _page(client, team)
