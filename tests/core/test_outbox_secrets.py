"""Nobody but the recipient reads a working reset or invitation link: not staff, not superusers,
not a database dump taken after the email went."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse

from core import emails
from core.models import OutboundEmail
from members import services as member_services
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:core_outboundemail_changelist"


def change_url(outbound):
    return reverse("admin:core_outboundemail_change", args=[outbound.pk])


@pytest.fixture
def superuser(db):
    return UserFactory(staff=True, email="root@ncsup.example.org")


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def request_reset(user):
    """Ask for a reset as anyone may; the email stays queued (nothing commits in a test)."""
    Client().post(reverse("account_reset_password"), {"email": user.email})
    outbound = OutboundEmail.objects.get(to=user.email, key__startswith="account:")
    reset_url = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)",
                          outbound.text_body).group(1)
    key = reset_url.rstrip("/").rsplit("/", 1)[-1]
    return outbound, reset_url, key


def invite(email="new.member@example.org"):
    lead = UserFactory()
    team = TeamFactory(lead=lead)
    invitation = member_services.seat_invite(team=team, actor=lead, name="New Member",
                                             email=email, role="member")
    outbound = OutboundEmail.objects.get(key__startswith=f"invitation:{invitation.pk}:")
    # The token the queued mail carries (signed with a timestamp: computing it again a second
    # later would give another string, as valid).
    token = re.search(r"/invitations/([^/\s]+)/", outbound.text_body).group(1)
    assert member_services.invitation_from_token(token) == invitation
    return outbound, token


def admin_pages(client, outbound, *searches):
    """The outbox list, the email's own page and searches that find it (never by the token:
    the search box echoes what was typed, and bodies are not searched)."""
    pages = [client.get(reverse(CHANGELIST)), client.get(change_url(outbound))]
    pages += [client.get(reverse(CHANGELIST), {"q": q}) for q in searches]
    assert {page.status_code for page in pages} == {200}
    for page in pages[2:]:
        assert outbound in page.context["cl"].result_list
    return [page.content.decode() for page in pages]


def token_search_finds_nothing(client, token):
    response = client.get(reverse(CHANGELIST), {"q": token})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 0


def test_staff_with_view_permission_on_the_outbox_is_refused(client, superuser):
    victim_outbound, _, _ = request_reset(superuser)
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_outboundemail"))
    client.force_login(clerk)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(change_url(victim_outbound)).status_code == 403
    assert "Outbound emails" not in client.get(reverse("admin:index")).content.decode()


def test_a_superuser_sees_no_usable_reset_link_in_any_outbox_page(superuser_client):
    target = UserFactory(email="chancellor@university.example.edu")
    outbound, reset_url, key = request_reset(target)
    assert outbound.status == "queued" and outbound.secret
    for html in admin_pages(superuser_client, outbound, target.email, "Password Reset"):
        assert key not in html
        assert reset_url not in html
    token_search_finds_nothing(superuser_client, key)
    change_page = superuser_client.get(change_url(outbound)).content.decode()
    assert "Password Reset" in change_page  # the subject is shown, the body is not
    assert "Not shown: this email carries a private link" in change_page


def test_a_superuser_sees_no_usable_invitation_link_in_any_outbox_page(superuser_client):
    outbound, token = invite()
    assert token in outbound.text_body  # what the outbox holds until it is sent
    for html in admin_pages(superuser_client, outbound, "new.member@example.org", "invites you"):
        assert token not in html
    token_search_finds_nothing(superuser_client, token)


def test_ordinary_emails_still_show_their_bodies_to_superusers(superuser_client):
    outbound = emails.email_queue_rendered(key="plain", to="pat@example.org", subject="Hello",
                                           text="Your invoice is attached.")
    html = superuser_client.get(change_url(outbound)).content.decode()
    assert "Your invoice is attached." in html


def test_after_sending_the_reset_row_holds_no_token_and_the_recipient_can_reset(client):
    target = UserFactory()
    outbound, reset_url, key = request_reset(target)
    assert emails.email_deliver(outbound_id=outbound.pk) is True

    outbound.refresh_from_db()
    stored = " ".join([outbound.subject, outbound.text_body, outbound.html_body,
                       outbound.key, outbound.last_error])
    assert key not in stored
    assert outbound.text_body == OutboundEmail.SCRUBBED and outbound.html_body == ""

    message = mail.outbox[-1]
    assert message.to == [target.email]
    assert reset_url in message.body  # the recipient still gets the working link
    response = client.get(reset_url, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"password1": "a-new-long-pass-phrase-7",
                                      "password2": "a-new-long-pass-phrase-7"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("a-new-long-pass-phrase-7")
    assert not target.check_password(PASSWORD)


def test_after_sending_the_invitation_row_holds_no_token_and_the_link_works(client):
    outbound, token = invite()
    assert emails.email_deliver(outbound_id=outbound.pk) is True
    outbound.refresh_from_db()
    assert token not in outbound.text_body + outbound.html_body
    message = mail.outbox[-1]
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", message.body).group(1)
    assert token in link
    response = client.get(link)
    assert response.status_code == 200
    assert "not valid" not in response.content.decode()


def test_a_secret_email_given_up_on_is_erased_too(smtp_sink):
    smtp_sink.rcpt_reply = "550 5.1.1 No such user"
    outbound, token = invite("nobody@example.org")
    assert emails.email_deliver(outbound_id=outbound.pk) is False
    outbound.refresh_from_db()
    assert outbound.status == "failed"
    assert token not in outbound.text_body + outbound.html_body


def test_a_secret_email_that_must_be_retried_keeps_its_body_until_it_goes(smtp_sink):
    smtp_sink.rcpt_reply = "451 4.3.0 Try again later"
    outbound, token = invite()
    with pytest.raises(emails.TemporaryEmailError):
        emails.email_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert token in outbound.text_body  # still owed to the recipient
    smtp_sink.rcpt_reply = None
    assert emails.email_deliver(outbound_id=outbound.pk) is True
    assert token in smtp_sink.messages[0].get_payload(0).get_payload(decode=True).decode()
    outbound.refresh_from_db()
    assert token not in outbound.text_body


def test_ordinary_emails_keep_their_bodies_after_sending():
    outbound = emails.email_queue_rendered(key="plain", to="pat@example.org", subject="Hello",
                                           text="Your invoice is attached.")
    emails.email_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert (outbound.status, outbound.text_body) == ("sent", "Your invoice is attached.")


@pytest.mark.django_db(transaction=True)
def test_secrets_already_in_the_outbox_are_marked_and_erased_once_sent():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("core", "0002_initial")], [("core", "0003_outbox_secrets")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    Old = executor.loader.project_state(before).apps.get_model("core", "OutboundEmail")
    link = "http://127.0.0.1:8000/accounts/password/reset/key/7-abc-0123456789/"
    for key, status in [("account:password_reset_key:1", "sent"),
                        ("invitation:5:1", "failed"), ("invitation:6:1", "queued"),
                        ("invoice-issued:3:billing", "sent")]:
        Old.objects.create(key=key, to="pat@example.org", subject="s", text_body=link,
                           html_body=f'<a href="{link}">', status=status)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # any later migration, back as it was
    rows = {row.key: row for row in OutboundEmail.objects.all()}
    assert rows["account:password_reset_key:1"].secret
    assert link not in rows["account:password_reset_key:1"].text_body
    assert link not in rows["invitation:5:1"].text_body + rows["invitation:5:1"].html_body
    # Still owed to its recipient: kept until sent, then erased like any new one.
    assert rows["invitation:6:1"].secret and link in rows["invitation:6:1"].text_body
    assert not rows["invoice-issued:3:billing"].secret
    assert link in rows["invoice-issued:3:billing"].text_body
