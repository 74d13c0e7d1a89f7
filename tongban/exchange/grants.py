"""Requests and grants (共享申请与授权).

A department asks for a subset of a current, published resource's fields, for purposes (codes
of `enums.Purpose` and a text), on a legal basis, for the items or cases it serves, until a date,
with an expected daily call volume, for one calling system: an OIDC client of its own department
with the client_credentials grant type. By share type:

- 不予共享: refused at request time (`NotShareable`, code `not_shareable`); nothing is written;
- 无条件共享: approved at once by `system:auto` (a Grant with `automatic=True`), both audited;
- 有条件共享: pending, to be decided by the provider's department administrator within
  `EXCHANGE_DECISION_WORKING_DAYS` working days (default 10, 《政务信息资源共享管理暂行办法》) on the
  platform's calendar (`core.workdays`). The provider approves (may narrow the fields and the
  purposes, sets the rate limit and an expiry no later than requested) or refuses with a reason;
  the requester may withdraw while it waits. Silence past `due_on` escalates to the platform
  administrators (`tick`): ESCALATED, audited, listed on their page. It never approves.

A grant refers to the resource version current when it was given. It is suspended (reason),
resumed, revoked (reason; final) and expires after `expires_on` (`tick`). Renewal is a new
request (`renewal_initial` pre-fills one); when it is approved, the grant it renews for the same
calling system and resource ends (EXPIRED, "superseded"), so one system holds one live grant per
resource.

Every state change of a grant sends `grant_changed(grant_id=...)` after commit: the gateway
drops its cached lookups on it. Every write is audited in its transaction. Who may do what is
decided here: outside one's reach a request or grant is NotFound (and the attempt audited).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, DomainError, FieldProblem, InvalidInput, NotFound
from tongban.core.ratelimit import Rate
from tongban.core.workdays import add_working_days, count_working_days

from .enums import EntryState, GrantState, Purpose, RequestState, ShareType
from .models import Grant, Resource, ShareRequest

log = logging.getLogger(__name__)

AUTO = "system:auto"
TICK = "system:exchange-tick"
OPEN_STATES = (RequestState.PENDING, RequestState.ESCALATED)
LIVE_GRANT_STATES = (GrantState.ACTIVE, GrantState.SUSPENDED)
REQUEST_ROLES = (StaffRole.DEPARTMENT_ADMIN, StaffRole.DATA_STEWARD)
MAX_TEXT = 2000
MAX_SERVES = 50
MAX_DAILY_CALLS = 100_000_000

# Sent after commit on every change of a grant (created, suspended, resumed, revoked, expired,
# superseded), with `grant_id`: receivers drop what they cached about it.
grant_changed = Signal()


class NotShareable(DomainError):
    """A 不予共享 resource cannot be requested."""

    code = "not_shareable"
    status = 409
    default_message = "该信息资源为不予共享类，不能申请"


def today() -> dt.date:
    """The local date the rules use (tests set it: monkeypatch grants.today)."""
    return timezone.localdate()


def decision_days() -> int:
    return int(getattr(settings, "EXCHANGE_DECISION_WORKING_DAYS", 10))


def max_valid_days() -> int:
    """How far ahead a request's valid-until may lie (calendar days; default 3 years)."""
    return int(getattr(settings, "EXCHANGE_MAX_VALID_DAYS", 3 * 366))


# --- Who is who -------------------------------------------------------------------------------


def is_platform_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or account_queries.has_role(
        user, StaffRole.PLATFORM_ADMIN
    )


def _department_of(user) -> int | None:
    return account_queries.staff_department_id(user) if getattr(user, "is_staff", False) else None


def may_request(user) -> bool:
    """Department administrators and data stewards ask for their department."""
    return bool(_department_of(user)) and account_queries.has_any_role(user, REQUEST_ROLES)


def check_may_request(actor, code: str = "") -> None:
    """NotFound (audited) for staff who may not request for a department."""
    if not may_request(actor):
        raise _denied(actor, "exchange.request.access_refused", "exchange.resource", str(code or "")[:40])


