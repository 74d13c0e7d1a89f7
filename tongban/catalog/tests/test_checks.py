"""The catalogue rules. Each refused item names exactly the fields at fault and writes nothing."""

from __future__ import annotations

import pytest

from tongban.catalog import checks, services
from tongban.catalog.testing import SYSTEM, item_data, make_basic_item, make_item
from tongban.core.errors import InvalidInput

from .conftest import counts

pytestmark = pytest.mark.usefixtures("regions_loaded")


def refused(dept, basic, *, materials=None, handling_items=None, **overrides) -> list[str]:
    """Try to create the item through the service; return the fields named, checking nothing changed."""
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        make_item(dept, basic, publish=False, materials=materials, handling_items=handling_items, **overrides)
    assert counts() == before
    return [p.field for p in exc.value.problems]


def test_the_factory_item_is_valid(dept, basic):
    item = make_item(dept, basic)
    assert item.code == f"{dept.credit_code}3{basic.code}"
    assert (item.materials.count(), item.handling_items.count()) == (2, 1)


# --- Time limits -----------------------------------------------------------------------------


def test_promised_may_not_exceed_statutory(dept, basic):
    assert refused(dept, basic, statutory_limit=20, promised_limit=21) == ["promised_limit"]
    assert make_item(dept, basic, statutory_limit=20, promised_limit=20).promised_limit == 20


@pytest.mark.parametrize(
    ("statutory", "promised", "ok"),
    [
        ((7, "calendar_day"), (5, "workday"), True),  # 5 working days ~ 7 calendar days
        ((7, "calendar_day"), (6, "workday"), False),
        ((1, "workday"), (2, "calendar_day"), False),
        ((1, "month"), (21, "workday"), True),  # 29.4 days
        ((1, "month"), (22, "workday"), False),  # 30.8 days
        ((1, "month"), (30, "calendar_day"), True),
        ((1, "month"), (31, "calendar_day"), False),
        ((2, "hour"), (120, "minute"), True),
        ((2, "hour"), (121, "minute"), False),
        ((24, "hour"), (1, "calendar_day"), True),
        ((1, "calendar_day"), (25, "hour"), False),
        ((20, "workday"), (3, "calendar_day"), True),
        ((45, "workday"), (63, "calendar_day"), True),  # equal: no float rounding may refuse it
        ((85, "workday"), (119, "calendar_day"), True),
        ((45, "workday"), (64, "calendar_day"), False),
    ],
)
def test_promised_is_compared_with_statutory_across_units(statutory, promised, ok):
    data = item_data(
        FakeDept,
        FakeBasic,
        statutory_limit=statutory[0],
        statutory_unit=statutory[1],
        promised_limit=promised[0],
        promised_unit=promised[1],
    )
    problems = checks.check_implementation_item(data, department_credit_code=FakeDept.credit_code)
    assert [p.field for p in problems] == ([] if ok else ["promised_limit"])


def test_unit_conversion_through_the_service(dept, basic):
    assert refused(dept, basic, statutory_limit=7, statutory_unit="calendar_day", promised_limit=6) == [
        "promised_limit"
    ]
    item = make_item(dept, basic, statutory_limit=7, statutory_unit="calendar_day", promised_limit=5)
    assert (item.statutory_unit, item.promised_limit) == ("calendar_day", 5)


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"statutory_limit": -1}, ["statutory_limit"]),
        ({"promised_limit": "5"}, ["promised_limit"]),
        ({"visits": -1, "fully_online": False}, ["visits"]),
        ({"statutory_unit": "week"}, ["statutory_unit"]),
        ({"promised_unit": ""}, ["promised_unit"]),
    ],
)
def test_limits_must_be_non_negative_integers_in_known_units(dept, basic, overrides, fields):
    assert refused(dept, basic, **overrides) == fields


# --- 即办件 <=> promised 0 ----------------------------------------------------------------------


def test_an_on_the_spot_item_has_promised_limit_zero(dept, basic):
    assert refused(dept, basic, case_type="1", promised_limit=5) == ["promised_limit"]
    assert refused(dept, basic, case_type="2", promised_limit=0) == ["case_type"]
    assert refused(dept, basic, case_type="9", promised_limit=0) == ["case_type"]
    item = make_item(dept, basic, case_type="1", promised_limit=0)
    assert (item.is_immediate, item.is_immediate_limit) == (True, True)


# --- Visits ----------------------------------------------------------------------------------


def test_fully_online_means_no_visit(dept, basic):
    assert refused(dept, basic, fully_online=True, visits=1, visit_reason="现场核验原件") == ["visits"]


def test_visits_need_a_reason(dept, basic):
    assert refused(dept, basic, fully_online=False, visits=1) == ["visit_reason"]
    assert refused(dept, basic, fully_online=False, visits=1, visit_reason="   ") == ["visit_reason"]
    assert refused(dept, basic, fully_online=True, visits=2) == ["visits", "visit_reason"]
    item = make_item(dept, basic, fully_online=False, visits=1, visit_reason="现场核验原件")
    assert (item.visits, item.at_most_once, item.zero_visit) == (1, True, False)


