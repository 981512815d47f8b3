import pytest
from django.urls import reverse

from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_application_form_is_rate_limited_per_person(applicant_client, settings, tier1):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "apply": "3/h"}
    for _ in range(3):
        assert applicant_client.post(reverse("members:apply"), {}).status_code == 200
    response = applicant_client.post(reverse("members:apply"), {})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert applicant_client.get(reverse("members:apply")).status_code == 200  # reading is fine


def test_invitations_are_rate_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite": "2/h"}
    lead = UserFactory()
    team = TeamFactory(lead=lead)
    client.force_login(lead)
    for _ in range(2):
        client.post(team.get_absolute_url(), {"name": "x", "email": "bad", "role": "member"})
    assert client.post(team.get_absolute_url(), {"name": "x", "email": "x@example.org",
                                                 "role": "member"}).status_code == 429
    assert not team.invitations.exists()


def test_invitation_links_are_rate_limited_per_address(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitation": "5/m"}
    url = reverse("members:invitation", args=["guess"])
    assert {client.get(url).status_code for _ in range(5)} == {404}
    assert client.get(url).status_code == 429


def test_login_is_rate_limited_by_allauth_with_429(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    for _ in range(3):
        user = UserFactory()
        response = client.post(reverse("account_login"), {"login": user.email,
                                                          "password": "nope"})
        assert response.status_code == 200
    assert client.post(reverse("account_login"), {"login": "x@example.org",
                                                  "password": "nope"}).status_code == 429
