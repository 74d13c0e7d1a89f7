"""Licence types: registration, updates, the standard seed; bad input changes nothing."""

from __future__ import annotations

import copy

import pytest

from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .. import queries, services, standard
from ..enums import HolderKind, NumberScheme, ValidityKind
from ..faces import check_schema
from .conftest import CODES, counts, issue_business, ministry_code

pytestmark = pytest.mark.usefixtures("regions_loaded")

NEW_CODE = ministry_code("中华人民共和国教育部") + "001"


def data(**overrides) -> dict:
    base = {
        "name": "教师资格证书",
        "ministry_name": "中华人民共和国教育部",
        "holder_kind": HolderKind.PERSON,
        "face_fields": [
            {
                "key": "category",
                "label": "资格种类",
                "type": "choice",
                "choices": ["幼儿园", "小学", "初级中学"],
            },
            {"key": "subject", "label": "任教学科", "type": "text", "max_length": 40},
            {"key": "born_on", "label": "出生日期", "type": "date", "personal": True},
        ],
        "validity_kind": ValidityKind.LONG_TERM,
        "template": "licences/faces/teacher_qualification.html",
        "issuing_departments": [],
    }
    base.update(overrides)
    return base


def problems(exc) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def test_the_standard_types_are_seeded_with_their_rules(world):
    types = {t.name: t for t in queries.licence_types()}
    assert set(types) == set(standard.STANDARD_TYPES) == set(CODES)
    food = types["食品经营许可证"]
    assert (food.code, food.ministry_code, food.ministry_name, food.holder_kind) == (
        CODES["食品经营许可证"],
        CODES["食品经营许可证"][:18],
        "国家市场监督管理总局",
        HolderKind.LEGAL_PERSON,
    )
    assert (food.validity_kind, food.validity_years, food.number_scheme, food.number_prefix) == (
        ValidityKind.YEARS,
        5,
        NumberScheme.SEQUENCE,
        "JY",
    )
    assert food.template == "licences/faces/food_business_licence.html"
    marriage = types["结婚证"]
    personal = {f["key"] for f in marriage.face_fields if f["personal"]}
    assert personal == {"spouse_name", "spouse_id_number"} and marriage.holder_kind == HolderKind.PERSON
    assert queries.issuing_department_ids(CODES["营业执照"]) == sorted(
        [world["jiangxia"].pk, world["jianghan"].pk]
    )


def test_seeding_again_writes_nothing_and_keeps_staff_edits(world):
    services.do_update_licence_type(
        actor="system:test", code=CODES["营业执照"], changes={"number_prefix": "YZ"}
    )
    before = counts()
    assert (
        services.do_seed_standard_types(
            actor="system:test", codes=CODES, issuers={"营业执照": [world["jiangxia"].pk]}
        )
        == 0
    )
    assert counts() == before
    assert queries.get_licence_type(CODES["营业执照"]).number_prefix == "YZ"
    # A new issuer is added, the existing ones stay.
    assert (
        services.do_seed_standard_types(
            actor="system:test", codes=CODES, issuers={"营业执照": [world["civil"].pk]}
        )
        == 1
    )
    assert set(queries.issuing_department_ids(CODES["营业执照"])) == {
        world["jiangxia"].pk,
        world["jianghan"].pk,
        world["civil"].pk,
    }
    with pytest.raises(InvalidInput) as exc:
        services.do_seed_standard_types(actor="system:test", codes={"驾驶证": NEW_CODE})
    assert "驾驶证" in problems(exc)["codes"]


