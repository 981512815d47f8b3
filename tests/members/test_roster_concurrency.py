"""The seat cap under concurrency, on PostgreSQL: 50 simultaneous invitations, 10 seats."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from members import services
from members.models import Invitation
from tests.factories import InstitutionFactory, MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_concurrent_additions_against_ten_seats_leave_exactly_ten(postgres):
    lead = UserFactory()
    team = TeamFactory(lead=lead, membership=MembershipFactory(
        institutions=[InstitutionFactory(), InstitutionFactory(ihe=True)]))
    assert services.seats_covered(team) == 10 and services.seats_used(team) == 1
    barrier = threading.Barrier(50)
    outcomes = []

    def add(n):
        try:
            barrier.wait()
            services.seat_invite(team=team, actor=lead, name=f"P{n}",
                                 email=f"p{n}@example.org", role="member")
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.code or "refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 9
    assert outcomes.count("seat_cap") == 41
    assert Invitation.objects.filter(team=team, status="pending").count() == 9
    assert services.seats_used(team) == 10
