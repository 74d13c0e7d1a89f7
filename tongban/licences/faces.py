"""Face schemas (照面信息项) of licence types, and face values checked against them.

A schema is a list of fields:

    {"key": "scope", "label": "经营范围", "type": "textarea", "required": true,
     "personal": false, "max_length": 2000, "choices": []}

`key` is ASCII (a-z, 0-9, _; starts with a letter), `label` the Chinese name printed on the
face, `type` one of FaceFieldType. A field is `personal` when it identifies a person other
than through the holder's name (a spouse's ID number ...): those values are encrypted at rest.
`id_number` fields are always personal.

Values are stored and signed as strings in a normal form: dates `YYYY-MM-DD`, numbers as plain
decimals without exponent or trailing zeros (`1000`, `12.5`), codes in upper case, text with
surrounding spaces removed. An empty optional field is left out.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from tongban.core.errors import FieldProblem
from tongban.core.identifiers import check_credit_code, check_resident_id, normalize
from tongban.core.inputs import date_in_range, date_message

from .enums import FaceFieldType

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFAULT_MAX = {FaceFieldType.TEXT: 200, FaceFieldType.TEXTAREA: 2000, FaceFieldType.CHOICE: 100}
HARD_MAX = 4000
MAX_FIELDS = 60
CODE_CHECKS = {FaceFieldType.RESIDENT_ID: check_resident_id, FaceFieldType.CREDIT_CODE: check_credit_code}


def check_schema(fields, *, field: str = "face_fields") -> tuple[list[dict], list[FieldProblem]]:
    """The schema in normal form, and every problem found (naming the field and item)."""
    problems: list[FieldProblem] = []
    if not isinstance(fields, list) or not fields:
        return [], [FieldProblem(field, "照面信息项应为非空列表")]
    if len(fields) > MAX_FIELDS:
        return [], [FieldProblem(field, f"照面信息项不能超过{MAX_FIELDS}项")]
    out: list[dict] = []
    seen: set[str] = set()
    for n, raw in enumerate(fields, start=1):
        where = f"{field}[{n}]"
        if not isinstance(raw, dict):
            problems.append(FieldProblem(where, "每一项应为对象"))
            continue
        key = str(raw.get("key", "")).strip()
        label = str(raw.get("label", "")).strip()
        kind = str(raw.get("type", FaceFieldType.TEXT))
        unknown = set(raw) - {"key", "label", "type", "required", "personal", "max_length", "choices"}
        if unknown:
            problems.append(FieldProblem(where, f"不认识的属性：{'、'.join(sorted(unknown))}"))
        if not KEY_RE.match(key):
            problems.append(
                FieldProblem(f"{where}.key", "键名应以小写字母开头，仅含小写字母、数字和下划线，最长40位")
            )
        elif key in seen:
            problems.append(FieldProblem(f"{where}.key", f"键名 {key} 重复"))
        seen.add(key)
        if not label or len(label) > 40:
            problems.append(FieldProblem(f"{where}.label", "名称不能为空，最长40字"))
        if kind not in FaceFieldType.values:
            problems.append(
                FieldProblem(f"{where}.type", f"类型 {kind} 无效，应为 {'、'.join(FaceFieldType.values)}")
            )
            continue
        required = raw.get("required", True)
        personal = raw.get("personal", False)
        if not isinstance(required, bool) or not isinstance(personal, bool):
            problems.append(FieldProblem(where, "required 和 personal 应为 true 或 false"))
            continue
        item = {
            "key": key,
            "label": label,
            "type": kind,
            "required": required,
            "personal": personal or kind == FaceFieldType.RESIDENT_ID,
        }
        if kind in DEFAULT_MAX:
            max_length = raw.get("max_length", DEFAULT_MAX[kind])
            if (
                not isinstance(max_length, int)
                or isinstance(max_length, bool)
                or not 1 <= max_length <= HARD_MAX
            ):
                problems.append(FieldProblem(f"{where}.max_length", f"最大长度应为1-{HARD_MAX}的整数"))
                continue
            item["max_length"] = max_length
        if kind == FaceFieldType.CHOICE:
            choices = raw.get("choices")
            if (
                not isinstance(choices, list)
                or not choices
                or not all(isinstance(c, str) and c.strip() for c in choices)
                or len(set(choices)) != len(choices)
            ):
                problems.append(FieldProblem(f"{where}.choices", "选项应为不重复的非空文字列表"))
                continue
            item["choices"] = [c.strip() for c in choices]
        out.append(item)
    return out, problems


def _normal_decimal(text: str) -> str | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    plain = format(value.normalize(), "f")
    return "0" if plain in ("-0", "") else plain


def check_face(
    schema: list[dict], values, *, field: str = "face"
) -> tuple[dict[str, str], list[FieldProblem]]:
    """Face values in normal form (strings), and every problem (field `face.<key>`)."""
    if not isinstance(values, dict):
        return {}, [FieldProblem(field, "照面信息应为键值对")]
    problems: list[FieldProblem] = []
    known = {f["key"]: f for f in schema}
    for key in sorted(set(values) - set(known)):
        problems.append(FieldProblem(f"{field}.{key}", "该证照类型没有这一照面信息项"))
    out: dict[str, str] = {}
    for spec in schema:
        key, label, kind = spec["key"], spec["label"], spec["type"]
        where = f"{field}.{key}"
        raw = values.get(key)
        text = "" if raw is None else str(raw).strip()
        if isinstance(raw, dt.date):
            text = raw.isoformat()
        if not text:
            if spec["required"]:
                problems.append(FieldProblem(where, f"请填写{label}"))
            continue
        if kind in (FaceFieldType.TEXT, FaceFieldType.TEXTAREA, FaceFieldType.CHOICE):
            if len(text) > spec["max_length"]:
                problems.append(FieldProblem(where, f"{label}最长{spec['max_length']}字"))
                continue
            if kind == FaceFieldType.CHOICE and text not in spec["choices"]:
                problems.append(FieldProblem(where, f"{label}应为：{'、'.join(spec['choices'])}"))
                continue
        elif kind == FaceFieldType.DATE:
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                problems.append(FieldProblem(where, f"{label}应为日期（YYYY-MM-DD）"))
                continue
            if not date_in_range(day):
                problems.append(FieldProblem(where, f"{label}：{date_message()}"))
                continue
            text = day.isoformat()
        elif kind == FaceFieldType.DECIMAL:
            normal = _normal_decimal(text)
            if normal is None:
                problems.append(FieldProblem(where, f"{label}应为数值"))
                continue
            text = normal
        elif kind in CODE_CHECKS:
            text = normalize(text)
            result = CODE_CHECKS[kind](text)
            if not result:
                problems.append(FieldProblem(where, result.reason))
                continue
        out[key] = text
    return out, problems


def split_personal(schema: list[dict], face: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(plain fields, personal fields) of a checked face."""
    personal_keys = {f["key"] for f in schema if f["personal"]}
    plain = {k: v for k, v in face.items() if k not in personal_keys}
    personal = {k: v for k, v in face.items() if k in personal_keys}
    return plain, personal
