"""The gateway (共享交换): the one entry point every data-service call goes through.

    answer = gateway.call(Caller(client_id, department_id), "RK-002",
                          {"purpose": "verification", "subject": "4201...", "params": {"name": "王芳"}})
    answer.fields            # {"match": True}
    # a refusal raises errors.GatewayRefusal (stable .code, .status, .field, .call_id)

Checked every time, in this order (the first that fails is the answer's code):

1. the token (the HTTP layer: TOKEN_INVALID, TOKEN_FOREIGN; an in-process `Caller` is trusted);
2. the service: a current published entry mounted as a data service (SERVICE_UNKNOWN);
3. the grant of the calling system (and its department) on that resource: GRANT_MISSING,
   GRANT_SUSPENDED, GRANT_REVOKED (a grant marked expired: GRANT_EXPIRED);
4. the query's shape: QUERY_MALFORMED naming the field; field keys of the resource: FIELD_UNKNOWN;
5. fields: every requested key granted (FIELD_NOT_GRANTED); none requested = all granted ones;
6. purpose: one of the grant's purpose codes (PURPOSE_NOT_GRANTED);
7. rate: the grant's rate limit, counted in the shared cache (RATE_EXCEEDED; Redis with
   `REDIS_URL`: every worker of every server shares the count);
8. expiry: the grant's `expires_on` not past (GRANT_EXPIRED);
9. the subject: an ID number's or credit code's check character (SUBJECT_INVALID);
10. the mount and the circuit breaker (SERVICE_UNAVAILABLE, CIRCUIT_OPEN);
11. the provider: an in-process handler (exchange/handlers.py), or a remote gateway over HTTP with
    a timeout (PROVIDER_TIMEOUT, PROVIDER_FAILED, SERVICE_UNAVAILABLE); no such subject:
    SUBJECT_NOT_FOUND.

The answer is projected to the granted ∩ requested fields. Every call, answered or refused, is
appended to the call log (exchange/calllog.py) before `call` returns or raises.

Caching: the grants of (client, resource) and the service's entry and mount are read once and
kept in this process for `EXCHANGE_GRANT_CACHE_SECONDS` (default and maximum 5 s). A change in
this process (the grants service's `grant_changed` signal, any save of a Grant, Resource or Mount,
a token revoked, a client changed) drops them at once and, on PostgreSQL, is announced to every
other process (NOTIFY); each call first takes the announcements that arrived (`take_changes`, no
round trip), so another worker refuses a suspended or revoked grant or token on its next call.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.module_loading import import_string
from oauth2_provider.settings import oauth2_settings

from tongban import apiauth
from tongban.core import ratelimit
from tongban.core.identifiers import check_credit_code, check_resident_id

from . import calllog, federation, handlers
from .enums import CallOutcome, EntryState, GrantState, MountKind, MountState
from .errors import CODES, GatewayRefusal
from .models import Grant, Mount, Resource

MAX_CACHE_SECONDS = 5.0
QUERY_KEYS = frozenset({"purpose", "case_number", "subject", "fields", "params"})


@dataclass(frozen=True)
class Caller:
    """Who calls: a department system (its OIDC client id and department) and, for a call that
    came through another node's gateway (federation), that node's name."""

    client_id: str
    department_id: int
    node: str = ""


@dataclass
class Answer:
    code: str
    version: int
    fields: dict
    call_id: int
    records: list[dict] | None = None  # a many-record service (licence.holdings)

    def as_dict(self) -> dict:
        body = {"code": self.code, "version": self.version, "fields": self.fields, "call_id": self.call_id}
        if self.records is not None:
            body["records"] = self.records
        return body


class Unparsable:
    """A request body that was not JSON: the query is malformed (QUERY_MALFORMED, field `body`)."""

    def __init__(self, message: str = "请求体不是有效的 JSON"):
        self.message = message


# --- Cached reads -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantInfo:
    id: int
    department_id: int
    fields: frozenset
    purposes: frozenset
    rate: ratelimit.Rate | None  # None: the grant's rate text is broken (fail closed)
    expires_on: object
    state: str


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    version: int
    field_keys: tuple  # in the entry's order
    mount_kind: str
    mount_state: str
    target: str


class _Cache:
    """Per-process read cache with a short TTL (the `lock` guards writes from threads)."""

    lock = threading.Lock()
    grants: dict = {}
    services: dict = {}


def _ttl() -> float:
    return min(float(getattr(settings, "EXCHANGE_GRANT_CACHE_SECONDS", MAX_CACHE_SECONDS)), MAX_CACHE_SECONDS)


def forget(**_kwargs) -> None:
    """Drop every cached grant and service (a grant, entry or mount changed in this process)."""
    with _Cache.lock:
        _Cache.grants = {}
        _Cache.services = {}
    _Closed.seen = {}


def _rate(text: str) -> ratelimit.Rate | None:
    try:
        return ratelimit.Rate.parse(text, name="exchange-grant")
    except ValueError:
        return None


def _grants(client_id: str, code: str) -> tuple[GrantInfo, ...]:
    key = (client_id, code)
    now = time.monotonic()
    hit = _Cache.grants.get(key)
    if hit is not None and now - hit[0] < _ttl():
        return hit[1]
    rows = (
        Grant.objects.filter(client_id=client_id, code=code)
        .order_by("-granted_at", "-pk")
        .values_list("pk", "department_id", "fields", "purpose_codes", "rate_limit", "expires_on", "state")
    )
    infos = tuple(
        GrantInfo(pk, dept, frozenset(fields), frozenset(purposes), _rate(rate), expires, state)
        for pk, dept, fields, purposes, rate, expires, state in rows
    )
    with _Cache.lock:
        _Cache.grants[key] = (now, infos)
    return infos


def _service(code: str) -> ServiceInfo | None:
    now = time.monotonic()
    hit = _Cache.services.get(code)
    if hit is not None and now - hit[0] < _ttl():
        return hit[1]
    entry = (
        Resource.objects.filter(code=code, is_current=True, state=EntryState.PUBLISHED)
        .values_list("version", "fields")
        .first()
    )
    mount = Mount.objects.filter(code=code).values_list("kind", "state", "target").first()
    info = None
    if entry is not None and mount is not None and mount[0] == MountKind.SERVICE:
        keys = tuple(f["key"] for f in entry[1] if isinstance(f, dict) and "key" in f)
        info = ServiceInfo(code, entry[0], keys, *mount)
    with _Cache.lock:
        _Cache.services[code] = (now, info)
    return info


# --- The call ---------------------------------------------------------------------------------


@dataclass
class _Record:
    """What the call log row of this call will say (filled in as the checks go)."""

    code: str
    caller: Caller | None
    started: float
    grant_id: int | None = None
    purpose: str = ""
    case_number: str = ""
    subject_index: str = ""
    subject_masked: str = ""
    fields: list = field(default_factory=list)
    node: str = ""  # federation: the city node a routed call went to (exchange/federation.py)

    def write(self, outcome: str, error_code: str = "") -> int:
        return calllog.append_rows([self.row(outcome, error_code)])[0]

    def row(self, outcome: str, error_code: str = "") -> dict:
        caller = self.caller
        return calllog.row(
            service_code=self.code,
            outcome=outcome,
            client_id=caller.client_id if caller else "",
            department_id=caller.department_id if caller else None,
            grant_id=self.grant_id,
            purpose=self.purpose,
            case_number=self.case_number,
            subject_index=self.subject_index,
            subject_masked=self.subject_masked,
            fields=self.fields,
            error_code=error_code,
            latency_ms=(time.perf_counter() - self.started) * 1000,
            node=self.node or (caller.node if caller else ""),
        )


# Refusals of the provider (not of the caller) are logged as failed, the rest as refused.
_FAILED = frozenset({"SERVICE_UNAVAILABLE", "PROVIDER_TIMEOUT", "PROVIDER_FAILED", "CIRCUIT_OPEN"})


def refuse(code: str, refusal: GatewayRefusal, *, caller: Caller | None = None, started: float | None = None):
    """Log a refusal made before `call` could run (a bad token at the HTTP layer) and return it
    with its `call_id`."""
    record = _Record(code=str(code)[:40], caller=caller, started=started or time.perf_counter())
    refusal.call_id = record.write(CallOutcome.REFUSED, refusal.code)
    return refusal


def call(caller: Caller, code: str, query, *, started: float | None = None) -> Answer:
    """Check, call the provider, project, log. Raises GatewayRefusal (logged, `call_id` set)."""
    take_changes()
    record = _Record(code=str(code)[:40], caller=caller, started=started or time.perf_counter())
    try:
        answer = _call(caller, str(code), query, record)
    except GatewayRefusal as refusal:
        record.fields = []
        refusal.call_id = record.write(_outcome(refusal.code), refusal.code)
        raise
    answer.call_id = record.write(CallOutcome.OK)
    return answer


def call_batch(caller: Caller, code: str, queries: list, *, started: float | None = None) -> list:
    """Many queries of one caller to one service: each is a call of its own (checked in the same
    order, counted against the rate, logged), answered in order as an Answer or a GatewayRefusal
    (not raised). Cheaper than as many `call`s: a handler with a `batch` entry point reads every
    checked subject in one statement, and the log rows go in one round trip."""
    started = started or time.perf_counter()
    take_changes()
    records = [_Record(code=str(code)[:40], caller=caller, started=started) for _ in queries]
    results: list = [None] * len(queries)
    checked: list[tuple[int, _Checked]] = []
    for i, query in enumerate(queries):
        try:
            checked.append((i, _check(caller, str(code), query, records[i])))
        except GatewayRefusal as refusal:
            results[i] = refusal
    batched = [
        c for _, c in checked if not c.remote and c.handler is not None and c.handler.batch is not None
    ]
    answers_of: dict[int, object] = {}
    if batched:
        try:
            many = batched[0].handler.batch([c.query for c in batched])
            for c, result in zip(batched, many, strict=True):
                answers_of[id(c)] = result
            for c in batched:
                c.breaker.success()
        except Exception as exc:
            batched[0].breaker.failure()
            failed = GatewayRefusal("PROVIDER_FAILED", f"数据提供方答复出错（{type(exc).__name__}）")
            for c in batched:
                answers_of[id(c)] = failed
    for i, c in checked:
        try:
            result = answers_of[id(c)] if id(c) in answers_of else _run(c)
            if isinstance(result, GatewayRefusal):
                raise GatewayRefusal(result.code, result.message, field=result.field)
            results[i] = _finish(c, result)
        except GatewayRefusal as refusal:
            results[i] = refusal
    rows = []
    for record, result in zip(records, results, strict=True):
        if isinstance(result, GatewayRefusal):
            record.fields = []
            rows.append(record.row(_outcome(result.code), result.code))
        else:
            rows.append(record.row(CallOutcome.OK))
    for result, call_id in zip(results, calllog.append_rows(rows), strict=True):
        result.call_id = call_id
    return results


def _outcome(code: str) -> str:
    """How a call that did not answer is logged: the provider's faults as failed; "no such
    subject" as answered (the call was allowed; nothing was read); the rest as refused."""
    if code in _FAILED:
        return CallOutcome.FAILED
    if code == "SUBJECT_NOT_FOUND":
        return CallOutcome.OK
    return CallOutcome.REFUSED


