"""My portal is served from the fragment cache (core/fragments.py) and shows every change at
once: the person's own memberships and applications, and nobody else's."""

import pytest
from django.urls import reverse

from members.models import Membership
from tests.factories import ApplicationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fragment_cache")]


def dashboard(client):
    """The page's own part (the header's sign-out form carries a fresh CSRF token each time)."""
    html = client.get(reverse("members:dashboard")).content.decode()
    return html[html.index("<h1>My portal</h1>"):html.index("</main>")]


def test_a_second_visit_costs_the_session_and_the_account_only(client, team,
                                                                django_assert_max_num_queries):
    client.force_login(team.membership.application.applicant)
    first = dashboard(client)
    with django_assert_max_num_queries(2):
        assert dashboard(client) == first


def test_a_change_to_what_it_shows_shows_at_once(client, team):
    lead = team.membership.application.applicant
    client.force_login(lead)
    assert "awaiting first payment" in dashboard(client)
    Membership.objects.filter(pk=team.membership.pk).update(status=Membership.Status.ACTIVE)
    html = dashboard(client)
    assert "awaiting first payment" not in html and ">active<" in html
    application = ApplicationFactory(applicant=lead)
    assert f"#{application.pk} " in dashboard(client)


def test_each_person_sees_their_own(client, team):
    client.force_login(team.membership.application.applicant)
    mine = dashboard(client)
    client.force_login(UserFactory())
    theirs = dashboard(client)
    assert "No membership yet" in theirs and "No membership yet" not in mine
