"""Convening reminders, cancellation notices and action-period nudges: each once per person."""

import threading
from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from collaboratives.convenings import reminders
from collaboratives.convenings import reminders as convenings_reminders
from collaboratives.convenings.reminders import convening_move_notify
from collaboratives.convenings.services import convening_cancel, convening_move
from collaboratives.convenings.tasks import convening_reminders_send
from collaboratives.cycles.tasks import action_period_nudges_send
from collaboratives.models import Convening, ReminderLog
from core.models import OutboundEmail
from tests.factories import ConveningFactory, PDSACycleFactory

pytestmark = pytest.mark.django_db

# Everyone invited: the enrolled teams' active members and their coaches (not the removed
# member, not the outsider). ``selectors.convening_invitees``.
MEMBERS = {"lead.a@district-a.example.org", "member.a@district-a.example.org",
           "member.b@district-b.example.org", "coach.a@ncsup.example.org",
           "coach.b@ncsup.example.org"}
N = len(MEMBERS)


def emails(prefix):
    return list(OutboundEmail.objects.filter(key__startswith=prefix)
                .order_by("to").values_list("to", flat=True))


def in_days(n):
    return timezone.now().replace(microsecond=0) + timedelta(days=n)


@pytest.mark.usefixtures("immediate_on_commit")
def test_the_reminder_goes_once_to_every_active_member_of_the_enrolled_teams(world):
    convening = ConveningFactory(collaborative=world.collaborative, title="Spring convening",
                                 starts_at=in_days(10))
    assert convening_reminders_send() == N
    assert set(emails("convening-reminder:")) == MEMBERS
    assert sorted(m.to[0] for m in mail.outbox) == sorted(MEMBERS)
    assert mail.outbox[0].subject == "In 10 days: Spring convening (Attendance Works " \
                                     "Collaborative)"
    assert "Jackson Avenue Center" in mail.outbox[0].body

    assert convening_reminders_send() == 0  # the daily job again: nothing new
    assert len(emails("convening-reminder:")) == N and len(mail.outbox) == N
    assert set(ReminderLog.objects.values_list("convening", "kind")) == {
        (convening.pk, f"before-14d@{convening.starts_at.astimezone(UTC):%Y%m%dT%H%MZ}")}


@pytest.mark.usefixtures("immediate_on_commit")
def test_the_two_day_reminder_follows_and_a_late_convening_gets_only_the_nearest(world):
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10))
    convening_reminders_send()
    two_days_before = convening.starts_at - timedelta(days=2)
    assert convenings_reminders.convening_reminders_send(convening=convening,
                                                         now=two_days_before) == N
    assert convenings_reminders.convening_reminders_send(convening=convening,
                                                         now=two_days_before) == 0
    assert len(emails("convening-reminder:")) == 2 * N

    late = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(1))
    assert convening_reminders_send() == N
    assert set(ReminderLog.objects.filter(convening=late).values_list("kind", flat=True)) == {
        f"before-2d@{late.starts_at.astimezone(UTC):%Y%m%dT%H%MZ}"}
    assert mail.outbox[-1].subject.startswith("Tomorrow: ")


@pytest.mark.usefixtures("immediate_on_commit")
def test_a_two_day_convening_names_both_days(world):
    starts = timezone.localtime(in_days(10)).replace(hour=9, minute=0, second=0)
    ConveningFactory(collaborative=world.collaborative, starts_at=starts,
                     ends_at=starts + timedelta(days=1, hours=7))
    convening_reminders_send()
    last_day = starts + timedelta(days=1)
    assert (f"When: {starts:%A %-d %B %Y}, 9:00 a.m. to {last_day:%A %-d %B %Y}, 4:00 p.m."
            in mail.outbox[0].body)


@pytest.mark.usefixtures("immediate_on_commit")
def test_no_reminder_before_its_day(world):
    ConveningFactory(collaborative=world.collaborative, starts_at=in_days(15))
    assert convening_reminders_send() == 0
    assert not mail.outbox


@pytest.mark.usefixtures("immediate_on_commit")
def test_a_moved_convening_re_arms_its_reminders(world):
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10))
    assert convening_reminders_send() == N
    convening_move(convening=convening, starts_at=in_days(12),
                   ends_at=in_days(12) + timedelta(hours=6))
    assert convening_reminders_send() == N
    assert convening_reminders_send() == 0
    assert len(emails("convening-reminder:")) == 2 * N
    assert mail.outbox[-1].subject.startswith("In 12 days: ")


@pytest.mark.usefixtures("immediate_on_commit")
def test_a_moved_convening_tells_every_member_the_new_date_once(world, staff):
    convening = ConveningFactory(collaborative=world.collaborative, title="Spring convening",
                                 starts_at=in_days(20))
    planned = timezone.localtime(convening.starts_at)
    moved_to = in_days(27)
    convening_move(convening=convening, starts_at=moved_to,
                   ends_at=moved_to + timedelta(hours=6), actor=staff)
    assert set(emails("convening-moved:")) == MEMBERS
    new = timezone.localtime(moved_to)
    assert {m.subject for m in mail.outbox} == {
        f"New date: Spring convening is now {new:%-d %B} (Attendance Works Collaborative)"}
    body = mail.outbox[0].body
    assert f"Was: {planned:%A %-d %B %Y}" in body
    assert f"Now: {new:%A %-d %B %Y}" in body and "Jackson Avenue Center" in body
    # The task again, the daily job, the same dates again: nothing new
    assert convening_move_notify(convening=convening) == 0
    assert convening_reminders_send() == 0
    convening_move(convening=convening, starts_at=moved_to,
                   ends_at=moved_to + timedelta(hours=6), actor=staff)
    assert len(mail.outbox) == N


