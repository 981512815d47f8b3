import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import Invitation, TeamMember, User
from tests.factories import TeamFactory, TeamMemberFactory, UserFactory
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def url(name, *args):
    return reverse(f"members:{name}", args=args)


def test_lead_sees_roster_seats_and_invite_form(lead_client, team):
    html = lead_client.get(team.get_absolute_url()).content.decode()
    assert "1 of 5" in html and "covered seats in use" in html
    assert "Invite a person" in html
    assert "lead@district.example.org" in html


def test_team_member_sees_the_roster_read_only(client, team):
    member = TeamMemberFactory(team=team)
    client.force_login(member.user)
    html = client.get(team.get_absolute_url()).content.decode()
    assert "lead@district.example.org" in html
    assert "Invite a person" not in html
    assert "Change role" not in html and "Remove" not in html


def test_lead_of_team_a_cannot_read_or_change_team_b(lead_client, team):
    other = TeamFactory(lead=UserFactory())
    someone = TeamMemberFactory(team=other)
    invitation = services.seat_invite(team=other, actor=other.members.get(role="lead").user,
                                      name="X", email="x@example.org", role="member")
    assert lead_client.get(other.get_absolute_url()).status_code == 404
    assert lead_client.post(other.get_absolute_url(), {
        "name": "Y", "email": "y@example.org", "role": "member", **token()}).status_code == 404
    for name, args, data in [
        ("member_role", (other.pk, someone.pk), {"role": "sponsor"}),
        ("member_remove", (other.pk, someone.pk), {}),
        ("member_make_lead", (other.pk, someone.pk), {}),
        ("invitation_revoke", (other.pk, invitation.pk), {}),
        ("invitation_resend", (other.pk, invitation.pk), {}),
        # Team A's URL with team B's rows: also refused.
        ("member_remove", (team.pk, someone.pk), {}),
        ("invitation_revoke", (team.pk, invitation.pk), {}),
    ]:
        assert lead_client.post(url(name, *args), data).status_code == 404, name
    someone.refresh_from_db()
    invitation.refresh_from_db()
    assert (someone.status, someone.role, invitation.status) == ("active", "member", "pending")


def test_a_non_lead_cannot_invite_or_change_anything(client, team):
    member = TeamMemberFactory(team=team)
    other = TeamMemberFactory(team=team)
    client.force_login(member.user)
    response = client.post(team.get_absolute_url(),
                           {"name": "Y", "email": "y@example.org", "role": "member", **token()})
    assert response.status_code == 404
    assert client.post(url("member_remove", team.pk, other.pk)).status_code == 404
    assert client.get(url("member_remove", team.pk, other.pk)).status_code == 404
    assert client.post(url("member_role", team.pk, other.pk),
                       {"role": "sponsor"}).status_code == 404
    assert not Invitation.objects.exists()
    assert TeamMember.objects.filter(team=team, status="active").count() == 3


