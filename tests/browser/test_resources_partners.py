"""A member finds a resource by search, then finds a partner and asks for an introduction; the
other institution's lead accepts and both see each other's contacts."""

import pytest
from playwright.sync_api import expect

from partners.models import Introduction
from tests.partners.conftest import dir_world  # noqa: F401 (the fixture)
from tests.resources.conftest import add, tag

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_finds_a_resource_and_asks_for_an_introduction(
        page, live_server, sign_in, screenshot, dir_world):  # noqa: F811
    w = dir_world
    pdsa = tag("method", "PDSA")
    add(w.staff, "Running your first PDSA cycle", tags=[pdsa],
        summary="Plan, do, study, act: a worked example on attendance texts.")
    add(w.staff, "Reading a run chart", summary="Shifts, trends and astronomical points.")

    sign_in(w.lea_member)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Resources").click()
    page.get_by_role("searchbox", name="Search").fill("attendance texts")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("1 resource found")
    page.get_by_role("link", name="Running your first PDSA cycle").click()
    expect(page.locator("h1")).to_have_text("Running your first PDSA cycle")
    expect(page.get_by_role("link", name="Open the link")).to_be_visible()
    screenshot("resource-found")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    page.get_by_role("searchbox", name="Search").fill("absenteeism")
    page.get_by_label("Kind").select_option("ihe")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name="University of Denver").click()
    expect(page.locator("main")).not_to_contain_text(w.ihe_lead.email)
    page.get_by_label("Oxford School District").check()
    page.get_by_label("What would you like to work on together?").fill(
        "We are testing texts to families after a first absence; could we compare data?")
    page.get_by_role("button", name="Ask for an introduction").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Your request went to University of Denver's team lead")
    expect(page.locator("main")).to_contain_text("Contact details are shared once")
    screenshot("introduction-requested")

    page.get_by_role("button", name="Sign out").click()
    sign_in(w.ihe_lead)
    page.goto(f"{live_server.url}/partners/introductions/")
    page.get_by_role("link", name="Answer").click()
    page.get_by_role("button", name="Accept and share contacts").click()
    expect(page.locator("main")).to_contain_text(w.lea_member.email)
    expect(page.locator("main")).to_contain_text(w.ihe_lead.email)
    assert Introduction.objects.get().status == "accepted"
    screenshot("introduction-accepted")
