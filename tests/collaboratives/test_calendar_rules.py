"""Phases and convenings: dates inside the collaborative, phases in order without overlap."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from collaboratives.convenings.services import (
    convening_cadence_note,
    convening_cancel,
    convening_move,
    convening_schedule,
)
from collaboratives.cycles.services import action_periods_create_between_convenings
from collaboratives.models import Convening, Phase
from collaboratives.programme.services import phase_set
from tests.factories import (
    ActionPeriodFactory,
    CollaborativeFactory,
    ConveningFactory,
    PhaseFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


@pytest.fixture
def collaborative():
    return CollaborativeFactory()


def days(collaborative, n):
    return collaborative.start + timedelta(days=n)


def test_four_phases_in_order_are_saved(collaborative):
    for i, kind in enumerate(Phase.ORDER):
        phase_set(collaborative=collaborative, kind=kind,
                  start=days(collaborative, i * 90),
                  end=days(collaborative, i * 90 + 89))
    assert [p.kind for p in collaborative.phases.order_by("start")] == Phase.ORDER
    assert collaborative.current_phase(days(collaborative, 89)).kind == Phase.Kind.LEARNING
    # The collaborative started 90 days ago: today is the first day of Testing.
    assert collaborative.current_phase().kind == Phase.Kind.TESTING
    assert collaborative.current_phase(collaborative.end) is None


def test_phase_outside_the_collaborative_is_refused(collaborative):
    with pytest.raises(ValidationError) as error:
        phase_set(collaborative=collaborative, kind="learning",
                  start=days(collaborative, -1), end=days(collaborative, 30))
    assert "cannot start before it" in str(error.value)
    with pytest.raises(ValidationError) as error:
        phase_set(collaborative=collaborative, kind="sustaining",
                  start=days(collaborative, 300), end=collaborative.end + timedelta(1))
    assert "cannot run past it" in str(error.value)
    assert not collaborative.phases.exists()


def test_overlapping_phases_are_refused(collaborative):
    phase_set(collaborative=collaborative, kind="learning", start=days(collaborative, 0),
              end=days(collaborative, 90))
    with pytest.raises(ValidationError) as error:
        phase_set(collaborative=collaborative, kind="testing",
                  start=days(collaborative, 90), end=days(collaborative, 180))
    assert "must start after the Learning phase ends" in " ".join(error.value.messages)
    assert collaborative.phases.count() == 1


def test_phases_out_of_order_are_refused(collaborative):
    phase_set(collaborative=collaborative, kind="testing", start=days(collaborative, 0),
              end=days(collaborative, 90))
    with pytest.raises(ValidationError) as error:
        phase_set(collaborative=collaborative, kind="learning",
                  start=days(collaborative, 100), end=days(collaborative, 150))
    assert "Testing phase must start after the Learning phase" in " ".join(error.value.messages)


def test_phase_ending_before_it_starts_is_refused(collaborative):
    with pytest.raises(ValidationError) as error:
        phase_set(collaborative=collaborative, kind="learning",
                  start=days(collaborative, 10), end=days(collaborative, 5))
    assert error.value.message_dict["end"] == ["A phase ends on or after the day it starts."]


def test_phase_clean_checks_its_saved_siblings(collaborative):
    PhaseFactory(collaborative=collaborative, kind="learning", start=days(collaborative, 0),
                 end=days(collaborative, 90))
    overlapping = Phase(collaborative=collaborative, kind="testing",
                        start=days(collaborative, 60), end=days(collaborative, 120))
    with pytest.raises(ValidationError) as error:
        overlapping.full_clean()
    assert "without overlap" in " ".join(error.value.message_dict["start"])
    Phase(collaborative=collaborative, kind="testing", start=days(collaborative, 91),
          end=days(collaborative, 120)).full_clean()  # the day after: fine


def test_convening_outside_the_collaborative_is_refused(collaborative):
    before = timezone.make_aware(timezone.datetime.combine(days(collaborative, -1),
                                                           timezone.datetime.min.time()))
    with pytest.raises(ValidationError) as error:
        convening_schedule(collaborative=collaborative, title="Kickoff",
                           format="online", starts_at=before.replace(hour=9),
                           ends_at=before.replace(hour=12),
                           meeting_link="https://meet.example.org/kickoff")
    assert "a convening cannot be earlier" in error.value.message_dict["starts_at"][0]
    after = timezone.make_aware(timezone.datetime.combine(collaborative.end + timedelta(1),
                                                          timezone.datetime.min.time()))
    with pytest.raises(ValidationError) as error:
        convening_schedule(collaborative=collaborative, title="Close", format="online",
                           starts_at=after.replace(hour=9), ends_at=after.replace(hour=12),
                           meeting_link="https://meet.example.org/close")
    assert "a convening cannot be later" in error.value.message_dict["ends_at"][0]
    assert not Convening.objects.exists()


def test_convening_needs_its_place_and_an_end_after_its_start(collaborative):
    start = timezone.now() + timedelta(days=10)
    with pytest.raises(ValidationError) as error:
        convening_schedule(collaborative=collaborative, title="Spring", format="in_person",
                           starts_at=start, ends_at=start - timedelta(hours=1))
    assert set(error.value.message_dict) == {"ends_at", "venue", "address"}
    with pytest.raises(ValidationError) as error:
        convening_schedule(collaborative=collaborative, title="Spring", format="online",
                           starts_at=start, ends_at=start + timedelta(hours=2))
    assert error.value.message_dict == {"meeting_link": ["An online convening needs a meeting "
                                                         "link."]}
    convening = convening_schedule(
        collaborative=collaborative, title="Spring", format="online", starts_at=start,
        ends_at=start + timedelta(hours=2), meeting_link="https://meet.example.org/spring")
    assert convening.status == Convening.Status.SCHEDULED


def test_moving_a_convening_past_the_one_closing_its_action_period_is_refused():
    period = ActionPeriodFactory()
    opening, closing = period.opening_convening, period.closing_convening
    with pytest.raises(ValidationError) as error:
        convening_move(convening=opening, starts_at=closing.starts_at + timedelta(1),
                       ends_at=closing.starts_at + timedelta(days=1, hours=3))
    assert "must stay before it" in error.value.message_dict["starts_at"][0]
    with pytest.raises(ValidationError) as error:
        convening_move(convening=closing, starts_at=opening.starts_at - timedelta(1),
                       ends_at=opening.starts_at - timedelta(hours=20))
    assert "must stay after it" in error.value.message_dict["starts_at"][0]


def test_a_move_raises_the_calendar_revision_and_a_cancelled_convening_stays_put():
    convening = ConveningFactory()
    moved = convening_move(convening=convening,
                           starts_at=convening.starts_at + timedelta(days=7),
                           ends_at=convening.ends_at + timedelta(days=7))
    assert moved.revision == 1
    convening_cancel(convening=convening, reason="Storm")
    with pytest.raises(ValidationError, match="cancelled convening cannot be moved"):
        convening_move(convening=convening,
                       starts_at=convening.starts_at + timedelta(days=1),
                       ends_at=convening.ends_at + timedelta(days=1))


def test_cadence_note_outside_four_to_six_a_year(collaborative):
    assert "guidance is 4-6 a year" in convening_cadence_note(collaborative)
    start = timezone.now() + timedelta(days=1)
    for week in range(5):
        ConveningFactory(collaborative=collaborative, starts_at=start + timedelta(weeks=week * 8))
    assert convening_cadence_note(collaborative) is None


def test_action_periods_are_created_between_consecutive_convenings(collaborative):
    start = timezone.now() + timedelta(days=1)
    convenings = [ConveningFactory(collaborative=collaborative,
                                   starts_at=start + timedelta(weeks=8 * i)) for i in range(3)]
    created = action_periods_create_between_convenings(collaborative=collaborative,
                                                       expected_cycles=3)
    assert [(p.opening_convening, p.closing_convening, p.expected_cycles) for p in created] == [
        (convenings[0], convenings[1], 3), (convenings[1], convenings[2], 3)]
    assert action_periods_create_between_convenings(collaborative=collaborative) == []
