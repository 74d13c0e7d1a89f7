"""The 双随机一公开 pages in a real Chromium (Debian's chromium, driven by Playwright): the public
index and a drawn plan (anonymous), the plan's workbench page (its department's administrator)
and a drawn inspector's result form, at 375 px and 1366 px, in Chinese and in English: no
sideways scrolling (the 64-character hashes wrap), axe-core finds no violation, no console
error, and in English no Chinese outside marked data."""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.test import Client

from tongban.browsertest import ARTIFACTS, axe_violations, chinese_text, new_context, overflow, watch
from tongban.cases.tests.conftest import english  # noqa: F401 - the compiled English catalogue
from tongban.catalog.testing import ensure_regions

from .. import queries_draw
from .draw_world import World, entities, record_result

pytestmark = pytest.mark.browser


@pytest.fixture
def pages(transactional_db):
    ensure_regions()
    world = World(inspectors=4)
    entities(45)
    draw = world.drawn()
    targets = queries_draw.draw_targets(draw)
    record_result(targets[0], "rectify", record={"检查情况": "后厨防鼠设施缺失"}, summary="已责令整改")
    open_target = targets[1]
    inspector = next(
        i.user
        for i in world.inspectors
        if i.user_id == queries_draw.assigned_inspector_users(open_target.pk)[0]
    )
    return {
        None: {"index": "/supervision/public/", "plan": f"/supervision/public/plans/{draw.plan_id}/"},
        world.admin: {
            "workbench": f"/supervision/draws/plans/{draw.plan_id}/",
            "plans": "/supervision/draws/plans/",
        },
        inspector: {
            "tasks": "/supervision/draws/tasks/",
            "task": f"/supervision/draws/tasks/{open_target.pk}/",
        },
    }


def cookies(user, url: str) -> list[dict]:
    if user is None:
        return []
    client = Client()
    client.force_login(user)
    return [{"name": name, "value": morsel.value, "url": url} for name, morsel in client.cookies.items()]


@pytest.mark.parametrize("width", ["375", "1366"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_draw_pages_fit_pass_axe_and_speak_english(browser, live_server, pages, english, width, language):  # noqa: F811
    problems = []
    for user, paths in pages.items():
        context = new_context(browser, width, language, cookies(user, live_server.url), live_server.url)
        page = watch(context.new_page())
        try:
            for name, path in paths.items():
                response = page.goto(live_server.url + path)
                assert response is not None and response.status == 200, (name, response and response.status)
                problems += [f"{name}: {p}" for p in overflow(page)]
                problems += [f"{name}: {p}" for p in axe_violations(page)]
                if language == "en":
                    problems += [f"{name}: Chinese outside data: {p}" for p in chinese_text(page)]
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(
                    path=ARTIFACTS / f"supervision-draw-{name}-{width}-{language}.png", full_page=True
                )
            problems += [f"console: {p}" for p in page.problems]
        finally:
            context.close()
    assert problems == [], "\n".join(problems)
