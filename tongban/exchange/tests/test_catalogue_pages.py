"""Catalogue pages: the public list (filters, paging, no drafts, no retired entries, no data items
of 不予共享 entries) and entry page; the workbench (a department's own catalogue, create, edit
with history, publish, mount) with 404 outside one's reach, CSRF on its forms."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tongban.core.models import AuditEvent

from .. import catalogue
from ..models import Mount, Resource
from .catalogue_world import SYSTEM, entry_values, snapshot, world_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def publish(dept, code, **kw):
    kw.setdefault("open_type", "open")
    catalogue.do_create_entry(actor=SYSTEM, provider_id=dept.pk, code=code, values=entry_values(**kw))
    return catalogue.do_publish_entry(actor=SYSTEM, code=code)


def codes_on(html: str) -> list[str]:
    return re.findall(r"<code>([A-Z]{2}-[A-Z0-9-]+)</code>", html)


def test_public_list_filters_and_pages(world, client):
    for i in range(1, 24):
        publish(world["market"], f"BM-420115-SP-{i:03d}", name=f"市场资源{i}")
    publish(
        world["other"],
        "BM-420103-SP-001",
        name="审批资源",
        share_type="unconditional",
        share_basis="",
        share_condition="",
    )
    catalogue.do_create_entry(
        actor=SYSTEM, provider_id=world["market"].pk, code="BM-420115-SP-099", values=entry_values()
    )
    catalogue.do_retire_entry(actor=SYSTEM, code="BM-420115-SP-023", reason="下线")
    publish(world["market"], "BM-420115-SP-098", open_type="closed")  # not open to the public
    page1 = client.get("/exchange/catalogue/")
    assert page1.status_code == 200
    html = page1.content.decode()
    assert codes_on(html) == ["BM-420103-SP-001"] + [f"BM-420115-SP-{i:03d}" for i in range(1, 20)]
    assert "共 23 条" in html and "第 1 / 2 页" in html
    page2 = client.get("/exchange/catalogue/?page=2").content.decode()
    assert codes_on(page2) == ["BM-420115-SP-020", "BM-420115-SP-021", "BM-420115-SP-022"]
    only = client.get(f"/exchange/catalogue/?department={world['other'].pk}").content.decode()
    assert codes_on(only) == ["BM-420103-SP-001"]
    unconditional = client.get("/exchange/catalogue/?share=unconditional").content.decode()
    assert codes_on(unconditional) == ["BM-420103-SP-001"]
    assert codes_on(client.get("/exchange/catalogue/?register=population").content.decode()) == []
    # Bad filters and pages are ignored, not errors.
    for query in ("?page=abc", "?page=999", "?department=x", "?share=x", "?register=nope"):
        assert client.get("/exchange/catalogue/" + query).status_code == 200


def test_public_list_queries_are_bounded(world, client, django_assert_max_num_queries):
    for i in range(1, 15):
        publish(world["market"], f"BM-420115-SP-{i:03d}")
    with django_assert_max_num_queries(12):
        assert client.get("/exchange/catalogue/").status_code == 200


def test_public_entry_page(world, client):
    publish(world["market"], "BM-420115-SP-001")
    html = client.get("/exchange/catalogue/BM-420115-SP-001/").content.decode()
    assert "食品经营许可信息" in html and "licence_no" in html and "许可证编号" in html and "字符型" in html
    assert "个人信息" not in html and "内部" not in html  # never the sensitivity class
    publish(world["market"], "BM-420115-SP-002", open_type="conditional", open_condition="签订数据使用协议")
    withheld = client.get("/exchange/catalogue/BM-420115-SP-002/").content.decode()
    assert (
        'id="fields-withheld"' in withheld and "licence_no" not in withheld and "签订数据使用协议" in withheld
    )
    publish(world["market"], "BM-420115-SP-004", open_type="closed")
    publish(world["market"], "BM-420115-SP-005")
    catalogue.do_retire_entry(actor=SYSTEM, code="BM-420115-SP-005", reason="下线")
    catalogue.do_create_entry(
        actor=SYSTEM,
        provider_id=world["market"].pk,
        code="BM-420115-SP-003",
        values=entry_values(open_type="open"),
    )
    for code in (
        "BM-420115-SP-003",
        "BM-420115-SP-004",
        "BM-420115-SP-005",
        "NOPE",
    ):  # draft, closed, retired
        assert client.get(f"/exchange/catalogue/{code}/").status_code == 404, code


def test_english_page(world, client):
    publish(world["market"], "BM-420115-SP-001")
    client.cookies["django_language"] = "en"
    html = client.get("/exchange/catalogue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Government information resource catalogue" in html


# --- Workbench -----------------------------------------------------------------------------------


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_workbench_lists_my_department_only(world):
    publish(world["market"], "BM-420115-SP-001")
    publish(world["other"], "BM-420103-SP-001")
    catalogue.do_edit_entry(actor=SYSTEM, code="BM-420115-SP-001", values={"name": "修订中"})
    html = signed_in(world["clerk"]).get("/exchange/workbench/catalogue/").content.decode()
    assert codes_on(html) == ["BM-420115-SP-001"]
    assert "修订中" in html and "v2" in html
    assert "新建信息资源" not in html  # a clerk reads, does not write
    assert "新建信息资源" in signed_in(world["admin"]).get("/exchange/workbench/catalogue/").content.decode()
    everything = signed_in(world["platform"]).get("/exchange/workbench/catalogue/").content.decode()
    assert codes_on(everything) == ["BM-420103-SP-001", "BM-420115-SP-001"]
    assert 'id="by-department"' in everything


def test_workbench_needs_staff(world, client):
    response = client.get("/exchange/workbench/catalogue/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_create_edit_publish_through_the_pages(world):
    c = signed_in(world["admin"])
    assert c.get("/exchange/workbench/catalogue/new/").status_code == 200
    post = {
        "code": "BM-420115-SP-005",
        "name": "双随机抽查结果",
        "summary": "抽查结果。",
        "resource_class": "department",
        "format": "database",
        "share_type": "unconditional",
        "open_type": "open",
        "update_frequency": "monthly",
        "keywords": "抽查，监管",
        "fields-0-key": "result",
        "fields-0-name": "抽查结果",
        "fields-0-type": "C",
        "fields-0-sensitivity": "public",
        "fields-0-length": "20",
        "fields-1-key": "",
        "fields-1-name": "",
        "fields-1-type": "C",
        "fields-1-sensitivity": "public",
    }
    response = c.post("/exchange/workbench/catalogue/new/", post)
    assert (
        response.status_code == 302
        and response["Location"] == "/exchange/workbench/catalogue/BM-420115-SP-005/"
    )
    entry = Resource.objects.get(code="BM-420115-SP-005")
    assert (entry.state, entry.keywords, entry.fields) == (
        "draft",
        ["抽查", "监管"],
        [{"key": "result", "name": "抽查结果", "type": "C", "sensitivity": "public", "length": 20}],
    )
    assert c.post("/exchange/workbench/catalogue/BM-420115-SP-005/publish/").status_code == 302
    edit = {**post, "name": "双随机抽查结果信息", "change_note": "改名", "fields-1-key": "checked_on",
            "fields-1-name": "抽查日期", "fields-1-type": "D"}  # fmt: skip
    assert c.post("/exchange/workbench/catalogue/BM-420115-SP-005/edit/", edit).status_code == 302
    assert c.post("/exchange/workbench/catalogue/BM-420115-SP-005/publish/").status_code == 302
    html = c.get("/exchange/workbench/catalogue/BM-420115-SP-005/").content.decode()
    history = html[html.index('id="history"') :]
    assert "v2" in history and "v1" in history and "改名" in history
    assert "<code>checked_on</code> 新增 抽查日期" in history
    assert "<del>双随机抽查结果</del> → <ins>双随机抽查结果信息</ins>" in history


def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(world):
    c = signed_in(world["admin"])
    before = snapshot()
    response = c.post(
        "/exchange/workbench/catalogue/new/",
        {
            "code": "BAD",
            "name": "",
            "resource_class": "department",
            "share_type": "conditional",
            "fields-0-key": "A",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("code", "name", "summary", "share_basis", "fields[0].key", "fields[0].type"):
        assert f"<code>{field}</code>" in html, field
    assert snapshot() == before


@pytest.mark.parametrize("who", ["clerk", "outsider"])
def test_others_get_404_on_every_write_page(world, who):
    publish(world["market"], "BM-420115-SP-001")
    c = signed_in(world[who])
    before = snapshot()
    base = "/exchange/workbench/catalogue/BM-420115-SP-001"
    assert c.get(base + "/edit/").status_code == 404
    assert c.post(base + "/edit/", {"name": "x"}).status_code == 404
    assert c.get(base + "/mount/").status_code == 404
    assert (
        c.post(
            base + "/mount/", {"action": "mount", "kind": "table", "target": "exchange.CreditRecord"}
        ).status_code
        == 404
    )
    for action in ("publish", "retire", "discard"):
        assert c.post(f"{base}/{action}/", {"reason": "x"}).status_code == 404
    assert snapshot() == before
    assert AuditEvent.objects.filter(action__endswith="refused", actor=f"user:{world[who].pk}").count() == 7
    outsider_view = c.get(base + "/")
    assert outsider_view.status_code == (200 if who == "clerk" else 404)


def test_mount_page(world):
    publish(world["market"], "BM-420115-SP-001")
    c = signed_in(world["steward"])
    assert c.get("/exchange/workbench/catalogue/BM-420115-SP-001/mount/").status_code == 200
    bad = c.post(
        "/exchange/workbench/catalogue/BM-420115-SP-001/mount/",
        {"action": "mount", "kind": "service", "target": "nope"},
    )
    assert bad.status_code == 400 and "<code>target</code>" in bad.content.decode()
    assert not Mount.objects.exists()
    ok = c.post(
        "/exchange/workbench/catalogue/BM-420115-SP-001/mount/",
        {"action": "mount", "kind": "file", "target": "hubei-regions.geojson"},
    )
    assert ok.status_code == 302
    assert Mount.objects.get().records == 117
    c.post("/exchange/workbench/catalogue/BM-420115-SP-001/mount/", {"action": "suspend"})
    assert Mount.objects.get().state == "suspended"
    c.post("/exchange/workbench/catalogue/BM-420115-SP-001/mount/", {"action": "resume"})
    c.post("/exchange/workbench/catalogue/BM-420115-SP-001/mount/", {"action": "update", "records": "120"})
    assert (Mount.objects.get().state, Mount.objects.get().records) == ("mounted", 120)
    assert (
        c.post(
            "/exchange/workbench/catalogue/BM-420115-SP-001/mount/", {"action": "update", "records": "x"}
        ).status_code
        == 400
    )


def test_forms_need_csrf(world):
    publish(world["market"], "BM-420115-SP-001")
    c = Client(enforce_csrf_checks=True)
    c.force_login(world["admin"])
    before = snapshot()
    assert (
        c.post("/exchange/workbench/catalogue/BM-420115-SP-001/retire/", {"reason": "x"}).status_code == 403
    )
    assert c.post("/exchange/workbench/catalogue/new/", {"code": "BM-420115-SP-002"}).status_code == 403
    assert snapshot() == before
