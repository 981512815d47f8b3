"""Issue 14's journey in one browser session: a new member of a Tier 1 team finds the
introductory course from My portal and finishes its first module, registers for a webinar,
joins a working group, finds a resource in the library (on the group's shelf, and by search)
and asks a university in the directory for an introduction."""

import pytest
from playwright.sync_api import expect

from devdata import learning_demo
from learning.models import Choice, CourseEnrollment, QuizAttempt
from members import services as member_services
from network.models import GroupMembership, Registration
from partners.models import Introduction
from tests.factories import UserFactory
from tests.network.factories import EventFactory, GroupFactory, GroupMembershipFactory
from tests.partners.conftest import dir_world  # noqa: F401 (the fixture)
from tests.resources.conftest import add, tag

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_tier1_team_member_uses_the_whole_offer(page, live_server, sign_in, screenshot,
                                                      dir_world, fees):  # noqa: F811
    w = dir_world
    course = learning_demo.ensure()
    first = course.modules.order_by("position").first()
    webinar = EventFactory(title="Webinar: reading a run chart", capacity=40)
    group = GroupFactory(name="Chronic absenteeism working group", slug="chronic-absenteeism")
    GroupMembershipFactory(group=group, user=w.lea_lead, facilitator=True)
    guide = add(w.staff, "Running your first PDSA cycle", tags=[tag("method", "PDSA")],
                summary="Plan, do, study, act: a worked example on attendance texts.")
    group.shelf.add(guide)

    # Oxford's lead invites a new colleague, who joins the team: enrolled in the course.
    invitation = member_services.seat_invite(team=w.oxford_team, actor=w.lea_lead,
                                             name="Ana Teacher", role="member",
                                             email="ana@oxford.example.org")
    ana = UserFactory(email="ana@oxford.example.org", first_name="Ana", last_name="Teacher")
    member_services.invitation_accept(invitation=invitation, user=ana)
    assert CourseEnrollment.objects.filter(user=ana, course=course).exists()

    # The course, from My portal: the first module's lessons, then its quiz.
    sign_in(ana)
    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("link", name="Continue the course: module 1 of 4").click()
    page.get_by_role("link", name="Begin the first lesson").click()
    lessons = first.lessons.count()
    for number in range(1, lessons + 1):
        page.get_by_role("button", name="Mark as read and take the quiz" if number == lessons
                         else "Mark as read and continue").click()
    for question in first.questions.order_by("position"):
        right = Choice.objects.get(question=question, correct=True)
        page.get_by_label(right.text, exact=True).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("You passed")
    assert QuizAttempt.objects.filter(enrollment__user=ana, module=first, passed=True).exists()

    # A webinar.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Network").click()
    page.get_by_role("link", name=webinar.title).click()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("You are registered").first).to_be_visible()
    assert Registration.objects.get(event=webinar, user=ana).status == "registered"

    # A working group, whose shelf holds a resource from the library.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Network").click()
    page.get_by_role("navigation", name="Network").get_by_role("link", name="Groups").click()
    page.get_by_role("link", name=group.name).click()
    page.get_by_role("button", name="Join this group").click()
    assert GroupMembership.objects.get(group=group, user=ana).status == "active"
    shelf = page.locator("#shelf")
    expect(shelf).to_contain_text(guide.title)
    screenshot("journey-group-shelf")

    # The same resource, found in the library by search.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Resources").click()
    page.get_by_role("searchbox", name="Search").fill("attendance texts")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name=guide.title).click()
    expect(page.locator("h1")).to_have_text(guide.title)

    # A university partner, through the directory: no email shown before they accept.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    page.get_by_role("searchbox", name="Search").fill("absenteeism")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name="University of Denver").click()
    expect(page.locator("main")).not_to_contain_text(w.ihe_lead.email)
    page.get_by_label("Oxford School District").check()
    page.get_by_label("What would you like to work on together?").fill(
        "We are testing texts to families after a first absence; could we compare data?")
    page.get_by_role("button", name="Ask for an introduction").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Your request went to University of Denver's team lead")
    introduction = Introduction.objects.get()
    assert (introduction.requested_by, introduction.status) == (ana, "pending")
