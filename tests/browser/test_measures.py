"""A team member uploads a CSV of values and sees the run chart flag the shift; a coach compares
teams and publishes the change package, which members read. Screenshots of every measures and
change-package page at laptop and phone width."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collaboratives.changepackages.selectors import published_of
from collaboratives.measures.services import astronomical_mark, team_measure_set
from collaboratives.models import Enrollment, MeasureValue
from tests.browser.test_accessibility import violations
from tests.factories import (
    ActionPeriodFactory,
    ChangeIdeaFactory,
    CoachFactory,
    CollaborativeFactory,
    EnrollmentFactory,
    InstitutionFactory,
    MeasureFactory,
    PDSACycleFactory,
    TeamAimFactory,
    Tier2TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
BASELINE = [21.4, 22.8, 20.9, 23.5, 22.1, 21.0, 23.9, 22.4, 21.7, 22.9, 21.2, 23.1]
AFTER = [19.8, 18.6, 19.1, 17.9, 18.2, 17.4, 16.9, 17.6]


def monday(weeks_ago):
    today = timezone.localdate()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


@pytest.fixture
def measures_world():
    today = timezone.localdate()
    collaborative = CollaborativeFactory(
        name="Chronic Absenteeism Breakthrough Collaborative", slug="chronic-absenteeism",
        start=today - timedelta(days=200), end=today + timedelta(days=165))
    period = ActionPeriodFactory(collaborative=collaborative)
    idea = ChangeIdeaFactory(primary_driver__collaborative=collaborative,
                             primary_driver__title="Family engagement",
                             title="Text families after a first absence",
                             description="A same-day text from the attendance clerk, in the "
                                         "family's language.")
    coach = CoachFactory(email="coach@ncsup.example.org", first_name="Carmen",
                         last_name="Coach")
    member = UserFactory(email="ana@oxford.example.org", first_name="Ana", last_name="Lopez")
    team = Tier2TeamFactory(name="Oxford School District + University of Mississippi",
                            lead=member)
    team.membership.institutions.add(InstitutionFactory(ihe=True,
                                                        name="University of Mississippi"))
    enrollment = EnrollmentFactory(collaborative=collaborative, team=team, coach=coach,
                                   grade_band="middle", locale="rural")
    TeamAimFactory(enrollment=enrollment, set_by=member,
                   by_when=today + timedelta(days=150))
    rate = MeasureFactory(
        collaborative=collaborative, name="Chronic absenteeism rate", goal=Decimal("15"),
        operational_definition="Students absent 10% or more of the days they were enrolled, "
                               "to date this school year, divided by all enrolled students.")
    calls = MeasureFactory(
        collaborative=collaborative, name="Families reached within a day", kind="process",
        unit="percent", better="up",
        operational_definition="First absences whose family was reached the same or the next "
                               "school day, divided by all first absences that week.")
    others = []
    for n, name in enumerate(["Chicago Public Schools + University of Illinois Chicago",
                              "Denver Public Schools + University of Denver",
                              "Fairfax County Public Schools + George Mason University"]):
        other = EnrollmentFactory(collaborative=collaborative, coach=coach,
                                  team=Tier2TeamFactory(name=name),
                                  locale=["urban", "urban", "suburban"][n])
        values = [24 - (n + 1) * 0.3 * (i > 10) * (i - 10) + (i * 7 % 5) / 2 for i in range(20)]
        MeasureValue.objects.bulk_create([
            MeasureValue(team=other.team, measure=rate, period=monday(20 - i),
                         value=Decimal(str(round(v, 1))), entered_by=coach)
            for i, v in enumerate(values)])
        others.append(other)
    cycle = PDSACycleFactory(team=others[0].team, action_period=period, change_idea=idea,
                             completed=True, decision="adopt", title="Texts in two languages",
                             learning="Families answered texts in Spanish within the hour.")
    cycle.measures.add(rate)
    PDSACycleFactory(team=team, action_period=period, change_idea=idea, in_progress=True,
                     in_progress_at=timezone.now() - timedelta(days=60),
                     title="Same-day texts, grade 6").measures.add(rate)
    return locals()


def shoot(page, screenshot, name):
    """Screenshots at laptop and phone width, and axe-core at both: no serious or critical
    accessibility violation."""
    page.wait_for_load_state("load")
    assert "InvalidVarException" not in page.content()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    problems = []
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(f"measures-{name}-{size}")
        problems += [f"{name} @{size}: {line}" for line in violations(page)]
    page.set_viewport_size(SIZES["laptop"])
    assert problems == []


def csv_file(rows):
    body = "measure,period,value,note\n" + "".join(
        f"{measure},{day},{value},{note}\n" for measure, day, value, note in rows)
    return {"name": "oxford-weekly.csv", "mimeType": "text/csv",
            "buffer": ("\ufeff" + body).encode()}


def test_a_member_uploads_a_csv_and_sees_the_shift_flagged(page, live_server, sign_in,
                                                           measures_world, screenshot):
    world = measures_world
    values = BASELINE + AFTER
    rows = [("Chronic absenteeism rate", f"{d.month}/{d.day}/{d.year}" if i % 2 else d, v,
             "Snow day Tuesday" if i == 5 else "")
            for i, (d, v) in enumerate((monday(len(values) - i), v)
                                       for i, v in enumerate(values))]
    rows += [("Families reached within a day", monday(len(values) - i), 40 + 2 * i, "")
             for i in range(len(values))]
    sign_in(world["member"])
    page.goto(f"{live_server.url}/collaboratives/chronic-absenteeism/")
    page.get_by_role("navigation", name=world["collaborative"].name).get_by_role(
        "link", name="Measures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Measures")
    shoot(page, screenshot, "list")

    page.goto(f"{live_server.url}/collaboratives/chronic-absenteeism/teams/"
              f"{world['team'].pk}/")
    page.get_by_role("link", name="Our run charts").click()
    page.get_by_role("link", name="Upload a CSV of values").click()
    # First a file with a mistake: nothing goes in, and the page says which line.
    bad = [*rows[:3], ("Chronic absenteeism rate", "13/45/2026", "abc", "")]
    page.get_by_label("CSV file").set_input_files(csv_file(bad))
    page.get_by_role("button", name="Upload and import").click()
    errors = page.locator("#csv-errors")
    expect(errors).to_contain_text("Nothing was imported: 1 of 4 rows has a problem.")
    expect(errors.get_by_role("row", name="5")).to_contain_text("“13/45/2026” is not a real date")
    assert not MeasureValue.objects.filter(team=world["team"]).exists()
    shoot(page, screenshot, "upload-errors")

    page.get_by_label("CSV file").set_input_files(csv_file(rows))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator(".messages")).to_contain_text("Imported 40 values (40 new, 0 updated)")
    expect(page.get_by_role("heading", level=1)).to_contain_text("measures")
    shoot(page, screenshot, "team-dashboard")

    page.get_by_role("link", name="Chronic absenteeism rate", exact=True).click()
    # Freeze the baseline at the first twelve weeks, as the team's coach suggested.
    page.get_by_label("Freeze the baseline at the first").fill("12")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("baseline and goal are saved")
    chart = page.locator(".runchart-wide svg.runchart")
    expect(chart).to_be_visible()
    expect(page.locator(".runchart-narrow svg.runchart")).to_be_hidden()  # the phone's copy
    expect(chart.locator(".runchart-legend")).to_contain_text("Shift")
    assert chart.locator("circle.runchart-shift").count() == len(AFTER)
    expect(chart.locator("desc")).to_contain_text(
        f"a shift of {len(AFTER)} points below the median")
    expect(page.locator(".signal-list")).to_contain_text(
        f"Shift (improvement) {len(AFTER)} points in a row below the median")
    table = page.locator("details.runchart-data table")
    expect(table).to_be_hidden()  # collapsed under the chart until asked for
    page.get_by_text("Data table").click()
    expect(table).to_be_visible()
    last = table.locator("tbody tr").last
    expect(last).to_contain_text("below median")
    expect(last).to_contain_text("Shift (improvement)")
    expect(table).to_contain_text("Same-day texts, grade 6")  # the team's cycle on the chart
    shoot(page, screenshot, "team-measure")

    # The next cycle names the measure it should move, so it is marked on the chart.
    page.goto(f"{live_server.url}/collaboratives/chronic-absenteeism/teams/"
              f"{world['team'].pk}/cycles/new/")
    page.get_by_label("Name of the cycle").fill("Texts in Spanish")
    page.get_by_label("Change idea being tested").select_option(
        label="Text families after a first absence")
    page.get_by_label("What question will this cycle answer?").fill("Do families reply?")
    page.get_by_label("What do you predict will happen, and why?").fill("Most will.")
    page.get_by_role("group", name="Measures this change should move").get_by_label(
        "Chronic absenteeism rate").check()
    shoot(page, screenshot, "cycle-plan")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator(".facts")).to_contain_text("Chronic absenteeism rate")


def test_the_coach_compares_teams_and_publishes_the_change_package(
        page, live_server, sign_in, measures_world, screenshot, immediate_on_commit):
    world = measures_world
    MeasureValue.objects.bulk_create([
        MeasureValue(team=world["team"], measure=world["rate"], period=monday(20 - i),
                     value=Decimal(str(v)), entered_by=world["member"])
        for i, v in enumerate(BASELINE + AFTER)])
    team_measure_set(team=world["team"], measure=world["rate"], actor=world["coach"],
                     baseline_points=12)
    astronomical_mark(value=MeasureValue.objects.filter(team=world["team"])
                      .order_by("period")[3], actor=world["coach"],
                      reason="Flu outbreak: 40 students out for three days.")
    sign_in(world["coach"])
    base = f"{live_server.url}/collaboratives/chronic-absenteeism"
    page.goto(f"{base}/measures/")
    page.get_by_role("link", name="Compare the teams you coach").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chronic absenteeism rate")
    # The network's chart first, then a small card a team, the teams with a signal first.
    expect(page.locator("#network-title")).to_be_visible()
    cards = page.locator(".spark-card")
    expect(cards).to_have_count(4)
    expect(cards.filter(has_text=world["team"].name)).to_contain_text("Shift")
    shoot(page, screenshot, "across-teams")
    page.goto(f"{base}/teams/{world['team'].pk}/measures/{world['rate'].pk}/")
    expect(page.get_by_role("heading", name="Mark a point (coach)")).to_be_visible()
    shoot(page, screenshot, "team-measure-coach")
    page.goto(f"{base}/measures/new/")
    shoot(page, screenshot, "define")
    page.goto(f"{base}/measures/{world['rate'].pk}/edit/")
    shoot(page, screenshot, "edit")

    page.goto(f"{base}/change-package/")
    page.get_by_role("link", name="Compile the next version").click()
    shoot(page, screenshot, "package-start")
    page.get_by_role("button", name="Start version 1").click()
    page.get_by_label("Adopted change idea", exact=True).select_option(
        label="Text families after a first absence")
    page.get_by_label("For whom and under what conditions").fill(
        "Adopted by urban partnerships first; works where the clerk checks phone numbers "
        "before the first text.")
    page.get_by_role("button", name="Add to the draft").click()
    expect(page.locator(".messages")).to_contain_text("is in the draft")
    shoot(page, screenshot, "package-draft")
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.locator(".messages")).to_contain_text("Version 1 is published")

    page.get_by_role("button", name="Sign out").click()
    sign_in(world["member"])
    page.goto(f"{base}/")
    page.get_by_role("link", name="Change package", exact=True).first.click()
    page.get_by_role("link", name="Read it").click()
    expect(page.locator("main")).to_contain_text("Text families after a first absence")
    expect(page.locator("main")).to_contain_text("Adopted by urban partnerships first")
    expect(page.get_by_role("link", name="Download the PDF")).to_be_visible()
    shoot(page, screenshot, "package")
    package = published_of(world["collaborative"]).get()
    assert package.pdf_path
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    download.value.save_as(SCREENSHOTS / "measures-change-package.pdf")
    assert (SCREENSHOTS / "measures-change-package.pdf").read_bytes().startswith(b"%PDF")
    assert Enrollment.objects.get(team=world["team"]).locale == "rural"
