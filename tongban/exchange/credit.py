"""社会信用库, a simple model for now: a legal person's credit file (`CreditRecord`) with its
overall level and its 守信/失信 records. The data service `credit.record` (XY-001) reads it
through `credit_record()`; the demo and imports write it through `do_upsert_credit_record()`."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tongban.core import audit
from tongban.core.errors import FieldProblem, InvalidInput
from tongban.core.identifiers import check_credit_code

from .enums import CreditEntryKind, CreditLevel
from .models import CreditRecord


def _date(value, field: str, problems: list, *, required: bool) -> str:
    if value in (None, "") and not required:
        return ""
    try:
        return (value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))).isoformat()
    except ValueError:
        problems.append(FieldProblem(field, "日期格式应为 YYYY-MM-DD"))
        return ""


def check_entries(raw) -> list[dict]:
    problems: list[FieldProblem] = []
    if not isinstance(raw, list):
        raise InvalidInput.field("entries", "记录应为列表")
    out = []
    for i, item in enumerate(raw):
        where = f"entries[{i}]"
        if not isinstance(item, dict):
            problems.append(FieldProblem(where, "记录格式有误"))
            continue
        if item.get("kind") not in CreditEntryKind.values:
            problems.append(FieldProblem(f"{where}.kind", "种类应为守信（honour）或失信（dishonour）"))
        for key, limit in (("title", 200), ("authority", 100)):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip() or len(value) > limit:
                problems.append(FieldProblem(f"{where}.{key}", f"请填写（至多{limit}字）"))
        decided = _date(item.get("decided_on"), f"{where}.decided_on", problems, required=True)
        until = _date(item.get("valid_until"), f"{where}.valid_until", problems, required=False)
        if decided and until and until < decided:
            problems.append(FieldProblem(f"{where}.valid_until", "有效期不能早于认定日期"))
        out.append(
            {
                "kind": item.get("kind"),
                "title": str(item.get("title", "")).strip(),
                "authority": str(item.get("authority", "")).strip(),
                "decided_on": decided,
                "valid_until": until,
            }
        )
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    return sorted(out, key=lambda e: e["decided_on"], reverse=True)


def do_upsert_credit_record(
    *, actor, credit_code: str, name: str, level: str, evaluated_on, entries: list
) -> CreditRecord:
    code = (credit_code or "").strip().upper()
    result = check_credit_code(code)
    if not result.ok:
        raise InvalidInput.field("credit_code", f"统一社会信用代码无效：{result.reason}")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput.field("name", "请填写名称（至多200字）")
    if level not in CreditLevel.values:
        raise InvalidInput.field("level", "信用等级应为 A、B、C 或 D")
    problems: list[FieldProblem] = []
    evaluated = _date(evaluated_on, "evaluated_on", problems, required=True)
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    clean = check_entries(entries)
    with transaction.atomic():
        record, created = CreditRecord.objects.select_for_update().get_or_create(
            credit_code=code,
            defaults={
                "name": name,
                "level": level,
                "evaluated_on": evaluated,
                "entries": clean,
                "updated_by": audit.actor_label(actor),
                "updated_at": timezone.now(),
            },
        )
        if not created:
            if (record.name, record.level, record.evaluated_on.isoformat(), record.entries) == (
                name,
                level,
                evaluated,
                clean,
            ):
                return record
            record.name, record.level, record.evaluated_on, record.entries = name, level, evaluated, clean
            record.updated_by = audit.actor_label(actor)
            record.updated_at = timezone.now()
            record.save()
            record.refresh_from_db()
        audit.record(
            actor=actor,
            action="exchange.credit.created" if created else "exchange.credit.updated",
            obj=record,
            data={"level": level, "entries": len(clean)},
        )
    return record


def credit_record(credit_code: str) -> dict | None:
    """The credit file of a credit code as the XY-001 fields (key -> value), or None."""
    record = CreditRecord.objects.filter(credit_code=(credit_code or "").strip().upper()).first()
    if record is None:
        return None
    return {
        "name": record.name,
        "level": record.level,
        "evaluated_on": record.evaluated_on.isoformat(),
        "entries": list(record.entries),
    }
