"""What the browser tests share: Debian's Chromium (/usr/bin/chromium, installed by
`make system-deps`; never `playwright install`) driven by Playwright, the viewports we check,
and a watch on each page for console errors (CSP violations included) and failed requests.

The `browser` fixture (one Chromium per test module) is in tongban/conftest.py.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"  # screenshots (git-ignored)
CHROMIUM = "/usr/bin/chromium"
# No sandbox (tests run as root), and none of Chromium's own calls home: this machine's network
# is closed and the refusals would slow every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


@contextmanager
def launch():
    import pytest

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch(page):
    """Collect console errors, page errors and failed responses in `page.problems`."""
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
    return page
