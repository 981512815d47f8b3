"""The staff-and-coach view of one measure across teams (small multiples, in a fixed number of
queries) and the time it takes to draw a long run chart in its page."""

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from collaboratives.cycles.selectors import cycles_visible_to
from collaboratives.measures import chart_cards
from collaboratives.measures import charts as measures_charts
from collaboratives.measures.charts import charts_for
from collaboratives.measures.services import (
    astronomical_mark,
    measure_phase_add,
    measure_update,
    measure_value_record,
    measure_value_remove,
    team_measure_set,
)
from collaboratives.models import Collaborative, Enrollment, MeasurePhase, MeasureValue
from members.models import User
from tests.collaboratives.util import url
from tests.factories import (
    CoachFactory,
    EnrollmentFactory,
    MeasureFactory,
    PDSACycleFactory,
)

pytestmark = pytest.mark.django_db

FLAT = [20, 21, 19, 20, 22, 18, 20, 21, 19, 20, 21, 19]
SHIFTED = [*FLAT[:6], 15, 14, 15, 13, 14, 15, 16]


def monday(weeks_ago):
    today = timezone.localdate()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


@pytest.fixture
def rate(world):
    return MeasureFactory(collaborative=world.collaborative, name="Chronic absenteeism rate",
                          goal=Decimal("12"))


def give_values(team, measure, values, by):
    MeasureValue.objects.bulk_create([
        MeasureValue(team=team, measure=measure, period=monday(len(values) - i),
                     value=Decimal(v), entered_by=by) for i, v in enumerate(values)])


def add_team(world, measure, *, shifted, coach=None):
    """An enrolled team with values, a phase, a frozen baseline, a cycle on its chart and an
    astronomical point: every kind of row the page reads."""
    enrollment = EnrollmentFactory(collaborative=world.collaborative,
                                   coach=coach or world.coach_a)
    give_values(enrollment.team, measure, SHIFTED if shifted else FLAT, world.staff)
    MeasurePhase.objects.create(team=enrollment.team, measure=measure, starts_on=monday(1),
                                label="Texts", added_by=world.staff)
    team_measure_set(team=enrollment.team, measure=measure, actor=world.staff,
                     baseline_points=6)
    PDSACycleFactory(team=enrollment.team, action_period=world.period, change_idea=world.idea,
                     completed=True).measures.add(measure)
    value = MeasureValue.objects.filter(team=enrollment.team).first()
    astronomical_mark(value=value, actor=world.staff, reason="Snow")
    return enrollment


def test_coaches_see_the_teams_they_coach_and_staff_every_team(client, world, rate, staff):
    give_values(world.team_a, rate, SHIFTED, world.member_a)
    give_values(world.team_b, rate, FLAT, world.member_b)
    path = url("measure_teams", "attendance-works", rate.pk)
    client.force_login(world.coach_a)
    response = client.get(path)
    names = [card.team_name for card in response.context["rows"]]
    assert names == [world.team_a.name]
    assert response.context["signalled"] == 1
    html = response.content.decode()
    assert world.team_b.name not in html
    assert '<span class="signal signal-improvement">Shift (improvement)</span>' in html
    client.force_login(staff)
    response = client.get(path)
    # team A shows a shift and comes first, although team B's name sorts before it
    assert world.team_b.name < world.team_a.name
    assert [card.team_name for card in response.context["rows"]] == [world.team_a.name,
                                                                    world.team_b.name]
    assert response.content.decode().count('class="sparkline"') == 2
    for person in (world.member_a, world.member_b, world.outsider):
        client.force_login(person)
        assert client.get(path).status_code == 404


