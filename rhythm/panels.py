"""What the rhythm adds to other apps' pages without editing them: a panel on "My portal"
(``members.hooks.dashboard_panel``: the teams' monthly reports due) and the panels the
collaborative home and the coach's page include (``templatetags/rhythm.py``). Each reads a
bounded number of queries."""

from datetime import timedelta

from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from collaboratives.convenings.models import Convening
from collaboratives.programme.models import Enrollment
from core.kept import kept
from members.hooks import dashboard_panel, portal_person
from members.models import Team
from rhythm import selectors
from rhythm.models import (
    Attendance,
    Evaluation,
    MonthlyReport,
    RhythmSettings,
    month_start,
    next_month,
    previous_month,
)


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


# The person's part of the panel is kept in the cache (``core.kept``) under a key of what it is
# drawn from: their teams' reports, their attendance and evaluations of the recent convenings,
# the attendance of the teams they see, the collaborative's rhythm settings, and the day.
PANEL_CACHE_VERSION = 1
PANEL_CACHE_SECONDS = 60 * 60 * 24
PANEL_SETTLE_SECONDS = 120


def _placeholders(ids) -> str:
    return ", ".join(["%s"] * len(ids)) or "NULL"  # IN (NULL): no row


def _panel_inputs(*, user, collaborative, enrollment_ids, recent_ids, held_ids,
                  team_ids) -> dict:
    """How many rows each of the panel's reads would find, and when one last changed: one query
    (written as SQL: compiled by the ORM, ten subqueries cost more than the reads they stand
    for). ``team_ids`` None: every team's attendance (staff)."""
    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    sources = [
        ("reports", MonthlyReport, f"enrollment_id IN ({_placeholders(enrollment_ids)})",
         list(enrollment_ids)),
        ("settings", RhythmSettings, "collaborative_id = %s", [collaborative.pk]),
        ("present", Attendance, f"user_id = %s AND convening_id IN ({_placeholders(recent_ids)})",
         [user.pk, *recent_ids]),
        ("evaluated", Evaluation,
         f"user_id = %s AND convening_id IN ({_placeholders(recent_ids)})", [user.pk, *recent_ids]),
        ("attendance", Attendance, f"convening_id IN ({_placeholders(held_ids)})" + (
            "" if team_ids is None else f" AND team_id IN ({_placeholders(team_ids)})"),
         [*held_ids, *(team_ids or [])]),
    ]
    columns, params, names = [], [], []
    for name, model, where, where_params in sources:
        columns += [f"(SELECT COUNT(*) FROM {table(model)} WHERE {where})",  # noqa: S608
                    f"(SELECT MAX(updated_at) FROM {table(model)} WHERE {where})"]  # noqa: S608
        params += where_params * 2
        names += [f"{name}_n", f"{name}_at"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        return dict(zip(names, cursor.fetchone(), strict=True))


def collaborative_panel(user, collaborative, viewer, teams, convenings) -> dict:
    """The rhythm's part of a collaborative's home: links, the person's teams' reports, a
    check-in on a convening's day, evaluations waiting, and attendance rates.

    ``teams`` (every enrolled team, by name, with ``enrollment_id``, ``team_id`` and
    ``team_name``) and ``convenings`` (all of the collaborative's) are the home's own
    (``collaboratives.pages.HomeSummary``). What is this person's (their teams' reports, the
    convenings they may evaluate, the attendance of the teams they see) is kept in the cache
    under a key of one query's reads (``_panel_inputs``); on a miss, at most five queries."""
    now = timezone.now()
    today = timezone.localdate(now)
    own = [row for row in teams if row.team_id in viewer.my_team_ids]
    scheduled = [c for c in convenings if c.status == Convening.Status.SCHEDULED]
    recent = [c for c in convenings if now - timedelta(days=120) <= c.starts_at <= now]
    held = [c.pk for c in scheduled if c.ends_at < now]
    shown = []
    if viewer.sees_collaborative:
        shown = teams if viewer.is_staff else [
            row for row in teams if row.team_id in viewer.my_team_ids | viewer.coached_team_ids]
    inputs = _panel_inputs(user=user, collaborative=collaborative,
                           enrollment_ids=[row.enrollment_id for row in own],
                           recent_ids=[c.pk for c in recent], held_ids=held,
                           team_ids=None if viewer.is_staff else [row.team_id for row in shown])
    inputs.update(user=user.pk, collaborative=collaborative.pk,
                  collaborative_at=collaborative.updated_at, day=today,
                  own=[tuple(row[:3]) for row in own], recent=[c.pk for c in recent], held=held,
                  shown=[(row.team_id, row.team_name) for row in shown])

    def read():
        # The person's enrollments, as the home read them (the reports need only their ids).
        enrollments = [Enrollment(pk=row.enrollment_id, collaborative=collaborative,
                                  team=Team(pk=row.team_id, name=row.team_name))
                       for row in own]
        return {"due_rows": _due_rows(enrollments) if enrollments else [],
                "to_evaluate": [c.pk for c in _to_evaluate(user, recent)],
                "attended": _attended(shown, held, all_teams=viewer.is_staff)}

    mine, _ = kept(f"rhythm-home-panel:v{PANEL_CACHE_VERSION}", inputs, read,
                   seconds=PANEL_CACHE_SECONDS, settle_seconds=PANEL_SETTLE_SECONDS)
    by_pk = {c.pk: c for c in convenings}
    return {"collaborative": collaborative, "viewer": viewer,
            "due_rows": mine["due_rows"],
            "today_convenings": [c for c in scheduled
                                 if timezone.localdate(c.starts_at) <= today
                                 <= timezone.localdate(c.ends_at)] if viewer.is_member else [],
            "to_evaluate": [by_pk[pk] for pk in mine["to_evaluate"]],
            "rates": [selectors.TeamAttendance(team_id=row.team_id, team_name=row.team_name,
                                               attended=mine["attended"].get(row.team_id, 0),
                                               held=len(held)) for row in shown]}


def _to_evaluate(user, recent: list) -> list:
    """Of the convenings that began in the last 120 days, the latest three the person was
    present at and has not evaluated: none to ask about when none began, else one query, two
    when they were present at one."""
    if not recent:
        return []
    present = set(Attendance.objects.filter(user=user, present=True,
                                            convening_id__in=[c.pk for c in recent])
                  .order_by().values_list("convening_id", flat=True))
    if present:
        present -= set(Evaluation.objects.filter(user=user, convening_id__in=present)
                       .order_by().values_list("convening_id", flat=True))
    return sorted((c for c in recent if c.pk in present), key=lambda c: c.starts_at,
                  reverse=True)[:3]


def _attended(teams, held: list[int], *, all_teams: bool) -> dict[int, int]:
    """Of the convenings held (scheduled and ended), at how many each team had someone present
    (as ``selectors.attendance_rates`` counts): one query, none when nothing was held."""
    if not (held and teams):
        return {}
    rows = Attendance.objects.filter(convening_id__in=held, present=True, team__isnull=False)
    if not all_teams:
        rows = rows.filter(team_id__in=[row.team_id for row in teams])
    return dict(rows.values_list("team_id").annotate(n=Count("convening", distinct=True))
                .order_by())


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
