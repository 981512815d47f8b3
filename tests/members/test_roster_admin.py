import pytest
from django.urls import reverse

from members import services
from tests.factories import (
    InstitutionFactory,
    MembershipFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def test_membership_list_shows_seat_usage_and_finds_people(staff_client, staff):
    lead = UserFactory(email="lead@x.example.org")
    team = TeamFactory(lead=lead, membership=MembershipFactory(
        institutions=[InstitutionFactory(name="Denver Public Schools"),
                      InstitutionFactory(ihe=True)]))
    TeamMemberFactory(team=team, user=UserFactory(email="ana.teacher@x.example.org"))
    services.seat_invite(team=team, actor=lead, name="B", email="b@x.example.org", role="member")
    services.seat_grant_record(membership=team.membership, seats=3, actor=staff)
    TeamFactory(lead=UserFactory())  # another membership, not matched

    changelist = reverse("admin:members_membership_changelist")
    response = staff_client.get(changelist, {"q": "ana.teacher"})
    assert response.context["cl"].result_count == 1
    assert "3 / 13" in response.content.decode()  # 2 members + 1 invitation / 10 + 3 granted

    detail = staff_client.get(reverse("admin:members_membership_change",
                                      args=[team.membership.pk])).content.decode()
    assert "ana.teacher@x.example.org" in detail and "team lead" in detail

    team_list = staff_client.get(reverse("admin:members_team_changelist")).content.decode()
    assert "3 / 13" in team_list


def test_membership_list_query_count_does_not_grow(staff_client, django_assert_max_num_queries):
    counts = []
    for total in (3, 30):
        for _ in range(total - (3 if counts else 0)):
            team = TeamFactory(lead=UserFactory())
            TeamMemberFactory(team=team)
        with django_assert_max_num_queries(12) as captured:
            staff_client.get(reverse("admin:members_membership_changelist"))
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
