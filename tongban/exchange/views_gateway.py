"""The gateway over HTTP (thin): `POST /exchange/v1/services/<code>/query` and `/batch`, called by
department systems with a client_credentials bearer token. Plain Django views rather than a ninja
router: this is the benchmarked hot path, and every answer here is the gateway's own JSON (an
answer, or `{"error": {"code", "message", "field"}, "call_id"}` with the code's HTTP status);
never a 500 for what a caller sends."""

from __future__ import annotations

import hashlib
import json
import time

from django.conf import settings
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import get_access_token_model

from tongban import apiauth

from . import federation, gateway
from .errors import GatewayRefusal

_JSON = {"ensure_ascii": False}
MAX_BODY = 1_000_000


def _json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params=_JSON)
    response["Cache-Control"] = "no-store"  # answers carry personal data
    return response


def _refused(refusal: GatewayRefusal) -> JsonResponse:
    response = _json(refusal.as_dict(), refusal.status)
    if refusal.code == "RATE_EXCEEDED" and refusal.retry_after:
        response["Retry-After"] = str(refusal.retry_after)
    if refusal.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="exchange", error="invalid_token"'
    return response


def _token_refusal(token: str) -> tuple[str, str]:
    """Why a token the bearer check refused was refused: (code, client_id). A token this platform
    never issued, or one expired: TOKEN_INVALID. A real, live token that is not a department
    system's client_credentials token with the `api` scope (a person's, a client of no department,
    a narrower scope): TOKEN_FOREIGN."""
    if len(token) > 255:
        return "TOKEN_INVALID", ""
    row = (
        get_access_token_model()
        .objects.filter(token_checksum=hashlib.sha256(token.encode("utf-8")).hexdigest())
        .values_list("expires", "application__client_id")
        .first()
    )
    if row is None or row[0] is None or timezone.now() >= row[0]:
        return "TOKEN_INVALID", ""
    return "TOKEN_FOREIGN", row[1] or ""


def _caller(request, code: str, started: float):
    """The calling system, or the logged refusal of its token."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    token = token.strip()
    actor = apiauth.bearer.authenticate(request, token) if scheme.lower() == "bearer" and token else None
    if actor is not None:
        node = federation.peer_node(actor.client_id)  # a call another node's gateway routed here
        return gateway.Caller(client_id=actor.client_id, department_id=actor.department_id, node=node), None
    why, client_id = _token_refusal(token) if token else ("TOKEN_INVALID", "")
    caller = gateway.Caller(client_id=client_id, department_id=None) if client_id else None  # type: ignore[arg-type]
    return None, gateway.refuse(code, GatewayRefusal(why), caller=caller, started=started)


def _body(request):
    if len(request.body) > MAX_BODY:
        return gateway.Unparsable("请求体过大")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return gateway.Unparsable()


@csrf_exempt
def query(request, code: str):
    started = time.perf_counter()
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    gateway.take_changes()  # before the token check: another worker may have revoked it
    caller, refusal = _caller(request, code, started)
    if refusal is not None:
        return _refused(refusal)
    try:
        answer = gateway.call(caller, code, _body(request), started=started)
    except GatewayRefusal as refusal:
        return _refused(refusal)
    return _json(answer.as_dict())


def batch_max() -> int:
    return int(getattr(settings, "EXCHANGE_BATCH_MAX", 100))


@csrf_exempt
def batch(request, code: str):
    """Many subjects in one request: `{"purpose", "case_number", "fields", "params", "queries":
    [{"subject", "params", "case_number"}, ...]}` (at most EXCHANGE_BATCH_MAX, default 100). Each
    query is a gateway call of its own (checked, counted against the rate, logged); the answer
    lists them in order: `{"code", "results": [{"fields", "call_id"} | {"error", "call_id"}]}`."""
    started = time.perf_counter()
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    gateway.take_changes()  # before the token check: another worker may have revoked it
    caller, refusal = _caller(request, code, started)
    if refusal is not None:
        return _refused(refusal)
    body = _body(request)
    problem = ""
    if isinstance(body, gateway.Unparsable):
        field, problem = "body", body.message
    elif not isinstance(body, dict):
        field, problem = "body", "应为 JSON 对象"
    elif not isinstance(body.get("queries"), list) or not body["queries"]:
        field, problem = "queries", "必填：查询列表"
    elif len(body["queries"]) > batch_max():
        field, problem = "queries", f"一次最多{batch_max()}项"
    elif not all(isinstance(item, dict) for item in body["queries"]):
        field, problem = "queries", "每一项应为 JSON 对象"
    if problem:
        malformed = GatewayRefusal("QUERY_MALFORMED", f"{field}：{problem}", field=field)
        return _refused(gateway.refuse(code, malformed, caller=caller, started=started))
    shared = {k: v for k, v in body.items() if k != "queries"}
    queries = []
    for item in body["queries"]:
        query = {**shared, **item}
        if isinstance(shared.get("params"), dict) and isinstance(item.get("params"), dict):
            query["params"] = {**shared["params"], **item["params"]}
        queries.append(query)
    results = []
    version = None
    for answer in gateway.call_batch(caller, code, queries, started=started):
        if isinstance(answer, GatewayRefusal):
            results.append(answer.as_dict())
            continue
        version = answer.version
        result = {"fields": answer.fields, "call_id": answer.call_id}
        if answer.records is not None:
            result["records"] = answer.records
        results.append(result)
    return _json({"code": code, "version": version, "results": results})
