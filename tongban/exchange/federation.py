"""Federation (one province, many cities): a city runs its own tongban instance, registers its
catalogue entries with the province (a cascade: the province keeps them under codes derived from
the city's), and the province routes calls to those entries through the city's gateway.

The nodes:
- `settings.EXCHANGE_NODE` names this instance: "province:420000" (the default) or
  "city:420100" (a city's own instance, with its own database).
- A city knows its province: `EXCHANGE_UPSTREAM_URL` and its own client credentials there
  (`EXCHANGE_UPSTREAM_CLIENT_ID`/`_SECRET`, a client_credentials client with the `api` scope,
  registered in the province's identity service for the city's department).
- A province knows its cities: `EXCHANGE_DOWNSTREAM` = {"city:420100": {"url", "registrant",
  "client_id", "client_secret"}}: the city's base URL, which of the province's clients may
  register entries for it, and the province's own client credentials at the city (the city holds
  the grants for that client).

The cascade code rule: a city entry `BM-GA-001` of node `city:420100` is `BM-420100-GA-001` at
the province (`cascade_code`, the catalogue's code rule with the city's region code inserted). The province row keeps `origin` = the node and `origin_code` = the
city's code; its mount is a service whose target is the city gateway's URL for that code.

Transport is plain HTTP (urllib) with a timeout; access tokens from the other node's `/o/token/`
are kept in the cache (shared by the workers) until shortly before they expire. The call itself
(timeout, circuit breaker, the city's refusal codes passed on) is the gateway's remote provider
(exchange/gateway.py); this module gives it the province's token at the city (`remote_auth`)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tongban.core import audit
from tongban.core.errors import Forbidden, InvalidInput

from .catalogue import CODE_RE, ENTRY_VALUES
from .enums import (
    EntryState,
    FieldType,
    MountKind,
    MountState,
    OpenType,
    ResourceClass,
    ResourceFormat,
    Sensitivity,
    ShareType,
    UpdateFrequency,
)
from .models import Mount, Resource

LEVELS = ("province", "city")
NODE_RE = re.compile(r"^(province|city):(\d{6})$")
# A city's own resource code: letters, digits and hyphens, short enough for the province's prefix.
# Codes follow the catalogue's rule (catalogue.CODE_RE, the national guide's two parts: a front
# part of a two-letter class prefix and at most three segments, a back part of 3–6 digits).
CODE_MAX = 40
MAX_ENTRIES = 500
SERVICE_PATH = "/exchange/v1/services/{code}/query"
REGISTER_PATH = "/exchange/v1/federation/entries"
# The catalogue fields a registration carries (and the province compares to decide on a version):
# an entry's values, except that a city's entry is never one of the province's base registers.
ENTRY_KEYS = tuple(k for k in ENTRY_VALUES if k != "base_register")


@dataclass(frozen=True)
class Node:
    level: str
    region: str

    @property
    def id(self) -> str:
        return f"{self.level}:{self.region}"

    @property
    def is_city(self) -> bool:
        return self.level == "city"


def parse_node(text: str, *, field: str = "node") -> Node:
    """'city:420100' → Node("city", "420100"); anything else is refused naming `field`."""
    match = NODE_RE.match(str(text or "").strip())
    if match is None:
        raise InvalidInput.field(field, "节点标识应为 province:行政区划代码 或 city:行政区划代码（6位）")
    return Node(match.group(1), match.group(2))


def this_node() -> Node:
    return parse_node(settings.EXCHANGE_NODE, field="EXCHANGE_NODE")


def cascade_code(node: Node | str, origin_code: str, *, field: str = "code") -> str:
    """The province's code of a city's entry, by the catalogue's own code rule: the city's region
    code becomes the first segment after the class prefix (`city:420100`: `BM-GA-001` →
    `BM-420100-GA-001`, `RK-001` → `RK-420100-001`). A code whose first segment already is a
    region code within the city (`BM-420100-GA-001`, `BM-420102-TJ-001`) keeps it. Refuses,
    naming `field`, a code outside the rule or one that would outgrow it (a fourth segment, more
    than 40 characters)."""
    node = node if isinstance(node, Node) else parse_node(node)
    code = check_origin_code(origin_code, field=field)
    match = CODE_RE.fullmatch(code)
    parts = match.group("front").split("-")
    if len(parts) > 1 and _within(parts[1], node):
        return code
    if len(parts) > 3:
        raise InvalidInput.field(field, "级联后前段码将超过三段：请在代码中写明本市行政区划代码")
    cascaded = "-".join([parts[0], node.region, *parts[1:], match.group("back")])
    if len(cascaded) > CODE_MAX:
        raise InvalidInput.field(field, f"级联后的信息资源代码将超过{CODE_MAX}位")
    return cascaded


def _within(segment: str, node: Node) -> bool:
    """A six-digit region code inside the node's region (the city itself or one of its districts)."""
    if not (len(segment) == 6 and segment.isdigit()):
        return False
    prefix = node.region.rstrip("0")
    prefix = prefix + "0" * (len(prefix) % 2)  # whole levels: 420100 → 4201, 420000 → 42
    return segment.startswith(prefix)


