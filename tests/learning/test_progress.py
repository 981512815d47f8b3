"""Reading lessons, taking quizzes (scored, kept, retried), finishing and the certificate."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from pypdf import PdfReader

from learning import selectors, services
from learning.models import Completion, CourseEnrollment, QuizAttempt
from tests.factories import UserFactory
from tests.learning.util import answers, course_make, quiz_post
from tests.once import token

pytestmark = pytest.mark.django_db


def _progress(course, user):
    return selectors.progress_of(selectors.enrollment_of(course, user),
                                 selectors.course_outline(course))


def test_progress_counts_lessons_read_and_quizzes_passed(course, lead, team):
    first, second = course.modules.all()
    assert _progress(course, lead).percent == 0
    for lesson in first.lessons.all():
        services.lesson_done(lesson=lesson, user=lead)
    services.lesson_done(lesson=first.lessons.first(), user=lead)  # read twice counts once
    progress = _progress(course, lead)
    assert (progress.lessons_done, progress.lessons_total) == (2, 4)
    assert progress.percent == 33  # 2 of 6 steps (4 lessons, 2 quizzes)
    assert progress.current.module == first  # module 1 waits for its quiz
    assert progress.next_step == ("quiz", first)
    services.quiz_submit(module=first, user=lead, answers=answers(first))
    progress = _progress(course, lead)
    assert progress.current.module == second and progress.current.number == 2
    assert progress.modules_done == 1 and not progress.finished


def test_a_quiz_is_scored_and_below_the_pass_mark_fails(course, lead, team):
    module = course.modules.first()  # two questions; the pass mark is 75%
    attempt = services.quiz_submit(module=module, user=lead, answers=answers(module, wrong=1))
    assert (attempt.score, attempt.total, attempt.passed) == (1, 2, False)
    retry = services.quiz_submit(module=module, user=lead, answers=answers(module))
    assert (retry.score, retry.passed) == (2, True)
    assert QuizAttempt.objects.filter(module=module).count() == 2  # both kept


def test_a_quiz_with_a_missing_or_foreign_answer_is_refused(course, lead, team):
    first, second = course.modules.all()
    given = answers(first)
    question = next(iter(given))
    with pytest.raises(ValidationError) as missing:
        services.quiz_submit(module=first, user=lead, answers={question: given[question]})
    assert list(missing.value.message_dict.values()) == [["Choose an answer."]]
    other = next(iter(answers(second).values()))  # a choice of another module's question
    with pytest.raises(ValidationError):
        services.quiz_submit(module=first, user=lead, answers={**given, question: other})
    assert not QuizAttempt.objects.exists()


def test_the_quiz_page_shows_which_answers_were_right_and_offers_a_retry(client, course, lead,
                                                                          team):
    module = course.modules.first()
    client.force_login(lead)
    url = f"/learn/{course.slug}/modules/{module.pk}/quiz/"
    page = client.get(url).content.decode()
    assert "Question 1.1?" in page and "Right 1.1" in page and "Wrong 1.1" in page
    response = client.post(url, quiz_post(module, wrong=1) | token())
    assert response.status_code == 302
    result = client.get(response.url).content.decode()
    assert "Not yet passed: 1 of 2 right" in result
    assert "Not right" in result and "Try again" in result
    assert "Right 1.1" not in result  # the right answer itself is kept for the retry
    response = client.post(url, quiz_post(module) | token())
    result = client.get(response.url).content.decode()
    assert "You passed: 2 of 2 right" in result and "Because 1.1." in result


def test_an_unanswered_quiz_keeps_the_answers_given_and_says_what_is_missing(client, course,
                                                                              lead, team):
    module = course.modules.first()
    client.force_login(lead)
    data = quiz_post(module)
    first_field = next(iter(data))
    kept = {name: value for name, value in data.items() if name != first_field}
    response = client.post(f"/learn/{course.slug}/modules/{module.pk}/quiz/", kept | token())
    html = response.content.decode()
    assert response.status_code == 200 and "Choose an answer." in html
    name, choice = next(iter(kept.items()))
    assert re.search(rf'name="{name}" value="{choice}"[^>]*checked', html)  # kept
    assert not QuizAttempt.objects.exists()


def test_someone_elses_attempt_is_not_shown(client, course, lead, team):
    module = course.modules.first()
    attempt = services.quiz_submit(module=module, user=lead, answers=answers(module))
    client.force_login(UserFactory(staff=True))
    assert client.get(f"/learn/{course.slug}/attempts/{attempt.pk}/").status_code == 404


def _finish(course, user):
    for module in course.modules.all():
        for lesson in module.lessons.all():
            services.lesson_done(lesson=lesson, user=user)
        services.quiz_submit(module=module, user=user, answers=answers(module))


def test_finishing_the_course_records_completion_and_renders_a_certificate(
        client, course, lead, team, immediate_on_commit):
    lead.first_name, lead.last_name = "Zoë", "O'Brien-Smith"
    lead.save()
    _finish(course, lead)
    enrollment = CourseEnrollment.objects.get(user=lead)
    assert enrollment.status == CourseEnrollment.Status.COMPLETED and enrollment.completed_at
    completion = Completion.objects.get(enrollment=enrollment)
    assert completion.name == "Zoë O'Brien-Smith"
    assert default_storage.exists(completion.certificate_path)
    client.force_login(lead)
    response = client.get(f"/learn/certificates/{completion.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert "Zoë O'Brien-Smith" in text and course.title in text and completion.code in text
    # Retaking a quiz afterwards changes nothing.
    module = course.modules.first()
    services.quiz_submit(module=module, user=lead, answers=answers(module, wrong=2))
    assert Completion.objects.count() == 1
    page = client.get(course.get_absolute_url()).content.decode()
    assert "You finished this course" in page


def test_the_certificate_is_refused_to_others_and_waits_until_rendered(client, course, lead,
                                                                        team):
    _finish(course, lead)  # no commit: the certificate is not rendered yet
    completion = Completion.objects.get()
    client.force_login(lead)
    assert client.get(f"/learn/certificates/{completion.pk}/").status_code == 404
    page = client.get(course.get_absolute_url()).content.decode()
    assert "being prepared" in page
    client.force_login(UserFactory())
    assert client.get(f"/learn/certificates/{completion.pk}/").status_code == 404


def test_marking_lessons_read_walks_to_the_quiz_and_on(client, course, lead, team):
    client.force_login(lead)
    first = course.modules.first()
    lesson_a, lesson_b = first.lessons.all()
    response = client.post(f"/learn/{course.slug}/lessons/{lesson_a.pk}/")
    assert response.url == f"/learn/{course.slug}/lessons/{lesson_b.pk}/"
    response = client.post(f"/learn/{course.slug}/lessons/{lesson_b.pk}/")
    assert response.url == f"/learn/{course.slug}/modules/{first.pk}/quiz/"
    page = client.get(f"/learn/{course.slug}/lessons/{lesson_b.pk}/").content.decode()
    assert "✓ read" in page and "rel=\"prev\"" in page and "Lesson 1.1" in page
    assert "<h2>Part 2</h2>" in page and "<strong>this</strong>" in page


def test_a_lesson_of_another_course_is_not_found(client, course, lead, team):
    other = course.modules.first().lessons.first()
    client.force_login(lead)
    second = course_make(slug="second")
    assert client.get(f"/learn/{second.slug}/lessons/{other.pk}/").status_code == 404
