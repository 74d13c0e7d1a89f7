"""The staff workbench on a 375 px phone, in a real Chromium (Debian's /usr/bin/chromium, driven
by Playwright): the queue page, the case page, window intake and statistics never scroll
sideways; the queue tabs, the batch action and the case actions are on screen and work there (a
case is accepted from its page and its first approval step signed off, two cases are accepted in
one batch). At 1280 px the tables are still tables.

"Today" is fixed through the `day` fixture (the live server runs in this process). Screenshots go
to var/test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import random

import pytest
from django.test import Client

from tongban.accounts import services as account_services
from tongban.browsertest import ARTIFACTS, VIEWPORTS, watch
from tongban.catalog.testing import SYSTEM, ensure_regions, make_basic_item, make_department, make_item
from tongban.core import services as core_services
from tongban.core.identifiers import make_resident_id

from .. import services
from ..enums import CaseState
from ..models import Case
from ..window_desk import WINDOW_SESSION_KEY
from .conftest import FORM, PDF, citizen, staff, upload

pytestmark = pytest.mark.browser


@pytest.fixture
def bench(transactional_db, settings, tmp_path, day):
    """Three submitted cases of an item whose name is long, an officer who may also sign steps
    off, a window clerk of the same city and a walk-in applicant chosen at the clerk's window."""
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    ensure_regions()
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    dept = make_department(region="420100", name="武汉市市场监督管理局")
    hall = make_department(region="420100", name="武汉市政务服务中心")
    basic = make_basic_item(name="食品经营许可（含仅销售预包装食品备案及网络食品交易第三方平台备案）")
    item = make_item(dept, basic, promised_limit=5, statutory_limit=20)
    villager = citizen(1, name="欧阳长名字申请人")
    materials = list(item.materials.order_by("order", "id"))
    numbers = [
        services.do_submit(
            actor=villager, item_code=item.code, data=FORM, uploads=[upload(m) for m in materials]
        ).number
        for _ in range(3)
    ]
    clerk = staff("clerk", "window_clerk", department=hall)
    id_number = make_resident_id(random.Random(77))
    account_services.do_upsert_population_record(actor=SYSTEM, name="王五", id_number=id_number)
    walk_in = account_services.do_register_walk_in(actor=clerk, name="王五", id_number=id_number)
    return {
        "item": item,
        "materials": materials,
        "numbers": numbers,
        "officer": staff("officer", "approving_officer", "department_admin", department=dept),
        "clerk": clerk,
        "walk_in": walk_in,
    }


def signed_in(browser, live_server, user, *, viewport="mobile", session=None, language=None):
    """A page of a browser context signed in as `user` (staff sign-in with TOTP is tested in
    accounts), with `session` values stored and the language cookie set by /i18n/setlang/."""
    client = Client()
    client.force_login(user)
    if session:
        store = client.session
        store.update(session)
        store.save()
    if language:
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN")
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": live_server.url}
            for name, morsel in client.cookies.items()
        ]
    )
    return context, watch(context.new_page())


