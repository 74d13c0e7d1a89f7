"""Every page of the portal and the workbench, in a real Chromium (Debian's /usr/bin/chromium,
driven by Playwright), on the seeded demo (its cases are in every state: waiting for pre-check,
asked for supplements, accepted, paused, delivered):

- at 375 px and 1366 px no page scrolls sideways (the offending elements are named);
- in English, the platform writes no Chinese: only data (people's and places' names, item and
  department names, licence faces) may be Chinese, and the templates mark it with lang="zh-Hans";
- axe-core (npm, injected by the test, never served) finds no violation on the main pages, in
  both languages at both widths.

The pages come from the URL configuration (`routes()`, as the URL walk does): a new page is
covered as soon as it exists, and a route with a parameter must say where its object comes from
in `PARAMS` (or why it is not a page in `NOT_PAGES`). Each test names the page, the width, the
language and what failed, so that one run lists everything to fix.

The demo is seeded once per module (and xdist worker) and served by this module's own live
server; the database is flushed at the end, as `transactional_db` does after each test. Each test
asks for `site` before `browser`, so that the browser (and its kept-alive connections, each
holding a database connection in the server) is gone before the server stops.
"""

from __future__ import annotations

import os

# The Playwright sync API runs an event loop in this thread; the ORM calls made here are
# still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import re
import threading
from dataclasses import dataclass, field
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client, override_settings

from tongban.browsertest import axe_violations, chinese_text, new_context, overflow
from tongban.cases.tests.story_support import demo_person, demo_staff, seed_demo
from tongban.tests.test_url_walk import PARAM, routes

pytestmark = pytest.mark.browser

