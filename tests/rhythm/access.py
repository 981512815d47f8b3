"""What the portal-wide access matrix and double-submit tests need of the rhythm, built once
per world on first use: the matrix's team enrolled in a collaborative with a draft report and
a convening held yesterday that the team member attended; the collaboratives world's team A
with a submitted report."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from rhythm import services
from rhythm.models import Attendance, MonthlyReport
from tests.factories import CollaborativeFactory, ConveningFactory, EnrollmentFactory


def rhythm_world(w):
    if not hasattr(w, "rhythm"):
        collaborative = CollaborativeFactory()
        enrollment = EnrollmentFactory(collaborative=collaborative, team=w.team)
        report = MonthlyReport.objects.create(enrollment=enrollment,
                                              month=collaborative.start.replace(day=1),
                                              created_by=w.lead)
        day = timezone.localdate() - timedelta(days=1)
        convening = ConveningFactory(
            collaborative=collaborative,
            starts_at=timezone.make_aware(datetime.combine(day, time(9))),
            ends_at=timezone.make_aware(datetime.combine(day, time(15))))
        Attendance.objects.create(convening=convening, user=w.team_member, team=w.team,
                                  present=True, source="staff", recorded_by=w.staff)
        w.rhythm = {"collaborative": collaborative, "report": report, "convening": convening}
    return w.rhythm


def url(w, name):
    """The matrix's URL of each rhythm page."""
    r = rhythm_world(w)
    slug, team, convening = r["collaborative"].slug, w.team.pk, r["convening"].pk
    start = r["collaborative"].start
    return {
        "reports": f"/collaboratives/{slug}/reports/",
        "report": f"/collaboratives/{slug}/reports/{r['report'].pk}/",
        "team_reports": f"/collaboratives/{slug}/teams/{team}/reports/",
        "report_edit": f"/collaboratives/{slug}/teams/{team}/reports/{start.year}/"
                       f"{start.month}/",
        "progress": f"/collaboratives/{slug}/progress/",
        "progress_pdf": f"/collaboratives/{slug}/progress/pdf/",
        "scores_csv": f"/collaboratives/{slug}/progress/scores.csv",
        "reports_csv": f"/collaboratives/{slug}/progress/reports.csv",
        "evaluations": f"/collaboratives/{slug}/evaluations/",
        "attendance": f"/collaboratives/{slug}/convenings/{convening}/attendance/",
        "check_in": f"/collaboratives/{slug}/convenings/{convening}/check-in/",
        "evaluation": f"/collaboratives/{slug}/convenings/{convening}/evaluation/",
        "evaluation_results": f"/collaboratives/{slug}/convenings/{convening}/evaluations/",
    }[name]


def submitted_report(w):
    """Team A's submitted report in the collaboratives world (for the double-submit test)."""
    if not hasattr(w, "rhythm_report"):
        month = timezone.localdate().replace(day=1)
        w.rhythm_report = services.report_file(
            enrollment=w.enrollment_a, month=max(month, w.collaborative.start.replace(day=1)),
            actor=w.lead_a, learned="Texts beat calls.", self_score="2.5", submit=True)
    return w.rhythm_report
