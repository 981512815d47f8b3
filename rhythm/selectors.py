"""Reads of the monthly rhythm: who may see which report, what a report shows (the month's
cycles, the measures' latest values and signals), the evidence behind a suggested score, the
coach's triage, the collaborative's progress and the teams' attendance. Each function reads a
bounded number of queries however many teams there are.

Measures are read as run charts analysed by ``collaboratives.measures.charts.build`` (their
signals, computed by ``spc``), without drawing them: no rhythm page shows the SVG. Each team's
analysis of each measure is kept in the cache by ``rhythm.analysis`` until what it depends on
changes."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from collaboratives.convenings.models import Convening
from collaboratives.cycles.models import ActionPeriod, PDSACycle
from collaboratives.measures.models import Measure, MeasureValue
from collaboratives.programme.models import Collaborative, Enrollment, local_date
from collaboratives.programme.selectors import Viewer
from rhythm import analysis
from rhythm.models import (
    Attendance,
    MonthlyReport,
    ProgressLevel,
    RhythmSettings,
    month_start,
    next_month,
    previous_month,
)
from rhythm.scale import Evidence, suggest_level
from spc.runchart import Assessment

NO_DATA_DAYS = 28      # "no new data in four weeks"
UNCHANGED_MONTHS = 3   # "score unchanged three months"
RECENT_POINTS = 3      # a deterioration counts while it reaches one of the latest points


# --- The calendar of reports ------------------------------------------------------------------

def rhythm_of(collaborative: Collaborative) -> RhythmSettings:
    """The collaborative's settings, or the defaults (unsaved) when staff set none."""
    try:
        return collaborative.rhythm_settings
    except RhythmSettings.DoesNotExist:
        return RhythmSettings(collaborative=collaborative)


def due_on(month: date, due_day: int) -> date:
    """A month's report is due on the due day of the month after."""
    return next_month(month).replace(day=due_day)


def report_months(collaborative: Collaborative, today: date | None = None) -> list[date]:
    """The months a team reports on, newest first: from the collaborative's first month to the
    current one (or its last)."""
    today = today or timezone.localdate()
    last = month_start(min(today, collaborative.end))
    months, month = [], month_start(collaborative.start)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months[::-1]


def last_due_month(collaborative: Collaborative, today: date | None = None) -> date | None:
    """The latest month whose report's due day has passed (None before the first is due)."""
    today = today or timezone.localdate()
    due_day = rhythm_of(collaborative).report_due_day
    month = previous_month(month_start(today))
    if today <= due_on(month, due_day):
        month = previous_month(month)
    if month < month_start(collaborative.start) or month > month_start(collaborative.end):
        return None
    return month


# --- Who sees which report --------------------------------------------------------------------

def reports_visible_to(viewer: Viewer, collaborative: Collaborative) -> QuerySet[MonthlyReport]:
    """Submitted reports of every team (learning is shared, like cycles); drafts of the teams a
    person is on or coaches; staff see all."""
    reports = (MonthlyReport.objects.filter(enrollment__collaborative=collaborative)
               .select_related("enrollment__team", "enrollment__collaborative",
                               "enrollment__coach", "self_score", "coach_score", "submitted_by"))
    if viewer.is_staff:
        return reports
    if not viewer.sees_collaborative:
        return reports.none()
    own = viewer.my_team_ids | viewer.coached_team_ids
    return reports.filter(Q(status=MonthlyReport.Status.SUBMITTED) | Q(enrollment__team_id__in=own))


# --- What a report shows ----------------------------------------------------------------------

def _month_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(month, datetime.min.time()))
    return start, timezone.make_aware(datetime.combine(next_month(month), datetime.min.time()))


def month_cycles(enrollment: Enrollment, month: date) -> list[dict]:
    """The team's PDSA cycles with anything happening in the month (logged, started or
    completed), with their results, as the report lists them and freezes them."""
    start, end = _month_bounds(month)
    cycles = (PDSACycle.objects.filter(team_id=enrollment.team_id,
                                       action_period__collaborative_id=enrollment.collaborative_id)
              .filter(Q(created_at__gte=start, created_at__lt=end)
                      | Q(in_progress_at__gte=start, in_progress_at__lt=end)
                      | Q(completed_at__gte=start, completed_at__lt=end))
              .order_by("created_at", "pk")
              .values_list("pk", "title", "status", "change_idea__title", "decision", "results",
                           "learning"))
    statuses, decisions = dict(PDSACycle.Status.choices), dict(PDSACycle.Decision.choices)
    link = _Links()  # the cycle's page (``PDSACycle.get_absolute_url``)
    return [{"title": title, "status": statuses.get(status, status), "change_idea": idea,
             "decision": decisions.get(decision, decision) if decision else "",
             "results": results, "learning": learning,
             "url": link("collaboratives:cycle", enrollment.collaborative.slug, pk)}
            for pk, title, status, idea, decision, results, learning in cycles]


