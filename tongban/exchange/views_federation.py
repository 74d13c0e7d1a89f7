"""The province's registration endpoint for city nodes (federation): `POST
/exchange/v1/federation/entries` with the city's client-credentials bearer token.

Body: {"node": "city:420100", "entries": [<entry>, ...], "complete": true|false}; an entry is
the city's published catalogue entry ({"code", "version", "mounted", "name", "summary", ...}).
Answer: {"node", "entries": [{"origin_code", "code", "version", "result"}], "retired": [...]};
refusals: HTTP 4xx {"error": {"code", "message", "field"}} with the codes TOKEN_INVALID (401: no valid
client-credentials token with the `api` scope), NODE_NOT_ALLOWED (403: the client is not the
node's registrant, audited), QUERY_MALFORMED (400: not a JSON object), ENTRY_INVALID (400: an
entry or the node is wrong; `field` names it, e.g. "entries[2].share_basis"), TOO_LARGE (413).
Nothing is changed by a refusal."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tongban.apiauth import bearer
from tongban.core.errors import DomainError, InvalidInput

from . import federation

MAX_BODY = 2 * 1024 * 1024


def _error(status: int, code: str, message: str, field: str = "") -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "field": field}}, status=status)


def _actor(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return bearer.authenticate(request, token.strip())


@csrf_exempt
@require_POST
def register_entries(request):
    actor = _actor(request)
    if actor is None:
        return _error(401, "TOKEN_INVALID", "需要有效的系统访问令牌（client_credentials，api 范围）")
    if len(request.body) > MAX_BODY:
        return _error(413, "TOO_LARGE", "登记内容过大")
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _error(400, "QUERY_MALFORMED", "请求体应为 JSON 对象")
    if not isinstance(body, dict):
        return _error(400, "QUERY_MALFORMED", "请求体应为 JSON 对象")
    try:
        answer = federation.do_register_entries(
            actor=actor,
            node=body.get("node"),
            entries=body.get("entries"),
            complete=body.get("complete", False),
        )
    except InvalidInput as error:
        field = error.problems[0].field if error.problems else ""
        message = error.problems[0].message if error.problems else error.message
        return _error(400, "ENTRY_INVALID", message, field)
    except DomainError as error:
        return _error(
            error.status, "NODE_NOT_ALLOWED" if error.status == 403 else error.code.upper(), error.message
        )
    return JsonResponse(answer)
