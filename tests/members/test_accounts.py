import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def test_sign_up_with_email_sends_a_confirmation_before_any_portal_access(client):
    response = client.post(reverse("account_signup"), {
        "first_name": "Zoë", "last_name": "O'Brien-Smith",
        "email": "new.lead@district.example.org", "password1": "a-long-pass-phrase-42",
        "password2": "a-long-pass-phrase-42"})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert mail.outbox[-1].to == ["new.lead@district.example.org"]
    assert "National Center for School-University Partnerships" in mail.outbox[-1].body
    path = re.search(r"https?://testserver(/accounts/confirm-email/\S+/)",
                     mail.outbox[-1].body).group(1)
    client.post(path)
    assert client.get(reverse("members:dashboard")).status_code == 200


def test_email_is_the_login(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_repeated_failed_logins_are_rate_limited(client):
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_password_reset_mails_a_link(client):
    user = UserFactory()
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert mail.outbox[-1].to == [user.email]
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_account_pages_use_the_portal_layout(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "School-University Partnerships" in html
    assert 'href="#main"' in html
