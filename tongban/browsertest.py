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


# --- Layout, language and accessibility checks of one page ---------------------------------------
# Each returns a list of readable problems (empty when the page passes), so that a test walking
# many pages can name the page, the width, the language and the offending element at once.

WIDTHS = {"375": {"width": 375, "height": 812}, "1366": {"width": 1366, "height": 900}}

# The innermost elements that stick out past the right edge of the viewport, skipping those
# inside a box that scrolls or clips sideways (a table's scroll box is fine).
_OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const total = document.documentElement.scrollWidth;
  if (total <= width) return [];
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const x = getComputedStyle(a).overflowX;
      if (x !== "visible") return true;
    }
    return false;
  };
  const sticks = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > width + 0.5 && !clipped(el);
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const path = (el) => {
    const parts = [];
    for (let a = el; a && a !== document.body && parts.length < 4; a = a.parentElement) parts.unshift(name(a));
    return parts.join(" > ");
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!sticks(el) || [...el.children].some(sticks)) continue;
    const r = el.getBoundingClientRect();
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 60);
    out.push(`${path(el)} reaches ${Math.round(r.right)} px: "${text}"`);
    if (out.length >= 5) break;
  }
  return [`page is ${total} px wide in a ${width} px window`, ...out];
}"""


def overflow(page) -> list[str]:
    """Horizontal overflow: [] when document.documentElement.scrollWidth <= window.innerWidth,
    otherwise the page's width and up to five innermost elements that reach past the window."""
    return page.evaluate(_OVERFLOW_JS)


# Text the platform writes that is still Chinese on an English page. Data (people's names,
# addresses, item and department names, a licence's face) is marked in the templates with
# lang="zh-Hans" on its element and is skipped, as are hidden elements; visible text and the
# accessible names in aria-label, title, placeholder and alt are checked (not <title>, which
# cannot mark the item name it starts with).
_CHINESE_JS = """() => {
  const han = /[\\u3000-\\u303f\\u3400-\\u9fff\\uff00-\\uffef]/;
  const data = (el) => { const l = el.closest("[lang]"); return l && l.lang.toLowerCase().startsWith("zh"); };
  const where = (el) => {
    const parts = [];
    for (let a = el; a && a !== document.body && parts.length < 3; a = a.parentElement) {
      parts.unshift(a.tagName.toLowerCase() + (a.id ? "#" + a.id : "") + (a.classList[0] ? "." + a.classList[0] : ""));
    }
    return parts.join(" > ");
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!han.test(node.data) || ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(el.tagName)) continue;
    if (data(el) || !el.getClientRects().length) continue;
    out.push(`${where(el)}: "${node.data.trim().replace(/\\s+/g, " ").slice(0, 80)}"`);
  }
  for (const attr of ["aria-label", "title", "placeholder", "alt"]) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      if (han.test(el.getAttribute(attr)) && !data(el)) out.push(`${where(el)} [${attr}]: "${el.getAttribute(attr)}"`);
    }
  }
  return out;
}"""


def chinese_text(page) -> list[str]:
    """On a page shown in English: every piece of Chinese text outside data (see above)."""
    return page.evaluate(_CHINESE_JS)


AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    """axe-core (npm, node_modules/axe-core; `make setup` installs it) run on the page as it is
    now: one line per violation and element. The script is injected by the test, never served:
    the page's context needs `bypass_csp=True` (see `new_context`)."""
    import pytest

    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make setup` (npm ci)")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async () => {
      const r = await axe.run(document, {resultTypes: ["violations"]});
      return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ") + " " + n.html.slice(0, 100))}));
    }"""
    )
    return [f"axe {v['id']} ({v['impact']}: {v['help']}) at {node}" for v in results for node in v["nodes"]]


def new_context(browser, width: str, language: str, cookies=(), base_url: str = ""):
    """A browser context at one of WIDTHS, its language cookie set to `language` ("zh-hans" or
    "en"), `cookies` added; CSP bypassed so that axe-core can be injected."""
    context = browser.new_context(viewport=WIDTHS[width], locale="zh-CN", bypass_csp=True)
    jar = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}, *cookies]
    context.add_cookies(jar)
    return context
