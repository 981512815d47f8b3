"""Demo data of the monthly rhythm for `make run`: the demo collaborative's teams report each
month with a score the coach confirms (rising, so the progress chart has a shape; one team
is late with last month's report, so triage has someone to put first), attendance at the
convenings held so far, and a few evaluations. Idempotent: a second run adds nothing."""

from django.utils import timezone

from collaboratives.models import Collaborative, Convening, Enrollment
from members.models import Role, TeamMember, User
from rhythm import selectors, services
from rhythm.models import Attendance, Evaluation, MonthlyReport, RhythmSettings

# Each team's self-rating and the coach's confirmed score, month by month (oldest first).
PATHS = [
    [("1.5", "1.5"), ("2.0", "2.0"), ("3.0", "2.5"), ("3.0", "3.0")],
    [("1.0", "1.0"), ("1.5", "1.5"), ("2.0", "2.0"), ("2.5", "2.5")],
]
WORDS = [
    ("Families answer a text far sooner than a call: 18 of 31 replied within a day.",
     "Wrong phone numbers for about a fifth of families.",
     "How to read our run chart now that we have eight weeks of data."),
    ("The attendance clerk's daily list is the fastest way to spot a first absence.",
     "Two schools started the test late; the data for October are thin.",
     "Ideas from other teams on engaging high-school families."),
]


def ensure(*, staff: User) -> None:
    collaborative = Collaborative.objects.filter(slug="chronic-absenteeism-2026").first()
    if collaborative is None:
        return
    RhythmSettings.objects.get_or_create(collaborative=collaborative)
    enrollments = list(Enrollment.objects.filter(collaborative=collaborative)
                       .select_related("team", "coach", "collaborative").order_by("pk"))
    due = selectors.last_due_month(collaborative)
    months = selectors.report_months(collaborative)[::-1][:-1]  # every month before this one
    for index, enrollment in enumerate(enrollments[:len(PATHS)]):
        lead = (TeamMember.objects.filter(team=enrollment.team, role=Role.LEAD, status="active")
                .select_related("user").first())
        if lead is None:
            continue
        learned, barriers, help_needed = WORDS[index]
        for step, month in enumerate(months[-len(PATHS[index]):]):
            if MonthlyReport.objects.filter(enrollment=enrollment, month=month).exists():
                continue
            own, coach = PATHS[index][step]
            # The second team is late: nothing for the month last due, a draft after it.
            late = index == 1 and due is not None and month >= due
            if late and month == due:
                continue
            report = services.report_file(enrollment=enrollment, month=month, actor=lead.user,
                                          learned=learned, barriers=barriers,
                                          help_needed=help_needed, self_score=own,
                                          submit=not late)
            if late:
                continue
            services.report_review(report=report, actor=enrollment.coach, score=coach,
                                   comment="Good month. Keep the tests small and frequent.")
    _attendance(collaborative, staff)


def _attendance(collaborative, staff):
    held = (Convening.objects.filter(collaborative=collaborative, status="scheduled",
                                     ends_at__lt=timezone.now()).order_by("starts_at"))
    for convening in held:
        if Attendance.objects.filter(convening=convening).exists():
            continue
        roster = list(services.roster_of(convening))
        present = {place.user_id for place in roster}
        services.attendance_mark(convening=convening, actor=staff, present=present)
        for rating, place in zip((5, 4), roster, strict=False):
            if not Evaluation.objects.filter(convening=convening, user=place.user).exists():
                services.evaluation_answer(
                    convening=convening, user=place.user, overall=rating,
                    most_useful="Hearing how other teams read their run charts.",
                    suggestions="More time in team breakouts.", anonymous=rating == 4)