def is_department_admin_of(user, department_id: int) -> bool:
    return _department_of(user) == department_id and account_queries.has_role(
        user, StaffRole.DEPARTMENT_ADMIN
    )


def _sees(user, *, requester_id: int, provider_id: int) -> bool:
    if is_platform_admin(user):
        return True
    dept = _department_of(user)
    return dept is not None and dept in (requester_id, provider_id)


def _denied(actor, action: str, obj_type: str, obj_id) -> NotFound:
    """Audit an access outside the actor's reach (its own transaction) and answer 404."""
    try:
        with transaction.atomic():
            audit.record(
                actor=actor,
                action=action,
                object_type=obj_type,
                object_id=obj_id,
                data={"outcome": "not_found"},
            )
    except Exception:  # the 404 is what matters; the chain's own failure is logged
        log.exception("exchange: could not audit a refused access")
    return NotFound()


# --- Reads ------------------------------------------------------------------------------------


def current_resource(code: str) -> Resource | None:
    """The current, published version of a resource code."""
    return (
        Resource.objects.select_related("provider")
        .filter(code=code, is_current=True, state=EntryState.PUBLISHED)
        .first()
    )


def requestable_resource(code: str) -> Resource:
    resource = current_resource((code or "").strip()[:40])
    if resource is None:
        raise NotFound("没有找到该信息资源的已发布版本")
    return resource


def requestable_resources(actor, text: str = "") -> QuerySet[Resource]:
    """Current, published entries of other departments that may be requested (not 不予共享),
    by code; `text` filters by code or name."""
    qs = (
        Resource.objects.select_related("provider")
        .filter(is_current=True, state=EntryState.PUBLISHED)
        .exclude(share_type=ShareType.NONE)
        .order_by("code")
    )
    dept = _department_of(actor)
    if dept:
        qs = qs.exclude(provider_id=dept)
    text = (text or "").strip()[:40]
    if text:
        qs = qs.filter(Q(code__icontains=text) | Q(name__icontains=text))
    return qs


ACTION_LABELS = {
    "exchange.request.submit": _("提交申请"),
    "exchange.request.approve": _("同意"),
    "exchange.request.refuse": _("拒绝"),
    "exchange.request.withdraw": _("撤回"),
    "exchange.request.escalate": _("逾期上报平台管理员"),
    "exchange.grant.create": _("授权生效"),
    "exchange.grant.suspend": _("暂停"),
    "exchange.grant.resume": _("恢复"),
    "exchange.grant.revoke": _("撤销"),
    "exchange.grant.expire": _("到期"),
    "exchange.grant.supersede": _("由续期授权接续"),
}


def history(obj) -> list:
    """The audit events of a request or grant, oldest first (the refused accesses left out)."""
    events = core_queries.audit_events_for(obj._meta.label_lower, obj.pk).filter(
        action__in=list(ACTION_LABELS)
    )
    rows = list(events)
    for e in rows:
        e.label = ACTION_LABELS[e.action]
    return rows


def _requests() -> QuerySet[ShareRequest]:
    return ShareRequest.objects.select_related("resource", "resource__provider", "requester")


def access_request(actor, pk: int) -> ShareRequest:
    """A request the actor may see: staff of the requesting or providing department, or a
    platform administrator. Else NotFound, audited."""
    req = _requests().filter(pk=pk).first()
    if req is None or not _sees(actor, requester_id=req.requester_id, provider_id=req.resource.provider_id):
        raise _denied(actor, "exchange.request.access_refused", "exchange.sharerequest", pk)
    return req


def _grants() -> QuerySet[Grant]:
    return Grant.objects.select_related("resource", "resource__provider", "department", "request")


def access_grant(actor, pk: int) -> Grant:
    grant = _grants().filter(pk=pk).first()
    if grant is None or not _sees(
        actor, requester_id=grant.department_id, provider_id=grant.resource.provider_id
    ):
        raise _denied(actor, "exchange.grant.access_refused", "exchange.grant", pk)
    return grant


