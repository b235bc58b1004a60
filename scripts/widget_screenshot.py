"""Screenshot of the web chat with course cards, for the README.

Needs a running assistant (`make run`) and Chromium at /usr/bin/chromium:
    .venv/bin/python scripts/widget_screenshot.py [--url URL] [--out docs/img/widget.png]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REQUEST = "I want to learn python, my budget is $50"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('WEB_PORT', '8080')}/")
    parser.add_argument("--out", type=Path, default=Path("docs/img/widget.png"))
    args = parser.parse_args()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 900, "height": 860})
            page.goto(args.url)
            expect(page.locator("#status")).to_be_hidden(timeout=30_000)
            page.fill("#message", REQUEST)
            page.press("#message", "Enter")
            expect(page.locator(".card").first).to_be_visible(timeout=60_000)
            page.locator("#message").blur()
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=args.out)
            browser.close()
    except (PlaywrightError, AssertionError) as error:
        print(f"error: no screenshot of {args.url}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
