"""A running collaborative with two enrolled teams, a third team outside it, and their coaches.

    team A: lead_a (team lead), member_a, removed_a (removed from the team)  coached by coach_a
    team B: member_b                                                         coached by coach_b
    team C: outsider (a Tier 2 team, not enrolled)
"""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from members.models import Role, TeamMember
from tests.factories import (
    ActionPeriodFactory,
    ChangeIdeaFactory,
    CoachFactory,
    CollaborativeFactory,
    EnrollmentFactory,
    Tier2TeamFactory,
    UserFactory,
)


@pytest.fixture
def world(db):
    collaborative = CollaborativeFactory(name="Attendance Works Collaborative",
                                         slug="attendance-works")
    period = ActionPeriodFactory(collaborative=collaborative)
    idea = ChangeIdeaFactory(primary_driver__collaborative=collaborative,
                             primary_driver__title="Family engagement",
                             title="Text families after a first absence")
    lead_a = UserFactory(email="lead.a@district-a.example.org", first_name="Ana")
    member_a = UserFactory(email="member.a@district-a.example.org", first_name="Ari")
    removed_a = UserFactory(email="removed.a@district-a.example.org")
    member_b = UserFactory(email="member.b@district-b.example.org", first_name="Bea")
    outsider = UserFactory(email="outsider@district-c.example.org")
    coach_a, coach_b = CoachFactory(email="coach.a@ncsup.example.org"), CoachFactory(
        email="coach.b@ncsup.example.org")
    team_a = Tier2TeamFactory(name="Oxford School District + University of Mississippi",
                              lead=lead_a)
    TeamMember.objects.create(team=team_a, user=member_a, role=Role.MEMBER)
    TeamMember.objects.create(team=team_a, user=removed_a, role=Role.MEMBER,
                              status=TeamMember.Status.REMOVED, removed_at=timezone.now())
    team_b = Tier2TeamFactory(name="Denver Public Schools + University of Denver",
                              lead=member_b)
    team_c = Tier2TeamFactory(name="Portland Public Schools", lead=outsider)
    enrollment_a = EnrollmentFactory(collaborative=collaborative, team=team_a, coach=coach_a)
    enrollment_b = EnrollmentFactory(collaborative=collaborative, team=team_b, coach=coach_b)
    return SimpleNamespace(**locals())
