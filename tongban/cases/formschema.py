"""Application forms as data (申请表), one per item version.

    {"sections": [
        {"title": "申请人信息", "fields": [
            {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": true,
             "prefill": "name"},
            {"name": "mobile", "label": "联系电话", "type": "mobile", "required": true}]},
        {"title": "委托代理", "when": {"field": "by_agent", "equals": "yes"}, "fields": [...]}]}

Field types: text, textarea, number, date, select (with "choices"), checkbox, mobile, email,
id_number, credit_code. A section with "when" is shown and validated only when the named field
has that value. `prefill` names a value of the signed-in identity (see `prefill_values`); `help`
is a line shown under the label.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_noop as N_

from tongban.core.errors import FieldProblem, InvalidInput
from tongban.core.identifiers import (
    check_credit_code,
    check_resident_id,
    is_mobile,
    normalize,
    normalize_phone,
)
from tongban.core.inputs import NUL, NUL_MESSAGE, date_in_range, date_message

FIELD_TYPES = {
    "text",
    "textarea",
    "number",
    "date",
    "select",
    "checkbox",
    "mobile",
    "email",
    "id_number",
    "credit_code",
}
# name: who the case is for (the person, or the enterprise / principal acted for);
# person_name: the signed-in person themselves (a contact, a handler).
PREFILLS = {
    "name",
    "person_name",
    "mobile_masked",
    "id_number_masked",
    "legal_person_name",
    "credit_code",
    "principal_name",
}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,}$")
MAX_TEXT = 500
MAX_TEXTAREA = 4000

DEFAULT_SCHEMA = {
    "sections": [
        {
            "title": N_("申请人信息"),
            "fields": [
                {
                    "name": "applicant_name",
                    "label": N_("申请人（单位）名称"),
                    "type": "text",
                    "required": True,
                    "prefill": "name",
                },
                {
                    "name": "contact_name",
                    "label": "联系人",
                    "type": "text",
                    "required": True,
                    "prefill": "person_name",
                },
                {"name": "contact_phone", "label": "联系电话", "type": "mobile", "required": True},
                {"name": "address", "label": N_("联系地址"), "type": "text", "required": False},
            ],
        },
        {
            "title": N_("申请内容"),
            "fields": [
                {"name": "request", "label": N_("申请事项说明"), "type": "textarea", "required": True},
            ],
        },
    ]
}


def check_schema(schema: dict) -> dict:
    """Validate a form definition (staff edit these); names the first fault."""
    if not isinstance(schema, dict) or not isinstance(schema.get("sections"), list) or not schema["sections"]:
        raise InvalidInput.field("schema", "表单定义应包含至少一个 sections 分组")
    names: set[str] = set()
    for s_index, section in enumerate(schema["sections"], 1):
        where = f"第{s_index}个分组"
        if (
            not isinstance(section, dict)
            or not section.get("title")
            or not isinstance(section.get("fields"), list)
        ):
            raise InvalidInput.field("schema", f"{where}应有 title 和 fields")
        for field in section["fields"]:
            name = field.get("name", "") if isinstance(field, dict) else ""
            if not NAME_RE.match(name):
                raise InvalidInput.field("schema", f"{where}的字段名“{name}”应为小写字母开头的英文标识")
            if name in names:
                raise InvalidInput.field("schema", f"字段名“{name}”重复")
            names.add(name)
            if field.get("type") not in FIELD_TYPES:
                raise InvalidInput.field("schema", f"字段“{name}”的类型不受支持")
            if not field.get("label"):
                raise InvalidInput.field("schema", f"字段“{name}”缺少标签")
            if field["type"] == "select" and not field.get("choices"):
                raise InvalidInput.field("schema", f"选择字段“{name}”缺少选项")
            if field.get("prefill") and field["prefill"] not in PREFILLS:
                raise InvalidInput.field("schema", f"字段“{name}”的预填来源不受支持")
    for section in schema["sections"]:
        when = section.get("when")
        if when and (not isinstance(when, dict) or when.get("field") not in names):
            raise InvalidInput.field("schema", f"分组“{section['title']}”的显示条件引用了不存在的字段")
    return schema


def visible_sections(schema: dict, data: dict) -> list[dict]:
    out = []
    for section in schema["sections"]:
        when = section.get("when")
        if when and str(data.get(when["field"], "")) != str(when.get("equals", "")):
            continue
        out.append(section)
    return out


def _clean_value(field: dict, raw, *, landline: bool = False) -> object:
    kind = field["type"]
    value = raw if isinstance(raw, bool) else ("" if raw is None else str(raw).strip())
    if kind == "checkbox":
        return raw in (True, "on", "true", "1", "yes", 1)
    if value == "":
        return ""
    if NUL in value:
        raise ValueError(NUL_MESSAGE)
    if kind == "text" and len(value) > MAX_TEXT:
        raise ValueError(f"不能超过{MAX_TEXT}个字")
    if kind == "textarea" and len(value) > MAX_TEXTAREA:
        raise ValueError(f"不能超过{MAX_TEXTAREA}个字")
    if kind == "number":
        try:
            number = float(value)
        except ValueError as exc:
            raise ValueError("请输入数字") from exc
        if ("min" in field and number < field["min"]) or ("max" in field and number > field["max"]):
            raise ValueError(f"应在{field.get('min', '')}到{field.get('max', '')}之间")
        return int(number) if number.is_integer() else number
    if kind == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("请输入日期，如 2026-10-01") from exc
        if not date_in_range(day):
            raise ValueError(date_message())
        return day.isoformat()
    if kind == "select":
        allowed = [c["value"] if isinstance(c, dict) else c for c in field["choices"]]
        if value not in allowed:
            raise ValueError("请从选项中选择")
    if kind == "mobile" and landline:  # at the window: a landline with its area code will do
        value = normalize_phone(value)
        if not value:
            raise ValueError("请输入11位手机号码，或带区号的固定电话（如027-87654321）")
    elif kind == "mobile" and not is_mobile(value):
        raise ValueError("请输入11位手机号码")
    if kind == "email" and not EMAIL_RE.match(value):
        raise ValueError("电子邮箱格式不正确")
    if kind == "id_number":
        value = normalize(value)
        result = check_resident_id(value)
        if not result.ok:
            raise ValueError(f"身份证号码无效：{result.reason}")
    if kind == "credit_code":
        value = normalize(value)
        if not check_credit_code(value).ok:
            raise ValueError("统一社会信用代码无效")
    return value


def clean_form(schema: dict, data: dict, *, partial: bool = False, landline: bool = False) -> dict:
    """The cleaned values of the visible sections; every problem named by field at once.
    `partial` (a draft) skips the required check; `landline` (window intake, for a walk-in
    who may have no mobile) lets a phone field take a landline with its area code."""
    data = data or {}
    cleaned: dict = {}
    problems: list[FieldProblem] = []
    for section in visible_sections(schema, data):
        for field in section["fields"]:
            try:
                value = _clean_value(field, data.get(field["name"]), landline=landline)
            except ValueError as exc:
                problems.append(FieldProblem(field["name"], f"{field['label']}：{exc}"))
                continue
            if field.get("required") and value in ("", False) and not partial:
                problems.append(FieldProblem(field["name"], f"请填写{field['label']}"))
            cleaned[field["name"]] = value
    if problems:
        raise InvalidInput("申请表有需要修改的地方", problems=problems)
    return cleaned
