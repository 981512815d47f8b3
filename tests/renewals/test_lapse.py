"""A lapsed membership is read-only: no invites, no roster changes, no new cycles or data; its
pages stay readable; paying the renewal invoice lifts it at once."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from collaboratives.cycles import services as cycle_services
from collaboratives.measures import services as measure_services
from core.statemachine import transition
from members import services as member_services
from members.models import Invitation, Membership
from tests.collaboratives.conftest import world  # noqa: F401 (the fixture)
from tests.factories import MeasureFactory, UserFactory
from tests.once import token


def lapse(membership):
    transition(membership, Membership.Status.IN_GRACE, reason="test")
    transition(membership, Membership.Status.LAPSED, reason="test")


def test_a_lapsed_roster_refuses_invites_and_every_change(renewing):
    team, lead = renewing.team, renewing.lead
    invitation = member_services.seat_invite(team=team, actor=lead, name="Ana",
                                             email="ana@oxford.example.org", role="member")
    place = team.members.get(user=renewing.member)
    lapse(renewing.membership)
    attempts = [
        lambda: member_services.seat_invite(team=team, actor=lead, name="Bo",
                                            email="bo@oxford.example.org", role="member"),
        lambda: member_services.invitation_resend(invitation=invitation, actor=lead),
        lambda: member_services.invitation_revoke(invitation=invitation, actor=lead),
        lambda: member_services.member_role_change(member=place, actor=lead,
                                                   role="data_analyst"),
        lambda: member_services.member_remove(member=place, actor=lead),
        lambda: member_services.lead_handover(team=team, actor=lead, to=place),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as raised:
            attempt()
        assert raised.value.code == "lapsed"
    place.refresh_from_db()
    assert place.role == "member" and place.status == "active"
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_invitations_stop_an_invitee_cannot_join_a_lapsed_team(renewing):
    invitation = member_services.seat_invite(team=renewing.team, actor=renewing.lead,
                                             name="Ana", email="ana@oxford.example.org",
                                             role="member")
    lapse(renewing.membership)
    with pytest.raises(ValidationError, match="lapsed"):
        member_services.invitation_accept(invitation=invitation,
                                          user=UserFactory(email="ana@oxford.example.org"))


def test_in_grace_the_roster_still_works(renewing):
    transition(renewing.membership, Membership.Status.IN_GRACE, reason="test")
    member_services.seat_invite(team=renewing.team, actor=renewing.lead, name="Bo",
                                email="bo@oxford.example.org", role="member")


def test_the_lapsed_roster_page_reads_but_offers_no_changes_and_refuses_a_post(client,
                                                                                renewing):
    lapse(renewing.membership)
    client.force_login(renewing.lead)
    page = client.get(renewing.team.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "This membership has lapsed." in html and renewing.member.email in html
    assert "Send invitation" not in html and "Change role" not in html
    posted = client.post(renewing.team.get_absolute_url(),
                         {"name": "Bo", "email": "bo@oxford.example.org", "role": "member",
                          **token()})
    assert posted.status_code == 200
    assert "read-only" in posted.content.decode()
    assert not Invitation.objects.exists()


@pytest.fixture
def lapsed_world(world):  # noqa: F811
    lapse(world.team_a.membership)
    return world


def test_a_lapsed_team_logs_no_new_cycle_but_reads_its_collaborative(client, lapsed_world):
    w = lapsed_world
    with pytest.raises(ValidationError) as raised:
        cycle_services.pdsa_cycle_log(team=w.team_a, collaborative=w.collaborative,
                                      actor=w.member_a, change_idea=w.idea, title="Texts",
                                      question="Sooner back?", prediction="Half reply.")
    assert raised.value.code == "lapsed"
    client.force_login(w.member_a)
    slug = w.collaborative.slug
    for name, args in (("home", [slug]), ("cycles", [slug]),
                       ("workspace", [slug, w.team_a.pk]), ("measures", [slug])):
        assert client.get(reverse(f"collaboratives:{name}", args=args)).status_code == 200
    posted = client.post(reverse("collaboratives:cycle_create", args=[slug, w.team_a.pk]),
                         {"title": "Texts", "change_idea": w.idea.pk,
                          "question": "Sooner back?", "prediction": "Half reply.", **token()})
    assert posted.status_code == 200
    assert "new PDSA cycles wait until the renewal invoice is paid" in posted.content.decode()


def test_a_lapsed_team_enters_no_measure_data_but_another_team_does(lapsed_world):
    w = lapsed_world
    measure = MeasureFactory(collaborative=w.collaborative)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    with pytest.raises(ValidationError, match="new data waits"):
        measure_services.measure_value_record(team=w.team_a, measure=measure,
                                              actor=w.member_a, day=monday, value="12")
    measure_services.measure_value_record(team=w.team_b, measure=measure, actor=w.member_b,
                                          day=monday, value="12")
