"""Google and Microsoft sign-in, run for real against a local OpenID Connect provider."""

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.urls import reverse

from members.models import User
from tests.accounts.conftest import sign_in_with
from tests.accounts.fake_oidc import TENANT, new_key
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

REFUSED = "We could not sign you in with Google"


def signed_in(client):
    return client.session.get("_auth_user_id")


def test_a_new_person_signs_up_with_google_and_is_signed_in(client, google):
    response = sign_in_with(client, google, "google")
    assert response.status_code == 302
    user = User.objects.get(email="ana.reyes@district.example.org")
    assert signed_in(client) == str(user.pk)
    assert EmailAddress.objects.get(user=user).verified
    assert SocialAccount.objects.get(user=user).uid == "fake-subject-1"
    assert not user.has_usable_password()
    # The provider got the PKCE verifier and the client secret, and only the ID token was read.
    assert google.token_requests[-1]["code_verifier"]
    # Next time the same Google account opens the same portal account.
    client.logout()
    sign_in_with(client, google, "google")
    assert signed_in(client) == str(user.pk)
    assert User.objects.count() == 1


def test_next_survives_the_round_trip(client, google):
    response = sign_in_with(client, google, "google", next="/collaboratives/")
    assert response["Location"] == "/collaboratives/"


def test_an_existing_verified_account_signs_in_with_google_and_is_linked(client, google):
    user = UserFactory(email="ana.reyes@district.example.org")
    sign_in_with(client, google, "google")
    assert signed_in(client) == str(user.pk)
    assert SocialAccount.objects.get(provider="google").user == user
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # their own password still works


def test_an_account_whose_address_is_unverified_is_not_linked(client, google):
    # Someone signed up with Ana's address but never confirmed it: Google cannot open it.
    squatter = UserFactory(email="ana.reyes@district.example.org", verified=False)
    EmailAddress.objects.create(user=squatter, email=squatter.email, verified=False,
                                primary=True)
    response = sign_in_with(client, google, "google")
    assert signed_in(client) is None
    assert not SocialAccount.objects.exists()
    squatter.refresh_from_db()
    assert squatter.check_password(PASSWORD)
    # Without saying so on the page (no account enumeration), the address's owner is told by
    # mail that an account exists, as for any sign-up with a taken address.
    assert response["Location"] == reverse("account_email_verification_sent")
    assert mail.outbox[-1].to == ["ana.reyes@district.example.org"]
    assert "already" in mail.outbox[-1].body


def test_an_address_the_provider_says_is_unverified_links_nothing(client, google):
    user = UserFactory(email="ana.reyes@district.example.org")
    google.person["email_verified"] = False
    sign_in_with(client, google, "google")
    assert signed_in(client) is None
    assert not SocialAccount.objects.filter(user=user).exists()


def test_a_new_address_the_provider_does_not_vouch_for_is_confirmed_by_mail(client, google):
    google.person["email_verified"] = "false"  # some providers send strings
    sign_in_with(client, google, "google")
    assert signed_in(client) is None
    user = User.objects.get(email="ana.reyes@district.example.org")
    assert not EmailAddress.objects.get(user=user).verified
    assert mail.outbox[-1].to == ["ana.reyes@district.example.org"]


@pytest.mark.parametrize("change", [
    {"aud": "another-client"},
    {"iss": "https://accounts.example.com"},
    {"nonce": "a-nonce-from-another-sign-in"},
    {"nonce": None},
    {"exp": 1_700_000_000, "iat": 1_699_999_000},
], ids=["wrong-audience", "wrong-issuer", "wrong-nonce", "no-nonce", "expired"])
def test_an_id_token_that_fails_a_check_is_refused(client, google, change, caplog):
    user = UserFactory(email="ana.reyes@district.example.org")
    google.id_token_changes = change
    response = sign_in_with(client, google, "google")
    assert response.status_code == 401
    assert REFUSED in response.content.decode()
    assert signed_in(client) is None
    assert not SocialAccount.objects.exists()
    assert User.objects.get() == user
    assert "Google sign-in refused" in caplog.text


