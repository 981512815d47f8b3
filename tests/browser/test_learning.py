"""A new Tier 1 team member finds the introductory course from "My portal", reads the first
module's lessons, passes its quiz (after a wrong try), and sees their progress. Runs on the demo
course (devdata/learning_demo.py) and without JavaScript doing anything: lessons are pages."""

import pytest
from playwright.sync_api import expect

from devdata import learning_demo
from learning.models import Choice, CourseEnrollment
from members import services
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_tier1_member_takes_the_first_module(page, live_server, sign_in, screenshot,
                                                    tier1, fees):
    course = learning_demo.ensure()
    first = course.modules.order_by("position").first()
    lead = UserFactory()
    team = TeamFactory(lead=lead, name="Avondale Elementary School District")
    invitation = services.seat_invite(team=team, actor=lead, name="Ana Teacher",
                                      email="ana@avondale.example.org", role="member")
    ana = UserFactory(email="ana@avondale.example.org", first_name="Ana", last_name="Teacher")
    services.invitation_accept(invitation=invitation, user=ana)
    assert CourseEnrollment.objects.get(user=ana).course == course  # enrolled on joining

    sign_in(ana)
    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("link", name="Continue the course: module 1 of 4").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title)
    page.get_by_role("link", name="Begin the first lesson").click()

    lessons = list(first.lessons.order_by("position"))
    for number, lesson in enumerate(lessons, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
        if number == 1:
            screenshot("learning-lesson")
        last = number == len(lessons)
        page.get_by_role("button", name="Mark as read and take the quiz" if last
                         else "Mark as read and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your understanding")
    questions = list(first.questions.order_by("position").prefetch_related("choices"))
    for n, question in enumerate(questions):
        pick = next(c for c in question.choices.all() if c.correct != (n == 0))  # one wrong
        page.get_by_label(pick.text, exact=True).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Not yet passed: {len(questions) - 1} of {len(questions)} right")
    page.get_by_role("link", name="Try again").click()

    page.get_by_role("button", name="Check my answers").click()  # nothing chosen
    expect(page.locator(".error-summary")).to_contain_text("Choose an answer.")
    for question in questions:
        right = Choice.objects.get(question=question, correct=True)
        page.get_by_label(right.text, exact=True).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"You passed: {len(questions)} of {len(questions)} right")
    screenshot("learning-quiz-passed")
    page.get_by_role("link", name="Continue the course").click()
    expect(page.locator(".lesson-module")).to_contain_text("Module 2 of 4")

    page.goto(f"{live_server.url}/portal/")
    expect(page.locator(".course-panel")).to_contain_text("module 2 of 4")
    page.get_by_role("link", name="Learn", exact=True).click()
    page.get_by_role("link", name=course.title).click()
    expect(page.locator(".course-progress")).to_contain_text("1 of 4 modules complete")
    expect(page.locator(".module").first).to_contain_text("Passed")
