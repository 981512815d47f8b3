"""Each measure's chart (run chart with the IHI or Anhøj rules, XmR, p, u, Laney p' and u'),
numerators and denominators (form, CSV, network sums), the fallback to the run chart, baselines
in later phases, and the cross-team page's weight at 100 teams."""

import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from collaboratives.cycles.selectors import cycles_visible_to
from collaboratives.measures import chart_cards, chartkinds, charts
from collaboratives.measures.charts import chart_from_snapshot, charts_for, snapshot
from collaboratives.measures.csv_import import CsvRejected, values_import
from collaboratives.measures.services import measure_phase_add
from collaboratives.models import MeasureValue
from tests.collaboratives.util import url
from tests.factories import EnrollmentFactory, MeasureFactory
from tests.once import token

pytestmark = pytest.mark.django_db


def monday(weeks_ago):
    today = timezone.localdate()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


def give(team, measure, values, by, counts=None):
    n = len(values)
    MeasureValue.objects.bulk_create([
        MeasureValue(team=team, measure=measure, period=monday(n - i), value=Decimal(str(v)),
                     numerator=None if counts is None else Decimal(counts[i][0]),
                     denominator=None if counts is None else Decimal(counts[i][1]),
                     entered_by=by) for i, v in enumerate(values)])


# Provost & Murray (2011) style I chart: 24 weekly values around 20 with one week at 31: the
# average moving range of this series is 1.0 except around the spike, so 31 lies far above
# the upper limit (mean + 2.66 x AMR) and is the only point outside.
STEADY = [20, 21, 20, 19, 20, 21, 20, 19, 20, 21, 20, 19, 20, 31, 20, 19, 20, 21, 20, 19, 20,
          21, 20, 19]


@pytest.fixture
def xmr(world):
    world.collaborative.default_chart = "xmr"
    world.collaborative.save()
    return MeasureFactory(collaborative=world.collaborative, name="Minutes late")


def chart_of(world, measure, team=None, size="full"):
    team = team or world.team_a
    return charts_for(teams=[team], measures=[measure], size=size,
                      cycles=cycles_visible_to(world.member_a, world.collaborative))[
        team.pk, measure.pk]


def test_the_collaborative_default_draws_an_xmr_chart_with_its_moving_range(client, world,
                                                                             xmr):
    give(world.team_a, xmr, STEADY, world.member_a)
    client.force_login(world.member_a)
    response = client.get(url("team_measure", "attendance-works", world.team_a.pk, xmr.pk))
    html = response.content.decode()
    chart = response.context["chart"]
    assert chart.is_control and chart.kind_label == "XmR chart"
    assert "Moving range (difference from the point before)" in html
    assert "the mean ± 2.66 x the average moving range" in chart.rules_text
    assert "Shewhart rules of The Health Care Data Guide" in html
    assert "The collaborative&#x27;s default chart." in html
    outside = [i for i in chart.signal_items if i["label"].startswith("Point outside")]
    assert len(outside) == 1
    assert f"{monday(len(STEADY) - 13):%-d %b %Y}" in outside[0]["text"]
    # shape AND colour: the outside point is a triangle, named in the legend in words
    assert 'class="signal-outside"' in chart.svg and "Outside the limits" in chart.svg
    assert "<desc" in chart.svg and "Point outside the limits" in chart.svg


def test_too_few_points_for_a_control_chart_say_so_and_draw_the_run_chart(client, world, xmr):
    give(world.team_a, xmr, STEADY[:12], world.member_a)
    chart = chart_of(world, xmr)
    assert not chart.is_control and chart.uses_ihi
    assert any("12 usable points, and control limits need at least 20. Showing the run chart "
               "instead." in note for note in chart.notes)


def test_all_values_equal_invent_no_signal(world, xmr):
    give(world.team_a, xmr, [12] * 24, world.member_a)
    chart = chart_of(world, xmr)
    assert chart.is_control and chart.signal_items == []
    assert any("same" in note.lower() or "zero" in note.lower() or "equal" in note.lower()
               for note in chart.notes)


