"""The rhythm panel on the collaborative home keeps each person's part (their teams' reports, the
convenings they may evaluate, the attendance of the teams they see) in the cache under a key of
what it is drawn from (``rhythm.panels._panel_inputs``): a change to any one shows on the next
request, and one person's part is never another's."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from collaboratives import pages
from rhythm import panels, selectors, services
from rhythm.models import RhythmSettings
from tests.factories import ConveningFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_fresh_changes(monkeypatch):
    """The tests' rows were all written a moment ago: keep them anyway."""
    monkeypatch.setattr(pages, "HOME_SETTLE_SECONDS", -3600)
    monkeypatch.setattr(panels, "PANEL_SETTLE_SECONDS", -3600)


@pytest.fixture
def held(world):
    """A convening held three days ago."""
    starts = timezone.now() - timedelta(days=3)
    return ConveningFactory(collaborative=world.collaborative, title="Winter session",
                            starts_at=starts, ends_at=starts + timedelta(hours=6))


def home(client, world, user):
    client.force_login(user)
    return client.get(world.collaborative.get_absolute_url()).content.decode()


def test_a_report_drafted_then_submitted(client, world, last_month, this_month):
    assert "Write it" in home(client, world, world.member_a)
    services.report_file(enrollment=world.enrollment_a, month=last_month, actor=world.lead_a,
                         learned="Texts beat calls.")
    assert "Continue the draft" in home(client, world, world.member_a)
    services.report_file(enrollment=world.enrollment_a, month=last_month, actor=world.lead_a,
                         learned="Texts beat calls.", self_score="2.5", submit=True)
    # last month's is done: this month's is the one to work on now
    assert f"<strong>{this_month:%B %Y}</strong> report is due" in home(client, world,
                                                                        world.member_a)


def test_the_rhythm_settings(client, world, last_month):
    due = selectors.due_on(last_month, RhythmSettings.DEFAULT_DUE_DAY)
    assert f"due {date_format(due)}" in home(client, world, world.member_a)
    RhythmSettings.objects.create(collaborative=world.collaborative, report_due_day=20)
    due = selectors.due_on(last_month, 20)
    assert f"due {date_format(due)}" in home(client, world, world.member_a)


def test_the_persons_attendance_then_their_evaluation(client, world, held, staff):
    assert "Tell us how Winter session went" not in home(client, world, world.member_a)
    services.attendance_mark(convening=held, actor=staff, present={world.member_a.pk})
    assert "Tell us how Winter session went" in home(client, world, world.member_a)
    services.evaluation_answer(convening=held, user=world.member_a, overall=4)
    assert "Tell us how Winter session went" not in home(client, world, world.member_a)


def test_one_persons_part_is_not_anothers(client, world, held, staff):
    services.attendance_mark(convening=held, actor=staff, present={world.member_a.pk})
    assert "Tell us how Winter session went" in home(client, world, world.member_a)
    assert "Tell us how Winter session went" not in home(client, world, world.member_b)


def test_a_teams_attendance(client, world, held, staff):
    """The coach sees their team's rate; a mark for one of its people changes it."""
    assert "0 of 2" in home(client, world, world.coach_a)  # this one and the period's opening
    services.attendance_mark(convening=held, actor=staff, present={world.member_a.pk})
    page = home(client, world, world.coach_a)
    assert "1 of 2" in page and "50%" in page
