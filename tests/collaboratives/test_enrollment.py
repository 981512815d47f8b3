"""Only Tier 2 memberships enroll, each with a Center improvement coach."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from collaboratives.models import Enrollment
from collaboratives.programme.services import enrollment_create
from tests.factories import (
    CoachFactory,
    CollaborativeFactory,
    MembershipFactory,
    TeamFactory,
    Tier2TeamFactory,
    TierFactory,
    UserFactory,
)
from tests.once import token

pytestmark = pytest.mark.django_db


@pytest.fixture
def tier1_team():
    return TeamFactory(name="Fairfax County Public Schools",
                       membership=MembershipFactory(application__requested_tier=TierFactory()))


def test_a_tier_2_team_enrolls_with_its_coach(staff):
    collaborative, team, coach = CollaborativeFactory(), Tier2TeamFactory(), CoachFactory()
    enrollment = enrollment_create(collaborative=collaborative, team=team, coach=coach,
                                   actor=staff)
    assert (enrollment.team, enrollment.coach, enrollment.enrolled_by) == (team, coach, staff)


def test_a_tier_1_team_is_refused_with_the_reason(tier1_team):
    with pytest.raises(ValidationError) as error:
        enrollment_create(collaborative=CollaborativeFactory(), team=tier1_team,
                          coach=CoachFactory())
    message = error.value.message_dict["team"][0]
    assert "Fairfax County Public Schools has Tier 1: Network membership" in message
    assert "Only Tier 2 memberships may enroll" in message
    assert not Enrollment.objects.exists()


def test_closed_enrollment_a_second_seat_and_a_non_coach_are_refused():
    collaborative, team = CollaborativeFactory(), Tier2TeamFactory()
    with pytest.raises(ValidationError) as error:
        enrollment_create(collaborative=collaborative, team=team,
                          coach=UserFactory(email="not.a.coach@example.org"))
    assert "is not a Center improvement coach" in error.value.message_dict["coach"][0]

    enrollment_create(collaborative=collaborative, team=team, coach=CoachFactory())
    with pytest.raises(ValidationError) as error:
        enrollment_create(collaborative=collaborative, team=team, coach=CoachFactory())
    assert "is already enrolled" in error.value.message_dict["team"][0]

    overlapping = CollaborativeFactory()
    with pytest.raises(ValidationError) as error:
        enrollment_create(collaborative=overlapping, team=team, coach=CoachFactory())
    assert "already holds its collaborative seat" in error.value.message_dict["team"][0]

    closed = CollaborativeFactory(enrollment_open=False)
    with pytest.raises(ValidationError) as error:
        enrollment_create(collaborative=closed, team=Tier2TeamFactory(),
                          coach=CoachFactory())
    assert error.value.message_dict["collaborative"] == [f"Enrollment in {closed.name} is closed."]


def test_staff_count_as_coaches(staff):
    enrollment = enrollment_create(collaborative=CollaborativeFactory(),
                                   team=Tier2TeamFactory(), coach=staff)
    assert enrollment.coach == staff


def test_admin_refuses_a_tier_1_team_with_the_service_message(staff_client, tier1_team):
    collaborative, coach = CollaborativeFactory(), CoachFactory()
    response = staff_client.post(reverse("admin:collaboratives_enrollment_add"), {**token(),
        "collaborative": collaborative.pk, "team": tier1_team.pk, "coach": coach.pk})
    assert response.status_code == 200
    assert "Only Tier 2 memberships may enroll" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_admin_enrolls_a_tier_2_team_through_the_service(staff_client, staff):
    collaborative, team, coach = CollaborativeFactory(), Tier2TeamFactory(), CoachFactory()
    response = staff_client.post(reverse("admin:collaboratives_enrollment_add"), {**token(),
        "collaborative": collaborative.pk, "team": team.pk, "coach": coach.pk})
    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    assert (enrollment.team, enrollment.coach, enrollment.enrolled_by) == (team, coach, staff)

    other = CoachFactory()
    response = staff_client.post(
        reverse("admin:collaboratives_enrollment_change", args=[enrollment.pk]),
        {"coach": other.pk})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.coach == other