# Routes that are not pages a person reads (answered with JSON or a file); each with its reason.
# Prefixes end with "/". Routes that answer a GET with 405 (POST only) are skipped by the walk.
NOT_PAGES = {
    "/admin/": "Django's own admin",
    "/api/v1/": "the JSON API",
    "/.well-known/": "OIDC discovery (JSON)",
    "/o/": "OIDC protocol endpoints",
    "/demo/department/": "the demo relying party, a separate system",
    "/accounts/logout/": "signs out",
    "/workbench/cases/<str:number>/<str:action>/": "case actions (POST only); a GET would name no action",
    "/workbench/catalog/items/<int:pk>/<slug:action>/": "review actions (POST only)",
    "/accounts/me/consents/<int:pk>/revoke/": "POST only",
    "/accounts/me/mandates/<int:pk>/revoke/": "POST only",
    "/accounts/me/sessions/<int:pk>/end/": "POST only",
    "/cases/<str:number>/files/<int:pk>/": "a material's file",
    "/workbench/cases/<str:number>/files/<int:pk>/": "a material's file",
    "/workbench/catalog/export.xlsx": "a spreadsheet",
    "/licences/<str:identifier>/licence.pdf": "a PDF",
    "/licences/<str:identifier>/present/code/": "a QR code image",
    "/licences/shown/<str:token>/": "needs a token the holder's phone shows (tested in licences)",
    "/notices/<str:number>/<str:notice_number>.pdf": "a PDF",
    "/region/children/<str:code>/": "an htmx fragment of /region/",
    "/api/3/": "CKAN's action API facade (JSON)",
    "/api/action/": "CKAN's action API facade (JSON)",
    "/exchange/catalog.ttl": "the open catalogue in RDF (DCAT-AP 3)",
    "/exchange/catalog.jsonld": "the open catalogue in RDF (DCAT-AP 3)",
    "/exchange/stats.json": "the operational statistics as JSON",
    "/exchange/v1/": "the exchange gateway and federation APIs (JSON, POST only)",
    "/exchange/workbench/catalogue/<str:code>/<slug:action>/": "entry actions (POST only)",
    "/exchange/workbench/requests/<int:pk>/approve/": "POST only",
    "/exchange/workbench/requests/<int:pk>/refuse/": "POST only",
    "/exchange/workbench/requests/<int:pk>/withdraw/": "POST only",
    "/exchange/workbench/grants/<int:pk>/<str:action>/": "grant actions (POST only)",
    "/insight/map.json": "the dashboards' map outlines (GeoJSON)",
    "/openness/feeds/": "Atom feeds (XML; parsed in openness/tests/test_feeds.py)",
    "/openness/policies/<int:pk>/attachments/<int:att>/": "a policy's attachment (a file)",
    "/openness/policies/<int:pk>/graphics/<int:interp>/": "an interpretation's graphic (an image)",
    "/openness/workbench/penalties/<int:pk>/withdraw/": "POST only",
    "/openness/requests/<int:pk>/clarify/": "POST only",
    "/openness/requests/<int:pk>/notice.pdf": "a PDF",
    "/openness/workbench/requests/<int:pk>/<slug:action>/": "request actions (POST only)",
    "/openness/workbench/concerns/<int:pk>/<slug:action>/": "article actions (POST only)",
    "/insight/export.csv": "a figure's data as CSV",
    "/insight/export.xlsx": "a figure's data as a spreadsheet",
    "/insight/evaluation/<int:year>/report.pdf": "a PDF",
    "/insight/stats.csv": "a CSV file",
    "/insight/evaluation/run/": "POST only",
    "/insight/evaluation/schemes/new/": "POST only",
    "/insight/evaluation/schemes/<int:version>/<slug:action>/": "scheme actions (POST only)",
    "/openness/workbench/policies/<int:pk>/interpretations/<int:ipk>/delete/": "POST only",
    "/openness/workbench/policies/<int:pk>/interpretations/<int:ipk>/image/": "a graphic's image",
    "/openness/workbench/policies/<int:pk>/attachments/<int:apk>/": "an attachment's file",
    "/openness/workbench/policies/<int:pk>/attachments/<int:apk>/delete/": "POST only",
    "/openness/workbench/policies/<int:pk>/links/<int:lpk>/delete/": "POST only",
    "/openness/workbench/policies/<int:pk>/submit/": "POST only",
    "/openness/workbench/policies/<int:pk>/review/": "POST only",
    "/openness/workbench/policies/<int:pk>/publish/": "POST only",
    "/openness/workbench/policies/<int:pk>/findings/<int:fpk>/<slug:action>/": "POST only",
    "/workbench/catalog/flags/<int:pk>/clear/": "POST only",
    "/supervision/tasks/<int:pk>/files/<int:fid>/": "a joint task's photo or record (a file)",
    "/supervision/public/draws/<int:pk>.json": "a draw's published JSON (re-checked in supervision/tests)",
    "/supervision/draws/plans/<int:pk>/submit/": "POST only",
    "/supervision/draws/plans/<int:pk>/decide/": "POST only",
    "/supervision/draws/plans/<int:pk>/commit/": "POST only",
    "/supervision/draws/plans/<int:pk>/reveal/": "POST only",
    "/hotline/desk/t/<str:number>/<slug:action>/": "ticket actions (POST only)",
    "/hotline/workbench/kb/<int:pk>/<slug:action>/": "knowledge-base article actions (POST only)",
    "/hotline/workbench/kb/assist/": "an htmx fragment of the intake page (tested in hotline/tests/test_kb_pages.py)",
    "/open311/": "the Open311 GeoReport v2 facade (JSON and XML)",
    "/ratings/rate/<slug:kind>/<str:ref>/": "the demo's concluded case is rated (the form redirects); the form: ratings/tests/test_views.py",
    "/ratings/t/<str:token>/": "needs a single-use link from an SMS or QR code (tested in ratings)",
    "/ratings/fix/<int:pk>/": "POST only",
    "/ratings/hall/<slug:code>/pair/": "POST only",
    "/ratings/workbench/rect/<int:pk>/<slug:action>/": "rectification actions (POST only)",
    "/ratings/workbench/windows/new/": "POST only",
    "/ratings/workbench/windows/<slug:code>/take/": "POST only",
    "/ratings/workbench/windows/<slug:code>/qr/": "POST only (shows a single-use QR code)",
    "/bundles/<themecode:code>/window/": "the /apply/ pages filled by a clerk for the person at the window desk (a session the walk has not): tongban/bundles/tests/test_fanout_window.py",
    "/bundles/workbench/themes/<themecode:code>/export.json": "a JSON download",
    "/bundles/workbench/themes/<themecode:code>/export.xlsx": "an xlsx download",
    "/bundles/workbench/themes/<themecode:code>/new-version/": "POST only",
    "/bundles/workbench/themes/versions/<int:pk>/submit/": "POST only",
    "/bundles/workbench/themes/versions/<int:pk>/review/": "POST only",
    "/bundles/workbench/themes/versions/<int:pk>/withdraw/": "POST only",
    "/bundles/applications/<bundlenumber:number>/withdraw/": "POST only",
    "/bundles/applications/<bundlenumber:number>/pickup/": "POST only",
}


