"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Outside CI they skip when /usr/bin/chromium is missing (`apt-get install chromium`); in CI they
must run. Never `playwright install`: it downloads a browser, which this network refuses.
"""

import os
import tempfile
from pathlib import Path

import pytest

from tests.factories import PASSWORD, totp_code

# The sync Playwright API runs an event loop in this thread; the Django ORM calls made by the
# tests themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR",
                                  Path(tempfile.gettempdir()) / "ncsup-screenshots"))


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from tests.conftest import require_service

    chromium = "/usr/bin/chromium"
    require_service(os.path.exists(chromium), "needs Debian's chromium: apt-get install chromium")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS,
            "headless": True}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def sign_in(page, live_server):
    """Sign a user in through the real login form; returns the page."""

    def _sign_in(user, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        if "/accounts/2fa/authenticate/" in page.url:  # staff: a code from their app too
            page.locator("input[name=code]").fill(totp_code())
            page.locator("form[action$='/2fa/authenticate/'] [type=submit]").first.click()
            page.wait_for_url(lambda url: "/2fa/authenticate/" not in url)
        return page

    return _sign_in


@pytest.fixture
def screenshot(page):
    """Save a full-page PNG under $SCREENSHOT_DIR for a person to look at."""

    def _shot(name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _shot
