"""The themes workbench through its pages: the structured editor, four-eyes review, withdraw,
the problems that block publishing, and import/export (xlsx and JSON) round trips."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pytest
from django.test import Client

from tongban.accounts.enums import StaffRole
from tongban.bundles import queries, services, testing, xlsx_themes
from tongban.catalog import testing as catalog_testing
from tongban.core.testing import once_token

from ..enums_themes import ThemeStatus
from ..models import ThemeVersion
from .themes_world import WUHAN, snapshot, world_fixture  # noqa: F401 (fixtures)

BASE = "/bundles/workbench/themes/"


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def token(html: str) -> str:
    m = re.search(r'name="once_token" value="([^"]+)"', html)
    return m.group(1) if m else ""


def form_data(world, **changes) -> dict:
    items = world.items
    data = {
        "code": "company-opening",
        "region": WUHAN,
        "name": "企业开办",
        "scenario": "新开办企业一次办理",
        "audience": "enterprise",
        "promised_days": "1",
        "mode": "form",
        "m-0-key": "licence",
        "m-0-item_code": items[0].code,
        "m-0-when": "",
        "m-0-requires": "",
        "m-0-policy": "cancel",
        "m-0-fields": "",
        "m-0-materials": "",
        "m-1-key": "seal",
        "m-1-item_code": items[1].code,
        "m-1-when": "",
        "m-1-requires": f"licence:{testing.LICENCE_TYPE}",
        "m-1-policy": "pause",
        "m-1-fields": "applicant_name=company_name",
        "m-1-materials": "申请书=application",
        "m-2-key": "",
        "m-2-item_code": "",
        "q-0-key": "",
        "q-0-text": "",
        "q-0-choices": "",
        "sf-0-key": "company_name",
        "sf-0-label": "企业名称",
        "sf-0-type": "text",
        "sf-0-required": "on",
        "sm-0-key": "application",
        "sm-0-name": "申请书",
        "sm-0-licence_type": "",
    }
    data.update(changes)
    return data


def test_the_structured_editor_creates_and_review_publishes(world):
    editor, reviewer = signed_in(world.editor), signed_in(world.reviewer)
    page = editor.get(BASE + "new/").content.decode()
    r = editor.post(BASE + "new/", {"once_token": token(page), **form_data(world)})
    assert r.status_code == 302 and r["Location"] == BASE + "company-opening/"
    version = ThemeVersion.objects.get(theme__code="company-opening")
    assert version.spec["members"][1] == {
        "key": "seal",
        "item_code": world.items[1].code,
        "when": [],
        "requires": [{"member": "licence", "result": testing.LICENCE_TYPE}],
        "on_requirement_refused": "pause",
        "fields": {"applicant_name": "company_name"},
        "materials": {"申请书": "application"},
    }
    page = editor.get(BASE + "company-opening/").content.decode()
    submit = f"{BASE}versions/{version.pk}/submit/"
    assert editor.post(submit, {"once_token": once_token(page, submit)}).status_code == 302
    review = f"{BASE}versions/{version.pk}/review/"
    page = editor.get(BASE + "company-opening/").content.decode()
    assert f'action="{review}"' not in page  # the submitter gets no review form
    page = reviewer.get(BASE + "company-opening/").content.decode()
    r = reviewer.post(
        review, {"once_token": once_token(page, review), "decision": "approve", "comment": "同意"}
    )
    assert r.status_code == 302
    assert queries.published_theme("company-opening").version == 1
    withdraw = f"{BASE}versions/{version.pk}/withdraw/"
    page = reviewer.get(BASE + "company-opening/").content.decode()
    reviewer.post(withdraw, {"once_token": once_token(page, withdraw), "reason": "调整"})
    assert ThemeVersion.objects.get(pk=version.pk).status == ThemeStatus.WITHDRAWN


def test_the_editor_names_the_row_at_fault_and_saves_nothing(world):
    editor = signed_in(world.editor)
    page = editor.get(BASE + "new/").content.decode()
    before = snapshot()
    bad = form_data(world, **{"m-1-requires": "nobody:X", "m-0-item_code": "11420100MB0000000X3420100999000"})
    r = editor.post(BASE + "new/", {"once_token": token(page), **bad})
    assert r.status_code == 400
    body = r.content.decode()
    assert "members[1].requires[0].member" in body
    assert 'value="nobody:X"' in body  # what was typed stays
    assert snapshot() == before


def test_the_json_editor_is_the_alternative(world):
    editor = signed_in(world.editor)
    page = editor.get(BASE + "new/").content.decode()
    data = {
        "code": "by-json",
        "region": WUHAN,
        "name": "JSON 主题",
        "scenario": "",
        "audience": "person",
        "promised_days": "1",
        "mode": "json",
        "spec_json": json.dumps(world.doc),
    }
    assert editor.post(BASE + "new/", {"once_token": token(page), **data}).status_code == 302
    assert ThemeVersion.objects.get(theme__code="by-json").spec == services.check_spec(world.doc).to_doc()
    page = editor.get(BASE + "new/").content.decode()
    r = editor.post(
        BASE + "new/", {"once_token": token(page), **data, "code": "by-json-2", "spec_json": "{oops"}
    )
    assert r.status_code == 400 and "不是有效的 JSON" in r.content.decode()


def test_the_theme_page_shows_what_blocks_publishing(world):
    draft_item = testing.make_member_items(world.dept, count=1, publish=False)[0]
    doc = {**world.doc, "members": [*world.doc["members"], {"key": "late", "item_code": draft_item.code}]}
    services.do_create_theme(
        actor=world.editor, code="blocked", region_code=WUHAN, name="待定", audience="person", spec=doc
    )
    page = signed_in(world.editor).get(BASE + "blocked/").content.decode()
    assert "主题不能发布" in page and f"成员事项 {draft_item.code} 未在事项目录中发布" in page


def test_strangers_get_404_and_people_never_see_the_workbench(world, django_user_model):
    services.do_create_theme(
        actor=world.editor,
        code="company-opening",
        region_code=WUHAN,
        name="企业开办",
        audience="enterprise",
        spec=world.doc,
    )
    huangshi = catalog_testing.make_department(region="420200")
    stranger = testing.make_admin("hs-admin", roles=[StaffRole.DEPARTMENT_ADMIN], department=huangshi)
    c = signed_in(stranger)
    assert c.get(BASE).status_code == 200
    assert "company-opening" not in c.get(BASE).content.decode()
    assert c.get(BASE + "company-opening/").status_code == 404
    assert c.get(BASE + "company-opening/export.json").status_code == 404
    assert Client().get(BASE).status_code == 302  # to sign in


def test_export_and_import_round_trip_json_and_xlsx(world):
    version = services.do_create_theme(
        actor=world.editor,
        code="company-opening",
        region_code=WUHAN,
        name="企业开办",
        audience="enterprise",
        spec=world.doc,
    )
    editor = signed_in(world.editor)
    exported = editor.get(BASE + "company-opening/export.json").json()
    assert exported == {"themes": [queries.export_doc(version)]}
    workbook = editor.get(BASE + "company-opening/export.xlsx").content
    sheets = openpyxl.load_workbook(io.BytesIO(workbook)).sheetnames
    assert sheets == ["主题", "成员事项", "情形问题", "共享字段", "共享材料"]
    assert xlsx_themes.read_workbook(io.BytesIO(workbook)) == exported["themes"]

    page = editor.get(BASE + "import/").content.decode()
    upload = io.BytesIO(workbook)
    upload.name = "themes.xlsx"
    r = editor.post(BASE + "import/", {"once_token": token(page), "file": upload})
    assert r.status_code == 302
    versions = list(ThemeVersion.objects.filter(theme__code="company-opening").order_by("version"))
    # the open draft is replaced by the imported one (a draft's number is reused)
    assert [(v.version, v.status) for v in versions] == [(1, ThemeStatus.DRAFT)]
    assert versions[0].pk != version.pk
    assert versions[0].spec == version.spec

    page = editor.get(BASE + "import/").content.decode()
    doc = exported["themes"][0] | {"code": "imported"}
    upload = io.BytesIO(json.dumps({"themes": [doc]}).encode())
    upload.name = "themes.json"
    assert editor.post(BASE + "import/", {"once_token": token(page), "file": upload}).status_code == 302
    assert ThemeVersion.objects.get(theme__code="imported").spec == version.spec


def test_an_import_with_one_bad_theme_writes_nothing(world):
    good = {
        "code": "good",
        "region": WUHAN,
        "name": "好",
        "scenario": "",
        "audience": "person",
        "spec": world.doc,
    }
    bad_spec = {**world.doc, "members": [{"key": "x", "item_code": "11420100MB0000000X3420100999000"}]}
    bad = good | {"code": "bad", "spec": bad_spec}
    before = snapshot()
    editor = signed_in(world.editor)
    page = editor.get(BASE + "import/").content.decode()
    upload = io.BytesIO(json.dumps([good, bad]).encode())
    upload.name = "themes.json"
    r = editor.post(BASE + "import/", {"once_token": token(page), "file": upload})
    assert r.status_code == 400
    assert "themes[1].members[0].item_code" in r.content.decode()
    assert snapshot() == before


def test_an_xlsx_row_naming_an_unknown_theme_is_refused_with_its_row(world):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "主题"
    ws.append(["主题编码", "区划代码", "主题名称", "适用情形", "服务对象", "承诺时限（工作日）"])
    ws.append(["t1", WUHAN, "一", "", "person", 1])
    for title, header in (("成员事项", 8), ("情形问题", 4), ("共享字段", 5), ("共享材料", 4)):
        sheet = wb.create_sheet(title)
        sheet.append(["h"] * header)
    wb["成员事项"].append(["t2", "m", world.items[0].code, "", "", "cancel", "", ""])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    with pytest.raises(services.InvalidInput) as excinfo:
        xlsx_themes.read_workbook(out)
    assert [(p.field, p.row) for p in excinfo.value.problems] == [("theme", 2)]
