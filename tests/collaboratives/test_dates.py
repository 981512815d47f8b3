"""Every date of a collaborative sits in a sensible window, stated in the refusal: a team's aim
falls due after the collaborative starts and at most a year after it ends; a collaborative runs
at most two years, from 2017 on; data and chart phases go back at most five years before the
collaborative began (a baseline) and not into the future."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from collaboratives.cycles.services import aim_set
from collaboratives.measures.csv_import import CsvRejected, values_import
from collaboratives.measures.services import measure_phase_add, measure_value_record
from collaboratives.models import Collaborative, MeasurePhase, MeasureValue, TeamAim
from core.dates import add_years, day
from tests.collaboratives.util import url
from tests.factories import MeasureFactory
from tests.once import token

pytestmark = pytest.mark.django_db


def _day(value):
    return day(value)  # the portal's one date style, "1 Dec 2026"


def aim(world, by_when):
    return aim_set(enrollment=world.enrollment_a, actor=world.member_a,
                   what="reduce chronic absenteeism in grades 6-8",
                   how_much="from 24% to 18%", by_when=by_when)


def test_an_aim_by_31_december_9999_is_refused_next_to_its_field(client, world):
    client.force_login(world.member_a)
    response = client.post(url("aim", world.collaborative.slug, world.team_a.pk),
                           {"what": "reduce chronic absenteeism", "how_much": "by a third",
                            "by_when": "9999-12-31", **token()})
    latest = add_years(world.collaborative.end, 1)
    assert response.context["form"].errors["by_when"] == [
        f"Choose a date after the collaborative starts ({_day(world.collaborative.start)}) "
        f"and at most a year after it ends (by {_day(latest)})."]
    assert 'value="reduce chronic absenteeism"' in response.content.decode()
    assert not TeamAim.objects.exists()


def test_the_edges_of_an_aims_window(world):
    collaborative = world.collaborative
    latest = add_years(collaborative.end, 1)
    for refused in (collaborative.start, latest + timedelta(days=1)):
        with pytest.raises(ValidationError) as caught:
            aim(world, refused)
        assert f"by {_day(latest)}" in caught.value.message_dict["by_when"][0]
    assert aim(world, collaborative.start + timedelta(days=1)).by_when > collaborative.start
    assert aim(world, latest).by_when == latest


def test_a_collaborative_runs_at_most_two_years_from_2017_on():
    start = date(2027, 1, 25)
    Collaborative(name="C", slug="c", problem_of_practice="p", aim="a", start=start,
                  end=add_years(start, 2)).full_clean()
    with pytest.raises(ValidationError) as caught:
        Collaborative(name="C", slug="c", problem_of_practice="p", aim="a", start=start,
                      end=date(9999, 12, 31)).full_clean()
    assert caught.value.message_dict["end"] == [
        "A collaborative runs about twelve months, at most 2 years: end it by 25 Jan 2029."]
    with pytest.raises(ValidationError) as caught:
        Collaborative(name="C", slug="c", problem_of_practice="p", aim="a",
                      start=date(1900, 1, 1), end=date(1901, 1, 1)).full_clean()
    assert "is the year mistyped?" in caught.value.message_dict["start"][0]


@pytest.fixture
def monthly(world):
    return MeasureFactory(collaborative=world.collaborative, name="Home visits",
                          monthly_count=True)


def test_values_go_back_at_most_five_years_before_the_collaborative(world, monthly):
    floor = add_years(world.collaborative.start, -5)
    with pytest.raises(ValidationError) as caught:
        measure_value_record(team=world.team_a, measure=monthly, actor=world.member_a,
                             day=floor - timedelta(days=1), value="3")
    (message,) = caught.value.message_dict["day"]
    assert message.startswith("The ")
    assert (f"is before {_day(floor)}: baseline data go back at most 5 years before the "
            f"collaborative began ({_day(world.collaborative.start)})") in message
    assert not MeasureValue.objects.exists()
    assert measure_value_record(team=world.team_a, measure=monthly,
                                actor=world.member_a, day=floor, value="3")


def test_a_csv_row_before_the_baseline_window_is_refused_with_its_line(world, monthly):
    floor = add_years(world.collaborative.start, -5)
    early = floor - timedelta(days=1)
    with pytest.raises(CsvRejected) as caught:
        values_import(team=world.team_a, collaborative=world.collaborative,
                      actor=world.member_a, filename="data.csv",
                      raw=f"measure,period,value\nHome visits,{early},3\n".encode())
    (row,) = caught.value.rows
    assert row.line == 2 and f"is before {_day(floor)}" in row.message
    assert not MeasureValue.objects.exists()


def test_a_chart_phase_cannot_start_before_the_baseline_window(world, monthly):
    floor = add_years(world.collaborative.start, -5)
    with pytest.raises(ValidationError) as caught:
        measure_phase_add(team=world.team_a, measure=monthly, actor=world.member_a,
                          starts_on=date(1900, 1, 1), label="Texts to families")
    assert _day(floor) in caught.value.message_dict["starts_on"][0]
    assert not MeasurePhase.objects.exists()
