"""The approval email and the home page promise only the ways to pay this deployment offers."""

import pytest

from core import emails
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def approval_email():
    membership = MembershipFactory()
    _, text, html = emails.email_render("application_approved", {
        "application": membership.application, "membership": membership, "names": ["Oxford"],
        "commitment_years": 2})
    return text, html


def test_without_stripe_keys_nobody_is_promised_online_payment(client, settings, fees, tier1):
    settings.STRIPE_SECRET_KEY = ""
    page = client.get("/").content.decode()
    assert "Pay by check or purchase order." in page
    assert "online" not in page.lower().replace("online course", "")
    for part in approval_email():
        assert "how to pay by check or purchase order" in part
        assert "online" not in part


def test_with_stripe_keys_home_and_approval_offer_online_payment(client, settings, fees, tier1):
    settings.STRIPE_SECRET_KEY = "sk_test_configured"
    assert "Pay online, or by check or purchase order." in client.get("/").content.decode()
    for part in approval_email():
        assert "how to pay online or by check or purchase order" in part
