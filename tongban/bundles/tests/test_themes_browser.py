"""The themes pages in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright): the
list, a guide with its questionnaire answered, and the workbench's list, theme page and editor,
at 375 px and 1366 px, in Chinese and in English: no sideways scrolling, axe-core finds no
violation, no console error, and in English no Chinese outside marked data."""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.conf import settings
from django.test import Client

from tongban.browsertest import ARTIFACTS, axe_violations, chinese_text, new_context, overflow, watch
from tongban.bundles import services, testing
from tongban.cases.tests.conftest import english  # noqa: F401 - the compiled English catalogue
from tongban.catalog import testing as catalog_testing
from tongban.catalog.testing import ensure_regions

pytestmark = pytest.mark.browser


@pytest.fixture
def pages(transactional_db):
    ensure_regions()
    dept = catalog_testing.make_department(region="420115", name="武汉市江夏区行政审批局")
    items = testing.make_member_items(dept)
    doc = testing.simple_spec(items)
    doc["questions"] = [
        {
            "key": "local",
            "text": "父母双方是否均为本地户籍？",
            "choices": [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}],
        }
    ]
    doc["members"][2]["when"] = [{"question": "local", "in": ["no"]}]
    testing.make_published_theme(doc, code="company-opening", region_code="420115", name="企业开办")
    admin = testing.make_admin("bundles-browser-admin")
    draft = services.do_new_version(actor=admin, theme=services.access_theme(admin, "company-opening"))
    client = Client()
    client.force_login(admin)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return session, {
        "list": "/bundles/",
        "guide": "/bundles/company-opening/?local=no",
        "wb_list": "/bundles/workbench/themes/",
        "wb_theme": "/bundles/workbench/themes/company-opening/",
        "wb_edit": f"/bundles/workbench/themes/versions/{draft.pk}/edit/",
    }


@pytest.mark.parametrize("width", ["375", "1366"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_theme_pages_fit_pass_axe_and_speak_english(browser, live_server, pages, english, width, language):  # noqa: F811
    session, paths = pages
    cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    context = new_context(browser, width, language, cookies, live_server.url)
    page = watch(context.new_page())
    problems = []
    try:
        for name, path in paths.items():
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (name, response and response.status)
            problems += [f"{name}: {p}" for p in overflow(page)]
            problems += [f"{name}: {p}" for p in axe_violations(page)]
            if language == "en":
                problems += [f"{name}: Chinese outside data: {p}" for p in chinese_text(page)]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"bundles-{name}-{width}-{language}.png", full_page=True)
        problems += [f"console: {p}" for p in page.problems]
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
