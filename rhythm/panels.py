"""What the rhythm adds to other apps' pages without editing them: a panel on "My portal"
(``members.hooks.dashboard_panel``: the teams' monthly reports due) and the panels the
collaborative home and the coach's page include (``templatetags/rhythm.py``). Each reads a
bounded number of queries."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from collaboratives.convenings.models import Convening
from collaboratives.programme.models import Enrollment
from members.hooks import dashboard_panel, portal_person
from rhythm import selectors
from rhythm.models import Attendance, MonthlyReport, month_start, next_month, previous_month


def _due_rows(enrollments) -> list[dict]:
    """For each enrollment: the report to work on now (last month's until it is submitted,
    then this month's draft), with its due day and state."""
    today = timezone.localdate()
    this_month = month_start(today)
    months = {this_month, previous_month(this_month)}
    reports = {(r.enrollment_id, r.month): r for r in MonthlyReport.objects.filter(
        enrollment__in=enrollments, month__in=months)}
    rows = []
    for e in enrollments:
        if e.collaborative.start > today or this_month > next_month(e.collaborative.end):
            continue
        due_day = selectors.rhythm_of(e.collaborative).report_due_day
        last = previous_month(this_month)
        report = reports.get((e.pk, last))
        month = last if (last >= month_start(e.collaborative.start)
                         and not (report and report.is_submitted)) else this_month
        report = reports.get((e.pk, month))
        due = selectors.due_on(month, due_day)
        rows.append({"enrollment": e, "month": month, "report": report, "due": due,
                     "overdue": today > due and not (report and report.is_submitted),
                     "url": reverse("rhythm:report_edit", args=[
                         e.collaborative.slug, e.team_id, month.year, month.month])})
    return rows


@dashboard_panel(order=45, template="rhythm/partials/dashboard_panel.html")
def reports_due(request):
    if not request.user.is_authenticated:
        return None
    # The teams of the person's current places, already read for the dashboard.
    team_ids = portal_person(request).team_ids
    if not team_ids:
        return None
    enrollments = list(Enrollment.objects.filter(
        team_id__in=team_ids,
        collaborative__end__gte=timezone.localdate() - timedelta(days=45))
        .select_related("team", "collaborative", "collaborative__rhythm_settings"))
    if not enrollments:
        return None
    return {"rows": _due_rows(enrollments)}


def collaborative_panel(user, collaborative, viewer) -> dict:
    """The rhythm's part of a collaborative's home: links, the person's teams' reports, a
    check-in on a convening's day, evaluations waiting, and attendance rates."""
    now = timezone.now()
    own = viewer.my_team_ids
    enrollments = list(Enrollment.objects.filter(collaborative=collaborative, team_id__in=own)
                       .select_related("team", "collaborative",
                                       "collaborative__rhythm_settings"))
    today_convenings = list(Convening.objects.filter(
        collaborative=collaborative, status=Convening.Status.SCHEDULED,
        starts_at__date__lte=timezone.localdate(), ends_at__date__gte=timezone.localdate()))
    to_evaluate = list(Convening.objects.filter(
        collaborative=collaborative, starts_at__lte=now,
        starts_at__gte=now - timedelta(days=120),
        attendance__user=user, attendance__present=True)
        .exclude(Q(evaluations__user=user)).distinct().order_by("-starts_at")[:3])
    visible = None if (viewer.is_staff) else (viewer.my_team_ids | viewer.coached_team_ids)
    return {"collaborative": collaborative, "viewer": viewer,
            "due_rows": _due_rows(enrollments) if enrollments else [],
            "today_convenings": today_convenings if viewer.is_member else [],
            "to_evaluate": to_evaluate,
            "rates": selectors.attendance_rates(collaborative, team_ids=visible)
            if viewer.sees_collaborative else []}


def coach_panel(user) -> dict:
    """On the coach's page: the link to triage and attendance rates of the coached teams."""
    enrollments = Enrollment.objects.filter(coach=user).values_list("collaborative_id",
                                                                    "team_id")
    by_collaborative = {}
    for collaborative_id, team_id in enrollments:
        by_collaborative.setdefault(collaborative_id, set()).add(team_id)
    held = dict(Convening.objects.filter(collaborative_id__in=by_collaborative,
                                         status=Convening.Status.SCHEDULED,
                                         ends_at__lt=timezone.now())
                .values("collaborative_id").annotate(n=Count("pk")).values_list(
                    "collaborative_id", "n").order_by())
    attended = {(row["convening__collaborative_id"], row["team_id"]): row["n"]
                for row in Attendance.objects.filter(
                    present=True, convening__status=Convening.Status.SCHEDULED,
                    convening__ends_at__lt=timezone.now(),
                    convening__collaborative_id__in=by_collaborative)
                .values("convening__collaborative_id", "team_id")
                .annotate(n=Count("convening", distinct=True)).order_by()}
    rows = []
    for e in (Enrollment.objects.filter(coach=user).select_related("team", "collaborative")
              .order_by("team__name")):
        total = held.get(e.collaborative_id, 0)
        got = attended.get((e.collaborative_id, e.team_id), 0)
        rows.append(selectors.TeamAttendance(team_id=e.team_id,
                                             team_name=f"{e.team.name} ({e.collaborative.name})",
                                             attended=got, held=total))
    return {"rates": rows}
