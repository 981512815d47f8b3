"""Two tabs accept the same renewal at the same moment, on PostgreSQL: one invoice."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.models import Invoice
from core.dates import add_years
from members.models import Membership
from renewals import services
from renewals.models import Renewal
from renewals.tasks import renewals_advance_due
from tests.billing.conftest import run_in_threads
from tests.factories import FeeScheduleFactory
from tests.renewals.conftest import membership_ending

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_delivery(monkeypatch):
    from billing import services as billing_services

    monkeypatch.setattr(billing_services, "_enqueue", lambda task, *args: None)


@pytest.fixture
def offer(postgres, no_delivery):
    """(membership, renewal, the billing contact who answers) for an offer made today."""
    FeeScheduleFactory()
    today = timezone.localdate()
    membership = membership_ending(today + timedelta(days=90))
    renewal = services.renewal_offer(membership=membership, today=today)
    return membership, renewal, membership.billing_contacts.get(user__isnull=False).user


def test_two_tabs_accepting_at_once_issue_one_invoice(offer):
    membership, renewal, contact = offer

    def accept(index):
        return services.renewal_accept(renewal=Renewal.objects.get(pk=renewal.pk),
                                       actor=contact, years=1 + index % 2,
                                       tier=membership.tier).invoice_id

    results, errors = run_in_threads(2, accept)
    assert errors == []
    assert results[0] == results[1] is not None
    assert Invoice.objects.count() == 1
    renewal.refresh_from_db()
    years = renewal.years
    expected_end = add_years(renewal.anniversary, years) - timedelta(days=1)
    assert Membership.objects.get(pk=membership.pk).term_end == expected_end


def test_accept_and_decline_at_once_one_wins_cleanly(offer):
    membership, renewal, contact = offer

    def answer(index):
        fresh = Renewal.objects.get(pk=renewal.pk)
        if index == 0:
            return services.renewal_accept(renewal=fresh, actor=contact, years=1,
                                           tier=membership.tier).status
        return services.renewal_decline(renewal=fresh, actor=contact, reason="budget").status

    _, errors = run_in_threads(2, answer)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError)
    renewal.refresh_from_db()
    assert renewal.status in ("accepted", "declined")
    assert Invoice.objects.count() == (1 if renewal.status == "accepted" else 0)


def test_the_daily_job_on_four_workers_at_once_sends_each_offer_once(postgres, no_delivery):
    FeeScheduleFactory()
    today = timezone.localdate()
    memberships = [membership_ending(today + timedelta(days=90)) for _ in range(12)]
    _, errors = run_in_threads(4, lambda _: renewals_advance_due(today=today.isoformat()))
    assert errors == []
    renewals_advance_due(today=today.isoformat())
    assert Renewal.objects.count() == 12
    for membership in memberships:
        assert membership.renewals.get().notices.filter(kind="offer").count() == 1