@dataclass
class _Query:
    purpose: str = ""
    case_number: str = ""
    subject: str = ""
    fields: list | None = None
    params: dict = field(default_factory=dict)


def _parse(query, record: _Record) -> tuple[_Query, GatewayRefusal | None]:
    """The query's shape; the first problem is returned (raised after the grant check)."""

    def bad(name: str, message: str):
        return GatewayRefusal("QUERY_MALFORMED", f"{name}：{message}", field=name)

    parsed = _Query()
    if isinstance(query, Unparsable):
        return parsed, bad("body", query.message)
    if not isinstance(query, dict):
        return parsed, bad("body", "应为 JSON 对象")
    purpose = query.get("purpose")
    if isinstance(purpose, str) and 0 < len(purpose.strip()) <= 40:
        parsed.purpose = record.purpose = purpose.strip()
    case_number = query.get("case_number", "")
    if isinstance(case_number, str) and len(case_number) <= 50:
        parsed.case_number = record.case_number = case_number.strip()
    subject = query.get("subject", "")
    if isinstance(subject, str) and len(subject) <= 40:
        parsed.subject = subject.strip().upper()
    for key in query:
        if key not in QUERY_KEYS:
            return parsed, bad(
                str(key)[:40], "不是查询请求的内容（允许 purpose、case_number、subject、fields、params）"
            )
    if not isinstance(purpose, str) or not purpose.strip():
        return parsed, bad("purpose", "必填：用途代码")
    if len(purpose.strip()) > 40:
        return parsed, bad("purpose", "不能超过40个字符")
    if not isinstance(case_number, str) or len(case_number) > 50:
        return parsed, bad("case_number", "应为不超过50个字符的办件编号")
    if not isinstance(subject, str) or len(subject) > 40:
        return parsed, bad("subject", "应为公民身份号码或统一社会信用代码")
    fields = query.get("fields")
    if fields is not None:
        if not isinstance(fields, list) or not all(isinstance(k, str) for k in fields) or len(fields) > 200:
            return parsed, bad("fields", "应为信息项代码的列表")
        parsed.fields = list(dict.fromkeys(fields))
    params = query.get("params", {})
    if not isinstance(params, dict) or len(params) > 20:
        return parsed, bad("params", "应为 JSON 对象")
    parsed.params = params
    return parsed, None


