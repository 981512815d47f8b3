"""One door: staff sign in where everyone does, with the same limits and second factor."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db]

LOCKED = "Too many failed login attempts"


def signed_in(client):
    return client.session.get("_auth_user_id")


def test_the_staff_login_page_sends_people_to_the_portals_sign_in_keeping_next(client):
    response = client.get("/staff/login/", {"next": "/staff/billing/invoice/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fstaff%2Fbilling%2Finvoice%2F"


def test_opening_a_staff_page_signed_out_ends_at_the_portals_sign_in(client):
    response = client.get("/staff/members/membershipapplication/", follow=True)
    assert response.redirect_chain[-1][0] == (
        "/accounts/login/?next=%2Fstaff%2Fmembers%2Fmembershipapplication%2F")
    assert response.status_code == 200


def test_a_next_to_another_site_is_dropped(client):
    response = client.get("/staff/login/", {"next": "https://evil.example.org/staff/"})
    assert response["Location"] == "/accounts/login/?next=%2Fstaff%2F"


def test_the_staff_login_page_takes_no_password(client):
    staff = UserFactory(staff=True)
    response = client.post("/staff/login/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert signed_in(client) is None


def test_eleven_failed_staff_sign_ins_are_refused_then_even_the_right_password(client):
    staff = UserFactory(staff=True)
    answers = [client.post("/staff/login/", {"username": staff.email, "password": "wrong"})
               for _ in range(11)]
    assert all(a.status_code == 302 and "/accounts/login/" in a["Location"] for a in answers)
    # The only place that takes a password is the portal's sign-in, and it locks.
    answers = [client.post(reverse("account_login"), {"login": staff.email, "password": "wrong"})
               for _ in range(11)]
    assert LOCKED not in answers[0].content.decode()
    assert all(a.status_code == 429 or LOCKED in a.content.decode() for a in answers[5:])
    response = client.post(reverse("account_login"), {"login": staff.email,
                                                      "password": PASSWORD})
    assert response.status_code == 429 or LOCKED in response.content.decode()
    assert signed_in(client) is None


def test_failures_from_one_address_lock_it_out_across_accounts(client):
    # allauth's 10 a minute per address: the 11th failure, on yet another account, is refused.
    staff = [UserFactory(staff=True) for _ in range(11)]
    answers = [client.post(reverse("account_login"), {"login": s.email, "password": "wrong"})
               for s in staff]
    assert LOCKED not in answers[9].content.decode()
    assert answers[10].status_code == 429 or LOCKED in answers[10].content.decode()


def test_a_signed_in_member_is_told_the_staff_pages_are_for_staff(client):
    client.force_login(UserFactory())
    response = client.get("/staff/", follow=True)
    assert response.status_code == 403
    assert "These pages are for Center staff" in response.content.decode()


def test_signing_out_of_the_admin_signs_out_of_the_portal(client):
    client.force_login(UserFactory(staff=True))
    response = client.post("/staff/logout/")
    assert response.status_code == 307
    assert response["Location"] == reverse("account_logout")
    client.post(response["Location"])
    assert signed_in(client) is None


def test_the_admins_password_change_is_the_portals(client):
    client.force_login(UserFactory(staff=True))
    response = client.get("/staff/password_change/")
    assert response["Location"] == reverse("account_change_password")
