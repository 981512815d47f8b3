"""Every write of the monthly rhythm, with its rules: filing a monthly report (a draft saves, a
submission freezes it), amending a submitted one, the coach's comment and score, attendance
(staff's marks and members' check-ins with the convening's code), evaluations, and the
progress PDF request. Emails (reminders, digests, evaluation invitations) are in
``rhythm.emails``."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from collaboratives.convenings.models import Convening
from collaboratives.programme.models import Enrollment, local_date, text_limit_errors
from collaboratives.programme.selectors import viewer_for
from core.dates import day
from core.statemachine import audit, transition
from members.models import TeamMember, User
from members.selectors import CURRENT_PLACE
from rhythm import selectors, tasks
from rhythm.models import (
    Attendance,
    CheckInCode,
    Evaluation,
    MonthlyReport,
    ProgressLevel,
    ProgressPdf,
    ReportAmendment,
)

SUBMITTED_ALREADY = ("This report was already submitted on {when}. It is frozen as it was; "
                     "add a correction below if something needs changing.")


def _level(value, field: str) -> ProgressLevel | None:
    """The scale's level for a score given as text or a number; a clear error for anything off
    the scale (1.0 to 5.0 in half steps)."""
    if value in (None, ""):
        return None
    if isinstance(value, ProgressLevel):
        return value
    try:
        score = Decimal(str(value))
    except InvalidOperation:
        score = None
    level = ProgressLevel.objects.filter(score=score).first() if score is not None else None
    if level is None:
        raise ValidationError({field: f"“{value}” is not on the scale: choose 1.0 to 5.0 in "
                                      "half steps."})
    return level


def _check_files(actor: User, enrollment: Enrollment) -> None:
    viewer = viewer_for(actor, enrollment.collaborative)
    if not viewer.works_on(enrollment.team_id):
        raise ValidationError("Only the team's members file its monthly report.")


def _check_month(enrollment: Enrollment, month: date) -> None:
    if month not in selectors.report_months(enrollment.collaborative):
        raise ValidationError(f"{month:%B %Y} is not a month of this collaborative that can be "
                              "reported on yet.")


@transaction.atomic
def report_file(*, enrollment: Enrollment, month: date, actor: User, learned: str = "",
                barriers: str = "", help_needed: str = "", self_score=None,
                submit: bool = False) -> MonthlyReport:
    """Save the team's words as the month's draft, and submit it when ``submit``. One report
    per team and month whatever happens at once (two tabs): the row is created once and locked;
    the second submission finds it submitted and is refused with ``code="submitted"``."""
    _check_files(actor, enrollment)
    _check_month(enrollment, month)
    level = _level(self_score, "self_score")
    errors = text_limit_errors(MonthlyReport, learned=learned, barriers=barriers,
                               help_needed=help_needed)
    if submit:
        if not learned.strip():
            errors.setdefault("learned", []).append("Say what the team learned this month "
                                                    "before submitting.")
        if level is None:
            errors.setdefault("self_score", []).append("Rate the team's progress before "
                                                       "submitting.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            report, _ = MonthlyReport.objects.get_or_create(
                enrollment=enrollment, month=month, defaults={"created_by": actor})
    except IntegrityError:  # the other tab created it a moment ago
        report = MonthlyReport.objects.get(enrollment=enrollment, month=month)
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.is_submitted:
        raise ValidationError(SUBMITTED_ALREADY.format(when=day(local_date(report.submitted_at))),
                              code="submitted")
    report.learned, report.barriers, report.help_needed = learned, barriers, help_needed
    report.self_score = level
    report.save()
    if submit:
        evidence = selectors.evidence_for([
            Enrollment.objects.select_related("team", "collaborative", "aim")
            .get(pk=enrollment.pk)])[enrollment.pk]
        report.cycles_snapshot = selectors.month_cycles(enrollment, month)
        report.measures_snapshot = evidence.measures
        report.suggested_score = evidence.suggestion.score
        report.submitted_by = actor
        report.save(update_fields=["cycles_snapshot", "measures_snapshot", "suggested_score",
                                   "submitted_by", "updated_at"])
        report, _ = transition(report, MonthlyReport.Status.SUBMITTED, actor=actor)
    return report


@transaction.atomic
def report_amend(*, report: MonthlyReport, actor: User, body: str) -> ReportAmendment:
    """A correction on record beside a submitted report (the report itself stays frozen)."""
    _check_files(actor, report.enrollment)
    if not report.is_submitted:
        raise ValidationError("A draft is corrected by editing it; amendments are for "
                              "submitted reports.")
    if not body.strip():
        raise ValidationError({"body": "Write the correction."})
    errors = text_limit_errors(ReportAmendment, body=body)
    if errors:
        raise ValidationError(errors)
    amendment = ReportAmendment.objects.create(report=report, body=body.strip(), author=actor)
    audit(report, action="amended", actor=actor, reason=body.strip()[:200])
    return amendment


@transaction.atomic
def report_review(*, report: MonthlyReport, actor: User, score, comment: str = "") -> MonthlyReport:
    """The coach's comment and confirmed score; the coach's score stands over the team's. Only
    the team's coach (or staff) may, and only once the team has submitted."""
    viewer = viewer_for(actor, report.enrollment.collaborative)
    if not viewer.coaches_team(report.enrollment.team_id):
        raise ValidationError("Only the team's coach confirms its score.", code="not_coach")
    report = MonthlyReport.objects.select_for_update().select_related(
        "enrollment__collaborative", "enrollment__team").get(pk=report.pk)
    if not report.is_submitted:
        raise ValidationError("The team has not submitted this report yet.")
    level = _level(score, "score")
    if level is None:
        raise ValidationError({"score": "Choose a score on the scale."})
    errors = text_limit_errors(MonthlyReport, coach_comment=comment)
    if errors:
        raise ValidationError({"comment": errors["coach_comment"]})
    before = report.coach_score.score if report.coach_score else ""
    report.coach_score, report.coach_comment = level, comment.strip()
    report.coach_rated_by, report.coach_rated_at = actor, timezone.now()
    report.save(update_fields=["coach_score", "coach_comment", "coach_rated_by",
                               "coach_rated_at", "updated_at"])
    audit(report, action="coach_score", actor=actor, from_status=str(before),
          to_status=str(level.score))
    return report


