"""Who may open a collaborative is kept in the fragment cache (collaborative_or_404): a change
to the team, the coach or the enrollment counts on the very next request."""

import pytest
from django.urls import reverse

from collaboratives.models import Enrollment
from members import services
from members.models import TeamMember
from tests.factories import CoachFactory

pytestmark = pytest.mark.usefixtures("fragment_cache")


def home(client, world):
    return client.get(reverse("collaboratives:home", args=[world.collaborative.slug]))


def test_a_member_removed_from_the_team_loses_the_collaborative_at_once(client, world):
    client.force_login(world.member_a)
    assert home(client, world).status_code == 200
    assert home(client, world).status_code == 200  # from the cache
    member = TeamMember.objects.get(team=world.team_a, user=world.member_a)
    services.member_remove(member=member, actor=world.lead_a)
    assert home(client, world).status_code == 404


def test_a_coach_given_the_team_gains_it_and_the_old_coach_loses_it(client, world):
    newcomer = CoachFactory(email="coach.c@ncsup.example.org")
    client.force_login(newcomer)
    assert home(client, world).status_code == 404
    client.force_login(world.coach_a)
    assert home(client, world).status_code == 200
    Enrollment.objects.filter(pk=world.enrollment_a.pk).update(coach=newcomer)
    assert home(client, world).status_code == 404
    client.force_login(newcomer)
    assert home(client, world).status_code == 200


def test_one_persons_answer_is_never_anothers(client, world):
    client.force_login(world.member_a)
    assert home(client, world).status_code == 200
    client.force_login(world.outsider)
    assert home(client, world).status_code == 404