def test_the_cross_team_page_makes_the_same_queries_at_3_and_60_teams(
        client, world, rate, staff, django_assert_max_num_queries):
    world.staff = staff
    path = url("measure_teams", "attendance-works", rate.pk)

    def measure(user, teams):
        client.force_login(user)
        with django_assert_max_num_queries(19) as queries:
            response = client.get(path)
        assert len(response.context["rows"]) == teams
        flags = [card.has_signal for card in response.context["rows"]]
        assert flags == sorted(flags, reverse=True)  # teams with a signal first
        html = response.content.decode()
        # a compact chart per team, or a word that it has no values yet
        assert html.count('class="sparkline"') + html.count("No values yet.") == teams
        return len(queries.captured_queries), html

    # teams A and B come with the world (coached by coach_a and coach_b); one more makes 3
    add_team(world, rate, shifted=True)
    staff_at_3, _ = measure(staff, 3)
    coach_at_3, _ = measure(world.coach_a, 2)
    for n in range(57):
        add_team(world, rate, shifted=n % 2 == 0)
    began = time.perf_counter()
    staff_at_60, html = measure(staff, 60)
    elapsed = time.perf_counter() - began
    coach_at_60, _ = measure(world.coach_a, 59)
    assert html.count("Shift (improvement)") >= 29
    print(f"\ncross-team page: {staff_at_3} queries at 3 teams, {staff_at_60} at 60 (staff); "
          f"{coach_at_3} and {coach_at_60} (coach); 60 charts served in {elapsed:.2f} s")
    assert staff_at_3 == staff_at_60
    assert coach_at_3 == coach_at_60
    # Once drawn, the page comes from the cache: its key's reads and one cache round trip.
    client.force_login(staff)
    with django_assert_max_num_queries(12) as again:
        assert client.get(path).status_code == 200
    print(f"served from the cache: {len(again.captured_queries)} queries")


def test_a_260_point_run_chart_renders_quickly_in_its_page(client, world, rate):
    values = [20 + (i % 7) - 3 + (-4 if i >= 200 else 0) for i in range(260)]
    give_values(world.team_a, rate, values, world.member_a)
    PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                     completed=True).measures.add(rate)
    client.force_login(world.member_a)
    path = url("team_measure", "attendance-works", world.team_a.pk, rate.pk)
    client.get(path)  # warm the template cache
    began = time.perf_counter()
    response = client.get(path)
    page = time.perf_counter() - began
    assert response.status_code == 200
    assert len(response.context["chart"].rows) == 260
    cycles = cycles_visible_to(world.member_a, world.collaborative)
    began = time.perf_counter()
    chart = charts_for(teams=[world.team_a], measures=[rate], cycles=cycles)[
        world.team_a.pk, rate.pk]
    build = time.perf_counter() - began
    assert len(chart.points) == 260 and "260 weekly points" in chart.svg
    print(f"\n260-point run chart: {build * 1000:.0f} ms to read, analyse and draw; whole page "
          f"{page * 1000:.0f} ms ({len(response.content) / 1024:.0f} KB)")
    assert build < 1 and page < 3


@pytest.fixture
def drawings(monkeypatch):
    """The chart ids drawn, in order (teams' cards and full charts; the network chart at the
    top of the cross-team page is left out): a card served from the cache draws nothing."""
    drawn = []
    real_svg, real_card = measures_charts.render_svg, chart_cards.card_of

    def svg(**kw):
        if not (kw["chart_id"] or "").startswith("network"):
            drawn.append(kw["chart_id"])
        return real_svg(**kw)

    def card(chart, *, chart_id):
        drawn.append(chart_id)
        return real_card(chart, chart_id=chart_id)
    monkeypatch.setattr(measures_charts, "render_svg", svg)
    monkeypatch.setattr(chart_cards, "card_of", card)
    return drawn


@pytest.fixture
def two_teams(world, rate):
    give_values(world.team_a, rate, SHIFTED, world.member_a)
    give_values(world.team_b, rate, FLAT, world.member_b)
    return url("measure_teams", "attendance-works", rate.pk)


def test_unchanged_charts_are_drawn_once_and_a_new_value_redraws_its_chart(
    client, world, rate, staff, drawings, two_teams
):
    client.force_login(staff)
    first = client.get(two_teams).content.decode()
    assert len(drawings) == 2
    second = client.get(two_teams).content.decode()
    assert len(drawings) == 2  # both from the cache
    svg = re.compile(r"<svg.*?</svg>", re.S)
    assert svg.findall(second) == svg.findall(first)
    measure_value_record(team=world.team_b, measure=rate, actor=staff,
                         day=monday(0), value="31")
    client.get(two_teams)
    assert drawings[2:] == [f"team-{world.team_b.pk}-{rate.pk}"]  # only team B's changed