def test_moved_twice_before_the_notice_went_the_members_hear_only_the_latest(world, staff):
    # Without immediate_on_commit the tasks after each move never run here: as if lost; the
    # daily job sends the notice of the latest move only.
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(20))
    for days in (24, 26):
        convening_move(convening=convening, starts_at=in_days(days),
                       ends_at=in_days(days) + timedelta(hours=6), actor=staff)
    assert not emails("convening-moved:")
    assert convening_reminders_send() == N
    assert convening_reminders_send() == 0
    bodies = OutboundEmail.objects.filter(key__startswith="convening-moved:").values_list(
        "text_body", flat=True)
    assert len(bodies) == N
    assert all(f"Now: {timezone.localtime(in_days(26)):%A %-d %B %Y}" in body
               and f"Was: {timezone.localtime(in_days(24)):%A %-d %B %Y}" in body
               for body in bodies)


def test_no_move_notice_for_a_cancelled_convening_or_an_old_move(world, staff):
    cancelled = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(20))
    convening_move(convening=cancelled, starts_at=in_days(22),
                   ends_at=in_days(22) + timedelta(hours=6), actor=staff)
    convening_cancel(convening=cancelled, actor=staff)
    assert convening_move_notify(convening=cancelled) == 0
    old = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(40))
    convening_move(convening=old, starts_at=in_days(41),
                   ends_at=in_days(41) + timedelta(hours=6), actor=staff)
    Convening.objects.filter(pk=old.pk).update(moved_at=timezone.now() - timedelta(days=3))
    convening_reminders_send()  # sends the cancellation; the three-day-old move is news
    assert not emails("convening-moved:")  # to nobody (a newcomer would read it as new)
    assert len(emails("convening-cancelled:")) == N


@pytest.mark.usefixtures("immediate_on_commit")
def test_a_cancelled_convening_sends_a_cancellation_instead_once(world, staff):
    convening = ConveningFactory(collaborative=world.collaborative, title="Spring convening",
                                 starts_at=in_days(10))
    convening_cancel(convening=convening, actor=staff, reason="The venue flooded.")
    assert set(emails("convening-cancelled:")) == MEMBERS
    assert all(m.subject.startswith("Cancelled: Spring convening") for m in mail.outbox)
    assert "The venue flooded." in mail.outbox[0].body

    assert convening_reminders_send() == 0  # neither a reminder nor a second notice
    convening_cancel(convening=convening, actor=staff)  # cancelling twice: no change
    assert len(mail.outbox) == N and not emails("convening-reminder:")


def test_a_cancellation_lost_with_its_task_is_sent_by_the_daily_job(world, staff):
    # Without immediate_on_commit the task queued after commit never runs here: as if lost.
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(30))
    convening_cancel(convening=convening, actor=staff)
    assert not emails("convening-cancelled:")
    assert convening_reminders_send() == N
    assert convening_reminders_send() == 0


def test_a_worker_dying_mid_run_leaves_nothing_half_done(world, monkeypatch):
    ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10))
    real_queue, calls = reminders.email_queue, []

    def dies_on_the_second(**kwargs):
        calls.append(kwargs["to"])
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_queue(**kwargs)

    monkeypatch.setattr(reminders, "email_queue", dies_on_the_second)
    with pytest.raises(SystemExit):
        convening_reminders_send()
    assert not ReminderLog.objects.exists() and not emails("convening-reminder:")

    monkeypatch.setattr(reminders, "email_queue", real_queue)
    assert convening_reminders_send() == N
    assert set(emails("convening-reminder:")) == MEMBERS


@pytest.mark.usefixtures("immediate_on_commit")
def test_teams_behind_near_the_end_of_the_action_period_get_one_nudge(world):
    for _ in range(2):
        PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea)
    PDSACycleFactory(team=world.team_b, action_period=world.period, change_idea=world.idea)
    assert action_period_nudges_send() == 0  # 20 days left: too early
    Convening.objects.filter(pk=world.period.closing_convening_id).update(starts_at=in_days(5))

    assert action_period_nudges_send() == 1
    assert emails("action-period-nudge:") == ["member.b@district-b.example.org"]
    assert mail.outbox[0].subject == ("Denver Public Schools + University of Denver: 1 of 2 PDSA "
                                      "cycles logged, 5 days left in this action period")
    assert action_period_nudges_send() == 0


# --- Two beat runs at once, on PostgreSQL ----------------------------------------------------

def _at_once(target, n=2):
    barrier, errors = threading.Barrier(n), []

    def run():
        try:
            barrier.wait()
            target()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_two_beat_runs_at_once_send_each_reminder_once_per_person(postgres, world):
    for days in (3, 10, 12):
        ConveningFactory(collaborative=world.collaborative, starts_at=in_days(days))
    _at_once(convening_reminders_send, n=4)
    sent = emails("convening-reminder:")
    assert len(sent) == 3 * N and set(sent) == MEMBERS
    assert sorted(m.to[0] for m in mail.outbox) == sorted(sent)  # one email each, really sent
    assert ReminderLog.objects.count() == 3 * N


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_convening_claim_each_person_once(postgres, world):
    """Past SKIP LOCKED: both workers hold the same convening and race on the claims."""
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10))
    _at_once(lambda: convenings_reminders.convening_reminders_send(
        convening=Convening.objects.select_related("collaborative").get(pk=convening.pk)), n=4)
    assert sorted(emails("convening-reminder:")) == sorted(MEMBERS)
    assert len(mail.outbox) == N
