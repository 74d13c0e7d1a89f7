"""Acting for others: legal persons and their agents (法人与经办人), helpers acting for people with
recorded consent (帮办代办), and the acting context a person switches between (身份切换)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from tongban.core import audit
from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tongban.core.identifiers import check_credit_code, new_credit_code, normalize

from .checks import check_id_number, find_person_by_id_number, record_refusal
from .enums import (
    ActingKind,
    AssuranceLevel,
    ConsentMethod,
    HelperRelation,
    LegalPersonKind,
    MandateRole,
    StaffRole,
)
from .models import AgentConsent, LegalPerson, LegalPersonRecord, Mandate, User

# --- Legal persons and mandates (法人与经办人) -----------------------------------------------------


def do_claim_legal_person(*, actor: User, credit_code: str) -> Mandate:
    """A real-name-verified person whom the legal-person register names as legal representative
    links the enterprise to their account."""
    code = normalize(credit_code)
    if not check_credit_code(code).ok:
        raise InvalidInput.field("credit_code", "统一社会信用代码无效")
    if actor.assurance_level < AssuranceLevel.L2:
        raise Forbidden("请先完成实名认证")
    record = LegalPersonRecord.objects.filter(credit_code=code).first()
    if record is None or record.legal_rep_id_index != actor.id_number_index:
        record_refusal(actor=actor, action="accounts.legal_person.claim_refused", data={"credit_code": code})
        raise InvalidInput.field("credit_code", "法人库中该单位的法定代表人不是您，无法关联")
    with transaction.atomic():
        lp, _ = LegalPerson.objects.update_or_create(
            credit_code=code,
            defaults={
                "name": record.name,
                "kind": record.kind,
                "legal_rep_name": record.legal_rep_name,
                "legal_rep_id_index": record.legal_rep_id_index,
            },
        )
        _end_former_legal_reps(lp, record, actor=actor)
        mandate = Mandate.objects.filter(
            legal_person=lp, user=actor, role=MandateRole.LEGAL_REP, revoked_at__isnull=True
        ).first()
        if mandate is None:
            mandate = Mandate.objects.create(
                legal_person=lp, user=actor, role=MandateRole.LEGAL_REP, all_items=True, granted_by=actor
            )
            audit.record(
                actor=actor, action="accounts.mandate.legal_rep", obj=mandate, data={"credit_code": code}
            )
    return mandate


LEGAL_REP_CHANGED = "法人库变更了法定代表人"


def _end_former_legal_reps(lp: LegalPerson, record: LegalPersonRecord, *, actor) -> list[Mandate]:
    """End every legal-representative mandate of `lp` held by someone the register no longer
    names (audited, with the reason). The mandates they granted stay: they are the legal
    person's, and the new representative sees and may revoke them."""
    ended = list(
        Mandate.objects.select_for_update()
        .filter(legal_person=lp, role=MandateRole.LEGAL_REP, revoked_at__isnull=True)
        .exclude(user__id_number_index=record.legal_rep_id_index)
    )
    now = timezone.now()
    for mandate in ended:
        mandate.revoked_at = now
        mandate.revoked_by = actor if isinstance(actor, User) else None
        mandate.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            actor=actor,
            action="accounts.mandate.legal_rep_end",
            obj=mandate,
            data={"credit_code": lp.credit_code, "reason": LEGAL_REP_CHANGED},
        )
    return ended


