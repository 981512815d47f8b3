"""The roster page as issue 18 builds it: its rows in Python (members/views.py), its seats from
the rows it reads, a blank invite form rendered once a process. Each shows what the template
showed, to the same people."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from members import services
from members.models import Invitation, Membership
from tests.factories import (
    InstitutionFactory,
    MembershipFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def url(name, *args):
    return reverse(f"members:{name}", args=args)


def _page(client, team):
    response = client.get(team.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _invite(team, lead, n, **kwargs):
    return services.seat_invite(team=team, actor=lead, name=f"P{n}", email=f"p{n}@example.org",
                                role="member", **kwargs)


# --- Seats: the same numbers as Membership.objects.with_seats, from the page's own rows -------
def _seat_line(html):
    return re.search(r"<strong>(\d+) of (\d+)</strong> covered seats in use", html).groups()


@pytest.mark.parametrize("change", [
    "nothing", "partnership", "grant", "member_added", "member_removed", "invitation_pending",
    "invitation_expired", "invitation_revoked", "invitation_accepted",
])
def test_the_seats_shown_are_with_seats_for_lead_member_and_staff(client, staff, change):
    lead = UserFactory()
    institutions = [InstitutionFactory()] + (
        [InstitutionFactory(ihe=True)] if change == "partnership" else [])
    team = TeamFactory(lead=lead, membership=MembershipFactory(institutions=institutions))
    member = TeamMemberFactory(team=team)
    _invite(team, lead, 0)  # one pending invitation in every case
    if change == "grant":
        services.seat_grant_record(membership=team.membership, seats=3, actor=staff)
    elif change == "member_added":
        TeamMemberFactory(team=team, role="sponsor")
    elif change == "member_removed":
        services.member_remove(member=TeamMemberFactory(team=team), actor=lead)
    elif change == "invitation_pending":
        _invite(team, lead, 1)
    elif change == "invitation_expired":
        Invitation.objects.filter(pk=_invite(team, lead, 1).pk).update(
            expires_at=timezone.now() - timedelta(minutes=1))
    elif change == "invitation_revoked":
        services.invitation_revoke(invitation=_invite(team, lead, 1), actor=lead)
    elif change == "invitation_accepted":
        invitation = _invite(team, lead, 1)
        services.invitation_accept(invitation=invitation,
                                   user=UserFactory(email=invitation.email))

    covered, used = services.membership_seats(team.membership)
    for person in (lead, member.user, staff):
        client.force_login(person)
        assert _seat_line(_page(client, team)) == (str(used), str(covered)), (change, person)
    baseline = {"nothing": (3, 5)}  # lead, member and the invitation, of five
    if change in baseline:
        assert (used, covered) == baseline[change]


# --- Who reads the roster, and who gets the lead's controls -----------------------------------
def test_only_people_on_the_team_today_and_staff_read_the_roster(client, staff, team, lead):
    place = TeamMemberFactory(team=team)
    removed = TeamMemberFactory(team=team)
    services.member_remove(member=removed, actor=lead)
    stranger = UserFactory()
    for person, status in [(lead, 200), (place.user, 200), (staff, 200), (removed.user, 404),
                           (stranger, 404)]:
        client.force_login(person)
        assert client.get(team.get_absolute_url()).status_code == status, person
    client.force_login(lead)
    assert client.get(url("roster", team.pk + 1000)).status_code == 404

    # Staff read every team's roster without the lead's controls.
    client.force_login(staff)
    html = _page(client, team)
    assert "Change role" not in html and "Invite a person" not in html


def test_a_team_whose_membership_ended_is_shut_to_its_own_lead(client, team, lead):
    Membership.objects.filter(pk=team.membership_id).update(status=Membership.Status.ENDED)
    client.force_login(lead)
    assert client.get(team.get_absolute_url()).status_code == 404


def test_a_lapsed_membership_shows_its_roster_without_controls(client, team, lead):
    TeamMemberFactory(team=team)
    Membership.objects.filter(pk=team.membership_id).update(status=Membership.Status.LAPSED)
    client.force_login(lead)
    html = _page(client, team)
    assert "This membership has lapsed." in html
    assert "Change role" not in html and "Invite a person" not in html and "Make lead" not in html


# --- The rows --------------------------------------------------------------------------------
def test_rows_are_in_role_order_then_by_name(lead_client, team):
    for role, last in [("member", "Able"), ("data_analyst", "Zed"), ("sponsor", "Young"),
                       ("coach", "Xu"), ("member", "Aaron")]:
        TeamMemberFactory(team=team, role=role, user=UserFactory(last_name=last))
    html = _page(lead_client, team)
    roles = re.findall(r'<td data-label="Role">([^<]*)</td>', html)
    assert roles == ["Team lead", "Sponsor", "Improvement coach", "Data analyst", "Team member",
                     "Team member"]
    assert html.index("Aaron") < html.index("Able")


def test_a_row_names_the_person_escaped_with_email_title_and_you(client, team, lead):
    odd = TeamMemberFactory(team=team, role="sponsor", user=UserFactory(
        first_name="<b>Zoë</b>", last_name="O'Brien", email="zoe@example.org",
        job_title="Maths & <i>data</i>"))
    nameless = TeamMemberFactory(team=team, user=UserFactory(
        first_name="", last_name="", email="no.name@example.org", job_title=""))
    client.force_login(odd.user)
    html = _page(client, team)
    assert ('<bdi class="person">&lt;b&gt;Zoë&lt;/b&gt; O&#x27;Brien</bdi> '
            '<span class="optional">(you)</span>'
            '<span class="person-email">zoe@example.org</span>'
            '<span class="person-email">Maths &amp; &lt;i&gt;data&lt;/i&gt;</span>') in html
    assert "<b>Zoë" not in html and "<i>data" not in html
    # No name: the email is the name, and is not said twice.
    assert '<bdi class="person">no.name@example.org</bdi></th>' in html
    assert html.count("(you)") == 1
    client.force_login(lead)
    assert "(you)" in _page(client, team).split("</tr>")[1]  # the lead's row, first
    assert nameless.user.email in html


def test_the_lead_gets_each_members_controls_and_none_on_their_own_row(lead_client, team):
    member = TeamMemberFactory(team=team, role="coach")
    html = _page(lead_client, team)
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")
    assert '<span class="optional">Team lead</span>' in rows[0] and "<form" not in rows[0]
    assert f'<form method="post" action="{url("member_role", team.pk, member.pk)}"' in rows[1]
    assert 'name="csrfmiddlewaretoken"' in rows[1]
    assert (f'<label class="visually-hidden" for="role-{member.pk}">Role of '
            f'{member.user.display_name}</label>') in rows[1]
    assert '<option value="coach" selected>Improvement coach</option>' in rows[1]
    assert f'<a href="{url("member_make_lead", team.pk, member.pk)}">Make lead</a>' in rows[1]
    assert (f'<a href="{url("member_remove", team.pk, member.pk)}" class="danger-link">Remove'
            in rows[1])
    # The menu's form works.
    lead_client.post(url("member_role", team.pk, member.pk), {"role": "sponsor"})
    member.refresh_from_db()
    assert member.role == "sponsor"


def test_pages_of_25_with_links_between_them(lead_client, team):
    TeamMemberFactory.create_batch(30, team=team)
    first = _page(lead_client, team)
    assert first.count("Change role") == 25 - 1 and "Page 1 of 2" in first and "?page=2" in first
    second = lead_client.get(team.get_absolute_url(), {"page": 2}).content.decode()
    assert second.count("Change role") == 6 and "?page=1" in second


# --- The lead's list of pending invitations ----------------------------------------------------
def test_pending_invitations_list_their_details_and_forms(lead_client, team, lead):
    waiting = services.seat_invite(team=team, actor=lead, name="<Ana>", email="ana@example.org",
                                   role="data_analyst")
    expired = _invite(team, lead, 1)
    Invitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(days=1))
    html = _page(lead_client, team)
    assert '<bdi class="person">&lt;Ana&gt;</bdi><span class="person-email">ana@example.org' in html
    assert '<td data-label="Role">Data analyst</td>' in html
    assert date_format(timezone.localtime(waiting.expires_at)) in html
    assert html.count('<span class="status status-void">expired</span> (seat freed)') == 1
    for invitation in (waiting, expired):
        for name in ("invitation_resend", "invitation_revoke"):
            assert f'action="{url(name, team.pk, invitation.pk)}"' in html
    lead_client.post(url("invitation_revoke", team.pk, waiting.pk))
    waiting.refresh_from_db()
    assert waiting.status == "revoked"


def test_no_pending_invitations_says_so(lead_client, team):
    assert "No pending invitations." in _page(lead_client, team)


# --- The blank invite form, rendered once a process: only its token changes ----------------
def _once_token(html):
    return re.search(r'name="once_token" value="([^"]+)"', html).group(1)


def test_each_blank_invite_form_has_its_own_token_that_sends_once(lead_client, team):
    first, second = _page(lead_client, team), _page(lead_client, team)
    assert _once_token(first) != _once_token(second)
    assert first.count('name="once_token"') == 1
    data = {"name": "Ana", "email": "ana@example.org", "role": "member",
            "once_token": _once_token(first)}
    assert lead_client.post(team.get_absolute_url(), data).status_code == 302
    again = lead_client.post(team.get_absolute_url(), data, follow=True).content.decode()
    assert "That was already saved." in again
    assert Invitation.objects.filter(email="ana@example.org").count() == 1
    for label in ('<label for="id_name">Name</label>', '<label for="id_email">Email</label>',
                  '<select name="role"'):
        assert label in first


def test_an_invite_form_sent_back_shows_what_was_entered_and_its_errors(lead_client, team):
    html = lead_client.post(team.get_absolute_url(), {
        "name": "Ana <Teacher>", "email": "nope", "role": "coach", **token()}).content.decode()
    assert 'value="Ana &lt;Teacher&gt;"' in html
    assert "Enter a valid email address." in html
    assert '<option value="coach" selected>' in html