def check_origin_code(code: str, *, field: str = "code") -> str:
    if not isinstance(code, str) or len(code) > CODE_MAX or not CODE_RE.fullmatch(code):
        raise InvalidInput.field(
            field,
            "信息资源代码形如 BM-GA-001：两位分类字母加至多三段2至12位大写字母或数字，后段码为3至6位顺序号",
        )
    return code


def service_url(base_url: str, code: str) -> str:
    return base_url.rstrip("/") + SERVICE_PATH.format(code=code)


# --- Province side: which cities it knows ----------------------------------------------------


def downstream(node_id: str) -> dict | None:
    """The province's settings for a city node, or None when the node is unknown here."""
    conf = (
        settings.EXCHANGE_DOWNSTREAM.get(node_id) if isinstance(settings.EXCHANGE_DOWNSTREAM, dict) else None
    )
    if not isinstance(conf, dict) or not conf.get("url"):
        return None
    return conf


def node_of_target(target: str) -> str | None:
    """The city node whose gateway a mount target URL points into, or None."""
    for node_id, conf in (settings.EXCHANGE_DOWNSTREAM or {}).items():
        base = str(conf.get("url", "")).rstrip("/") + "/"
        if base != "/" and target.startswith(base):
            return node_id
    return None


# --- Province side: registration of a city's entries ------------------------------------------


def _choice(entry: dict, key: str, choices, where: str, *, required: bool = True) -> str:
    value = entry.get(key, "")
    if value in ("", None) and not required:
        return ""
    if value not in choices.values:
        raise InvalidInput.field(f"{where}.{key}", "取值不在代码表中：" + "、".join(choices.values))
    return value


def _text(entry: dict, key: str, where: str, *, max_length: int, required: bool = True) -> str:
    value = entry.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput.field(f"{where}.{key}", "应为文本")
    value = value.strip()
    if required and not value:
        raise InvalidInput.field(f"{where}.{key}", "必填")
    if len(value) > max_length:
        raise InvalidInput.field(f"{where}.{key}", f"不能超过{max_length}个字符")
    return value


def _fields(entry: dict, where: str) -> list[dict]:
    items = entry.get("fields")
    if not isinstance(items, list) or not items or len(items) > 500:
        raise InvalidInput.field(f"{where}.fields", "应为1至500个信息项")
    out, seen = [], set()
    for i, item in enumerate(items):
        at = f"{where}.fields[{i}]"
        if not isinstance(item, dict):
            raise InvalidInput.field(at, "信息项应为对象")
        key = item.get("key")
        if not isinstance(key, str) or not re.match(r"^[a-z][a-z0-9_]{0,39}$", key) or key in seen:
            raise InvalidInput.field(f"{at}.key", "信息项标识应为小写字母开头的字母、数字或下划线，且不重复")
        seen.add(key)
        clean = {
            "key": key,
            "name": _text(item, "name", at, max_length=100),
            "type": _choice(item, "type", FieldType, at),
            "sensitivity": _choice(item, "sensitivity", Sensitivity, at),
        }
        length = item.get("length")
        if length is not None:
            if not isinstance(length, int) or isinstance(length, bool) or not 0 < length <= 100_000:
                raise InvalidInput.field(f"{at}.length", "长度应为正整数")
            clean["length"] = length
        description = _text(item, "description", at, max_length=300, required=False)
        if description:
            clean["description"] = description
        out.append(clean)
    return out


