import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.statemachine import history
from members import services
from members.models import Invitation, Role, SeatGrant, TeamMember
from tests.factories import (
    InstitutionFactory,
    MembershipFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def invite(team, lead, n, role="member"):
    return services.seat_invite(team=team, actor=lead, name=f"Person {n}",
                                email=f"person{n}@example.org", role=role)


def test_covered_seats_are_five_per_institution_plus_grants(lead, staff):
    single = TeamFactory(lead=lead)
    assert services.seats_covered(single) == 5
    partnership = TeamFactory(membership=MembershipFactory(
        institutions=[InstitutionFactory(), InstitutionFactory(ihe=True)]))
    assert services.seats_covered(partnership) == 10
    services.seat_grant_record(membership=single.membership, seats=2, actor=staff)
    assert services.seats_covered(single) == 7


def test_invitation_holds_a_seat_and_is_emailed_with_a_link(team, lead):
    invitation = invite(team, lead, 1, role="data_analyst")
    assert services.seats_used(team) == 2
    assert invitation.expires_at - timezone.now() > timedelta(days=13, hours=23)
    assert mail.outbox[-1].to == ["person1@example.org"]
    token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[-1].body).group(1)
    assert services.invitation_from_token(token) == invitation


def test_the_sixth_seat_is_refused_with_the_way_to_ask_for_more(team, lead):
    for n in range(4):
        invite(team, lead, n)
    assert services.seats_used(team) == 5
    with pytest.raises(ValidationError) as error:
        invite(team, lead, 5)
    assert "All 5 covered seats are in use" in error.value.messages[0]
    assert "ask the Center for extra seats" in error.value.messages[0]
    assert Invitation.objects.count() == 4


def test_extra_seats_granted_by_staff_lift_the_cap(team, lead, staff):
    for n in range(4):
        invite(team, lead, n)
    services.seat_grant_record(membership=team.membership, seats=1, actor=staff, reason="PO 7")
    invite(team, lead, 5)
    with pytest.raises(ValidationError):
        invite(team, lead, 6)
    assert history(team.membership).get().action == "seats:granted"


def test_a_grant_needs_at_least_one_seat(team, staff):
    with pytest.raises(ValidationError):
        services.seat_grant_record(membership=team.membership, seats=0, actor=staff)
    assert not SeatGrant.objects.exists()


def test_only_the_lead_invites(team):
    member = TeamMemberFactory(team=team).user
    with pytest.raises(PermissionDenied):
        services.seat_invite(team=team, actor=member, name="X", email="x@example.org",
                             role="member")
    with pytest.raises(PermissionDenied):
        services.seat_invite(team=team, actor=UserFactory(), name="X", email="x@example.org",
                             role="member")
    assert not Invitation.objects.exists()


def test_no_second_lead_by_invitation(team, lead):
    with pytest.raises(ValidationError) as error:
        invite(team, lead, 1, role="lead")
    assert "role" in error.value.message_dict


def test_same_person_is_not_invited_twice_or_while_on_the_team(team, lead):
    invite(team, lead, 1)
    with pytest.raises(ValidationError) as error:
        services.seat_invite(team=team, actor=lead, name="P", email="PERSON1@example.org",
                             role="member")
    assert "already has a pending invitation" in error.value.message_dict["email"][0]
    with pytest.raises(ValidationError) as error:
        services.seat_invite(team=team, actor=lead, name="L", email=lead.email, role="member")
    assert "already on this team" in error.value.message_dict["email"][0]


def test_accepting_turns_the_invitation_into_a_place_on_the_team(team, lead):
    invitation = invite(team, lead, 1, role="sponsor")
    person = UserFactory(email="Person1@Example.org")
    member = services.invitation_accept(invitation=invitation, user=person)
    assert (member.team, member.role, member.status) == (team, "sponsor", "active")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == ("accepted", person)
    assert services.seats_used(team) == 2
    # Accepting twice (a double click) changes nothing.
    assert services.invitation_accept(invitation=invitation, user=person).pk == member.pk
    assert TeamMember.objects.filter(team=team).count() == 2


