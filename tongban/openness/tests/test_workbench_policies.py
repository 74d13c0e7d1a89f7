"""The policy workbench pages: the whole workflow through the pages (draft, interpretation,
attachment, link, submit, review, 保密审查 with a redaction, publish, repeal), bad input shown on
the form naming the field (400, nothing changed), other departments 404, single-use forms."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tongban.catalog import queries as catalog_queries

from .. import services
from ..enums import PolicyState
from ..models import Policy
from .policy_world import snapshot, values, world_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

BASE = "/openness/workbench/policies/"


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def form_token(html: str) -> str:
    m = re.search(r'name="once_token" value="([^"]+)"', html)
    return m.group(1) if m else ""


def post(c: Client, url: str, data: dict, *, page: str | None = None, **kw):
    """POST as the page would: with the one-time token of the form rendered on `page`."""
    html = c.get(page or url).content.decode()
    return c.post(url, {"once_token": form_token(html), **data}, **kw)


def test_workflow_through_the_pages(world):
    drafter, reviewer, officer = (signed_in(world[k]) for k in ("drafter", "reviewer", "officer"))
    r = post(drafter, BASE + "new/", values(text="经审查，申请人王建国的申请符合条件。"))
    assert r.status_code == 302
    policy = Policy.objects.get()
    page = f"{BASE}{policy.pk}/"
    assert r["Location"] == page
    html = drafter.get(page).content.decode()
    assert "鄂市监发〔2026〕12号" in html and "提交审核" in html

    r = post(
        drafter,
        page + "interpretations/",
        {"kind": "qa", "title": "问答", "qa-0-q": "何时施行？", "qa-0-a": "4月1日起。"},
    )
    assert r.status_code == 302
    assert policy.interpretations.get().qa == [{"q": "何时施行？", "a": "4月1日起。"}]
    pdf = SimpleUploadedFile("流程.pdf", b"%PDF-1.7 test", content_type="application/pdf")
    r = post(drafter, page + "attachments/", {"name": "办理流程", "file": pdf})
    assert r.status_code == 302
    att = policy.attachments.get()
    download = drafter.get(f"{page}attachments/{att.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.7 test"
    r = post(drafter, page + "links/", {"kind": "item", "code": world["item"].code, "label": ""})
    assert r.status_code == 302 and policy.links.get().label == world["item"].name

    r = post(drafter, page + "submit/", {}, page=page)
    assert r.status_code == 302
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.REVIEW
    assert "审核通过" not in drafter.get(page).content.decode()  # four eyes: no review form for the drafter
    r = post(reviewer, page + "review/", {"decision": "approve"}, page=page)
    assert r.status_code == 302
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.SECRECY

    secrecy_page = officer.get(page + "secrecy/").content.decode()
    assert "王**" in secrecy_page and "王建国" not in secrecy_page
    r = post(officer, page + "secrecy/", {"decision": "approve"})
    assert r.status_code == 302  # refused with a message: a finding is open
    assert not services.is_cleared(Policy.objects.get(pk=policy.pk))
    finding = policy.findings.get()
    r = post(officer, f"{page}findings/{finding.pk}/redact/", {}, page=page + "secrecy/")
    assert r.status_code == 302
    assert Policy.objects.get(pk=policy.pk).text == "经审查，申请人王**的申请符合条件。"
    r = post(officer, page + "secrecy/", {"decision": "approve"})
    assert services.is_cleared(Policy.objects.get(pk=policy.pk))
    r = post(reviewer, page + "publish/", {}, page=page)
    assert r.status_code == 302
    policy.refresh_from_db()
    assert policy.state == PolicyState.PUBLISHED
    assert catalog_queries.review_flags().get().code == world["item"].code

    r = post(reviewer, page + "repeal/", {"validity": "repealed", "reason": ""})
    assert r.status_code == 400 and "请填写废止理由" in r.content.decode()
    r = post(reviewer, page + "repeal/", {"validity": "repealed", "reason": "已被新文件替代"})
    assert r.status_code == 302
    assert Policy.objects.get(pk=policy.pk).state == PolicyState.REPEALED
    history = reviewer.get(page + "history/").content.decode()
    assert "openness.policy.repealed" in history and "已被新文件替代" in history


def test_bad_input_is_shown_on_the_form_and_changes_nothing(world):
    c = signed_in(world["drafter"])
    before = snapshot()
    r = post(c, BASE + "new/", values(number="", effective_on="2026-01-01"))
    html = r.content.decode()
    assert r.status_code == 400
    assert "请填写文号" in html and "施行日期不能早于成文日期" in html
    assert snapshot() == before


def test_lists_and_pages_of_other_departments(world):
    mine = services.do_create_policy(actor=world["drafter"], issuer_id=world["market"].pk, values=values())
    theirs = services.do_create_policy(
        actor=world["outsider"], issuer_id=world["other"].pk, values=values(number="鄂人社发〔2026〕1号")
    )
    html = signed_in(world["drafter"]).get(BASE).content.decode()
    assert "鄂市监发〔2026〕12号" in html and "鄂人社发〔2026〕1号" not in html
    assert signed_in(world["drafter"]).get(f"{BASE}{theirs.pk}/").status_code == 404
    assert signed_in(world["outsider"]).get(f"{BASE}{mine.pk}/edit/").status_code == 404
    everything = signed_in(world["platform"]).get(BASE).content.decode()
    assert "鄂市监发〔2026〕12号" in everything and "鄂人社发〔2026〕1号" in everything
    assert Client().get(BASE).status_code == 302


def test_forms_are_single_use(world):
    c = signed_in(world["drafter"])
    html = c.get(BASE + "new/").content.decode()
    token = form_token(html)
    first = c.post(BASE + "new/", {"once_token": token, **values()})
    second = c.post(BASE + "new/", {"once_token": token, **values()})
    assert first.status_code == 302 and second.status_code == 302
    assert Policy.objects.count() == 1


def test_list_queries_are_bounded(world, django_assert_max_num_queries):
    for n in range(15):
        services.do_create_policy(
            actor=world["drafter"],
            issuer_id=world["market"].pk,
            values=values(number=f"鄂市监发〔2026〕{n + 30}号"),
        )
    c = signed_in(world["drafter"])
    c.get(BASE)
    with django_assert_max_num_queries(14):
        assert c.get(BASE).status_code == 200


def test_catalogue_workbench_shows_and_clears_flags(world):
    from tongban.catalog import services as catalog_services

    code = world["item"].code
    catalog_services.do_flag_items_for_review(
        [code], reason="政策文件 鄂市监发〔2026〕12号 发布", source="openness.policy:1", actor="system:test"
    )
    admin = signed_in(world["reviewer"])  # the item department's administrator edits its items
    html = admin.get("/workbench/catalog/").content.decode()
    assert "政策文件 鄂市监发〔2026〕12号 发布" in html and code in html
    item_page = f"/workbench/catalog/items/{world['item'].pk}/"
    assert "政策文件 鄂市监发〔2026〕12号 发布" in admin.get(item_page).content.decode()
    # Another department's staff see no flag of this item, and may not clear it.
    assert (
        "鄂市监发〔2026〕12号" not in signed_in(world["outsider"]).get("/workbench/catalog/").content.decode()
    )
    flag = catalog_queries.review_flags().get()
    assert (
        signed_in(world["outsider"]).post(f"/workbench/catalog/flags/{flag.pk}/clear/", {}).status_code == 404
    )
    assert catalog_queries.review_flags().count() == 1
    r = post(admin, f"/workbench/catalog/flags/{flag.pk}/clear/", {"note": "已核对"}, page=item_page)
    assert (r.status_code, r["Location"]) == (302, item_page)
    assert not catalog_queries.review_flags().exists()
    cleared = admin.get("/workbench/catalog/?flags=all").content.decode()
    assert "已核对" in cleared
    assert "已核对" not in admin.get("/workbench/catalog/").content.decode()


def test_graphic_is_shown_to_the_department_only(world):
    policy = services.do_create_policy(actor=world["drafter"], issuer_id=world["market"].pk, values=values())
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 32
    interp = services.do_add_interpretation(
        actor=world["drafter"],
        policy_id=policy.pk,
        kind="graphic",
        title="一图读懂",
        image=SimpleUploadedFile("t.png", png, content_type="image/png"),
    )
    url = f"{BASE}{policy.pk}/interpretations/{interp.pk}/image/"
    page = signed_in(world["officer"]).get(f"{BASE}{policy.pk}/interpretations/").content.decode()
    assert url in page
    r = signed_in(world["officer"]).get(url)
    assert (r.status_code, r["Content-Type"], b"".join(r.streaming_content)) == (200, "image/png", png)
    assert signed_in(world["outsider"]).get(url).status_code == 404