@dataclass
class Page:
    path: str
    who: str  # "anonymous", a demo staff username, or a demo citizen's mobile number
    main: bool = False  # axe-core and the English check run on the main pages


@dataclass
class Site:
    url: str
    pages: list[Page] = field(default_factory=list)
    # Paths that answer a GET with 405 (POST only): found by the first walk (a request without
    # navigation: Chromium shows an error page for an empty 405) and passed over by the others.
    post_only: dict[str, bool] = field(default_factory=dict)


def not_a_page(route: str) -> bool:
    return any(route == key or (key.endswith("/") and route.startswith(key)) for key in NOT_PAGES)


def demo_objects() -> dict:
    """The demo's objects the parametrised pages open."""
    from tongban.accounts.models import Mandate
    from tongban.bundles import queries as bundle_queries
    from tongban.bundles.models import Bundle
    from tongban.cases.models import Case
    from tongban.catalog import queries as catalog_queries
    from tongban.demo import queries as demo_queries
    from tongban.exchange.models import Grant, Resource, ShareRequest
    from tongban.insight import evaluation
    from tongban.licences.models import Licence
    from tongban.openness import queries as openness_queries
    from tongban.openness.models import ConcernArticle, DisclosureRequest, Policy
    from tongban.ratings.models import Rectification
    from tongban.supervision import queries_iot as iot_queries

    # The story's cases at 江夏 (demo/cases.py); not the spread over the province's cities
    # (demo/insight_cases.py: 160-odd cases, the same pages for other people and items).
    story = Case.objects.filter(region__code__startswith="420115")
    cases = list(story.order_by("number").values_list("number", "state", "applicant_id"))
    licence = Licence.objects.order_by("pk").first()
    code = demo_queries.featured_licence_code()
    item = catalog_queries.get_guide(code)
    chen = demo_person("17000000004")
    return {
        "cases": cases,
        "licence": licence.identifier if licence else None,
        "code": code,
        "item_pk": item.pk,
        "dept_id": item.department_id,
        "enterprise": Mandate.objects.filter(user=chen).values_list("legal_person_id", flat=True).first(),
        "person_pk": demo_person("17000000003").pk,
        "staff_pk": demo_staff("clerk").pk,
        # data sharing: an open entry (public pages), a register (workbench), a request, a grant
        "open_resource": Resource.objects.filter(is_current=True, open_type="open")
        .order_by("code")
        .values_list("code", flat=True)
        .first(),
        "share_request": ShareRequest.objects.order_by("pk").values_list("pk", flat=True).first(),
        "grant": Grant.objects.order_by("pk").values_list("pk", flat=True).first(),
        # 政务公开 public side: a published policy of the demo (its page and print view)
        "public_policy": openness_queries.public_policies()
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
        # disclosure on request: 王芳's request through extension and answer; a published article
        "disc_request": DisclosureRequest.objects.filter(state="answered", extension_days__gt=0)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
        "concern": ConcernArticle.objects.filter(state="published")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
        # the annual evaluation: the demo's latest run and its first version
        "eval_year": evaluation.runs().values_list("year", flat=True).first(),
        "eval_version": evaluation.schemes().order_by("version").values_list("version", flat=True).first(),
        # 政务公开: 江夏's letter under 保密审查 (its findings on the secrecy page)
        "policy": Policy.objects.filter(state="secrecy").order_by("pk").values_list("pk", flat=True).first(),
        "iot_site": iot_queries.sites_for("system:browser").values_list("pk", flat=True).first(),
        **_supervision_core_objects(),
        # 12345: the story's phone complaint (workbench) and 王芳's 留言 (her ticket page)
        **hotline_objects(),
        **hotline_kb_objects(),
        # 好差评: 王芳's bad rating and its rectification (demo/ratings_story.py)
        "rating_rect": Rectification.objects.order_by("pk").values_list("pk", flat=True).first(),
        # 一件事一次办: the demo's 企业开办 theme and its published version (the workbench's pages)
        "theme": "company-opening",
        "theme_version": bundle_queries.published_theme("company-opening").version_id,
        # 王芳's 企业开办 bundle, submitted on her phone (demo/bundles_submitted.py): its status page
        "bundle": Bundle.objects.filter(theme_code="company-opening")
        .values_list("number", flat=True)
        .first(),
    }