def _subject(subject: str, kind: str) -> tuple[str, str]:
    """(kind, problem): which identifier `subject` is, for a handler reading `kind`."""
    if kind == handlers.NO_SUBJECT:
        return kind, ""
    if not subject:
        return kind, "必填：公民身份号码或统一社会信用代码"
    if kind == handlers.RESIDENT_ID:
        result = check_resident_id(subject)
        return kind, result.reason
    if kind == handlers.CREDIT_CODE:
        result = check_credit_code(subject)
        return kind, result.reason
    if check_resident_id(subject):
        return handlers.RESIDENT_ID, ""
    if check_credit_code(subject):
        return handlers.CREDIT_CODE, ""
    if len(subject) == 18 and subject[:17].isdigit():
        return handlers.RESIDENT_ID, check_resident_id(subject).reason
    return handlers.CREDIT_CODE, check_credit_code(subject).reason


def _choose(grants: tuple[GrantInfo, ...], caller: Caller, parsed: _Query) -> GrantInfo:
    mine = [g for g in grants if g.department_id == caller.department_id]
    if not mine:
        raise GatewayRefusal("GRANT_MISSING")
    active = [g for g in mine if g.state == GrantState.ACTIVE]
    if not active:
        state = mine[0].state
        code = {
            GrantState.SUSPENDED: "GRANT_SUSPENDED",
            GrantState.REVOKED: "GRANT_REVOKED",
            GrantState.EXPIRED: "GRANT_EXPIRED",
        }.get(state, "GRANT_MISSING")
        raise GatewayRefusal(code)
    if len(active) > 1:  # several live grants (renewals): the first that covers the query
        wanted = set(parsed.fields or ())
        for g in active:
            if wanted <= g.fields and parsed.purpose in g.purposes:
                return g
    return active[0]


