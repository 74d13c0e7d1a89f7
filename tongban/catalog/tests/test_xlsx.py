"""Excel import and export of implementation items (tongban/catalog/xlsx.py, docs/catalog-xlsx.md)."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tongban.accounts import services as account_services
from tongban.catalog import services, xlsx
from tongban.catalog.models import ImplementationItem, Material
from tongban.catalog.services import HANDLING_FIELDS, IMPL_FIELDS, MATERIAL_FIELDS
from tongban.catalog.testing import SYSTEM, make_basic_item, make_department, make_item
from tongban.core.errors import InvalidInput, TooLarge
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[3] / "docs" / "catalog-xlsx.md"


# --- helpers ----------------------------------------------------------------------------------


def rich_item(dept, basic, **overrides):
    """An item with every element set to something other than its default."""
    data = {
        "description": "=1+1 不应被当作公式\r\n第二行含 _x000D_ 字样",
        "conditions": "+86 开头的条件\n第二行",
        "limit_note": "-因特殊情况可延长",
        "statutory_limit": 20,
        "statutory_unit": "workday",
        "promised_limit": 10,
        "promised_unit": "calendar_day",
        "charged": True,
        "fees": [{"name": "工本费", "standard": "每件10元"}, {"name": "加急费", "standard": "=5*2元"}],
        "fee_basis": "《收费管理办法》第五条",
        "visits": 1,
        "visit_reason": "需核验原件",
        "handling_forms": ["1", "2", "4"],
        "online_depth": ["1", "2", "3", "4"],
        "fully_online": False,
        "nearby": True,
        "delivery_methods": ["window", "post", "electronic"],
        "service_objects": ["1", "2"],
        "steps": [
            {"name": "申请", "description": "提交材料", "time_limit": "即时"},
            {"name": "审查", "description": "承办人审查", "time_limit": "5个工作日"},
            {"name": "决定"},
        ],
        "places": [
            {"name": "市民之家", "address": "武汉市江岸区", "hours": "9:00-17:00", "phone": "027-1"},
            {"name": "区政务中心", "address": "武汉市江汉区"},
        ],
        "faqs": [{"q": "要本人到场吗？", "a": "需要本人到场核验。"}, {"q": "@能代办吗", "a": "可以委托。"}],
        "result_name": "@结果 许可证",
        "result_sample": "样本\t制表符",
        "online_url": "https://zwfw.example.gov.cn/item/1",
        "popularity": 321,
    }
    data.update(overrides)
    materials = [
        {
            "name": "申请书",
            "source": "1",
            "source_note": "申请人填写",
            "originals": 1,
            "copies": 2,
            "medium": "paper",
            "requirement": "required",
            "spec": "签字盖章",
            "note": "A4",
        },
        {
            "name": "营业执照",
            "source": "2",
            "originals": 0,
            "copies": 1,
            "medium": "electronic",
            "requirement": "deferrable",
            "license_type_code": "11100000000013338W001",
            "license_type_name": "营业执照",
        },
        {
            "name": "-委托书",
            "source": "9",
            "originals": 1,
            "copies": 0,
            "medium": "both",
            "requirement": "optional",
        },
    ]
    code = f"{dept.credit_code}3{basic.code}"
    handling = [
        {"code": code + "001", "name": "设立", "kind": "new"},
        {"code": code + "002", "name": "变更", "kind": "change"},
        {"code": code + "0A3", "name": "注销", "kind": "cancel"},
    ]
    return make_item(dept, basic, materials=materials, handling_items=handling, **data)


def snapshot(item):
    return (
        {f: getattr(item, f) for f in IMPL_FIELDS},
        [(m.order, {f: getattr(m, f) for f in MATERIAL_FIELDS}) for m in item.materials.order_by("order")],
        [
            (h.order, {f: getattr(h, f) for f in HANDLING_FIELDS})
            for h in item.handling_items.order_by("order")
        ],
    )


def export_bytes(**filters) -> bytes:
    buf = io.BytesIO()
    xlsx.export_items_xlsx(buf, **filters)
    return buf.getvalue()


def filled(rows: dict[str, list[dict]], *, drop_columns: dict[str, str] | None = None) -> bytes:
    """A workbook made the way a clerk makes one: the template, filled in with Excel."""
    buf = io.BytesIO()
    xlsx.write_template(buf)
    buf.seek(0)
    book = openpyxl.load_workbook(buf)
    for name, data in rows.items():
        ws = book[name]
        keys = [c.value.split()[-1] for c in ws[1]]
        for row in data:
            ws.append([row.get(k) for k in keys])
    for name, key in (drop_columns or {}).items():
        ws = book[name]
        keys = [c.value.split()[-1] for c in ws[1]]
        ws.delete_cols(keys.index(key) + 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def item_row(dept, basic, *, level="3", **overrides) -> dict:
    row = {
        "code": f"{dept.credit_code}{level}{basic.code}",
        "basic_code": basic.code,
        "name": basic.name,
        "item_type": "01 行政许可",
        "level": level,
        "department_credit_code": dept.credit_code,
        "region_code": "420100",
        "service_objects": "2、1",
        "description": "说明",
        "legal_basis": basic.legal_basis,
        "statutory_limit": 20,
        "statutory_unit": "工作日",
        "promised_limit": 5,
        "promised_unit": "工作日",
        "case_type": "2 承诺件",
        "charged": "否",
        "visits": 0,
        "handling_forms": "1、2",
        "online_depth": "1,2,3,4",
        "fully_online": "是",
        "nearby": "否",
        "delivery_methods": "窗口领取、邮政寄递",
        "consult_phone": "027-12345678",
        "complaint_phone": 12345,
    }
    row.update(overrides)
    return row


def counts():
    return ImplementationItem.objects.count(), Material.objects.count(), AuditEvent.objects.count()


def problems_of(exc_info) -> list[str]:
    return [xlsx.describe(p) for p in exc_info.value.problems]


@pytest.fixture
def dept():
    return make_department(region="420100")


# --- the template -----------------------------------------------------------------------------


def test_template_sheets_headers_and_validation():
    buf = io.BytesIO()
    xlsx.write_template(buf)
    buf.seek(0)
    book = openpyxl.load_workbook(buf)
    assert book.sheetnames == ["说明", "事项", "材料", "办理项", "流程", "地点", "常见问题", "收费"]
    items = book["事项"]
    headers = [c.value for c in items[1]]
    assert headers[:3] == ["实施编码 code", "基本编码 basic_code", "事项名称 name"]
    assert "实施主体统一社会信用代码 department_credit_code" in headers
    assert "行政区划代码 region_code" in headers
    assert "department_id" not in " ".join(headers) and "region_id" not in " ".join(headers)
    # The result's licence type is configuration (services.do_set_result_licence_type), not guide
    # content: no column yet, and an import keeps the current version's (test_services).
    configuration = ("result_license_type_code",)
    expected = [
        f
        for f in IMPL_FIELDS
        if f not in ("department_id", "region_id", "steps", "places", "faqs", "fees", *configuration)
    ]
    assert sorted(h.split()[-1] for h in headers) == sorted(
        [*expected, "department_credit_code", "region_code"]
    )
    assert [c.value for c in book["材料"][1]] == [
        "实施编码 item_code",
        "材料名称 name",
        "来源渠道 source",
        "来源说明 source_note",
        "原件份数 originals",
        "复印件份数 copies",
        "材料形式 medium",
        "必要性 requirement",
        "可替代的电子证照类型代码 license_type_code",
        "电子证照类型名称 license_type_name",
        "填报要求 spec",
        "备注 note",
    ]
    assert [c.value for c in book["流程"][1]] == [
        "实施编码 item_code",
        "环节名称 name",
        "环节说明 description",
        "环节时限 time_limit",
    ]
    assert items.freeze_panes == "A2"
    assert items["A1"].font.bold is True
    assert items.column_dimensions["A"].width == 36
    lists = {str(dv.sqref): dv.formula1 for dv in items.data_validations.dataValidation}
    assert (
        lists["D2:D1048576"] == '"01 行政许可,02 行政处罚,03 行政强制,04 行政征收,05 行政给付,06 行政检查,'
        '07 行政确认,08 行政奖励,09 行政裁决,10 其他行政权力,20 公共服务"'
    )
    assert lists["M2:M1048576"] == '"工作日,自然日,小时,分钟,月"'
    assert lists["R2:R1048576"] == '"是,否"'
    instructions = [r for r in book["说明"].iter_rows(values_only=True) if r[0] == "事项"]
    assert (
        "事项",
        "办件类型 case_type",
        "是",
        None,
        "填代码、名称或“代码 名称”；即办件的承诺时限必须为“即时”，承诺时限为“即时”的必须是即办件",
        "1 即办件、2 承诺件、9 其他",
    ) in instructions
    assert items["C1"].fill.fgColor.rgb == "00C00000"  # mandatory columns have red headers
    assert items["D1"].comment.text.startswith(
        "必填；填代码、名称或“代码 名称”；须与基本编码第3-4位一致；可填：01 行政许可"
    )


def test_documentation_lists_every_column():
    text = DOC.read_text(encoding="utf-8")
    for sheet in xlsx.DATA_SHEETS:
        assert f"## {sheet.name}" in text
        for column in sheet.columns:
            assert f"`{column.header}`" in text, column.header


# --- round trip -------------------------------------------------------------------------------


def test_export_import_round_trip_reproduces_every_element():
    dept = make_department(region="420100")
    basic = make_basic_item(name="食品经营许可")
    other_basic = make_basic_item(name="户籍证明", item_type="07")
    item = rich_item(dept, basic)
    immediate = make_item(
        dept,
        other_basic,
        case_type="1",
        promised_limit=0,
        statutory_limit=3,
        statutory_unit="hour",
        materials=[],
        handling_items=[],
        name='=HYPERLINK("x")',
        consult_phone="+86 27 1234",
        complaint_phone="-12345",
    )
    # Configuration the file does not carry (no column): the import keeps the current version's.
    services.do_set_result_licence_type(actor=SYSTEM, item_ids=[item.pk], type_code="11100000000013338W001")
    item = ImplementationItem.objects.get(pk=item.pk)
    before = {i.code: snapshot(i) for i in (item, immediate)}

    result = xlsx.do_import_items_xlsx(actor=SYSTEM, source=export_bytes(), publish=True)

    assert result == {"created": 0, "new_versions": 2, "items": 2, "materials": 3, "handling_items": 3}
    for code, old in before.items():
        new = ImplementationItem.objects.get(code=code, is_current=True)
        assert new.version == 2
        assert new.status == "published"
        assert snapshot(new) == old
    assert ImplementationItem.objects.get(pk=item.pk).status == "superseded"


def test_import_defaults_to_drafts_awaiting_review(dept):
    basic = make_basic_item()
    item = rich_item(dept, basic)
    data = export_bytes()

    result = xlsx.do_import_items_xlsx(actor=SYSTEM, source=data)

    assert result["new_versions"] == 1
    draft = ImplementationItem.objects.get(code=item.code, version=2)
    assert (draft.status, draft.is_current) == ("draft", False)
    assert ImplementationItem.objects.get(code=item.code, is_current=True).pk == item.pk
    assert snapshot(draft) == snapshot(item)


def test_export_filters_by_region_and_department(dept):
    other = make_department(region="420200")
    make_item(dept, make_basic_item())
    make_item(other, make_basic_item())
    make_item(dept, make_basic_item(), publish=False)  # drafts are not exported

    def exported_codes(**filters):
        book = openpyxl.load_workbook(io.BytesIO(export_bytes(**filters)), read_only=True)
        return [r[0] for r in book["事项"].iter_rows(min_row=2, values_only=True)]

    assert len(exported_codes()) == 2
    assert exported_codes(region="420100") == [
        ImplementationItem.objects.get(department=dept, is_current=True).code
    ]
    assert exported_codes(department=other.credit_code) == [
        ImplementationItem.objects.get(department=other, is_current=True).code
    ]
    assert exported_codes(department=str(other.pk)) == exported_codes(department=other.credit_code)


def test_formula_looking_text_is_exported_as_text():
    dept = make_department(region="420100")
    make_item(
        dept,
        make_basic_item(),
        name="=cmd|' /C calc'!A0",
        limit_note="@SUM(A1)",
        result_name="+1",
        consult_phone="-2",
    )
    data = export_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        assert not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in sheets)
    ws = openpyxl.load_workbook(io.BytesIO(data))["事项"]
    for letter, value in (("C", "=cmd|' /C calc'!A0"), ("P", "@SUM(A1)"), ("AC", "+1"), ("AA", "-2")):
        cell = ws[f"{letter}2"]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", True)
    assert ws["B2"].quotePrefix is False


# --- import of a new file ---------------------------------------------------------------------


def test_import_new_file_creates_items(dept):
    b1, b2 = make_basic_item(), make_basic_item(item_type="20", name="就业登记")
    row1 = item_row(dept, b1)
    row2 = item_row(
        dept,
        b2,
        item_type="公共服务",
        case_type="即办件",
        promised_limit="即时",
        statutory_limit=1,
        statutory_unit="自然日",
        promised_unit="",
        fully_online="否",
        visits=1,
        visit_reason="现场签字",
        service_objects=1,
        region_code="",
        charged="是",
        fee_basis="国家规定",
        level=4,
        code=f"{dept.credit_code}4{b2.code}",
    )
    data = filled(
        {
            "事项": [row1, {}, row2],  # blank rows are skipped
            "材料": [
                {"item_code": row1["code"], "name": "申请表", "copies": 1, "medium": "纸质"},
                {
                    "item_code": row1["code"],
                    "name": "身份证",
                    "source": "2",
                    "requirement": "容缺后补",
                    "originals": 0,
                    "copies": 0,
                    "medium": "电子",
                },
            ],
            "办理项": [
                {"item_code": row2["code"], "code": row2["code"] + "01", "name": "登记", "kind": "变更"}
            ],
            "流程": [
                {"item_code": row1["code"], "name": "受理", "time_limit": 1},
                {"item_code": row1["code"], "name": "办结", "description": "出证"},
            ],
            "地点": [{"item_code": row2["code"], "name": "大厅", "address": "一楼", "phone": 88886666}],
            "常见问题": [{"item_code": row2["code"], "q": "几天？", "a": "当天。"}],
            "收费": [{"item_code": row2["code"], "name": "工本费", "standard": "5元"}],
        }
    )

    result = xlsx.do_import_items_xlsx(actor=SYSTEM, source=data, publish=True)

    assert result == {"created": 2, "new_versions": 0, "items": 2, "materials": 2, "handling_items": 1}
    first = ImplementationItem.objects.get(code=row1["code"])
    assert (first.item_type, first.case_type, first.service_objects, first.handling_forms) == (
        "01",
        "2",
        ["2", "1"],
        ["1", "2"],
    )
    assert (first.online_depth, first.delivery_methods, first.fully_online) == (
        ["1", "2", "3", "4"],
        ["window", "post"],
        True,
    )
    assert (first.complaint_phone, first.region_id, first.is_online) == ("12345", "420100000000", True)
    assert first.steps == [{"name": "受理", "time_limit": "1"}, {"name": "办结", "description": "出证"}]
    assert [
        (m.name, m.source, m.originals, m.copies, m.medium, m.requirement)
        for m in first.materials.order_by("order")
    ] == [("申请表", "1", 1, 1, "paper", "required"), ("身份证", "2", 0, 0, "electronic", "deferrable")]
    second = ImplementationItem.objects.get(code=row2["code"])
    assert (
        second.item_type,
        second.level,
        second.case_type,
        second.promised_limit,
        second.promised_unit,
    ) == ("20", "4", "1", 0, "workday")
    assert (second.statutory_unit, second.visits, second.charged, second.is_immediate) == (
        "calendar_day",
        1,
        True,
        True,
    )
    assert second.region_id == dept.region_id
    assert second.fees == [{"name": "工本费", "standard": "5元"}]
    assert second.places == [{"name": "大厅", "address": "一楼", "phone": "88886666"}]
    assert second.faqs == [{"q": "几天？", "a": "当天。"}]
    assert list(second.handling_items.values_list("code", "name", "kind")) == [
        (row2["code"] + "01", "登记", "change")
    ]


# --- every problem, with sheet, row and column; nothing written ------------------------------


def test_every_rule_violation_is_reported_where_it_is_and_nothing_is_written(dept):
    make_item(dept, make_basic_item())  # something already there, that must stay as it is
    basics = [make_basic_item() for _ in range(11)]
    r = [item_row(dept, b) for b in basics]
    r[1].update(promised_limit=30)  # row 3
    r[2].update(fully_online="是", visits=1, visit_reason="核验")  # row 4
    r[3].update(fully_online="否", visits=2, visit_reason="")  # row 5
    r[4].update(charged="是", fee_basis="")  # row 6
    r[5].update(case_type="1 即办件", promised_limit=5)  # row 7
    r[6].update(case_type="2", promised_limit="即时")  # row 8
    r[7].update(code=r[7]["code"][:-1])  # row 9: 30 characters
    r[8].update(statutory_limit="二十", item_type="99", name="长" * 201)  # row 10
    r[9].update(department_credit_code="91420100MA4KXXXX0X", service_objects="1、8")  # row 11
    r[10].update(code=r[0]["code"])  # row 12: the same code as row 2
    data = filled(
        {
            "事项": r,
            "材料": [
                {"item_code": r[0]["code"], "name": "申请书", "originals": 0, "copies": 0, "medium": "纸质"},
                {"item_code": "NOSUCHCODE", "name": "x"},
                {"item_code": r[0]["code"], "name": "", "originals": 1.5},
            ],
            "办理项": [{"item_code": r[0]["code"], "code": "X1", "name": "设立"}],
            "流程": [{"item_code": r[0]["code"], "description": "没有环节名称"}],
            "收费": [{"item_code": r[4]["code"], "name": "工本费", "standard": "10元"}],
        }
    )
    before = counts()

    with pytest.raises(InvalidInput) as exc:
        xlsx.do_import_items_xlsx(actor=SYSTEM, source=data, publish=True)

    assert problems_of(exc) == [
        "事项 第3行 N列 promised_limit：承诺时限（30工作日）不能超过法定时限（20工作日）",
        "事项 第4行 T列 visits：全程网办事项的到现场次数应为0",
        "事项 第5行 U列 visit_reason：到现场次数大于0时，必须说明需要现场办理的原因",
        "事项 第6行 S列 fee_basis：收费事项必须填写收费依据",
        "事项 第7行 N列 promised_limit：即办件的承诺时限应为“即时办结”（0）",
        "事项 第8行 Q列 case_type：承诺时限为“即时办结”的事项，办件类型应为即办件",
        "事项 第9行 A列 code：实施编码应为31位：实施主体统一社会信用代码18位+行使层级1位+基本编码12位",
        "事项 第10行 C列 name：不能超过200个字（现有201个字）",
        "事项 第10行 D列 item_type：“99”不是有效的事项类型，可填：01 行政许可、02 行政处罚、03 行政强制、"
        "04 行政征收、05 行政给付、06 行政检查、07 行政确认、08 行政奖励、09 行政裁决、10 其他行政权力、20 公共服务",
        "事项 第10行 L列 statutory_limit：“二十”不是整数",
        "事项 第11行 F列 department_credit_code：平台未登记统一社会信用代码为 91420100MA4KXXXX0X 的部门",
        "事项 第11行 H列 service_objects：“8”不在服务对象代码表中，可填：1 自然人、2 企业法人、3 事业法人、"
        "4 社会组织法人、5 行政机关、6 其他组织",
        f"事项 第12行 A列 code：实施编码 {r[0]['code']} 在文件中重复（另见第2行）",
        "材料 第2行 F列 copies：纸质材料的原件和复印件份数不能都为0",
        "材料 第3行 A列 item_code：“事项”工作表中没有实施编码为 NOSUCHCODE 的事项",
        "材料 第4行 B列 name：材料名称不能为空",
        "材料 第4行 E列 originals：应为整数，不能是 1.5",
        "办理项 第2行 B列 code：业务办理项编码应以实施编码开头，后接1-19位数字或大写字母，总长不超过50",
        "流程 第2行 B列 name：不能为空",
    ]
    assert exc.value.problems[0].field == "事项.promised_limit"
    assert (exc.value.problems[0].row, exc.value.problems[0].column) == (3, "N")
    assert exc.value.message == "导入文件有 19 处需要修改，未导入任何事项"
    assert counts() == before


def test_rule_problems_found_by_the_import_service_are_placed_in_their_cells(dept):
    b1, b2 = make_basic_item(), make_basic_item()
    r1, r2 = item_row(dept, b1), item_row(dept, b2, charged="否")
    data = filled(
        {
            "事项": [r1, r2, dict(r1)],
            "材料": [
                {"item_code": r1["code"], "name": "申请书"},
                {"item_code": r1["code"], "name": "证照", "license_type_name": "营业执照"},
            ],
            "办理项": [
                {"item_code": r2["code"], "code": r2["code"] + "01", "name": "设立"},
                {"item_code": r2["code"], "code": r2["code"] + "01", "name": "变更"},
            ],
            "收费": [{"item_code": r2["code"], "name": "工本费", "standard": "5元"}],
        }
    )
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        xlsx.do_import_items_xlsx(actor=SYSTEM, source=data)
    assert problems_of(exc) == [
        "事项 第3行 R列 charged：列出了收费项目，却标为不收费",
        f"事项 第4行 A列 code：实施编码 {r1['code']} 在文件中重复（另见第2行）",
        "材料 第3行 I列 license_type_code：填写了电子证照名称，请同时填写证照类型代码",
        "办理项 第3行 B列 code：业务办理项编码重复",
    ]
    assert counts() == before


def test_progress_is_reported_while_reading_and_saving(dept):
    rows = [item_row(dept, make_basic_item()) for _ in range(3)]
    calls = []
    xlsx.do_import_items_xlsx(
        actor=SYSTEM,
        source=filled({"事项": rows}),
        progress=lambda stage, n, total: calls.append((stage, n, total)),
    )
    assert calls == [("read", 3, 3), ("save", 3, 3)]


def test_charged_without_fee_rows_points_at_the_charged_column(dept):
    row = item_row(dept, make_basic_item(), charged="是", fee_basis="依据")
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(filled({"事项": [row]}))
    assert problems_of(exc) == [
        "事项 第2行 R列 charged：收费事项必须列出收费项目和标准（在“收费”工作表中填写）"
    ]


def test_unknown_basic_code_and_region(dept):
    row = item_row(dept, make_basic_item(), region_code="429999")
    row["basic_code"] = "420100099000"
    row["code"] = f"{dept.credit_code}3420100099000"
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(filled({"事项": [row]}))
    assert problems_of(exc) == [
        "事项 第2行 B列 basic_code：基本目录中没有编码为 420100099000 的事项",
        "事项 第2行 G列 region_code：行政区划 429999 不存在",
    ]


def test_formula_cells_count_as_their_computed_value(dept):
    # openpyxl writes formulas without a computed value, as a formula Excel never recalculated.
    row = item_row(dept, make_basic_item(), name='=CONCAT("a","b")')
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(filled({"事项": [row]}))
    assert problems_of(exc) == ["事项 第2行 C列 name：事项名称不能为空"]


def test_formula_cells_are_read_as_their_cached_value(dept):
    row = item_row(dept, make_basic_item(), name="placeholder")
    book = zipfile.ZipFile(io.BytesIO(filled({"事项": [row]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in book.infolist():
            body = book.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":  # 事项, as Excel saves a computed formula
                cell = re.search(rb'<c r="C2"[^>]*>.*?</c>', body)[0]
                body = body.replace(
                    cell, '<c r="C2" t="str"><f>CONCAT("食品","经营许可")</f><v>食品经营许可</v></c>'.encode()
                )
            zf.writestr(info, body)
    (bundle,) = xlsx.read_items_xlsx(out.getvalue())
    assert bundle.data["name"] == "食品经营许可"


# --- hostile and broken files -----------------------------------------------------------------


def _file_problem(exc_info) -> tuple[str, str]:
    (p,) = exc_info.value.problems
    return p.field, p.message


def test_not_an_xlsx_file():
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        xlsx.do_import_items_xlsx(actor=SYSTEM, source=b"code,name\n1,2\n")
    assert _file_problem(exc) == (
        "file",
        "不是有效的 Excel 工作簿（.xlsx）；.xls 或加密的工作簿请先在 Excel 中另存为不加密的 .xlsx",
    )
    assert counts() == before


def test_a_zip_that_is_not_a_workbook():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(buf.getvalue())
    assert _file_problem(exc)[0] == "file"


def test_truncated_xlsx(dept):
    make_item(dept, make_basic_item())
    data = export_bytes()
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(data[: len(data) // 2])
    assert _file_problem(exc)[0] == "file"


def test_damaged_sheet_inside_a_valid_zip(dept):
    make_item(dept, make_basic_item())
    src = zipfile.ZipFile(io.BytesIO(export_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":  # 事项: rows read, then broken XML
                body = body[: len(body) - 200]
            zf.writestr(info, body)
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(out.getvalue())
    assert _file_problem(exc) == ("file", "工作簿内容已损坏，无法读取")


def test_zip_bomb_by_compression_ratio():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            zeros = b"\0" * (1 << 20)
            for _ in range(64):  # 64 MB of zeros, about 64 KB compressed
                member.write(zeros)
    assert len(buf.getvalue()) < 200_000
    with pytest.raises(TooLarge) as exc:
        xlsx.read_items_xlsx(buf.getvalue())
    assert _file_problem(exc) == ("file", "压缩比异常（xl/worksheets/sheet1.xml），疑似压缩炸弹，拒绝读取")


def test_zip_bomb_by_claimed_size():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    data = bytearray(buf.getvalue())
    at = data.rfind(b"PK\x01\x02")  # the central directory entry of the last member
    data[at + 24 : at + 28] = struct.pack("<I", 0xFFFF0000)  # claims ~4 GB uncompressed
    with pytest.raises(TooLarge) as exc:
        xlsx.read_items_xlsx(bytes(data))
    assert _file_problem(exc) == ("file", "解压后有 4 GB，超过了 200 MB 的上限")


def test_xml_entity_bomb_inside_the_workbook():
    """A billion-laughs shared-strings part: the XML parser refuses it, quickly."""
    template = io.BytesIO()
    xlsx.write_template(template)
    src = zipfile.ZipFile(template)
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY e0 "lol">{entities}]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&e9;</t></si></sst>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            if info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            zf.writestr(info, body)
        zf.writestr("xl/sharedStrings.xml", bomb)
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(out.getvalue())
    assert _file_problem(exc) == ("file", "工作簿已损坏或不是 Excel 生成的 .xlsx 文件，无法读取")


def test_oversized_file(settings, dept):
    make_item(dept, make_basic_item())
    data = export_bytes()
    settings.CATALOG_IMPORT_MAX_BYTES = 1000
    with pytest.raises(TooLarge) as exc:
        xlsx.read_items_xlsx(data)
    assert exc.value.status == 413
    assert _file_problem(exc) == ("file", f"文件有 {len(data) / 1024:.1f} KB，超过了 1000 字节 的上限")


def test_too_many_rows(settings, dept):
    rows = [item_row(dept, make_basic_item()) for _ in range(3)]
    settings.CATALOG_IMPORT_MAX_ROWS = 2
    with pytest.raises(TooLarge) as exc:
        xlsx.read_items_xlsx(filled({"事项": rows}))
    assert _file_problem(exc) == ("file", "“事项”工作表超过了 2 行的上限")


def test_too_many_rows_for_one_item(dept, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS_PER_ITEM", 2)
    row = item_row(dept, make_basic_item())
    steps = [{"item_code": row["code"], "name": f"环节{i}"} for i in range(4)]
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(filled({"事项": [row], "流程": steps}))
    assert problems_of(exc) == [
        f"流程 第4行 A列 item_code：实施编码 {row['code']} 在“流程”工作表中超过了 2 行的上限"
    ]


def test_codes_are_taken_in_upper_case(dept):
    row = item_row(dept, make_basic_item())
    row["code"] = row["code"].lower()
    handling = {"item_code": row["code"], "code": row["code"] + "a1", "name": "设立"}
    (bundle,) = xlsx.read_items_xlsx(filled({"事项": [row], "办理项": [handling]}))
    assert bundle.data["code"] == row["code"].upper()
    assert bundle.handling_items == [{"code": row["code"].upper() + "A1", "name": "设立"}]  # 类别 blank: 设立


def test_missing_column_and_sheet_are_named(dept):
    data = filled(
        {"事项": [item_row(dept, make_basic_item())]},
        drop_columns={"事项": "promised_limit", "材料": "copies"},
    )
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(data)
    assert problems_of(exc) == [
        "事项 第1行：缺少列“承诺办结时限 promised_limit”",
        "材料 第1行：缺少列“复印件份数 copies”",
    ]

    book = openpyxl.load_workbook(io.BytesIO(data))
    del book["常见问题"]
    book["事项"]["AG1"] = "备注列"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(out.getvalue())
    assert problems_of(exc) == [
        "事项 第1行 AG列：未知的列“备注列”",
        "事项 第1行：缺少列“承诺办结时限 promised_limit”",
        "材料 第1行：缺少列“复印件份数 copies”",
        "file：缺少工作表“常见问题”（请使用导出的模板）",
    ]


def test_columns_may_be_reordered_and_named_by_key(dept):
    row = item_row(dept, make_basic_item())
    book = openpyxl.load_workbook(io.BytesIO(filled({"事项": [row]})))
    ws = book["事项"]
    ws.move_range("A1:A2", cols=40)  # the code column moves to the far right
    ws["AO1"] = "code"
    out = io.BytesIO()
    book.save(out)
    (bundle,) = xlsx.read_items_xlsx(out.getvalue())
    assert bundle.data["code"] == row["code"]


def test_empty_file_and_empty_sheet():
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(b"")
    assert _file_problem(exc) == ("file", "文件是空的")
    with pytest.raises(InvalidInput) as exc:
        xlsx.read_items_xlsx(filled({}))
    assert problems_of(exc) == ["事项：“事项”工作表没有数据行"]


# --- the command ------------------------------------------------------------------------------


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_template_export_and_import(tmp_path, dept):
    item = rich_item(dept, make_basic_item())
    template, exported = tmp_path / "template.xlsx", tmp_path / "items.xlsx"

    assert run("template", str(template))[0] == f"已写入空白模板 {template}。\n"
    assert openpyxl.load_workbook(template, read_only=True).sheetnames[1] == "事项"
    assert (
        run("export", str(exported), "--department", dept.credit_code)[0]
        == f"已导出 1 个事项到 {exported}。\n"
    )
    assert run("import", str(exported), "--publish")[0] == (
        "已导入 1 个事项：新建 0 个，新版本 1 个；申请材料 3 份，业务办理项 3 个；状态：已发布。\n"
    )
    assert ImplementationItem.objects.get(code=item.code, is_current=True).version == 2
    event = AuditEvent.objects.filter(action="catalog.item.import").latest("seq")
    assert event.actor == "system:import"
    assert run("import", str(exported))[0].endswith("状态：草稿（待提交审核）。\n")


def test_command_reports_each_problem_on_its_own_line(tmp_path, dept):
    row = item_row(dept, make_basic_item(), promised_limit=30, visits=1, visit_reason="核验")
    path = tmp_path / "bad.xlsx"
    path.write_bytes(filled({"事项": [row]}))
    before = counts()
    with pytest.raises(CommandError) as exc:
        run("import", str(path), "--publish")
    assert str(exc.value) == (
        "导入文件有 2 处需要修改，未导入任何事项\n"
        "  事项 第2行 N列 promised_limit：承诺时限（30工作日）不能超过法定时限（20工作日）\n"
        "  事项 第2行 T列 visits：全程网办事项的到现场次数应为0"
    )
    assert counts() == before


def test_command_errors_exit_non_zero(tmp_path):
    with pytest.raises(CommandError, match=r"file：文件 .*missing\.xlsx 不存在"):
        run("import", str(tmp_path / "missing.xlsx"))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(CommandError) as exc:
        run("import", str(broken))
    assert str(exc.value) == (
        "file：不是有效的 Excel 工作簿（.xlsx）；.xls 或加密的工作簿请先在 Excel 中另存为不加密的 .xlsx"
    )
    with pytest.raises(CommandError, match=r"file：无法写入文件 .*nodir/x\.xlsx"):
        run("template", str(tmp_path / "nodir" / "x.xlsx"))
    with pytest.raises(CommandError, match="actor：用户 nobody 不存在或已停用"):
        run("import", str(broken), "--actor", "nobody")
    with pytest.raises(CommandError, match="行政区划代码应为6位或12位数字"):
        run("export", str(tmp_path / "x.xlsx"), "--region", "42")


def test_command_import_as_a_staff_member_follows_their_rights(tmp_path, dept):
    other = make_department(region="420200")
    for username, department in (("editor", dept), ("outsider", other)):
        account_services.do_upsert_staff(
            actor=SYSTEM,
            username=username,
            password="a-long-test-password",
            display_name=username,
            roles=["catalog_editor"],
            department_id=department.pk,
        )
    item = make_item(dept, make_basic_item())
    path = tmp_path / "items.xlsx"
    run("export", str(path))
    before = counts()
    with pytest.raises(CommandError, match="只有平台管理员可以导入并直接发布"):
        run("import", str(path), "--publish", "--actor", "editor")
    with pytest.raises(CommandError, match="只能导入本部门的实施清单事项"):
        run("import", str(path), "--actor", "outsider")
    assert counts() == before

    assert run("import", str(path), "--actor", "editor")[0].startswith(
        "已导入 1 个事项：新建 0 个，新版本 1 个"
    )
    draft = ImplementationItem.objects.get(code=item.code, version=2)
    assert (draft.status, draft.created_by.username) == ("draft", "editor")


def test_command_four_sames(dept):
    basic = make_basic_item(name="营业执照核发")
    assert run("four-sames")[0] == "四级四同：所有当前发布的事项与基本目录一致。\n"
    item = make_item(dept, basic, name="营业执照办理")
    lines = run("four-sames")[0].splitlines()
    assert lines[0].split() == [
        "实施编码",
        "事项名称",
        "实施主体",
        "基本编码",
        "基本目录名称",
        "不一致的要素",
    ]
    assert lines[2].split() == [item.code, "营业执照办理", dept.name, basic.code, "营业执照核发", "名称"]
    assert lines[3] == "共 1 个事项与基本目录不一致。"
