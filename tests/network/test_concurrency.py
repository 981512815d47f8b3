"""The last places under real concurrency (PostgreSQL): N people register at once for an event
with fewer places; exactly its capacity are registered, the rest are refused (or queued)."""

import pytest
from django.core.exceptions import ValidationError

from network import services
from network.models import Registration
from tests.billing.conftest import run_in_threads
from tests.factories import TeamFactory, TeamMemberFactory, TierFactory, UserFactory
from tests.network.factories import EventFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _people(n):
    TierFactory()
    team = TeamFactory(lead=UserFactory())
    return [TeamMemberFactory(team=team).user for _ in range(n)]


@pytest.mark.parametrize("waitlist", [False, True])
def test_ten_at_once_for_the_last_three_places(postgres, waitlist):
    people = _people(10)
    event = EventFactory(capacity=3)

    def register(index):
        try:
            return services.event_register(event=event, user=people[index],
                                           waitlist=waitlist).status
        except ValidationError as error:
            return error.code if hasattr(error, "code") else "refused"

    statuses, errors = run_in_threads(10, register)
    assert errors == []
    assert Registration.objects.filter(event=event, status="registered").count() == 3
    assert statuses.count("registered") == 3
    if waitlist:
        assert statuses.count("waitlisted") == 7
        assert Registration.objects.filter(event=event, status="waitlisted").count() == 7
    else:
        assert Registration.objects.filter(event=event).count() == 3


def test_cancellations_at_once_promote_each_waiting_person_once(postgres, immediate_on_commit):
    people = _people(6)
    event = EventFactory(capacity=3)
    for person in people:
        services.event_register(event=event, user=person, waitlist=True)

    def cancel(index):
        return services.registration_cancel(event=event, user=people[index]).status

    statuses, errors = run_in_threads(3, cancel)
    assert errors == [] and statuses == ["cancelled"] * 3
    registered = set(Registration.objects.filter(event=event, status="registered")
                     .values_list("user_id", flat=True))
    assert registered == {p.pk for p in people[3:]}
