"""Measures: defined by staff and coaches, values entered by the team, charts set up by the team
and its coach, astronomical points marked by the coach; every refusal."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collaboratives.changepackages import services as changepackages_services
from collaboratives.cycles.selectors import cycles_visible_to
from collaboratives.cycles.services import pdsa_cycle_log
from collaboratives.measures.charts import charts_for
from collaboratives.measures.services import (
    astronomical_mark,
    astronomical_unmark,
    measure_define,
    measure_phase_add,
    measure_phase_remove,
    measure_update,
    measure_value_record,
    measure_value_remove,
    team_measure_set,
)
from collaboratives.models import AstronomicalPoint, Measure, MeasurePhase, MeasureValue
from core.models import AuditEntry
from core.statemachine import history
from spc.runchart import Rule
from tests.collaboratives.util import url
from tests.factories import MeasureFactory, MeasureValueFactory, PDSACycleFactory
from tests.once import token

pytestmark = pytest.mark.django_db

DEFINITION = {"name": "Chronic absenteeism rate", "kind": "outcome",
              "operational_definition": "Students absent 10% or more of enrolled days.",
              "unit": "percent", "better": "down", "sampling": "weekly"}
BASELINE = [19.5, 21.0, 20.2, 18.9, 20.8, 19.7, 21.3, 20.0, 19.1, 20.6, 19.8, 21.1]
AFTER = [16.2, 15.1, 14.8, 15.9, 14.2, 15.5, 13.9, 14.6]


def monday(weeks_ago: int) -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


@pytest.fixture
def rate(world):
    return MeasureFactory(collaborative=world.collaborative, name="Chronic absenteeism rate",
                          goal=Decimal("12"))


def fill(team, measure, values, *, by):
    """Weekly values ending last week."""
    rows = [MeasureValueFactory(team=team, measure=measure, value=Decimal(str(v)),
                                period=monday(len(values) - i), entered_by=by)
            for i, v in enumerate(values)]
    return rows


# --- Defining measures -------------------------------------------------------------------------

def test_staff_and_coaches_define_measures_others_are_refused(world, staff):
    measure = measure_define(collaborative=world.collaborative, actor=world.coach_a,
                             **DEFINITION)
    assert (measure.name, measure.position, measure.created_by) == (
        "Chronic absenteeism rate", 1, world.coach_a)
    assert history(measure).get().action == "measure:defined"
    other = measure_define(collaborative=world.collaborative, actor=staff,
                           **{**DEFINITION, "name": "Home visits", "unit": "count"})
    assert other.position == 2
    for person in (world.member_a, world.outsider):
        with pytest.raises(ValidationError, match="staff and the collaborative's coaches"):
            measure_define(collaborative=world.collaborative, actor=person,
                           **{**DEFINITION, "name": "Another"})
    assert Measure.objects.count() == 2


@pytest.mark.parametrize("changes, field, message", [
    ({"name": "  CHRONIC   absenteeism rate "}, "name", "already has a measure of that name"),
    ({"name": "Per 100", "unit": "rate"}, "rate_basis", "Say what the rate is per"),
    ({"name": "Visits", "unit": "count", "rate_basis": "per 100"}, "rate_basis",
     "Only a rate"),
    ({"name": "Share", "goal": Decimal("120")}, "goal", "between 0 and 100"),
])
def test_a_measure_definition_is_checked(world, rate, changes, field, message):
    with pytest.raises(ValidationError) as caught:
        measure_define(collaborative=world.collaborative, actor=world.coach_a,
                       **{**DEFINITION, **changes})
    assert message in " ".join(caught.value.message_dict[field])


def test_unit_and_sampling_stay_once_teams_entered_values(world, rate):
    measure_update(measure=rate, actor=world.coach_a, unit="count", sampling="monthly")
    rate.refresh_from_db()
    assert (rate.unit, rate.sampling) == ("count", "monthly")  # no values yet: allowed
    MeasureValueFactory(team=world.team_a, measure=rate, value=Decimal("3"))
    with pytest.raises(ValidationError) as caught:
        measure_update(measure=rate, actor=world.coach_a, unit="percent",
                       sampling="weekly")
    assert set(caught.value.message_dict) == {"unit", "sampling"}
    updated = measure_update(measure=rate, actor=world.coach_a,
                             operational_definition="Clarified.", goal=Decimal("5"))
    assert (updated.operational_definition, updated.goal) == ("Clarified.", Decimal("5"))
    with pytest.raises(ValidationError, match="staff and the collaborative's coaches"):
        measure_update(measure=rate, actor=world.member_a, goal=Decimal("1"))


def test_the_measure_pages_define_and_edit(client, world, rate):
    client.force_login(world.coach_b)
    response = client.post(url("measure_create", "attendance-works"), {**token(),
        **DEFINITION, "name": "Attendance calls made", "unit": "count", "better": "up",
        "sampling": "monthly", "kind": "process", "goal": ""}, follow=True)
    assert "“Attendance calls made” is defined" in response.content.decode()
    response = client.post(url("measure_create", "attendance-works"),
                           {**token(), **DEFINITION, "name": "chronic absenteeism RATE"})
    assert response.status_code == 200
    assert "already has a measure of that name" in response.content.decode()
    response = client.post(url("measure_edit", "attendance-works", rate.pk),
                           {**token(), **DEFINITION, "goal": "10"})
    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.goal == Decimal("10")
    client.force_login(world.member_a)
    assert client.post(url("measure_create", "attendance-works"),
                       DEFINITION).status_code == 404
    assert client.post(url("measure_edit", "attendance-works", rate.pk),
                       DEFINITION).status_code == 404


# --- Values --------------------------------------------------------------------------------------

def test_a_value_is_stored_on_its_period_and_replaced_by_a_second_entry(world, rate):
    wednesday = monday(2) + timedelta(days=2)
    first = measure_value_record(team=world.team_a, measure=rate, actor=world.member_a,
                                 day=wednesday, value="21.5%")
    again = measure_value_record(team=world.team_a, measure=rate,
                                 actor=world.lead_a, day=monday(2), value="19",
                                 note="corrected")
    assert first.pk == again.pk and again.period == monday(2)
    assert MeasureValue.objects.get().value == Decimal("19")


@pytest.mark.parametrize("value, day_offset, field, message", [
    ("104", 1, "value", "The value 104 is outside 0-100 for a percentage."),
    ("abc", 1, "value", "The value “abc” is not a number."),
    ("=A1", 1, "value", "looks like a spreadsheet formula"),
    ("", 1, "value", "The value is missing."),
    ("20", -1, "day", "has not begun yet"),
])
def test_a_bad_value_is_refused_next_to_its_field(world, rate, value, day_offset, field,
                                                  message):
    with pytest.raises(ValidationError) as caught:
        measure_value_record(team=world.team_a, measure=rate, actor=world.member_a,
                             day=monday(day_offset), value=value)
    assert message in " ".join(caught.value.message_dict[field])
    assert not MeasureValue.objects.exists()


def test_only_the_teams_members_enter_its_values(world, rate, staff):
    for person in (world.member_b, world.coach_a, world.removed_a, world.outsider):
        with pytest.raises(ValidationError, match="Only members of the team"):
            measure_value_record(team=world.team_a, measure=rate, actor=person,
                                 day=monday(1), value="20")
    measure_value_record(team=world.team_a, measure=rate, actor=staff, day=monday(1),
                         value="20")
    with pytest.raises(ValidationError, match="is not enrolled"):
        measure_value_record(team=world.team_c, measure=rate, actor=world.outsider,
                             day=monday(1), value="20")


def test_the_value_form_saves_and_shows_refusals_next_to_the_field(client, world, rate):
    client.force_login(world.member_a)
    path = url("value_add", "attendance-works", world.team_a.pk, rate.pk)
    response = client.post(path, {**token(),
                                  "day": monday(1).isoformat(), "value": "18.5", "note": ""},
                           follow=True)
    assert "Saved week of" in response.content.decode()
    response = client.post(path, {**token(), "day": monday(1).isoformat(), "value": "101"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'field-error' in html and "The value 101 is outside 0-100" in html
    client.force_login(world.member_b)
    assert client.post(path, {"day": monday(1).isoformat(), "value": "1"}).status_code == 404
    assert MeasureValue.objects.get().value == Decimal("18.5")


def test_a_team_member_removes_a_wrong_value_and_the_audit_log_keeps_it(world, rate, staff):
    rows = fill(world.team_a, rate, BASELINE, by=world.member_a)
    rows[4].note = "typed into the wrong week"
    rows[4].save()
    astronomical_mark(value=rows[4], actor=world.coach_a, reason="Snow week")
    for person in (world.member_b, world.coach_a, world.removed_a, world.outsider):
        with pytest.raises(ValidationError, match="Only members of the team"):
            measure_value_remove(value=rows[4], actor=person)
    assert MeasureValue.objects.count() == len(BASELINE)
    removed_pk = rows[4].pk
    measure_value_remove(value=rows[4], actor=world.lead_a)
    assert not MeasureValue.objects.filter(pk=removed_pk).exists()
    assert not AstronomicalPoint.objects.exists()  # the coach's mark goes with its point
    assert MeasureValue.objects.count() == len(BASELINE) - 1
    entry = AuditEntry.objects.get(action="measure_value:removed", object_id=str(removed_pk))
    assert entry.actor == world.lead_a
    assert entry.reason == (f"{rate.period_label(rows[4].period)}: "
                            f"{rate.display(rows[4].value)} (note: typed into the wrong week)")
    measure_value_remove(value=rows[5], actor=staff)
    assert MeasureValue.objects.count() == len(BASELINE) - 2


def test_the_remove_form_takes_the_value_off_the_chart_and_refuses_others(client, world, rate):
    rows = fill(world.team_a, rate, BASELINE, by=world.member_a)
    other = fill(world.team_b, rate, [30], by=world.member_b)[0]
    path = url("value_remove", "attendance-works", world.team_a.pk, rate.pk)
    page = url("team_measure", "attendance-works", world.team_a.pk, rate.pk)
    client.force_login(world.member_a)
    assert "Remove a wrong value" in client.get(page).content.decode()
    response = client.post(path, {"value": rows[0].pk}, follow=True)
    html = response.content.decode()
    label = f"Removed {rate.period_label(rows[0].period)}: {rate.display(rows[0].value)}."
    assert label in html
    assert not MeasureValue.objects.filter(pk=rows[0].pk).exists()
    # Another team's value, nothing chosen, or a value already gone: an error by the field
    for posted in ({"value": other.pk}, {}, {"value": rows[0].pk}):
        response = client.post(path, posted)
        assert response.status_code == 400
        assert "field-error" in response.content.decode()
    assert MeasureValue.objects.filter(pk=other.pk).exists()
    # Another team's member and the coach see no remove form and are refused
    for person in (world.member_b, world.coach_a):
        client.force_login(person)
        assert "Remove a wrong value" not in client.get(page).content.decode()
        assert client.post(path, {"value": rows[1].pk}).status_code == 404
    assert MeasureValue.objects.filter(team=world.team_a).count() == len(BASELINE) - 1


# --- A team's chart ------------------------------------------------------------------------------

def test_a_frozen_baseline_and_a_later_shift_is_flagged(world, rate):
    fill(world.team_a, rate, BASELINE + AFTER, by=world.member_a)
    team_measure_set(team=world.team_a, measure=rate, actor=world.member_a,
                     baseline_points=12)
    chart = charts_for(teams=[world.team_a], measures=[rate],
                       cycles=cycles_visible_to(world.member_a,
                                                       world.collaborative))[
        world.team_a.pk, rate.pk]
    first = chart.analysis.segments[0]
    assert first.baseline_end_index == 11 and float(first.median) == pytest.approx(20.1)
    shifts = chart.analysis.signals_by_rule(Rule.SHIFT)
    assert [s.points for s in shifts] == [tuple(range(12, 20))]
    assert shifts[0].assessment.value == "improvement"  # lower is better
    assert chart.signal_items[0]["label"] == "Shift (improvement)"
    assert chart.goal == Decimal("12")
    assert 'class="runchart-point runchart-shift"' in chart.svg
    assert chart.goal_progress == int((Decimal("14.6") - Decimal("20.1")) /
                                      (Decimal("12") - Decimal("20.1")) * 100)


def test_baseline_by_points_and_by_median_exclude_each_other(world, rate):
    with pytest.raises(ValidationError, match="not both"):
        team_measure_set(team=world.team_a, measure=rate, actor=world.member_a,
                         baseline_points=8, baseline_median=Decimal("20"))
    with pytest.raises(ValidationError, match="outside 0-100"):
        team_measure_set(team=world.team_a, measure=rate, actor=world.member_a,
                         goal=Decimal("150"))


def test_the_team_and_its_coach_set_up_the_chart_others_are_refused(world, rate, staff):
    for person in (world.member_a, world.coach_a, staff):
        team_measure_set(team=world.team_a, measure=rate, actor=person,
                         goal=Decimal("15"))
    for person in (world.member_b, world.coach_b, world.outsider):
        with pytest.raises(ValidationError, match="Only the team and its coach"):
            team_measure_set(team=world.team_a, measure=rate, actor=person,
                             goal=Decimal("15"))
        with pytest.raises(ValidationError, match="Only the team and its coach"):
            measure_phase_add(team=world.team_a, measure=rate, actor=person,
                              starts_on=monday(3), label="Texts")


def test_a_phase_recomputes_the_median_after_a_change(world, rate):
    fill(world.team_a, rate, BASELINE + AFTER, by=world.member_a)
    change = monday(len(AFTER)) + timedelta(days=3)  # a Thursday: stored on its Monday
    phase = measure_phase_add(team=world.team_a, measure=rate, actor=world.coach_a,
                              starts_on=change, label="Texts to families")
    assert phase.starts_on == monday(len(AFTER))
    with pytest.raises(ValidationError, match="already starts in that period"):
        measure_phase_add(team=world.team_a, measure=rate, actor=world.member_a,
                          starts_on=monday(len(AFTER)), label="Again")
    with pytest.raises(ValidationError, match="once the change is made"):
        measure_phase_add(team=world.team_a, measure=rate, actor=world.member_a,
                          starts_on=timezone.localdate() + timedelta(days=8),
                          label="Later")
    chart = charts_for(teams=[world.team_a], measures=[rate],
                       cycles=cycles_visible_to(world.member_a,
                                                       world.collaborative))[
        world.team_a.pk, rate.pk]
    assert [s.start_index for s in chart.analysis.segments] == [0, 12]
    assert chart.phase_labels == ["Baseline", "Texts to families"]
    assert float(chart.median) == pytest.approx(14.95)
    measure_phase_remove(phase=phase, actor=world.member_a)
    assert not MeasurePhase.objects.exists()


def test_a_phase_without_data_after_it_waits_and_says_so(world, rate):
    fill(world.team_a, rate, BASELINE, by=world.member_a)
    MeasurePhase.objects.create(team=world.team_a, measure=rate, starts_on=monday(0),
                                label="Texts", added_by=world.member_a)
    MeasurePhase.objects.create(team=world.team_a, measure=rate, starts_on=monday(40),
                                label="Too early", added_by=world.member_a)
    chart = charts_for(teams=[world.team_a], measures=[rate],
                       cycles=cycles_visible_to(world.member_a,
                                                       world.collaborative))[
        world.team_a.pk, rate.pk]
    assert len(chart.analysis.segments) == 1
    assert any("appears once there is data" in note for note in chart.notes)
    assert any("starts before the first value" in note for note in chart.notes)


def test_only_the_teams_coach_marks_an_astronomical_point(world, rate, staff):
    rows = fill(world.team_a, rate, BASELINE, by=world.member_a)
    for person in (world.member_a, world.coach_b, world.member_b):
        with pytest.raises(ValidationError, match="Only the team's coach"):
            astronomical_mark(value=rows[3], actor=person, reason="Snow week")
    with pytest.raises(ValidationError, match="Say why"):
        astronomical_mark(value=rows[3], actor=world.coach_a, reason=" ")
    astronomical_mark(value=rows[3], actor=world.coach_a, reason="Snow week")
    astronomical_mark(value=rows[3], actor=staff, reason="A snow week: closed 3 days")
    assert AstronomicalPoint.objects.get().reason == "A snow week: closed 3 days"
    chart = charts_for(teams=[world.team_a], measures=[rate],
                       cycles=cycles_visible_to(staff, world.collaborative))[
        world.team_a.pk, rate.pk]
    astro = chart.analysis.signals_by_rule(Rule.ASTRONOMICAL)
    assert [s.points for s in astro] == [(3,)]
    assert any(item["text"].endswith("A snow week: closed 3 days")
               for item in chart.signal_items)
    assert 'class="runchart-astronomical"' in chart.svg
    astronomical_unmark(value=rows[3], actor=world.coach_a)
    assert not AstronomicalPoint.objects.exists()


def test_the_coach_marks_a_point_on_the_page_and_the_team_cannot(client, world, rate):
    rows = fill(world.team_a, rate, BASELINE, by=world.member_a)
    path = url("astronomical", "attendance-works", world.team_a.pk, rate.pk)
    client.force_login(world.member_a)
    assert client.post(path, {"value": rows[2].pk, "reason": "x"}).status_code == 404
    client.force_login(world.coach_a)
    response = client.post(path, {"value": rows[2].pk, "reason": "Testing week"}, follow=True)
    assert "The point is marked astronomical" in response.content.decode()
    assert "Testing week" in response.content.decode()
    client.post(path, {"unmark": rows[2].pk})
    assert not AstronomicalPoint.objects.exists()


def test_chart_settings_on_the_page(client, world, rate):
    fill(world.team_a, rate, BASELINE + AFTER, by=world.member_a)
    path = url("chart_settings", "attendance-works", world.team_a.pk, rate.pk)
    client.force_login(world.coach_a)
    response = client.post(path, {"baseline_points": "12", "baseline_median": "", "goal": "14"})
    assert response.status_code == 302
    response = client.post(path, {"baseline_points": "12", "baseline_median": "20",
                                  "goal": ""})
    assert response.status_code == 400 and "not both" in response.content.decode()
    response = client.post(path, {**token(), "add_phase": "", "starts_on": monday(4).isoformat(),
                                  "label": "Texts to families"})
    assert response.status_code == 302
    phase = MeasurePhase.objects.get()
    client.force_login(world.member_b)
    assert client.post(path, {"remove_phase": phase.pk}).status_code == 404
    client.force_login(world.member_a)
    assert client.post(path, {"remove_phase": phase.pk}).status_code == 302
    assert not MeasurePhase.objects.exists()


# --- Cycles on the charts ------------------------------------------------------------------------

def test_a_cycle_linked_to_a_measure_is_marked_on_the_teams_chart(world, rate):
    fill(world.team_a, rate, BASELINE, by=world.member_a)
    cycle = pdsa_cycle_log(
        team=world.team_a, collaborative=world.collaborative, actor=world.member_a,
        change_idea=world.idea, title="Texts after a first absence", question="Q?",
        prediction="P.", measures=[rate])
    assert list(cycle.measures.all()) == [rate]
    mine = charts_for(teams=[world.team_a], measures=[rate],
                      cycles=cycles_visible_to(world.member_a,
                                                      world.collaborative))
    assert [text for _, text in mine[world.team_a.pk, rate.pk].annotations] == [
        "Texts after a first absence"]
    # another team sees team A's charts, but not the titles of its cycles still under way
    theirs = charts_for(teams=[world.team_a], measures=[rate],
                        cycles=cycles_visible_to(world.member_b,
                                                        world.collaborative))
    assert theirs[world.team_a.pk, rate.pk].annotations == []


def test_a_cycle_takes_only_measures_of_its_collaborative(world, rate):
    elsewhere = MeasureFactory()
    with pytest.raises(ValidationError) as caught:
        pdsa_cycle_log(team=world.team_a, collaborative=world.collaborative,
                       actor=world.member_a, change_idea=world.idea, title="T",
                       question="Q?", prediction="P.", measures=[elsewhere])
    assert "measures" in caught.value.message_dict


def test_the_plan_form_links_measures_and_editing_keeps_them(client, world, rate):
    client.force_login(world.member_a)
    response = client.post(url("cycle_create", "attendance-works", world.team_a.pk), {**token(),
        "title": "Texts", "change_idea": world.idea.pk, "question": "Q?", "prediction": "P.",
        "measures": [rate.pk]})
    assert response.status_code == 302
    cycle = world.team_a.pdsa_cycles.get()
    assert list(cycle.measures.all()) == [rate]
    page = client.get(url("cycle_edit", "attendance-works", cycle.pk)).content.decode()
    assert f'value="{rate.pk}"' in page and "checked" in page
    detail = client.get(url("cycle", "attendance-works", cycle.pk)).content.decode()
    assert url("team_measure", "attendance-works", world.team_a.pk, rate.pk) in detail
    client.post(url("cycle_edit", "attendance-works", cycle.pk), {**token(),
        "title": "Texts", "change_idea": world.idea.pk, "question": "Q?", "prediction": "P."})
    assert not cycle.measures.exists()  # unticked: unlinked


# --- Pages ---------------------------------------------------------------------------------------

def test_the_team_measure_page_draws_the_chart_the_signals_and_the_data_table(client, world,
                                                                             rate):
    fill(world.team_a, rate, BASELINE + AFTER, by=world.member_a)
    PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                     completed=True, title="Texts to families").measures.add(rate)
    team_measure_set(team=world.team_a, measure=rate, actor=world.member_a,
                     baseline_points=12)
    client.force_login(world.member_a)
    html = client.get(url("team_measure", "attendance-works", world.team_a.pk,
                          rate.pk)).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert "<desc id=" in html and "a shift of 8 points below the median" in html
    assert '<span class="signal signal-improvement">Shift (improvement)</span>' in html
    assert "8 points in a row below the median" in html
    assert '<details class="runchart-data">' in html and "<table>" in html
    assert html.count("<tr>") >= 21  # header + a row per value
    assert "Texts to families (adapt)" in html  # the cycle, on the chart and in the table
    assert 'class="runchart-goal"' in html
    assert "Enter a value" in html and "Baseline, goal and phases" in html
    assert "Mark a point (coach)" not in html
    assert "style=" not in html.split('<svg', 1)[1].split("</svg>", 1)[0]  # CSP: no inline CSS


def test_other_teams_read_a_teams_charts_without_its_tools(client, world, rate):
    fill(world.team_a, rate, BASELINE, by=world.member_a)
    client.force_login(world.member_b)
    html = client.get(url("team_measure", "attendance-works", world.team_a.pk,
                          rate.pk)).content.decode()
    assert "<svg" in html
    for tool in ("Enter a value", "Baseline, goal and phases", "Mark a point (coach)"):
        assert tool not in html
    client.force_login(world.coach_a)
    html = client.get(url("team_measure", "attendance-works", world.team_a.pk,
                          rate.pk)).content.decode()
    assert "Mark a point (coach)" in html and "Enter a value" not in html


def test_the_team_dashboard_shows_each_measure_and_aim_progress(client, world, rate):
    from tests.factories import TeamAimFactory

    TeamAimFactory(enrollment=world.enrollment_a)
    fill(world.team_a, rate, BASELINE + AFTER, by=world.member_a)
    team_measure_set(team=world.team_a, measure=rate, actor=world.member_a,
                     baseline_points=12)
    visits = MeasureFactory(collaborative=world.collaborative, name="Home visits",
                            monthly_count=True)
    client.force_login(world.member_a)
    html = client.get(url("team_measures", "attendance-works", world.team_a.pk)).content.decode()
    assert "Chronic absenteeism rate" in html and "Home visits" in html
    assert html.count('role="img"') == 2
    assert "of the way to the goal" in html
    assert "Upload a CSV of values" in html
    assert visits.name in html


def test_links_from_the_home_and_the_workspace(client, world):
    client.force_login(world.member_a)
    home = client.get(url("home", "attendance-works")).content.decode()
    assert url("measures", "attendance-works") in home
    assert url("change_packages", "attendance-works") in home
    assert url("team_measures", "attendance-works", world.team_a.pk) in home
    workspace = client.get(url("workspace", "attendance-works", world.team_a.pk)).content.decode()
    assert url("team_measures", "attendance-works", world.team_a.pk) in workspace
    assert url("values_upload", "attendance-works", world.team_a.pk) in workspace
    assert url("change_packages", "attendance-works") in workspace


def test_a_posted_id_that_is_not_a_number_is_a_404_not_an_error(client, world, rate):
    client.force_login(world.coach_a)
    for name, field in (("chart_settings", "remove_phase"), ("astronomical", "unmark")):
        path = url(name, "attendance-works", world.team_a.pk, rate.pk)
        assert client.post(path, {field: "1 OR 1=1"}).status_code == 404

    changepackages_services.change_package_draft(collaborative=world.collaborative,
                                                 actor=world.coach_a)
    assert client.post(url("change_package_draft", "attendance-works"),
                       {"remove": "x"}).status_code == 404


def test_the_measures_page_shows_definitions_and_only_coaches_define(client, world, rate):
    client.force_login(world.member_b)
    html = client.get(url("measures", "attendance-works")).content.decode()
    assert "divided by students enrolled" in html and "<dd>12%</dd>" in html  # the goal
    assert url("team_measures", "attendance-works", world.team_a.pk) in html
    assert url("measure_create", "attendance-works") not in html
    assert url("measure_teams", "attendance-works", rate.pk) not in html
    client.force_login(world.coach_b)
    html = client.get(url("measures", "attendance-works")).content.decode()
    assert url("measure_create", "attendance-works") in html
    assert "Compare the teams you coach" in html
