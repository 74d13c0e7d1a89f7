"""Writes of 一单两库一细则 and 双随机一公开: the matter list, rules, inspector registry, plans
with approval, the commit–snapshot–reveal draw, and results.

Every write takes `actor=`, authorises (permissions_draw), locks the rows it changes, records an
audit event in the same transaction, and on bad input raises `InvalidInput` naming the field
with nothing changed. The draw's selection is `draws.select` (pure, versioned).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from tongban.core.inputs import check_text, date_in_range, parse_id

from . import credit, draws, snapshot_draw
from .enums_draw import ConflictRelation, DrawState, Method, ObjectType, PlanState, ResultCode
from .models import Entity
from .models_draw import (
    Assignment,
    Draw,
    DrawTarget,
    InspectionResult,
    InspectionRule,
    Inspector,
    Matter,
    Plan,
    Qualification,
)
from .models_draw import Conflict as ConflictDeclaration
from .permissions_draw import (
    as_pk,
    is_staff,
    may_manage_registry,
    may_review,
    of_department,
    refuse,
)

CODE_RE = re.compile(r"^[0-9A-Za-z_.-]{1,40}$")
INDUSTRY_RE = re.compile(r"^[A-T](\d{2,4})?$")
PREFIX_RE = re.compile(r"^\d{2}(\d{2}){0,2}$")
SECRET_RE = re.compile(r"^[0-9a-f]{32,128}$")
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")
MAX_BP = 10_000


def _problems(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)


def _text(values: dict, key: str, label: str, problems: list, *, limit: int, required: bool = True) -> str:
    raw = values.get(key, "")
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        problems.append(FieldProblem(key, f"{label}应为文字"))
        return ""
    bad = check_text(key, raw)
    if bad:
        problems.append(bad)
        return ""
    value = raw.strip()
    if required and not value:
        problems.append(FieldProblem(key, f"请填写{label}"))
    elif len(value) > limit:
        problems.append(FieldProblem(key, f"{label}不能超过{limit}字"))
    return value


def _date(values: dict, key: str, label: str, problems: list) -> dt.date | None:
    raw = values.get(key)
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, str):
        try:
            raw = dt.date.fromisoformat(raw.strip())
        except ValueError:
            raw = None
    if not isinstance(raw, dt.date) or not date_in_range(raw):
        problems.append(FieldProblem(key, f"{label}应为日期，如 2026-03-01"))
        return None
    return raw


def _bp(value, key: str, problems: list) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        problems.append(FieldProblem(key, "抽查比例应为 0 至 10000 的整数（万分之）"))
        return 0
    number = parse_id(value)
    if number is None or number > MAX_BP:
        problems.append(FieldProblem(key, "抽查比例应为 0 至 10000 的整数（万分之）"))
        return 0
    return number


def _department(department_id):
    try:
        return core_queries.get_department(as_pk(department_id, "没有找到该部门"))
    except NotFound as exc:
        raise InvalidInput.field("department", "没有找到该部门") from exc


# --- 一单: the matter list and its rules ----------------------------------------------------------


def do_create_matter(*, actor, values: dict) -> Matter:
    """Add a matter to the list (抽查事项清单) with its first rule (细则 version 1)."""
    problems: list[FieldProblem] = []
    code = _text(values, "code", "事项编码", problems, limit=40)
    if code and not CODE_RE.match(code):
        problems.append(FieldProblem("code", "事项编码只能含字母、数字、点、下划线和连字符"))
    name = _text(values, "name", "抽查事项", problems, limit=200)
    basis = _text(values, "legal_basis", "检查依据", problems, limit=4000)
    object_type = values.get("object_type", "")
    if object_type not in ObjectType.values:
        problems.append(FieldProblem("object_type", "请选择有效的检查对象"))
    method = values.get("method", "")
    if method not in Method.values:
        problems.append(FieldProblem("method", "请选择有效的检查方式"))
    share = _bp(values.get("share_bp", 300), "share_bp", problems)
    _problems(problems)
    department = _department(values.get("department"))
    if not may_manage_registry(actor, department.pk):
        raise refuse(
            actor,
            action="supervision.matter.create_refused",
            object_type="core.department",
            object_id=department.pk,
            reason="not_registry_admin",
            message="没有找到该部门",
        )
    rule_values = check_rule(values.get("rule") or {})
    with transaction.atomic():
        if Matter.objects.filter(code=code).exists():
            raise InvalidInput.field("code", "该事项编码已在清单中")
        matter = Matter.objects.create(
            code=code,
            name=name,
            legal_basis=basis,
            department=department,
            object_type=object_type,
            method=method,
            share_bp=share,
        )
        InspectionRule.objects.create(matter=matter, version=1, **rule_values)
        audit.record(
            actor=actor,
            action="supervision.matter.create",
            obj=matter,
            data={"code": code, "department": department.pk, "rule": rule_values},
        )
    return matter


def check_rule(values: dict) -> dict:
    """A rule's values: record items (what an inspection records), result codes, inspectors per
    target (at least 2), recusal window in days."""
    if not isinstance(values, dict):
        raise InvalidInput.field("rule", "检查细则格式有误")
    problems: list[FieldProblem] = []
    items = values.get("record_items", ["检查情况"])
    if (
        not isinstance(items, list)
        or not items
        or len(items) > 30
        or not all(
            isinstance(i, str) and 0 < len(i.strip()) <= 60 and not check_text("record_items", i)
            for i in items
        )
    ):
        problems.append(FieldProblem("record_items", "检查记录内容应为 1 至 30 项、每项不超过 60 字"))
        items = []
    codes = values.get("result_codes", list(ResultCode.values))
    if not isinstance(codes, list) or not codes or not set(codes) <= set(ResultCode.values):
        problems.append(FieldProblem("result_codes", "请选择有效的检查结果"))
        codes = []
    per = values.get("inspectors_per_target", 2)
    if isinstance(per, bool) or not isinstance(per, int) or not 2 <= per <= 5:
        problems.append(FieldProblem("inspectors_per_target", "每户检查人员应为 2 至 5 人"))
    days = values.get("recusal_days", 365)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
        problems.append(FieldProblem("recusal_days", "回避期应为 0 至 3650 日"))
    _problems(problems)
    return {
        "record_items": [i.strip() for i in items],
        "result_codes": [c for c in ResultCode.values if c in codes],
        "inspectors_per_target": per,
        "recusal_days": days,
    }


def do_revise_rule(*, actor, matter_id, values: dict) -> InspectionRule:
    """A new version of a matter's rule; plans keep the version they were drafted under."""
    clean = check_rule(values)
    with transaction.atomic():
        matter = Matter.objects.select_for_update().filter(pk=as_pk(matter_id, "没有找到该抽查事项")).first()
        if matter is None or not may_manage_registry(actor, matter.department_id):
            raise NotFound("没有找到该抽查事项")
        version = (matter.rules.order_by("-version").values_list("version", flat=True).first() or 0) + 1
        rule = InspectionRule.objects.create(matter=matter, version=version, **clean)
        audit.record(
            actor=actor,
            action="supervision.rule.revise",
            obj=rule,
            data={"matter": matter.pk, "version": version, **clean},
        )
    return rule