def outgoing_requests(actor) -> QuerySet[ShareRequest]:
    dept = _department_of(actor)
    return _requests().filter(requester_id=dept) if dept else ShareRequest.objects.none()


def incoming_requests(actor, *, open_only: bool = False) -> QuerySet[ShareRequest]:
    dept = _department_of(actor)
    if not dept:
        return ShareRequest.objects.none()
    qs = _requests().filter(resource__provider_id=dept)
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    return qs.order_by("due_on", "submitted_at") if open_only else qs


def escalated_requests(actor) -> QuerySet[ShareRequest]:
    if not is_platform_admin(actor):
        return ShareRequest.objects.none()
    return _requests().filter(state=RequestState.ESCALATED).order_by("due_on", "submitted_at")


def grants_of(actor, *, side: str = "held") -> QuerySet[Grant]:
    """Grants the actor's department holds (`held`) or has given (`given`); every grant for a
    platform administrator (`all`)."""
    if side == "all":
        return _grants() if is_platform_admin(actor) else Grant.objects.none()
    dept = _department_of(actor)
    if not dept:
        return Grant.objects.none()
    if side == "given":
        return _grants().filter(resource__provider_id=dept)
    return _grants().filter(department_id=dept)


def live_grant(client_id: str, code: str) -> Grant | None:
    """The grant a calling system holds on a resource code, active or suspended (the gateway
    tells the two apart), or None. One live grant per system and code (see the module doc)."""
    return (
        Grant.objects.filter(client_id=client_id, code=code, state__in=LIVE_GRANT_STATES)
        .order_by("-granted_at")
        .first()
    )


def working_days_left(req: ShareRequest, *, on: dt.date | None = None) -> int:
    """Working days from `on` (today) to the deadline; negative when overdue."""
    on = on or today()
    if req.due_on >= on:
        return count_working_days(on, req.due_on)
    return -count_working_days(req.due_on, on)


def requestable_fields(resource: Resource) -> list[dict]:
    return [f for f in resource.fields or [] if f.get("key")]


def calling_systems(actor) -> list[dict]:
    """The actor's department's client_credentials systems: the choices of a request."""
    return account_queries.system_clients_of_department(_department_of(actor))


# --- Checks -----------------------------------------------------------------------------------


def _text(value, *, field: str, label: str, limit: int = MAX_TEXT, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise InvalidInput.field(field, f"{label}须为文字")
    if required and not value:
        raise InvalidInput.field(field, f"请填写{label}")
    if len(value) > limit:
        raise InvalidInput.field(field, f"{label}不能超过{limit}字")
    return value


def _as_list(value, *, field: str, label: str) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,，、;；]+", value) if v]
    if not isinstance(value, list | tuple):
        raise InvalidInput.field(field, f"{label}须为列表")
    return list(value)


def _subset(value, *, allowed, field: str, label: str, empty: str) -> list[str]:
    """A non-empty list of distinct choices out of `allowed` (a list or comma text), in the
    order given; an unknown choice names the field."""
    out: list[str] = []
    for choice in _as_list(value, field=field, label=label) or []:
        if not isinstance(choice, str) or choice not in allowed:
            raise InvalidInput.field(field, f"{label} {str(choice)[:40]} 不在可选范围内")
        if choice not in out:
            out.append(choice)
    if not out:
        raise InvalidInput.field(field, empty)
    return out


def check_fields(value, *, allowed: list[str], field: str = "fields") -> list[str]:
    out = _subset(value, allowed=allowed, field=field, label="信息项", empty="请至少选择一个信息项")
    return [k for k in allowed if k in out]  # the resource's order


def check_purpose_codes(value, *, allowed=None, field: str = "purpose_codes") -> list[str]:
    allowed = list(allowed) if allowed is not None else list(Purpose.values)
    return _subset(value, allowed=allowed, field=field, label="用途代码", empty="请至少选择一个用途")


