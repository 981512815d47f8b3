"""Pages of the course and of onboarding. Views parse and check who may see what; the rules are
in ``learning.services`` and the reads in ``learning.selectors``."""

import mimetypes
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from collaboratives.models import Enrollment
from collaboratives.programme.selectors import collaboratives_visible_to
from collaboratives.programme.web import collaborative_or_404
from core.files import private_file_response, stored_pdf_response
from core.forms import service_errors_show
from core.once import submit_once
from core.pagination import page_of
from learning import selectors, services
from learning.forms import QuizForm
from learning.markdown import lesson_html
from learning.models import ChecklistItem, Completion, Lesson, LessonFile, Module, QuizAttempt
from members.models import Role, Team
from members.selectors import CURRENT_PLACE, current_places

PAGE_SIZE = 25


def _course_or_404(request, slug):
    course = selectors.courses_for(request.user).filter(slug=slug).first()
    if course is None:
        raise Http404("No such course.")
    return course


def _step_url(course, step) -> str:
    if step is None:
        return course.get_absolute_url()
    kind, target = step
    if kind == "lesson":
        return reverse("learning:lesson", args=[course.slug, target.pk])
    return reverse("learning:quiz", args=[course.slug, target.pk])


@login_required
def course_list(request):
    """The courses, with how far this person is; their teams' progress and onboarding."""
    courses = list(selectors.courses_for(request.user))
    mine = {e.course_id: e for e in
            request.user.course_enrollments.filter(course__in=courses)}
    rows = [{"course": course, "enrollment": mine.get(course.pk)} for course in courses]
    led = [place.team for place in current_places(request.user).filter(role=Role.LEAD)
           .select_related("team")]
    onboarding = (collaboratives_visible_to(request.user)
                  .filter(checklist_items__isnull=False).distinct())
    return render(request, "learning/course_list.html", {
        "rows": rows, "led_teams": led, "onboarding": list(onboarding),
        "intro": next((c for c in courses if c.enrol_new_team_members), None)})


