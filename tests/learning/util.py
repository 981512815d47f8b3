"""A small course to take in tests, and the learning app's world for the access matrix."""

from types import SimpleNamespace

from django.core.files.base import ContentFile

from learning import services
from learning.models import ChecklistItem, Choice, Course, Lesson, LessonFile, Module, Question
from tests.factories import CollaborativeFactory, EnrollmentFactory


def course_make(*, modules: int = 2, lessons: int = 2, questions: int = 2, published=True,
                enrol_new_team_members=True, slug="improvement-science") -> Course:
    course = Course.objects.create(title="Introduction to improvement science", slug=slug,
                                   summary="Four short modules.", published=published,
                                   enrol_new_team_members=enrol_new_team_members)
    for m in range(1, modules + 1):
        module = Module.objects.create(course=course, title=f"Module {m}", position=m)
        for n in range(1, lessons + 1):
            Lesson.objects.create(module=module, title=f"Lesson {m}.{n}", position=n,
                                  body=f"## Part {n}\n\nRead **this**.")
        for q in range(1, questions + 1):
            question = Question.objects.create(module=module, text=f"Question {m}.{q}?",
                                               position=q, explanation=f"Because {m}.{q}.")
            Choice.objects.create(question=question, text=f"Right {m}.{q}", correct=True,
                                  position=1)
            Choice.objects.create(question=question, text=f"Wrong {m}.{q}", correct=False,
                                  position=2)
    return course


def answers(module: Module, *, wrong: int = 0) -> dict[int, int]:
    """Answers to ``module``'s quiz, the first ``wrong`` of them wrong."""
    result = {}
    for n, question in enumerate(module.questions.prefetch_related("choices")):
        result[question.pk] = next(c.pk for c in question.choices.all()
                                   if c.correct != (n < wrong))
    return result


def quiz_post(module: Module, *, wrong: int = 0) -> dict[str, str]:
    return {f"q{pk}": str(choice) for pk, choice in answers(module, wrong=wrong).items()}


def matrix_world(w):
    """For tests/test_access_matrix.py: a course, the lead's finished quiz attempt and
    certificate, and the team enrolled in a collaborative (another coach coaches another team)
    with a checklist. Built once per world."""
    if getattr(w, "learning", None) is not None:
        return w.learning
    course = course_make(modules=1, lessons=1, questions=1)
    module = course.modules.get()
    services.lesson_done(lesson=module.lessons.get(), user=w.team_member)
    attempt = services.quiz_submit(module=module, user=w.team_member, answers=answers(module))
    completion = attempt.enrollment.completion
    collaborative = CollaborativeFactory()
    EnrollmentFactory(collaborative=collaborative, team=w.team)
    EnrollmentFactory(collaborative=collaborative, team__lead=w.other_member,
                      coach=w.other_coach)
    ChecklistItem.objects.create(collaborative=collaborative, title="Charter signed")
    download = LessonFile(lesson=module.lessons.get(), title="Template", size=9)
    download.file.save("template.csv", ContentFile(b"week,value\n"), save=True)
    w.learning = SimpleNamespace(download=download, course=course, module=module, attempt=attempt,
                                 completion=completion, collaborative=collaborative,
                                 lesson=module.lessons.get())
    return w.learning


def learning_quiz_module(w) -> Module:
    """For tests/test_double_submit.py: a course's first module, made once per world."""
    if getattr(w, "learning_module", None) is None:
        w.learning_module = course_make(slug="double-submit", modules=1).modules.get()
    return w.learning_module
