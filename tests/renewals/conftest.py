"""A membership whose commitment ends 90 days from today (day -90 of its renewal), with a team.

    lead (team lead, and the applicant: a billing contact with a portal account)
    member (on the team, not a billing contact)
    the AP address (a billing contact without an account: ap@example.org)
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from core.dates import add_years
from members.models import Role, TeamMember
from renewals import services
from tests.factories import MembershipFactory, TeamFactory, UserFactory


def membership_ending(anniversary, **kwargs):
    """An active membership whose two-year commitment ends the day before ``anniversary``."""
    return MembershipFactory(active=True, term_start=add_years(anniversary, -2),
                             term_end=anniversary - timedelta(days=1), **kwargs)


@pytest.fixture
def no_invoice_delivery(monkeypatch):
    """Issue invoices without rendering their PDFs or mailing them (billing tests those)."""
    from billing import services as billing_services

    monkeypatch.setattr(billing_services, "_enqueue", lambda task, *args: None)


@pytest.fixture
def renewing(db, fees, tier1, immediate_on_commit, no_invoice_delivery):
    today = timezone.localdate()
    anniversary = today + timedelta(days=90)
    lead = UserFactory(email="lead@oxford.example.org", first_name="Lee")
    membership = membership_ending(anniversary, application__applicant=lead,
                                   application__requested_tier=tier1)
    team = TeamFactory(membership=membership, lead=lead, name="Oxford School District")
    member = UserFactory(email="member@oxford.example.org")
    TeamMember.objects.create(team=team, user=member, role=Role.MEMBER)
    return SimpleNamespace(today=today, anniversary=anniversary, membership=membership,
                           team=team, lead=lead, member=member, tier1=tier1, fees=fees,
                           day=lambda offset: anniversary + timedelta(days=offset))


@pytest.fixture
def offered(renewing):
    """The offer made today (day -90)."""
    renewing.renewal = services.renewal_offer(membership=renewing.membership,
                                              today=renewing.today)
    return renewing
