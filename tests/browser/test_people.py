"""Issue 13's people half in a browser: sign up with a name, the name page for an old account,
"Your account", and screenshots of the account pages at laptop and phone width."""

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from members.models import User
from tests.browser.test_accessibility import violations
from tests.factories import TeamFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("PEOPLE_SCREENSHOT_DIR", "/work/shots/people"))
RTL_NAME = "زينب عبد الرحمن الهاشمي-" + "القحطاني" * 6


def serious_problems(page):
    """axe-core's serious and critical violations on the page as it is now."""
    return violations(page)


def shots(page, name):
    """The page at 1280 and at 390 px wide, full length."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def no_sideways_scroll(page):
    page.set_viewport_size({"width": 390, "height": 900})
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert wide <= 390


def test_sign_up_with_a_name(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    shots(page, "sign-in")
    page.get_by_role("link", name="Create your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    page.get_by_role("button", name="Create your account").click()
    expect(page.locator("#error-summary")).to_contain_text("Given name: Enter your given name.")
    shots(page, "sign-up-errors")
    page.get_by_label("Given name").fill("Zoë")
    page.get_by_label("Family name").fill("O'Brien-Smith")
    page.get_by_label("Work email address").fill("zoe@district.example.org")
    page.get_by_label("Password", exact=True).fill("a-long-pass-phrase-42")
    page.get_by_label("Password again").fill("a-long-pass-phrase-42")
    shots(page, "sign-up")
    page.get_by_role("button", name="Create your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    shots(page, "confirm-email-sent")
    user = User.objects.get(email="zoe@district.example.org")
    assert (user.first_name, user.last_name) == ("Zoë", "O'Brien-Smith")
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(f"{live_server.url}{link}")
    expect(page.locator("main")).to_contain_text("Zoë O'Brien-Smith")
    shots(page, "confirm-email")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lambda url: "/confirm-email/" not in url)

    page.goto(f"{live_server.url}/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    shots(page, "password-reset")


def test_an_old_account_is_asked_its_name_once(page, live_server, sign_in):
    old = UserFactory(email="old.account@district.example.org", first_name="", last_name="")
    sign_in(old)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us your name")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_contain_text("Family name: Enter your family name.")
    shots(page, "name-page-errors")
    page.get_by_label("Given name").fill("Ana")
    page.get_by_label("Family name").fill("Ruiz")
    shots(page, "name-page")
    assert serious_problems(page) == []
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("status").first).to_contain_text("Thank you, Ana.")
    page.goto(f"{live_server.url}/portal/applications/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Tell us your name")


def test_your_account_page(page, live_server, sign_in):
    user = UserFactory(first_name="Zoë", last_name="O'Brien-Smith", job_title="Data lead",
                       email="zoe@district.example.org")
    sign_in(user)
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator("main")).to_contain_text("Zoë O'Brien-Smith · Data lead")
    expect(page.locator("main")).to_contain_text("This device")
    shots(page, "account")
    assert serious_problems(page) == []
    page.get_by_role("textbox", name="Job title").fill("Director of student services")
    page.get_by_role("button", name="Save name and job title").click()
    expect(page.get_by_role("status").first).to_contain_text("Your name and job title are saved.")
    page.get_by_label("Send me action-period nudges and digests").uncheck()
    page.get_by_role("button", name="Save email preferences").click()
    expect(page.get_by_role("status").first).to_contain_text("Your email preferences are saved.")
    user.refresh_from_db()
    assert user.job_title == "Director of student services" and user.email_nudges is False
    page.get_by_role("link", name="Add or change an email address").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your email addresses")
    shots(page, "email-management")
    assert serious_problems(page) == []
    page.goto(f"{live_server.url}/accounts/password/change/")
    shots(page, "password-change")
    page.goto(f"{live_server.url}/accounts/sessions/")
    shots(page, "sessions")


def test_a_roster_with_a_long_right_to_left_name_stays_in_its_cell(page, live_server, sign_in):
    lead = UserFactory(first_name="Zoë", last_name="O'Brien-Smith",
                       email="zoe.obrien-smith.director@district.example.org")
    team = TeamFactory(lead=lead, name="Oxford School District")
    TeamMemberFactory(team=team, user=UserFactory(first_name=RTL_NAME[:150],
                                                  last_name="<b>Ng</b>"))
    sign_in(lead)
    page.goto(f"{live_server.url}{team.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text("<b>Ng</b>")  # shown as typed, not as markup
    shots(page, "roster-long-rtl-name")
    assert serious_problems(page) == []
    no_sideways_scroll(page)