def _charts(collaborative: Collaborative, team_ids: list[int],
            kinds: tuple[str, ...] | None = None):
    """The collaborative's measures and each team's analysis of each (``rhythm.analysis``:
    from the cache where nothing changed)."""
    measures = list(Measure.objects.filter(collaborative=collaborative)
                    .filter(**({"kind__in": kinds} if kinds else {})))
    for measure in measures:  # its chart kind may fall back to the collaborative's default
        measure.collaborative = collaborative
    if not measures or not team_ids:
        return measures, {}
    return measures, analysis.summaries([(t, m) for t in team_ids for m in measures])


def _measure_rows(enrollment: Enrollment, measures, charts) -> list[dict]:
    rows = []
    for measure in measures:
        chart = charts.get((enrollment.team_id, measure.pk))
        if chart is None:
            continue
        latest = chart.latest
        rows.append({
            "measure": measure.name, "kind": measure.get_kind_display(),
            "latest": chart.latest_display,
            "period": measure.period_label(latest[0]) if latest else "",
            "signals": [{"label": s["label"], "kind": s["kind"], "text": s["text"]}
                        for s in chart.signal_items],
            "url": reverse("collaboratives:team_measure", args=[
                enrollment.collaborative.slug, enrollment.team_id, measure.pk]),
        })
    return rows


@dataclass
class TeamEvidence:
    evidence: Evidence
    measures: list[dict] = field(default_factory=list)  # the report's summary of each measure

    @property
    def suggestion(self):
        return suggest_level(self.evidence)


def _period_days(collaborative: Collaborative) -> list[tuple[date, date]]:
    """Each action period's first day and the day it ends (as ``ActionPeriod.starts_on`` and
    ``ends_on``: the days its convenings begin), without loading the convenings."""
    return [(local_date(opens), local_date(closes)) for opens, closes in (
        ActionPeriod.objects.filter(collaborative=collaborative)
        .values_list("opening_convening__starts_at", "closing_convening__starts_at"))]


def _periods_touched(periods: list[tuple[date, date]], first: date, last: date) -> int:
    return sum(1 for starts_on, ends_on in periods if starts_on <= last and ends_on > first)


def evidence_for(enrollments: list[Enrollment]) -> dict[int, TeamEvidence]:
    """Each enrollment's evidence (by enrollment id): its aim, data, cycles and run-chart
    signals. Per collaborative: one query for measures, three for the charts' inputs (and one
    for the values of those not in the cache), one for action periods when an outcome measure
    improves; one for the cycle counts of all. ``enrollments`` need ``aim``, ``team`` and
    ``collaborative`` selected."""
    counts = defaultdict(lambda: {"logged": 0, "completed": 0})
    for row in (PDSACycle.objects.filter(team_id__in=[e.team_id for e in enrollments])
                .values("team_id", "action_period__collaborative_id")
                .annotate(logged=Count("pk"),
                          completed=Count("pk", filter=Q(status=PDSACycle.Status.COMPLETED)))
                .order_by()):
        counts[row["team_id"], row["action_period__collaborative_id"]] = row
    by_collaborative = defaultdict(list)
    for enrollment in enrollments:
        by_collaborative[enrollment.collaborative_id].append(enrollment)
    result = {}
    for group in by_collaborative.values():
        collaborative = group[0].collaborative
        measures, charts = _charts(collaborative, [e.team_id for e in group])
        periods = None  # read when an outcome measure improves, to see whether it lasted
        for enrollment in group:
            facts = {"has_data": False, "process": False, "outcome": False, "sustained": False}
            progress = []
            for measure in measures:
                chart = charts.get((enrollment.team_id, measure.pk))
                if chart is None or not chart.has_data:
                    continue
                facts["has_data"] = True
                improving = chart.spans_of(Assessment.IMPROVEMENT.value)
                if measure.kind == Measure.Kind.PROCESS and improving:
                    facts["process"] = True
                if measure.kind == Measure.Kind.OUTCOME:
                    if improving:
                        facts["outcome"] = True
                        if periods is None:
                            periods = _period_days(collaborative)
                        for span in improving:
                            if _periods_touched(periods, span.first, span.last) >= 2:
                                facts["sustained"] = True
                    if chart.goal_progress is not None:
                        progress.append(chart.goal_progress)
            done = counts[enrollment.team_id, enrollment.collaborative_id]
            evidence = Evidence(
                has_aim=enrollment.team_aim is not None, has_data=facts["has_data"],
                cycles_logged=done["logged"], cycles_completed=done["completed"],
                process_improvement=facts["process"], outcome_improvement=facts["outcome"],
                outcome_sustained=facts["sustained"],
                goal_progress=min(progress) if progress else None)
            result[enrollment.pk] = TeamEvidence(
                evidence=evidence, measures=_measure_rows(enrollment, measures, charts))
    return result


