"""Covered seats have one owner (members.models.covered_seats, read through
``Membership.objects.with_seats()``): the roster, the roster's rules, the admin lists, the
dashboard and the home page agree for a single institution, a partnership and a grant."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members import services
from members.models import Membership, Team, covered_seats
from tests.factories import InstitutionFactory, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def _team(lead, *, partnership=False):
    institutions = [InstitutionFactory()] + ([InstitutionFactory(ihe=True)] if partnership else [])
    return TeamFactory(lead=lead, membership=MembershipFactory(institutions=institutions))


@pytest.mark.parametrize(("partnership", "granted", "covered"), [
    (False, 0, 5), (True, 0, 10), (False, 3, 8), (True, 2, 12),
])
def test_every_reader_agrees_on_covered_seats(client, staff, staff_client, partnership,
                                             granted, covered):
    lead = UserFactory()
    team = _team(lead, partnership=partnership)
    if granted:
        services.seat_grant_record(membership=team.membership, seats=granted, actor=staff)
    services.seat_invite(team=team, actor=lead, name="B", email="b@x.example.org",
                         role="member")

    assert services.membership_covered_seats(team.membership) == covered
    assert services.seats_covered(team) == covered and services.seats_used(team) == 2
    annotated = Membership.objects.with_seats().get(pk=team.membership_id)
    assert (annotated.seats_covered, annotated.seats_used) == (covered, 2)
    assert Team.objects.with_seats().get(pk=team.pk).seats_covered == covered

    usage = f"2 / {covered}"
    for changelist in ("admin:members_membership_changelist", "admin:members_team_changelist"):
        assert usage in staff_client.get(reverse(changelist)).content.decode()

    client.force_login(lead)
    roster = client.get(reverse("members:roster", args=[team.pk])).content.decode()
    assert f"2 of {covered}</strong> covered seats in use" in roster
    dashboard = client.get(reverse("members:dashboard")).content.decode()
    assert f"2 of {covered} covered team seats in use" in dashboard


def test_the_roster_refuses_the_seat_past_what_the_admin_shows(staff, staff_client):
    lead = UserFactory()
    team = _team(lead)
    services.seat_grant_record(membership=team.membership, seats=1, actor=staff)
    for n in range(5):  # the lead holds one of the six
        services.seat_invite(team=team, actor=lead, name=f"P{n}", email=f"p{n}@x.example.org",
                             role="member")
    assert "6 / 6" in staff_client.get(
        reverse("admin:members_membership_changelist")).content.decode()
    with pytest.raises(ValidationError, match="All 6 covered seats are in use"):
        services.seat_invite(team=team, actor=lead, name="Q", email="q@x.example.org",
                             role="member")


def test_the_home_page_counts_a_partnership_with_the_same_formula(client, fees):
    from tests.factories import TierFactory

    TierFactory(covered_seats_per_institution=6)
    html = client.get("/").content.decode()
    partnership = covered_seats(per_institution=6, institutions=2, granted=0)
    assert f"Covers {partnership} improvement-team members (6 per institution)" in html
