from decimal import Decimal

import pytest

from core.money import format_usd, from_cents, money, to_cents


@pytest.mark.parametrize(("raw", "expected"), [
    ("2500", Decimal("2500.00")), ("0.005", Decimal("0.01")), ("0.004", Decimal("0.00")),
    ("-0.005", Decimal("-0.01")), (Decimal("1.235"), Decimal("1.24")), (7, Decimal("7.00")),
])
def test_money_rounds_half_up_to_cents(raw, expected):
    assert money(raw) == expected
    assert money(raw).as_tuple().exponent == -2


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money(0.1)


def test_cents_round_trip():
    assert to_cents(Decimal("2500.00")) == 250000
    assert to_cents(Decimal("0.015")) == 2
    assert from_cents(250001) == Decimal("2500.01")


def test_format_usd():
    assert format_usd(Decimal("5000")) == "$5,000.00"
    assert format_usd(Decimal("-12.5")) == "-$12.50"