# --- The coach's triage -----------------------------------------------------------------------

@dataclass
class Need:
    label: str
    url: str
    action: str
    weight: int


@dataclass
class TriageRow:
    enrollment: Enrollment
    needs: list[Need]
    score: ProgressLevel | None
    due_month: date | None
    url: str = ""  # the team's workspace

    @property
    def weight(self) -> int:
        return sum(n.weight for n in self.needs)


class _Links:
    """Links of many rows: each URL name is reversed once per collaborative, with placeholder
    ids filled in per row (reversing costs about a hundred calls; a page of triage has a few
    hundred links)."""

    PLACEHOLDERS = ("918273645501", "918273645502")

    def __init__(self):
        self.patterns: dict[tuple, str] = {}

    def __call__(self, name: str, slug: str, *ids: int) -> str:
        key = (name, slug)
        if key not in self.patterns:
            self.patterns[key] = reverse(name, args=[slug, *self.PLACEHOLDERS[:len(ids)]])
        url = self.patterns[key]
        for placeholder, value in zip(self.PLACEHOLDERS, ids, strict=False):
            url = url.replace(placeholder, str(value))
        return url


def triage(user, today: date | None = None) -> list[TriageRow]:
    """The teams a coach coaches (staff: every enrolled team of a running collaborative),
    the neediest first. Each row says why, with a link to where to act:

    - the last month's report is overdue (weight 5);
    - a balancing measure shows a signal of deterioration reaching its latest points (4);
    - no PDSA cycle completed in the current action period (3);
    - no new measure data in four weeks (2);
    - the score has not changed in three months (1).
    """
    today = today or timezone.localdate()
    enrollments = (Enrollment.objects.select_related("team", "collaborative",
                                                     "collaborative__rhythm_settings")
                   .order_by("collaborative__name", "team__name", "pk"))
    if user.is_staff:  # the page names each team's coach
        enrollments = list(enrollments.select_related("coach").filter(
            collaborative__end__gte=today - timedelta(days=60)))
    else:
        enrollments = list(enrollments.filter(coach=user))
        for e in enrollments:
            e.coach = user
    if not enrollments:
        return []
    link = _Links()
    collaboratives = {e.collaborative_id: e.collaborative for e in enrollments}
    by_pk = {e.pk: e for e in enrollments}
    due = {pk: last_due_month(c, today) for pk, c in collaboratives.items()}
    months = set()
    for month in due.values():
        if month:
            for _ in range(UNCHANGED_MONTHS):
                months.add(month)
                month = previous_month(month)
    reports = defaultdict(dict)
    for report in (MonthlyReport.objects.filter(enrollment_id__in=by_pk, month__in=months)
                   .select_related("self_score", "coach_score")):
        report.enrollment = by_pk[report.enrollment_id]  # its link reads the slug
        reports[report.enrollment_id][report.month] = report
    periods, completed = {}, {}  # the current action period; its completed cycles per team
    for row in (ActionPeriod.objects.filter(
            collaborative_id__in=collaboratives, opening_convening__starts_at__date__lte=today,
            closing_convening__starts_at__date__gt=today)
            .values("pk", "collaborative_id", "cycles__team_id")
            .annotate(n=Count("cycles", filter=Q(cycles__status=PDSACycle.Status.COMPLETED)))
            .order_by()):
        periods[row["collaborative_id"]] = row["pk"]
        if row["cycles__team_id"] is not None:
            completed[row["cycles__team_id"], row["pk"]] = row["n"]
    measures = defaultdict(list)  # every measure of each collaborative, in their order
    for measure in Measure.objects.filter(collaborative_id__in=collaboratives):
        measure.collaborative = collaboratives[measure.collaborative_id]
        measures[measure.collaborative_id].append(measure)
    latest_data = {
        (row["team_id"], row["measure__collaborative_id"]): row["last"]
        for row in MeasureValue.objects.filter(team_id__in=[e.team_id for e in enrollments],
                                               measure__collaborative_id__in=collaboratives)
        .values("team_id", "measure__collaborative_id").annotate(last=Max("created_at"))
        .order_by()}
    with_measures = set(measures)
    falling = _balancing_deterioration(enrollments, measures, link)
    cutoff = timezone.now() - timedelta(days=NO_DATA_DAYS)
    rows = []
    for e in enrollments:
        slug, needs = e.collaborative.slug, []
        month = due[e.collaborative_id]
        mine = reports[e.pk]
        if month and not (month in mine and mine[month].is_submitted):
            needs.append(Need(
                f"The {month:%B %Y} report is overdue (due "
                f"{due_on(month, rhythm_of(e.collaborative).report_due_day):%-d %b}).",
                link("rhythm:team_reports", slug, e.team_id), "See its reports", 5))
        for item in falling.get(e.pk, []):
            needs.append(Need(f"{item['measure'].name} (balancing) shows a signal of "
                              "deterioration.", item["url"], "Open the run chart", 4))
        workspace = link("collaboratives:workspace", slug, e.team_id)
        period = periods.get(e.collaborative_id)
        if period and not completed.get((e.team_id, period)):
            needs.append(Need("No PDSA cycle completed in this action period.", workspace,
                              "Open the workspace", 3))
        last = latest_data.get((e.team_id, e.collaborative_id))
        if e.collaborative_id in with_measures and (last is None or last < cutoff):
            needs.append(Need("No new measure data in four weeks." if last else
                              "No measure data yet.",
                              link("collaboratives:team_measures", slug, e.team_id),
                              "Open the run charts", 2))
        scores, latest_score = [], None
        if month:
            m = month
            for _ in range(UNCHANGED_MONTHS):
                report = mine.get(m)
                scores.append(report.score.score if report and report.score else None)
                m = previous_month(m)
            report = mine.get(month)
            latest_score = report.score if report else None
        if len(scores) == UNCHANGED_MONTHS and None not in scores and len(set(scores)) == 1:
            needs.append(Need(f"The score has stayed at {scores[0]} for three months.",
                              link("rhythm:report", slug, mine[month].pk), "Rate the report",
                              1))
        rows.append(TriageRow(enrollment=e, needs=needs, score=latest_score, due_month=month,
                              url=workspace))
    rows.sort(key=lambda r: (-r.weight, r.enrollment.team.name))
    return rows


