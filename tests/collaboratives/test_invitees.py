"""One definition of who is invited to a convening (``convening_invitees``): it decides
reminders, move and cancellation notices, and who may answer (``invited_to``)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collaboratives.convenings import reminders as convenings_reminders
from collaboratives.convenings import selectors as convenings_selectors
from collaboratives.convenings.services import convening_cancel, convening_move, rsvp_set
from collaboratives.convenings.tasks import convening_reminders_send
from collaboratives.models import RSVP
from collaboratives.programme import selectors as programme_selectors
from core.models import OutboundEmail
from members.models import Membership, User
from tests.factories import (
    CoachFactory,
    ConveningFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]

ENROLLED = {"lead.a@district-a.example.org", "member.a@district-a.example.org",
            "member.b@district-b.example.org"}
COACHES = {"coach.a@ncsup.example.org", "coach.b@ncsup.example.org"}


def in_days(n):
    return timezone.now().replace(microsecond=0) + timedelta(days=n)


def sent(template, convening):
    return sorted(OutboundEmail.objects.filter(key__startswith=f"{template}:{convening.pk}:")
                  .values_list("to", flat=True))


@pytest.fixture
def everyone(world, staff):
    """People around the network, each a different case."""
    tier1 = UserFactory(email="tier1@district-d.example.org")
    TeamFactory(lead=tier1)
    # An applicant of a current membership who is on no team: applying gives no place in the
    # network (issue 11, access that outlives its reason); a place on the team does.
    MembershipFactory(application__applicant=UserFactory(
        email="applicant@district-f.example.org"))
    ended = UserFactory(email="ended@district-e.example.org")
    Membership.objects.filter(pk=TeamFactory(lead=ended).membership_id).update(
        status=Membership.Status.ENDED)
    CoachFactory(email="spare.coach@ncsup.example.org")  # coaches no team here
    gone = UserFactory(email="gone@district-d.example.org", is_active=False)
    TeamFactory(lead=gone)
    return list(User.objects.all())


def test_the_enrolled_teams_coaches_are_reminded_once(world):
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10))
    assert convening_reminders_send() == 5
    assert convening_reminders_send() == 0
    assert sent("convening-reminder", convening) == sorted(ENROLLED | COACHES)


def test_coaches_hear_of_a_move_and_a_cancellation(world, staff):
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10))
    convening_move(convening=convening, starts_at=convening.starts_at + timedelta(days=1),
                   ends_at=convening.ends_at + timedelta(days=1), actor=staff)
    assert sent("convening-moved", convening) == sorted(ENROLLED | COACHES)
    convening_cancel(convening=convening, actor=staff, reason="Snow")
    assert sent("convening-cancelled", convening) == sorted(ENROLLED | COACHES)


def test_no_skips_the_two_day_reminder_but_not_the_notices(world, staff):
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10))
    convening_reminders_send()  # the 14-day reminder, to all five
    rsvp_set(convening=convening, user=world.member_a, response=RSVP.Response.NO)
    rsvp_set(convening=convening, user=world.coach_a, response=RSVP.Response.MAYBE)
    OutboundEmail.objects.all().delete()
    two_days_before = convening.starts_at - timedelta(days=2)
    assert convenings_reminders.convening_reminders_send(convening=convening,
                                                         now=two_days_before) == 4
    assert "member.a@district-a.example.org" not in sent("convening-reminder", convening)
    assert "coach.a@ncsup.example.org" in sent("convening-reminder", convening)
    # A move: the "no" was to the old date, so the moved convening's reminders reach them again.
    convening_move(convening=convening, starts_at=convening.starts_at + timedelta(days=7),
                   ends_at=convening.ends_at + timedelta(days=7), actor=staff)
    assert "member.a@district-a.example.org" in sent("convening-moved", convening)
    assert convenings_reminders.convening_reminders_send(
        convening=convening, now=convening.starts_at - timedelta(days=2)) == 5
    # Said no again after the move: no reminder; a cancellation still tells them.
    rsvp_set(convening=convening, user=world.member_a, response=RSVP.Response.NO)
    OutboundEmail.objects.all().delete()
    convening_cancel(convening=convening, actor=staff)
    assert "member.a@district-a.example.org" in sent("convening-cancelled", convening)


@pytest.mark.parametrize("open_to_network", [False, True])
def test_the_reminders_reach_exactly_whom_invited_to_accepts(world, everyone, open_to_network):
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10),
                                 open_to_network=open_to_network)
    convening_reminders_send()
    reminded = set(sent("convening-reminder", convening))
    accepted = {user.email for user in everyone if convenings_selectors.invited_to(user, convening)}
    assert reminded == accepted
    invitees = convenings_selectors.convening_invitees(convening).values_list("email", flat=True)
    assert set(invitees) == reminded
    assert reminded >= ENROLLED | COACHES
    # Staff run convenings (not invitees); an ended membership, a deactivated account and a
    # member removed from an enrolled team are not invited to anything.
    assert not {"staff@ncsup.example.org", "ended@district-e.example.org",
                "gone@district-d.example.org", "removed.a@district-a.example.org"} & reminded
    network = {"tier1@district-d.example.org", "spare.coach@ncsup.example.org",
               "outsider@district-c.example.org"}
    assert "applicant@district-f.example.org" not in reminded
    if open_to_network:
        assert network <= reminded
        assert "ended@district-e.example.org" not in reminded
    else:
        assert not network & reminded


def test_a_network_convening_invites_whom_the_network_pages_let_in(world, everyone):
    """The network part of the invitees is ``in_network``'s set: whoever may open a network
    convening is reminded of it, and nobody else (staff aside, see ``convening_invitees``)."""
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10),
                                 open_to_network=True)
    invitees = set(convenings_selectors.convening_invitees(convening))
    for user in everyone:
        if user.is_staff or not user.is_active:
            continue
        assert (user in invitees) == programme_selectors.in_network(user), user.email


def test_a_coach_may_answer_and_a_stranger_may_not(world):
    convening = ConveningFactory(collaborative=world.collaborative, starts_at=in_days(10))
    rsvp_set(convening=convening, user=world.coach_a, response=RSVP.Response.YES)
    with pytest.raises(ValidationError, match="Only the people invited"):
        rsvp_set(convening=convening, user=world.outsider, response=RSVP.Response.YES)