# --- 一库: the inspector registry ------------------------------------------------------------------


def do_register_inspector(*, actor, user_id, region_code: str, badge_no: str, matter_ids=()) -> Inspector:
    """Enter a staff member of the actor's reach in the inspector registry, qualified for the
    given matters (of the inspector's own department)."""
    user = account_queries.get_staff(parse_id(user_id) or 0)
    if user is None or not user.department_id or not may_manage_registry(actor, user.department_id):
        raise InvalidInput.field("user", "没有找到该工作人员")
    problems: list[FieldProblem] = []
    if not isinstance(region_code, str) or not re.fullmatch(r"\d{6}", region_code):
        problems.append(FieldProblem("region_code", "行政区划代码应为 6 位数字"))
    if not isinstance(badge_no, str) or not re.fullmatch(r"[0-9A-Za-z-]{4,40}", badge_no.strip()):
        problems.append(FieldProblem("badge_no", "执法证号应为 4 至 40 位字母、数字或连字符"))
    pks = [parse_id(m) for m in matter_ids]
    matters = list(
        Matter.objects.filter(pk__in=[p for p in pks if p], department_id=user.department_id, active=True)
    )
    if None in pks or len(matters) != len(set(pks)):
        problems.append(FieldProblem("matters", "只能为本部门清单中的抽查事项授予资格"))
    _problems(problems)
    try:
        with transaction.atomic():
            inspector = Inspector.objects.create(
                user=user,
                department_id=user.department_id,
                region_code=region_code,
                badge_no=badge_no.strip(),
            )
            Qualification.objects.bulk_create([Qualification(inspector=inspector, matter=m) for m in matters])
            audit.record(
                actor=actor,
                action="supervision.inspector.register",
                obj=inspector,
                data={"user": user.pk, "matters": sorted(m.pk for m in matters), "region": region_code},
            )
    except IntegrityError as exc:
        raise InvalidInput.field("badge_no", "该人员或执法证号已在名录中") from exc
    return inspector


