"""Everyone who joins an improvement team is enrolled in the introductory course; others start
it themselves."""

import pytest

from learning.models import CourseEnrollment
from members import services as member_services
from members.models import Invitation
from tests.factories import ApplicationFactory, TeamFactory, UserFactory
from tests.learning.util import course_make

pytestmark = pytest.mark.django_db


def test_an_invitee_who_joins_a_team_is_enrolled(course, immediate_on_commit, tier1, fees):
    lead = UserFactory()
    team = TeamFactory(lead=lead)
    invitation = member_services.seat_invite(team=team, actor=lead, name="Ana Teacher",
                                             email="ana@district.example.org", role="member")
    ana = UserFactory(email="ana@district.example.org")
    member_services.invitation_accept(invitation=invitation, user=ana)
    enrollment = CourseEnrollment.objects.get(user=ana)
    assert enrollment.course == course
    assert enrollment.source == CourseEnrollment.Source.JOINED_TEAM
    assert enrollment.status == CourseEnrollment.Status.IN_PROGRESS
    # Accepting again (the link clicked twice) enrols once.
    member_services.invitation_accept(invitation=Invitation.objects.get(pk=invitation.pk),
                                      user=ana)
    assert CourseEnrollment.objects.filter(user=ana).count() == 1


def test_the_applicant_who_leads_a_new_team_is_enrolled_on_approval(
        course, immediate_on_commit, tier1, fees, staff):
    application = ApplicationFactory(requested_tier=tier1)
    member_services.application_approve(application=application, actor=staff)
    assert CourseEnrollment.objects.filter(user=application.applicant, course=course).exists()


def test_only_published_courses_for_new_members_enrol(immediate_on_commit, tier1, fees, staff):
    course_make(slug="draft", published=False)
    course_make(slug="optional", enrol_new_team_members=False)
    application = ApplicationFactory(requested_tier=tier1)
    member_services.application_approve(application=application, actor=staff)
    assert not CourseEnrollment.objects.exists()


def test_without_commit_nobody_is_enrolled(course, tier1, fees):
    """The signal is sent after the transaction commits: a rolled-back join enrols nobody."""
    lead = UserFactory()
    team = TeamFactory(lead=lead)
    invitation = member_services.seat_invite(team=team, actor=lead, name="Ana",
                                             email="ana@x.example.org", role="member")
    member_services.invitation_accept(invitation=invitation,
                                      user=UserFactory(email="ana@x.example.org"))
    assert not CourseEnrollment.objects.exists()


def test_an_existing_member_starts_the_course_themselves(client, course, team, lead):
    client.force_login(lead)
    page = client.get(course.get_absolute_url())
    assert "Start the course" in page.content.decode()
    response = client.post(course.get_absolute_url())
    first = course.modules.first().lessons.first()
    assert response.status_code == 302
    assert response.url == f"/learn/{course.slug}/lessons/{first.pk}/"
    assert CourseEnrollment.objects.get(user=lead).source == CourseEnrollment.Source.SELF
    client.post(course.get_absolute_url())  # again: still one enrollment
    assert CourseEnrollment.objects.filter(user=lead).count() == 1


def test_people_outside_the_network_cannot_open_the_course(client, course):
    client.force_login(UserFactory())  # signed up, never on a team
    assert client.get(course.get_absolute_url()).status_code == 404
    assert client.post(course.get_absolute_url()).status_code == 404
    assert not CourseEnrollment.objects.exists()
    assert "No course is open yet" in client.get("/learn/").content.decode()


def test_a_draft_course_is_hidden_from_members_and_shown_to_staff(client, team, lead, staff):
    draft = course_make(slug="draft", published=False)
    client.force_login(lead)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(staff)
    page = client.get("/learn/").content.decode()
    assert "Draft: staff only" in page
