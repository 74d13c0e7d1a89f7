"""The holder's "my licences" in a real Chromium (Debian's /usr/bin/chromium through Playwright),
at desktop width and at 375 px: from "my account" to the list, a licence's page with its face, seal
and QR code, then 出示; the presentation code refreshes itself (present.js, same origin, nothing
the CSP refuses) and opening it shows the licence as verified now. Screenshots go to
var/test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.conf import settings
from django.test import Client

from tongban.accounts import services as account_services
from tongban.browsertest import ARTIFACTS, VIEWPORTS, watch

from .. import sharing
from .conftest import PERSON_ID, SYSTEM, issue_business, issue_marriage

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("regions_loaded")]


@pytest.fixture
def holder(transactional_db, world):
    user = account_services.do_register_person(
        actor=SYSTEM, mobile="13900000001", password="Str0ng-pass-2026", display_name="刘洋"
    )
    account_services.do_upsert_population_record(actor=SYSTEM, name="刘洋", id_number=PERSON_ID)
    user = account_services.do_verify_real_name(actor=user, user=user, name="刘洋", id_number=PERSON_ID)
    return {"user": user, "marriage": issue_marriage(world), "business": issue_business(world)}


def session_cookie(user, live_server) -> dict:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_my_licences_then_a_licence_then_present_at_375_px_and_desktop(
    browser, live_server, holder, monkeypatch
):
    from playwright.sync_api import expect

    monkeypatch.setattr(sharing, "REFRESH_SECONDS", 10)  # present.js waits at least 10 s
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    marriage = holder["marriage"]
    for viewport in ("mobile", "desktop"):
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
        context.add_cookies([session_cookie(holder["user"], live_server)])
        page = watch(context.new_page())

        page.goto(live_server.url + "/accounts/me/")
        page.get_by_role("link", name="我的证照").first.click()
        page.wait_for_url("**/licences/")
        expect(page.get_by_role("heading", level=1)).to_have_text("我的证照")
        card = page.locator(".licence-card").filter(has_text=marriage.number)
        expect(card.locator(".licence-state")).to_have_text("有效")
        expect(page.locator(".licence-card")).to_have_count(1)  # not the company's business licence
        assert no_horizontal_scroll(page)
        page.screenshot(path=ARTIFACTS / f"licences-mine-{viewport}.png", full_page=True)

        card.get_by_role("link", name="结婚证").click()
        page.wait_for_url(f"**/licences/{marriage.identifier}/")
        expect(page.locator(".licence-result--valid")).to_contain_text("有效")
        face = page.locator(".licence-face")
        expect(face).to_contain_text("王芳")
        expect(face.locator(".licence-face__seal")).to_be_visible()
        assert page.evaluate("document.querySelector('.licence-face__seal').naturalWidth") > 0
        assert no_horizontal_scroll(page)
        page.screenshot(path=ARTIFACTS / f"licences-licence-{viewport}.png", full_page=True)

        page.get_by_role("link", name="出示").click()
        page.wait_for_url(f"**/licences/{marriage.identifier}/present/")
        qr = page.locator("#present-qr")
        expect(qr).to_be_visible()
        first_src, first_link = qr.get_attribute("src"), page.locator("#present-link").get_attribute("href")
        assert no_horizontal_scroll(page)
        page.screenshot(path=ARTIFACTS / f"licences-present-{viewport}.png", full_page=True)
        # present.js fetches a fresh code (same origin) and swaps it in.
        page.wait_for_function(
            "src => document.getElementById('present-qr').getAttribute('src') !== src",
            arg=first_src,
            timeout=20000,
        )
        assert page.locator("#present-link").get_attribute("href") != first_link

        page.locator("#present-link").click()
        page.wait_for_url("**/licences/shown/**")
        expect(page.locator(".licence-result--valid")).to_contain_text("有效")
        expect(page.locator(".licence-face")).to_contain_text(marriage.number)
        assert no_horizontal_scroll(page)
        page.screenshot(path=ARTIFACTS / f"licences-shown-{viewport}.png", full_page=True)
        assert page.problems == []
        context.close()
