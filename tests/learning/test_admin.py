"""Staff author the course in admin: every page opens, lesson files are checked, a question
needs one right answer, and checklist items say what they count."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learning import services
from learning.models import ChecklistItem, Course, Lesson, LessonFile, Question
from tests.learning.util import answers
from tests.once import token

pytestmark = pytest.mark.django_db
MODELS = [model for model in admin.site._registry if model._meta.app_label == "learning"]


def test_every_model_has_lists_filters_and_search_and_every_page_opens(staff_client, course,
                                                                       lead, team, world,
                                                                       immediate_on_commit):
    module = course.modules.first()
    services.quiz_submit(module=module, user=lead, answers=answers(module))
    for other in course.modules.all():
        for lesson in other.lessons.all():
            services.lesson_done(lesson=lesson, user=lead)
        services.quiz_submit(module=other, user=lead, answers=answers(other))
    ChecklistItem.objects.create(collaborative=world.collaborative, title="Charter")
    for model in MODELS:
        model_admin = admin.site._registry[model]
        assert model_admin.list_display and model_admin.list_filter, model
        assert model_admin.search_fields, model
        opts = model._meta
        assert staff_client.get(
            reverse(f"admin:learning_{opts.model_name}_changelist")).status_code == 200
        obj = model.objects.first()
        if obj is not None:
            assert staff_client.get(reverse(f"admin:learning_{opts.model_name}_change",
                                            args=[obj.pk])).status_code == 200


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.parametrize(("name", "content", "error"), [
    ("worksheet.exe", b"MZ", "Attach a PDF, Word"),
    ("worksheet.pdf", b"<html>not a pdf</html>", "not a PDF file"),
    ("worksheet.docx", PDF, "not a DOCX file"),
    ("empty.csv", b"", "The file is empty"),
])
def test_a_lesson_file_of_the_wrong_type_or_content_is_refused(name, content, error):
    with pytest.raises(ValidationError) as refused:
        services.lesson_file_check(SimpleUploadedFile(name, content))
    assert error in refused.value.message_dict["file"][0]


def test_a_lesson_file_over_the_limit_is_refused(settings):
    settings.LEARNING_FILE_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="largest is"):
        services.lesson_file_check(SimpleUploadedFile("a.pdf", PDF))


def _lesson_post(lesson, files):
    data = {"module": lesson.module_id, "title": lesson.title, "position": 1, "minutes": 5,
            "body": lesson.body, "video_url": "", "video_title": "",
            "files-TOTAL_FORMS": 1, "files-INITIAL_FORMS": 0, "files-MIN_NUM_FORMS": 0,
            "files-MAX_NUM_FORMS": 1000, "files-0-title": "Worksheet"}
    return data | files


def test_admin_checks_a_lesson_file_and_records_its_size(staff_client, course):
    lesson = course.modules.first().lessons.first()
    url = reverse("admin:learning_lesson_change", args=[lesson.pk])
    refused = staff_client.post(url, _lesson_post(lesson, {
        "files-0-file": SimpleUploadedFile("w.pdf", b"plain text")}))
    assert refused.status_code == 200 and "not a PDF file" in refused.content.decode()
    assert not LessonFile.objects.exists()
    saved = staff_client.post(url, _lesson_post(lesson, {
        "files-0-file": SimpleUploadedFile("w.pdf", PDF)}))
    assert saved.status_code == 302
    assert LessonFile.objects.get().size == len(PDF)


def test_a_video_must_be_youtube_or_vimeo_and_have_a_title(course):
    lesson = Lesson(module=course.modules.first(), title="x", body="x",
                    video_url="https://videos.example.org/1")
    with pytest.raises(ValidationError) as refused:
        lesson.full_clean()
    assert "video_url" in refused.value.message_dict
    lesson.video_url = "https://www.youtube.com/watch?v=abc"
    with pytest.raises(ValidationError) as refused:
        lesson.full_clean()
    assert list(refused.value.message_dict) == ["video_title"]


def test_a_question_needs_two_answers_and_exactly_one_right(staff_client, course):
    module = course.modules.first()
    url = reverse("admin:learning_question_add")

    def post(choices):
        data = {"module": module.pk, "text": "Which?", "position": 9, "explanation": "",
                "choices-TOTAL_FORMS": len(choices), "choices-INITIAL_FORMS": 0,
                "choices-MIN_NUM_FORMS": 0, "choices-MAX_NUM_FORMS": 1000, **token()}
        for n, (text, right) in enumerate(choices):
            data |= {f"choices-{n}-text": text, f"choices-{n}-position": n + 1}
            if right:
                data[f"choices-{n}-correct"] = "on"
        return staff_client.post(url, data)

    before = Question.objects.count()
    assert "at least two answers" in post([("Only", True)]).content.decode()
    assert "exactly one answer" in post([("A", True), ("B", True)]).content.decode()
    assert "exactly one answer" in post([("A", False), ("B", False)]).content.decode()
    assert Question.objects.count() == before
    assert post([("A", True), ("B", False)]).status_code == 302
    assert Question.objects.count() == before + 1


def test_course_items_need_their_course_and_a_number(world):
    item = ChecklistItem(collaborative=world.collaborative, title="x",
                         kind=ChecklistItem.Kind.COURSE_MEMBERS)
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert set(refused.value.message_dict) == {"course", "members_needed"}


def test_a_course_cannot_take_one_of_the_apps_own_addresses():
    course = Course(title="x", slug="onboarding", summary="x")
    with pytest.raises(ValidationError) as refused:
        course.full_clean()
    assert "slug" in refused.value.message_dict
