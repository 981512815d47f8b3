"""Attendance (staff's marks, members' check-ins with the convening's code), the attendance rate
per team, and evaluations (answering twice changes the answer, never counts twice)."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rhythm import selectors, services
from rhythm.models import Attendance, CheckInCode, Evaluation
from tests.factories import ConveningFactory, TeamMemberFactory


def _on(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def held(world):
    """A convening held yesterday, 9 to 3."""
    day = timezone.localdate() - timedelta(days=1)
    return ConveningFactory(collaborative=world.collaborative, title="Autumn convening",
                            starts_at=_on(day, 9), ends_at=_on(day, 15))


@pytest.fixture
def today(world):
    """A convening running all of today."""
    day = timezone.localdate()
    return ConveningFactory(collaborative=world.collaborative, title="Winter convening",
                            starts_at=timezone.make_aware(datetime.combine(day, time(0, 1))),
                            ends_at=timezone.make_aware(datetime.combine(day, time(23, 58))))


def _url(world, name, convening):
    return reverse(f"rhythm:{name}", args=[world.collaborative.slug, convening.pk])


def test_staff_mark_attendance_per_person(client, world, staff, held):
    client.force_login(staff)
    page = client.get(_url(world, "attendance", held)).content.decode()
    assert world.member_a.email in page or world.member_a.first_name in page
    response = client.post(_url(world, "attendance", held),
                           {"present": [world.lead_a.pk, world.member_b.pk], "save": "1"})
    assert response.status_code == 302
    assert set(Attendance.objects.filter(present=True).values_list("user_id", flat=True)) == {
        world.lead_a.pk, world.member_b.pk}
    assert Attendance.objects.get(user=world.lead_a).team == world.team_a
    # unticking marks the person absent; the row stays (history)
    client.post(_url(world, "attendance", held), {"present": [world.member_b.pk], "save": "1"})
    assert not Attendance.objects.get(user=world.lead_a).present


def test_only_staff_mark_attendance(client, world, held):
    for person in (world.coach_a, world.lead_a, world.outsider):
        client.force_login(person)
        assert client.get(_url(world, "attendance", held)).status_code == 404
    with pytest.raises(ValidationError):
        services.attendance_mark(convening=held, actor=world.coach_a, present={world.lead_a.pk})


def test_attendance_before_the_convening_begins_is_refused(world, staff):
    ahead = ConveningFactory(collaborative=world.collaborative)
    with pytest.raises(ValidationError, match="once the convening has begun"):
        services.attendance_mark(convening=ahead, actor=staff, present={world.lead_a.pk})


def test_a_member_checks_in_with_the_code_on_the_day(client, world, staff, today):
    code = services.check_in_code_issue(convening=today, actor=staff)
    assert services.check_in_code_issue(convening=today, actor=staff) == code  # one a convening
    client.force_login(world.member_a)
    response = client.post(_url(world, "check_in", today), {"code": "nope"})
    assert response.status_code == 400 and "not this convening" in response.content.decode()
    response = client.post(_url(world, "check_in", today), {"code": code.code.lower()})
    assert response.status_code == 302
    row = Attendance.objects.get(user=world.member_a)
    assert row.present and row.source == "check_in" and row.team == world.team_a


def test_a_code_reused_after_the_convening_day_is_refused(world, staff, held):
    code = services.check_in_code_issue(convening=held, actor=staff)
    with pytest.raises(ValidationError, match="Check-in closed"):
        services.check_in(convening=held, user=world.member_a, code=code.code)
    with pytest.raises(ValidationError, match="opens on the day"):
        services.check_in(convening=held, user=world.member_a, code=code.code,
                          today=timezone.localdate() - timedelta(days=3))
    assert not Attendance.objects.exists()


def test_the_check_in_page_is_for_members_of_the_collaboratives_teams(client, world, today,
                                                                     staff):
    CheckInCode.objects.create(convening=today, code="ABC234", created_by=staff)
    for person in (world.outsider, world.coach_a):
        client.force_login(person)
        assert client.get(_url(world, "check_in", today)).status_code == 404


def test_attendance_rates_count_convenings_with_someone_present(world, staff, held):
    services.attendance_mark(convening=held, actor=staff, present={world.lead_a.pk,
                                                                   world.member_a.pk})
    day = timezone.localdate() - timedelta(days=20)
    earlier = ConveningFactory(collaborative=world.collaborative, starts_at=_on(day, 9),
                               ends_at=_on(day, 15))
    services.attendance_mark(convening=earlier, actor=staff, present={world.member_b.pk})
    rates = {r.team_id: (r.attended, r.held, r.rate) for r in
             selectors.attendance_rates(world.collaborative)}
    # held so far: these two and the action period's opening convening, ten days ago
    assert rates[world.team_a.pk] == (1, 3, 33)
    assert rates[world.team_b.pk] == (1, 3, 33)


def test_answering_twice_changes_the_answer_and_counts_once(client, world, staff, held):
    services.attendance_mark(convening=held, actor=staff, present={world.member_a.pk})
    client.force_login(world.member_a)
    url = _url(world, "evaluation", held)
    assert client.post(url, {"overall": "2", "most_useful": "Other teams' data"}
                       ).status_code == 302
    assert client.post(url, {"overall": "5", "most_useful": "Other teams' data",
                             "suggestions": "More time", "anonymous": "on"}).status_code == 302
    answer = Evaluation.objects.get()
    assert (answer.overall, answer.anonymous, answer.suggestions) == (5, True, "More time")
    client.force_login(staff)
    page = client.get(_url(world, "evaluation_results", held)).content.decode()
    assert "5.0 of 5" in page and "anonymous" in page
    assert world.member_a.email not in page
    rows = list(csv.reader(io.StringIO(client.get(_url(world, "evaluation_results", held)
                                                  + "?format=csv").content.decode())))
    assert len(rows) == 2 and rows[1][2] == "5" and rows[1][5] == "" and rows[1][6] == ""
    year = client.get(reverse("rhythm:evaluations", args=[world.collaborative.slug]))
    assert "Autumn convening" in year.content.decode()


def test_a_bad_rating_is_refused_next_to_the_field_and_keeps_the_words(client, world, staff,
                                                                     held):
    services.attendance_mark(convening=held, actor=staff, present={world.member_a.pk})
    client.force_login(world.member_a)
    response = client.post(_url(world, "evaluation", held), {"overall": "9",
                                                             "suggestions": "Longer breaks"})
    page = response.content.decode()
    assert response.status_code == 400 and "Choose 1 (very poor) to 5" in page
    assert "Longer breaks" in page and not Evaluation.objects.exists()


def test_only_attendees_evaluate(client, world, held):
    client.force_login(world.member_b)
    assert client.get(_url(world, "evaluation", held)).status_code == 404
    with pytest.raises(ValidationError, match="recorded as present"):
        services.evaluation_answer(convening=held, user=world.member_b, overall=4)


@pytest.mark.parametrize("people", [1, 6])
def test_the_attendance_page_reads_a_bounded_number_of_queries(client, world, staff, held,
                                                               people,
                                                               django_assert_max_num_queries):
    for _ in range(people):
        TeamMemberFactory(team=world.team_a)
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        assert client.get(_url(world, "attendance", held)).status_code == 200