def test_an_invitation_for_another_email_cannot_be_accepted(team, lead):
    invitation = invite(team, lead, 1)
    with pytest.raises(ValidationError) as error:
        services.invitation_accept(invitation=invitation, user=UserFactory())
    assert "This invitation is for person1@example.org" in error.value.messages[0]
    assert TeamMember.objects.filter(team=team).count() == 1


def test_expired_invitation_frees_its_seat_and_cannot_be_accepted(team, lead):
    invitation = invite(team, lead, 1)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    assert services.seats_used(team) == 1
    with pytest.raises(ValidationError) as error:
        services.invitation_accept(invitation=invitation,
                                   user=UserFactory(email="person1@example.org"))
    assert "expired" in error.value.messages[0]
    # The lead can invite the same address again; the stale invitation is closed.
    again = invite(team, lead, 1)
    invitation.refresh_from_db()
    assert (invitation.status, again.status) == ("revoked", "pending")


def test_revoked_invitation_frees_its_seat_and_cannot_be_accepted(team, lead):
    invitation = invite(team, lead, 1)
    services.invitation_revoke(invitation=invitation, actor=lead)
    assert services.seats_used(team) == 1
    with pytest.raises(ValidationError) as error:
        services.invitation_accept(invitation=invitation,
                                   user=UserFactory(email="person1@example.org"))
    assert "withdrawn" in error.value.messages[0]


def test_resend_replaces_the_link_and_extends_the_expiry(team, lead):
    invitation = invite(team, lead, 1)
    old_token = services.invitation_token(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() + timedelta(days=1))
    services.invitation_resend(invitation=invitation, actor=lead)
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=13)
    assert len([m for m in mail.outbox if m.to == ["person1@example.org"]]) == 2
    with pytest.raises(ValidationError) as error:
        services.invitation_from_token(old_token)
    assert "replaced by a newer one" in error.value.messages[0]
    assert services.invitation_from_token(services.invitation_token(invitation)) == invitation


def test_resending_an_expired_invitation_needs_a_free_seat(team, lead):
    first = invite(team, lead, 1)
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(1))
    for n in range(2, 6):
        invite(team, lead, n)
    with pytest.raises(ValidationError) as error:
        services.invitation_resend(invitation=first, actor=lead)
    assert "covered seats are now in use" in error.value.messages[0]


def test_forged_token_is_refused():
    with pytest.raises(ValidationError):
        services.invitation_from_token("not-a-token")


def test_lead_changes_roles_but_not_to_or_from_lead(team, lead):
    member = TeamMemberFactory(team=team)
    services.member_role_change(member=member, actor=lead, role="data_analyst")
    member.refresh_from_db()
    assert member.role == "data_analyst"
    with pytest.raises(ValidationError):
        services.member_role_change(member=member, actor=lead, role="lead")
    lead_place = team.members.get(role="lead")
    with pytest.raises(ValidationError):
        services.member_role_change(member=lead_place, actor=lead, role="member")