def hotline_kb_objects() -> dict:
    from tongban.hotline import kb

    return {"kb_article": kb.live_articles().order_by("pk").values_list("pk", flat=True).first()}


def hotline_objects() -> dict:
    from tongban.demo import hotline_story
    from tongban.hotline import queries as hotline_queries

    story = hotline_queries.ticket_by_source(hotline_story.STORY_REF)
    wang = demo_person("17000000002")
    mine = hotline_queries.tickets_page(citizen_id=wang.pk, limit=1).rows
    return {
        "hotline_story": story.number if story else None,
        "hotline_wang": mine[0].number if mine else None,
    }


def _supervision_core_objects() -> dict:
    """互联网+监管 core: the demo clinic, its rule and alert, and the joint task the alert opened."""
    from tongban.supervision.models import RiskAlert

    alert = RiskAlert.objects.select_related("rule").order_by("pk").first()
    return {
        "sup_entity": alert.entity_id if alert else None,
        "sup_rule": alert.rule_id if alert else None,
        "sup_alert": alert.pk if alert else None,
        "sup_task": alert.task_id if alert else None,
        **supervision_draw_objects(),
    }


def supervision_draw_objects() -> dict:
    """双随机一公开: the demo's drawn plan, and a target still waiting for its result with the
    username of its first drawn inspector (tongban/demo/supervision_draw.py)."""
    from tongban.accounts import queries as account_queries
    from tongban.supervision import queries_draw

    plan = queries_draw.public_plans(1).object_list[0]
    target = next(t for t in queries_draw.draw_targets(plan.draw) if not hasattr(t, "result"))
    inspector = account_queries.get_staff(queries_draw.assigned_inspector_users(target.pk)[0])
    return {"sup_plan": plan.pk, "sup_target": target.pk, "sup_inspector": inspector.username}


def mobile_of(user_id: int) -> str:
    """Who a case's page is opened as: the demo citizen's mobile number, or "#<pk>" for an
    applicant who is not one of them (a walk-in without a mobile)."""
    from tongban.demo.data.accounts import PEOPLE

    return next((c.mobile for c in PEOPLE if demo_person(c.mobile).pk == user_id), f"#{user_id}")


