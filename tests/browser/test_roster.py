import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from members import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_lead_invites_invitee_accepts_and_the_cap_holds(
    page, live_server, sign_in, screenshot, lead, team
):
    sign_in(lead)
    page.goto(f"{live_server.url}{team.get_absolute_url()}")
    expect(page.locator(".seat-count")).to_contain_text("1 of 5")

    page.get_by_label("Name").fill("Ana Teacher")
    page.get_by_label("Email").fill("ana@oxford.example.org")
    page.get_by_label("Role", exact=True).select_option("member")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status").first).to_contain_text("Invitation sent to ana@")
    expect(page.locator(".seat-count")).to_contain_text("2 of 5")
    screenshot("roster-lead")

    link = re.search(r"http://[^/]+(/invitations/[^/\s]+/)", mail.outbox[-1].body).group(1)
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}{link}")
    expect(page.locator("main")).to_contain_text("Join Oxford School District")
    page.get_by_role("link", name="Create an account").click()
    # The invitation's name is already there; the invitee only checks it.
    expect(page.get_by_label("Given name")).to_have_value("Ana")
    expect(page.get_by_label("Family name")).to_have_value("Teacher")
    page.get_by_label("Work email address").fill("ana@oxford.example.org")
    page.get_by_label("Password", exact=True).fill("a-long-pass-phrase-42")
    page.get_by_label("Password again").fill("a-long-pass-phrase-42")
    page.get_by_role("button", name="Create your account").click()
    # The invited address needs no second confirmation: back on the invitation, accept it.
    page.get_by_role("button", name="Accept and join the team").click()
    expect(page.get_by_role("status").first).to_contain_text("Welcome to Oxford School District")
    expect(page.locator(".seat-count")).to_contain_text("2 of 5")
    expect(page.locator("main")).not_to_contain_text("Invite a person")  # read-only for Ana
    screenshot("roster-member")

    for n in range(3):
        services.seat_invite(team=team, actor=lead, name=f"P{n}", email=f"p{n}@example.org",
                             role="member")
    page.get_by_role("button", name="Sign out").click()
    sign_in(lead)
    page.goto(f"{live_server.url}{team.get_absolute_url()}")
    expect(page.locator(".seat-count")).to_contain_text("5 of 5")
    expect(page.locator("#seat-cap")).to_contain_text("All 5 covered seats are in use.")
    expect(page.locator("#seat-cap")).to_contain_text("ask the Center for extra seats")
    screenshot("roster-full")
