"""Issue 13: the account pages speak the portal's words and "Your account" gathers them."""

import re

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

ALLAUTH_WORDING = ["Sign Up", "Sign In", "Remember Me", "is an email address for user",
                   "Email Addresses", "Change Password", "Bad Token", "Make Primary",
                   "Current Password", "New Password", "Confirm Access", "Account Connections",
                   "Third-Party"]


def page(client, name, *args, **kwargs):
    response = client.get(reverse(name, args=args), **kwargs)
    assert response.status_code == 200, response
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/portal.css">' in html or "portal" in html
    assert 'class="site-header"' in html  # the portal's own layout
    for words in ALLAUTH_WORDING:
        assert words not in html, words
    return html


def test_sign_in_page_in_the_portals_words(client):
    html = page(client, "account_login")
    assert "<h1>Sign in</h1>" in html
    assert '<label for="id_login">Email address</label>' in html
    assert '<label for="id_remember">Remember me</label>' in html
    assert "placeholder=" not in html


def test_failed_sign_in_names_the_problem_in_a_summary(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "nope"})
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert "The email address and/or password you specified are not correct." in html
    assert f'value="{user.email}"' in html


def test_sign_up_page_asks_for_the_name_first_with_helpful_copy(client):
    html = page(client, "account_signup")
    assert "<h1>Create your account</h1>" in html
    labels = re.findall(r'<label for="id_(\w+)">', html)
    assert labels[:5] == ["first_name", "last_name", "email", "password1", "password2"]
    assert "Use your work email: your Center invitations go there." in html


def test_sign_up_errors_sit_next_to_the_field_and_in_the_summary(client):
    response = client.post(reverse("account_signup"), {
        "first_name": "Zoë", "last_name": "Ng", "email": "not-an-address",
        "password1": "a-long-pass-phrase-42", "password2": "another-pass-phrase-42"})
    html = response.content.decode()
    assert '<a href="#id_email">Work email address</a>' in html
    field = html[html.index('<label for="id_email">'):]
    assert "errorlist" in field[:field.index("</div>")]
    assert '<a href="#id_password2">Password again</a>' in html
    assert 'value="Zoë"' in html and 'value="Ng"' in html


def test_confirm_email_pages_in_the_portals_words(client):
    client.post(reverse("account_signup"), {
        "first_name": "Zoë", "last_name": "O'Brien-Smith", "email": "zoe@district.example.org",
        "password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42"})
    html = page(client, "account_email_verification_sent")
    assert "<h1>Check your email</h1>" in html
    path = re.search(r"https?://testserver(/accounts/confirm-email/\S+/)",
                     mail.outbox[-1].body).group(1)
    html = client.get(path).content.decode()
    assert "<h1>Confirm your email address</h1>" in html
    assert "Zoë O&#x27;Brien-Smith" in html
    assert "is an email address for user" not in html
    html = client.get("/accounts/confirm-email/not-a-key/").content.decode()
    assert "This link has expired or has already been used." in html


def test_password_reset_pages_in_the_portals_words(client):
    UserFactory(email="zoe@district.example.org")
    assert "<h1>Reset your password</h1>" in page(client, "account_reset_password")
    response = client.post(reverse("account_reset_password"), {"email": "not-an-email"})
    assert 'id="error-summary"' in response.content.decode()
    client.post(reverse("account_reset_password"), {"email": "zoe@district.example.org"})
    assert "<h1>Check your email</h1>" in page(client, "account_reset_password_done")
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)",
                     mail.outbox[-1].body).group(1)
    followed = client.get(link, follow=True).content.decode()
    assert "<h1>Choose a new password</h1>" in followed
    html = client.get("/accounts/password/reset/key/1-bad-token/", follow=True).content.decode()
    assert "<h1>This link no longer works</h1>" in html
    assert "<h1>Your password is changed</h1>" in page(client,
                                                       "account_reset_password_from_key_done")


