"""Convenings open to the whole network: every current member, Tier 1 included, sees them,
answers and gets their reminders; nothing else of the collaborative opens to them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collaboratives.convenings.services import calendar_token_for, rsvp_set
from collaboratives.convenings.tasks import convening_reminders_send
from collaboratives.models import RSVP
from core.models import OutboundEmail
from members.models import Membership, TeamMember
from members.selectors import CURRENT_PLACE
from tests.collaboratives.util import url
from tests.factories import ConveningFactory, TeamFactory, UserFactory
from tests.once import token

pytestmark = pytest.mark.django_db

S = "attendance-works"
ENROLLED = {"lead.a@district-a.example.org", "member.a@district-a.example.org",
            "member.b@district-b.example.org"}


@pytest.fixture
def convenings(world):
    open_one = ConveningFactory(collaborative=world.collaborative, online=True,
                                title="Spreading what works", open_to_network=True,
                                starts_at=timezone.now() + timedelta(days=10))
    own = ConveningFactory(collaborative=world.collaborative, title="Teams only",
                           starts_at=timezone.now() + timedelta(days=10))
    return open_one, own


@pytest.fixture
def tier1(world):
    """A Tier 1 member: on the team of a current membership that no collaborative enrolls."""
    lead = UserFactory(email="tier1@district-d.example.org")
    TeamFactory(lead=lead, name="Fairfax County Public Schools")
    return lead


def test_a_network_member_sees_an_open_convening_and_nothing_else_of_the_collaborative(
        client, world, convenings, tier1):
    open_one, own = convenings
    client.force_login(tier1)
    response = client.get(url("convening", S, open_one.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "open to the whole network" in html and "You are invited as a member" in html
    assert "https://meet.example.org/ncsup-convening" in html  # invited: the link is theirs
    assert "Will you come?" in html
    assert "Shared learning" not in html  # no collaborative tabs for a guest
    assert client.get(url("convening_ics", S, open_one.pk)).status_code == 200
    for path in (url("convening", S, own.pk), url("convening_ics", S, own.pk), url("home", S),
                 url("cycles", S)):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("who", ["ended membership", "no membership", "removed member"])
def test_outside_the_network_an_open_convening_is_still_a_404(client, world, convenings, tier1,
                                                              who):
    open_one, _ = convenings
    if who == "ended membership":
        Membership.objects.filter(team__members__user=tier1).update(
            status=Membership.Status.ENDED)
        person = tier1
    elif who == "no membership":
        person = UserFactory()
    else:
        person = world.removed_a  # removed from team A, on no other team
    client.force_login(person)
    assert client.get(url("convening", S, open_one.pk)).status_code == 404
    with pytest.raises(ValidationError, match="Only the people invited"):
        rsvp_set(convening=open_one, user=person, response=RSVP.Response.YES)


def test_a_network_member_answers_an_open_convening_but_not_a_teams_only_one(
        client, world, convenings, tier1):
    open_one, own = convenings
    client.force_login(tier1)
    response = client.post(url("convening", S, open_one.pk), {**token(),
                                                              "response": "yes"}, follow=True)
    assert "your answer is saved" in response.content.decode()
    assert RSVP.objects.get(user=tier1).convening == open_one
    with pytest.raises(ValidationError, match="Only the people invited"):
        rsvp_set(convening=own, user=tier1, response=RSVP.Response.YES)


@pytest.mark.usefixtures("immediate_on_commit")
def test_reminders_of_an_open_convening_go_to_the_whole_network_once(world, convenings, tier1):
    open_one, own = convenings
    ended = UserFactory(email="ended@district-e.example.org")
    Membership.objects.filter(pk=TeamFactory(lead=ended).membership_id).update(
        status=Membership.Status.ENDED)
    convening_reminders_send()

    def sent_for(convening):
        return set(OutboundEmail.objects.filter(key__contains=f":{convening.pk}:")
                   .values_list("to", flat=True))

    coaches = {"coach.a@ncsup.example.org", "coach.b@ncsup.example.org"}
    # Everyone with a place on a current membership's team; applying alone gives none.
    on_teams = set(TeamMember.objects.filter(**CURRENT_PLACE).values_list("user__email",
                                                                          flat=True))
    network = ENROLLED | coaches | on_teams | {"outsider@district-c.example.org",
                                               "tier1@district-d.example.org"}
    assert sent_for(open_one) == network  # not the ended membership, not the removed member
    assert "ended@district-e.example.org" not in network
    assert sent_for(own) == ENROLLED | coaches
    assert convening_reminders_send() == 0


def test_the_convenings_page_and_the_feed_list_what_each_person_is_invited_to(
        client, world, convenings, tier1):
    token = calendar_token_for(user=tier1).token
    feed = client.get(url("calendar_feed", token)).content.decode()
    assert "Spreading what works" in feed and "Teams only" not in feed
    client.force_login(tier1)
    html = client.get(url("calendar")).content.decode()
    assert "Spreading what works" in html and "Teams only" not in html
    client.force_login(world.member_a)
    html = client.get(url("calendar")).content.decode()
    assert "Spreading what works" in html and "Teams only" in html
    client.force_login(UserFactory())
    assert "No convening ahead for you yet" in client.get(url("calendar")).content.decode()


@pytest.mark.parametrize("n", [3, 40])
def test_the_convenings_page_makes_the_same_queries_whatever_the_number(
        client, world, tier1, n, django_assert_max_num_queries):
    for i in range(n):
        ConveningFactory(collaborative=world.collaborative, open_to_network=True,
                         starts_at=timezone.now() + timedelta(days=5 + i))
    client.force_login(tier1)
    with django_assert_max_num_queries(9):
        response = client.get(url("calendar"))
    assert response.content.decode().count('class="card"') == min(n, 20)  # one page of 20


def test_a_guests_convening_page_asks_who_is_in_the_network_once(
        client, world, convenings, tier1):
    open_one, _ = convenings
    client.force_login(tier1)
    client.get(url("convening", S, open_one.pk))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("convening", S, open_one.pk)).status_code == 200
    groups = [q for q in queries.captured_queries if "auth_group" in q["sql"]]
    assert len(groups) == 1  # is_coach: asked by network_convening, not again for the RSVP


@pytest.mark.parametrize("who", ["former applicant", "left early"])
def test_access_ends_with_the_reason_for_it(client, world, convenings, tier1, who):
    """The applicant who handed the lead over and was removed, or a membership that left early:
    no network convening (nor its meeting link), no library, no answer."""
    from django.urls import reverse
    from django.utils import timezone

    from collaboratives.models import ChangePackage
    from members import services as member_services
    from members.models import TeamMember

    package = ChangePackage.objects.create(
        collaborative=world.collaborative, version=1, title="Change package",
        status=ChangePackage.Status.PUBLISHED, published_at=timezone.now())
    open_one, _ = convenings
    if who == "former applicant":
        place = TeamMember.objects.get(user=tier1)
        successor = UserFactory()
        TeamMember.objects.create(team=place.team, user=successor, role="member")
        member_services.lead_handover(team=place.team, actor=tier1,
                                      to=place.team.members.get(user=successor))
        member_services.member_remove(member=place.team.members.get(user=tier1,
                                                                    status="active"),
                                      actor=successor)
    else:
        Membership.objects.filter(team__members__user=tier1).update(
            status=Membership.Status.LEFT_EARLY)
    client.force_login(tier1)
    response = client.get(url("convening", S, open_one.pk))
    assert response.status_code == 404
    assert "meet.example.org" not in response.content.decode()
    assert client.get(url("convening_ics", S, open_one.pk)).status_code == 404
    assert client.get(reverse("collaboratives:library_package", args=[package.pk])
                      ).status_code == 404
    assert open_one.title not in client.get(url("calendar")).content.decode()
    with pytest.raises(ValidationError, match="Only the people invited"):
        rsvp_set(convening=open_one, user=tier1, response=RSVP.Response.YES)


def test_an_enrolled_team_that_left_early_gets_no_reminders(world, convenings):
    Membership.objects.filter(team=world.team_b).update(status=Membership.Status.LEFT_EARLY)
    convening_reminders_send()
    sent = set(OutboundEmail.objects.values_list("to", flat=True))
    assert "member.b@district-b.example.org" not in sent
    assert "member.a@district-a.example.org" in sent
