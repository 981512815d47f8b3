"""The collaborative home keeps what it shows everyone (``pages.HomeSummary``) in the cache under
a key of everything it is drawn from: a change to any one of those inputs shows on the next
request. Each test fills the cache, changes one input the way the portal does, and reads the
page again. What differs per person is never kept: the links each person may follow, their
teams, their answers."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from collaboratives import pages
from collaboratives.changepackages.models import ChangePackage
from collaboratives.models import Phase
from collaboratives.programme.services import enrollment_coach_assign
from members.models import Role, TeamMember
from members.services import member_remove, membership_leave_early
from tests.collaboratives.util import url
from tests.factories import (
    ActionPeriodFactory,
    CoachFactory,
    ConveningFactory,
    EnrollmentFactory,
    PDSACycleFactory,
    PhaseFactory,
    TeamAimFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_fresh_changes(monkeypatch):
    """The tests' rows were all written a moment ago: keep the summary anyway (the settling
    rule has a test of its own)."""
    monkeypatch.setattr(pages, "HOME_SETTLE_SECONDS", -3600)


def home(client, world, user=None):
    client.force_login(user or world.member_a)
    return client.get(url("home", world.collaborative.slug)).content.decode()


def cached_summaries():
    return [key for key in cache._cache if ":summary:" in key]  # LocMemCache


def test_the_summary_is_kept_and_used(client, world, django_assert_max_num_queries):
    home(client, world)
    assert len(cached_summaries()) == 1
    client.force_login(world.member_b)
    # no query of the summary's or the cycles' own (3 are collaborative_or_404's)
    with django_assert_max_num_queries(14):
        page = client.get(url("home", world.collaborative.slug)).content.decode()
    assert world.team_b.name in page
    assert len(cached_summaries()) == 1


def test_a_recent_change_is_read_afresh_and_not_kept(client, world, monkeypatch):
    monkeypatch.setattr(pages, "HOME_SETTLE_SECONDS", 120)
    home(client, world)  # every row of the world was written just now
    assert cached_summaries() == []


def test_each_person_gets_their_own_links_from_the_same_summary(client, world, staff):
    workspace_b = url("workspace", world.collaborative.slug, world.team_b.pk)
    assert f'href="{workspace_b}"' in home(client, world, staff)  # staff fill the cache
    page = home(client, world, world.member_a)
    assert f'href="{workspace_b}"' not in page  # not member A's team
    assert f'href="{url("workspace", world.collaborative.slug, world.team_a.pk)}"' in page


def test_the_collaborative_itself(client, world):
    assert "Convenings of Attendance Works Collaborative" in home(client, world)
    world.collaborative.name = "Attendance Works 2027"
    world.collaborative.save()
    assert "Convenings of Attendance Works 2027" in home(client, world)


def test_a_phase(client, world):
    assert "The Center has not dated the phases yet." in home(client, world)
    PhaseFactory(collaborative=world.collaborative, kind=Phase.Kind.LEARNING,
                 start=world.collaborative.start, end=timezone.localdate() + timedelta(days=5),
                 summary="Teams study their system")
    assert "Teams study their system" in home(client, world)


def test_a_convening(client, world):
    home(client, world)
    convening = world.period.closing_convening
    convening.title = "Spring learning session"
    convening.save()
    assert "Spring learning session" in home(client, world)


def test_an_action_period(client, world):
    assert "log <strong>2 PDSA cycles</strong>" in home(client, world)
    world.period.expected_cycles = 3
    world.period.save()
    page = home(client, world)
    assert "log <strong>3 PDSA cycles</strong>" in page and "0 of 3" in page


def test_an_enrollment_and_its_coach(client, world):
    assert "coach.a@ncsup.example.org" in home(client, world)
    enrollment_coach_assign(enrollment=world.enrollment_a,
                            coach=CoachFactory(email="coach.c@ncsup.example.org"))
    EnrollmentFactory(collaborative=world.collaborative, team__name="Fordham + Bronx schools")
    page = home(client, world)
    assert "coach.c@ncsup.example.org" in page and "Fordham + Bronx schools" in page
    assert "3 enrolled" in page


def test_a_team_aim(client, world):
    assert "Not set yet" in home(client, world)
    TeamAimFactory(enrollment=world.enrollment_a, what="cut chronic absence in grades 6-8")
    assert "cut chronic absence in grades 6-8" in home(client, world)


def test_a_team_name(client, world):
    home(client, world)
    world.team_b.name = "Denver Public Schools + DU"
    world.team_b.save()
    assert "Denver Public Schools + DU" in home(client, world)


def test_a_coach_name(client, world):
    home(client, world)
    world.coach_b.first_name, world.coach_b.last_name = "Carmen", "Ortiz"
    world.coach_b.save()
    assert "Carmen Ortiz" in home(client, world)


def test_a_change_package(client, world):
    assert "Not published yet" in home(client, world)
    ChangePackage.objects.create(collaborative=world.collaborative, version=1,
                                 title="Attendance change package",
                                 status=ChangePackage.Status.PUBLISHED,
                                 published_at=timezone.now())
    assert "Attendance change package" in home(client, world)


def test_the_day(world):
    """The current phase and period are the day's: the key holds the day."""
    found = pages._home_collaborative(world.collaborative.slug, world.member_a.pk)[:2]
    today = timezone.localdate()
    assert pages.home_summary(*found, today)[0].period == world.period
    later = today + timedelta(days=60)  # after the period's closing convening
    assert pages.home_summary(*found, later)[0].period is None
    assert len(cached_summaries()) == 2


