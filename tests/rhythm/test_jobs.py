"""The daily jobs: report reminders (before the due day, and once overdue), the sponsors'
digest, the evaluation invitation; each run twice sends once, and each respects a member's
choice to receive no nudges."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from core.models import OutboundEmail
from members.models import Role, TeamMember
from rhythm import emails, selectors, services, tasks
from tests.factories import ConveningFactory, UserFactory
from tests.rhythm.helpers import submitted


def _sent(prefix):
    return sorted(OutboundEmail.objects.filter(key__startswith=prefix).values_list("to",
                                                                                flat=True))


def _last_month(world):
    return selectors.report_months(world.collaborative)[1]


def test_the_reminder_goes_a_few_days_before_the_due_day_once(world):
    month = _last_month(world)
    due = selectors.due_on(month, 10)
    keys = f"rhythm-report-due:{world.enrollment_a.pk}:{month:%Y-%m}"
    emails.report_reminders_send(enrollment=world.enrollment_a, today=due - timedelta(days=4))
    assert _sent(keys) == []  # too early
    queued = emails.report_reminders_send(enrollment=world.enrollment_a,
                                          today=due - timedelta(days=3))
    assert _sent(keys) == sorted([world.lead_a.email, world.member_a.email])
    assert queued >= 2
    emails.report_reminders_send(enrollment=world.enrollment_a, today=due - timedelta(days=2))
    assert len(_sent(keys)) == 2  # once each, however often the job runs
    mail = OutboundEmail.objects.filter(key__startswith=keys).first()
    assert f"{month:%B %Y}" in mail.subject and "/reports/" in mail.text_body


def test_the_overdue_reminder_goes_once_and_not_after_submission(world):
    month = _last_month(world)
    due = selectors.due_on(month, 10)
    key = f"rhythm-report-overdue:{world.enrollment_b.pk}:{month:%Y-%m}"
    for _ in range(2):
        emails.report_reminders_send(enrollment=world.enrollment_b, today=due + timedelta(days=1))
    assert _sent(key) == [world.member_b.email]
    submitted(world, month)  # team A submitted: it hears nothing
    emails.report_reminders_send(enrollment=world.enrollment_a, today=due + timedelta(days=1))
    assert _sent(f"rhythm-report-overdue:{world.enrollment_a.pk}:{month:%Y-%m}") == []


def test_the_daily_task_run_twice_queues_each_reminder_once(world):
    first = tasks.report_reminders_send()
    assert first == OutboundEmail.objects.count()
    assert tasks.report_reminders_send() == 0
    assert OutboundEmail.objects.count() == first


def test_a_member_who_turned_nudges_off_gets_no_reminder(world):
    world.member_a.email_nudges = False
    world.member_a.save()
    month = _last_month(world)
    emails.report_reminders_send(enrollment=world.enrollment_a,
                                 today=selectors.due_on(month, 10) + timedelta(days=1))
    assert world.member_a.email not in _sent("rhythm-report-overdue:")
    assert world.lead_a.email in _sent("rhythm-report-overdue:")


def test_sponsors_get_one_digest_a_month_with_the_score_and_its_change(world):
    sponsor = UserFactory(email="superintendent@district-a.example.org", first_name="Sam")
    TeamMember.objects.create(team=world.team_a, user=sponsor, role=Role.SPONSOR)
    month = selectors.last_due_month(world.collaborative)
    before = selectors.report_months(world.collaborative)
    earlier = before[before.index(month) + 1] if before.index(month) + 1 < len(before) else None
    if earlier:
        submitted(world, earlier, score="2.0")
    report = submitted(world, month, score="2.5", learned="Texts beat calls home.")
    services.report_review(report=report, actor=world.coach_a, score="3.0")
    assert [tasks.sponsor_digests_send(), tasks.sponsor_digests_send()] == [1, 0]
    digests = OutboundEmail.objects.filter(key__startswith="rhythm-digest:")
    assert list(digests.values_list("to", flat=True)) == [sponsor.email]  # sponsors only
    mail = digests.get()
    assert "3.0" in mail.subject and "Texts beat calls home." in mail.text_body
    if earlier:
        assert "up 1.0 from the month before" in mail.text_body
    assert f"/collaboratives/{world.collaborative.slug}/teams/{world.team_a.pk}/measures/" in \
        mail.text_body


def test_a_sponsor_who_turned_nudges_off_gets_no_digest(world):
    sponsor = UserFactory(email_nudges=False)
    TeamMember.objects.create(team=world.team_a, user=sponsor, role=Role.SPONSOR)
    assert emails.sponsor_digest_send(enrollment=world.enrollment_a) == 0
    assert not OutboundEmail.objects.filter(key__startswith="rhythm-digest:").exists()


def test_attendees_are_asked_to_evaluate_the_day_after_once(world, staff):
    day = timezone.localdate() - timedelta(days=1)
    held = ConveningFactory(collaborative=world.collaborative,
                            starts_at=timezone.make_aware(datetime.combine(day, time(9))),
                            ends_at=timezone.make_aware(datetime.combine(day, time(15))))
    services.attendance_mark(convening=held, actor=staff, present={world.member_a.pk})
    assert tasks.evaluation_invitations_send() == 1
    assert tasks.evaluation_invitations_send() == 0
    mail = OutboundEmail.objects.get(key__startswith="rhythm-evaluation:")
    assert mail.to == world.member_a.email and held.title in mail.subject