def test_non_lead_cannot_change_remove_or_hand_over(team, lead):
    member = TeamMemberFactory(team=team)
    other = TeamMemberFactory(team=team)
    for call in (
        lambda: services.member_role_change(member=other, actor=member.user, role="sponsor"),
        lambda: services.member_remove(member=other, actor=member.user),
        lambda: services.lead_handover(team=team, actor=member.user, to=member),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert team.members.get(role="lead").user == lead


def test_removing_frees_the_seat_and_keeps_history(team, lead):
    member = TeamMemberFactory(team=team)
    assert services.seats_used(team) == 2
    services.member_remove(member=member, actor=lead)
    member.refresh_from_db()
    assert (member.status, member.removed_by) == ("removed", lead)
    assert member.removed_at is not None
    assert services.seats_used(team) == 1
    assert history(team).filter(action="member:removed").exists()
    with pytest.raises(ValidationError):
        services.member_remove(member=member, actor=lead)  # already gone


def test_the_last_team_lead_cannot_be_removed(team, lead):
    lead_place = team.members.get(role="lead")
    with pytest.raises(ValidationError) as error:
        services.member_remove(member=lead_place, actor=lead)
    assert "team lead cannot be removed" in error.value.messages[0]
    lead_place.refresh_from_db()
    assert lead_place.status == "active"


def test_handing_over_the_lead_keeps_exactly_one_lead(team, lead):
    member = TeamMemberFactory(team=team)
    services.lead_handover(team=team, actor=lead, to=member)
    leads = list(team.members.filter(role=Role.LEAD, status="active").values_list("user",
                                                                                  flat=True))
    assert leads == [member.user_id]
    assert team.members.get(user=lead).role == "member"
    # The former lead can no longer change the roster; the new one can.
    with pytest.raises(PermissionDenied):
        invite(team, lead, 1)
    invite(team, member.user, 1)


def test_the_database_refuses_a_second_lead(team):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMemberFactory(team=team, role="lead")


def test_a_person_can_be_on_teams_of_several_memberships(lead):
    person = UserFactory()
    TeamMemberFactory(team=TeamFactory(lead=lead), user=person)
    TeamMemberFactory(team=TeamFactory(lead=UserFactory()), user=person)
    assert TeamMember.objects.filter(user=person, status="active").count() == 2


def test_arrears_can_pause_invitations_when_staff_choose(team, lead, settings):
    """Billing answers members' arrears question (members.hooks, registered by billing)."""
    from tests.factories import InvoiceFactory

    settings.ROSTER_BLOCK_INVITES_WHEN_IN_ARREARS = True
    invite(team, lead, 1)  # nothing overdue yet
    InvoiceFactory(membership=team.membership, commitment_year=1,
                   due_date=timezone.localdate() - timedelta(days=1))
    settings.ROSTER_BLOCK_INVITES_WHEN_IN_ARREARS = False
    invite(team, lead, 2)  # staff have not chosen to pause
    settings.ROSTER_BLOCK_INVITES_WHEN_IN_ARREARS = True
    with pytest.raises(ValidationError) as error:
        invite(team, lead, 3)
    assert "Invitations are paused" in error.value.messages[0]


# --- A membership that left early or ended: its team's roster is frozen --------------------------
@pytest.mark.parametrize("status", ["left_early", "ended"])
def test_the_lead_of_a_membership_no_longer_current_changes_nothing(team, lead, staff, status,
                                                                    client):
    from members.models import Membership

    member = TeamMemberFactory(team=team)
    pending = invite(team, lead, 1)
    if status == "left_early":
        services.membership_leave_early(membership=team.membership, actor=staff,
                                        reason="Budget cut")
    else:
        Membership.objects.filter(pk=team.membership_id).update(status=status)
    assert services.team_lead_of(team, lead) is False
    for attempt in (
        lambda: invite(team, lead, 2),
        lambda: services.invitation_resend(invitation=pending, actor=lead),
        lambda: services.invitation_revoke(invitation=pending, actor=lead),
        lambda: services.member_remove(member=member, actor=lead),
        lambda: services.member_role_change(member=member, actor=lead, role="data_analyst"),
        lambda: services.lead_handover(team=team, actor=lead, to=member),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    with pytest.raises(ValidationError, match="membership has ended"):
        services.invitation_accept(invitation=pending,
                                   user=UserFactory(email="person1@example.org"))
    client.force_login(lead)
    assert client.get(team.get_absolute_url()).status_code == 404
    assert client.post(team.get_absolute_url(), {"name": "Zoe", "email": "zoe@example.org",
                                                  "role": "member"}).status_code == 404
    assert Invitation.objects.filter(team=team).count() == 1
    assert TeamMember.objects.get(pk=member.pk).status == "active"
