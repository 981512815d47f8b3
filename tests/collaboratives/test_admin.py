"""Staff run the collaboratives in admin: every page opens, rules hold, status changes are
actions that call services."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from collaboratives.convenings.reminders import convening_reminders_send
from collaboratives.convenings.services import convening_cancel
from collaboratives.models import Convening, Phase
from core.models import AuditEntry
from tests.factories import (
    CoachingCallFactory,
    ConveningFactory,
    PDSACycleFactory,
    TeamAimFactory,
)
from tests.once import token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

MODELS = [model for model in admin.site._registry if model._meta.app_label == "collaboratives"]


def test_every_model_is_registered_with_lists_filters_and_search():
    names = {model.__name__ for model in MODELS}
    assert names == {"Collaborative", "Phase", "Enrollment", "Convening", "RSVP",
                     "CalendarToken", "ActionPeriod", "TeamAim", "PrimaryDriver", "ChangeIdea",
                     "PDSACycle", "CycleAttachment", "CycleComment", "CoachingCall",
                     "ReminderLog",
                     # measures and the change package (issue 6)
                     "Measure", "MeasureValue", "TeamMeasure", "MeasurePhase",
                     "AstronomicalPoint", "ChangePackage", "ChangePackageEntry"}
    for model in MODELS:
        model_admin = admin.site._registry[model]
        assert model_admin.list_display and model_admin.list_filter, model
        assert model_admin.search_fields, model


def test_every_admin_page_opens(staff_client, world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea)
    CoachingCallFactory(enrollment=world.enrollment_a)
    TeamAimFactory(enrollment=world.enrollment_a)
    for model in MODELS:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert staff_client.get(changelist).status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert staff_client.get(change).status_code == 200, change
    response = staff_client.get(reverse("admin:collaboratives_pdsacycle_change", args=[cycle.pk]))
    assert b'class="readonly">planned' in response.content  # the status is read-only


def _collaborative_form(collaborative, phases):
    data = {"name": collaborative.name, "slug": collaborative.slug,
            "problem_of_practice": collaborative.problem_of_practice,
            "start": collaborative.start.isoformat(), "end": collaborative.end.isoformat(),
            "aim": collaborative.aim, "enrollment_open": "on",
            "phases-TOTAL_FORMS": len(phases), "phases-INITIAL_FORMS": 0,
            "phases-MIN_NUM_FORMS": 0, "phases-MAX_NUM_FORMS": 4,
            # the saved convenings are left as they are
            "convenings-TOTAL_FORMS": 0, "convenings-INITIAL_FORMS": 0,
            "convenings-MIN_NUM_FORMS": 0, "convenings-MAX_NUM_FORMS": 1000}
    for i, (kind, start, end) in enumerate(phases):
        data.update({f"phases-{i}-kind": kind, f"phases-{i}-start": start.isoformat(),
                     f"phases-{i}-end": end.isoformat(), f"phases-{i}-summary": ""})
    return data


def test_the_phase_inline_refuses_overlap_and_saves_an_ordered_schedule(staff_client, world):
    collaborative = world.collaborative
    path = reverse("admin:collaboratives_collaborative_change", args=[collaborative.pk])
    start = collaborative.start
    overlapping = [("learning", start, start + timedelta(days=100)),
                   ("testing", start + timedelta(days=90), start + timedelta(days=200))]
    response = staff_client.post(path, _collaborative_form(collaborative, overlapping))
    assert response.status_code == 200
    assert "must start after the Learning phase ends" in response.content.decode()
    assert not Phase.objects.exists()

    ordered = [("learning", start, start + timedelta(days=89)),
               ("testing", start + timedelta(days=90), start + timedelta(days=200))]
    response = staff_client.post(path, _collaborative_form(collaborative, ordered), follow=True)
    assert response.status_code == 200
    assert list(collaborative.phases.values_list("kind", flat=True)) == ["learning", "testing"]
    # Two convenings in a year: staff are warned, not refused.
    assert "guidance is 4-6 a year" in response.content.decode()


def test_moving_a_convening_in_admin_goes_through_the_service(staff_client, world):
    convening = ConveningFactory(collaborative=world.collaborative, title="Spring convening")
    path = reverse("admin:collaboratives_convening_change", args=[convening.pk])
    new_start = timezone.localtime(convening.starts_at + timedelta(days=3))
    data = {"collaborative": world.collaborative.pk, "title": "Spring convening",
            "format": "in_person", "starts_at_0": new_start.date().isoformat(),
            "starts_at_1": new_start.strftime("%H:%M:%S"),
            "ends_at_0": new_start.date().isoformat(), "ends_at_1": "23:59:00",
            "venue": "Jackson Avenue Center", "address": "Oxford, MS", "meeting_link": "",
            "agenda": "", "rsvps-TOTAL_FORMS": 0, "rsvps-INITIAL_FORMS": 0,
            "rsvps-MIN_NUM_FORMS": 0, "rsvps-MAX_NUM_FORMS": 1000}
    assert staff_client.post(path, data).status_code == 302
    convening.refresh_from_db()
    assert convening.starts_at == new_start and convening.revision == 1

    closing = world.period.closing_convening  # may not move before its action period opens
    path = reverse("admin:collaboratives_convening_change", args=[closing.pk])
    early = timezone.localtime(world.period.opening_convening.starts_at - timedelta(days=1))
    response = staff_client.post(path, {**data, "title": closing.title,
                                        "starts_at_0": early.date().isoformat(),
                                        "starts_at_1": "09:00:00",
                                        "ends_at_0": early.date().isoformat()})
    assert response.status_code == 200
    assert "must stay after it" in response.content.decode()


def test_cancelling_is_an_admin_action_that_tells_members(staff_client, world):
    from django.core import mail

    convening = ConveningFactory(collaborative=world.collaborative, title="Spring convening")
    path = reverse("admin:collaboratives_convening_changelist")
    response = staff_client.post(path, {"action": "cancel_selected",
                                        "_selected_action": [convening.pk]})
    assert "You are about to <strong>cancel</strong>" in response.content.decode()
    staff_client.post(path, {**token(),
                             "action": "cancel_selected", "_selected_action": [convening.pk],
                             "apply": "1", "reason": "The venue flooded."})
    convening.refresh_from_db()
    assert (convening.status, convening.cancellation_reason) == (Convening.Status.CANCELLED,
                                                                 "The venue flooded.")
    assert len(mail.outbox) == 5  # the three enrolled members and their two coaches


# --- Convenings added and edited in admin go through the services ------------------------------

def _convening_post(collaborative, start, **extra):
    start = timezone.localtime(start)
    return {"collaborative": collaborative.pk, "title": "Summer convening", "format": "online",
            "starts_at_0": start.date().isoformat(), "starts_at_1": "09:00:00",
            "ends_at_0": start.date().isoformat(), "ends_at_1": "15:00:00", "venue": "",
            "address": "", "meeting_link": "https://meet.example.org/summer", "agenda": "",
            "rsvps-TOTAL_FORMS": 0, "rsvps-INITIAL_FORMS": 0, "rsvps-MIN_NUM_FORMS": 0,
            "rsvps-MAX_NUM_FORMS": 1000, **extra}


def test_a_convening_added_in_admin_is_scheduled_audited_and_reminded(staff_client, staff,
                                                                       world):
    path = reverse("admin:collaboratives_convening_add")
    data = _convening_post(world.collaborative, timezone.now() + timedelta(days=40))
    assert staff_client.post(path, {**token(), **data}).status_code == 302
    convening = Convening.objects.get(title="Summer convening")
    entry = AuditEntry.objects.get(action="convening:scheduled", object_id=str(convening.pk))
    assert entry.actor == staff
    # Armed like any scheduled convening: its reminder goes to everyone invited.
    assert convening_reminders_send(convening=convening,
                                    now=convening.starts_at - timedelta(days=2)) == 5


def test_a_convening_added_inline_on_its_collaborative_is_audited(staff_client, staff, world):
    collaborative = world.collaborative
    path = reverse("admin:collaboratives_collaborative_change", args=[collaborative.pk])
    start = timezone.localtime(timezone.now() + timedelta(days=40))
    data = {**_collaborative_form(collaborative, []), "convenings-TOTAL_FORMS": 1,
            "convenings-0-title": "Inline convening", "convenings-0-format": "online",
            "convenings-0-starts_at_0": start.date().isoformat(),
            "convenings-0-starts_at_1": "09:00:00",
            "convenings-0-ends_at_0": start.date().isoformat(),
            "convenings-0-ends_at_1": "15:00:00", "convenings-0-venue": "",
            "convenings-0-address": "",
            "convenings-0-meeting_link": "https://meet.example.org/inline",
            "convenings-0-collaborative": collaborative.pk}
    assert staff_client.post(path, data).status_code == 302
    convening = Convening.objects.get(title="Inline convening")
    assert AuditEntry.objects.get(action="convening:scheduled",
                                  object_id=str(convening.pk)).actor == staff


def test_a_convening_outside_its_collaborative_is_refused_in_admin_and_not_saved(staff_client,
                                                                                 world):
    path = reverse("admin:collaboratives_convening_add")
    data = _convening_post(world.collaborative, timezone.now() + timedelta(days=400))
    response = staff_client.post(path, {**token(), **data})
    assert response.status_code == 200
    assert "The collaborative ends on" in response.content.decode()
    assert not Convening.objects.filter(title="Summer convening").exists()
    assert not AuditEntry.objects.filter(action="convening:scheduled").exists()


def test_editing_a_convening_in_admin_is_audited(staff_client, staff, world):
    convening = ConveningFactory(collaborative=world.collaborative, title="Spring convening")
    path = reverse("admin:collaboratives_convening_change", args=[convening.pk])
    data = _convening_post(world.collaborative, convening.starts_at, title="Spring convening",
                           format=convening.format, venue="Oxford Conference Center",
                           meeting_link="")
    start = timezone.localtime(convening.starts_at)
    end = timezone.localtime(convening.ends_at)
    data.update({"starts_at_1": start.strftime("%H:%M:%S"),
                 "ends_at_0": end.date().isoformat(), "ends_at_1": end.strftime("%H:%M:%S"),
                 "address": convening.address})
    assert staff_client.post(path, data).status_code == 302
    convening.refresh_from_db()
    assert convening.venue == "Oxford Conference Center" and convening.revision == 0  # not moved
    entry = AuditEntry.objects.get(action="convening:updated", object_id=str(convening.pk))
    assert entry.actor == staff and "venue" in entry.reason


def test_a_cancelled_convening_cannot_be_moved_in_admin_in_the_services_words(staff_client,
                                                                             world):
    convening = ConveningFactory(collaborative=world.collaborative, title="Spring convening")
    convening_cancel(convening=convening, reason="The venue flooded.")
    path = reverse("admin:collaboratives_convening_change", args=[convening.pk])
    later = convening.starts_at + timedelta(days=3)
    response = staff_client.post(path, _convening_post(world.collaborative, later,
                                                       title="Spring convening"))
    assert response.status_code == 200
    assert ("A cancelled convening cannot be moved; schedule a new one."
            in response.content.decode())
    before = convening.starts_at
    convening.refresh_from_db()
    assert convening.starts_at == before

