"""PDSA cycles: logged in the current action period, planned → in progress → completed."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collaboratives.cycles.services import pdsa_cycle_advance, pdsa_cycle_log, pdsa_cycle_update
from collaboratives.models import PDSACycle
from core.statemachine import IllegalTransition, history
from tests.collaboratives.util import url
from tests.factories import ChangeIdeaFactory, PDSACycleFactory
from tests.once import token

pytestmark = pytest.mark.django_db

PLAN = {"title": "Text families after a first absence",
        "question": "Will a same-day text bring students back sooner?",
        "prediction": "Half of the families reply within a day."}
WHO_WHAT = {"plan_who": "Attendance clerk", "plan_what": "Text families of first absences",
            "plan_when": "Two weeks in March", "plan_where": "Grade 6",
            "data_to_collect": "Replies within 24 hours"}
DSA = {"what_happened": "We texted 31 families.", "surprises": "Wrong numbers.",
       "results": "18 of 31 replied, above the prediction.", "learning": "Texts beat calls.",
       "decision": "adopt", "next_step": "Use it in grade 7."}


def log(world, **overrides):
    return pdsa_cycle_log(team=world.team_a, collaborative=world.collaborative,
                          actor=world.member_a,
                          **{**PLAN, "change_idea": world.idea, **overrides})


def test_a_cycle_is_logged_in_the_current_action_period(world):
    cycle = log(world)
    assert (cycle.status, cycle.action_period, cycle.team) == ("planned", world.period,
                                                               world.team_a)
    assert history(cycle).get().action == "pdsa:logged"


def test_no_cycle_without_a_running_action_period(world):
    with pytest.raises(ValidationError) as error:
        log(world, today=timezone.localdate() + timedelta(days=60))
    assert "No action period is running today" in " ".join(error.value.messages)


def test_the_change_idea_must_be_the_collaboratives(world):
    with pytest.raises(ValidationError) as error:
        log(world, change_idea=ChangeIdeaFactory())
    assert error.value.message_dict["change_idea"] == [
        "That change idea belongs to another collaborative."]


def test_someone_else_cannot_log_for_the_team(world):
    with pytest.raises(ValidationError, match="Only members of the team"):
        pdsa_cycle_log(team=world.team_a, collaborative=world.collaborative,
                       actor=world.member_b, change_idea=world.idea, **PLAN)


def test_plan_to_completed_with_each_stage_required(world):
    cycle = log(world)
    with pytest.raises(ValidationError) as error:
        pdsa_cycle_advance(cycle=cycle, actor=world.member_a, to="in_progress")
    assert set(error.value.message_dict) == set(WHO_WHAT)
    started = pdsa_cycle_advance(cycle=cycle, actor=world.member_a, to="in_progress",
                                 **WHO_WHAT)
    assert started.status == "in_progress" and started.in_progress_at

    with pytest.raises(ValidationError) as error:
        pdsa_cycle_advance(cycle=cycle, actor=world.member_a, to="completed",
                           what_happened="We texted 31 families.")
    assert set(error.value.message_dict) == {"results", "learning", "decision", "next_step"}
    cycle.refresh_from_db()
    assert cycle.what_happened == ""  # a refused step saves nothing

    done = pdsa_cycle_advance(cycle=cycle, actor=world.member_a, to="completed", **DSA)
    assert (done.status, done.decision) == ("completed", "adopt")
    assert [e.to_status for e in history(cycle)] == ["completed", "in_progress", "planned"]


@pytest.mark.parametrize(("start", "to"), [("planned", "completed"), ("in_progress", "planned"),
                                          ("completed", "in_progress"), ("completed", "planned")])
def test_illegal_transitions_are_refused(world, start, to):
    traits = {"in_progress": {"in_progress": True}, "completed": {"completed": True}}
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, **traits.get(start, {}))
    with pytest.raises(IllegalTransition, match="cannot become"):
        pdsa_cycle_advance(cycle=cycle, actor=world.member_a, to=to, **(
            DSA if to == "completed" else {}))
    cycle.refresh_from_db()
    assert cycle.status == start


def test_advancing_twice_changes_nothing(world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, completed=True)
    assert pdsa_cycle_advance(cycle=cycle, actor=world.member_a,
                              to="completed").status == "completed"


def test_a_completed_cycle_cannot_be_edited(world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, completed=True)
    with pytest.raises(ValidationError, match="completed cycle cannot be edited"):
        pdsa_cycle_update(cycle=cycle, actor=world.member_a, learning="Rewritten")


def test_the_plan_is_fixed_once_the_cycle_runs(world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, in_progress=True)
    with pytest.raises(ValidationError, match="cannot be changed while the cycle is in progress"):
        pdsa_cycle_update(cycle=cycle, actor=world.member_a, prediction="Rewritten")


# --- Through the pages ----------------------------------------------------------------------

def test_create_edit_and_advance_through_the_pages(client, world):
    client.force_login(world.member_a)
    slug = world.collaborative.slug
    response = client.post(url("cycle_create", slug, world.team_a.pk),
                           {**token(), **PLAN, "change_idea": world.idea.pk})
    cycle = PDSACycle.objects.get()
    assert response.status_code == 302 and response.url == cycle.get_absolute_url()

    response = client.post(url("cycle_advance", slug, cycle.pk),
                           {**token(),
                            **PLAN, **WHO_WHAT, "plan_who": "", "change_idea": world.idea.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["plan_who"] == ["Say who will carry out the test."]
    html = response.content.decode()
    field = html[html.index('for="id_plan_who"'):html.index('for="id_plan_when"')]
    assert "Say who will carry out the test." in field  # shown next to its field
    cycle.refresh_from_db()
    assert (cycle.status, cycle.plan_where) == ("planned", "")

    client.post(url("cycle_advance", slug, cycle.pk), {**token(), **PLAN, **WHO_WHAT,
                                                       "change_idea": world.idea.pk})
    cycle.refresh_from_db()
    assert cycle.status == "in_progress"

    response = client.post(url("cycle_edit", slug, cycle.pk), {"what_happened": "Halfway"})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.status, cycle.what_happened) == ("in_progress", "Halfway")

    response = client.post(url("cycle_advance", slug, cycle.pk), {**DSA, "decision": ""})
    assert response.context["form"].errors["decision"] == ["Choose adopt, adapt or abandon."]
    client.post(url("cycle_advance", slug, cycle.pk), DSA)
    cycle.refresh_from_db()
    assert cycle.status == "completed"
    response = client.get(url("cycle_edit", slug, cycle.pk))
    assert response.status_code == 302  # a completed cycle is the record: back to its page


def test_the_create_page_says_when_no_action_period_runs(client, world):
    world.period.delete()
    client.force_login(world.member_a)
    slug = world.collaborative.slug
    page = client.get(url("cycle_create", slug, world.team_a.pk)).content.decode()
    assert "No action period is running today" in page
    response = client.post(url("cycle_create", slug, world.team_a.pk),
                           {**token(), **PLAN, "change_idea": world.idea.pk})
    assert response.status_code == 200
    assert "No action period is running today" in " ".join(
        response.context["form"].non_field_errors())
    assert not PDSACycle.objects.exists()