def test_anonymous_visitors_are_sent_to_sign_in(client, team):
    response = client.get(team.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_lead_invites_through_the_form(lead_client, team):
    response = lead_client.post(team.get_absolute_url(), {
        "name": "Ana Teacher", "email": "ana@district.example.org", "role": "member", **token()},
        follow=True)
    assert "Invitation sent to ana@district.example.org." in response.content.decode()
    assert "2 of 5" in response.content.decode()
    assert mail.outbox[-1].to == ["ana@district.example.org"]


def test_invite_form_errors_show_by_the_field(lead_client, team):
    response = lead_client.post(team.get_absolute_url(),
                                {"name": "", "email": "nope", "role": "member", **token()})
    form = response.context["invite_form"]
    assert "name" in form.errors and "email" in form.errors
    response = lead_client.post(team.get_absolute_url(), {
        "name": "L", "email": "lead@district.example.org", "role": "member", **token()})
    assert "already on this team" in response.context["invite_form"].errors["email"][0]


def test_beyond_the_cap_the_page_says_so_and_how_to_get_more(lead_client, team, lead):
    for n in range(4):
        services.seat_invite(team=team, actor=lead, name=f"P{n}", email=f"p{n}@example.org",
                             role="member")
    html = lead_client.get(team.get_absolute_url()).content.decode()
    assert "All 5 covered seats are in use." in html
    assert "ask the Center for extra seats" in html
    response = lead_client.post(team.get_absolute_url(), {
        "name": "Six", "email": "six@example.org", "role": "member", **token()})
    assert "All 5 covered seats are in use" in response.content.decode()
    assert Invitation.objects.count() == 4


def test_remove_asks_for_confirmation_then_frees_the_seat(lead_client, team):
    member = TeamMemberFactory(team=team)
    confirm = lead_client.get(url("member_remove", team.pk, member.pk))
    assert "Their seat frees at once" in confirm.content.decode()
    member.refresh_from_db()
    assert member.status == "active"
    response = lead_client.post(url("member_remove", team.pk, member.pk), follow=True)
    assert "their seat is free" in response.content.decode()
    member.refresh_from_db()
    assert member.status == "removed"


def test_removing_the_lead_is_refused_with_a_message(lead_client, team):
    lead_place = team.members.get(role="lead")
    response = lead_client.post(url("member_remove", team.pk, lead_place.pk), follow=True)
    assert "team lead cannot be removed" in response.content.decode()
    lead_place.refresh_from_db()
    assert lead_place.status == "active"


def test_change_role_and_hand_over_the_lead(lead_client, team, lead):
    member = TeamMemberFactory(team=team)
    lead_client.post(url("member_role", team.pk, member.pk), {"role": "data_analyst"})
    member.refresh_from_db()
    assert member.role == "data_analyst"
    response = lead_client.post(url("member_role", team.pk, member.pk), {"role": "lead"},
                                follow=True)
    assert "Choose a role from the list." in response.content.decode()
    lead_client.post(url("member_make_lead", team.pk, member.pk))
    member.refresh_from_db()
    assert member.role == "lead"
    assert team.members.get(user=lead).role == "member"


def _link(email_body):
    return re.search(r"http://[^/]+(/invitations/[^/\s]+/)", email_body).group(1)


def test_invitee_signs_in_with_the_invited_email_and_accepts(client, team, lead):
    services.seat_invite(team=team, actor=lead, name="Ana", email="ana@example.org",
                         role="sponsor")
    link = _link(mail.outbox[-1].body)
    anonymous = client.get(link).content.decode()
    assert "sign in with <strong>ana@example.org</strong>" in anonymous
    ana = UserFactory(email="ana@example.org")
    client.force_login(ana)
    response = client.post(link, follow=True)
    assert "Welcome to Oxford School District." in response.content.decode()
    assert team.members.get(user=ana).role == "sponsor"


def test_an_invitation_for_another_email_says_so_and_changes_nothing(client, team, lead):
    services.seat_invite(team=team, actor=lead, name="Ana", email="ana@example.org",
                         role="member")
    link = _link(mail.outbox[-1].body)
    client.force_login(UserFactory(email="mallory@example.org"))
    assert "but this invitation is for ana@example.org" in client.get(link).content.decode()
    response = client.post(link)
    assert "This invitation is for ana@example.org" in response.content.decode()
    assert not TeamMember.objects.filter(user__email="mallory@example.org").exists()


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_expired_or_revoked_link_says_so(client, team, lead, how):
    invitation = services.seat_invite(team=team, actor=lead, name="Ana", email="ana@example.org",
                                      role="member")
    link = _link(mail.outbox[-1].body)
    if how == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1))
        expected = "This invitation has expired"
    else:
        services.invitation_revoke(invitation=invitation, actor=lead)
        expected = "This invitation was withdrawn"
    client.force_login(UserFactory(email="ana@example.org"))
    response = client.get(link)
    assert response.status_code == 410
    assert expected in response.content.decode()
    client.post(link)
    assert not TeamMember.objects.filter(user__email="ana@example.org").exists()


def test_a_mangled_link_is_not_found(client):
    assert client.get(url("invitation", "abc:def")).status_code == 404


def test_roster_query_count_is_the_same_at_5_and_500_rows(
    lead_client, team, django_assert_max_num_queries
):
    counts = []
    for total in (5, 500):
        have = team.members.count()
        users = User.objects.bulk_create(
            User(email=f"m{team.pk}-{have + n}@example.org") for n in range(total - have))
        TeamMember.objects.bulk_create(TeamMember(team=team, user=u) for u in users)
        with django_assert_max_num_queries(9) as captured:
            response = lead_client.get(team.get_absolute_url())
        assert response.context["page"].paginator.count == total
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_dashboard_links_to_the_team(lead_client, team):
    html = lead_client.get(reverse("members:dashboard")).content.decode()
    assert team.get_absolute_url() in html


def _fill_the_roster(team, lead):
    for n in range(4):
        services.seat_invite(team=team, actor=lead, name=f"P{n}", email=f"p{n}@example.org",
                             role="member")


def test_reinviting_a_pending_address_on_a_full_roster_says_so_once(lead_client, team, lead):
    _fill_the_roster(team, lead)
    response = lead_client.post(team.get_absolute_url(), {
        "name": "Zoe", "email": "p0@example.org", "role": "member", **token()})
    html = response.content.decode()
    message = "p0@example.org already has a pending invitation: resend it from the list below."
    assert html.count(message) == 1
    assert Invitation.objects.filter(email="p0@example.org").count() == 1


def test_the_seat_cap_refusal_says_its_sentence_once(lead_client, team, lead):
    _fill_the_roster(team, lead)
    response = lead_client.post(team.get_absolute_url(), {
        "name": "Six", "email": "six@example.org", "role": "member", **token()})
    html = response.content.decode()
    assert html.count("All 5 covered seats are in use.") == 1
    assert html.count("covered seats are in use") == 1
    assert "ask the Center for extra seats" in html
    assert not Invitation.objects.filter(email="six@example.org").exists()


def test_the_role_menu_of_each_member_has_their_own_role_selected(lead_client, team):
    analyst = TeamMemberFactory(team=team, role="data_analyst")
    member = TeamMemberFactory(team=team, role="member")
    html = lead_client.get(team.get_absolute_url()).content.decode()

    def menu(person):
        start = html.index(f'id="role-{person.pk}"')
        return html[start:html.index("</select>", start)]

    assert '<option value="data_analyst" selected>Data analyst</option>' in menu(analyst)
    assert '<option value="member" selected>' not in menu(analyst)
    assert '<option value="member" selected>Team member</option>' in menu(member)
    assert menu(member).count(" selected") == 1
