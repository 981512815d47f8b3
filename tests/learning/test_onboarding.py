"""Each collaborative's onboarding checklist: items that tick themselves, items the team ticks,
and who sees which teams are not ready."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collaboratives.models import Convening
from learning import services
from learning.models import ChecklistItem, ChecklistTick
from members.models import Role, TeamMember
from tests.factories import (
    CoachingCallFactory,
    ConveningFactory,
    EnrollmentFactory,
    MeasureFactory,
    MeasureValueFactory,
    TeamAimFactory,
    UserFactory,
)
from tests.learning.util import answers

pytestmark = pytest.mark.django_db
Kind = ChecklistItem.Kind


def _finish(course, user):
    for module in course.modules.all():
        for lesson in module.lessons.all():
            services.lesson_done(lesson=lesson, user=user)
        services.quiz_submit(module=module, user=user, answers=answers(module))


@pytest.fixture
def items(world, course):
    c = world.collaborative
    make = ChecklistItem.objects.create
    return {
        "lead": make(collaborative=c, title="Lead finished the course", kind=Kind.COURSE_LEAD,
                     course=course, position=1),
        "members": make(collaborative=c, title="Two members finished the course",
                        kind=Kind.COURSE_MEMBERS, course=course, members_needed=2, position=2),
        "aim": make(collaborative=c, title="Aim drafted", kind=Kind.AIM, position=3),
        "baseline": make(collaborative=c, title="Baseline data uploaded", kind=Kind.BASELINE,
                         position=4),
        "call": make(collaborative=c, title="First coaching call held",
                     kind=Kind.COACHING_CALL, position=5),
        "charter": make(collaborative=c, title="Charter signed by the sponsor", position=6),
    }


def _page(client, who, world, team=None):
    client.force_login(who)
    url = (f"/learn/onboarding/{world.collaborative.slug}/" if team is None
           else f"/learn/onboarding/{world.collaborative.slug}/teams/{team.pk}/")
    return client.get(url)


def _done(html):
    return html.count("checklist-item checklist-done")


def test_items_tick_themselves_from_what_the_portal_knows(client, world, items, course):
    page = _page(client, world.lead_a, world, world.team_a).content.decode()
    assert _done(page) == 0 and "0 of 6 steps done" in page
    _finish(course, world.lead_a)
    TeamAimFactory(enrollment=world.enrollment_a)
    MeasureValueFactory(team=world.team_a,
                        measure=MeasureFactory(collaborative=world.collaborative))
    CoachingCallFactory(enrollment=world.enrollment_a)
    page = _page(client, world.lead_a, world, world.team_a).content.decode()
    assert _done(page) == 4  # the lead's course, aim, baseline, call
    assert "1 of 2 have finished" in page
    _finish(course, world.member_a)
    page = _page(client, world.lead_a, world, world.team_a).content.decode()
    assert _done(page) == 5 and "2 of 2 have finished" in page


def test_a_removed_member_or_another_teams_finisher_does_not_count(client, world, items, course):
    _finish(course, world.removed_a)
    _finish(course, world.member_b)
    _finish(course, world.member_a)
    page = _page(client, world.lead_a, world, world.team_a).content.decode()
    assert "1 of 2 have finished" in page


def test_baseline_data_of_another_collaborative_does_not_count(client, world, items):
    MeasureValueFactory(team=world.team_a, measure=MeasureFactory())
    page = _page(client, world.lead_a, world, world.team_a).content.decode()
    assert _done(page) == 0


def test_the_team_ticks_its_own_items_and_can_untick(client, world, items):
    url = f"/learn/onboarding/{world.collaborative.slug}/teams/{world.team_a.pk}/"
    client.force_login(world.member_a)
    client.post(url, {"item": items["charter"].pk, "ticked": "1"})
    client.post(url, {"item": items["charter"].pk, "ticked": "1"})  # twice: one tick
    assert ChecklistTick.objects.get().ticked_by == world.member_a
    assert _done(client.get(url).content.decode()) == 1
    client.post(url, {"item": items["charter"].pk, "ticked": "0"})
    assert not ChecklistTick.objects.exists()


def test_automatic_items_cannot_be_ticked_by_hand(world, items):
    with pytest.raises(ValidationError):
        services.checklist_tick(item=items["aim"], team=world.team_a, actor=world.lead_a,
                                ticked=True)


def test_coaches_see_but_do_not_tick_and_other_teams_are_refused(client, world, items):
    url = f"/learn/onboarding/{world.collaborative.slug}/teams/{world.team_a.pk}/"
    client.force_login(world.coach_a)
    assert client.get(url).status_code == 200
    assert client.post(url, {"item": items["charter"].pk, "ticked": "1"}).status_code == 404
    for outsider in (world.coach_b, world.member_b, world.removed_a, world.outsider):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider
        assert client.post(url, {"item": items["charter"].pk, "ticked": "1"}).status_code == 404
    assert not ChecklistTick.objects.exists()


def test_a_tick_for_an_item_of_another_collaborative_is_refused(client, world, items):
    foreign = ChecklistItem.objects.create(collaborative=EnrollmentFactory().collaborative,
                                           title="Elsewhere")
    client.force_login(world.lead_a)
    url = f"/learn/onboarding/{world.collaborative.slug}/teams/{world.team_a.pk}/"
    assert client.post(url, {"item": foreign.pk, "ticked": "1"}).status_code == 404


def test_coaches_see_only_their_teams_not_ready_and_staff_see_all(client, world, items, staff):
    Convening.objects.filter(collaborative=world.collaborative).update(
        starts_at=timezone.now() + timedelta(days=60), ends_at=timezone.now() + timedelta(days=61))
    ConveningFactory(collaborative=world.collaborative, title="Launch convening",
                     starts_at=timezone.now() + timedelta(days=20),
                     ends_at=timezone.now() + timedelta(days=20, hours=6))
    page = _page(client, world.coach_a, world).content.decode()
    assert world.team_a.name in page and world.team_b.name not in page
    assert "Next convening: <strong>Launch convening</strong>" in page
    assert "1 team not ready yet" in page
    assert "Charter signed by the sponsor" in page  # listed as still to do
    page = _page(client, staff, world).content.decode()
    assert world.team_a.name in page and world.team_b.name in page
    assert "2 teams not ready yet" in page
    page = _page(client, world.member_b, world).content.decode()
    assert world.team_b.name in page and world.team_a.name not in page
    assert _page(client, world.outsider, world).status_code == 404


def test_ready_teams_are_listed_after_those_not_ready(client, world, staff):
    charter = ChecklistItem.objects.create(collaborative=world.collaborative, title="Charter")
    # Team A (Oxford) sorts first by name; once ready it goes after Denver.
    services.checklist_tick(item=charter, team=world.team_a, actor=world.lead_a, ticked=True)
    page = _page(client, staff, world).content.decode()
    assert page.index(world.team_b.name) < page.index(world.team_a.name)
    assert "Ready" in page


def test_a_collaborative_without_a_checklist_says_so(client, world):
    page = _page(client, world.lead_a, world).content.decode()
    assert "have not set up this collaborative's onboarding checklist" in page


def test_the_overview_costs_the_same_queries_for_more_teams(client, world, items, staff, course,
                                                            django_assert_max_num_queries):
    client.force_login(staff)
    url = f"/learn/onboarding/{world.collaborative.slug}/"
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    for _ in range(8):
        enrollment = EnrollmentFactory(collaborative=world.collaborative,
                                       team__lead=UserFactory())
        TeamMember.objects.create(team=enrollment.team, user=UserFactory(), role=Role.MEMBER)
        TeamAimFactory(enrollment=enrollment)
        CoachingCallFactory(enrollment=enrollment)
        services.checklist_tick(item=items["charter"], team=enrollment.team,
                                actor=enrollment.team.members.first().user, ticked=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    team_url = f"/learn/onboarding/{world.collaborative.slug}/teams/{world.team_a.pk}/"
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(team_url).status_code == 200