def test_signed_in_account_pages_in_the_portals_words(client):
    client.force_login(UserFactory())
    html = page(client, "account_change_password")
    assert "<h1>Change your password</h1>" in html
    assert '<label for="id_oldpassword">Current password</label>' in html
    assert "<h1>Confirm it is you</h1>" in page(client, "account_reauthenticate")
    assert "<h1>Google and Microsoft accounts</h1>" in page(client, "socialaccount_connections")
    html = page(client, "account_email")
    assert "<h1>Your email addresses</h1>" in html
    assert "<h2 id=\"add-email\">Add an email address</h2>" in html
    assert "<h1>Where you are signed in</h1>" in page(client, "usersessions_list")
    assert "<h1>Two-factor authentication</h1>" in page(client, "mfa_index")


# --- Your account ----------------------------------------------------------------------------

def test_your_account_needs_a_sign_in(client):
    response = client.get(reverse("members:account"))
    assert response.url.startswith(reverse("account_login"))


def test_your_account_shows_name_emails_security_connections_sessions(client):
    user = UserFactory(first_name="Zoë", last_name="O'Brien-Smith", job_title="Data lead",
                       email="zoe@district.example.org")
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    html = client.get(reverse("members:dashboard")).content.decode()
    assert f'<a href="{reverse("members:account")}">Your account</a>' in html  # in the header
    html = page(client, "members:account")
    assert "Zoë O&#x27;Brien-Smith · Data lead" in html
    for link in ("account_email", "account_change_password", "mfa_index",
                 "socialaccount_connections"):
        assert f'href="{reverse(link)}"' in html, link
    assert "Two-factor authentication: <strong>off</strong>" in html
    assert "This device" in html
    assert "Sign out everywhere else" not in html  # one session only


def test_your_account_saves_name_and_title_and_refuses_a_blank_name(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("members:account"), {
        "save_name": "", "name-first_name": "", "name-last_name": "Ng",
        "name-job_title": "Coach"})
    html = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_name-first_name">Given name</a>: Enter your given name.' in html
    assert 'value="Coach"' in html
    response = client.post(reverse("members:account"), {
        "save_name": "", "name-first_name": " Zoë ", "name-last_name": "O'Brien  Smith",
        "name-job_title": "<b>Coach</b>"})
    assert response.url == reverse("members:account")
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.job_title) == (
        "Zoë", "O'Brien Smith", "<b>Coach</b>")
    html = client.get(reverse("members:account")).content.decode()
    assert "&lt;b&gt;Coach&lt;/b&gt;" in html and "<b>Coach</b>" not in html


def test_your_account_turns_nudges_off_and_on(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("members:account")).content.decode()
    assert "Invoices, team invitations, security email and changes to convenings always" in html
    client.post(reverse("members:account"), {"save_mail": ""})
    user.refresh_from_db()
    assert user.email_nudges is False
    client.post(reverse("members:account"), {"save_mail": "", "mail-email_nudges": "on"})
    user.refresh_from_db()
    assert user.email_nudges is True


def test_sign_out_everywhere_else_ends_the_other_sessions(client):
    user = UserFactory()
    other = Client(HTTP_USER_AGENT="Other browser")
    for browser in (other, client):
        browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert UserSession.objects.filter(user=user).count() == 2
    html = client.get(reverse("members:account")).content.decode()
    assert "Sign out everywhere else" in html and "Other browser" in html
    client.post(reverse("usersessions_list"))
    assert UserSession.objects.filter(user=user).count() == 1
    assert other.get(reverse("members:dashboard")).status_code == 302
    assert client.get(reverse("members:dashboard")).status_code == 200


def test_admin_finds_people_by_name(client, staff):
    UserFactory(first_name="Zoë", last_name="O'Brien-Smith", email="z@district.example.org")
    client.force_login(staff)
    html = client.get(reverse("admin:members_user_changelist"), {"q": "O'Brien"}).content.decode()
    assert "z@district.example.org" in html and "Zoë O&#x27;Brien-Smith" in html
    assert User.objects.count() == 2