def check_entry(entry, where: str, *, node: Node) -> dict:
    """One registered entry, validated and normalised: {"code", "province_code", "version",
    "mounted", <ENTRY_KEYS>}."""
    if not isinstance(entry, dict):
        raise InvalidInput.field(where, "目录条目应为对象")
    code = check_origin_code(entry.get("code"), field=f"{where}.code")
    province_code = cascade_code(node, code, field=f"{where}.code")
    version = entry.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidInput.field(f"{where}.version", "版本应为正整数")
    clean = {
        "code": code,
        "province_code": province_code,
        "version": version,
        "name": _text(entry, "name", where, max_length=200),
        "summary": _text(entry, "summary", where, max_length=4000),
        "resource_class": _choice(entry, "resource_class", ResourceClass, where),
        "subject": _text(entry, "subject", where, max_length=60, required=False),
        "format": _choice(entry, "format", ResourceFormat, where),
        "fields": _fields(entry, where),
        "share_type": _choice(entry, "share_type", ShareType, where),
        "share_condition": _text(entry, "share_condition", where, max_length=4000, required=False),
        "share_basis": _text(entry, "share_basis", where, max_length=300, required=False),
        "open_type": _choice(entry, "open_type", OpenType, where),
        "open_condition": _text(entry, "open_condition", where, max_length=4000, required=False),
        "update_frequency": _choice(entry, "update_frequency", UpdateFrequency, where),
    }
    if clean["share_type"] != ShareType.UNCONDITIONAL and not clean["share_basis"]:
        raise InvalidInput.field(f"{where}.share_basis", "有条件共享和不予共享须注明依据")
    keywords = entry.get("keywords") or []
    if (
        not isinstance(keywords, list)
        or len(keywords) > 20
        or not all(isinstance(k, str) and 0 < len(k) <= 40 for k in keywords)
    ):
        raise InvalidInput.field(f"{where}.keywords", "关键词应为至多20个、每个至多40字的文本")
    clean["keywords"] = keywords
    mounted = entry.get("mounted", False)
    if not isinstance(mounted, bool):
        raise InvalidInput.field(f"{where}.mounted", "应为 true 或 false")
    clean["mounted"] = mounted
    return clean


def check_registrant(actor, node: Node) -> dict:
    """The province's settings for `node` when `actor` (a SystemActor) is the client allowed to
    register for it; otherwise Forbidden (nothing says whether the node exists)."""
    conf = downstream(node.id) if node.is_city else None
    client_id = getattr(actor, "client_id", None)
    if conf is None or not client_id or conf.get("registrant") != client_id:
        raise Forbidden("该接入系统无权为此节点登记目录")
    if getattr(actor, "department_id", None) is None:
        raise Forbidden("该接入系统未归属部门")
    return conf