def test_register_and_update_a_type(world):
    lt = services.do_register_licence_type(
        actor=world["platform"], code=NEW_CODE.lower(), data=data(issuing_departments=[world["civil"].pk])
    )
    assert (lt.code, lt.revision, lt.face_fields[2]["personal"], lt.face_fields[0]["max_length"]) == (
        NEW_CODE,
        1,
        True,
        100,
    )
    event = AuditEvent.objects.filter(action="licences.type.register").latest("seq")
    assert event.data["fields"] == ["category", "subject", "born_on"]
    updated = services.do_update_licence_type(
        actor=world["platform"], code=NEW_CODE, changes={"name": "教师资格证", "issuing_departments": []}
    )
    assert (updated.name, updated.revision, queries.issuing_department_ids(NEW_CODE)) == ("教师资格证", 2, [])
    event = AuditEvent.objects.filter(action="licences.type.update").latest("seq")
    assert event.data["changed"] == ["name", "issuing_departments"]
    before = counts()
    assert (
        services.do_update_licence_type(
            actor=world["platform"], code=NEW_CODE, changes={"name": "教师资格证"}
        ).revision
        == 2
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "不能为空"),
        ({"holder_kind": "robot"}, "holder_kind", "持证主体类别"),
        ({"face_fields": []}, "face_fields", "非空列表"),
        ({"face_fields": [{"key": "Bad Key", "label": "x"}]}, "face_fields[1].key", "小写字母"),
        (
            {"face_fields": [{"key": "a", "label": "x"}, {"key": "a", "label": "y"}]},
            "face_fields[2].key",
            "重复",
        ),
        (
            {"face_fields": [{"key": "a", "label": "x", "type": "blob"}]},
            "face_fields[1].type",
            "类型 blob 无效",
        ),
        ({"face_fields": [{"key": "a", "label": "x", "type": "choice"}]}, "face_fields[1].choices", "选项"),
        (
            {"face_fields": [{"key": "a", "label": "x", "max_length": 0}]},
            "face_fields[1].max_length",
            "最大长度",
        ),
        (
            {"face_fields": [{"key": "a", "label": "", "type": "text"}]},
            "face_fields[1].label",
            "名称不能为空",
        ),
        ({"face_fields": [{"key": "a", "label": "x", "colour": "red"}]}, "face_fields[1]", "colour"),
        ({"validity_kind": "forever"}, "validity_kind", "有效期规则"),
        ({"validity_kind": "years"}, "validity_years", "请填写有效年限"),
        ({"validity_kind": "years", "validity_years": 0}, "validity_years", "1-100"),
        ({"validity_years": 5}, "validity_years", "长期有效"),
        ({"number_scheme": "random"}, "number_scheme", "编号规则"),
        ({"number_prefix": "jy"}, "number_prefix", "大写字母"),
        ({"template": "../../etc/passwd"}, "template", "模板路径"),
        ({"issuing_departments": [999999]}, "issuing_departments", "999999 不存在"),
        ({"issuing_departments": "all"}, "issuing_departments", "部门编号列表"),
        ({"colour": "red"}, "colour", "不认识的字段"),
    ],
)
def test_bad_type_input_names_the_field_and_changes_nothing(world, overrides, field, message):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_register_licence_type(actor=world["platform"], code=NEW_CODE, data=data(**overrides))
    assert message in problems(exc)[field]
    assert counts() == before


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("123", "应为21位"),
        (NEW_CODE[:18] + "0A1", "应为21位"),
        (NEW_CODE[:17] + ("0" if NEW_CODE[17] != "0" else "1") + "001", "校验位错误"),
    ],
)
def test_bad_type_codes(world, code, message):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_register_licence_type(actor=world["platform"], code=code, data=data())
    assert message in problems(exc)["code"]
    assert counts() == before


def test_a_code_is_registered_once_and_holder_kind_stays_once_used(world):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_register_licence_type(actor=world["platform"], code=CODES["营业执照"], data=data())
    assert "已登记" in problems(exc)["code"]
    issue_business(world)
    with pytest.raises(InvalidInput) as exc:
        services.do_update_licence_type(
            actor=world["platform"], code=CODES["营业执照"], changes={"holder_kind": HolderKind.PERSON}
        )
    assert "不能改变持证主体类别" in problems(exc)["holder_kind"]
    with pytest.raises(NotFound):
        services.do_update_licence_type(actor=world["platform"], code=NEW_CODE, changes={})
    assert counts()["types"] == before["types"]


def test_only_platform_administrators_maintain_types(world):
    before = counts()
    for actor in (world["officer"], world["head"]):
        with pytest.raises(Forbidden):
            services.do_register_licence_type(actor=actor, code=NEW_CODE, data=data())
        with pytest.raises(Forbidden):
            services.do_update_licence_type(actor=actor, code=CODES["营业执照"], changes={"name": "x"})
    assert counts() == before


def test_the_standard_definitions_are_valid_schemas():
    for spec in standard.STANDARD_TYPES.values():
        schema, found = check_schema(copy.deepcopy(spec.face_fields))
        assert found == [] and len(schema) == len(spec.face_fields), spec.name
