"""The catalogue rules (事项要素校验). Each returns FieldProblems naming the field; no writes.

Rules (GB/T 39046 elements and the reform rules):
- codes of the right shape (basic 12, implementation 31 = credit code 18 + level 1 + basic 12);
- promised limit <= statutory limit;
- fully online (全程网办) => 0 on-site visits;  visits > 0 => a reason;
- a fee => a fee basis;
- 即办件 <=> promised limit "immediate" (0);
- enumerations from the national code tables;
- the result's e-licence type code (when given) in the GB/T 36904 shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from functools import cache

from tongban.core.errors import FieldProblem
from tongban.core.identifiers import USCC_CHARSET, check_credit_code

from .enums import (
    UNIT_IN_DAYS,
    CaseType,
    DeliveryMethod,
    ExerciseLevel,
    HandlingForm,
    HandlingKind,
    ItemType,
    MaterialMedium,
    MaterialRequirement,
    MaterialSource,
    OnlineDepth,
    ServiceObject,
    TimeUnit,
)

_TYPES = "|".join(ItemType.values)
BASIC_CODE_RE = re.compile(
    rf"^(?P<source>\d{{2}})(?P<type>{_TYPES})(?P<main>\d{{5}})(?P<sub>[0-9A-Z]{{3}})$", re.ASCII
)
IMPL_CODE_RE = re.compile(
    rf"^(?P<credit>[{USCC_CHARSET}]{{18}})(?P<level>[1-7])(?P<basic>\d{{4}}\d{{5}}[0-9A-Z]{{3}})$", re.ASCII
)
HANDLING_CODE_RE = re.compile(r"^[0-9A-Z]{31}[0-9A-Z]{1,19}$")


def check_basic_code(code: str, *, item_type: str | None = None, field: str = "code") -> list[FieldProblem]:
    m = BASIC_CODE_RE.match(code or "")
    if not m:
        return [
            FieldProblem(field, "基本编码应为12位：来源2位（00国家，42湖北）+事项类型2位+主项5位+子项3位")
        ]
    if item_type and m["type"] != item_type:
        return [FieldProblem(field, f"基本编码第3-4位（{m['type']}）与事项类型（{item_type}）不一致")]
    return []


def check_implementation_code(
    code: str, *, department_credit_code: str | None = None, level: str | None = None, field: str = "code"
) -> list[FieldProblem]:
    m = IMPL_CODE_RE.match(code or "")
    if not m:
        return [
            FieldProblem(field, "实施编码应为31位：实施主体统一社会信用代码18位+行使层级1位+基本编码12位")
        ]
    problems = []
    if department_credit_code and m["credit"] != department_credit_code:
        problems.append(
            FieldProblem(field, f"实施编码前18位应为实施主体的统一社会信用代码 {department_credit_code}")
        )
    if level and m["level"] != level:
        problems.append(FieldProblem(field, f"实施编码第19位（{m['level']}）与行使层级（{level}）不一致"))
    problems += check_basic_code(m["basic"], field=field)
    return problems


LICENCE_TYPE_CODE_LENGTH = 21


def check_licence_type_code(code: str, *, field: str) -> list[FieldProblem]:
    """A GB/T 36904 licence type code (blank is allowed): the defining body's 18-character
    credit code and a 3-digit sequence, the shape the e-licence library registers types under."""
    if not code:
        return []
    if len(code) != LICENCE_TYPE_CODE_LENGTH or not code[18:].isdigit() or code != code.upper():
        return [
            FieldProblem(field, "电子证照类型代码应为21位：定义机构的18位统一社会信用代码（大写）加3位顺序码")
        ]
    result = check_credit_code(code[:18])
    if not result:
        return [FieldProblem(field, f"电子证照类型代码前18位（定义机构代码）：{result.reason}")]
    return []


def embedded_basic_code(impl_code: str) -> str | None:
    m = IMPL_CODE_RE.match(impl_code or "")
    return m["basic"] if m else None


@cache
def _codes(choices) -> frozenset[str]:
    """The codes of a code table, built once (TextChoices.values makes a new list per call)."""
    return frozenset(choices.values)


def _enum(field: str, value, choices, label: str) -> list[FieldProblem]:
    return [] if value in _codes(choices) else [FieldProblem(field, f"{label}“{value}”不在国家代码表中")]


def _enum_list(field: str, values, choices, label: str, *, required: bool = True) -> list[FieldProblem]:
    if not isinstance(values, list | tuple):
        return [FieldProblem(field, f"{label}应为列表")]
    if required and not values:
        return [FieldProblem(field, f"请至少选择一项{label}")]
    bad = [v for v in values if v not in _codes(choices)]
    return [FieldProblem(field, f"{label}“{'、'.join(map(str, bad))}”不在代码表中")] if bad else []


def _required_text(data: dict, fields: dict[str, str]) -> list[FieldProblem]:
    return [
        FieldProblem(f, f"{label}不能为空")
        for f, label in fields.items()
        if not str(data.get(f) or "").strip()
    ]


def check_basic_item(data: dict) -> list[FieldProblem]:
    problems = _required_text(data, {"name": "事项名称", "legal_basis": "设定依据"})
    problems += _enum("item_type", data.get("item_type"), ItemType, "事项类型")
    problems += _enum("level", data.get("level"), ExerciseLevel, "行使层级")
    problems += _enum_list("service_objects", data.get("service_objects", []), ServiceObject, "服务对象")
    if not problems:
        problems += check_basic_code(data.get("code", ""), item_type=data.get("item_type"))
    return problems


def limits_in_days(value: int, unit: str) -> Fraction:
    # Exact fractions (7/5, 1/24, 1/1440): in floats 45 working days came to 62.999... calendar
    # days, so a promised 63 calendar days was refused as exceeding a statutory 45 working days.
    return value * Fraction(UNIT_IN_DAYS[TimeUnit(unit)]).limit_denominator(1440)


def check_implementation_item(data: dict, *, department_credit_code: str | None) -> list[FieldProblem]:
    """All rules for one implementation item's fields (materials are checked separately)."""
    problems = _required_text(
        data,
        {
            "name": "事项名称",
            "legal_basis": "设定依据",
            "consult_phone": "咨询电话",
            "complaint_phone": "监督投诉电话",
        },
    )
    problems += _enum("item_type", data.get("item_type"), ItemType, "事项类型")
    problems += _enum("level", data.get("level"), ExerciseLevel, "行使层级")
    problems += _enum("case_type", data.get("case_type"), CaseType, "办件类型")
    problems += _enum("statutory_unit", data.get("statutory_unit"), TimeUnit, "时限单位")
    problems += _enum("promised_unit", data.get("promised_unit"), TimeUnit, "时限单位")
    problems += _enum_list("service_objects", data.get("service_objects", []), ServiceObject, "服务对象")
    problems += _enum_list("handling_forms", data.get("handling_forms", []), HandlingForm, "办理形式")
    problems += _enum_list(
        "online_depth", data.get("online_depth", []), OnlineDepth, "网上办理深度", required=False
    )
    problems += _enum_list(
        "delivery_methods", data.get("delivery_methods", []), DeliveryMethod, "送达方式", required=False
    )
    problems += check_basic_code(data.get("basic_code", ""), field="basic_code")
    problems += check_licence_type_code(
        str(data.get("result_license_type_code") or ""), field="result_license_type_code"
    )
    problems += check_implementation_code(
        data.get("code", ""), department_credit_code=department_credit_code, level=data.get("level")
    )
    if problems:
        return problems  # the rules below compare values that must first be well-formed

    statutory, promised = data["statutory_limit"], data["promised_limit"]
    for field, value in (
        ("statutory_limit", statutory),
        ("promised_limit", promised),
        ("visits", data["visits"]),
    ):
        if not isinstance(value, int) or value < 0:
            problems.append(FieldProblem(field, "应为不小于0的整数"))
    if problems:
        return problems
    if limits_in_days(promised, data["promised_unit"]) > limits_in_days(statutory, data["statutory_unit"]):
        problems.append(
            FieldProblem(
                "promised_limit",
                f"承诺时限（{promised}{TimeUnit(data['promised_unit']).label}）不能超过法定时限"
                f"（{statutory}{TimeUnit(data['statutory_unit']).label}）",
            )
        )
    immediate = promised == 0
    if data["case_type"] == CaseType.IMMEDIATE and not immediate:
        problems.append(FieldProblem("promised_limit", "即办件的承诺时限应为“即时办结”（0）"))
    if data["case_type"] != CaseType.IMMEDIATE and immediate:
        problems.append(FieldProblem("case_type", "承诺时限为“即时办结”的事项，办件类型应为即办件"))
    if data.get("fully_online") and data["visits"] != 0:
        problems.append(FieldProblem("visits", "全程网办事项的到现场次数应为0"))
    if data.get("fully_online") and not set(data["handling_forms"]) & {HandlingForm.WEB, HandlingForm.MOBILE}:
        problems.append(FieldProblem("handling_forms", "全程网办事项应提供网上办理形式"))
    if data["visits"] > 0 and not str(data.get("visit_reason") or "").strip():
        problems.append(FieldProblem("visit_reason", "到现场次数大于0时，必须说明需要现场办理的原因"))
    if data.get("charged") and not str(data.get("fee_basis") or "").strip():
        problems.append(FieldProblem("fee_basis", "收费事项必须填写收费依据"))
    if data.get("charged") and not data.get("fees"):
        problems.append(FieldProblem("fees", "收费事项必须列出收费项目和标准"))
    if not data.get("charged") and data.get("fees"):
        problems.append(FieldProblem("charged", "列出了收费项目，却标为不收费"))
    problems += _check_rows("steps", data.get("steps", []), ("name",), "办理流程")
    problems += _check_rows("places", data.get("places", []), ("name", "address"), "办理地点")
    problems += _check_rows("faqs", data.get("faqs", []), ("q", "a"), "常见问题")
    problems += _check_rows("fees", data.get("fees", []), ("name", "standard"), "收费项目")
    return problems