def do_declare_conflict(
    *, actor, inspector_id, credit_code: str, relation: str, note: str = ""
) -> ConflictDeclaration:
    """An inspector (or their registry administrator) declares a conflict of interest with an
    entity: relatives working in or holding it, a former employer, or another interest."""
    inspector = Inspector.objects.filter(pk=parse_id(inspector_id) or 0).first()
    own = inspector is not None and getattr(actor, "pk", None) == inspector.user_id
    if inspector is None or not (own or may_manage_registry(actor, inspector.department_id)):
        raise NotFound("没有找到该检查人员")
    problems: list[FieldProblem] = []
    code = (credit_code or "").strip().upper() if isinstance(credit_code, str) else ""
    if not CREDIT_RE.match(code):
        problems.append(FieldProblem("credit_code", "统一社会信用代码应为 18 位"))
    if relation not in ConflictRelation.values:
        problems.append(FieldProblem("relation", "请选择有效的关系"))
    note = _text({"note": note}, "note", "说明", problems, limit=200, required=False)
    _problems(problems)
    try:
        with transaction.atomic():
            row = ConflictDeclaration.objects.create(
                inspector=inspector, credit_code=code, relation=relation, note=note
            )
            audit.record(
                actor=actor,
                action="supervision.inspector.conflict",
                obj=inspector,
                data={"credit_code": code, "relation": relation},
            )
    except IntegrityError as exc:
        raise InvalidInput.field("credit_code", "已申报过与该主体的利害关系") from exc
    return row


# --- Plans ----------------------------------------------------------------------------------------

PLAN_FIELDS = ("title", "matter", "region_prefix", "industries", "period_start", "period_end", "ratios_bp")


