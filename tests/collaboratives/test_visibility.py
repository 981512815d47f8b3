"""Who sees what: enrolled members, coaches, staff; everyone else gets a 404."""

import pytest

from collaboratives.convenings.services import rsvp_set
from collaboratives.cycles.selectors import calls_visible_to, cycles_visible_to
from collaboratives.cycles.services import pdsa_cycle_log
from collaboratives.measures.services import measure_value_record
from collaboratives.programme.selectors import viewer_for
from tests.collaboratives.util import url
from tests.factories import CoachingCallFactory, ConveningFactory, PDSACycleFactory

pytestmark = pytest.mark.django_db

LINK = "https://meet.example.org/spring-convening-secret"


@pytest.fixture
def online(world):
    return ConveningFactory(collaborative=world.collaborative, online=True, meeting_link=LINK,
                            title="Spring online convening")


@pytest.fixture
def cycles(world):
    common = {"action_period": world.period, "change_idea": world.idea}
    return {
        "a_planned": PDSACycleFactory(team=world.team_a, title="A planned", **common),
        "a_completed": PDSACycleFactory(team=world.team_a, title="A completed", completed=True,
                                        **common),
        "b_in_progress": PDSACycleFactory(team=world.team_b, title="B under way",
                                          in_progress=True, **common),
        "b_completed": PDSACycleFactory(team=world.team_b, title="B completed", completed=True,
                                        **common),
    }


def test_a_member_of_a_team_not_enrolled_gets_404_everywhere(client, world, online, cycles):
    client.force_login(world.outsider)
    slug = world.collaborative.slug
    for path in [url("home", slug), url("convening", slug, online.pk),
                 url("convening_ics", slug, online.pk), url("cycles", slug),
                 url("cycle", slug, cycles["a_completed"].pk), url("drivers", slug),
                 url("workspace", slug, world.team_a.pk),
                 url("cycle_edit", slug, cycles["a_planned"].pk)]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert LINK not in response.content.decode()
    listing = client.get(url("list")).content.decode()
    assert world.collaborative.name not in listing
    assert "You are not in a collaborative yet" in listing


def test_an_enrolled_member_sees_the_meeting_link(client, world, online):
    client.force_login(world.member_b)
    page = client.get(url("convening", world.collaborative.slug, online.pk)).content.decode()
    assert LINK in page
    assert world.collaborative.name in client.get(url("list")).content.decode()


def test_a_removed_member_no_longer_sees_the_collaborative(client, world, online):
    client.force_login(world.removed_a)
    assert client.get(url("convening", world.collaborative.slug, online.pk)).status_code == 404


def test_completed_cycles_are_shared_planned_ones_stay_with_the_team(client, world, cycles):
    client.force_login(world.member_b)
    slug = world.collaborative.slug
    shared = client.get(url("cycles", slug)).content.decode()
    assert "A completed" in shared and "B completed" in shared
    assert "A planned" not in shared
    assert client.get(url("cycle", slug, cycles["a_completed"].pk)).status_code == 200
    assert client.get(url("cycle", slug, cycles["a_planned"].pk)).status_code == 404
    assert client.get(url("cycle", slug, cycles["b_in_progress"].pk)).status_code == 200
    assert client.get(url("workspace", slug, world.team_a.pk)).status_code == 404


def test_a_member_of_team_a_cannot_edit_team_b_cycles(client, world, cycles):
    client.force_login(world.member_a)
    slug = world.collaborative.slug
    for cycle in (cycles["b_in_progress"], cycles["b_completed"]):
        assert client.get(url("cycle_edit", slug, cycle.pk)).status_code == 404
        assert client.post(url("cycle_edit", slug, cycle.pk),
                           {"what_happened": "Overwritten"}).status_code == 404
        assert client.post(url("cycle_advance", slug, cycle.pk), {}).status_code == 404
        assert client.post(url("attachment_add", slug, cycle.pk), {}).status_code == 404
    cycles["b_in_progress"].refresh_from_db()
    assert cycles["b_in_progress"].what_happened == ""
    assert client.get(url("cycle_create", slug, world.team_b.pk)).status_code == 404
    assert client.get(url("cycle_edit", slug, cycles["a_planned"].pk)).status_code == 200