def do_register_entries(*, actor, node: str, entries, complete: bool = False) -> dict:
    """Register a city's catalogue entries at the province (this instance). Each entry becomes
    (or updates, as a new version) the current version of the province's entry
    `cascade_code(node, code)`, provided by the registrant's department, mounted as a service at
    the city gateway's URL when the city says it is mounted. With `complete`, the node's entries
    absent from `entries` are retired and their mounts suspended.

    All or nothing: any bad entry refuses the whole registration, naming it. Returns
    {"node", "entries": [{"origin_code", "code", "version", "result"}], "retired": [codes]}."""
    node_ = parse_node(node)
    try:
        conf = check_registrant(actor, node_)
    except Forbidden:
        audit.record(
            actor=getattr(actor, "label", actor),
            action="exchange.federation.refused",
            object_type="exchange.node",
            object_id=node_.id,
            data={"node": node_.id, "reason": "not_registrant"},
        )
        raise
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        raise InvalidInput.field("entries", f"应为至多{MAX_ENTRIES}个目录条目的列表")
    if not isinstance(complete, bool):
        raise InvalidInput.field("complete", "应为 true 或 false")
    cleaned = [check_entry(e, f"entries[{i}]", node=node_) for i, e in enumerate(entries)]
    codes = [e["code"] for e in cleaned]
    if len(set(codes)) != len(codes) or len({e["province_code"] for e in cleaned}) != len(codes):
        raise InvalidInput.field("entries", "资源代码重复（含级联后的代码）")
    label = actor.label
    now = timezone.now()
    out, retired = [], []
    with transaction.atomic(), audit.batch():
        for entry in cleaned:
            out.append(_register_one(entry, node=node_, conf=conf, actor=actor, label=label, now=now))
        if complete:
            stale = (
                Resource.objects.select_for_update()
                .filter(origin=node_.id, is_current=True)
                .exclude(origin_code__in=codes)
                .exclude(state=EntryState.RETIRED)
                .order_by("pk")
            )
            for resource in stale:
                resource.state = EntryState.RETIRED
                resource.save(update_fields=["state"])
                Mount.objects.filter(code=resource.code).exclude(state=MountState.UNMOUNTED).update(
                    state=MountState.SUSPENDED
                )
                audit.record(
                    actor=label,
                    action="exchange.federation.retire",
                    obj=resource,
                    data={"node": node_.id, "code": resource.code, "origin_code": resource.origin_code},
                )
                retired.append(resource.code)
    return {"node": node_.id, "entries": out, "retired": retired}


def _register_one(entry: dict, *, node: Node, conf: dict, actor, label: str, now) -> dict:
    code = entry["province_code"]
    values = {k: entry[k] for k in ENTRY_KEYS}
    current = Resource.objects.select_for_update().filter(code=code, is_current=True).first()
    if current is not None and current.origin != node.id:
        raise InvalidInput.field("entries", f"资源代码 {code} 已被本级目录占用")
    unchanged = (
        current is not None
        and current.state == EntryState.PUBLISHED
        and current.provider_id == actor.department_id
        and all(getattr(current, k) == v for k, v in values.items())
    )
    if unchanged:
        resource, result = current, "unchanged"
    else:
        version = (
            Resource.objects.filter(code=code).order_by("-version").values_list("version", flat=True).first()
            or 0
        ) + 1
        if current is not None:
            current.is_current = False
            current.save(update_fields=["is_current"])
        resource = Resource.objects.create(
            code=code,
            version=version,
            state=EntryState.PUBLISHED,
            is_current=True,
            provider_id=actor.department_id,
            origin=node.id,
            origin_code=entry["code"],
            change_note=f"{node.id} 登记（来源版本 {entry['version']}）",
            created_by=label,
            published_at=now,
            published_by=label,
            **values,
        )
        result = "created" if current is None else "updated"
        audit.record(
            actor=label,
            action="exchange.federation.register",
            obj=resource,
            data={
                "node": node.id,
                "code": code,
                "version": version,
                "origin_code": entry["code"],
                "origin_version": entry["version"],
                "result": result,
            },
        )
    _mount(resource, mounted=entry["mounted"], conf=conf, label=label, now=now, node=node)
    return {"origin_code": entry["code"], "code": code, "version": resource.version, "result": result}


def _mount(resource: Resource, *, mounted: bool, conf: dict, label: str, now, node: Node) -> None:
    target = service_url(conf["url"], resource.origin_code)
    mount = Mount.objects.select_for_update().filter(code=resource.code).first()
    wanted = (
        MountState.MOUNTED if mounted and resource.format == ResourceFormat.SERVICE else MountState.UNMOUNTED
    )
    if mount is None:
        if wanted != MountState.MOUNTED:
            return
        mount = Mount.objects.create(
            code=resource.code,
            kind=MountKind.SERVICE,
            state=wanted,
            target=target,
            mounted_at=now,
            mounted_by=label,
            last_updated_at=now,
        )
    elif (mount.state, mount.target, mount.kind) != (wanted, target, MountKind.SERVICE):
        mount.state, mount.target, mount.kind = wanted, target, MountKind.SERVICE
        mount.mounted_at, mount.mounted_by = now, label
        mount.save(update_fields=["state", "target", "kind", "mounted_at", "mounted_by"])
    else:
        return
    audit.record(
        actor=label,
        action="exchange.federation.mount",
        obj=mount,
        data={"node": node.id, "code": resource.code, "state": wanted, "target": target},
    )