def test_the_templates_of_its_fragments(world, monkeypatch):
    found = pages._home_collaborative(world.collaborative.slug, world.member_a.pk)[:2]
    pages.home_summary(*found, timezone.localdate())
    monkeypatch.setattr(pages, "_fragments_version", lambda: "changed")
    pages.home_summary(*found, timezone.localdate())
    assert len(cached_summaries()) == 2


# The cycles' part (``pages.home_cycles``): each team's cycles in the current period, and the
# newest completed cycles of any period.

def test_a_cycle_logged_in_the_period(client, world):
    assert "0 of 2" in home(client, world)
    PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea)
    assert "1 of 2" in home(client, world)


def test_a_cycle_advanced_in_the_period(client, world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, title="Texting families")
    home(client, world)
    cycle.status, cycle.decision, cycle.completed_at = "completed", "adopt", timezone.now()
    cycle.save()
    page = home(client, world)
    assert '<td class="num" data-label="Completed">1</td>' in page
    assert "Texting families" in page  # now shared learning


def test_a_cycle_completed_in_an_earlier_period(client, world):
    earlier = ActionPeriodFactory(
        collaborative=world.collaborative,
        opening_convening=ConveningFactory(collaborative=world.collaborative,
                                           starts_at=timezone.now() - timedelta(days=60)),
        closing_convening=ConveningFactory(collaborative=world.collaborative,
                                           starts_at=timezone.now() - timedelta(days=30)))
    assert "No completed PDSA cycles yet" in home(client, world)
    PDSACycleFactory(team=world.team_b, action_period=earlier, change_idea=world.idea,
                     title="Morning greeters", completed=True)
    assert "Morning greeters" in home(client, world)


def test_a_completed_cycle_edited(client, world):
    cycle = PDSACycleFactory(team=world.team_a, action_period=world.period,
                             change_idea=world.idea, title="Texting families", completed=True)
    home(client, world)
    cycle.title = "Texting families on day one"
    cycle.save()
    assert "Texting families on day one" in home(client, world)


def test_a_change_idea_renamed(client, world):
    PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                     completed=True)
    home(client, world)
    world.idea.title = "Text families the same morning"
    world.idea.save()
    assert "Text families the same morning" in home(client, world)


def test_a_team_renamed_in_the_learning(client, world):
    PDSACycleFactory(team=world.team_a, action_period=world.period, change_idea=world.idea,
                     completed=True)
    home(client, world)
    world.team_a.name = "Oxford + Ole Miss"
    world.team_a.save()
    assert "Oxford + Ole Miss · " in home(client, world)


# The person's places (``pages.home_viewer``): who may open the page at all, and which teams are
# theirs, are kept under a key of their rows on teams, those teams' and their memberships'.

def test_a_place_ended(client, world):
    home(client, world)
    member_remove(member=TeamMember.objects.get(team=world.team_a, user=world.member_a),
                  actor=world.lead_a)
    client.force_login(world.member_a)
    assert client.get(url("home", world.collaborative.slug)).status_code == 404


def test_a_membership_ended(client, world, staff):
    home(client, world)
    membership_leave_early(membership=world.team_a.membership, actor=staff, reason="Budget cut")
    client.force_login(world.member_a)
    assert client.get(url("home", world.collaborative.slug)).status_code == 404


def test_a_place_taken(client, world):
    client.force_login(world.outsider)
    assert client.get(url("home", world.collaborative.slug)).status_code == 404
    TeamMember.objects.create(team=world.team_b, user=world.outsider, role=Role.MEMBER)
    page = home(client, world, world.outsider)
    assert f'href="{url("workspace", world.collaborative.slug, world.team_b.pk)}"' in page
