"""A membership's commitment years, counted from its stored term (the term's length came from
the fee schedule in force at approval: members.hooks.commitment_years). Services, the PDF and
the emails read them here."""

from datetime import date

from core.dates import add_years
from members.models import Membership


def commitment_year_start(membership: Membership, year: int) -> date:
    return add_years(membership.term_start, year - 1)


def commitment_years_in_term(membership: Membership) -> int:
    """How many yearly invoices the membership's term holds (two for the initial commitment).
    ``term_end`` is the term's last day (inclusive); a year would need to start before it."""
    years = 0
    while commitment_year_start(membership, years + 1) < membership.term_end:
        years += 1
    return years