def check_plan(values: dict) -> dict:
    if not isinstance(values, dict):
        raise InvalidInput("抽查计划格式有误")
    unknown = sorted(set(values) - set(PLAN_FIELDS))
    if unknown:
        raise InvalidInput.field(unknown[0], "不是抽查计划的字段")
    problems: list[FieldProblem] = []
    title = _text(values, "title", "计划名称", problems, limit=200)
    matter = Matter.objects.filter(pk=parse_id(values.get("matter")) or 0, active=True).first()
    if matter is None:
        problems.append(FieldProblem("matter", "请选择清单中的抽查事项"))
    prefix = values.get("region_prefix", "")
    if not isinstance(prefix, str) or not PREFIX_RE.match(prefix.strip()):
        problems.append(FieldProblem("region_prefix", "地域范围应为 2、4 或 6 位行政区划代码前缀"))
        prefix = ""
    industries = values.get("industries") or []
    if isinstance(industries, str):
        industries = [i.strip() for i in industries.replace("，", ",").split(",") if i.strip()]
    if (
        not isinstance(industries, list)
        or len(industries) > 50
        or not all(isinstance(i, str) and INDUSTRY_RE.match(i) for i in industries)
    ):
        problems.append(FieldProblem("industries", "行业范围应为国民经济行业代码，如 H62"))
        industries = []
    start = _date(values, "period_start", "开始日期", problems)
    end = _date(values, "period_end", "结束日期", problems)
    if start and end and end < start:
        problems.append(FieldProblem("period_end", "结束日期不能早于开始日期"))
    ratios = values.get("ratios_bp")
    clean_ratios = {}
    if not isinstance(ratios, dict) or set(ratios) - set(draws.CLASSES):
        problems.append(FieldProblem("ratios_bp", "请为 A、B、C、D 各信用等级填写抽查比例"))
    else:
        for c in draws.CLASSES:
            clean_ratios[c] = _bp(ratios.get(c, 0), f"ratio_{c}", problems)
        if not problems and not any(clean_ratios.values()):
            problems.append(FieldProblem("ratios_bp", "至少一个信用等级的抽查比例应大于 0"))
    _problems(problems)
    return {
        "title": title,
        "matter": matter,
        "region_prefix": prefix.strip(),
        "industries": sorted(set(industries)),
        "period_start": start,
        "period_end": end,
        "ratios_bp": clean_ratios,
    }


def do_create_plan(*, actor, values: dict) -> Plan:
    """Draft a plan of the matter's department (any of its staff)."""
    clean = check_plan(values)
    matter = clean.pop("matter")
    if not of_department(actor, matter.department_id):
        raise InvalidInput.field("matter", "请选择清单中的抽查事项")
    with transaction.atomic():
        rule = matter.rules.order_by("-version").first()
        plan = Plan.objects.create(
            matter=matter, rule=rule, department_id=matter.department_id, created_by=_user(actor), **clean
        )
        audit.record(
            actor=actor,
            action="supervision.plan.create",
            obj=plan,
            data={
                "matter": matter.pk,
                "rule": rule.version,
                "ratios_bp": clean["ratios_bp"],
                "region_prefix": clean["region_prefix"],
            },
        )
    return plan


def _user(actor):
    return actor if getattr(actor, "pk", None) is not None and hasattr(actor, "is_staff") else None


def access_plan(actor, plan_id, *, lock: bool = False, action: str = "supervision.plan.view_refused") -> Plan:
    """A plan for its department's staff; a stranger gets the same 404 as for a missing plan."""
    pk = as_pk(plan_id)
    qs = Plan.objects.select_related("matter", "rule")
    if lock:
        qs = qs.select_for_update(of=("self",))
    plan = qs.filter(pk=pk).first()
    if plan is None:
        raise NotFound()
    if not of_department(actor, plan.department_id):
        raise refuse(
            actor, action=action, object_type="supervision.plan", object_id=pk, reason="not_department"
        )
    return plan


def do_submit_plan(*, actor, plan_id) -> Plan:
    with transaction.atomic():
        plan = access_plan(actor, plan_id, lock=True)
        if plan.state not in (PlanState.DRAFT, PlanState.REJECTED):
            raise Conflict("只有起草或退回的计划可以提交审批")
        plan.state = PlanState.SUBMITTED
        plan.save(update_fields=["state", "updated_at"])
        audit.record(actor=actor, action="supervision.plan.submit", obj=plan, data={})
    return plan


