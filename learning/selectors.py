"""Reads of the learning app: a course's outline, one person's progress, a team's, completion
per institution, and each enrolled team's onboarding checklist. Each costs a fixed number of
queries whatever the number of people, teams or attempts."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from collaboratives.models import CoachingCall, Convening, Enrollment, MeasureValue, TeamAim
from collaboratives.programme.selectors import in_network
from learning.models import (
    ChecklistItem,
    ChecklistTick,
    Completion,
    Course,
    CourseEnrollment,
    LessonProgress,
    Module,
    QuizAttempt,
)
from members.models import Institution, Membership, Role, Team, TeamMember, User


def courses_for(user: User) -> QuerySet[Course]:
    """The courses a person may open: published ones, for anyone in the network; staff see
    drafts too (to check them before publishing)."""
    if not user.is_authenticated:
        return Course.objects.none()
    if user.is_staff:
        return Course.objects.all()
    if not in_network(user):
        return Course.objects.none()
    return Course.objects.filter(published=True)


def course_outline(course: Course) -> list[Module]:
    """The course's modules in order, each with its lessons and ``question_count`` (2 queries)."""
    return list(course.modules.annotate(question_count=Count("questions"))
                .prefetch_related("lessons"))


@dataclass
class ModuleProgress:
    module: Module
    number: int
    lessons_done: int = 0
    quiz_passed: bool = False
    best_score: int | None = None
    done_ids: set = field(default_factory=set)

    @property
    def lessons(self):
        return self.module.lessons.all()

    @property
    def lesson_count(self) -> int:
        return len(self.lessons)

    @property
    def has_quiz(self) -> bool:
        return bool(self.module.question_count)

    @property
    def done(self) -> bool:
        return self.lessons_done == self.lesson_count and (self.quiz_passed or not self.has_quiz)


@dataclass
class Progress:
    enrollment: CourseEnrollment | None
    modules: list[ModuleProgress]
    done_ids: set

    @property
    def lessons_total(self) -> int:
        return sum(m.lesson_count for m in self.modules)

    @property
    def lessons_done(self) -> int:
        return sum(m.lessons_done for m in self.modules)

    @property
    def modules_done(self) -> int:
        return sum(m.done for m in self.modules)

    @property
    def finished(self) -> bool:
        return bool(self.modules) and all(m.done for m in self.modules)

    @property
    def percent(self) -> int:
        steps = self.lessons_total + sum(m.has_quiz for m in self.modules)
        done = self.lessons_done + sum(m.has_quiz and m.quiz_passed for m in self.modules)
        return round(100 * done / steps) if steps else 0

    @property
    def current(self) -> ModuleProgress | None:
        """The first module not done yet."""
        return next((m for m in self.modules if not m.done), None)

    @property
    def next_lesson(self):
        """The first lesson not read, in course order."""
        for module in self.modules:
            for lesson in module.lessons:
                if lesson.pk not in self.done_ids:
                    return lesson
        return None

    @property
    def next_step(self) -> tuple[str, object] | None:
        """("lesson", lesson) or ("quiz", module): what to do next; None when finished."""
        for module in self.modules:
            for lesson in module.lessons:
                if lesson.pk not in self.done_ids:
                    return "lesson", lesson
            if module.has_quiz and not module.quiz_passed:
                return "quiz", module.module
        return None

    def module_of(self, module_id: int) -> ModuleProgress | None:
        return next((m for m in self.modules if m.module.pk == module_id), None)


def progress_of(enrollment: CourseEnrollment | None, outline: list[Module]) -> Progress:
    """How far ``enrollment`` is through the course whose ``outline`` is given (2 queries; none
    without an enrollment)."""
    done_ids, passed, best = set(), set(), {}
    if enrollment is not None:
        done_ids = set(LessonProgress.objects.filter(enrollment=enrollment)
                       .values_list("lesson_id", flat=True))
        for module_id, score, was_passed in (QuizAttempt.objects.filter(enrollment=enrollment)
                                             .values_list("module_id", "score", "passed")):
            best[module_id] = max(best.get(module_id, 0), score)
            if was_passed:
                passed.add(module_id)
    modules = []
    for number, module in enumerate(outline, start=1):
        ids = {lesson.pk for lesson in module.lessons.all()}
        modules.append(ModuleProgress(module=module, number=number,
                                      lessons_done=len(ids & done_ids),
                                      quiz_passed=module.pk in passed,
                                      best_score=best.get(module.pk), done_ids=done_ids))
    return Progress(enrollment=enrollment, modules=modules, done_ids=done_ids)


def enrollment_of(course: Course, user: User) -> CourseEnrollment | None:
    return (CourseEnrollment.objects.filter(course=course, user=user)
            .select_related("completion").first())


# --- Teams, institutions --------------------------------------------------------------------------
def _enrollment_value(course: Course, field_name: str, default):
    rows = CourseEnrollment.objects.filter(course=course, user=OuterRef("user"))
    return Coalesce(Subquery(rows.values(field_name)[:1]), default)


