from datetime import date
from decimal import Decimal

import pytest

from tests.factories import FeeScheduleFactory, TierFactory

pytestmark = pytest.mark.django_db


def test_home_presents_the_offer_from_data(client, fees, tier1):
    TierFactory(two=True, closed=True, benefits="A seat in a Breakthrough Collaborative")
    html = client.get("/").content.decode()
    assert "$2,500.00" in html and "$5,000.00" in html
    assert "2-year commitment" in html
    assert "Covers 5 improvement-team members" in html
    assert "Covers 10 improvement-team members" in html
    assert "A seat in a Breakthrough Collaborative" in html
    assert "Enrollment is closed for this cohort" in html


def test_home_follows_the_fee_schedule_in_force(client, fees, tier1):
    FeeScheduleFactory(effective_from=date(2020, 1, 1), institution_fee=Decimal("1.00"))
    FeeScheduleFactory(effective_from=date(2099, 1, 1), institution_fee=Decimal("9999.00"))
    html = client.get("/").content.decode()
    assert "$2,500.00" in html
    assert "$9,999.00" not in html and "$1.00" not in html


def test_home_without_fees_or_tiers_says_so(client):
    html = client.get("/").content.decode()
    assert "Fees for the coming year are being set" in html
    assert "tiers for the coming year are being set" in html


def test_home_query_count_is_small(client, fees, tier1, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/")


def test_health_check_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
