"""The reference data every portal starts from: the two tiers and the published fee schedule.

Used by the demo (``seed_demo``) and by the benchmark's bulk seed (``bench_seed``), so both price
and describe memberships the same way. Staff edit both in admin afterwards; these are only the
values a fresh database gets (the Center's published terms, DESIGN.md).
"""

from datetime import date
from decimal import Decimal

from billing.models import FeeSchedule
from members.models import Tier

TIERS = [
    dict(
        code="tier-1",
        name="Tier 1: Network membership",
        position=1,
        summary="Join the network: convenings, professional development and change packages.",
        benefits="Invitations to 4-6 convenings a year (travel at your own cost)\n"
        "An introductory online course in improvement science, and onboarding\n"
        "Professional development with the network\n"
        "Change packages: what worked, for whom, under what conditions",
        includes_collaborative=False,
        enrollment_open=True,
    ),
    dict(
        code="tier-2",
        name="Tier 2: Breakthrough Collaborative",
        position=2,
        summary="Everything in Tier 1, plus a seat in a year-long Breakthrough Collaborative.",
        benefits="Everything in Tier 1\n"
        "A seat in a twelve-month Breakthrough Collaborative\n"
        "Periodic online coaching calls with a Center improvement coach\n"
        "Shared measures and run charts across the collaborative",
        includes_collaborative=True,
        enrollment_open=True,
    ),
]

# $2,500 a year per institution, $5,000 per LEA-IHE partnership; the commitment length and the
# payment terms take the model's defaults (two years, net 30).
PUBLISHED_FEES = dict(
    institution_fee=Decimal("2500.00"),
    partnership_fee=Decimal("5000.00"),
    extra_seat_fee=Decimal("500.00"),
)


def tiers_ensure() -> list[Tier]:
    """Create the tiers that are missing; leaves the ones staff edited alone."""
    return [Tier.objects.get_or_create(code=tier["code"], defaults=tier)[0] for tier in TIERS]


def fee_schedule_ensure(*, effective_from: date) -> FeeSchedule:
    """The published fee schedule from ``effective_from``, created when missing."""
    fees, _ = FeeSchedule.objects.get_or_create(effective_from=effective_from,
                                                defaults=PUBLISHED_FEES)
    return fees