def follow_legal_register(*, actor, record: LegalPersonRecord) -> None:
    """法人库 has changed a legal person's record: the platform's copy follows it. A former
    legal representative's mandate ends; the representative it now names, when they have a
    real-name-verified account, is linked at once (otherwise when they claim it). Runs inside
    the caller's transaction (the register write)."""
    lp = LegalPerson.objects.select_for_update().filter(credit_code=record.credit_code).first()
    if lp is None:  # nobody has linked it yet: the register alone is enough
        return
    lp.name, lp.kind = record.name, record.kind
    lp.legal_rep_name, lp.legal_rep_id_index = record.legal_rep_name, record.legal_rep_id_index
    lp.save(update_fields=["name", "kind", "legal_rep_name", "legal_rep_id_index"])
    _end_former_legal_reps(lp, record, actor=actor)
    rep = User.objects.filter(
        id_number_index=record.legal_rep_id_index, assurance_level__gte=AssuranceLevel.L2
    ).first()
    held = Mandate.objects.filter(
        legal_person=lp, user=rep, role=MandateRole.LEGAL_REP, revoked_at__isnull=True
    )
    if rep is not None and not held.exists():
        mandate = Mandate.objects.create(
            legal_person=lp, user=rep, role=MandateRole.LEGAL_REP, all_items=True, granted_by=None
        )
        audit.record(
            actor=actor,
            action="accounts.mandate.legal_rep",
            obj=mandate,
            data={"credit_code": lp.credit_code, "reason": LEGAL_REP_CHANGED},
        )


# GB 32100: the registration authority and organisation class (digits 1-2) of what a
# 设立登记 creates: 9 工商 (市场监管) then 1 企业 / 2 个体工商户; 1 机构编制 + 2 事业单位;
# 5 民政 + 1 社会团体.
CREDIT_CLASS = {
    LegalPersonKind.ENTERPRISE: "91",
    LegalPersonKind.SOLE_TRADER: "92",
    LegalPersonKind.INSTITUTION: "12",
    LegalPersonKind.SOCIAL_ORG: "51",
}


def _unused_credit_code(region_code: str, kind: str) -> str:
    rng = secrets.SystemRandom()
    while True:
        code = new_credit_code(rng, region=region_code, kind=CREDIT_CLASS[LegalPersonKind(kind)])
        if not LegalPersonRecord.objects.filter(credit_code=code).exists():
            return code