def do_decide_plan(*, actor, plan_id, approve: bool, note: str = "") -> Plan:
    """Approve (opening the draw for commitments) or return a submitted plan. Four eyes: the
    drafter may not decide on their own plan."""
    with transaction.atomic():
        plan = access_plan(actor, plan_id, lock=True)
        problems: list[FieldProblem] = []
        note = _text({"note": note}, "note", "审批意见", problems, limit=500, required=not approve)
        _problems(problems)
        if not may_review(actor, plan.department_id):
            raise Conflict("只有本部门审批人员可以审批抽查计划")
        if plan.created_by_id is not None and plan.created_by_id == getattr(actor, "pk", None):
            raise Conflict("不能审批自己起草的计划")
        if plan.state != PlanState.SUBMITTED:
            raise Conflict("该计划不在待审批状态")
        plan.state = PlanState.APPROVED if approve else PlanState.REJECTED
        plan.approved_by = _user(actor) if approve else None
        plan.decision_note = note
        plan.save(update_fields=["state", "approved_by", "decision_note", "updated_at"])
        if approve:
            Draw.objects.create(
                plan=plan,
                algorithm=draws.ALGORITHM,
                algorithm_version=draws.VERSION,
                inspectors_per_target=plan.rule.inspectors_per_target,
            )
        audit.record(
            actor=actor,
            action="supervision.plan." + ("approve" if approve else "return"),
            obj=plan,
            data={"note": note},
        )
    return plan


# --- The draw: commit → snapshot → reveal → select -------------------------------------------------


def _locked_draw(actor, plan_id) -> tuple[Plan, Draw]:
    plan = access_plan(actor, plan_id, lock=True, action="supervision.draw.refused")
    draw = Draw.objects.select_for_update().filter(plan=plan).first()
    if draw is None or not is_staff(actor):
        raise Conflict("该计划尚未批准，不能抽取")
    return plan, draw


def do_commit(*, actor, plan_id, commitment: str) -> Draw:
    """One of two different officials of the plan's department commits SM3(secret), 64 hex
    characters. When the second commitment is in, the inputs are snapshotted at once and their
    hashes fixed: neither official knows the seed, and nobody can change the inputs after."""
    value = (commitment or "").strip().lower() if isinstance(commitment, str) else ""
    with transaction.atomic():
        plan, draw = _locked_draw(actor, plan_id)
        if not HEX64_RE.match(value):
            raise InvalidInput.field("commitment", "承诺值应为 64 位十六进制 SM3 摘要")
        if draw.state != DrawState.COMMITTING:
            raise Conflict("承诺阶段已结束")
        if draw.official_1_id is None:
            draw.official_1, draw.commit_1 = actor, value
            draw.save(update_fields=["official_1", "commit_1"])
            audit.record(
                actor=actor, action="supervision.draw.commit", obj=draw, data={"slot": 1, "commitment": value}
            )
            return draw
        if draw.official_1_id == actor.pk:
            raise Conflict("两个承诺须由两名不同的工作人员提交")
        draw.official_2, draw.commit_2 = actor, value
        audit.record(
            actor=actor, action="supervision.draw.commit", obj=draw, data={"slot": 2, "commitment": value}
        )
        _snapshot(actor, plan, draw)
    return draw