def _mark_cycle(world, rate, staff):
    cycle = PDSACycleFactory(team=world.team_b, action_period=world.period,
                             change_idea=world.idea, completed=True, title="Morning calls")
    cycle.measures.add(rate)
    return "1 PDSA cycle"


CARD_CHANGES = {
    # what changes -> a function that changes it for team B and returns a text the page then shows
    "a value replaced": lambda world, rate, staff: measure_value_record(
        team=world.team_b, measure=rate, actor=staff, day=monday(1), value="47.5") and "47.5",
    "a value removed": lambda world, rate, staff: measure_value_remove(
        value=MeasureValue.objects.filter(team=world.team_b, measure=rate).order_by(
            "period").first(), actor=staff),
    "an astronomical point marked": lambda world, rate, staff: astronomical_mark(
        value=MeasureValue.objects.filter(team=world.team_b).first(), actor=staff,
        reason="Snow day") and "Astronomical point",
    "the goal of the team's chart": lambda world, rate, staff: team_measure_set(
        team=world.team_b, measure=rate, actor=staff, goal=Decimal("7.25")) and "goal 7.25%",
    "a phase added": lambda world, rate, staff: measure_phase_add(
        team=world.team_b, measure=rate, actor=staff, starts_on=monday(3),
        label="Texts home") and "Texts home",
    "a cycle marked on the chart": _mark_cycle,
    "the team renamed": lambda world, rate, staff: world.team_b.__class__.objects.filter(
        pk=world.team_b.pk).update(name="Denver Public Schools (renamed)") and None,
    "another coach assigned": lambda world, rate, staff: Enrollment.objects.filter(
        pk=world.enrollment_b.pk).update(coach=CoachFactory(first_name="Zelda",
                                                            last_name="Quist"))
        and "Coach: Zelda Quist",
    "the coach renamed": lambda world, rate, staff: User.objects.filter(
        pk=world.coach_b.pk).update(first_name="Yusuf", last_name="Okafor")
        and "Coach: Yusuf Okafor",
}


@pytest.mark.parametrize("change", CARD_CHANGES)
def test_a_change_to_what_a_card_shows_draws_that_card_again(client, world, rate, staff,
                                                             drawings, two_teams, change):
    """A team's card comes from the cache until something drawn on it changes: then that card,
    and only it, is drawn again, and the page shows the change."""
    client.force_login(staff)
    before = client.get(two_teams).content.decode()
    client.get(two_teams)
    assert len(drawings) == 2
    shows = CARD_CHANGES[change](world, rate, staff)
    after = client.get(two_teams).content.decode()
    assert drawings[2:] == [f"team-{world.team_b.pk}-{rate.pk}"]
    assert after != before
    if shows:
        assert shows in after and shows not in before


def test_changing_the_measure_draws_every_card_again(client, rate, staff, drawings, two_teams):
    client.force_login(staff)
    client.get(two_teams)
    measure_update(measure=rate, actor=staff, goal=Decimal("9.5"))
    assert "9.5%" in client.get(two_teams).content.decode()
    assert len(drawings) == 4


def test_full_charts_and_cards_are_cached_under_one_key_scheme(client, world, rate, staff,
                                                               drawings, two_teams,
                                                               monkeypatch):
    """A team's full run chart (its page) and its card (the cross-team page) are both kept
    under keys from ``chart_cache_key``, told apart by kind: a second view draws neither."""
    kinds = []
    real = measures_charts.chart_cache_key
    monkeypatch.setattr(measures_charts, "chart_cache_key",
                        lambda kind, **inputs: kinds.append(kind) or real(kind, **inputs))
    client.force_login(staff)
    team_page = url("team_measure", "attendance-works", world.team_a.pk, rate.pk)
    for _ in range(2):
        assert client.get(two_teams).status_code == 200
        assert client.get(team_page).status_code == 200
    assert set(kinds) == {"svg", "card", "network", "cross-team"}
    # Drawn once each: the two cards and team A's full chart (the phone version is not cached).
    assert [d for d in drawings if not d.endswith("-narrow")] == [
        f"team-{world.team_b.pk}-{rate.pk}", f"team-{world.team_a.pk}-{rate.pk}",
        f"measure-{world.team_a.pk}-{rate.pk}"]