# Main pages (axe-core, English): these paths, and every case page.
MAIN = {"/", "/search/", "/items/<str:code>/", "/cases/", "/cases/apply/<str:code>/", "/licences/",
        "/accounts/me/", "/accounts/login/", "/topics/<slug:slug>/", "/workbench/cases/",
        "/workbench/cases/<str:number>/", "/workbench/cases/window/", "/cases/<str:number>/",
        "/workbench/catalog/", "/workbench/identity/", "/departments/<int:dept_id>/", "/lists/<slug:kind>/",
        "/indicators/", "/workbench/cases/stats/", "/workbench/catalog/four-sames/",
        "/workbench/catalog/items/<int:pk>/", "/cases/progress/", "/workbench/identity/staff/new/",
        "/openness/", "/openness/policies/<int:pk>/", "/openness/key-areas/penalties/",
        "/openness/requests/new/", "/openness/requests/<int:pk>/", "/openness/requests/register/",
        "/openness/workbench/requests/", "/openness/workbench/requests/<int:pk>/", "/openness/concerns/"}  # fmt: skip
MAIN |= {"/insight/evaluation/", "/insight/evaluation/<int:year>/<str:region>/", "/insight/stats/",
         "/insight/evaluation/schemes/", "/insight/evaluation/schemes/<int:version>/"}  # fmt: skip
MAIN |= {"/openness/workbench/policies/", "/openness/workbench/policies/<int:pk>/",
         "/openness/workbench/policies/<int:pk>/secrecy/"}  # fmt: skip
MAIN |= {"/supervision/iot/sites/", "/supervision/iot/sites/<int:pk>/"}  # fmt: skip
MAIN |= {"/supervision/entities/<int:pk>/", "/supervision/rules/", "/supervision/alerts/<int:pk>/", "/supervision/tasks/<int:pk>/", "/supervision/tasks/<int:pk>/verify/", "/supervision/abnormal/"}  # fmt: skip
MAIN |= {"/supervision/public/", "/supervision/public/plans/<int:pk>/", "/supervision/draws/plans/<int:pk>/"}  # fmt: skip
MAIN |= {"/hotline/", "/hotline/mine/", "/hotline/t/<str:number>/", "/hotline/desk/", "/hotline/desk/intake/", "/hotline/desk/t/<str:number>/", "/hotline/desk/metrics/"}  # fmt: skip
MAIN |= {"/hotline/workbench/kb/", "/hotline/workbench/kb/<int:pk>/", "/hotline/workbench/kb/search/"}  # fmt: skip
MAIN |= {"/ratings/", "/ratings/public/", "/ratings/hall/<slug:code>/", "/ratings/workbench/",
         "/ratings/workbench/rect/<int:pk>/", "/ratings/workbench/rankings/", "/ratings/workbench/windows/"}  # fmt: skip
MAIN |= {"/bundles/", "/bundles/<themecode:code>/", "/bundles/workbench/themes/", "/bundles/workbench/themes/<themecode:code>/"}  # fmt: skip
MAIN |= {"/bundles/<themecode:code>/apply/", "/bundles/applications/"}  # fmt: skip
MAIN |= {"/bundles/applications/window/"}  # fmt: skip


