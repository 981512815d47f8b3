"""A team member logs a PDSA cycle from plan to completed in the browser, and a member of another
enrolled team then sees it. Screenshots of the collaborative's pages at laptop and phone width."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collaboratives.models import PDSACycle
from tests.factories import (
    ActionPeriodFactory,
    ChangeIdeaFactory,
    CoachFactory,
    CoachingCallFactory,
    CollaborativeFactory,
    ConveningFactory,
    EnrollmentFactory,
    PDSACycleFactory,
    PhaseFactory,
    TeamAimFactory,
    Tier2TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def collaborative_world():
    today = timezone.localdate()
    collaborative = CollaborativeFactory(
        name="Chronic Absenteeism Breakthrough Collaborative", slug="chronic-absenteeism",
        start=today - timedelta(days=120), end=today + timedelta(days=245),
        aim="Cut chronic absenteeism across member institutions by 20% within one year.")
    start = collaborative.start
    for i, (kind, summary) in enumerate([
            ("learning", "Learn improvement science and study the system."),
            ("testing", "Test change ideas in PDSA cycles."),
            ("spreading", "Spread what works to more classrooms."),
            ("sustaining", "Make the gains last.")]):
        PhaseFactory(collaborative=collaborative, kind=kind, summary=summary,
                     start=start + timedelta(days=i * 91),
                     end=start + timedelta(days=i * 91 + 90))
    period = ActionPeriodFactory(collaborative=collaborative,
                                 opening_convening__title="Winter convening",
                                 closing_convening__title="Spring convening",
                                 closing_convening__format="online",
                                 closing_convening__venue="", closing_convening__address="",
                                 closing_convening__meeting_link="https://meet.example.org/ncsup")
    ConveningFactory(collaborative=collaborative, title="Summer institute",
                     starts_at=timezone.now() + timedelta(days=100))
    idea = ChangeIdeaFactory(primary_driver__collaborative=collaborative,
                             primary_driver__title="Family engagement",
                             title="Text families after a first absence")
    ChangeIdeaFactory(primary_driver=idea.primary_driver, title="Home visits by advisors")
    ChangeIdeaFactory(primary_driver__collaborative=collaborative,
                      primary_driver__title="A welcoming school climate",
                      title="Greet every student at the door")
    coach = CoachFactory(email="coach@ncsup.example.org", first_name="Carmen",
                         last_name="Coach")
    member_a = UserFactory(email="ana@oxford.example.org", first_name="Ana", last_name="Lopez")
    member_b = UserFactory(email="ben@denver.example.org", first_name="Ben", last_name="Reyes")
    team_a = Tier2TeamFactory(name="Oxford School District + University of Mississippi",
                              lead=member_a)
    team_b = Tier2TeamFactory(name="Denver Public Schools + University of Denver", lead=member_b)
    enrollment_a = EnrollmentFactory(collaborative=collaborative, team=team_a, coach=coach)
    enrollment_b = EnrollmentFactory(collaborative=collaborative, team=team_b, coach=coach)
    TeamAimFactory(enrollment=enrollment_a, set_by=member_a)
    for name in ["Chicago Public Schools + University of Illinois Chicago",
                 "Fairfax County Public Schools + George Mason University"]:
        other = EnrollmentFactory(collaborative=collaborative, coach=coach,
                                  team=Tier2TeamFactory(name=name))
        PDSACycleFactory(team=other.team, action_period=period, change_idea=idea, completed=True,
                         title="Morning check-ins", created_by=coach)
    CoachingCallFactory(enrollment=enrollment_a, held_on=today - timedelta(days=4))
    return locals()


def shoot(page, screenshot, name):
    assert "InvalidVarException" not in page.content()  # an unset variable slipped through
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(f"collaboratives-{name}-{size}")
    page.set_viewport_size(SIZES["laptop"])


def test_a_member_logs_a_cycle_from_plan_to_completed_and_another_team_sees_it(
    page, live_server, sign_in, collaborative_world, screenshot
):
    world = collaborative_world
    sign_in(world["member_a"])
    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("link", name="My collaboratives").click()
    page.get_by_role("link", name="Chronic Absenteeism Breakthrough Collaborative").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Chronic Absenteeism Breakthrough Collaborative")
    expect(page.locator(".phase-current")).to_contain_text("Testing")
    shoot(page, screenshot, "home")

    page.get_by_role("link", name="Log a PDSA cycle").click()
    page.get_by_label("Name of the cycle").fill("Same-day texts after a first absence")
    page.get_by_label("Change idea being tested").select_option(
        label="Text families after a first absence")
    page.get_by_label("What question will this cycle answer?").fill(
        "Will a same-day text bring absent sixth graders back sooner?")
    page.get_by_label("What do you predict will happen, and why?").fill(
        "Half of the families reply within a day: texts are read faster than voicemail.")
    shoot(page, screenshot, "cycle-plan")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator(".messages")).to_contain_text("Your cycle is planned")
    expect(page.get_by_role("heading", level=1)).to_contain_text("planned")

    page.get_by_role("link", name="Start the cycle").click()
    page.get_by_role("button", name="Start the cycle").click()  # the plan is not complete yet
    who = page.locator(".field-error").filter(has=page.get_by_label("Who", exact=True))
    expect(who).to_contain_text("Say who will carry out the test.")  # next to its field
    shoot(page, screenshot, "cycle-start-errors")
    page.get_by_label("Who", exact=True).fill("Attendance clerk and grade 6 advisors")
    page.get_by_label("What", exact=True).fill("Text the family of each first absence by noon")
    page.get_by_label("When", exact=True).fill("Two weeks in March")
    page.get_by_label("Where", exact=True).fill("Oxford Middle School, grade 6")
    page.get_by_label("Data to collect").fill("Replies within 24 hours; days absent after")
    page.get_by_role("button", name="Start the cycle").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("in progress")

    page.get_by_role("link", name="Record results and complete").click()
    page.get_by_label("What happened?").fill("We texted 31 families over two weeks.")
    page.get_by_label("Results against the prediction").fill(
        "18 of 31 replied within a day, more than the half we predicted.")
    page.get_by_label("What did you learn?").fill("Families answer texts faster than calls.")
    page.get_by_label("Adopt: keep the change as it is").check()
    page.get_by_label("Next step").fill("Spread the texts to grade 7.")
    shoot(page, screenshot, "cycle-complete")
    page.get_by_role("button", name="Complete the cycle").click()
    expect(page.locator(".messages")).to_contain_text("every team in the collaborative")
    expect(page.get_by_role("heading", level=1)).to_contain_text("completed")
    shoot(page, screenshot, "cycle-detail")
    cycle = PDSACycle.objects.get(title="Same-day texts after a first absence")
    assert (cycle.status, cycle.decision, cycle.team) == ("completed", "adopt", world["team_a"])

    page.get_by_role("button", name="Sign out").click()
    sign_in(world["member_b"])
    page.goto(f"{live_server.url}/collaboratives/chronic-absenteeism/")
    learning = page.locator("section", has_text="Recent learning")
    learning.get_by_role("link", name="Same-day texts after a first absence").click()
    expect(page.locator("main")).to_contain_text("Families answer texts faster than calls.")
    expect(page.locator("main")).to_contain_text(world["team_a"].name)
    expect(page.get_by_role("link", name="Record results and complete")).to_have_count(0)
    shoot(page, screenshot, "cycle-seen-by-another-team")


def test_the_coach_and_the_other_pages(page, live_server, sign_in, collaborative_world,
                                       screenshot):
    world = collaborative_world
    sign_in(world["member_a"])
    base = f"{live_server.url}/collaboratives/chronic-absenteeism"
    page.goto(f"{base}/teams/{world['team_a'].pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(world["team_a"].name)
    shoot(page, screenshot, "workspace")
    page.goto(f"{base}/convenings/{world['period'].closing_convening.pk}/")
    page.get_by_label("I will be there").check()
    page.get_by_role("button", name="Save my answer").click()
    expect(page.locator(".messages")).to_contain_text("your answer is saved")
    shoot(page, screenshot, "convening")
    page.goto(f"{base}/cycles/")
    shoot(page, screenshot, "shared-learning")
    page.goto(f"{base}/drivers/")
    shoot(page, screenshot, "drivers")
    page.goto(f"{live_server.url}/collaboratives/calendar/")
    page.get_by_role("button", name="Create my calendar address").click()
    expect(page.locator("#feed-url")).to_have_value(re.compile(r"/calendar/.+/convenings\.ics$"))
    shoot(page, screenshot, "calendar")
    page.goto(f"{live_server.url}/collaboratives/")
    shoot(page, screenshot, "list")

    page.get_by_role("button", name="Sign out").click()
    sign_in(world["coach"])
    page.goto(f"{live_server.url}/collaboratives/coaching/")
    expect(page.locator("main")).to_contain_text(world["team_b"].name)
    shoot(page, screenshot, "coaching")
    page.goto(f"{base}/drivers/")
    expect(page.get_by_role("heading", name="Add a change idea")).to_be_visible()
    shoot(page, screenshot, "drivers-coach")
    page.goto(f"{live_server.url}/collaboratives/coaching/")
    page.get_by_role("row", name=world["team_a"].name).get_by_role("link",
                                                                   name="Log a call").click()
    page.get_by_label("Ana Lopez").check()
    page.get_by_label("Notes").fill("Looked at the first week of replies together.")
    page.get_by_label("Agreed next steps").fill("Check phone numbers before the next cycle.")
    shoot(page, screenshot, "call-form")
    page.get_by_role("button", name="Log the call").click()
    expect(page.locator(".messages")).to_contain_text("The call is logged.")
    expect(page.locator("#calls")).to_contain_text("Check phone numbers before the next cycle.")