# --- Attendance -------------------------------------------------------------------------------

def _check_staff(actor: User) -> None:
    if not actor.is_staff:
        raise ValidationError("Only Center staff record attendance.")


def roster_of(convening: Convening):
    """The people who may attend for a team: current places on the collaborative's enrolled
    teams, ordered by team and name."""
    enrolled = Enrollment.objects.filter(collaborative_id=convening.collaborative_id)
    return (TeamMember.objects.filter(team__in=enrolled.values("team_id"), user__is_active=True,
                                      **CURRENT_PLACE)
            .select_related("user", "team").order_by("team__name", "user__last_name",
                                                     "user__first_name", "user__email"))


@transaction.atomic
def attendance_mark(*, convening: Convening, actor: User, present: set[int]) -> int:
    """Staff's marks for the whole roster: those in ``present`` (user ids) were there, the
    others were not. Returns how many marks changed."""
    _check_staff(actor)
    if convening.is_cancelled:
        raise ValidationError("The convening was cancelled: nobody attended it.")
    if convening.starts_at > timezone.now():
        raise ValidationError("Attendance is recorded once the convening has begun.")
    existing = {a.user_id: a for a in Attendance.objects.select_for_update()
                .filter(convening=convening)}
    changed = 0
    for place in roster_of(convening):
        here = place.user_id in present
        row = existing.get(place.user_id)
        if row is None:
            if here:
                Attendance.objects.create(convening=convening, user=place.user, team=place.team,
                                          present=True, source=Attendance.Source.STAFF,
                                          recorded_by=actor)
                changed += 1
        elif row.present != here:
            row.present, row.source, row.recorded_by = here, Attendance.Source.STAFF, actor
            row.save(update_fields=["present", "source", "recorded_by", "updated_at"])
            changed += 1
    if changed:
        audit(convening, action="attendance", actor=actor, reason=f"{changed} marks changed")
    return changed