def test_fully_online_needs_an_online_form(dept, basic):
    assert refused(dept, basic, fully_online=True, handling_forms=["1", "4"]) == ["handling_forms"]


# --- Fees ------------------------------------------------------------------------------------


def test_a_fee_needs_a_basis_and_an_item(dept, basic):
    fee = [{"name": "工本费", "standard": "10元/本"}]
    assert refused(dept, basic, charged=True, fees=fee) == ["fee_basis"]
    assert refused(dept, basic, charged=True, fees=fee, fee_basis="  ") == ["fee_basis"]
    assert refused(dept, basic, charged=True, fee_basis="发改价格〔2019〕1号") == ["fees"]
    assert refused(dept, basic, charged=True) == ["fee_basis", "fees"]
    assert refused(dept, basic, charged=False, fees=fee) == ["charged"]
    assert refused(dept, basic, charged=True, fee_basis="x", fees=[{"name": "工本费"}]) == ["fees"]
    item = make_item(dept, basic, charged=True, fees=fee, fee_basis="发改价格〔2019〕1号")
    assert item.fees == fee


# --- Codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "basic_code",
    ["4201001010", "4201001010001", "429901010000", "42010010100a", "４２0100101000", "", "42 100101000"],
)
def test_basic_code_shape(dept, basic, basic_code):
    assert refused(dept, basic, basic_code=basic_code) == ["basic_code"]


def test_basic_code_must_be_catalogued(dept, basic):
    other = "420100199000"
    code = f"{dept.credit_code}3{other}"
    fields = refused(
        dept, basic, basic_code=other, code=code, handling_items=[{"code": code + "001", "name": "x"}]
    )
    assert fields == ["basic_code"]


def test_implementation_code_shape(dept, basic):
    good = f"{dept.credit_code}3{basic.code}"
    for code in (good[:-1], good + "0", good.lower(), "I" + good[1:], ""):
        assert refused(dept, basic, code=code, handling_items=[]) == ["code"], code


def test_implementation_code_must_start_with_the_departments_credit_code(dept, other_dept, basic):
    code = f"{other_dept.credit_code}3{basic.code}"
    assert refused(dept, basic, code=code, handling_items=[]) == ["code"]


def test_implementation_code_level_must_match_the_level(dept, basic):
    code = f"{dept.credit_code}4{basic.code}"  # county level in the code, municipal in the item
    assert refused(dept, basic, code=code, level="3", handling_items=[]) == ["code"]
    assert make_item(dept, basic, level="4").code == code


def test_implementation_code_with_a_malformed_embedded_basic_code(dept, basic):
    assert refused(dept, basic, code=f"{dept.credit_code}3429901010000", handling_items=[]) == ["code"]


@pytest.mark.parametrize(
    ("suffix", "ok"),
    [("", False), ("1", True), ("A" * 19, True), ("A" * 20, False), ("-1", False), ("a", False)],
)
def test_handling_item_code_shape(dept, basic, suffix, ok):
    code = f"{dept.credit_code}3{basic.code}"
    handling = [{"code": code + suffix, "name": "设立"}]
    if ok:
        assert make_item(dept, basic, handling_items=handling).handling_items.get().code == code + suffix
    else:
        assert refused(dept, basic, handling_items=handling) == ["handling_items[1].code"]


def test_handling_item_must_extend_its_own_items_code(dept, other_dept, basic):
    foreign = f"{other_dept.credit_code}3{basic.code}001"
    assert refused(dept, basic, handling_items=[{"code": foreign, "name": "设立"}]) == [
        "handling_items[1].code"
    ]


def test_handling_item_codes_are_unique_and_kinds_known(dept, basic):
    code = f"{dept.credit_code}3{basic.code}"
    dup = [{"code": code + "001", "name": "设立"}, {"code": code + "001", "name": "变更", "kind": "change"}]
    assert refused(dept, basic, handling_items=dup) == ["handling_items[2].code"]
    bad_kind = [{"code": code + "001", "name": "设立", "kind": "merge"}, {"code": code + "002", "name": " "}]
    assert refused(dept, basic, handling_items=bad_kind) == [
        "handling_items[1].kind",
        "handling_items[2].name",
    ]


