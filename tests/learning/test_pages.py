"""The team's progress, completion per institution, the dashboard panel, lessons' Markdown and
video, and every page's query count at two data sizes."""

import pytest
from django.core.files.base import ContentFile

from learning import services
from learning.markdown import lesson_html
from learning.models import Lesson, LessonFile
from members.models import Role, TeamMember
from tests.factories import CoachFactory, EnrollmentFactory, TeamFactory, UserFactory
from tests.learning.util import answers

pytestmark = pytest.mark.django_db


def _member(team, role=Role.MEMBER):
    return TeamMember.objects.create(team=team, user=UserFactory(), role=role).user


def _finish(course, user):
    for module in course.modules.all():
        for lesson in module.lessons.all():
            services.lesson_done(lesson=lesson, user=user)
        services.quiz_submit(module=module, user=user, answers=answers(module))


def test_the_lead_sees_the_teams_progress(client, course, team, lead):
    reader, finisher, idle = _member(team), _member(team), _member(team)
    services.lesson_done(lesson=course.modules.first().lessons.first(), user=reader)
    _finish(course, finisher)
    services.course_enroll(course=course, user=idle)
    client.force_login(lead)
    page = client.get(f"/learn/{course.slug}/teams/{team.pk}/").content.decode()
    assert reader.display_name in page and "1 of 4" in page
    assert "Completed" in page and "2 of 2" in page  # the finisher's quizzes
    assert page.count("Not started") == 1  # the lead, who never started


def test_a_team_member_another_lead_and_another_coach_are_refused(client, course, team):
    url = f"/learn/{course.slug}/teams/{team.pk}/"
    client.force_login(_member(team))
    assert client.get(url).status_code == 404
    client.force_login(TeamFactory(lead=UserFactory()).members.get().user)
    assert client.get(url).status_code == 404
    client.force_login(EnrollmentFactory().coach)  # coaches another team
    assert client.get(url).status_code == 404


def test_the_teams_coach_and_staff_see_it(client, course, staff):
    enrollment = EnrollmentFactory(team__lead=UserFactory())
    url = f"/learn/{course.slug}/teams/{enrollment.team_id}/"
    client.force_login(enrollment.coach)
    assert client.get(url).status_code == 200
    client.force_login(staff)
    assert client.get(url).status_code == 200


def test_staff_see_completion_per_institution(client, course, staff):
    team = TeamFactory(lead=UserFactory())
    institution = team.membership.institutions.get()
    _finish(course, _member(team))
    services.course_enroll(course=course, user=_member(team))
    client.force_login(staff)
    page = client.get(f"/learn/{course.slug}/institutions/").content.decode()
    assert institution.name in page
    assert "1 of 3" in page  # one of the lead and two members finished
    found = client.get(f"/learn/{course.slug}/institutions/?q=nothing-like-it").content.decode()
    assert "No current member institution matches" in found


def test_members_and_coaches_cannot_see_completion_per_institution(client, course, team, lead):
    client.force_login(lead)
    assert client.get(f"/learn/{course.slug}/institutions/").status_code == 404
    client.force_login(CoachFactory())
    assert client.get(f"/learn/{course.slug}/institutions/").status_code == 404


def test_the_dashboard_says_which_module_comes_next(client, course, team, lead):
    client.force_login(lead)
    page = client.get("/portal/").content.decode()
    assert "Start the course" in page  # not enrolled yet
    first = course.modules.first()
    for lesson in first.lessons.all():
        services.lesson_done(lesson=lesson, user=lead)
    services.quiz_submit(module=first, user=lead, answers=answers(first))
    page = client.get("/portal/").content.decode()
    assert "Continue the course: module 2 of 2" in page
    assert 'href="/learn/"' in page  # the Learn link in the navigation


def test_lesson_markdown_keeps_the_safe_subset_and_drops_the_rest():
    html = lesson_html("# Title\n\n- one\n- *two*\n\n[ok](https://example.org) "
                       "[bad](javascript:alert(1)) <script>alert(1)</script> "
                       "<b onclick=x>b</b> ![img](https://example.org/x.png)")
    assert "<h2>Title</h2>" in html and "<li><em>two</em></li>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert 'href="javascript' not in html
    assert "<script" not in html and "<b " not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;b onclick=x&gt;" in html  # shown as text


def test_a_video_shows_as_a_titled_link_and_files_download_after_the_check(client, course, team,
                                                                          lead):
    lesson = course.modules.first().lessons.first()
    Lesson.objects.filter(pk=lesson.pk).update(video_url="https://vimeo.com/76979871",
                                               video_title="Run charts in six minutes")
    download = LessonFile(lesson=lesson, title="PDSA worksheet", size=8)
    download.file.save("worksheet.pdf", ContentFile(b"%PDF-1.4 x"), save=True)
    client.force_login(lead)
    page = client.get(f"/learn/{course.slug}/lessons/{lesson.pk}/").content.decode()
    assert 'href="https://vimeo.com/76979871"' in page
    assert "Watch: Run charts in six minutes" in page and "<iframe" not in page
    response = client.get(f"/learn/{course.slug}/files/{download.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"
    client.force_login(UserFactory())  # not in the network
    assert client.get(f"/learn/{course.slug}/files/{download.pk}/").status_code == 404


def _grow(course, team, n):
    for _ in range(n):
        user = _member(team)
        services.lesson_done(lesson=course.modules.first().lessons.first(), user=user)
        services.quiz_submit(module=course.modules.first(), user=user,
                             answers=answers(course.modules.first(), wrong=1))


@pytest.mark.parametrize("path", [
    "/learn/", "/learn/{slug}/", "/learn/{slug}/lessons/{lesson}/",
    "/learn/{slug}/modules/{module}/quiz/", "/learn/{slug}/teams/{team}/",
    "/learn/{slug}/institutions/", "/portal/"])
def test_pages_cost_the_same_queries_for_more_people(client, course, team, lead, staff,
                                                     django_assert_max_num_queries, path):
    module = course.modules.first()
    url = path.format(slug=course.slug, lesson=module.lessons.first().pk, module=module.pk,
                      team=team.pk)
    _finish(course, lead)
    client.force_login(staff if "institutions" in path else lead)
    _grow(course, team, 2)
    TeamFactory(lead=UserFactory())
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    _grow(course, team, 12)
    for _ in range(5):
        TeamFactory(lead=UserFactory())
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