def test_a_coach_sees_only_the_calls_of_the_teams_they_coach(client, world):
    call_a = CoachingCallFactory(enrollment=world.enrollment_a, notes="Call with team A")
    call_b = CoachingCallFactory(enrollment=world.enrollment_b, notes="Call with team B")
    calls = calls_visible_to(world.coach_a, world.collaborative)
    assert list(calls) == [call_a]
    assert list(calls_visible_to(world.member_b, world.collaborative)) == [call_b]
    assert list(calls_visible_to(world.outsider, world.collaborative)) == []

    client.force_login(world.coach_a)
    slug = world.collaborative.slug
    page = client.get(url("workspace", slug, world.team_a.pk)).content.decode()
    assert "Call with team A" in page
    assert client.get(url("workspace", slug, world.team_b.pk)).status_code == 404
    assert client.get(url("call_create", slug, world.team_b.pk)).status_code == 404
    coaching = client.get(url("coaching")).content.decode()
    assert world.team_a.name in coaching and world.team_b.name not in coaching


def test_team_members_see_their_own_calls_only(client, world):
    CoachingCallFactory(enrollment=world.enrollment_a, notes="Call with team A")
    CoachingCallFactory(enrollment=world.enrollment_b, notes="Call with team B")
    client.force_login(world.member_a)
    page = client.get(url("workspace", world.collaborative.slug, world.team_a.pk)).content.decode()
    assert "Call with team A" in page and "Call with team B" not in page


def test_a_coach_sees_their_teams_cycles_in_progress_but_not_other_teams(world, cycles):
    visible = set(cycles_visible_to(world.coach_a, world.collaborative)
                  .values_list("title", flat=True))
    assert visible == {"A planned", "A completed", "B completed"}


def test_staff_see_everything(client, staff, world, cycles, online):
    CoachingCallFactory(enrollment=world.enrollment_b, notes="Call with team B")
    client.force_login(staff)
    slug = world.collaborative.slug
    assert client.get(url("cycle", slug, cycles["b_in_progress"].pk)).status_code == 200
    workspace = client.get(url("workspace", slug, world.team_b.pk)).content.decode()
    assert "Call with team B" in workspace
    assert LINK in client.get(url("convening", slug, online.pk)).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(url("home", world.collaborative.slug))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- Access reads the membership's current state ----------------------------------------------
@pytest.mark.parametrize("status", ["left_early", "ended"])
def test_a_team_whose_membership_left_early_or_ended_loses_the_collaborative(
        client, world, online, status):
    from datetime import date

    from django.core.exceptions import ValidationError

    from collaboratives.models import RSVP
    from members import services as member_services
    from members.models import Membership
    from tests.factories import MeasureFactory

    online.open_to_network = True
    online.save(update_fields=["open_to_network"])
    measure = MeasureFactory(collaborative=world.collaborative)
    Membership.objects.filter(team=world.team_a).update(status=status)
    lead = world.lead_a
    client.force_login(lead)
    for path in (url("home", "attendance-works"), url("convening", "attendance-works", online.pk),
                 url("cycle_create", "attendance-works", world.team_a.pk)):
        assert client.get(path).status_code == 404, path
    assert viewer_for(lead, world.collaborative).works_on(world.team_a.pk) is False
    with pytest.raises(ValidationError, match="Only members of the team"):
        pdsa_cycle_log(team=world.team_a, collaborative=world.collaborative,
                       actor=lead, change_idea=world.idea, title="T", question="Q",
                       prediction="P")
    with pytest.raises(ValidationError, match="Only members of the team enter its data"):
        measure_value_record(team=world.team_a, measure=measure, actor=lead,
                             day=date.today(), value="3")
    with pytest.raises(ValidationError, match="Only the people invited"):
        rsvp_set(convening=online, user=lead, response=RSVP.Response.YES)
    with pytest.raises(Exception, match="Only the team lead"):
        member_services.seat_invite(team=world.team_a, actor=lead, name="Zoe",
                                    email="zoe@example.org", role="member")
    # Team B, still current, is untouched.
    client.force_login(world.member_b)
    assert client.get(url("convening", "attendance-works", online.pk)).status_code == 200
