from decimal import Decimal

import pytest
from django.core.management import call_command

from billing.models import FeeSchedule, Invoice
from collaboratives.models import Collaborative, Enrollment, PDSACycle
from members.models import Membership, MembershipApplication, Team, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_on_commit")]


def counts():
    return {model.__name__: model.objects.count() for model in
            (User, MembershipApplication, Membership, Team, Invoice, Collaborative, Enrollment,
             PDSACycle)}


def test_demo_data_has_every_state_and_loading_it_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = counts()
    statuses = set(MembershipApplication.objects.values_list("status", flat=True))
    assert statuses == {"submitted", "approved", "waitlisted", "rejected", "withdrawn"}
    # Year 1 of each approved membership: three from the applications, three renewals demos.
    assert first["Invoice"] == first["Membership"] == 6
    assert set(Membership.objects.values_list("status", flat=True)) >= {"active", "lapsed"}
    assert set(Membership.objects.values_list("tier__code", flat=True)) == {"tier-1", "tier-2"}
    assert first["Enrollment"] == 2 and first["PDSACycle"] == 2
    assert "staff@ncsup.example.org" in capsys.readouterr().out
    call_command("seed_demo")
    assert counts() == first


def test_the_demo_coach_joins_the_coach_group_the_settings_name(settings):
    settings.COLLABORATIVE_COACH_GROUP = "Center improvement coaches"
    call_command("seed_demo")
    coach = User.objects.get(email="coach@ncsup.example.org")
    assert list(coach.groups.values_list("name", flat=True)) == ["Center improvement coaches"]
    # and so the portal counts them as a coach: they coach both enrolled teams
    assert Enrollment.objects.filter(coach=coach).count() == 2


def test_the_demo_prices_from_the_published_fee_schedule(capsys):
    call_command("seed_demo")
    fees = FeeSchedule.objects.get()
    assert (fees.institution_fee, fees.partnership_fee, fees.extra_seat_fee) == (
        Decimal("2500.00"), Decimal("5000.00"), Decimal("500.00"))
    assert fees.commitment_years == 2
    # Partnerships, and one institution alone (the renewals demo's University of South Carolina).
    assert set(Invoice.objects.values_list("total", flat=True)) == {Decimal("5000.00"),
                                                                    Decimal("2500.00")}