def pages_of(objects: dict) -> list[Page]:
    """Every page, each with who opens it: the workbench as the platform's superuser `admin`
    (the window as the clerk); a case's pages as its applicant; the portal's other pages as 王芳
    (signed in: the header shows her links; she has a waiting and a delivered case), the home page
    also anonymously, the sign-in pages only anonymously."""
    wang = "17000000002"
    case_pages = [(number, mobile_of(applicant)) for number, _state, applicant in objects["cases"]]
    by_state = {state: (number, mobile_of(applicant)) for number, state, applicant in objects["cases"]}
    params = {
        "/cases/<str:number>/": case_pages,
        "/workbench/cases/<str:number>/": case_pages,
        "/cases/<str:number>/delivery/": [by_state.get("delivered") or case_pages[-1]],
        "/cases/<str:number>/submitted/": [by_state.get("submitted") or case_pages[0]],
        "/cases/<str:number>/supply/": [by_state.get("supplement") or case_pages[1]],
        "/hotline/desk/t/<str:number>/": [(objects["hotline_story"], "hotline")],
        "/hotline/t/<str:number>/": [(objects["hotline_wang"], wang)],
    }
    simple = {
        "number": by_state["submitted"][0],  # 王芳's (other case routes: in `params`)
        "code": objects["code"],
        "dept_id": objects["dept_id"],
        "slug": "start-business",
        "kind": "online",
        "identifier": objects["licence"],
        "legal_person_id": objects["enterprise"],
        "year": objects["eval_year"],
        "region": "420100000000",  # 武汉市's computation and its counties
        "version": objects["eval_version"],
    }
    out: list[Page] = []
    for route in routes():
        if not_a_page(route):
            continue
        main = route in MAIN
        workbench = route.startswith(
            ("/workbench/", "/exchange/workbench/", "/openness/workbench/", "/insight/evaluation/schemes/",
             "/supervision/iot/")
        )  # fmt: skip
        who = "clerk" if route.startswith("/workbench/cases/window/") else "admin" if workbench else wang
        if route == "/accounts/me/enterprises/<int:legal_person_id>/agents/new/":
            who = "17000000004"  # 陈建国, the demo enterprise's legal representative
        if route == "/openness/workbench/penalties/":
            who = "deptadmin-jianghan"  # a department's staff enter its penalty decisions
        if route.startswith("/ratings/workbench/"):
            who = "admin"  # the platform's workbench of 好差评
        if route == "/exchange/workbench/requests/new/<str:code>/":
            who = "deptadmin-jianghan"  # a department's administrator asks for their department
        if route.startswith(("/supervision/entities/", "/supervision/rules/", "/supervision/alerts/")) or (
            route.startswith("/supervision/tasks/") and not route.endswith("/verify/")
        ):
            who = "admin"  # the supervision workbench (core): supervision staff
        if route.startswith("/supervision/draws/"):  # 双随机: the plan's department, a drawn inspector
            who = (
                objects["sup_inspector"] if route.startswith("/supervision/draws/tasks/") else "sup-deptadmin"
            )
        if route.startswith("/hotline/desk/"):
            who = "hotline"  # the demo's 12345 operator
        if route.startswith("/hotline/workbench/kb/"):
            who = "admin"  # the platform maintains every department's knowledge-base articles
        if route.startswith("/bundles/workbench/"):
            who = "admin"  # the themes workbench (一件事主题)
        if route == "/bundles/applications/window/":
            who = "clerk"  # 综合窗口出件
        if route == "/bundles/applications/<bundlenumber:number>/":
            who = "17000000002"  # 王芳, the demo bundle's applicant
        if route in (
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/login/totp/",
            "/accounts/login/totp/enrol/",
        ):
            who = "anonymous"
        names = [m.group("name") for m in PARAM.finditer(route)]
        if not names:
            out.append(Page(route, who, main))
            if route == "/":
                out.append(Page(route, "anonymous", True))
            if route == "/cases/progress/":
                out.append(Page(route, "anonymous", True))  # a walk-in applicant with the receipt
            if route == "/search/":
                out.append(Page("/search/?q=营业执照", who, True))
            continue
        if route in params:
            for number, owner in params[route]:
                out.append(Page(route.replace("<str:number>", number), "admin" if workbench else owner, main))
            continue
        values = {}
        for name in names:
            value = simple.get(name)
            if route.startswith("/exchange/") and name == "code":
                value = objects["open_resource"] if route.startswith("/exchange/catalogue/") else "FR-001"
            if route.startswith("/ratings/hall/") and name == "code":
                value = "JX-A01"  # the demo's window at 江夏 (demo/ratings_story.py)
            if route.startswith("/bundles/") and name == "code":
                value = objects["theme"]  # a theme's code (一件事主题)
            if route.startswith("/bundles/workbench/themes/versions/<int:pk>/"):
                value = objects["theme_version"]
            if name == "number" and route.startswith("/bundles/applications/"):
                value = objects["bundle"]
            if name == "pk":
                value = {
                    "/workbench/catalog/items/<int:pk>/": objects["item_pk"],
                    "/workbench/catalog/items/<int:pk>/edit/": objects["item_pk"],
                    "/workbench/identity/people/<int:pk>/": objects["person_pk"],
                    "/workbench/identity/people/<int:pk>/consent/": objects["person_pk"],
                    "/workbench/identity/people/<int:pk>/verify/": objects["person_pk"],
                    "/workbench/identity/staff/<int:pk>/roles/": objects["staff_pk"],
                    "/exchange/workbench/requests/<int:pk>/": objects["share_request"],
                    "/exchange/workbench/grants/<int:pk>/": objects["grant"],
                    "/openness/policies/<int:pk>/": objects["public_policy"],
                    "/openness/policies/<int:pk>/print/": objects["public_policy"],
                    "/openness/requests/<int:pk>/": objects["disc_request"],
                    "/openness/workbench/requests/<int:pk>/": objects["disc_request"],
                    "/openness/concerns/<int:pk>/": objects["concern"],
                    "/openness/workbench/concerns/<int:pk>/": objects["concern"],
                    "/supervision/iot/sites/<int:pk>/": objects["iot_site"],
                    "/supervision/entities/<int:pk>/": objects["sup_entity"],
                    "/supervision/rules/<int:pk>/": objects["sup_rule"],
                    "/supervision/alerts/<int:pk>/": objects["sup_alert"],
                    "/supervision/tasks/<int:pk>/": objects["sup_task"],
                    "/supervision/tasks/<int:pk>/verify/": objects["sup_task"],
                    "/supervision/public/plans/<int:pk>/": objects["sup_plan"],
                    "/supervision/draws/plans/<int:pk>/": objects["sup_plan"],
                    "/supervision/draws/tasks/<int:pk>/": objects["sup_target"],
                    "/hotline/workbench/kb/<int:pk>/": objects["kb_article"],
                    "/hotline/workbench/kb/<int:pk>/edit/": objects["kb_article"],
                    "/hotline/workbench/kb/<int:pk>/links/": objects["kb_article"],
                    "/hotline/workbench/kb/live/<int:pk>/": objects["kb_article"],
                    "/ratings/workbench/rect/<int:pk>/": objects["rating_rect"],
                }.get(route, value)  # (a value set above, such as a theme version's, stands)
                if route.startswith("/openness/workbench/policies/<int:pk>/"):
                    value = objects["policy"]
            if value is None:
                pytest.fail(f"{route}: no demo object for <{name}>; add it to pages_of() or NOT_PAGES")
            values[name] = str(value)
        path = PARAM.sub(lambda m, values=values: values[m.group("name")], route)
        out.append(Page(path, who, main))
    return out


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    from pytest_django.live_server_helper import LiveServer

    media = tmp_path_factory.mktemp("media")
    anchors = tmp_path_factory.mktemp("audit") / "anchors.jsonl"
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=str(media),
            AUDIT_ANCHOR_FILE=anchors,
            SMS_GATEWAY="tongban.accounts.gateways.OutboxSmsGateway",
        ),
    ):
        seed_demo(media)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield Site(url=server.url, pages=pages_of(demo_objects()))
        finally:
            server._live_server_modified_settings.disable()
            httpd = getattr(server.thread, "httpd", None)
            server.stop()
            # Each request thread closes its database connection when its (kept-alive) socket
            # closes; wait for them, or PostgreSQL refuses to drop the test database.
            for thread in threading.enumerate():
                if httpd is not None and getattr(getattr(thread, "_target", None), "__self__", None) is httpd:
                    thread.join(5)
            call_command("flush", interactive=False, verbosity=0)


