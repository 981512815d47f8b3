"""Billing's rules that other code (the benchmark's bulk seed) reads instead of restating them:
the invoice number format, the dues line and the extra-seat line."""

from datetime import date
from decimal import Decimal

import pytest

from billing import services
from tests.billing.conftest import FY2027_DAY, partnership_membership
from tests.factories import FeeScheduleFactory, MembershipFactory, TierFactory

pytestmark = pytest.mark.django_db


def test_an_issued_invoice_carries_the_public_number_format(fees):
    first = services.invoice_issue(membership=MembershipFactory(), commitment_year=1,
                                   issue_date=FY2027_DAY)
    second = services.invoice_issue(membership=MembershipFactory(), commitment_year=1,
                                    issue_date=FY2027_DAY)
    assert services.invoice_number_format(fiscal_year=2027, sequence=1) == first.number
    assert services.invoice_number_format(fiscal_year=2027, sequence=2) == second.number
    assert first.number == "NCSUP-2027-0001"
    # Four digits at least, never cut: the 10,000th invoice of a year keeps all its digits.
    assert services.invoice_number_format(fiscal_year=2031, sequence=12345) == "NCSUP-2031-12345"


def test_dues_line_prices_a_partnership_and_a_single_institution_from_the_schedule(db):
    fees = FeeScheduleFactory(institution_fee=Decimal("2750.00"),
                              partnership_fee=Decimal("5500.00"))
    single, partnership = MembershipFactory(), partnership_membership()
    one = services.dues_line(membership=single, year=2, years=3, fees=fees)
    two = services.dues_line(membership=partnership, year=1, years=2, fees=fees)
    assert (one.unit_price, one.quantity, one.amount) == (Decimal("2750.00"), 1,
                                                          Decimal("2750.00"))
    assert "(one institution): commitment year 2 of 3" in one.description
    assert "1 September 2027 to 31 August 2028" in one.description
    assert two.amount == Decimal("5500.00")
    assert "(LEA-IHE partnership): commitment year 1 of 2" in two.description


def test_dues_line_is_what_invoice_issue_bills(fees):
    membership = MembershipFactory()
    invoice = services.invoice_issue(membership=membership, commitment_year=2,
                                     issue_date=date(2027, 7, 3))
    line = services.dues_line(membership=membership, year=2, years=2, fees=fees)
    assert (invoice.lines.get().description, invoice.total) == (line.description, line.amount)


def test_extra_seats_line_is_what_a_seat_grant_bills(fees, staff):
    membership = MembershipFactory(active=True, tier=TierFactory(two=True))
    invoice = services.extra_seats_grant(membership=membership, seats=3, actor=staff,
                                         issue_date=FY2027_DAY)
    line = services.extra_seats_line(tier=membership.tier, seats=3, fees=fees)
    billed = invoice.lines.get()
    assert (billed.description, billed.quantity, billed.amount) == (
        line.description, 3, Decimal("1500.00"))
    assert "Tier 2: Breakthrough Collaborative" in line.description