@dataclass
class _Checked:
    """A query that passed every check, ready for its provider."""

    service: ServiceInfo
    handler: handlers.Handler | None
    remote: bool
    breaker: Breaker
    query: handlers.ServiceQuery
    record: _Record


def _call(caller: Caller, code: str, query, record: _Record) -> Answer:
    checked = _check(caller, code, query, record)
    return _finish(checked, _run(checked))


def _check(caller: Caller, code: str, query, record: _Record) -> _Checked:
    service = _service(code)
    if service is None:
        raise GatewayRefusal("SERVICE_UNKNOWN")
    handler = handlers.get(service.target)
    remote = service.target.startswith(("http://", "https://"))
    if remote:
        record.node = federation.node_of_target(service.target) or ""
    subject_kind = handler.subject if handler is not None else handlers.ANY_SUBJECT

    parsed, malformed = _parse(query, record)
    kind, subject_problem = _subject(parsed.subject, subject_kind)
    if parsed.subject and not subject_problem and kind != handlers.NO_SUBJECT:
        record.subject_index = calllog.subject_index(parsed.subject, kind)
        record.subject_masked = calllog.mask(parsed.subject)
    elif parsed.subject:
        record.subject_masked = calllog.mask(parsed.subject)[:30]

    grant = _choose(_grants(caller.client_id, code), caller, parsed)
    record.grant_id = grant.id
    if malformed is not None:
        raise malformed

    # fields
    known = service.field_keys
    if parsed.fields is None:
        returned = [k for k in known if k in grant.fields]
    else:
        unknown = [k for k in parsed.fields if k not in known]
        if unknown:
            raise GatewayRefusal(
                "FIELD_UNKNOWN",
                f"fields：{', '.join(unknown[:10])[:200]} 不是该信息资源的信息项",
                field="fields",
            )
        outside = [k for k in parsed.fields if k not in grant.fields]
        if outside:
            raise GatewayRefusal(
                "FIELD_NOT_GRANTED", f"fields：{', '.join(outside[:10])} 不在共享授权范围内", field="fields"
            )
        returned = parsed.fields
    # purpose
    if parsed.purpose not in grant.purposes:
        raise GatewayRefusal(
            "PURPOSE_NOT_GRANTED", f"purpose：{parsed.purpose} 不在共享授权的用途内", field="purpose"
        )
    # rate
    if grant.rate is None:
        raise GatewayRefusal("RATE_EXCEEDED", "共享授权的调用频率设置无效，拒绝调用")
    outcome = ratelimit.hit(grant.rate, str(grant.id), lease=True)  # leases for large rates
    if not outcome.allowed:
        raise GatewayRefusal(
            "RATE_EXCEEDED",
            f"调用频率超过共享授权的上限，{ratelimit.wait_text(outcome.retry_after)}",
            retry_after=outcome.retry_after,
        )
    # expiry
    if grant.expires_on < timezone.localdate():
        raise GatewayRefusal("GRANT_EXPIRED")
    # subject
    if subject_problem:
        raise GatewayRefusal("SUBJECT_INVALID", f"subject：{subject_problem}", field="subject")
    # mount, circuit
    if service.mount_state != MountState.MOUNTED or (handler is None and not remote):
        raise GatewayRefusal("SERVICE_UNAVAILABLE")
    breaker = Breaker(code)
    if not breaker.allow():
        raise GatewayRefusal("CIRCUIT_OPEN")

    service_query = handlers.ServiceQuery(
        code=code,
        subject=parsed.subject,
        subject_kind=kind,
        subject_index=record.subject_index,
        fields=tuple(returned),
        params=parsed.params,
        purpose=parsed.purpose,
        case_number=parsed.case_number,
        caller=caller,
    )
    return _Checked(service, handler, remote, breaker, service_query, record)