def do_register_new_legal_person(
    *,
    actor,
    name: str,
    kind: str,
    legal_rep: User,
    region_code: str,
    established: dt.date,
    credit_code: str = "",
) -> Mandate:
    """设立登记 has created an enterprise: record it in the legal-person register (法人库) under
    a new unified social credit code (or the one the registrar gave), and link it to its legal
    representative's account so they can act for it at once. The legal representative is a
    real-name-verified person; the caller (the cases hook) has authorised the registration."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput.field("name", "请填写新设立主体的名称（最长200字）")
    if kind not in LegalPersonKind.values:
        raise InvalidInput.field("kind", "主体类型无效")
    if not legal_rep.id_number_index or legal_rep.assurance_level < AssuranceLevel.L2:
        who = "经营者" if kind == LegalPersonKind.SOLE_TRADER else "法定代表人"
        raise InvalidInput.field("legal_rep", f"{who}尚未完成实名认证，无法登记")
    code = normalize(credit_code)
    if code and not check_credit_code(code).ok:
        raise InvalidInput.field("credit_code", "统一社会信用代码无效")
    prefix = CREDIT_CLASS[LegalPersonKind(kind)]
    if code and not code.startswith(prefix):
        label = LegalPersonKind(kind).label
        raise InvalidInput.field("credit_code", f"{label}的统一社会信用代码应以 {prefix} 开头")
    with transaction.atomic():
        if code and LegalPersonRecord.objects.filter(credit_code=code).exists():
            raise InvalidInput.field("credit_code", f"统一社会信用代码 {code} 已经登记")
        code = code or _unused_credit_code(region_code, kind)
        record = LegalPersonRecord.objects.create(
            credit_code=code,
            name=name,
            kind=LegalPersonKind(kind).value,
            legal_rep_name=legal_rep.display_name,
            legal_rep_id_index=legal_rep.id_number_index,
            region_code=region_code[:6],
            established=established,
        )
        lp = LegalPerson.objects.create(
            credit_code=code,
            name=name,
            kind=record.kind,
            legal_rep_name=record.legal_rep_name,
            legal_rep_id_index=record.legal_rep_id_index,
            region_id=region_code if len(region_code) == 12 else None,
        )
        mandate = Mandate.objects.create(
            legal_person=lp, user=legal_rep, role=MandateRole.LEGAL_REP, all_items=True, granted_by=None
        )
        audit.record(
            actor=actor, action="accounts.legal_register.create", obj=record, data={"credit_code": code}
        )
        audit.record(
            actor=actor, action="accounts.mandate.legal_rep", obj=mandate, data={"credit_code": code}
        )
    return mandate


def _check_scope(all_items: bool, item_codes: list[str]) -> list[str]:
    codes = sorted({c.strip() for c in item_codes or [] if c and c.strip()})
    if not all_items and not codes:
        raise InvalidInput.field("item_codes", "请选择授权的事项，或授权全部事项")
    bad = [c for c in codes if not c.isalnum() or len(c) > 50]
    if bad:
        raise InvalidInput.field("item_codes", f"事项编码格式不正确：{bad[0]}")
    return [] if all_items else codes


def _check_expiry(expires_at: dt.datetime | None, *, required: bool) -> None:
    if expires_at is None:
        if required:
            raise InvalidInput.field("expires_at", "请填写授权有效期")
        return
    if expires_at <= timezone.now():
        raise InvalidInput.field("expires_at", "有效期必须晚于当前时间")
    if expires_at > timezone.now() + dt.timedelta(days=366 * 3):
        raise InvalidInput.field("expires_at", "授权有效期最长3年")


def do_grant_mandate(
    *,
    actor: User,
    legal_person_id: int,
    agent_name: str,
    agent_id_number: str,
    all_items: bool,
    item_codes: list[str] | None = None,
    expires_at: dt.datetime,
) -> Mandate:
    """The legal representative authorises an agent (经办人)."""
    codes = _check_scope(all_items, item_codes or [])
    _check_expiry(expires_at, required=True)
    id_number = check_id_number(agent_id_number, field="agent_id_number")
    with transaction.atomic():
        rep = (
            Mandate.objects.filter(
                legal_person_id=legal_person_id,
                user=actor,
                role=MandateRole.LEGAL_REP,
                revoked_at__isnull=True,
            )
            .select_related("legal_person")
            .first()
        )
        if rep is None:
            raise Forbidden("只有法定代表人可以授权经办人")
        agent = find_person_by_id_number(id_number)
        if (
            agent is None
            or agent.display_name != agent_name.strip()
            or agent.assurance_level < AssuranceLevel.L2
        ):
            raise InvalidInput.field(
                "agent_id_number", "未找到该姓名和身份证号码对应的实名用户，请对方先注册并完成实名认证"
            )
        if agent.pk == actor.pk:
            raise InvalidInput.field("agent_id_number", "不能授权自己")
        mandate = Mandate.objects.create(
            legal_person=rep.legal_person,
            user=agent,
            role=MandateRole.AGENT,
            all_items=all_items,
            item_codes=codes,
            expires_at=expires_at,
            granted_by=actor,
        )
        audit.record(
            actor=actor,
            action="accounts.mandate.grant",
            obj=mandate,
            data={
                "credit_code": rep.legal_person.credit_code,
                "all_items": all_items,
                "items": codes,
                "expires_at": expires_at,
            },
        )
    return mandate


def do_revoke_mandate(*, actor: User, mandate_id: int) -> Mandate:
    with transaction.atomic():
        mandate = Mandate.objects.select_for_update().filter(pk=mandate_id, revoked_at__isnull=True).first()
        if mandate is None:
            raise NotFound("没有找到该授权")
        is_rep = Mandate.objects.filter(
            legal_person_id=mandate.legal_person_id,
            user=actor,
            role=MandateRole.LEGAL_REP,
            revoked_at__isnull=True,
        ).exists()
        if mandate.role == MandateRole.LEGAL_REP or not (is_rep or mandate.user_id == actor.pk):
            raise Forbidden("您不能撤销该授权")
        mandate.revoked_at = timezone.now()
        mandate.revoked_by = actor
        mandate.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor=actor, action="accounts.mandate.revoke", obj=mandate, data={})
    return mandate


# --- Helpers for people (帮办代办) -----------------------------------------------------------------


def do_record_consent(
    *,
    actor: User,
    principal: User,
    agent_name: str,
    agent_id_number: str,
    relation: str,
    all_items: bool,
    item_codes: list[str] | None = None,
    expires_at: dt.datetime,
    consent_method: str,
    consent_note: str = "",
) -> AgentConsent:
    """The principal grants consent online, or a clerk records consent given at a hall.

    A hall consent is region-scoped: it lists items (never all items) of the hall's region
    (the clerk's department's); the principal is told at once by SMS/e-mail and may revoke it
    on "my account" (`do_revoke_consent`); the record and the audit event name the clerk."""
    from .queries import has_role

    try:
        relation = HelperRelation(relation).value
    except ValueError as exc:
        raise InvalidInput.field("relation", "请选择与被代办人的关系") from exc
    try:
        consent_method = ConsentMethod(consent_method).value
    except ValueError as exc:
        raise InvalidInput.field("consent_method", "请选择同意方式") from exc
    if actor.pk == principal.pk:
        if consent_method != ConsentMethod.ONLINE:
            raise InvalidInput.field("consent_method", "本人在线授权的同意方式为“本人在线授权”")
    elif not has_role(actor, StaffRole.WINDOW_CLERK) or consent_method == ConsentMethod.ONLINE:
        raise Forbidden("只有本人或窗口人员可以登记代办授权")
    codes = _check_scope(all_items, item_codes or [])
    hall = None if actor.pk == principal.pk else _hall_scope(actor, all_items=all_items, codes=codes)
    _check_expiry(expires_at, required=True)
    id_number = check_id_number(agent_id_number, field="agent_id_number")
    agent = find_person_by_id_number(id_number)
    if agent is None or agent.display_name != agent_name.strip():
        raise InvalidInput.field("agent_id_number", "未找到该姓名和身份证号码对应的实名用户")
    if agent.pk == principal.pk:
        raise InvalidInput.field("agent_id_number", "不能授权自己")
    with transaction.atomic():
        consent = AgentConsent.objects.create(
            principal=principal,
            agent=agent,
            relation=relation,
            all_items=all_items,
            item_codes=codes,
            expires_at=expires_at,
            consent_method=consent_method,
            consent_note=consent_note[:200],
            recorded_by=actor,
        )
        audit.record(
            actor=actor,
            action="accounts.consent.grant",
            obj=consent,
            data={
                "principal": principal.pk,
                "agent": agent.pk,
                "all_items": all_items,
                "items": codes,
                "expires_at": expires_at,
                "method": consent_method,
                **({"hall_region": hall} if hall else {}),
            },
        )
        if hall:
            transaction.on_commit(lambda: _tell_principal(consent))
    return consent


def _hall_scope(clerk: User, *, all_items: bool, codes: list[str]) -> str:
    """The region code of the clerk's hall, once the consent's items are all of that region."""
    from tongban.catalog import queries as catalog_queries
    from tongban.core import queries as core_queries

    region_id = clerk.department.region_id if clerk.department_id else None
    if not region_id:
        raise Forbidden("只有服务大厅的窗口人员可以登记代办授权")
    if all_items:
        raise InvalidInput.field(
            "item_codes", "窗口登记的代办授权须列明本大厅所在地区的事项，不能授权全部事项"
        )
    prefix = core_queries.get_region(region_id).prefix
    known = set(
        catalog_queries.current_items()
        .filter(code__in=codes, region__code__startswith=prefix)
        .values_list("code", flat=True)
    )
    outside = [c for c in codes if c not in known]
    if outside:
        raise InvalidInput.field("item_codes", f"事项 {outside[0]} 不是本大厅所在地区的事项")
    return region_id


def _tell_principal(consent: AgentConsent) -> None:
    from tongban.core.identifiers import mask_name

    from .notifications import notify_user

    notify_user(
        user_id=consent.principal_id,
        subject="【通办】代办授权登记提醒",
        text=(
            f"【通办】窗口工作人员为您登记了代办授权：受托人{mask_name(consent.agent.display_name)}，"
            f"{len(consent.item_codes)}个事项，有效期至{consent.expires_at:%Y-%m-%d}。"
            "如非本人意愿，请登录“我的账号”撤销，或联系服务大厅。"
        ),
    )


def do_revoke_consent(*, actor: User, consent_id: int) -> AgentConsent:
    with transaction.atomic():
        consent = (
            AgentConsent.objects.select_for_update().filter(pk=consent_id, revoked_at__isnull=True).first()
        )
        if consent is None or actor.pk not in (consent.principal_id, consent.agent_id):
            raise NotFound("没有找到该代办授权")
        consent.revoked_at = timezone.now()
        consent.revoked_by = actor
        consent.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor=actor, action="accounts.consent.revoke", obj=consent, data={})
    return consent


# --- Acting context (身份切换) ---------------------------------------------------------------------


def do_switch_acting(*, actor: User, kind: str, target_id: int | None = None) -> dict:
    """Switch who the person acts as: themselves, an enterprise they hold a mandate for, or a
    person who consented to their help. Refused (and recorded) when the grant is not valid now."""
    from .queries import valid_consent, valid_mandate

    try:
        kind = ActingKind(kind).value
    except ValueError as exc:
        raise InvalidInput.field("kind", "未知的办事身份") from exc
    if kind == ActingKind.SELF:
        acting = {"kind": "self"}
    elif kind == ActingKind.ENTERPRISE:
        if valid_mandate(actor, target_id) is None:
            record_refusal(
                actor=actor, action="accounts.acting.refused", data={"kind": kind, "target": target_id}
            )
            raise Forbidden("该企业授权不存在、已撤销或已过期")
        acting = {"kind": "enterprise", "mandate": target_id}
    else:
        if valid_consent(actor, target_id) is None:
            record_refusal(
                actor=actor, action="accounts.acting.refused", data={"kind": kind, "target": target_id}
            )
            raise Forbidden("该代办授权不存在、已撤销或已过期")
        acting = {"kind": "principal", "consent": target_id}
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(acting=acting)
        actor.acting = acting
        audit.record(actor=actor, action="accounts.acting.switch", obj=actor, data=acting)
    return acting


def check_may_act_for(*, actor: User, item_code: str) -> dict:
    """Before an agent acts on an item: the current acting context must cover it now.
    Returns the context {"kind", "principal_id" | "legal_person_id"}; refusals are recorded."""
    from .queries import valid_consent, valid_mandate

    acting = actor.acting or {"kind": "self"}
    if acting.get("kind") == "enterprise":
        grant = valid_mandate(actor, acting.get("mandate"))
        if grant is not None and (grant.all_items or item_code in grant.item_codes):
            return {"kind": "enterprise", "legal_person_id": grant.legal_person_id, "agent_id": actor.pk}
    elif acting.get("kind") == "principal":
        grant = valid_consent(actor, acting.get("consent"))
        if grant is not None and (grant.all_items or item_code in grant.item_codes):
            return {"kind": "principal", "principal_id": grant.principal_id, "agent_id": actor.pk}
    else:
        return {"kind": "self", "principal_id": actor.pk}
    record_refusal(actor=actor, action="accounts.acting.refused", data={"acting": acting, "item": item_code})
    raise Forbidden("当前代办或经办授权不包含该事项，或已过期、已撤销")