def check_in_days(convening: Convening) -> tuple[date, date]:
    return local_date(convening.starts_at), local_date(convening.ends_at)


@transaction.atomic
def check_in_code_issue(*, convening: Convening, actor: User) -> CheckInCode:
    """The convening's check-in code (one per convening; asking again shows the same)."""
    _check_staff(actor)
    if convening.is_cancelled:
        raise ValidationError("The convening was cancelled.")
    code, _ = CheckInCode.objects.get_or_create(convening=convening,
                                                defaults={"created_by": actor})
    return code


@transaction.atomic
def check_in(*, convening: Convening, user: User, code: str,
             today: date | None = None) -> Attendance:
    """A member checks themselves in with the code shown at the convening, on its day(s)
    only: before, the code does not work yet; after, it is refused as expired."""
    today = today or timezone.localdate()
    first, last = check_in_days(convening)
    given = "".join(code.split()).upper()
    issued = CheckInCode.objects.filter(convening=convening).first()
    if convening.is_cancelled:
        raise ValidationError("The convening was cancelled.")
    if issued is None or given != issued.code:
        raise ValidationError({"code": "That is not this convening's check-in code. Check the "
                                       "code shown in the room or the meeting."})
    if today > last:
        raise ValidationError({"code": f"Check-in closed when the convening ended "
                                       f"({day(last)}). Ask Center staff to mark you present."})
    if today < first:
        raise ValidationError({"code": f"Check-in opens on the day of the convening "
                                       f"({day(first)})."})
    place = roster_of(convening).filter(user=user).first()
    if place is None:
        raise ValidationError("Only members of the collaborative's teams check in here.")
    row, created = Attendance.objects.get_or_create(
        convening=convening, user=user,
        defaults={"team": place.team, "present": True, "source": Attendance.Source.CHECK_IN,
                  "recorded_by": user})
    if not created and not row.present:
        row.present, row.source, row.recorded_by = True, Attendance.Source.CHECK_IN, user
        row.save(update_fields=["present", "source", "recorded_by", "updated_at"])
    return row


def attended(convening: Convening, user: User) -> bool:
    return Attendance.objects.filter(convening=convening, user=user, present=True).exists()


@transaction.atomic
def evaluation_answer(*, convening: Convening, user: User, overall, most_useful: str = "",
                      suggestions: str = "", anonymous: bool = False) -> Evaluation:
    """An attendee's evaluation; answering again replaces the earlier answer."""
    if not attended(convening, user):
        raise ValidationError("Only people recorded as present evaluate a convening.")
    if convening.starts_at > timezone.now():
        raise ValidationError("The evaluation opens once the convening has begun.")
    try:
        overall = int(overall)
    except (TypeError, ValueError):
        overall = 0
    errors = text_limit_errors(Evaluation, most_useful=most_useful, suggestions=suggestions)
    if not 1 <= overall <= 5:
        errors["overall"] = ["Choose 1 (poor) to 5 (excellent)."]
    if errors:
        raise ValidationError(errors)
    row, _ = Evaluation.objects.update_or_create(
        convening=convening, user=user,
        defaults={"overall": overall, "most_useful": most_useful.strip(),
                  "suggestions": suggestions.strip(), "anonymous": anonymous})
    return row


# --- The progress PDF -------------------------------------------------------------------------

def progress_pdf_request(*, collaborative, actor: User, today: date | None = None) -> ProgressPdf:
    """Today's progress PDF: one a day per collaborative, rendered in Celery after commit."""
    if not actor.is_staff:
        raise ValidationError("Only Center staff print the progress report.")
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            pdf, created = ProgressPdf.objects.get_or_create(
                collaborative=collaborative, as_of=today, defaults={"requested_by": actor})
    except IntegrityError:
        pdf, created = ProgressPdf.objects.get(collaborative=collaborative, as_of=today), False
    if created or not pdf.pdf_path:
        tasks.progress_pdf_render.delay_on_commit(pdf.pk)
    return pdf
