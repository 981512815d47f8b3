"""The renewal journeys in a browser: (a) offered at day -90, accepted, the year-3 invoice in
Billing; (b) nobody answers, the membership lapses (roster read-only), a payment reinstates it.
Screenshots of the banner, the offer page and staff's renewals page at 1280 and 390 px."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import OutboundEmail
from members.models import Membership, Role, TeamMember
from renewals.models import Renewal
from renewals.tasks import renewals_advance_due
from tests.factories import InstitutionFactory, TeamFactory, UserFactory
from tests.renewals.conftest import membership_ending

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def oxford(fees, tier1):
    """Oxford + Ole Miss, whose two-year commitment ends 90 days from today."""
    today = timezone.localdate()
    lead = UserFactory(email="lead@oxford.example.org", first_name="Lee", last_name="Smith")
    membership = membership_ending(
        today + timedelta(days=90), application__applicant=lead, application__kind="partnership",
        application__requested_tier=tier1,
        institutions=[InstitutionFactory(name="Oxford School District"),
                      InstitutionFactory(ihe=True, name="University of Mississippi")])
    team = TeamFactory(membership=membership, lead=lead, name="Oxford + Ole Miss")
    TeamMember.objects.create(team=team, user=UserFactory(email="teacher@oxford.example.org"),
                              role=Role.MEMBER)
    return membership, team, lead, today


def both_widths(page, screenshot, name):
    for label, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        screenshot(f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


def test_offer_at_day_minus_90_accept_and_the_year_3_invoice(page, live_server, sign_in,
                                                             screenshot, oxford):
    _, _, lead, today = oxford
    renewals_advance_due(today=today.isoformat())  # the daily job, on day -90
    offer = OutboundEmail.objects.get(key__startswith="renewal:", to=lead.email)
    assert "Renew your NCSUP membership" in offer.subject

    sign_in(lead)
    banner = page.locator(".renewal-banner")
    expect(banner).to_contain_text("Time to renew")
    expect(banner).to_contain_text("Oxford School District + University of Mississippi")
    both_widths(page, screenshot, "renewal-banner")
    banner.get_by_role("link", name="See the renewal offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Renew your membership")
    expect(page.locator("main")).to_contain_text("One year: $5,000.00")
    both_widths(page, screenshot, "renewal-offer")

    page.get_by_label("One year: $5,000.00").check()
    page.get_by_role("button", name="Renew and issue the invoice").click()
    expect(page.locator(".panel-success")).to_contain_text("Renewed")
    invoice = Renewal.objects.get().invoice
    assert invoice.commitment_year == 3
    page.get_by_role("link", name=re.compile("The invoice and how to pay")).click()
    row = page.get_by_role("row", name=invoice.number)
    expect(row).to_contain_text("Membership, year 3")
    expect(row).to_contain_text("$5,000.00")


def test_nobody_answers_it_lapses_then_a_payment_reinstates_it(page, live_server, sign_in,
                                                               screenshot, oxford, staff):
    membership, team, lead, today = oxford
    anniversary = today + timedelta(days=90)
    for offset in (-90, -60, -30, 0, 30):
        renewals_advance_due(today=(anniversary + timedelta(days=offset)).isoformat())
    assert Membership.objects.get(pk=membership.pk).status == "lapsed"
    kinds = list(Renewal.objects.get().notices.values_list("kind", flat=True))
    assert kinds == ["offer", "reminder_60", "reminder_30", "grace", "lapsed"]

    sign_in(lead)
    expect(page.locator(".renewal-banner-lapsed")).to_contain_text("Membership lapsed")
    page.goto(f"{live_server.url}{team.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text("This membership has lapsed.")
    expect(page.get_by_role("button", name="Send invitation")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("teacher@oxford.example.org")  # still readable

    # The billing contact renews after all; the invoice is issued, the team stays read-only.
    page.goto(f"{live_server.url}/portal/renewals/{Renewal.objects.get().pk}/")
    page.get_by_role("button", name="Renew and issue the invoice").click()
    expect(page.locator(".panel-success")).to_contain_text("Renewed")
    invoice = Renewal.objects.get().invoice
    assert Membership.objects.get(pk=membership.pk).status == "lapsed"

    page.context.clear_cookies()
    sign_in(staff)
    page.goto(f"{live_server.url}/portal/staff/renewals/?stage=lapsed")
    expect(page.get_by_role("row", name=re.compile("Oxford School District"))).to_contain_text(
        invoice.number)
    both_widths(page, screenshot, "renewals-staff")
    page.goto(f"{live_server.url}/staff/billing/payment/add/")
    page.locator("[name=invoice_number]").fill(invoice.number)
    page.locator("[name=amount]").fill(str(invoice.total))
    page.locator("[name=reference]").fill("Check 4410")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator(".messagelist")).to_be_visible()
    assert Membership.objects.get(pk=membership.pk).status == "active"

    page.context.clear_cookies()
    sign_in(lead)
    expect(page.locator(".renewal-banner")).to_have_count(0)
    page.goto(f"{live_server.url}{team.get_absolute_url()}")
    expect(page.get_by_role("button", name="Send invitation")).to_be_visible()