# --- Code tables and required elements ------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"name": " "}, ["name"]),
        ({"legal_basis": ""}, ["legal_basis"]),
        ({"consult_phone": ""}, ["consult_phone"]),
        ({"complaint_phone": None}, ["complaint_phone"]),
        ({"item_type": "99"}, ["item_type"]),
        ({"level": "8"}, ["level", "code"]),
        ({"case_type": "3"}, ["case_type"]),
        ({"service_objects": []}, ["service_objects"]),
        ({"service_objects": ["1", "7"]}, ["service_objects"]),
        ({"service_objects": "1"}, ["service_objects"]),
        ({"handling_forms": []}, ["handling_forms"]),
        ({"online_depth": ["8"]}, ["online_depth"]),
        ({"delivery_methods": ["drone"]}, ["delivery_methods"]),
        ({"steps": [{"description": "无名称"}]}, ["steps"]),
        ({"places": [{"name": "窗口"}]}, ["places"]),
        ({"faqs": [{"q": "问"}]}, ["faqs"]),
        ({"steps": "申请"}, ["steps"]),
    ],
)
def test_elements_are_checked_against_the_code_tables(dept, basic, overrides, fields):
    assert refused(dept, basic, **overrides) == fields


def test_unknown_elements_are_refused(dept, basic):
    assert refused(dept, basic, colour="red") == ["colour"]


def test_an_unknown_department_is_refused(dept, basic):
    assert refused(dept, basic, department_id=999999) == ["department_id"]
    assert refused(dept, basic, department_id=None) == ["department_id"]


def test_every_problem_is_reported_at_once(dept, basic):
    fields = refused(
        dept, basic, name="", case_type="1", promised_limit=3, charged=True, visits=1, fully_online=False
    )
    assert fields == ["name"]  # required elements first: the comparisons need well-formed values
    fields = refused(dept, basic, case_type="1", promised_limit=3, charged=True, visits=1, fully_online=False)
    assert fields == ["promised_limit", "visit_reason", "fee_basis", "fees"]


# --- Materials -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("material", "fields"),
    [
        ({"name": ""}, ["materials[1].name"]),
        ({"name": "申请书", "source": "5"}, ["materials[1].source"]),
        ({"name": "申请书", "requirement": "maybe"}, ["materials[1].requirement"]),
        ({"name": "申请书", "medium": "stone"}, ["materials[1].medium"]),
        ({"name": "申请书", "originals": 100}, ["materials[1].originals"]),
        ({"name": "申请书", "copies": -1}, ["materials[1].copies"]),
        ({"name": "申请书", "medium": "paper", "originals": 0, "copies": 0}, ["materials[1].copies"]),
        ({"name": "营业执照", "license_type_name": "营业执照"}, ["materials[1].license_type_code"]),
        ({"name": "申请书", "size": "A4"}, ["size"]),
    ],
)
def test_material_rules(dept, basic, material, fields):
    assert refused(dept, basic, materials=[material]) == fields


def test_electronic_materials_may_have_no_copies(dept, basic):
    item = make_item(dept, basic, materials=[{"name": "电子申请表", "medium": "electronic", "originals": 0}])
    assert item.materials.get().copies == 0


# --- Basic items -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"code": "42010010100"}, ["code"]),
        ({"code": "４２0100101000"}, ["code"]),
        ({"code": "420200101000"}, ["code"]),  # type 02 in the code, 01 in the item
        ({"name": ""}, ["name"]),
        ({"legal_basis": " "}, ["legal_basis"]),
        ({"level": "0"}, ["level"]),
        ({"item_type": "11"}, ["item_type"]),
        ({"service_objects": []}, ["service_objects"]),
    ],
)
def test_basic_item_rules(db, overrides, fields):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        make_basic_item(**{"code": "420100101000"} | overrides)
    assert [p.field for p in exc.value.problems] == fields
    assert counts() == before


def test_basic_item_unknown_element(db):
    with pytest.raises(InvalidInput) as exc:
        services.do_create_basic_item(actor=SYSTEM, data={"code": "420100101000", "colour": "red"})
    assert [p.field for p in exc.value.problems] == ["colour"]


# --- Pure helpers ----------------------------------------------------------------------------


class FakeDept:
    pk = 1
    credit_code = "91350100M000100Y43"


class FakeBasic:
    code = "420100101000"
    name = "企业营业执照核发"
    item_type = "01"
    legal_basis = "《中华人民共和国市场主体登记管理条例》"
    service_objects = ("2",)


def test_embedded_basic_code():
    assert checks.embedded_basic_code("91350100M000100Y433420100101000") == "420100101000"
    assert checks.embedded_basic_code("91350100M000100Y43342010010100") is None


def test_check_basic_code_messages():
    assert checks.check_basic_code("420100101000") == []
    assert checks.check_basic_code("420100101000", item_type="20")[0].message == (
        "基本编码第3-4位（01）与事项类型（20）不一致"
    )
    assert checks.check_basic_code("001000001000") == []  # national, type 10 其他行政权力
    assert [p.field for p in checks.check_basic_code("009900001000", field="basic_code")] == ["basic_code"]


def test_credit_code_ok():
    assert checks.credit_code_ok("91350100M000100Y43")
    assert not checks.credit_code_ok("91350100M000100Y44")