def team_progress(team: Team, course: Course) -> list[TeamMember]:
    """The team's active members, each with ``course_status`` ("" when not enrolled),
    ``lessons_read`` and ``quizzes_passed`` in ``course`` (1 query)."""
    enrollment = CourseEnrollment.objects.filter(course=course, user=OuterRef("user"))
    mine = {"enrollment__course": course, "enrollment__user": OuterRef("user")}
    lessons = (LessonProgress.objects.filter(**mine).order_by().values("enrollment")
               .annotate(n=Count("pk")).values("n")[:1])
    quizzes = (QuizAttempt.objects.filter(**mine, passed=True).order_by().values("enrollment")
               .annotate(n=Count("module", distinct=True)).values("n")[:1])
    return list(team.members.filter(status=TeamMember.Status.ACTIVE).select_related("user")
                .annotate(course_status=_enrollment_value(course, "status", Value("")),
                          completed_at=Subquery(enrollment.values("completed_at")[:1]),
                          lessons_read=Coalesce(Subquery(lessons), 0,
                                                output_field=IntegerField()),
                          quizzes_passed=Coalesce(Subquery(quizzes), 0,
                                                  output_field=IntegerField())))


def institution_completion(course: Course, *, search: str = "") -> QuerySet[Institution]:
    """Every institution with a current membership, with ``people`` (active on its team),
    ``enrolled`` and ``completed`` in ``course``: one query for a whole page."""
    people = "memberships__team__members"
    active = Q(**{f"{people}__status": TeamMember.Status.ACTIVE})
    enrollment = f"{people}__user__course_enrollments"
    queryset = Institution.objects.filter(memberships__status__in=Membership.CURRENT)
    if search:
        queryset = queryset.filter(name__icontains=search)
    return queryset.annotate(
        people=Count(f"{people}__user", filter=active, distinct=True),
        enrolled=Count(f"{enrollment}", filter=active & Q(**{f"{enrollment}__course": course}),
                       distinct=True),
        completed=Count(f"{enrollment}", filter=active & Q(**{
            f"{enrollment}__course": course,
            f"{enrollment}__status": CourseEnrollment.Status.COMPLETED}), distinct=True),
    ).order_by("name", "pk")


def completions_of(user: User) -> QuerySet[Completion]:
    return Completion.objects.filter(enrollment__user=user)


# --- Onboarding -----------------------------------------------------------------------------------
@dataclass
class Check:
    item: ChecklistItem
    done: bool
    detail: str = ""


@dataclass
class TeamChecklist:
    enrollment: Enrollment
    checks: list[Check]

    @property
    def done_count(self) -> int:
        return sum(c.done for c in self.checks)

    @property
    def ready(self) -> bool:
        return all(c.done for c in self.checks)

    @property
    def missing(self) -> list[Check]:
        return [c for c in self.checks if not c.done]


def checklist_items(collaborative) -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(collaborative=collaborative)
                .select_related("course"))


def onboarding(collaborative, enrollments: QuerySet[Enrollment],
               items: list[ChecklistItem]) -> list[TeamChecklist]:
    """Each enrolled team's checklist, not-ready teams first: 2 queries whatever the number of
    teams (the enrollments with what the portal knows, and the teams' own ticks)."""
    courses = {item.course_id for item in items if item.kind in ChecklistItem.COURSE_KINDS}
    annotations = {
        "has_aim": Exists(TeamAim.objects.filter(enrollment=OuterRef("pk"))),
        "has_baseline": Exists(MeasureValue.objects.filter(
            team=OuterRef("team"), measure__collaborative=OuterRef("collaborative"))),
        "has_call": Exists(CoachingCall.objects.filter(enrollment=OuterRef("pk"))),
    }
    for course_id in courses:
        finished = CourseEnrollment.objects.filter(
            course_id=course_id, status=CourseEnrollment.Status.COMPLETED,
            user__team_memberships__team=OuterRef("team"),
            user__team_memberships__status=TeamMember.Status.ACTIVE)
        annotations[f"lead_done_{course_id}"] = Exists(finished.filter(
            user__team_memberships__role=Role.LEAD))
        annotations[f"members_done_{course_id}"] = Coalesce(Subquery(
            finished.order_by().values("course")
            .annotate(n=Count("user", distinct=True)).values("n")[:1]), 0)
    rows = list(enrollments.filter(collaborative=collaborative)
                .select_related("team", "coach").annotate(**annotations)
                .order_by("team__name"))
    ticked = set(ChecklistTick.objects.filter(item__in=[i.pk for i in items],
                                              team__in=[r.team_id for r in rows])
                 .values_list("item_id", "team_id"))
    result = [TeamChecklist(enrollment=row, checks=[_check(item, row, ticked) for item in items])
              for row in rows]
    result.sort(key=lambda checklist: checklist.ready)
    return result


def _check(item: ChecklistItem, row: Enrollment, ticked: set) -> Check:
    kind = ChecklistItem.Kind
    if item.kind == kind.COURSE_LEAD:
        return Check(item, getattr(row, f"lead_done_{item.course_id}"))
    if item.kind == kind.COURSE_MEMBERS:
        finished = getattr(row, f"members_done_{item.course_id}")
        return Check(item, finished >= item.members_needed,
                     f"{finished} of {item.members_needed} have finished")
    if item.kind == kind.AIM:
        return Check(item, row.has_aim)
    if item.kind == kind.BASELINE:
        return Check(item, row.has_baseline)
    if item.kind == kind.COACHING_CALL:
        return Check(item, row.has_call)
    return Check(item, (item.pk, row.team_id) in ticked)


def next_convening(collaborative) -> Convening | None:
    return (Convening.objects.filter(collaborative=collaborative,
                                     status=Convening.Status.SCHEDULED,
                                     starts_at__gte=timezone.now())
            .order_by("starts_at").first())