def _snapshot(actor, plan: Plan, draw: Draw) -> None:
    inspectors = snapshot_draw.inspector_inputs(plan)
    per = draw.inspectors_per_target
    failure = draws.check_coverage(inspectors, per, snapshot_draw.in_scope(plan))
    if failure is not None:
        raise InvalidInput.field(
            "inspectors",
            f"符合条件的检查人员不足：需要每户 {per} 人，"
            + (
                f"主体 {failure.entity_id} 仅有 {failure.eligible} 人可派"
                if failure.entity_id
                else f"仅有 {failure.eligible} 人"
            ),
        )
    strata = snapshot_draw.entity_strata(plan)
    entities_sm3 = draws.sm3(draws.entities_bytes(strata))
    inspectors_bytes = draws.inspectors_bytes(inspectors)
    draw.inspectors_json = inspectors_bytes.decode("ascii")
    draw.inspectors_sm3 = draws.sm3(inspectors_bytes)
    draw.entities_sm3 = entities_sm3
    draw.input_sm3 = draws.input_digest(
        plan_id=plan.pk,
        ratios_bp=plan.ratios_bp,
        per_target=per,
        entities_sm3=entities_sm3,
        inspectors_sm3=draw.inspectors_sm3,
    )
    draw.entity_count = sum(len(b) // 8 for b in strata.values())
    draw.state = DrawState.SNAPSHOTTED
    draw.snapshot_at = timezone.now()
    snapshot_draw.write_strata(
        draw.pk,
        [
            (
                c,
                int(plan.ratios_bp.get(c, 0)),
                len(strata[c]) // 8,
                draws.sample_size(len(strata[c]) // 8, int(plan.ratios_bp.get(c, 0))),
                strata[c],
            )
            for c in draws.CLASSES
        ],
    )
    draw.save()
    audit.record(
        actor=actor,
        action="supervision.draw.snapshot",
        obj=draw,
        data={
            "entities_sm3": entities_sm3,
            "inspectors_sm3": draw.inspectors_sm3,
            "input_sm3": draw.input_sm3,
            "entity_count": draw.entity_count,
        },
    )


def do_reveal(*, actor, plan_id, secret: str) -> Draw:
    """An official reveals the secret they committed to (hex, 32 to 128 characters); a reveal
    whose SM3 is not the commitment is refused. When both are in, the seed is fixed and the
    selection computed and stored in the same transaction."""
    value = (secret or "").strip().lower() if isinstance(secret, str) else ""
    with transaction.atomic():
        plan, draw = _locked_draw(actor, plan_id)
        if not SECRET_RE.match(value) or len(value) % 2:
            raise InvalidInput.field("secret", "秘密值应为 32 至 128 位十六进制字符")
        if draw.state != DrawState.SNAPSHOTTED:
            raise Conflict("当前阶段不能揭示秘密值")
        if actor.pk == draw.official_1_id:
            slot = 1
        elif actor.pk == draw.official_2_id:
            slot = 2
        else:
            raise Conflict("只有提交承诺的工作人员可以揭示")
        if getattr(draw, f"reveal_{slot}"):
            raise Conflict("您已揭示过秘密值")
        if draws.commitment(bytes.fromhex(value)) != getattr(draw, f"commit_{slot}"):
            raise InvalidInput.field("secret", "秘密值与承诺不符")
        setattr(draw, f"reveal_{slot}", value)
        draw.save(update_fields=[f"reveal_{slot}"])
        audit.record(
            actor=actor, action="supervision.draw.reveal", obj=draw, data={"slot": slot, "reveal": value}
        )
        if draw.reveal_1 and draw.reveal_2:
            _select(actor, plan, draw)
    return draw


def stored_inputs(draw: Draw) -> tuple[dict[str, np.ndarray], dict[str, bytes], list[dict]]:
    rows = snapshot_draw.read_strata(draw.pk)
    arrays = {c: np.frombuffer(b, dtype=">i8") for c, b in rows.items()}
    import json

    return arrays, rows, json.loads(draw.inspectors_json or "[]")


def _write_selection(draw: Draw, selection: draws.Selection) -> None:
    """Store the targets and their inspectors: by COPY on PostgreSQL (tens of thousands of rows
    in a draw over a province), by bulk inserts elsewhere."""
    rows = [(i, e, c) for i, (c, e) in enumerate(selection.targets)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            raw = cur.cursor  # psycopg's: COPY is not in Django's API
            with raw.copy(
                f"COPY {DrawTarget._meta.db_table} (draw_id, position, entity_id, credit_class) FROM STDIN"
            ) as copy:
                for position, entity, cls in rows:
                    copy.write_row((draw.pk, position, entity, cls))
            ids = dict(DrawTarget.objects.filter(draw=draw).values_list("position", "id"))
            with raw.copy(
                f"COPY {Assignment._meta.db_table} (target_id, slot, inspector_id) FROM STDIN"
            ) as copy:
                for (position, _e, _c), picks in zip(rows, selection.inspectors, strict=True):
                    for slot, inspector in enumerate(picks):
                        copy.write_row((ids[position], slot, inspector))
        return
    DrawTarget.objects.bulk_create(
        [DrawTarget(draw=draw, position=i, entity_id=e, credit_class=c) for i, e, c in rows], batch_size=2000
    )
    ids = dict(DrawTarget.objects.filter(draw=draw).values_list("position", "id"))
    Assignment.objects.bulk_create(
        [
            Assignment(target_id=ids[i], slot=slot, inspector_id=inspector)
            for (i, _e, _c), picks in zip(rows, selection.inspectors, strict=True)
            for slot, inspector in enumerate(picks)
        ],
        batch_size=4000,
    )


def _select(actor, plan: Plan, draw: Draw) -> None:
    draw.seed = draws.seed_of(bytes.fromhex(draw.reveal_1), bytes.fromhex(draw.reveal_2), plan.pk)
    arrays, _raw, inspectors = stored_inputs(draw)
    try:
        selection = draws.select(
            seed=draw.seed,
            strata=arrays,
            ratios_bp=plan.ratios_bp,
            inspectors=inspectors,
            per_target=draw.inspectors_per_target,
        )
    except draws.TooFewInspectors as exc:  # cannot happen after the snapshot's check; refuse anyway
        raise InvalidInput.field("inspectors", f"符合条件的检查人员不足：主体 {exc.entity_id}") from exc
    _write_selection(draw, selection)
    draw.result_sm3 = selection.digest()
    draw.target_count = len(selection.targets)
    draw.state = DrawState.DRAWN
    draw.drawn_at = timezone.now()
    draw.save()
    plan.state = PlanState.DRAWN
    plan.save(update_fields=["state", "updated_at"])
    audit.record(
        actor=actor,
        action="supervision.draw.select",
        obj=draw,
        data={"seed": draw.seed, "targets": draw.target_count, "result_sm3": draw.result_sm3},
    )


# --- Results (一公开) -----------------------------------------------------------------------------


def access_target(actor, target_id, *, lock: bool = False) -> tuple[DrawTarget, Inspector]:
    """A drawn target for one of its own drawn inspectors; anyone else gets a 404."""
    pk = as_pk(target_id, "没有找到该检查任务")
    qs = DrawTarget.objects.select_related("draw__plan__rule", "draw__plan__matter")
    if lock:
        qs = qs.select_for_update(of=("self",))
    target = qs.filter(pk=pk).first()
    inspector = Inspector.objects.filter(user_id=getattr(actor, "pk", None) or 0, active=True).first()
    if (
        target is None
        or inspector is None
        or not Assignment.objects.filter(target=target, inspector=inspector).exists()
    ):
        if target is not None:
            raise refuse(
                actor,
                action="supervision.result.refused",
                object_type="supervision.drawtarget",
                object_id=pk,
                reason="not_assigned",
                message="没有找到该检查任务",
            )
        raise NotFound("没有找到该检查任务")
    return target, inspector


def do_record_result(
    *, actor, target_id, result: str, inspected_on, record: dict | None = None, summary: str = ""
) -> InspectionResult:
    """One of the target's drawn inspectors records the result, per the plan's rule: a result
    code the rule allows, the date (within the plan's period, not in the future), and the rule's
    record items. Published at once (一公开); recorded once."""
    with transaction.atomic():
        target, inspector = access_target(actor, target_id, lock=True)
        plan = target.draw.plan
        rule = plan.rule
        problems: list[FieldProblem] = []
        if result not in rule.result_codes:
            problems.append(FieldProblem("result", "请选择细则规定的检查结果"))
        day = _date({"inspected_on": inspected_on}, "inspected_on", "检查日期", problems)
        if day and (day > timezone.localdate() or day < plan.period_start):
            problems.append(FieldProblem("inspected_on", "检查日期应在计划开始之后、不晚于今天"))
        record = record or {}
        clean_record = {}
        if not isinstance(record, dict):
            problems.append(FieldProblem("record", "检查记录格式有误"))
        else:
            for item in rule.record_items:
                clean_record[item] = _text(record, item, item, problems, limit=2000)
        summary = _text({"summary": summary}, "summary", "结果说明", problems, limit=500, required=False)
        _problems(problems)
        if InspectionResult.objects.filter(target=target).exists():
            raise Conflict("该检查结果已录入")
        row = InspectionResult.objects.create(
            target=target,
            result=result,
            inspected_on=day,
            record=clean_record,
            summary=summary,
            recorded_by=inspector,
        )
        audit.record(
            actor=actor,
            action="supervision.result.record",
            obj=row,
            data={"target": target.pk, "result": result, "inspected_on": day.isoformat()},
        )
        _result_into_credit(actor, target, result, day)
    return row


# What a result means for the entity's credit (信用): a clean inspection is a bonus, a problem
# found (including an entity not found at its registered address) counts against it.
RESULT_FACTORS = {
    ResultCode.PASS: credit.CreditFactor.INSPECTION_PASS,
    ResultCode.NO_ISSUE: credit.CreditFactor.INSPECTION_PASS,
    ResultCode.RECTIFY: credit.CreditFactor.INSPECTION_PROBLEM,
    ResultCode.FAIL: credit.CreditFactor.INSPECTION_PROBLEM,
    ResultCode.UNREACHABLE: credit.CreditFactor.INSPECTION_PROBLEM,
}


# Stored in Chinese, whatever language the inspector works in (the labels are translated).
RESULT_NOTES = {
    ResultCode.PASS: "合格",
    ResultCode.NO_ISSUE: "未发现问题",
    ResultCode.RECTIFY: "发现问题已责令整改",
    ResultCode.FAIL: "不合格",
    ResultCode.UNREACHABLE: "查无下落",
}


def _result_into_credit(actor, target: DrawTarget, result: str, day: dt.date) -> None:
    """The result becomes a credit fact of the inspected entity (idempotent by the target), and
    the entity's score is recomputed at once (recomputed on events, not only monthly)."""
    credit.do_record_fact(
        actor=actor,
        entity_id=target.entity_id,
        factor=RESULT_FACTORS[ResultCode(result)],
        occurred_on=day,
        source="supervision.draw",
        ref=f"target:{target.pk}",
        note=f"{target.draw.plan.matter.name}：{RESULT_NOTES[result]}"[:200],
    )
    credit.do_recompute_entity(actor=actor, entity_id=target.entity_id)


# --- Seeding the entity registry (demo, tests, matrix) ---------------------------------------------

ENTITY_KEYS = ("credit_code", "name", "kind", "region_code", "industry", "credit_class")


def do_seed_entities(*, actor, rows: list[dict]) -> int:
    """Register entities in bulk for seeding (the demo, the authorization matrix) until the
    registry's own import is used: each row has credit_code, name, kind, region_code, industry
    and credit_class. Codes already registered are left alone. Returns how many were added."""
    from .models import CreditClass, EntityKind

    problems: list[FieldProblem] = []
    for n, row in enumerate(rows):
        if not isinstance(row, dict) or set(row) != set(ENTITY_KEYS):
            problems.append(FieldProblem("rows", "每行应含 " + "、".join(ENTITY_KEYS), row=n + 1))
        elif not CREDIT_RE.match(str(row["credit_code"])) or row["kind"] not in EntityKind.values:
            problems.append(FieldProblem("credit_code", "统一社会信用代码或主体类型有误", row=n + 1))
        elif row["credit_class"] not in CreditClass.values or not re.fullmatch(
            r"\d{6}", str(row["region_code"])
        ):
            problems.append(FieldProblem("credit_class", "信用等级或行政区划代码有误", row=n + 1))
    _problems(problems)
    with transaction.atomic():
        have = set(
            Entity.objects.filter(credit_code__in=[r["credit_code"] for r in rows]).values_list(
                "credit_code", flat=True
            )
        )
        fresh = [Entity(**r) for r in rows if r["credit_code"] not in have]
        Entity.objects.bulk_create(fresh, batch_size=1000)
        if fresh:
            audit.record(
                actor=actor,
                action="supervision.entities.seed",
                object_type="supervision.entity",
                data={"added": len(fresh)},
            )
    return len(fresh)