def cookies_for(who: str, url: str) -> list[dict]:
    if who == "anonymous":
        return []
    from django.contrib.auth import get_user_model

    client = Client()
    if who.startswith("#"):
        client.force_login(get_user_model().objects.get(pk=int(who[1:])))
    else:
        client.force_login(demo_staff(who) if not who.isdigit() else demo_person(who))
    return [{"name": name, "value": morsel.value, "url": url} for name, morsel in client.cookies.items()]


def checks_for(width: str, language: str, *, every_page_is_main: bool = False):
    """What each page is checked for in one walk: no sideways scrolling on every page; on the
    main pages (all of them with `every_page_is_main`) axe-core, and in English (at 1366 px,
    where the whole text shows) no Chinese but data. One visit a page runs them all, each
    problem named by its check."""

    def check(page, entry: Page) -> list[str]:
        main = entry.main or every_page_is_main
        found = [f"overflow: {p}" for p in overflow(page)]
        if main and language == "en" and width == "1366":
            found += [f"Chinese in English: {p}" for p in chinese_text(page)]
        if main:
            found += axe_violations(page)
        return found

    return check


def walk(browser, site: Site, width: str, language: str, check) -> list[str]:
    """Open each page once (one browser context per person) and run `check(page, entry)`; the
    problems found, each line naming the page, the person, the width and the language. A route
    that answers a GET with 405 (POST only) is not a page and is passed over (`Site.post_only`)."""
    from playwright.sync_api import Error as PlaywrightError

    problems = []
    contexts = {}
    try:
        for entry in site.pages:
            if entry.who not in contexts:
                context = new_context(browser, width, language, cookies_for(entry.who, site.url), site.url)
                contexts[entry.who] = context.new_page()
            page = contexts[entry.who]
            label = f"{entry.path} [{entry.who}, {width} px, {language}"
            if entry.path not in site.post_only:
                status = page.request.get(site.url + entry.path, max_redirects=0).status
                site.post_only[entry.path] = status == 405
            if site.post_only[entry.path]:
                continue  # answers only a POST: not a page
            try:
                response = page.goto(site.url + entry.path)
            except PlaywrightError as error:
                problems.append(f"{label}] does not open ({error.message.splitlines()[0]})")
                continue
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                problems.append(f"{label}] is not an HTML page; list it in NOT_PAGES")
                continue
            landed = unquote(page.url[len(site.url) :])
            label += f", {response.status}" + (f" at {landed}" if landed != entry.path else "") + "]"
            problems += [f"{label}: {p}" for p in check(page, entry)]
    finally:
        for page in contexts.values():
            page.context.close()
        # The sign-ins above (`cookies_for`) ran while Playwright's event loop runs in this
        # thread, so Django kept their database connection in a context variable (asgiref's
        # Local), apart from the thread's own one that the module's teardown uses and closes:
        # close it here, or PostgreSQL refuses to drop the test database ("being accessed by
        # other users").
        connections.close_all()
    return problems


@pytest.mark.parametrize("width", ["375", "1366"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_scroll_no_sideways_speak_the_language_and_pass_axe(site, browser, width, language):
    """Every page at this width and language: no sideways scrolling; on the main pages no axe-core
    violation and, in English at 1366 px, no Chinese but data."""
    problems = walk(browser, site, width, language, checks_for(width, language))
    assert problems == [], "\n".join(problems)


# pytest-django creates the test database only when a collected test is marked django_db; this one
# is (it only reads), so that the module also runs alone.
@pytest.mark.django_db
def test_every_page_is_walked(site):
    """The walk reaches the pages the issue names (how long the demo takes to seed is the
    benchmarks' business, not a test's: it failed on a loaded machine)."""
    paths = {p.path for p in site.pages}
    assert {"/", "/cases/", "/licences/", "/workbench/cases/", "/workbench/cases/window/"} <= paths
    assert sum(p.path.startswith("/cases/42") for p in site.pages) >= 5  # every demo case
    assert re.search(r"/workbench/cases/\d+/", " ".join(paths))