@login_required
def course_detail(request, slug):
    """The course's outline with this person's progress; "Start the course" posts here."""
    course = _course_or_404(request, slug)
    if request.method == "POST":
        try:
            services.course_enroll(course=course, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(course.get_absolute_url())
        outline = selectors.course_outline(course)
        progress = selectors.progress_of(selectors.enrollment_of(course, request.user), outline)
        return redirect(_step_url(course, progress.next_step))
    enrollment = selectors.enrollment_of(course, request.user)
    outline = selectors.course_outline(course)
    progress = selectors.progress_of(enrollment, outline)
    return render(request, "learning/course_detail.html", {
        "course": course, "enrollment": enrollment, "progress": progress,
        "completion": getattr(enrollment, "completion", None) if enrollment else None,
        "next_url": _step_url(course, progress.next_step)})


def _neighbours(outline, lesson):
    flat = [item for module in outline for item in module.lessons.all()]
    index = next(i for i, item in enumerate(flat) if item.pk == lesson.pk)
    return (flat[index - 1] if index else None,
            flat[index + 1] if index + 1 < len(flat) else None)


@login_required
def lesson_detail(request, slug, pk):
    """A lesson: an ordinary page (previous / next, progress); "Mark as read" posts here."""
    course = _course_or_404(request, slug)
    lesson = get_object_or_404(Lesson.objects.select_related("module")
                               .prefetch_related("files"), pk=pk, module__course=course)
    if request.method == "POST":
        try:
            enrollment = services.lesson_done(lesson=lesson, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(request.path)
        outline = selectors.course_outline(course)
        progress = selectors.progress_of(enrollment, outline)
        if progress.finished:
            messages.success(request, f"You finished {course.title}. Your certificate is below.")
            return redirect(course.get_absolute_url())
        module = progress.module_of(lesson.module_id)
        if module.lessons_done == module.lesson_count and module.has_quiz \
                and not module.quiz_passed:
            return redirect("learning:quiz", course.slug, lesson.module_id)
        _, following = _neighbours(outline, lesson)
        return redirect(_step_url(course, ("lesson", following) if following
                                  else progress.next_step))
    outline = selectors.course_outline(course)
    enrollment = selectors.enrollment_of(course, request.user)
    progress = selectors.progress_of(enrollment, outline)
    previous, following = _neighbours(outline, lesson)
    module = progress.module_of(lesson.module_id)
    return render(request, "learning/lesson_detail.html", {
        "course": course, "lesson": lesson, "body": lesson_html(lesson.body),
        "module": module, "progress": progress, "enrollment": enrollment,
        "previous": previous, "following": following,
        "read": lesson.pk in progress.done_ids,
        "quiz_next": module.has_quiz and (following is None
                                          or following.module_id != lesson.module_id)})


@login_required
def quiz(request, slug, pk):
    """A module's check-your-understanding quiz; each go is kept and shown with its answers."""
    course = _course_or_404(request, slug)
    module = get_object_or_404(Module.objects.prefetch_related("questions__choices"),
                               pk=pk, course=course)
    questions = list(module.questions.all())
    if not questions:
        raise Http404("This module has no quiz.")
    form = QuizForm(request.POST or None, module=module, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            return submit_once(request, form, lambda: services.quiz_submit(
                module=module, user=request.user, answers=form.answers()))
        except ValidationError as error:
            service_errors_show(form, error)
    enrollment = selectors.enrollment_of(course, request.user)
    progress = selectors.progress_of(enrollment, selectors.course_outline(course))
    return render(request, "learning/quiz.html", {
        "course": course, "module": module, "form": form, "progress": progress,
        "module_progress": progress.module_of(module.pk)})


@login_required
def attempt(request, slug, pk):
    """One go at a quiz, to the person who took it: which answers were right, and why."""
    course = _course_or_404(request, slug)
    taken = get_object_or_404(
        QuizAttempt.objects.select_related("module", "enrollment__course").prefetch_related(
            Prefetch("module__questions", to_attr="question_list"),
            "module__questions__choices"),
        pk=pk, enrollment__course=course, enrollment__user=request.user)
    rows = []
    for question in taken.module.questions.all():
        chosen = taken.answers.get(str(question.pk))
        choices = list(question.choices.all())
        picked = next((c for c in choices if c.pk == chosen), None)
        rows.append({"question": question, "picked": picked,
                     "right": bool(picked and picked.correct),
                     "answer": next((c for c in choices if c.correct), None)})
    outline = selectors.course_outline(course)
    progress = selectors.progress_of(taken.enrollment, outline)
    return render(request, "learning/attempt.html", {
        "course": course, "attempt": taken, "rows": rows, "progress": progress,
        "module_progress": progress.module_of(taken.module_id),
        "next_url": _step_url(course, progress.next_step)})


@login_required
def lesson_file(request, slug, pk):
    """A lesson's download, to anyone who may open the course."""
    course = _course_or_404(request, slug)
    item = get_object_or_404(LessonFile, pk=pk, lesson__module__course=course)
    name = PurePath(item.file.name).name if item.file else ""
    return private_file_response(
        item.file.name if item.file else "", filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        missing="The file is missing.")


@login_required
def certificate(request, pk):
    """The certificate PDF: to the person who finished, and to staff."""
    completion = get_object_or_404(Completion.objects.select_related("enrollment"), pk=pk)
    if completion.enrollment.user_id != request.user.pk and not request.user.is_staff:
        raise Http404
    return stored_pdf_response(completion.certificate_path,
                               f"NCSUP certificate {completion.code}.pdf",
                               missing="The certificate is being prepared; try again shortly.")


def _may_see_team(user, team: Team) -> bool:
    """Staff, the team's lead, and the coach of any of its collaborative seats."""
    if user.is_staff:
        return True
    if team.members.filter(user=user, role=Role.LEAD, **CURRENT_PLACE).exists():
        return True
    return Enrollment.objects.filter(team=team, coach=user).exists()


@login_required
def team_progress(request, slug, team_pk):
    """The team's progress through the course: its lead, its coach and staff."""
    course = _course_or_404(request, slug)
    team = get_object_or_404(Team, pk=team_pk)
    if not _may_see_team(request.user, team):
        raise Http404
    outline = selectors.course_outline(course)
    return render(request, "learning/team_progress.html", {
        "course": course, "team": team, "members": selectors.team_progress(team, course),
        "lessons_total": sum(len(m.lessons.all()) for m in outline),
        "quizzes_total": sum(1 for m in outline if m.question_count)})


@login_required
def institutions(request, slug):
    """Staff: how many people of each member institution started and finished the course."""
    if not request.user.is_staff:
        raise Http404
    course = _course_or_404(request, slug)
    search = request.GET.get("q", "").strip()[:100]
    page = page_of(request, selectors.institution_completion(course, search=search),
                   size=PAGE_SIZE)
    return render(request, "learning/institutions.html", {
        "course": course, "page": page, "search": search})


# --- Onboarding -----------------------------------------------------------------------------------
@login_required
def onboarding(request, slug):
    """Who is ready for the first convening: staff see every team, coaches the teams they
    coach, a team member their own team."""
    collaborative, viewer = collaborative_or_404(request, slug)
    items = selectors.checklist_items(collaborative)
    enrollments = Enrollment.objects.all()
    if not viewer.is_staff:
        enrollments = enrollments.filter(team__in=viewer.my_team_ids | viewer.coached_team_ids)
    checklists = selectors.onboarding(collaborative, enrollments, items)
    return render(request, "learning/onboarding.html", {
        "collaborative": collaborative, "viewer": viewer, "items": items,
        "page": page_of(request, checklists, size=PAGE_SIZE),
        "not_ready": sum(not c.ready for c in checklists),
        "convening": selectors.next_convening(collaborative)})


@login_required
def team_checklist(request, slug, team_pk):
    """A team's onboarding checklist; the team ticks its own items here."""
    collaborative, viewer = collaborative_or_404(request, slug)
    if not viewer.sees_team(team_pk):
        raise Http404
    items = selectors.checklist_items(collaborative)
    checklists = selectors.onboarding(collaborative, Enrollment.objects.filter(team=team_pk),
                                      items)
    if not checklists:
        raise Http404
    checklist = checklists[0]
    if request.method == "POST":
        if not viewer.works_on(team_pk):
            raise Http404
        item_id = request.POST.get("item", "")
        item = next((i for i in items if str(i.pk) == item_id), None)
        if item is None:
            raise Http404
        try:
            services.checklist_tick(item=item, team=checklist.enrollment.team,
                                    actor=request.user, ticked=request.POST.get("ticked") == "1")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(request.path)
    return render(request, "learning/team_checklist.html", {
        "collaborative": collaborative, "viewer": viewer, "checklist": checklist,
        "may_tick": viewer.works_on(team_pk), "convening": selectors.next_convening(collaborative),
        "manual": ChecklistItem.Kind.MANUAL})