def _run(checked: _Checked):
    """Call the provider; its faults become refusals and count on the circuit."""
    breaker = checked.breaker
    try:
        if checked.remote:
            result = _remote(checked.service.target, checked.query)
        else:
            result = checked.handler.func(checked.query)
    except handlers.BadParam as exc:
        breaker.success()
        raise GatewayRefusal(
            "QUERY_MALFORMED", f"params.{exc.name}：{exc.message}", field=f"params.{exc.name}"
        ) from None
    except GatewayRefusal as refusal:
        if refusal.code in _FAILED:
            breaker.failure()
        else:
            breaker.success()
        raise
    except Exception as exc:
        breaker.failure()
        raise GatewayRefusal("PROVIDER_FAILED", f"数据提供方答复出错（{type(exc).__name__}）") from exc
    breaker.success()
    return result


def _finish(checked: _Checked, result) -> Answer:
    """Project the provider's answer to granted ∩ requested fields."""
    if isinstance(result, handlers.BadParam):
        raise GatewayRefusal(
            "QUERY_MALFORMED", f"params.{result.name}：{result.message}", field=f"params.{result.name}"
        )
    if result is None:
        raise GatewayRefusal("SUBJECT_NOT_FOUND")
    wanted = set(checked.query.fields)
    service, record = checked.service, checked.record
    if checked.remote:  # a remote gateway answers with its own shape
        fields_part = result.get("fields") or {}
        records = result.get("records")
        if records is not None:
            records = [{k: v for k, v in r.items() if k in wanted} for r in records if isinstance(r, dict)]
        fields_out = (
            {k: v for k, v in fields_part.items() if k in wanted} if isinstance(fields_part, dict) else {}
        )
    elif checked.handler.many:
        records = [{k: v for k, v in r.items() if k in wanted} for r in result]
        fields_out = {}
    else:
        records = None
        fields_out = {k: v for k, v in result.items() if k in wanted}
    record.fields = sorted(set(fields_out) | {k for r in (records or []) for k in r})
    return Answer(code=service.code, version=service.version, fields=fields_out, call_id=0, records=records)


# --- Remote providers (a city's gateway) ------------------------------------------------------