# --- City side: what it registers, and the push --------------------------------------------


def local_entries() -> list[dict]:
    """This instance's own published, current entries (never ones it holds for another node),
    in the registration's shape."""
    rows = Resource.objects.filter(is_current=True, state=EntryState.PUBLISHED, origin="").order_by("code")
    mounted = set(
        Mount.objects.filter(kind=MountKind.SERVICE, state=MountState.MOUNTED).values_list("code", flat=True)
    )
    out = []
    for r in rows:
        entry = {"code": r.code, "version": r.version, "mounted": r.code in mounted}
        entry.update({k: getattr(r, k) for k in ENTRY_KEYS})
        out.append(entry)
    return out


class RemoteRefused(Exception):
    """The other node answered with a refusal: its HTTP status and its error body."""

    def __init__(self, status: int, code: str, message: str = "", field: str = ""):
        self.status, self.code, self.message, self.field = status, code, message, field
        super().__init__(f"{status} {code} {message}")


class RemoteUnavailable(Exception):
    """The other node could not be reached, failed (5xx), or answered something unreadable."""


class RemoteTimeout(RemoteUnavailable):
    """The other node did not answer within the timeout."""


def push_upstream(*, actor: str = "system:exchange-federation", timeout: float | None = None) -> dict:
    """City → province: register this city's entries (the complete list) with the province over
    HTTP, with the city's client-credentials token. Returns the province's answer; raises
    RemoteRefused / RemoteUnavailable, and InvalidInput when this instance is not a configured city."""
    node = this_node()
    if not node.is_city:
        raise InvalidInput.field(
            "EXCHANGE_NODE", "只有市级节点向省级登记目录（EXCHANGE_NODE=city:行政区划代码）"
        )
    base = settings.EXCHANGE_UPSTREAM_URL
    if not base or not settings.EXCHANGE_UPSTREAM_CLIENT_ID or not settings.EXCHANGE_UPSTREAM_CLIENT_SECRET:
        raise InvalidInput.field(
            "EXCHANGE_UPSTREAM_URL", "请配置省级节点地址与本节点在省级的接入凭据（EXCHANGE_UPSTREAM_*）"
        )
    timeout = timeout or settings.EXCHANGE_REMOTE_TIMEOUT
    entries = local_entries()
    token = access_token(
        base, settings.EXCHANGE_UPSTREAM_CLIENT_ID, settings.EXCHANGE_UPSTREAM_CLIENT_SECRET, timeout=timeout
    )
    answer = post_json(
        base.rstrip("/") + REGISTER_PATH,
        {"node": node.id, "entries": entries, "complete": True},
        token=token,
        timeout=timeout,
    )
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="exchange.federation.push",
            object_type="exchange.node",
            object_id=node.id,
            data={
                "upstream": base,
                "codes": [e["code"] for e in entries],
                "results": {e["origin_code"]: e["result"] for e in answer.get("entries", [])},
                "retired": answer.get("retired", []),
            },
        )
    return answer


# --- Province side: a call routed to a city ----------------------------------------------------


def remote_auth(url: str) -> dict:
    """The gateway's `EXCHANGE_REMOTE_AUTH` hook (exchange/gateway.py, a service mounted at a
    remote gateway URL): the headers of a province → city call, i.e. the province's own
    client-credentials token at the city whose gateway `url` points into. The gateway has already
    checked the province caller's grant; the city checks its grant for the province's system.
    A URL of no configured node gets no headers (no credential is sent anywhere else). Raises
    RemoteUnavailable (→ PROVIDER_FAILED at the gateway) when the node's credentials are missing
    or its token endpoint refuses or cannot be reached."""
    node_id = node_of_target(url)
    if node_id is None:
        return {}
    conf = downstream(node_id)
    if conf is None or not conf.get("client_id") or not conf.get("client_secret"):
        raise RemoteUnavailable(f"{node_id}: no client credentials configured")
    timeout = float(settings.EXCHANGE_REMOTE_TIMEOUT)
    try:
        token = access_token(conf["url"], conf["client_id"], conf["client_secret"], timeout=timeout)
    except RemoteRefused as refused:
        raise RemoteUnavailable(f"{node_id} refused the province's credentials: {refused.code}") from refused
    return {"Authorization": "Bearer " + token}


