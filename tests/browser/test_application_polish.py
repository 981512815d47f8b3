"""In Chromium, without any script: the partner section appears only for a partnership, the
price is on the form, and withdrawing asks first."""

import pytest
from playwright.sync_api import expect

from members.models import MembershipApplication
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_partner_section_shows_only_for_a_partnership(page, live_server, sign_in,
                                                          applicant, fees, tier1):
    sign_in(applicant)
    page.goto(f"{live_server.url}/apply/")
    partner = page.locator("fieldset", has_text="2b. Partner institution")
    expect(page.get_by_label("One institution: $2,500.00 a year")).to_be_checked()
    expect(partner).to_be_hidden()
    page.get_by_label("LEA-IHE partnership: $5,000.00 a year").check()
    expect(partner).to_be_visible()
    page.get_by_label("One institution").check()
    expect(partner).to_be_hidden()


def test_the_error_summary_links_take_you_to_the_field(page, live_server, sign_in, applicant,
                                                       fees, tier1):
    sign_in(applicant)
    page.goto(f"{live_server.url}/apply/")
    page.get_by_role("button", name="Submit application").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Your institution: Institution name")
    summary.get_by_role("link", name="Billing contact email").click()
    expect(page).to_have_url(f"{live_server.url}/apply/#id_billing_email")


def test_withdrawing_asks_before_it_withdraws(page, live_server, sign_in, applicant):
    application = ApplicationFactory(applicant=applicant)
    sign_in(applicant)
    page.goto(f"{live_server.url}{application.get_absolute_url()}")
    page.get_by_role("link", name="Withdraw this application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Withdraw your application for")
    assert MembershipApplication.objects.get().status == "submitted"
    page.get_by_role("button", name="Withdraw the application").click()
    expect(page.get_by_text("Your application is withdrawn.")).to_be_visible()
    assert MembershipApplication.objects.get().status == "withdrawn"
