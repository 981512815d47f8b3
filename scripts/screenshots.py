"""Screenshot portal pages in Debian's Chromium, at laptop and phone widths.

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out /tmp/shots]
        [--login EMAIL:PASSWORD] PATH [PATH ...]

Run against `make run` (demo logins are printed there). Opens each PATH after signing in.
"""

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = {"laptop": (1366, 900), "phone": (390, 844)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "shots"))
    parser.add_argument("--login", default="")
    options = parser.parse_args()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for size, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            if options.login:
                email, password = options.login.split(":", 1)
                page.goto(f"{options.base}/accounts/login/")
                page.get_by_label("Email").fill(email)
                page.get_by_label("Password").fill(password)
                page.get_by_role("button", name="Sign In").click()
                page.wait_for_load_state()
            for path in options.paths:
                page.goto(options.base + path)
                name = path.strip("/").replace("/", "_") or "home"
                target = out / f"{name}-{size}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