def test_a_team_enrolled_gets_its_card_and_the_others_come_from_the_cache(
        client, world, rate, staff, drawings, two_teams):
    client.force_login(staff)
    before = client.get(two_teams).content.decode()
    assert "all 2 teams" in before
    team_c = EnrollmentFactory(collaborative=world.collaborative, team=world.team_c).team
    give_values(team_c, rate, SHIFTED, staff)
    after = client.get(two_teams).content.decode()
    assert drawings[2:] == [f"team-{team_c.pk}-{rate.pk}"]
    assert team_c.name not in before and team_c.name in after
    assert "all 3 teams" in after  # the network chart's words: drawn again for three teams


def test_a_page_kept_for_one_viewer_is_not_shown_to_another(client, world, rate, staff,
                                                            two_teams):
    """Staff see every team; each coach the teams they coach, whoever came first."""
    seen = {}
    for person in (staff, world.coach_a, world.coach_b, staff, world.coach_a):
        client.force_login(person)
        response = client.get(two_teams)
        seen.setdefault(person.pk, set()).add(
            tuple(card.team_name for card in response.context["rows"]))
    assert seen == {staff.pk: {(world.team_a.name, world.team_b.name)},
                    world.coach_a.pk: {(world.team_a.name,)},
                    world.coach_b.pk: {(world.team_b.name,)}}


def test_the_cards_link_to_the_collaboratives_address_of_the_day(client, world, rate, staff,
                                                                  two_teams):
    client.force_login(staff)
    assert url("team_measure", "attendance-works", world.team_a.pk, rate.pk) in \
        client.get(two_teams).content.decode()
    Collaborative.objects.filter(pk=world.collaborative.pk).update(slug="attendance")
    html = client.get(url("measure_teams", "attendance", rate.pk)).content.decode()
    assert url("team_measure", "attendance", world.team_a.pk, rate.pk) in html
    assert "/attendance-works/" not in html


def test_the_collaboratives_chart_choice_draws_every_card_again(client, world, rate, staff,
                                                                drawings):
    for team, by in ((world.team_a, world.member_a), (world.team_b, world.member_b)):
        give_values(team, rate, FLAT * 2, by)  # enough points for limits
    path = url("measure_teams", "attendance-works", rate.pk)
    client.force_login(staff)
    assert "XmR chart of" not in client.get(path).content.decode()
    Collaborative.objects.filter(pk=world.collaborative.pk).update(default_chart="xmr")
    html = client.get(path).content.decode()
    assert html.count('aria-label="XmR chart of') == 2
    assert "The network: XmR chart" in html
    assert len(drawings) == 4


def test_the_page_from_the_fragment_cache_shows_a_new_value_and_each_viewer_their_teams(
        client, world, rate, staff, fragment_cache, django_assert_max_num_queries):
    """core.fragments keeps the whole page body: a second visit is the session and the account,
    a value entered shows on the next visit, a coach never gets staff's page."""
    give_values(world.team_a, rate, FLAT, world.member_a)
    give_values(world.team_b, rate, FLAT, world.member_b)
    path = url("measure_teams", "attendance-works", rate.pk)
    client.force_login(staff)
    first = client.get(path).content.decode()
    assert first.count('class="sparkline"') == 2 and "Shift (improvement)" not in first
    with django_assert_max_num_queries(3):
        assert client.get(path).status_code == 200
    MeasureValue.objects.filter(team=world.team_a).delete()
    give_values(world.team_a, rate, SHIFTED, world.member_a)
    assert "Shift (improvement)" in client.get(path).content.decode()
    client.force_login(world.coach_b)
    html = client.get(path).content.decode()
    assert world.team_b.name in html and world.team_a.name not in html