def test_a_run_chart_read_with_anhoej_rules_names_the_long_run(world):
    measure = MeasureFactory(collaborative=world.collaborative, run_rules="anhoej")
    # 12 points below then 12 above the median: the longest run (12) is above
    # round(log2(24) + 3) = 8 (Anhøj & Olesen 2014)
    give(world.team_a, measure, [10 + (i % 3) * 0.1 for i in range(12)]
         + [15 + (i % 3) * 0.1 for i in range(12)], world.member_a)
    chart = chart_of(world, measure)
    labels = [i["label"] for i in chart.signal_items]
    assert any(label.startswith("Unusually long run") for label in labels)
    assert "more than the 8 expected by chance" in " ".join(i["text"] for i in chart.signal_items)
    assert "Anhøj" in chart.rules_text
    # its data table names Anhøj's signal, not the IHI rules'
    rows = chart.control_rows
    assert rows[-1]["signals"].startswith("Unusually long run")
    assert not any("Shift" in row["signals"] for row in rows)


def test_the_csv_template_has_count_columns_once_a_measure_is_counted(client, world):
    counted_measure(world)
    client.force_login(world.member_a)
    body = client.get(url("csv_template", "attendance-works")).content.decode("utf-8-sig")
    header, example = body.splitlines()[:2]
    assert header == "measure,period,value,numerator,denominator,note"
    assert ",,42,350," in example


def counted_measure(world, **extra):
    return MeasureFactory(collaborative=world.collaborative, name="Chronic absence (counted)",
                          counted=True, **extra)


def test_p_chart_with_large_denominators_recommends_laney_in_plain_words(world):
    measure = counted_measure(world, chart="p")
    rng = random.Random(17)
    counts = []
    for _ in range(24):  # 5,000 students, a true rate wandering 14-22% week to week
        p = 0.18 + rng.uniform(-0.04, 0.04)
        counts.append((round(5000 * p), 5000))
    give(world.team_a, measure, [100 * a / b for a, b in counts], world.member_a, counts)
    chart = chart_of(world, measure)
    assert chart.kind_label == "p chart"
    assert any(note.startswith("The portal recommends Laney's chart here. Use the Laney p' "
                               "chart") for note in chart.notes)
    measure.chart = "p_prime"
    measure.save()
    prime = chart_of(world, measure)
    assert prime.kind_label == "Laney p' chart"
    # the p' limits are wider than the p limits: fewer points outside
    assert len(prime.signal_items) < len(chart.signal_items)
    # limits vary with the denominator: stepped paths, in percent
    assert 'class="controlchart-limit"' in prime.svg and "%" in prime.svg


def test_a_counted_value_is_computed_and_bad_counts_are_refused_next_to_the_field(client,
                                                                                   world):
    measure = counted_measure(world)
    client.force_login(world.member_a)
    path = url("value_add", "attendance-works", world.team_a.pk, measure.pk)
    day = monday(1).isoformat()
    for numerator, denominator, field, words in [
            ("42", "0", "denominator", "is 0; there is nothing to divide by"),
            ("400", "350", "numerator", "is greater than the denominator 350"),
            ("-3", "350", "numerator", "cannot be negative"),
            ("", "350", "numerator", "required"),
            ("42", "=A1", "denominator", "looks like a spreadsheet formula")]:
        response = client.post(path, {**token(), "day": day, "numerator": numerator,
                                      "denominator": denominator})
        assert response.status_code == 400
        form = response.context["value_form"]
        assert words in " ".join(form.errors[field])
        assert form.data["numerator"] == numerator  # nothing typed is lost
    assert not MeasureValue.objects.exists()
    response = client.post(path, {**token(), "day": day, "numerator": "42",
                                  "denominator": "350"})
    assert response.status_code == 302
    row = MeasureValue.objects.get()
    assert (row.numerator, row.denominator, row.value) == (Decimal(42), Decimal(350),
                                                           Decimal("12.0000"))


