"""Every free-text field of the collaboratives has a maximum, enforced by forms and services
alike and stated in the refusal. (A megabyte of "learning" once held the one worker 21.7 s.)"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collaboratives.cycles.services import (
    aim_set,
    coaching_call_log,
    cycle_comment_add,
    pdsa_cycle_log,
    pdsa_cycle_update,
)
from collaboratives.models import CoachingCall, CycleComment, PDSACycle
from collaboratives.programme.models import NARRATIVE, limited_text
from tests.collaboratives.util import url
from tests.factories import PDSACycleFactory

pytestmark = pytest.mark.django_db

TOO_LONG = f"This is {NARRATIVE + 1:,} characters long; write at most {NARRATIVE:,}."


def test_every_free_text_field_of_the_collaboratives_has_a_maximum():
    from django.apps import apps
    from django.db import models

    unlimited = [f"{model.__name__}.{field.name}"
                 for model in apps.get_app_config("collaboratives").get_models()
                 for field in model._meta.get_fields()
                 if isinstance(field, models.TextField) and not field.max_length]
    assert unlimited == []
    assert limited_text(10).validators  # full_clean enforces it, not only forms


def test_a_too_long_learning_is_refused_next_to_its_field_and_nothing_is_lost(client, world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, in_progress=True)
    client.force_login(world.member_a)
    before = cycle.learning
    text = "x" * (NARRATIVE + 1)
    response = client.post(url("cycle_edit", world.collaborative.slug, cycle.pk),
                           {"what_happened": "We texted 31 families.", "learning": text})
    assert response.status_code == 200
    assert response.context["form"].errors["learning"] == [TOO_LONG]
    html = response.content.decode()
    assert TOO_LONG in html
    assert f'maxlength="{NARRATIVE}"' in html
    assert "We texted 31 families." in html  # what was typed is still there
    cycle.refresh_from_db()
    assert cycle.learning == before


def test_exactly_the_limit_is_accepted(world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, in_progress=True)
    cycle = pdsa_cycle_update(cycle=cycle, actor=world.member_a,
                              learning="x" * NARRATIVE)
    assert len(PDSACycle.objects.get(pk=cycle.pk).learning) == NARRATIVE


def test_the_services_refuse_too_long_text_with_the_limit(world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, in_progress=True)
    megabyte = "x" * 1_000_000
    with pytest.raises(ValidationError) as caught:
        pdsa_cycle_update(cycle=cycle, actor=world.member_a, learning=megabyte)
    assert caught.value.message_dict["learning"] == [
        f"This is 1,000,000 characters long; write at most {NARRATIVE:,}."]
    with pytest.raises(ValidationError) as caught:
        pdsa_cycle_log(team=world.team_a, collaborative=world.collaborative,
                       actor=world.member_a, change_idea=world.idea, title="T",
                       question=megabyte, prediction="p")
    assert "question" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        cycle_comment_add(cycle=cycle, actor=world.coach_a, body=megabyte)
    assert caught.value.message_dict["body"][0].endswith(f"at most {NARRATIVE:,}.")
    with pytest.raises(ValidationError) as caught:
        coaching_call_log(enrollment=world.enrollment_a, actor=world.coach_a,
                          held_on=timezone.localdate(), attendees=[world.member_a],
                          notes=megabyte, next_steps="Call again")
    assert "notes" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        aim_set(enrollment=world.enrollment_a, actor=world.member_a, what=megabyte,
                how_much="from 24% to 18%", by_when=world.collaborative.end)
    assert caught.value.message_dict["what"][0].endswith("at most 250.")
    assert not CycleComment.objects.exists() and not CoachingCall.objects.exists()