def check_serves(value, *, field: str = "serves") -> list[str]:
    items = _as_list(value, field=field, label="服务事项或办件")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InvalidInput.field(field, "服务事项或办件须为编码")
        item = item.strip()
        if len(item) > 60:
            raise InvalidInput.field(field, f"{item[:20]}… 超过60字")
        if item not in out:
            out.append(item)
    if not out:
        raise InvalidInput.field(field, "请填写所服务的事项编码或办件编号")
    if len(out) > MAX_SERVES:
        raise InvalidInput.field(field, f"服务事项或办件不能超过{MAX_SERVES}项")
    return out


def _date(value, *, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput.field(field, f"{label}须为日期，如 2027-12-31") from None
    if not isinstance(value, dt.date):
        raise InvalidInput.field(field, f"请填写{label}")
    return value


def check_valid_until(value, *, field: str = "valid_until") -> dt.date:
    value = _date(value, field=field, label="使用期限")
    on = today()
    if value <= on:
        raise InvalidInput.field(field, "使用期限须晚于今天")
    if value > on + dt.timedelta(days=max_valid_days()):
        raise InvalidInput.field(field, f"使用期限不能超过{max_valid_days()}天")
    return value


def check_daily_calls(value, *, field: str = "expected_daily_calls") -> int:
    try:
        if isinstance(value, bool | float):
            raise ValueError
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput.field(field, "预计日调用量须为正整数") from None
    if not 1 <= number <= MAX_DAILY_CALLS:
        raise InvalidInput.field(field, f"预计日调用量须在1到{MAX_DAILY_CALLS}之间")
    return number


def check_rate_limit(value, *, field: str = "rate_limit") -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    try:
        rate = Rate.parse(text, name="exchange.grant")
    except ValueError:
        raise InvalidInput.field(
            field, "调用频率上限须写作 次数/时间窗，如 100/m、5000/1h、20000/d"
        ) from None
    if rate.count < 1:
        raise InvalidInput.field(field, "调用频率上限至少为1次")
    return text


def check_client(value, *, department_id: int, field: str = "client_id") -> str:
    client_id = (value or "").strip() if isinstance(value, str) else ""
    if not client_id:
        raise InvalidInput.field(field, "请选择调用系统")
    client = account_queries.system_client(client_id)
    if client is None or client["department_id"] != department_id:
        raise InvalidInput.field(field, "调用系统须为本部门已登记的接入系统")
    if client["grant_type"] != "client_credentials":
        raise InvalidInput.field(field, "调用系统须使用客户端凭证（client_credentials）方式接入")
    return client_id


def _reason(value, *, field: str = "reason", label: str = "原因") -> str:
    return _text(value, field=field, label=label, limit=300)


# --- Writes -----------------------------------------------------------------------------------


@dataclass
class RequestInput:
    code: str
    client_id: str
    fields: list = field(default_factory=list)
    purpose: str = ""
    purpose_codes: list = field(default_factory=list)
    legal_basis: str = ""
    serves: list = field(default_factory=list)
    valid_until: object = None
    expected_daily_calls: object = None


def _next_number(on: dt.date) -> str:
    prefix = f"GXSQ{on:%Y%m%d}"
    last = (
        ShareRequest.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def _request_audit(req: ShareRequest) -> dict:
    return {
        "number": req.number,
        "code": req.resource.code,
        "version": req.resource.version,
        "requester": req.requester_id,
        "client_id": req.client_id,
        "fields": req.fields,
        "purpose_codes": req.purpose_codes,
        "valid_until": req.valid_until,
        "expected_daily_calls": req.expected_daily_calls,
        "state": req.state,
    }


def _grant_audit(grant: Grant) -> dict:
    return {
        "request": grant.request.number,
        "code": grant.code,
        "version": grant.resource.version,
        "department": grant.department_id,
        "client_id": grant.client_id,
        "fields": grant.fields,
        "purpose_codes": grant.purpose_codes,
        "rate_limit": grant.rate_limit,
        "expires_on": grant.expires_on,
        "state": grant.state,
        "automatic": grant.automatic,
    }


def _changed(grant_id: int) -> None:
    transaction.on_commit(lambda: grant_changed.send(sender=Grant, grant_id=grant_id))


def _auto_rate(expected_daily_calls: int) -> str:
    """无条件共享's automatic rate limit: twice the expected daily volume, at least 1,000 a day."""
    return f"{max(1000, 2 * expected_daily_calls)}/d"


def do_submit_request(*, actor, data: RequestInput) -> ShareRequest:
    """Submit a request for the actor's department (see the module doc). Every bad input is an
    InvalidInput naming its field, a 不予共享 resource NotShareable; nothing is written then."""
    check_may_request(actor, data.code)
    department_id = _department_of(actor)
    resource = requestable_resource(data.code)
    if resource.share_type == ShareType.NONE:
        raise NotShareable(
            f"{resource.code} {resource.name} 为不予共享类（依据：{resource.share_basis or '未注明'}），不能申请"
        )
    keys = [f["key"] for f in requestable_fields(resource)]
    problems: list[FieldProblem] = []
    values: dict = {}
    checks = {
        "client_id": lambda: check_client(data.client_id, department_id=department_id),
        "fields": lambda: check_fields(data.fields, allowed=keys),
        "purpose": lambda: _text(data.purpose, field="purpose", label="用途说明"),
        "purpose_codes": lambda: check_purpose_codes(data.purpose_codes),
        "legal_basis": lambda: _text(data.legal_basis, field="legal_basis", label="申请依据", limit=300),
        "serves": lambda: check_serves(data.serves),
        "valid_until": lambda: check_valid_until(data.valid_until),
        "expected_daily_calls": lambda: check_daily_calls(data.expected_daily_calls),
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput(str(problems[0]), problems=problems)
    on = today()
    automatic = resource.share_type == ShareType.UNCONDITIONAL
    due_on = on if automatic else add_working_days(on, decision_days())
    for attempt in range(3):
        try:
            with transaction.atomic():
                # Requests for one resource are serialised on its row: one open request per
                # system and code, even when two are submitted at once.
                locked = Resource.objects.select_for_update().filter(pk=resource.pk, is_current=True).first()
                if locked is None:
                    raise Conflict(f"信息资源 {resource.code} 的版本已变更，请刷新后重新申请")
                if ShareRequest.objects.filter(
                    client_id=values["client_id"], resource__code=resource.code, state__in=OPEN_STATES
                ).exists():
                    raise InvalidInput.field("client_id", "该调用系统对此信息资源已有待审核的申请")
                now = timezone.now()
                req = ShareRequest.objects.create(
                    number=_next_number(on),
                    resource=resource,
                    requester_id=department_id,
                    submitted_by=audit.actor_label(actor),
                    submitted_at=now,
                    due_on=due_on,
                    state=RequestState.PENDING,
                    **values,
                )
                audit.record(actor=actor, action="exchange.request.submit", obj=req, data=_request_audit(req))
                if automatic:
                    _approve(
                        req,
                        actor=AUTO,
                        resource=resource,
                        fields=req.fields,
                        purpose_codes=req.purpose_codes,
                        rate_limit=_auto_rate(req.expected_daily_calls),
                        expires_on=req.valid_until,
                        reason="无条件共享，自动同意",
                        automatic=True,
                    )
                return req
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _lock_request(pk: int) -> ShareRequest:
    return _requests().select_for_update(of=("self",)).get(pk=pk)


def _approve(
    req: ShareRequest,
    *,
    actor,
    resource: Resource,
    fields: list[str],
    purpose_codes: list[str],
    rate_limit: str,
    expires_on: dt.date,
    reason: str,
    automatic: bool,
) -> Grant:
    now = timezone.now()
    req.state = RequestState.APPROVED
    req.decided_by = audit.actor_label(actor)
    req.decided_at = now
    req.decision_reason = reason
    req.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    audit.record(
        actor=actor,
        action="exchange.request.approve",
        obj=req,
        data={**_request_audit(req), "automatic": automatic, "reason": reason},
    )
    for old in Grant.objects.select_for_update().filter(
        client_id=req.client_id, code=resource.code, state__in=LIVE_GRANT_STATES
    ):
        old.state = GrantState.EXPIRED
        old.changed_by = audit.actor_label(actor)
        old.changed_at = now
        old.change_reason = f"由申请 {req.number} 的授权接续"
        old.save(update_fields=["state", "changed_by", "changed_at", "change_reason"])
        audit.record(actor=actor, action="exchange.grant.supersede", obj=old, data=_grant_audit(old))
        _changed(old.pk)
    grant = Grant.objects.create(
        request=req,
        resource=resource,
        code=resource.code,
        department_id=req.requester_id,
        client_id=req.client_id,
        fields=fields,
        purpose_codes=purpose_codes,
        rate_limit=rate_limit,
        expires_on=expires_on,
        state=GrantState.ACTIVE,
        automatic=automatic,
        granted_by=audit.actor_label(actor),
        granted_at=now,
    )
    audit.record(actor=actor, action="exchange.grant.create", obj=grant, data=_grant_audit(grant))
    _changed(grant.pk)
    return grant


def may_decide(actor, req: ShareRequest) -> bool:
    return bool(actor.is_superuser) or is_department_admin_of(actor, req.resource.provider_id)


def _check_decider(actor, pk: int) -> None:
    """Outside any transaction, so that a refusal's audit event stays."""
    req = access_request(actor, pk)
    if not may_decide(actor, req):
        raise _denied(actor, "exchange.request.access_refused", "exchange.sharerequest", pk)


def _open_for_decision(actor, pk: int) -> ShareRequest:
    """The request, locked (the caller's transaction), when it still waits for a decision."""
    req = _lock_request(pk)
    if req.state not in OPEN_STATES:
        raise Conflict(f"申请 {req.number} 已{req.get_state_display()}，不能再审核")
    return req


def do_approve_request(
    *,
    actor,
    pk: int,
    fields=None,
    purpose_codes=None,
    rate_limit: str = "",
    expires_on=None,
    reason: str = "",
) -> Grant:
    """The provider's department administrator approves: fields and purposes a subset of those
    requested (default: all), a rate limit, an expiry after today and no later than requested
    (default: as requested). The grant is given on the resource's current version."""
    _check_decider(actor, pk)
    with transaction.atomic():
        req = _open_for_decision(actor, pk)
        resource = current_resource(req.resource.code)
        if resource is None:
            raise Conflict(f"信息资源 {req.resource.code} 已停用，不能授权")
        still = [f["key"] for f in requestable_fields(resource)]
        allowed = [k for k in req.fields if k in still]
        problems: list[FieldProblem] = []
        values: dict = {}
        checks = {
            "fields": lambda: check_fields(allowed if fields is None else fields, allowed=allowed),
            "purpose_codes": lambda: check_purpose_codes(
                req.purpose_codes if purpose_codes is None else purpose_codes, allowed=req.purpose_codes
            ),
            "rate_limit": lambda: check_rate_limit(rate_limit),
            "expires_on": lambda: _check_expiry(expires_on, req),
            "reason": lambda: _text(reason, field="reason", label="审核意见", required=False, limit=300),
        }
        for name, check in checks.items():
            try:
                values[name] = check()
            except InvalidInput as exc:
                problems.extend(exc.problems)
        if problems:
            raise InvalidInput(str(problems[0]), problems=problems)
        return _approve(
            req,
            actor=actor,
            resource=resource,
            fields=values["fields"],
            purpose_codes=values["purpose_codes"],
            rate_limit=values["rate_limit"],
            expires_on=values["expires_on"],
            reason=values["reason"],
            automatic=False,
        )


def _check_expiry(value, req: ShareRequest) -> dt.date:
    if value in (None, ""):
        value = req.valid_until
    value = _date(value, field="expires_on", label="有效期")
    if value <= today():
        raise InvalidInput.field("expires_on", "有效期须晚于今天")
    if value > req.valid_until:
        raise InvalidInput.field("expires_on", f"有效期不能晚于申请的使用期限 {req.valid_until:%Y-%m-%d}")
    return value


def do_refuse_request(*, actor, pk: int, reason: str) -> ShareRequest:
    """The provider's department administrator refuses, with a reason (required)."""
    _check_decider(actor, pk)
    reason = _text(reason, field="reason", label="拒绝理由", limit=MAX_TEXT)
    with transaction.atomic():
        req = _open_for_decision(actor, pk)
        req.state = RequestState.REFUSED
        req.decided_by = audit.actor_label(actor)
        req.decided_at = timezone.now()
        req.decision_reason = reason
        req.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
        audit.record(
            actor=actor,
            action="exchange.request.refuse",
            obj=req,
            data={**_request_audit(req), "reason": reason},
        )
        return req


def may_withdraw(actor, req: ShareRequest) -> bool:
    return may_request(actor) and _department_of(actor) == req.requester_id


def do_withdraw_request(*, actor, pk: int) -> ShareRequest:
    """The requesting department (its administrators and data stewards) withdraws while the
    request waits."""
    req = access_request(actor, pk)
    if not may_withdraw(actor, req):
        raise _denied(actor, "exchange.request.access_refused", "exchange.sharerequest", pk)
    with transaction.atomic():
        req = _lock_request(pk)
        if req.state not in OPEN_STATES:
            raise Conflict(f"申请 {req.number} 已{req.get_state_display()}，不能撤回")
        req.state = RequestState.WITHDRAWN
        req.decided_by = audit.actor_label(actor)
        req.decided_at = timezone.now()
        req.save(update_fields=["state", "decided_by", "decided_at"])
        audit.record(actor=actor, action="exchange.request.withdraw", obj=req, data=_request_audit(req))
        return req


def renewal_initial(actor, grant_pk: int) -> dict:
    """What a renewal request starts from: the grant's resource, system, fields and purposes,
    and its request's purpose text, basis, items and volume (the new valid-until is for the
    requester to set)."""
    grant = access_grant(actor, grant_pk)
    if _department_of(actor) != grant.department_id:
        raise _denied(actor, "exchange.grant.access_refused", "exchange.grant", grant_pk)
    req = grant.request
    return {
        "code": grant.code,
        "client_id": grant.client_id,
        "fields": list(grant.fields),
        "purpose": req.purpose,
        "purpose_codes": list(grant.purpose_codes),
        "legal_basis": req.legal_basis,
        "serves": list(req.serves),
        "expected_daily_calls": req.expected_daily_calls,
    }


def may_manage_grant(actor, grant: Grant) -> bool:
    return is_platform_admin(actor) or is_department_admin_of(actor, grant.resource.provider_id)


_VERBS = {"suspend": "暂停", "resume": "恢复", "revoke": "撤销"}


def _grant_transition(actor, pk: int, *, action: str, to: str, from_states, reason: str = "") -> Grant:
    grant = access_grant(actor, pk)
    if not may_manage_grant(actor, grant):
        raise _denied(actor, "exchange.grant.access_refused", "exchange.grant", pk)
    with transaction.atomic():
        grant = _grants().select_for_update(of=("self",)).get(pk=pk)
        if grant.state not in from_states:
            raise Conflict(f"授权当前为{grant.get_state_display()}，不能{_VERBS[action]}")
        if to == GrantState.ACTIVE and grant.expires_on < today():
            raise Conflict("授权已过有效期，不能恢复；请重新申请")
        grant.state = to
        grant.changed_by = audit.actor_label(actor)
        grant.changed_at = timezone.now()
        grant.change_reason = reason
        grant.save(update_fields=["state", "changed_by", "changed_at", "change_reason"])
        audit.record(
            actor=actor,
            action=f"exchange.grant.{action}",
            obj=grant,
            data={**_grant_audit(grant), "reason": reason},
        )
        _changed(grant.pk)
        return grant


def _check_manager(actor, pk: int) -> None:
    """Who may manage the grant is decided before what they typed is checked."""
    if not may_manage_grant(actor, access_grant(actor, pk)):
        raise _denied(actor, "exchange.grant.access_refused", "exchange.grant", pk)


def do_suspend_grant(*, actor, pk: int, reason: str) -> Grant:
    _check_manager(actor, pk)
    reason = _reason(reason, label="暂停原因")
    return _grant_transition(
        actor, pk, action="suspend", to=GrantState.SUSPENDED, from_states=(GrantState.ACTIVE,), reason=reason
    )


def do_resume_grant(*, actor, pk: int) -> Grant:
    return _grant_transition(
        actor, pk, action="resume", to=GrantState.ACTIVE, from_states=(GrantState.SUSPENDED,)
    )


def do_revoke_grant(*, actor, pk: int, reason: str) -> Grant:
    """Final: a revoked grant is never resumed (renewal is a new request)."""
    _check_manager(actor, pk)
    reason = _reason(reason, label="撤销原因")
    return _grant_transition(
        actor, pk, action="revoke", to=GrantState.REVOKED, from_states=LIVE_GRANT_STATES, reason=reason
    )


# --- The tick ---------------------------------------------------------------------------------


@dataclass
class TickReport:
    escalated: list[str] = field(default_factory=list)  # request numbers
    expired: list[int] = field(default_factory=list)  # grant ids
    failed: list[str] = field(default_factory=list)


def tick(*, on: dt.date | None = None) -> TickReport:
    """Run daily (`manage.py exchange tick`): requests still waiting after their deadline are
    escalated to the platform administrators (never approved); grants past their expiry
    expire. Each row in its own transaction, locked and read again; idempotent."""
    on = on or today()
    report = TickReport()
    for pk in list(
        ShareRequest.objects.filter(state=RequestState.PENDING, due_on__lt=on).values_list("pk", flat=True)
    ):
        try:
            with transaction.atomic():
                req = _lock_request(pk)
                if req.state != RequestState.PENDING or req.due_on >= on:
                    continue
                req.state = RequestState.ESCALATED
                req.escalated_at = timezone.now()
                req.save(update_fields=["state", "escalated_at"])
                audit.record(
                    actor=TICK,
                    action="exchange.request.escalate",
                    obj=req,
                    data={
                        **_request_audit(req),
                        "due_on": req.due_on,
                        "to": StaffRole.PLATFORM_ADMIN.value,
                    },
                )
                report.escalated.append(req.number)
        except Exception:
            log.exception("exchange tick: request %s could not be escalated", pk)
            report.failed.append(f"request:{pk}")
    for pk in list(
        Grant.objects.filter(state__in=LIVE_GRANT_STATES, expires_on__lt=on).values_list("pk", flat=True)
    ):
        try:
            with transaction.atomic():
                grant = _grants().select_for_update(of=("self",)).get(pk=pk)
                if grant.state not in LIVE_GRANT_STATES or grant.expires_on >= on:
                    continue
                grant.state = GrantState.EXPIRED
                grant.changed_by = TICK
                grant.changed_at = timezone.now()
                grant.change_reason = f"有效期至 {grant.expires_on:%Y-%m-%d} 已届满"
                grant.save(update_fields=["state", "changed_by", "changed_at", "change_reason"])
                audit.record(actor=TICK, action="exchange.grant.expire", obj=grant, data=_grant_audit(grant))
                _changed(grant.pk)
                report.expired.append(grant.pk)
        except Exception:
            log.exception("exchange tick: grant %s could not be expired", pk)
            report.failed.append(f"grant:{pk}")
    return report
