"""The course on "My portal" (members.hooks.dashboard_panel): where to carry on, or how to
start. One query without an enrollment; four to show progress."""

from django.db.models import F, FilteredRelation, Q

from collaboratives.programme.selectors import is_coach
from learning import selectors
from learning.models import Course, CourseEnrollment
from members.hooks import dashboard_panel, portal_person


def dashboard_course(user) -> Course | None:
    """The course to show on "My portal", in one query: the one the person is enrolled in (the
    first in progress, else the latest finished), else the one new team members start with,
    else the first by title. Published courses only; ``my_enrollment`` is the person's
    enrollment id or None."""
    return (Course.objects.filter(published=True)
            .alias(mine=FilteredRelation("enrollments", condition=Q(enrollments__user=user)))
            .annotate(my_enrollment=F("mine__pk"))
            # "in_progress" sorts after "completed"; courses without an enrollment come last.
            .order_by(F("mine__status").desc(nulls_last=True),
                      F("mine__created_at").desc(nulls_last=True),
                      "-enrol_new_team_members", "title")
            .first())


@dashboard_panel(order=20, template="learning/panel.html")
def course_panel(request):
    user = request.user
    if not user.is_authenticated:
        return None
    course = dashboard_course(user)
    if course is None:
        return None
    if course.my_enrollment is None:
        # Not enrolled: offer the course to anyone in the network (courses_for's rule, with
        # the person's places already read for the dashboard).
        in_network = portal_person(request).has_place or is_coach(user)
        return {"course": course, "progress": None} if in_network else None
    enrollment = CourseEnrollment.objects.select_related("completion").get(
        pk=course.my_enrollment)
    enrollment.course = course
    outline = selectors.course_outline(course)
    progress = selectors.progress_of(enrollment, outline)
    return {"course": course, "enrollment": enrollment, "progress": progress}