def _balancing_deterioration(enrollments: list[Enrollment], measures: dict,
                             link: "_Links") -> dict[int, list[dict]]:
    """Per enrollment, its balancing measures whose analysis shows a deterioration reaching
    one of the latest points. ``measures``: each collaborative's."""
    balancing = {pk: [m for m in group if m.kind == Measure.Kind.BALANCING]
                 for pk, group in measures.items()}
    charts = analysis.summaries([(e.team_id, m) for e in enrollments
                                 for m in balancing.get(e.collaborative_id, [])])
    found = defaultdict(list)
    for e in enrollments:
        for measure in balancing.get(e.collaborative_id, []):
            chart = charts.get((e.team_id, measure.pk))
            if chart is None or not chart.points:
                continue
            recent = chart.points - RECENT_POINTS
            if any(span.end_index >= recent
                   for span in chart.spans_of(Assessment.DETERIORATION.value)):
                found[e.pk].append({"measure": measure, "url": link(
                    "collaboratives:team_measure", e.collaborative.slug, e.team_id,
                    measure.pk)})
    return found


# --- The collaborative's progress -------------------------------------------------------------

@dataclass
class Progress:
    months: list[date]                    # oldest first
    levels: list[ProgressLevel]
    distribution: list[dict]              # per month: {"month", "counts": {score: n}, "total"}
    trajectories: list[dict]              # per team: {"enrollment", "scores": [level|None]}
    adopted: list[dict]                   # change ideas adopted: {"idea", "driver", "teams"}
    signals: list[dict]                   # per team: {"team", "items": [(measure, label, kind)]}


