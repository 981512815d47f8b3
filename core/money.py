"""Money is Decimal with two places, rounded half up. Cents appear only at the Stripe edge."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value) -> Decimal:
    """A Decimal amount of dollars, exactly two places. Refuses floats: they cannot hold cents."""
    if isinstance(value, float):
        raise TypeError("Money is never a float; pass a str, int or Decimal.")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal) -> int:
    return int((money(value) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    return money(Decimal(cents) / 100)


def format_usd(value: Decimal) -> str:
    amount = money(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