def _check_rows(field: str, rows, keys: Iterable[str], label: str) -> list[FieldProblem]:
    if not isinstance(rows, list):
        return [FieldProblem(field, f"{label}应为列表")]
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or any(not str(row.get(k) or "").strip() for k in keys):
            return [FieldProblem(field, f"{label}第{i}条缺少{'、'.join(keys)}")]
    return []


def check_material(data: dict, *, row: int | None = None) -> list[FieldProblem]:
    problems = _required_text(data, {"name": "材料名称"})
    problems += _enum("source", data.get("source"), MaterialSource, "来源渠道")
    problems += _enum("requirement", data.get("requirement"), MaterialRequirement, "必要性")
    problems += _enum("medium", data.get("medium"), MaterialMedium, "材料形式")
    for f in ("originals", "copies"):
        v = data.get(f)
        if not isinstance(v, int) or v < 0 or v > 99:
            problems.append(FieldProblem(f, "份数应为0-99的整数"))
    if (
        not problems
        and data["originals"] == 0
        and data["copies"] == 0
        and data.get("medium") == MaterialMedium.PAPER
    ):
        problems.append(FieldProblem("copies", "纸质材料的原件和复印件份数不能都为0"))
    if data.get("license_type_name") and not data.get("license_type_code"):
        problems.append(FieldProblem("license_type_code", "填写了电子证照名称，请同时填写证照类型代码"))
    if row is not None:
        problems = [FieldProblem(p.field, p.message, row=row) for p in problems]
    return problems


def check_handling_item(data: dict, *, item_code: str) -> list[FieldProblem]:
    problems = _required_text(data, {"name": "业务办理项名称"})
    problems += _enum("kind", data.get("kind"), HandlingKind, "办理项类别")
    code = data.get("code", "")
    if not HANDLING_CODE_RE.match(code) or not code.startswith(item_code):
        problems.append(
            FieldProblem("code", "业务办理项编码应以实施编码开头，后接1-19位数字或大写字母，总长不超过50")
        )
    return problems


def credit_code_ok(code: str) -> bool:
    return bool(check_credit_code(code))