def progress_of(collaborative: Collaborative, today: date | None = None,
                with_signals: bool = True) -> Progress:
    """Scores per month (the coach's where given, else the submitted self-rating), each team's
    trajectory, the change ideas adopted and the teams' current signals."""
    months = report_months(collaborative, today)[::-1]
    levels = list(ProgressLevel.objects.all())
    enrollments = list(Enrollment.objects.filter(collaborative=collaborative)
                       .select_related("team", "collaborative", "coach")
                       .order_by("team__name", "pk"))
    scored = defaultdict(dict)
    for report in (MonthlyReport.objects.filter(enrollment__collaborative=collaborative)
                   .filter(Q(status=MonthlyReport.Status.SUBMITTED) | Q(coach_score__isnull=False))
                   .select_related("self_score", "coach_score")):
        if report.score:
            scored[report.enrollment_id][report.month] = report.score
    distribution = []
    for month in months:
        counts = {level.score: 0 for level in levels}
        for enrollment in enrollments:
            level = scored[enrollment.pk].get(month)
            if level:
                counts[level.score] += 1
        distribution.append({"month": month, "counts": counts, "total": sum(counts.values())})
    trajectories = [{"enrollment": e, "scores": [scored[e.pk].get(m) for m in months]}
                    for e in enrollments]
    adopted = [
        {"idea": row["change_idea__title"], "driver": row["change_idea__primary_driver__title"],
         "teams": row["teams"]}
        for row in (PDSACycle.objects.filter(action_period__collaborative=collaborative,
                                             status=PDSACycle.Status.COMPLETED,
                                             decision=PDSACycle.Decision.ADOPT)
                    .values("change_idea_id", "change_idea__title",
                            "change_idea__primary_driver__title")
                    .annotate(teams=Count("team", distinct=True))
                    .order_by("-teams", "change_idea__title"))]
    signals = []
    if with_signals:
        measures, charts = _charts(collaborative, [e.team_id for e in enrollments])
        for e in enrollments:
            items = []
            for measure in measures:
                chart = charts.get((e.team_id, measure.pk))
                if chart is None:
                    continue
                for label, kind in chart.signal_summary:
                    if kind in ("improvement", "deterioration"):
                        items.append({"measure": measure.name, "label": label, "kind": kind})
            signals.append({"team": e.team, "items": items})
    return Progress(months=months, levels=levels, distribution=distribution,
                    trajectories=trajectories, adopted=adopted, signals=signals)


# --- Attendance -------------------------------------------------------------------------------

@dataclass
class TeamAttendance:
    team_id: int
    team_name: str
    attended: int
    held: int

    @property
    def rate(self) -> int | None:
        return round(100 * self.attended / self.held) if self.held else None


def attendance_rates(collaborative: Collaborative,
                     team_ids: set[int] | None = None) -> list[TeamAttendance]:
    """Per enrolled team: of the convenings held so far (not cancelled, already ended), at how
    many at least one of its people was present. Three queries."""
    held = list(Convening.objects.filter(collaborative=collaborative,
                                         status=Convening.Status.SCHEDULED,
                                         ends_at__lt=timezone.now()).values_list("pk", flat=True))
    enrollments = Enrollment.objects.filter(collaborative=collaborative).select_related("team")
    if team_ids is not None:
        enrollments = enrollments.filter(team_id__in=team_ids)
    attended = dict(Attendance.objects.filter(convening_id__in=held, present=True,
                                              team__isnull=False)
                    .values("team_id").annotate(n=Count("convening", distinct=True))
                    .values_list("team_id", "n").order_by())
    return [TeamAttendance(team_id=e.team_id, team_name=e.team.name,
                           attended=attended.get(e.team_id, 0), held=len(held))
            for e in enrollments.order_by("team__name")]


def score_change(enrollment: Enrollment, month: date) -> tuple[ProgressLevel | None,
                                                               Decimal | None]:
    """The month's score and its change from the month before (for the sponsor digest)."""
    reports = {r.month: r for r in MonthlyReport.objects.filter(
        enrollment=enrollment, month__in=[month, previous_month(month)])
        .select_related("self_score", "coach_score")}
    now = reports.get(month)
    before = reports.get(previous_month(month))
    level = now.score if now else None
    earlier = before.score if before else None
    change = level.score - earlier.score if level and earlier else None
    return level, change
