import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from members.models import Membership, MembershipApplication
from tests.factories import ApplicationFactory, InstitutionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_apply_as_a_partnership_through_the_real_form(
    page, live_server, sign_in, applicant, fees, tier1, tier2, screenshot
):
    sign_in(applicant)
    page.goto(f"{live_server.url}/apply/")
    page.get_by_label("LEA-IHE partnership").check()

    first = page.locator("fieldset", has_text="2. Your institution")
    first.get_by_label("Institution name").fill("Chicago Public Schools")
    first.get_by_label("K-12 school or district (LEA)").check()
    first.get_by_label("City").fill("Chicago")
    first.get_by_label("US state").select_option("IL")

    partner = page.locator("fieldset", has_text="2b. Partner institution")
    partner.get_by_label("Institution name").fill("University of Illinois Chicago")
    partner.get_by_label("College or university (IHE)").check()
    partner.get_by_label("City").fill("Chicago")
    partner.get_by_label("US state").select_option("IL")

    page.get_by_label(tier2.name).check()
    page.get_by_label("Problem of practice").fill("Chronic absenteeism in grades 6-8")
    page.get_by_label("Name", exact=True).fill("Pat Lead")
    page.get_by_label("Billing contact name").fill("Accounts Payable")
    page.get_by_label("Billing contact email").fill("ap@cps.example.org")
    page.get_by_label("Billing address").fill("42 W Madison St\nChicago, IL 60602")
    page.get_by_label("We pay by purchase order").check()
    page.get_by_label("We commit to 2 years").check()
    screenshot("apply-form-filled")
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("your application is in")
    expect(page.locator("main")).to_contain_text(
        "Chicago Public Schools + University of Illinois Chicago")
    screenshot("apply-confirmation")
    application = MembershipApplication.objects.get()
    assert (application.kind, application.requested_tier_id, application.pays_by_po) == (
        "partnership", tier2.pk, True)
    assert any(applicant.email in m.to for m in mail.outbox)


def test_form_errors_show_next_to_the_field_and_keep_input(
    page, live_server, sign_in, applicant, tier1, screenshot
):
    sign_in(applicant)
    page.goto(f"{live_server.url}/apply/")
    page.get_by_label("LEA-IHE partnership").check()
    first = page.locator("fieldset", has_text="2. Your institution")
    first.get_by_label("Institution name").fill("Denver Public Schools")
    page.get_by_role("button", name="Submit application").click()

    expect(page.get_by_role("alert")).to_contain_text("Please correct the errors below.")
    expect(page.locator("#id_institution_0-city_error")).to_contain_text("required")
    expect(first.get_by_label("Institution name")).to_have_value("Denver Public Schools")
    screenshot("apply-form-errors")
    assert not MembershipApplication.objects.exists()


def test_staff_approves_an_application_in_admin(page, live_server, sign_in, staff, tier1):
    application = ApplicationFactory(
        partnership=True,
        institutions=[InstitutionFactory(name="Oxford School District"),
                      InstitutionFactory(ihe=True, name="University of Mississippi")],
    )
    sign_in(staff)
    page.goto(f"{live_server.url}/staff/members/membershipapplication/")
    row = page.locator("tr", has_text="Oxford School District")
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Approve selected applications")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#content")).to_contain_text("You are about to approve")
    page.get_by_label(re.compile("Reason")).fill("Welcome to the network")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messagelist")).to_contain_text("Approve: 1 membership application.")

    membership = Membership.objects.get()
    assert membership.application_id == application.pk
    application.refresh_from_db()
    assert application.status == "approved"
