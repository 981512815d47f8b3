"""One setting (RATE_LIMIT_CLIENT_IP_HEADER) says where a client's address comes from, for the
portal's own limits and for allauth's sign-in limits alike."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the reverse proxy: every request reaches the portal from here


def sign_in(client, email, password, client_address):
    """A sign-in as the proxy forwards it: the proxy appends the address it saw."""
    return client.post(reverse("account_login"), {"login": email, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"203.0.113.66, {client_address}")


LOCKED = "Too many failed login attempts"


def fail_ten_times(client, client_address):
    # Ten different accounts, so only the per-address limit (10/m/ip) can bite.
    for n in range(10):
        response = sign_in(client, f"nobody{n}@example.org", "wrong", client_address)
        assert response.status_code == 200


def test_behind_the_proxy_one_client_failing_does_not_lock_out_another(client, settings):
    settings.RATE_LIMIT_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    fail_ten_times(client, "198.51.100.7")
    user = UserFactory()
    response = sign_in(client, user.email, PASSWORD, "198.51.100.7")  # client A: locked out
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session

    response = sign_in(client, user.email, PASSWORD, "198.51.100.8")  # client B: not
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(client, settings):
    settings.RATE_LIMIT_CLIENT_IP_HEADER = ""
    # Each attempt claims another address; all come from one REMOTE_ADDR and are counted there.
    for n in range(10):
        sign_in(client, f"nobody{n}@example.org", "wrong", f"198.51.100.{n}")
    user = UserFactory()
    response = sign_in(client, user.email, PASSWORD, "198.51.100.200")
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_portal_limits_tell_clients_behind_the_proxy_apart(client, settings):
    settings.RATE_LIMIT_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitation": "3/m"}
    url = reverse("members:invitation", args=["guess"])

    def get(address):
        return client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address).status_code

    assert [get("198.51.100.7") for _ in range(4)] == [404, 404, 404, 429]
    assert get("198.51.100.8") == 404


def test_the_portal_limits_ignore_a_forged_forwarded_for_without_a_proxy(client, settings):
    settings.RATE_LIMIT_CLIENT_IP_HEADER = ""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invitation": "3/m"}
    url = reverse("members:invitation", args=["guess"])
    codes = [client.get(url, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
             for n in range(4)]
    assert codes == [404, 404, 404, 429]


def test_allauth_and_the_portal_see_the_same_address(rf, settings):
    from allauth.account.adapter import get_adapter

    from core.ratelimit import client_ip

    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    settings.RATE_LIMIT_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert get_adapter(request).get_client_ip(request) == client_ip(request) == "198.51.100.7"
    settings.RATE_LIMIT_CLIENT_IP_HEADER = ""
    assert get_adapter(request).get_client_ip(request) == client_ip(request) == PROXY
