"""Staff in admin: every measures and change-package page opens with rows in it; saving a
measure goes through the service's rules; frozen things stay frozen."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from collaboratives.measures.services import astronomical_mark, team_measure_set
from collaboratives.models import (
    ChangePackage,
    ChangePackageEntry,
    Enrollment,
    Measure,
    MeasurePhase,
)
from tests.factories import MeasureFactory, MeasureValueFactory
from tests.once import token

pytestmark = pytest.mark.django_db

MODELS = ["measure", "measurevalue", "teammeasure", "measurephase", "astronomicalpoint",
          "changepackage", "changepackageentry"]


@pytest.fixture
def rows(world, staff):
    rate = MeasureFactory(collaborative=world.collaborative, name="Chronic absenteeism rate")
    value = MeasureValueFactory(team=world.team_a, measure=rate, value=Decimal("21"))
    team_measure_set(team=world.team_a, measure=rate, actor=staff, baseline_points=8)
    MeasurePhase.objects.create(team=world.team_a, measure=rate, starts_on=value.period,
                                label="Texts", added_by=staff)
    astronomical_mark(value=value, actor=staff, reason="Snow")
    package = ChangePackage.objects.create(collaborative=world.collaborative, version=1,
                                           title="What works", status="published",
                                           published_at=timezone.now())
    ChangePackageEntry.objects.create(package=package, change_idea=world.idea, title="Frozen",
                                      evidence={"adopting_team_count": 1})
    return rate


def test_every_new_admin_page_opens(staff_client, rows):
    for name in MODELS:
        changelist = reverse(f"admin:collaboratives_{name}_changelist")
        assert staff_client.get(changelist).status_code == 200, changelist
        obj = apps.get_model("collaboratives", name).objects.first()
        change = reverse(f"admin:collaboratives_{name}_change", args=[obj.pk])
        assert staff_client.get(change).status_code == 200, change


def test_a_measure_saved_in_admin_keeps_its_unit_once_values_exist(staff_client, world, rows):
    path = reverse("admin:collaboratives_measure_change", args=[rows.pk])
    data = {"collaborative": world.collaborative.pk, "name": rows.name, "kind": "outcome",
            "operational_definition": "Defined.", "unit": "count", "rate_basis": "",
            "better": "down", "sampling": "weekly", "goal": "", "position": 1}
    response = staff_client.post(path, data)
    assert response.status_code == 200
    assert "Teams have entered values of this measure" in response.content.decode()
    response = staff_client.post(path, {**data, "unit": "percent", "goal": "14"})
    assert response.status_code == 302
    rows.refresh_from_db()
    assert (rows.goal, rows.operational_definition) == (Decimal("14"), "Defined.")
    add = reverse("admin:collaboratives_measure_add")
    response = staff_client.post(add, {**token(), **data, "name": "Home visits", "unit": "count"})
    assert response.status_code == 302
    assert Measure.objects.get(name="Home visits").created_by is not None
    assert not staff_client.get(add).context["adminform"].form.errors


def test_a_published_package_is_read_only_in_admin(staff_client, rows):
    package = ChangePackage.objects.get()
    response = staff_client.get(reverse("admin:collaboratives_changepackage_change",
                                        args=[package.pk]))
    html = response.content.decode()
    assert 'name="title"' not in html  # frozen
    assert 'name="entries-0-commentary"' not in html
    assert 'class="deletelink"' not in html  # and stays


def test_an_enrollments_setting_is_edited_in_admin(staff_client, world):
    path = reverse("admin:collaboratives_enrollment_change", args=[world.enrollment_a.pk])
    response = staff_client.post(path, {"coach": world.coach_a.pk, "grade_band": "middle",
                                        "locale": "rural"})
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(pk=world.enrollment_a.pk)
    assert (enrollment.get_grade_band_display(), enrollment.locale) == ("middle (6-8)", "rural")
    assert enrollment.coach == world.coach_a


def _measure_post(measure, **changes):
    return {"collaborative": measure.collaborative_id, "name": measure.name, "kind": measure.kind,
            "operational_definition": measure.operational_definition, "unit": measure.unit,
            "rate_basis": measure.rate_basis, "better": measure.better,
            "sampling": measure.sampling, "goal": "", "position": 1, **changes}


def test_the_admin_shows_measure_updates_refusal_in_its_words(staff_client, world, rows):
    """The rule is the service's: the admin calls it and shows its words next to the field."""
    path = reverse("admin:collaboratives_measure_change", args=[rows.pk])
    other = "monthly" if rows.sampling != "monthly" else "weekly"
    response = staff_client.post(path, _measure_post(rows, sampling=other))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["sampling"] == ["Teams have entered values of this measure, so its sampling "
                                  "period cannot change. Define a new measure instead."]
    rows.refresh_from_db()
    assert rows.sampling != other

