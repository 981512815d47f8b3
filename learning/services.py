"""Every write of the learning app: enrolling, a lesson done, a quiz taken, finishing a course
(completion record, certificate after commit), lesson files checked, checklist ticks."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.statemachine import audit, transition
from learning import selectors
from learning.models import (
    ChecklistItem,
    ChecklistTick,
    Completion,
    Course,
    CourseEnrollment,
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
)
from learning.tasks import certificate_render
from members.models import Team, TeamMember, User

ANSWER_MISSING = "Choose an answer."


def course_enroll(*, course: Course, user: User,
                  source: str = CourseEnrollment.Source.SELF) -> CourseEnrollment:
    """Enrol ``user`` in ``course``; enrolling twice returns the first enrollment."""
    if not course.published:
        raise ValidationError("This course is not open yet.", code="unpublished")
    existing = CourseEnrollment.objects.filter(course=course, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            enrollment = CourseEnrollment.objects.create(course=course, user=user, source=source)
            audit(enrollment, action="course:enrolled", actor=user, reason=source)
    except IntegrityError:  # a second request enrolled them at the same moment
        return CourseEnrollment.objects.get(course=course, user=user)
    return enrollment


def team_member_enroll(*, member: TeamMember) -> list[CourseEnrollment]:
    """A person joined an improvement team: enrol them in every published course meant for new
    team members (the introductory course). Safe to run twice."""
    return [course_enroll(course=course, user=member.user,
                          source=CourseEnrollment.Source.JOINED_TEAM)
            for course in Course.objects.filter(published=True, enrol_new_team_members=True)]


def _enrollment_for(course: Course, user: User) -> CourseEnrollment:
    return course_enroll(course=course, user=user)


@transaction.atomic
def lesson_done(*, lesson: Lesson, user: User) -> CourseEnrollment:
    """Record that ``user`` read ``lesson`` (starting the course if they had not); finishing the
    last step finishes the course."""
    enrollment = _enrollment_for(lesson.module.course, user)
    LessonProgress.objects.get_or_create(enrollment=enrollment, lesson=lesson)
    _complete_if_done(enrollment, actor=user)
    return enrollment


def quiz_score(module: Module, answers: dict[int, int]) -> tuple[int, int, dict[str, int]]:
    """(right answers, questions, the answers as stored). Every question needs an answer that
    is one of its choices: a ValidationError keyed ``q<id>`` says which is missing."""
    questions = list(module.questions.prefetch_related("choices"))
    if not questions:
        raise ValidationError("This module has no quiz.", code="no_quiz")
    errors, stored, right = {}, {}, 0
    for question in questions:
        chosen = answers.get(question.pk)
        choice = next((c for c in question.choices.all() if c.pk == chosen), None)
        if choice is None:
            errors[f"q{question.pk}"] = ANSWER_MISSING
            continue
        stored[str(question.pk)] = choice.pk
        right += choice.correct
    if errors:
        raise ValidationError(errors)
    return right, len(questions), stored


@transaction.atomic
def quiz_submit(*, module: Module, user: User, answers: dict[int, int]) -> QuizAttempt:
    """Score an attempt at the module's quiz and keep it (a retry is a new attempt); passing it
    may finish the course."""
    right, total, stored = quiz_score(module, answers)
    course = module.course
    enrollment = _enrollment_for(course, user)
    attempt = QuizAttempt.objects.create(
        enrollment=enrollment, module=module, answers=stored, score=right, total=total,
        passed=right * 100 >= course.pass_percent * total)
    _complete_if_done(enrollment, actor=user)
    return attempt


def _complete_if_done(enrollment: CourseEnrollment, *, actor: User) -> None:
    if enrollment.status == CourseEnrollment.Status.COMPLETED:
        return
    outline = selectors.course_outline(enrollment.course)
    progress = selectors.progress_of(enrollment, outline)
    if not progress.finished:
        return
    locked, changed = transition(enrollment, CourseEnrollment.Status.COMPLETED, actor=actor,
                                 reason="every lesson read and every quiz passed")
    if not changed:
        return
    completion = Completion.objects.create(
        enrollment=locked, name=locked.user.display_name, course_title=locked.course.title,
        completed_on=timezone.localdate(locked.completed_at))
    transaction.on_commit(lambda: certificate_render.delay(completion.pk))


# --- Lesson files ---------------------------------------------------------------------------------
# Extension → how the file starts. Office files are zip containers.
FILE_TYPES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".csv": (),  # text: checked below
}
FILE_TYPES_SAID = "PDF, Word, Excel, PowerPoint, CSV, PNG or JPEG"


def lesson_file_check(upload) -> int:
    """Refuse a lesson file that is too large, of another type, or whose content is not what its
    name says. Returns its size."""
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in FILE_TYPES:
        raise ValidationError({"file": f"Attach a {FILE_TYPES_SAID} file."})
    limit = settings.LEARNING_FILE_MAX_BYTES
    if upload.size > limit:
        raise ValidationError({"file": f"The file is {upload.size / 1048576:.1f} MB; the "
                                       f"largest is {limit / 1048576:.0f} MB."})
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    starts = FILE_TYPES[extension]
    ok = head.startswith(starts) if starts else b"\x00" not in head
    if not ok:
        raise ValidationError({"file": f"This file's content is not a {extension[1:].upper()} "
                                       "file; check it and attach it again."})
    return upload.size


# --- Onboarding -----------------------------------------------------------------------------------
@transaction.atomic
def checklist_tick(*, item: ChecklistItem, team: Team, actor: User, ticked: bool) -> bool:
    """Tick (or untick) a "team ticks" item for a team; ticking twice changes nothing. Returns
    whether anything changed. Automatic items tick themselves and refuse."""
    if item.kind != ChecklistItem.Kind.MANUAL:
        raise ValidationError("This item ticks itself when the portal sees it done.",
                              code="automatic")
    Team.objects.select_for_update().filter(pk=team.pk).first()
    existing = ChecklistTick.objects.filter(item=item, team=team).first()
    if ticked and existing is None:
        ChecklistTick.objects.create(item=item, team=team, ticked_by=actor)
        audit(team, action="onboarding:ticked", actor=actor, reason=item.title)
        return True
    if not ticked and existing is not None:
        existing.delete()
        audit(team, action="onboarding:unticked", actor=actor, reason=item.title)
        return True
    return False

