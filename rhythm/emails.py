"""The rhythm's emails, each queued once through the outbox (``core.emails.email_queue`` is
idempotent by key) and in the ``nudge`` category, so a member who turned nudges off in Your
account gets none: the report reminders (a few days before the due day, and once overdue), the
sponsors' monthly digest, and the evaluation invitation the day after a convening. Called by the
daily tasks; running one twice, or two at once, sends nothing twice."""

from datetime import date, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from collaboratives.convenings.models import Convening
from collaboratives.programme.models import Enrollment
from core.emails import email_queue
from core.models import OutboundEmail
from members.models import Role, TeamMember
from members.selectors import CURRENT_PLACE
from rhythm import selectors
from rhythm.models import Attendance, MonthlyReport


def _queue_once(*, key: str, **kwargs) -> bool:
    """Queue an email unless its key was queued before; True when this call queued it."""
    if OutboundEmail.objects.filter(key=key).exists():
        return False
    return email_queue(key=key, category="nudge", **kwargs) is not None


def _people(enrollment: Enrollment, *, sponsors: bool):
    places = TeamMember.objects.filter(team_id=enrollment.team_id, user__is_active=True,
                                       **CURRENT_PLACE).select_related("user")
    return places.filter(role=Role.SPONSOR) if sponsors else places.exclude(role=Role.SPONSOR)


def report_reminders_send(*, enrollment: Enrollment, today: date | None = None) -> int:
    """Remind the team (sponsors aside) of a report not yet submitted: once when the due day is
    ``reminder_days`` away or nearer, once when it has passed. Returns how many were queued."""
    today = today or timezone.localdate()
    collaborative = enrollment.collaborative
    rhythm = selectors.rhythm_of(collaborative)
    queued = 0
    for month in selectors.report_months(collaborative, today)[:3]:
        due = selectors.due_on(month, rhythm.report_due_day)
        if today > due:
            kind = "overdue"
        elif today >= due - timedelta(days=rhythm.reminder_days):
            kind = "due"
        else:
            continue
        if MonthlyReport.objects.filter(enrollment=enrollment, month=month,
                                        status=MonthlyReport.Status.SUBMITTED).exists():
            continue
        url = reverse("rhythm:report_edit", args=[collaborative.slug, enrollment.team_id,
                                                   month.year, month.month])
        for place in _people(enrollment, sponsors=False):
            queued += _queue_once(
                key=f"rhythm-report-{kind}:{enrollment.pk}:{month:%Y-%m}:{place.user_id}",
                to=place.user.email, template=f"rhythm_report_{kind}",
                context={"user": place.user, "team": enrollment.team,
                         "collaborative": collaborative, "month": month, "due": due,
                         "url": url})
    return queued


def sponsor_digest_send(*, enrollment: Enrollment, today: date | None = None) -> int:
    """Once the last month's report is due, each of the team's sponsors gets one digest of that
    month: the score and its change, the report's summary, signals, attendance and a link to
    the run charts."""
    collaborative = enrollment.collaborative
    month = selectors.last_due_month(collaborative, today)
    if month is None:
        return 0
    sponsors = list(_people(enrollment, sponsors=True))
    if not sponsors:
        return 0
    report = (MonthlyReport.objects.filter(enrollment=enrollment, month=month,
                                           status=MonthlyReport.Status.SUBMITTED).first())
    level, change = selectors.score_change(enrollment, month)
    rates = selectors.attendance_rates(collaborative, team_ids={enrollment.team_id})
    signals = [s for m in (report.measures_snapshot if report else []) for s in m["signals"]
               if s["kind"] in ("improvement", "deterioration")]
    if change is None:
        movement = ""
    elif change:
        movement = f"{'up' if change > 0 else 'down'} {abs(change)} from the month before"
    else:
        movement = "unchanged from the month before"
    context = {"team": enrollment.team, "collaborative": collaborative, "month": month,
               "report": report, "level": level, "movement": movement,
               "signals": signals, "attendance": rates[0] if rates else None,
               "charts_url": reverse("collaboratives:team_measures",
                                     args=[collaborative.slug, enrollment.team_id])}
    queued = 0
    for place in sponsors:
        queued += _queue_once(
            key=f"rhythm-digest:{enrollment.pk}:{month:%Y-%m}:{place.user_id}",
            to=place.user.email, template="rhythm_sponsor_digest",
            context={**context, "user": place.user})
    return queued


def evaluation_invitations_send(*, convening: Convening) -> int:
    """The day after a convening, everyone recorded present is asked to evaluate it, once."""
    queued = 0
    url = reverse("rhythm:evaluation", args=[convening.collaborative.slug, convening.pk])
    for row in (Attendance.objects.filter(convening=convening, present=True,
                                          user__is_active=True).select_related("user")):
        queued += _queue_once(key=f"rhythm-evaluation:{convening.pk}:{row.user_id}",
                              to=row.user.email, template="rhythm_evaluation",
                              context={"user": row.user, "convening": convening,
                                       "collaborative": convening.collaborative, "url": url})
    return queued


def convenings_to_evaluate(today: date | None = None):
    """Convenings that ended in the last week, before today (the day after, or a late run)."""
    today = today or timezone.localdate()
    return (Convening.objects.filter(status=Convening.Status.SCHEDULED,
                                     ends_at__date__lt=today,
                                     ends_at__date__gte=today - timedelta(days=7))
            .select_related("collaborative"))


def enrollments_running(today: date | None = None):
    """Enrollments of collaboratives that have begun and ended less than two months ago."""
    today = today or timezone.localdate()
    return (Enrollment.objects.filter(Q(collaborative__start__lte=today),
                                      collaborative__end__gte=today - timedelta(days=62))
            .select_related("team", "collaborative", "collaborative__rhythm_settings"))