def _remote(url: str, query: handlers.ServiceQuery) -> dict | None:
    """POST the query to a remote gateway's service URL within `EXCHANGE_REMOTE_TIMEOUT`
    seconds (default 3; the one timeout of every exchange with another node). The remote's own refusal codes come back as ours; its
    SUBJECT_NOT_FOUND is None. Authorization headers come from `EXCHANGE_REMOTE_AUTH` (a dotted
    path to `f(url) -> dict of headers`), when set."""
    body = {
        "purpose": query.purpose,
        "subject": query.subject,
        "fields": list(query.fields),
        "params": query.params,
    }
    if query.case_number:
        body["case_number"] = query.case_number
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    auth = getattr(settings, "EXCHANGE_REMOTE_AUTH", "")
    if auth:
        headers.update(import_string(auth)(url))
    timeout = float(settings.EXCHANGE_REMOTE_TIMEOUT)
    req = urllib.request.Request(  # noqa: S310 (the URL is a mount target an administrator set)
        url, data=json.dumps(body, ensure_ascii=False).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return json.loads(resp.read(2_000_000))
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read(100_000)).get("error", {})
        except (ValueError, AttributeError):
            error = {}
        remote_code = error.get("code") if isinstance(error, dict) else None
        if remote_code == "SUBJECT_NOT_FOUND":
            return None
        if remote_code in ("TOKEN_INVALID", "TOKEN_FOREIGN"):  # this node's own token there, not the caller's
            federation.forget_remote_token(url)
            raise GatewayRefusal("PROVIDER_FAILED", "下级节点不接受本节点的访问令牌") from None
        if remote_code in CODES:
            raise GatewayRefusal(
                remote_code, f"下级节点：{error.get('message', '')}"[:300], field=error.get("field", "")
            ) from None
        raise GatewayRefusal("PROVIDER_FAILED", f"数据提供方答复 HTTP {exc.code}") from None
    except TimeoutError:
        raise GatewayRefusal("PROVIDER_TIMEOUT", f"数据提供方未在{timeout:g}秒内答复") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise GatewayRefusal("PROVIDER_TIMEOUT", f"数据提供方未在{timeout:g}秒内答复") from None
        raise GatewayRefusal("SERVICE_UNAVAILABLE", "无法连接数据提供方") from None
    except (ValueError, OSError):
        raise GatewayRefusal("PROVIDER_FAILED", "数据提供方的答复无法读取") from None


# --- The circuit breaker ----------------------------------------------------------------------


CLOSED_MEMO_SECONDS = 1.0


class _Closed:
    """Per process: until when each service was last seen closed (no shared-cache read per call;
    a circuit another worker opened is seen here within CLOSED_MEMO_SECONDS)."""

    seen: dict = {}


class Breaker:
    """A circuit breaker per service, in the shared cache (every worker sees it open):

    - closed: calls pass; each failure (provider error, timeout, unreachable) is counted in a
      window of `EXCHANGE_CIRCUIT_WINDOW` seconds (default 30);
    - open: after `EXCHANGE_CIRCUIT_FAILURES` failures in the window (default 5), every call is
      refused with CIRCUIT_OPEN at once, for `EXCHANGE_CIRCUIT_OPEN_SECONDS` (default 30);
    - half-open: when that time is over, one call (of any worker) is let through as a trial; its
      success closes the circuit, its failure opens it again for another period.

    A closed circuit costs one shared-cache read per second per process (`_Closed`)."""

    def __init__(self, code: str):
        self.code = code
        self.cache = caches[getattr(settings, "RATELIMIT_CACHE", "default")]
        self.prefix = f"exch:cb:{code}"
        self.trial = False

    @staticmethod
    def _setting(name: str, default: float) -> float:
        return float(getattr(settings, name, default))

    def allow(self) -> bool:
        memo = _Closed.seen.get(self.code)
        if memo is not None and time.monotonic() < memo:
            return True  # seen closed within the last CLOSED_MEMO_SECONDS, in this process
        open_until = self.cache.get(f"{self.prefix}:open")
        if open_until is None:
            _Closed.seen[self.code] = time.monotonic() + CLOSED_MEMO_SECONDS
            return True
        _Closed.seen.pop(self.code, None)
        if time.time() < open_until:
            return False
        # Half-open: one trial for everyone.
        period = self._setting("EXCHANGE_CIRCUIT_OPEN_SECONDS", 30)
        self.trial = self.cache.add(f"{self.prefix}:trial", 1, timeout=max(1, int(period)))
        return self.trial

    def success(self) -> None:
        if self.trial:
            self.cache.delete_many([f"{self.prefix}:open", f"{self.prefix}:trial", f"{self.prefix}:fail"])

    def failure(self) -> None:
        _Closed.seen.pop(self.code, None)
        window = self._setting("EXCHANGE_CIRCUIT_WINDOW", 30)
        period = self._setting("EXCHANGE_CIRCUIT_OPEN_SECONDS", 30)
        threshold = self._setting("EXCHANGE_CIRCUIT_FAILURES", 5)
        key = f"{self.prefix}:fail"
        if self.cache.add(key, 1, timeout=max(1, int(window))):
            count = 1
        else:
            try:
                count = self.cache.incr(key)
            except ValueError:
                count = 1
        if self.trial or count >= threshold:
            self.cache.set(f"{self.prefix}:open", time.time() + period, timeout=int(period * 2 + window + 60))
            self.cache.delete_many([f"{self.prefix}:trial", key])

    def state(self) -> str:
        open_until = self.cache.get(f"{self.prefix}:open")
        if open_until is None:
            return "closed"
        return "open" if time.time() < open_until else "half-open"