def test_csv_counts_import_all_or_nothing_with_line_numbers(world):
    measure = counted_measure(world)
    plain = MeasureFactory(collaborative=world.collaborative, name="Attendance")
    week = monday(2).isoformat()
    bad = (f"measure,period,numerator,denominator\n"
           f"{measure.name},{week},12,0\n"
           f"{measure.name},{monday(3).isoformat()},400,350\n"
           f"{measure.name},{monday(4).isoformat()},-1,350\n"
           f"{plain.name},{week},,\n"
           f"{measure.name},{monday(5).isoformat()},30,350\n").encode()
    with pytest.raises(CsvRejected) as error:
        values_import(team=world.team_a, collaborative=world.collaborative,
                      actor=world.member_a, raw=bad)
    rows = {row.line: " ".join(row.reasons) for row in error.value.rows}
    assert set(rows) == {2, 3, 4, 5}
    assert "denominator is 0" in rows[2]
    assert "greater than the denominator" in rows[3]
    assert "cannot be negative" in rows[4]
    assert "takes a single value: add a value column" in rows[5]
    assert not MeasureValue.objects.exists()
    good = (f"measure,period,value,numerator,denominator\n"
            f"{measure.name},{week},,35,350\n{plain.name},{week},91.5,,\n").encode()
    result = values_import(team=world.team_a, collaborative=world.collaborative,
                           actor=world.member_a, raw=good)
    assert result.rows == 2
    assert MeasureValue.objects.get(measure=measure).value == Decimal("10.0000")


def test_the_network_chart_sums_numerators_and_denominators(client, world, staff):
    measure = counted_measure(world)
    # team A: 1 of 10 (10%), team B: 50 of 100 (50%) every week. The network is 51 of 110
    # (46.36%), not the average of the two percentages (30%).
    give(world.team_a, measure, [10] * 5, world.member_a, [(1, 10)] * 5)
    give(world.team_b, measure, [50] * 5, world.member_b, [(50, 100)] * 5)
    network = chart_cards.network_chart(measure=measure,
                                        team_ids=[world.team_a.pk, world.team_b.pk],
                                        teams_label="all 2 teams")
    assert {v for _, v in network.points} == {Decimal("46.3636")}
    assert network.counts[0] == (Decimal(51), Decimal(110))
    client.force_login(staff)
    response = client.get(url("measure_teams", "attendance-works", measure.pk))
    html = response.content.decode()
    assert "numerators and denominators summed across all 2 teams" in html


def test_a_later_phase_freezes_its_limits_from_its_first_points(world, xmr):
    give(world.team_a, xmr, [*STEADY, 15, 14, 15, 16, 15, 14, 15, 16, 30, 31, 29, 30],
         world.member_a)
    measure_phase_add(team=world.team_a, measure=xmr, actor=world.member_a,
                      starts_on=monday(12), label="Texts home", baseline_points=8)
    chart = chart_of(world, xmr)
    later = chart.kind.control.phases[1]
    assert later.basis == "baseline" and later.points_used == 8
    assert later.centre == pytest.approx(15.0)
    # the last four points (about 30) lie far above the frozen phase's limits
    assert any(i["label"].startswith("Point outside") and "above" in i["text"]
               for i in chart.signal_items)


def test_a_control_chart_prints_from_its_snapshot(world, xmr):
    give(world.team_a, xmr, STEADY, world.member_a)
    chart = chart_of(world, xmr)
    again = chart_from_snapshot(snapshot(chart))
    assert again.is_control and again.kind_label == "XmR chart"
    assert again.signal_items == chart.signal_items
    assert "paint-order" not in again.svg


def test_chart_choice_falls_back_to_xmr_without_counts(world):
    world.collaborative.default_chart = "p_prime"
    world.collaborative.save()
    measure = MeasureFactory(collaborative=world.collaborative)
    choice = chartkinds.chart_choice(measure)
    assert choice.kind == "xmr" and "needs numerators and denominators" in choice.why


WEEKS = 156  # three years of weekly values a team