def test_an_id_token_signed_with_another_key_is_refused(client, google):
    UserFactory(email="ana.reyes@district.example.org")
    google.signing_key = new_key("fake-key-1")  # same key id, not the published key
    response = sign_in_with(client, google, "google")
    assert response.status_code == 401
    assert signed_in(client) is None


def test_a_callback_cannot_be_replayed(client, google):
    started = client.post("/accounts/oidc/google/login/")
    callback = requests.get(started["Location"], allow_redirects=False,
                            timeout=5).headers["Location"]
    client.get(callback)
    client.logout()
    assert client.get(callback).status_code == 401
    assert signed_in(client) is None


def test_microsoft_common_accepts_the_issuer_of_the_tokens_own_tenant(client, microsoft):
    sign_in_with(client, microsoft, "microsoft")
    user = User.objects.get(email="ana.reyes@district.example.org")
    assert signed_in(client) == str(user.pk)
    assert SocialAccount.objects.get(user=user).extra_data["id_token"]["tid"] == TENANT


@pytest.mark.parametrize("change", [
    {"iss": "http://127.0.0.1/0b0b0b0b-0000-4000-8000-000000000000/v2.0"},
    {"tid": "0b0b0b0b-0000-4000-8000-000000000000"},
    {"tid": None},
], ids=["another-tenants-issuer", "tid-not-the-issuers", "no-tid"])
def test_microsoft_common_refuses_any_other_issuer(client, microsoft, change):
    if "iss" in change:
        change = {"iss": f"{microsoft.url}/0b0b0b0b-0000-4000-8000-000000000000/v2.0"}
    microsoft.id_token_changes = change
    response = sign_in_with(client, microsoft, "microsoft")
    assert response.status_code == 401
    assert "We could not sign you in with Microsoft" in response.content.decode()
    assert signed_in(client) is None
    assert not User.objects.exists()


def test_the_sign_in_page_shows_a_button_for_each_configured_provider_only(client, google):
    html = client.get(reverse("account_login"), {"next": "/staff/"}).content.decode()
    assert "Sign in with Google" in html
    assert "Sign in with Microsoft" not in html
    # A form that posts (no extra "continue" page), and the person still goes where they meant.
    assert 'action="/accounts/oidc/google/login/?process=login&amp;next=%2Fstaff%2F"' in html


def test_without_providers_there_are_no_buttons(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {
        **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": []}}
    html = client.get(reverse("account_login")).content.decode()
    assert "Sign in with" not in html
    assert client.post("/accounts/oidc/google/login/").status_code == 404


def test_a_staff_member_signing_in_with_google_still_needs_their_second_factor(client, google):
    from tests.factories import totp_code

    staff = UserFactory(staff=True, email="ana.reyes@district.example.org")
    response = sign_in_with(client, google, "google")
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in(client) is None
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert signed_in(client) == str(staff.pk)


def test_without_an_address_from_the_provider_the_person_gives_one_and_confirms_it(
        client, microsoft):
    del microsoft.person["email"], microsoft.person["email_verified"]
    response = sign_in_with(client, microsoft, "microsoft")
    assert response["Location"] == reverse("socialaccount_signup")
    page = client.get(response["Location"]).content.decode()
    assert "Finish signing up with Microsoft" in page
    bad = client.post(reverse("socialaccount_signup"), {"email": "not an address"})
    assert "Enter a valid email address" in bad.content.decode()
    client.post(reverse("socialaccount_signup"), {"email": "ana@district.example.org"})
    user = User.objects.get(email="ana@district.example.org")
    assert signed_in(client) is None  # until the address is confirmed
    assert not EmailAddress.objects.get(user=user).verified
    assert mail.outbox[-1].to == ["ana@district.example.org"]