# --- Invalidation -----------------------------------------------------------------------------
#
# A change in this process (a grant, entry or mount saved or deleted, the grants service's
# `grant_changed`, an access token deleted or changed, a client changed) drops this process's
# caches at once (`changed`) and, on PostgreSQL, NOTIFYs CHANNEL in the changing transaction: the
# announcement reaches every other process's listening connection when the change commits.
# Each call starts with `take_changes()`: a non-blocking read of that connection's socket (no
# round trip); an announcement found drops the grant and service caches here and the token cache
# (apiauth). So another worker refuses a suspended or revoked grant, or a revoked token, on its
# next call once the announcement has arrived (a fraction of a millisecond after the commit), not
# 5 s later; the TTL stays as the bound when an announcement is lost (a connection broken).

CHANNEL = "tongban_exchange_changed"


def changed(**_kwargs) -> None:
    """Something the gateway caches changed in this process: forget here, announce to the others."""
    forget()
    apiauth.forget_tokens()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_notify(%s, '')", [CHANNEL])


def _token_changed(created: bool = False, **kwargs) -> None:
    if not created:  # a new token is in no cache yet
        changed()


class _Listening:
    """The connections this process LISTENs on, each with what its handler has seen."""

    connections: WeakKeyDictionary = WeakKeyDictionary()  # raw psycopg connection -> [seen]


def take_changes() -> None:
    """Drop the caches if another process announced a change (PostgreSQL; outside a transaction).
    The first call on a connection LISTENs (one round trip) and drops them too: announcements
    made while this process was not listening are lost."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    raw = connection.connection
    seen = _Listening.connections.get(raw) if raw is not None else None
    if seen is None:
        with connection.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")
        seen = []
        connection.connection.add_notify_handler(lambda _n, seen=seen: seen.append(1))
        _Listening.connections[connection.connection] = seen
        _drop_all()
        return
    try:
        pgconn = raw.pgconn
        pgconn.consume_input()
        while (note := pgconn.notifies()) is not None:
            pgconn.notify_handler(note)
    except Exception:  # a broken connection: Django reconnects on the next query, which listens anew
        seen.append(1)
    if seen:
        seen.clear()
        _drop_all()


def _drop_all() -> None:
    forget()
    apiauth.forget_tokens()


for _model in (Grant, Resource, Mount):
    post_save.connect(changed, sender=_model, dispatch_uid=f"exchange.gateway.forget.save.{_model.__name__}")
    post_delete.connect(
        changed, sender=_model, dispatch_uid=f"exchange.gateway.forget.delete.{_model.__name__}"
    )
_TOKEN, _CLIENT = oauth2_settings.ACCESS_TOKEN_MODEL, oauth2_settings.APPLICATION_MODEL
post_save.connect(_token_changed, sender=_TOKEN, dispatch_uid="exchange.gateway.changed.token.save")
post_delete.connect(changed, sender=_TOKEN, dispatch_uid="exchange.gateway.changed.token.delete")
post_save.connect(changed, sender=_CLIENT, dispatch_uid="exchange.gateway.changed.client.save")
post_delete.connect(changed, sender=_CLIENT, dispatch_uid="exchange.gateway.changed.client.delete")
try:  # the grants service's signal (sent after commit on every state change)
    from .grants import grant_changed

    grant_changed.connect(changed, dispatch_uid="exchange.gateway.forget.grant_changed")
except ImportError:  # pragma: no cover - before the grants module exists
    pass