def test_the_cross_team_page_at_100_teams_is_under_300_kb_in_constant_queries(
        client, world, staff, django_assert_max_num_queries):
    measure = counted_measure(world, chart="p_prime")
    rng = random.Random(3)
    path = url("measure_teams", "attendance-works", measure.pk)
    client.force_login(staff)

    def add(n):
        for _ in range(n):
            team = EnrollmentFactory(collaborative=world.collaborative).team
            counts = [(rng.randint(20, 60), 350) for _ in range(WEEKS)]
            give(team, measure, [100 * a / b for a, b in counts], staff, counts)

    def load():
        with django_assert_max_num_queries(19) as queries:
            response = client.get(path)
        assert response.status_code == 200
        return len(queries.captured_queries), response

    add(1)
    at_3, _ = load()
    add(97)
    at_100, response = load()
    assert len(response.context["rows"]) == 100
    size = len(response.content)
    print(f"\ncross-team page at 100 teams x {WEEKS} weeks: {size / 1024:.0f} KB, "
          f"{at_100} queries (3 teams: {at_3})")
    assert size < 300 * 1024
    assert at_3 == at_100
    html = response.content.decode()
    # the network chart comes first, then the small multiples, each linking to its team
    assert html.index('id="network-title"') < html.index('class="sparkline"')
    # the world's two teams have no values yet: a card says so instead of drawing a line
    assert html.count('class="sparkline"') == 98 and html.count("No values yet.") == 2
    team = response.context["rows"][0].team_id
    assert url("team_measure", "attendance-works", team, measure.pk) in html
    # a card draws the latest year and says so; the team's own chart draws all three
    assert f"the latest 52 of {WEEKS} points" in html


def test_the_cross_team_page_stays_staff_and_coach_only(client, world):
    measure = counted_measure(world)
    for person in (world.member_a, world.outsider):
        client.force_login(person)
        assert client.get(url("measure_teams", "attendance-works", measure.pk)).status_code \
            == 404


def test_a_card_draws_nothing_but_a_sparkline(world):
    measure = counted_measure(world, chart="p")
    counts = [(35 + (i * 7) % 15, 350) for i in range(30)]
    give(world.team_a, measure, [100 * a / b for a, b in counts], world.member_a, counts)
    team = chart_cards.TeamRow(world.team_a.pk, world.team_a.name, "Norma", "Carter",
                               "norma.carter@ncsup.example.org")
    [card] = chart_cards.cards_for(teams=[team], measure=measure, slug="attendance-works",
                                   cycles=cycles_visible_to(world.member_a,
                                                            world.collaborative))
    assert (card.team_id, card.has_data) == (world.team_a.pk, True)
    figure = re.search(r"<svg.*?</svg>", card.html, re.S).group()
    assert figure.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="sparkline"')
    assert len(figure) < 2500 and 'aria-label="p chart of ' in figure
    assert "Coach: Norma Carter" in card.html
    assert charts.CHART_CACHE_VERSION >= 4


def test_measure_form_defines_a_counted_p_prime_measure(client, world, staff):
    client.force_login(staff)
    response = client.post(url("measure_create", "attendance-works"), {
        **token(), "name": "Enrolled students chronically absent", "kind": "outcome",
        "operational_definition": "Students absent 10% or more, of students enrolled.",
        "unit": "percent", "better": "down", "sampling": "monthly", "counted": "on",
        "chart": "p_prime", "run_rules": ""})
    assert response.status_code == 302
    measure = world.collaborative.measures.get(name="Enrolled students chronically absent")
    assert (measure.counted, measure.chart, measure.rate_scale) == (True, "p_prime", 1)
    response = client.post(url("measure_create", "attendance-works"), {
        **token(), "name": "Absences", "kind": "outcome", "operational_definition": "Days.",
        "unit": "count", "better": "down", "sampling": "monthly", "chart": "u"})
    assert response.status_code == 200
    assert "needs numerators and denominators" in " ".join(
        response.context["form"].errors["chart"])


def test_the_network_chart_is_drawn_once_until_its_data_change(client, world, staff,
                                                               monkeypatch):
    measure = counted_measure(world)
    give(world.team_a, measure, [10, 20] * 10, world.member_a, [(1, 10), (2, 10)] * 10)
    drawn = []
    real = chartkinds.draw

    def draw(result, **kw):
        drawn.append(kw["chart_id"])
        return real(result, **kw)
    monkeypatch.setattr(chartkinds, "draw", draw)
    measure.chart = "p"
    measure.save()
    client.force_login(staff)
    path = url("measure_teams", "attendance-works", measure.pk)
    for _ in range(2):
        assert client.get(path).status_code == 200
    assert drawn == [f"network-{measure.pk}", f"network-{measure.pk}-narrow"]
    give(world.team_b, measure, [50] * 20, world.member_b, [(50, 100)] * 20)
    client.get(path)
    assert len(drawn) == 4
