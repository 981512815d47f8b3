"""RSVPs, aims, coaching calls, comments and the driver diagram, through the pages."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collaboratives.convenings.services import convening_cancel, rsvp_set
from collaboratives.cycles.services import coaching_call_log
from collaboratives.models import (
    RSVP,
    ChangeIdea,
    CoachingCall,
    CycleComment,
    PrimaryDriver,
    TeamAim,
)
from tests.collaboratives.util import url
from tests.factories import ConveningFactory, PDSACycleFactory
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def test_members_rsvp_and_staff_see_who_comes(client, world, staff):
    convening = world.period.closing_convening
    path = url("convening", world.collaborative.slug, convening.pk)
    client.force_login(world.member_a)
    response = client.post(path, {**token(), "response": "yes"})
    assert response.status_code == 302
    client.post(path, {**token(), "response": "maybe"})  # changing one's mind updates the answer
    assert RSVP.objects.get(user=world.member_a).response == "maybe"
    page = client.get(path).content.decode()
    assert "Your answer so far: <strong>Not sure yet</strong>" in page
    assert world.member_a.email not in page  # members see counts, not names

    client.force_login(staff)
    page = client.get(path).content.decode()
    assert world.member_a.email in page and "Not sure yet" in page


def test_no_rsvp_to_a_cancelled_or_finished_convening(client, world, staff):
    past = world.period.opening_convening
    with pytest.raises(ValidationError, match="over"):
        rsvp_set(convening=past, user=world.member_a, response="yes")
    ahead = ConveningFactory(collaborative=world.collaborative)
    convening_cancel(convening=ahead, actor=staff)
    with pytest.raises(ValidationError, match="cancelled"):
        rsvp_set(convening=ahead, user=world.member_a, response="yes")
    client.force_login(world.member_a)
    response = client.post(url("convening", world.collaborative.slug, ahead.pk),
                           {**token(), "response": "yes"})
    assert response.context["form"].errors["response"] == ["This convening is cancelled."]
    assert not RSVP.objects.exists()


def test_the_team_states_its_aim(client, world):
    client.force_login(world.member_a)
    path = url("aim", world.collaborative.slug, world.team_a.pk)
    response = client.post(path, {**token(), "what": "reduce chronic absenteeism in grades 6-8",
                                  "how_much": "from 24% to 18%",
                                  "by_when": world.collaborative.start.isoformat()})
    assert response.context["form"].errors["by_when"][0].startswith("Choose a date after")
    by_when = world.collaborative.end
    client.post(path, {**token(), "what": "reduce chronic absenteeism in grades 6-8",
                       "how_much": "from 24% to 18%", "by_when": by_when.isoformat()})
    aim = TeamAim.objects.get()
    assert aim.statement == (f"reduce chronic absenteeism in grades 6-8 from 24% to 18% by "
                             f"{by_when:%-d %b %Y}")
    client.force_login(world.member_b)
    assert client.get(path).status_code == 404


def test_the_coach_logs_a_call_and_only_the_coach(client, world):
    path = url("call_create", world.collaborative.slug, world.team_a.pk)
    data = {"held_on": timezone.localdate().isoformat(), "attendees": [world.lead_a.pk],
            "other_attendees": "Principal Ortiz", "notes": "Looked at the run chart.",
            "next_steps": "Test texting in grade 7."}
    client.force_login(world.coach_a)
    response = client.post(path, {**token(),
                                  **data, "held_on": (timezone.localdate() + timedelta(1))
                                  .isoformat()})
    assert response.context["form"].errors["held_on"] == ["Log a call once it has happened."]
    response = client.post(path, data | token())
    assert response.status_code == 302
    call = CoachingCall.objects.get()
    assert list(call.attendees.all()) == [world.lead_a]
    assert call.logged_by == world.coach_a

    client.force_login(world.coach_b)
    assert client.post(path, data).status_code == 404
    client.force_login(world.member_a)
    assert client.post(path, data).status_code == 404
    with pytest.raises(ValidationError, match="Only the team's coach"):
        coaching_call_log(enrollment=world.enrollment_a, actor=world.coach_b,
                          held_on=timezone.localdate(), attendees=[], notes="x",
                          next_steps="y", other_attendees="Someone")
    assert CoachingCall.objects.count() == 1


def test_a_call_attendee_must_be_on_the_team(world):
    with pytest.raises(ValidationError) as error:
        coaching_call_log(enrollment=world.enrollment_a, actor=world.coach_a,
                          held_on=timezone.localdate(), attendees=[world.member_b],
                          notes="Notes", next_steps="Next")
    assert error.value.message_dict["attendees"][0].startswith("Not on the team:")


def test_the_teams_coach_comments_on_a_cycle(client, world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, completed=True)
    path = url("comment_add", world.collaborative.slug, cycle.pk)
    client.force_login(world.coach_a)
    assert client.post(path, {**token(),
                              "body": "Strong test. Try grade 7 next."}).status_code == 302
    page = client.get(url("cycle", world.collaborative.slug, cycle.pk)).content.decode()
    assert "Strong test. Try grade 7 next." in page

    for other in (world.coach_b, world.member_a, world.member_b):
        client.force_login(other)
        assert client.post(path, {"body": "Not mine to say"}).status_code == 404
    assert CycleComment.objects.count() == 1


def test_coaches_and_staff_maintain_the_driver_diagram(client, world):
    path = url("drivers", world.collaborative.slug)
    client.force_login(world.coach_a)
    client.post(path, {**token("driver"), "driver-title": "School climate", "add_driver": "1"})
    driver = PrimaryDriver.objects.get(title="School climate")
    client.post(path, {**token("idea"),
                       "idea-primary_driver": driver.pk, "idea-title": "Greet every student",
                       "add_idea": "1"})
    assert ChangeIdea.objects.filter(primary_driver=driver, added_by=world.coach_a).exists()
    page = client.get(path).content.decode()
    assert "School climate" in page and "Greet every student" in page

    client.force_login(world.member_a)
    assert "Add a primary driver" not in client.get(path).content.decode()
    assert client.post(path, {"driver-title": "Sneaky", "add_driver": "1"}).status_code == 404
    assert not PrimaryDriver.objects.filter(title="Sneaky").exists()


def test_the_coach_view_lists_progress_and_the_last_call(client, world):
    for _ in range(2):
        PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea)
    client.force_login(world.coach_a)
    response = client.get(url("coaching"))
    (row,) = response.context["page"].object_list
    assert (row.enrollment.team, row.logged, row.behind) == (world.team_a, 2, False)
    client.force_login(world.member_a)  # not a coach
    assert client.get(url("coaching")).status_code == 404


def test_the_dashboard_links_to_my_collaboratives(client, world):
    from django.urls import reverse

    client.force_login(world.member_a)
    assert url("list") in client.get(reverse("members:dashboard")).content.decode()