def fits(page) -> bool:
    """No sideways scrolling of the page."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def on_screen(page, locator) -> bool:
    """Visible, and its whole width inside the viewport (not cut off to the right)."""
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return (
        locator.is_visible() and box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_queue_page_at_375_px_batch_accepts(browser, live_server, bench, english, language):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    first, second, third = bench["numbers"]
    context, page = signed_in(browser, live_server, bench["officer"], language=language)
    page.goto(live_server.url + "/workbench/cases/")
    expect(page.locator(".wb-table--cards tbody tr")).to_have_count(3)
    assert fits(page)
    # Every queue tab is on screen (they wrap), and a tap changes the queue.
    tabs = page.locator(".wb-tabs a")
    expect(tabs).to_have_count(6)
    for i in range(6):
        assert on_screen(page, tabs.nth(i)), tabs.nth(i).inner_text()
    # Each case is a card: its number, item and applicant all inside the screen.
    card = page.locator(".wb-table--cards tbody tr").filter(has_text=first)
    assert on_screen(page, card)
    assert on_screen(page, card.get_by_role("link", name=first))
    assert on_screen(page, page.locator("#wb-q"))
    page.screenshot(path=ARTIFACTS / f"workbench-queue-375-{language}.png", full_page=True)

    # Tick two cases and accept them in one batch; the button stays on screen while scrolling.
    page.locator(f"#pick-{first}").check()
    page.locator(f"#pick-{third}").check()
    button = page.locator(".wb-batch button")
    button.scroll_into_view_if_needed()
    assert on_screen(page, button)
    button.click()
    page.wait_for_load_state()
    expect(page.locator(".wb-msg--success")).to_be_visible()
    assert fits(page)
    states = dict(Case.objects.values_list("number", "state"))
    assert states == {first: CaseState.ACCEPTED, second: CaseState.SUBMITTED, third: CaseState.ACCEPTED}

    page.locator(".wb-tabs a").nth(1).click()  # 我的待办 / My to-do
    page.wait_for_url("**/workbench/cases/?queue=mine")
    assert fits(page)
    assert page.problems == []
    context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_case_page_at_375_px_accept_and_sign_off_a_step(browser, live_server, bench, english, language):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    accepted = {"zh-hans": "已受理", "en": "Accepted"}[language]
    number = bench["numbers"][0]
    context, page = signed_in(browser, live_server, bench["officer"], language=language)
    page.goto(f"{live_server.url}/workbench/cases/{number}/")
    assert fits(page)
    # The materials and steps tables are cards; a link at the top leads to the actions.
    for table in page.locator(".wb-table").all():
        assert on_screen(page, table)
    page.locator(".wb-jump a").click()
    accept = page.locator("form[action$='/accept/'] button")
    expect(accept).to_be_in_viewport()
    assert on_screen(page, accept)
    for name in ("supplement", "return", "refuse"):
        assert on_screen(page, page.locator(f"#act-{name} summary"))
    page.screenshot(path=ARTIFACTS / f"workbench-case-375-submitted-{language}.png", full_page=True)

    accept.click()
    expect(page.locator("#case-state")).to_have_text(accepted)
    assert fits(page)

    # The first approval step, from its folded form.
    step = page.locator("#act-step")
    step.locator("summary").click()
    step.locator("input[value=pass]").check()
    comment = step.locator("textarea")
    assert on_screen(page, comment)
    comment.fill("材料齐全，同意")
    submit = step.locator("button[type=submit]")
    assert on_screen(page, submit)
    submit.click()
    page.wait_for_load_state()
    expect(page.locator(".wb-msg--success")).to_be_visible()
    assert fits(page)
    page.screenshot(path=ARTIFACTS / f"workbench-case-375-accepted-{language}.png", full_page=True)
    case = Case.objects.get(number=number)
    assert case.state == CaseState.ACCEPTED
    assert list(case.steps.order_by("index").values_list("state", flat=True))[:2] == ["done", "active"]
    assert page.problems == []
    context.close()


def test_window_intake_at_375_px(browser, live_server, bench):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    item, (m1, m2) = bench["item"], bench["materials"]
    context, page = signed_in(
        browser, live_server, bench["clerk"], session={WINDOW_SESSION_KEY: bench["walk_in"].pk}
    )
    page.goto(f"{live_server.url}/workbench/cases/window/?q=食品经营")
    assert fits(page)
    page.get_by_role("link", name=item.name).click()
    page.wait_for_url(f"**/workbench/cases/window/?item={item.code}")
    assert fits(page)
    page.locator("#f-contact_name").fill("王五")
    page.locator("#f-contact_phone").fill("13900000009")
    page.locator("#f-request").fill("申请办理")
    page.locator(f"#m_{m1.pk}").set_input_files(
        {"name": "申请书.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator(f"#m_{m2.pk}").set_input_files(
        {"name": "执照.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    # 容缺 is offered on 容缺后补 materials only: neither of this item's (essential, 免提交-mapped).
    assert page.locator("input[name^=missing_]").count() == 0
    for locator in (page.locator(f"#m_{m1.pk}"), page.locator(f"#m_{m2.pk}"), page.locator("#f-request")):
        assert on_screen(page, locator)
    page.screenshot(path=ARTIFACTS / "workbench-window-375.png", full_page=True)
    page.get_by_role("button", name="收件并受理").click()
    page.wait_for_url("**/workbench/cases/*/")
    expect(page.locator("#case-state")).to_have_text("已受理")
    assert fits(page)
    assert Case.objects.filter(applicant_id=bench["walk_in"].pk, state=CaseState.ACCEPTED).count() == 1
    assert page.problems == []
    context.close()


def test_statistics_at_375_px_scroll_inside_their_box(browser, live_server, bench):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = signed_in(browser, live_server, bench["officer"])
    page.goto(f"{live_server.url}/workbench/cases/stats/?since=2026-01-01&until=2026-12-31")
    assert page.locator("#stats").is_visible()
    assert fits(page)
    box = page.locator(".wb-scroll")
    assert on_screen(page, box)
    assert on_screen(page, page.get_by_role("button", name="统计"))
    page.screenshot(path=ARTIFACTS / "workbench-stats-375.png", full_page=True)
    assert page.problems == []
    context.close()


def test_desktop_keeps_its_tables(browser, live_server, bench):
    context, page = signed_in(browser, live_server, bench["officer"], viewport="desktop")
    page.goto(live_server.url + "/workbench/cases/")
    assert page.evaluate("getComputedStyle(document.querySelector('.wb-table--cards')).display") == "table"
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.wb-table--cards thead')).position")
        == "static"
    )
    page.goto(f"{live_server.url}/workbench/cases/{bench['numbers'][0]}/")
    assert page.locator(".wb-jump").is_hidden()
    assert page.evaluate("getComputedStyle(document.querySelector('.wb-table--cards')).display") == "table"
    assert page.problems == []
    context.close()