def forget_remote_token(url: str) -> None:
    """Drop the cached token for the node serving `url` (the node refused it: revoked or
    expired early); the next call fetches a new one."""
    node_id = node_of_target(url)
    conf = downstream(node_id) if node_id else None
    if conf is not None and conf.get("client_id"):
        forget_token(conf["url"], conf["client_id"])


def peer_node(client_id: str) -> str:
    """The node whose gateway calls here as `client_id` (`EXCHANGE_PEER_CLIENTS`: at a city, the
    province's system → "province:420000"), for the call log's `node`; "" for anyone else."""
    peers = settings.EXCHANGE_PEER_CLIENTS
    node = peers.get(client_id, "") if isinstance(peers, dict) and client_id else ""
    return node if isinstance(node, str) and NODE_RE.match(node) else ""


# --- Transport -------------------------------------------------------------------------------


def _token_key(base_url: str, client_id: str) -> str:
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{client_id}".encode()).hexdigest()[:32]
    return f"exchange:federation:token:{digest}"


def forget_token(base_url: str, client_id: str) -> None:
    cache.delete(_token_key(base_url, client_id))


def access_token(base_url: str, client_id: str, secret: str, *, timeout: float) -> str:
    """A client_credentials access token from the node at `base_url` (its /o/token/), kept in the
    cache until 30 s before it expires."""
    key = _token_key(base_url, client_id)
    token = cache.get(key)
    if token:
        return token
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - a configured http(s) base URL
        base_url.rstrip("/") + "/o/token/",
        data=b"grant_type=client_credentials&scope=api",
        headers={"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    status, body = _send(request, timeout=timeout)
    if status != 200 or not isinstance(body.get("access_token"), str):
        raise RemoteRefused(status, "UPSTREAM_TOKEN_REFUSED", str(body.get("error", "")))
    expires_in = body.get("expires_in") if isinstance(body.get("expires_in"), int) else 60
    if expires_in > 60:
        cache.set(key, body["access_token"], expires_in - 30)
    return body["access_token"]


def post_json(url: str, body: dict, *, token: str, timeout: float) -> dict:
    request = urllib.request.Request(  # noqa: S310 - a configured http(s) base URL
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={
            "Authorization": "Bearer " + token,
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        method="POST",
    )
    status, answer = _send(request, timeout=timeout)
    if 200 <= status < 300:
        return answer
    if status >= 500:
        raise RemoteUnavailable(f"{url} answered {status}")
    error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
    code = error.get("code") or answer.get("code") or f"HTTP_{status}"
    raise RemoteRefused(status, str(code), str(error.get("message", "")), str(error.get("field", "") or ""))


def _send(request: urllib.request.Request, *, timeout: float) -> tuple[int, dict]:
    if not request.full_url.startswith(("http://", "https://")):
        raise RemoteUnavailable("only http(s) URLs are called")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read(2_000_000)
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read(2_000_000)
    except TimeoutError as error:
        raise RemoteTimeout(f"{request.full_url}: no answer within {timeout} s") from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise RemoteTimeout(f"{request.full_url}: no answer within {timeout} s") from error
        raise RemoteUnavailable(f"{request.full_url}: {error.reason}") from error
    except OSError as error:
        raise RemoteUnavailable(f"{request.full_url}: {getattr(error, 'reason', error)}") from error
    try:
        body = json.loads(raw or b"{}")
    except ValueError as error:
        if status >= 500:
            return status, {}
        raise RemoteUnavailable(f"{request.full_url} answered {status} with no JSON") from error
    return status, body if isinstance(body, dict) else {}
