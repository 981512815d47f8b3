"""Staff need a second factor before any page opens; members may add one."""

import time

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from members.mfa import SET_UP_MESSAGE
from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

NOW = 1_900_000_005.0  # a fixed moment, 5 s into its 30 s TOTP period


@pytest.fixture
def clock(monkeypatch):
    """allauth's TOTP module reads time.time(); the tests say which period it is (only there)."""
    from types import SimpleNamespace

    from allauth.mfa.totp.internal import auth

    now = {"t": NOW}
    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: now["t"]))
    return now


def sign_in(client, user, code=None):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    if code is not None:
        assert response["Location"] == reverse("mfa_authenticate")
        response = client.post(reverse("mfa_authenticate"), {"code": code})
    return response


def signed_in(client):
    return client.session.get("_auth_user_id")


@pytest.mark.parametrize("url", ["/staff/", "/staff/billing/invoice/", "/portal/",
                                 "/collaboratives/"])
def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, url):
    staff = UserFactory(staff=True, second_factor=False)
    client.force_login(staff)
    response = client.get(url, follow=True)
    assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
    assert SET_UP_MESSAGE in response.content.decode()


def test_staff_without_a_second_factor_cannot_act_in_the_admin(client):
    from members.models import MembershipApplication
    from tests.factories import ApplicationFactory

    application = ApplicationFactory()
    client.force_login(UserFactory(staff=True, second_factor=False))
    response = client.post(reverse("admin:members_membershipapplication_changelist"), {
        "action": "approve_selected", "_selected_action": [application.pk], "reason": "ok",
        "apply": "1"})
    assert response["Location"] == reverse("mfa_activate_totp")
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.SUBMITTED


def test_a_superuser_who_is_not_staff_needs_one_too(client):
    client.force_login(UserFactory(is_superuser=True, second_factor=False))
    assert client.get("/portal/")["Location"] == reverse("mfa_activate_totp")


def test_first_staff_sign_in_sets_up_the_app_then_staff_pages_open(client, clock):
    staff = UserFactory(staff=True, second_factor=False)
    assert sign_in(client, staff)["Location"] == reverse("members:dashboard")
    assert client.get("/staff/")["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again before a second factor is added.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(
        reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert "Incorrect code" in wrong.content.decode()
    done = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret, at=NOW)})
    assert done["Location"] == reverse("mfa_view_recovery_codes")
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    assert "Authenticator app" in client.get(reverse("mfa_index")).content.decode()
    assert client.get("/staff/").status_code == 200
    # From now on signing in takes a code.
    client.logout()
    clock["t"] = NOW + 30
    assert sign_in(client, staff)["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("mfa_authenticate")).status_code == 200
    assert signed_in(client) is None
    sign_in(client, staff, code=totp_code(secret, at=NOW + 30))
    assert signed_in(client) == str(staff.pk)


def test_a_totp_code_cannot_be_used_twice(client, clock):
    staff = UserFactory(staff=True)
    sign_in(client, staff, code=totp_code(at=NOW))
    assert signed_in(client) == str(staff.pk)
    client.logout()
    replayed = sign_in(client, staff, code=totp_code(at=NOW))
    assert "Incorrect code" in replayed.content.decode()
    assert signed_in(client) is None
    # The app's next code works: the refusal was the replay, not the clock.
    client.logout()
    clock["t"] = NOW + 30
    sign_in(client, staff, code=totp_code(at=NOW + 30))
    assert signed_in(client) == str(staff.pk)


def test_a_recovery_code_signs_a_staff_member_in_once(client, clock):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    staff = UserFactory(staff=True)
    code = RecoveryCodes.activate(staff).get_unused_codes()[0]
    sign_in(client, staff, code=code)
    assert signed_in(client) == str(staff.pk)
    client.logout()
    assert "Incorrect code" in sign_in(client, staff, code=code).content.decode()


def test_staff_cannot_remove_their_last_authenticator_app(client, clock):
    staff = UserFactory(staff=True)
    sign_in(client, staff, code=totp_code(at=NOW))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert "You cannot deactivate two-factor authentication" in response.content.decode()
    assert Authenticator.objects.filter(user=staff, type="totp").exists()


def test_members_are_not_asked_and_may_turn_it_on(client, clock):
    member = UserFactory()
    sign_in(client, member)
    assert client.get("/portal/").status_code == 200
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret, at=NOW)})
    assert Authenticator.objects.filter(user=member, type="totp").exists()
    # A member may also turn it off again.
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=member, type="totp").exists()


def test_the_set_up_and_sign_out_stay_open_to_staff_without_one(client):
    client.force_login(UserFactory(staff=True, second_factor=False))
    assert client.get(reverse("mfa_index")).status_code == 200
    client.post(reverse("account_logout"))
    assert signed_in(client) is None


def test_the_code_is_checked_against_the_real_clock_too(client):
    # Without the fixed clock: the staff factory's app gives a code that works right now.
    staff = UserFactory(staff=True)
    sign_in(client, staff, code=totp_code(at=time.time()))
    assert signed_in(client) == str(staff.pk)


def test_staff_whose_last_factor_goes_are_sent_to_set_one_up_at_once(client, fragment_cache):
    """The "has a second factor" answer is kept in the fragment cache: deleting the
    authenticator (as admin could) counts on the very next request."""
    from allauth.mfa.models import Authenticator
    from django.urls import reverse

    from members.mfa import totp_authenticator_ensure
    from tests.factories import UserFactory

    staff = UserFactory(staff=True)
    totp_authenticator_ensure(user=staff, secret="JBSWY3DPEHPK3PXP")
    client.force_login(staff)
    assert client.get(reverse("members:staff_applications")).status_code == 200
    assert client.get(reverse("members:staff_applications")).status_code == 200
    Authenticator.objects.filter(user=staff).delete()
    response = client.get(reverse("members:staff_applications"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
