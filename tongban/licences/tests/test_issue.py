"""Issuing licences: number, identifier, encryption at rest, the e-seal; refusals change nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tongban.core.crypto import blind_index
from tongban.core.errors import Forbidden, InvalidInput
from tongban.core.models import AuditEvent

from .. import canonical, queries, services
from ..enums import HolderCodeType, LicenceState, VersionReason
from ..identifiers import parse_identifier
from ..models import LICENCE_HOLDER_CODE, Licence, SealKey
from .conftest import (
    BUSINESS_FACE,
    CODES,
    COMPANY,
    FOOD_FACE,
    MARRIAGE_FACE,
    PERSON_ID,
    SPOUSE_ID,
    TODAY,
    counts,
    issue_at_jianghan,
    issue_business,
    issue_food,
    issue_marriage,
)

pytestmark = pytest.mark.usefixtures("regions_loaded")


def test_issue_a_business_licence(world):
    licence = issue_business(world, case_number="420115202609292000001")
    dept = world["jiangxia"]
    assert licence.number == "S42011500000001"
    assert licence.identifier == (
        f"1.2.156.3005.2.{CODES['营业执照']}.{dept.credit_code}.00000001.001.{licence.identifier[-1]}"
    )
    parsed = parse_identifier(licence.identifier)
    assert (parsed.type_code, parsed.issuer_code, parsed.serial, parsed.version) == (
        CODES["营业执照"],
        dept.credit_code,
        "00000001",
        "001",
    )
    assert (licence.name, licence.issuer_name, licence.issuer_code, licence.issued_on) == (
        "营业执照",
        "武汉市江夏区行政审批局",
        dept.credit_code,
        TODAY,
    )
    assert (licence.valid_from, licence.valid_until, licence.state, licence.version) == (
        TODAY,
        None,
        LicenceState.VALID,
        1,
    )
    assert (licence.holder_code_type, licence.holder_code_masked) == (HolderCodeType.CREDIT_CODE, COMPANY)
    assert licence.face == BUSINESS_FACE and licence.face_personal_enc == ""
    assert (licence.version_reason, licence.previous_id, licence.case_number) == (
        VersionReason.NEW,
        None,
        "420115202609292000001",
    )
    assert licence.issued_by == f"user:{world['officer'].pk}"
    assert services.verify(licence).valid
    # The department's first licence made its seal key, audited without the private key.
    key = SealKey.objects.get(department=dept)
    assert licence.seal_key == key and key.valid_until is None
    events = list(AuditEvent.objects.filter(action__startswith="licences.").order_by("seq"))
    assert [e.action for e in events][-2:] == ["licences.seal.create", "licences.licence.issue"]
    assert events[-1].data["identifier"] == licence.identifier
    assert events[-1].data["digest"] == licence.digest
    for event in events:
        assert "PRIVATE" not in json.dumps(event.data) and key.private_key_enc not in json.dumps(event.data)


def test_numbers_and_serials_count_per_type_and_region(world):
    first = issue_business(world)
    food = issue_food(world)
    other_region = issue_at_jianghan(world)
    again = issue_food(world)
    assert [first.number, food.number, other_region.number, again.number] == [
        "S42011500000001",
        "JY42011500000001",
        "S42010300000001",
        "JY42011500000002",
    ]
    assert again.serial == "00000002" and len({first.identifier, food.identifier, again.identifier}) == 3


def test_fixed_term_validity(world, today):
    licence = issue_food(world)
    assert (licence.valid_from, licence.valid_until) == (TODAY, dt.date(2031, 9, 28))
    today(dt.date(2028, 2, 29))
    leap = issue_food(world)
    assert leap.valid_until == dt.date(2033, 2, 28)


def test_personal_data_is_encrypted_at_rest(world):
    licence = issue_marriage(world)
    raw = Licence.objects.filter(pk=licence.pk).values().get()
    stored = json.dumps(raw, default=str, ensure_ascii=False)
    assert PERSON_ID not in stored and SPOUSE_ID not in stored and "王芳" not in stored
    assert LICENCE_HOLDER_CODE.decrypt(raw["holder_code_enc"], identifier=raw["identifier"]) == PERSON_ID
    assert raw["holder_code_index"] == blind_index(PERSON_ID, purpose="id")
    assert raw["holder_code_masked"] == PERSON_ID[:4] + "*" * 10 + PERSON_ID[-4:]
    assert raw["face"] == {
        "registered_on": "2026-09-29",
        "holder_nationality": "中国",
        "spouse_nationality": "中国",
    }
    assert queries.licence_face(licence) == MARRIAGE_FACE
    assert queries.licence_holder_code(licence) == PERSON_ID
    # The signed form holds them in clear (built in memory only) and verifies.
    form = json.loads(queries.canonical_form(licence))
    assert form["holder_code"] == PERSON_ID and form["face"]["spouse_id_number"] == SPOUSE_ID
    assert services.verify(licence).valid


def test_canonical_form_is_sorted_compact_utf8(world):
    licence = issue_marriage(world)
    text = queries.canonical_form(licence).decode("utf-8")
    body = json.loads(text)
    assert list(body) == sorted(body) and list(body["face"]) == sorted(body["face"])
    assert ", " not in text and ": " not in text and "刘洋" in text
    assert body["format"] == canonical.FORMAT and body["version"] == 1 and body["previous"] is None
    assert body["valid_until"] is None and body["seal_key"] == licence.seal_key.kid
    assert body["signed_at"].endswith("Z") and body["issued_on"] == "2026-09-29"
    assert set(body) == {
        "format", "identifier", "type_code", "name", "number", "issuer_name", "issuer_code", "issued_on",
        "holder_name", "holder_code_type", "holder_code", "valid_from", "valid_until", "version", "previous",
        "face", "seal_key", "signed_at",
    }  # fmt: skip


def test_face_values_are_normalised(world):
    licence = issue_food(world, face={**FOOD_FACE, "credit_code": COMPANY.lower(), "premises": "  一楼  "})
    assert licence.face["credit_code"] == COMPANY and licence.face["premises"] == "一楼"
    felling = services.do_issue_licence(
        actor="system:test",
        type_code=CODES["林木采伐许可证"],
        issuer=world["forestry"].pk,
        holder_name="向明",
        holder_code=PERSON_ID.lower(),
        face={
            "felling_location": "恩施市龙凤镇青堡村3林班2小班",
            "forest_category": "商品林",
            "tree_species": "杉木",
            "felling_method": "择伐",
            "felling_area": "0.50",
            "volume": "12.300",
            "regeneration_deadline": dt.date(2027, 12, 31),
        },
        valid_until=dt.date(2027, 3, 31),
    )
    assert felling.face["felling_area"] == "0.5" and felling.face["volume"] == "12.3"
    assert felling.face["regeneration_deadline"] == "2027-12-31" and "timber_output" not in felling.face
    assert felling.valid_until == dt.date(2027, 3, 31)
    assert felling.holder_code_index == blind_index(PERSON_ID, purpose="id")


def problems(exc) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"holder_name": " "}, "holder_name", "持证主体名称不能为空"),
        ({"holder_code": COMPANY[:-1] + ("0" if COMPANY[-1] != "0" else "1")}, "holder_code", "校验位错误"),
        ({"holder_code": PERSON_ID}, "holder_code", "统一社会信用代码"),
        ({"face": {**BUSINESS_FACE, "domicile": ""}}, "face.domicile", "请填写住所"),
        ({"face": {**BUSINESS_FACE, "established_on": "2020-13-01"}}, "face.established_on", "日期"),
        ({"face": {**BUSINESS_FACE, "colour": "红"}}, "face.colour", "没有这一照面信息项"),
        ({"face": {**BUSINESS_FACE, "credit_code": "123"}}, "face.credit_code", "18位"),
        ({"number": "S1"}, "number", "由平台生成"),
        ({"issued_on": TODAY + dt.timedelta(days=1)}, "issued_on", "不能晚于今天"),
        ({"valid_from": TODAY - dt.timedelta(days=1)}, "valid_from", "不能早于颁发日期"),
        ({"valid_until": dt.date(2030, 1, 1)}, "valid_until", "长期有效"),
        ({"case_number": "9" * 51}, "case_number", "最长50位"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(world, change, field, message):
    issue_business(world)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        issue_business(world, **change)
    assert message in problems(exc)[field]
    assert counts() == before


def test_every_problem_is_reported_at_once(world):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        issue_food(world, holder_name="", face={**FOOD_FACE, "main_business": "批发", "premises": ""})
    assert set(problems(exc)) == {"holder_name", "face.main_business", "face.premises"}
    assert "主体业态应为" in problems(exc)["face.main_business"]
    assert counts() == before


def test_validity_rules_of_a_given_period(world):
    base = {
        "actor": "system:test",
        "type_code": CODES["特殊工时工作制审批决定书"],
        "issuer": world["outsider"].pk,
        "holder_name": "武汉鑫达恒通商贸有限公司",
        "holder_code": COMPANY,
        "face": {
            "credit_code": COMPANY,
            "hours_system": "不定时工作制",
            "posts": "高级管理人员",
            "headcount": "3",
        },
    }
    before = counts()
    for valid_until, message in (
        (None, "请填写有效期截止日期"),
        (TODAY - dt.timedelta(days=1), "不能早于起始日期"),
        (dt.date(2029, 9, 29), "最长3年"),
    ):
        with pytest.raises(InvalidInput) as exc:
            services.do_issue_licence(**base, valid_until=valid_until)
        assert message in problems(exc)["valid_until"]
    assert counts() == before
    licence = services.do_issue_licence(**base, valid_until=dt.date(2029, 9, 28))
    assert (licence.number, licence.valid_until) == ("TG42011500000001", dt.date(2029, 9, 28))


def test_only_the_types_issuers_and_their_officers_issue(world):
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        issue_business(world, issuer=world["civil"].pk)
    assert "不是营业执照的颁发部门" in problems(exc)["issuer"]
    with pytest.raises(InvalidInput) as exc:
        issue_business(world, type_code="X" * 21)
    assert "未登记" in problems(exc)["type_code"]
    for actor in (world["clerk"], world["jianghan_officer"], world["platform"], world["civil_officer"]):
        with pytest.raises(Forbidden):
            issue_business(world, actor=actor)
    assert counts() == before
    assert issue_business(world, actor=world["head"]).state == LicenceState.VALID


def test_an_inactive_type_is_not_issued(world):
    services.do_update_licence_type(actor="system:test", code=CODES["营业执照"], changes={"is_active": False})
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        issue_business(world)
    assert "已停用" in problems(exc)["type_code"]
    assert counts() == before


def test_a_department_system_issues_for_its_own_department_only(world):
    class DeptSystem:
        pk = None
        is_authenticated = True
        label = "system:client:jiangxia-rp"

        def __init__(self, department_id):
            self.department_id = department_id

    licence = issue_business(world, actor=DeptSystem(world["jiangxia"].pk))
    assert licence.issued_by == "system:client:jiangxia-rp"
    with pytest.raises(Forbidden):
        issue_business(world, actor=DeptSystem(world["jianghan"].pk))
