"""The course on "My portal" (members.hooks.dashboard_panel): where to carry on, or how to
start. Five queries at most."""

from learning import selectors
from members.hooks import dashboard_panel


@dashboard_panel(order=20, template="learning/panel.html")
def course_panel(request):
    user = request.user
    enrollment = selectors.dashboard_enrollment(user)
    if enrollment is None:
        course = (selectors.courses_for(user).filter(published=True)
                  .order_by("-enrol_new_team_members", "title").first())
        return {"course": course, "progress": None} if course else None
    outline = selectors.course_outline(enrollment.course)
    progress = selectors.progress_of(enrollment, outline)
    return {"course": enrollment.course, "enrollment": enrollment, "progress": progress}
