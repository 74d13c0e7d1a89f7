"""Retries and double submissions (幂等): one store, two doors.

- `idempotent_api` wraps a django-ninja write endpoint. A caller may send an `Idempotency-Key`
  header (at most 80 characters); the first call with that key runs and its answer (status and
  JSON body) is stored in the same transaction as the write. The same key again, with the same
  method, path and body, gets the stored answer and nothing runs; the same key with another
  request is refused with 409 `idempotency_mismatch`. Without the header the call runs as is.
- `once_per_form` wraps a view that takes a POST form. Every form renders a one-time token
  (`{% once_field %}`, a builtin tag) as a hidden input; the first submission of a rendered form
  runs, and its token is consumed in the same transaction as the write. A second submission of
  the same rendered form (a double click, a reload, the back button) is answered with a redirect
  to where the first one went and the message "已处理", never a second write.

Keys belong to whoever acts (`user:<pk>` or the department system's label), so one caller cannot
replay or block another's. A failing call (an error response or an exception) consumes nothing:
the caller may correct it and send it again with the same key.

Both doors write `IdempotentRequest` rows; the row is inserted before the work, so a concurrent
duplicate waits on the unique index and then gets the first answer instead of acting too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import secrets
from functools import wraps

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect, RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import Conflict, DomainError, FieldProblem, InvalidInput, TooLarge
from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY = 80
FORM_FIELD = "once_token"
KEEP_DAYS = 7  # `purge` forgets older keys; a retry is minutes, not weeks, after the first call


class Mismatch(Conflict):
    code = "idempotency_mismatch"
    default_message = "该幂等键已用于另一个请求（请求内容不同），请为新的请求使用新的幂等键"


def actor_label(actor) -> str:
    """`user:<pk>` for a person or an officer, the system's own label for a department system."""
    label = getattr(actor, "label", None)
    if isinstance(label, str) and label:
        return label
    pk = getattr(actor, "pk", None)
    return f"user:{pk}" if pk is not None else ""


def fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path()):
        digest.update(part.encode() + b"\0")
    if request.content_type == "multipart/form-data":
        body = _form_bytes(request)  # parsed into fields and files (never read whole)
    else:
        try:
            body = request.body
        except RawPostDataException:
            body = _form_bytes(request)
        except RequestDataTooBig as exc:
            raise TooLarge("请求过大：请改用 multipart/form-data 上传文件") from exc
    digest.update(body)
    return digest.hexdigest()


def _form_bytes(request) -> bytes:
    """A multipart body read into files: its fields and each file's name and content."""
    parts = [json.dumps(sorted(request.POST.lists()), ensure_ascii=False)]
    for field, files in sorted(request.FILES.lists()):
        for f in files:
            f.seek(0)
            parts.append(f"{field}:{f.name}:{hashlib.sha256(f.read()).hexdigest()}")
            f.seek(0)
    return "\n".join(parts).encode()


def _stored(actor: str, key: str) -> IdempotentRequest | None:
    return IdempotentRequest.objects.filter(actor=actor, key=key, status__gt=0).first()


def run_once(*, actor: str, key: str, fingerprint: str, work, answer, replay):
    """Run `work()` once per (actor, key). `answer(result)` gives the (status, JSON) to keep, or
    None when the result is not one to keep (nothing is consumed then); `replay(row)` answers a
    repeat from the stored row.

    The key row, the work and the kept answer share one transaction. A refusal (a DomainError)
    consumes nothing but still commits what the work wrote on purpose before refusing (a refused
    licence use is logged, then refused), exactly as without this wrapper; any other exception
    rolls everything back."""
    row = _stored(actor, key)
    if row is not None:
        return replay(row)
    refusal = None
    try:
        with transaction.atomic():
            row = IdempotentRequest.objects.create(actor=actor, key=key, fingerprint=fingerprint)
            try:
                result = work()
            except DomainError as exc:
                refusal = exc
                row.delete()
            else:
                kept = answer(result)
                if kept is None:
                    row.delete()
                else:
                    row.status, row.response = kept
                    row.save(update_fields=["status", "response"])
    except IntegrityError:
        row = _stored(actor, key)  # a concurrent duplicate committed first
        if row is None:
            raise
        return replay(row)
    if refusal is not None:
        raise refusal
    return result


# --- the API door --------------------------------------------------------------------------------


def _json(value) -> object:
    from ninja.responses import NinjaJSONEncoder

    return json.loads(json.dumps(value, cls=NinjaJSONEncoder, ensure_ascii=False))


def idempotent_api(view):
    """Make a ninja write endpoint idempotent under its `Idempotency-Key` header (see above).
    Put it under the `@router.post(...)` line."""
    from ninja import Status  # the API's response type; imported here to keep core's import light

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > MAX_KEY or not key.isprintable():
            raise InvalidInput.field(HEADER, f"幂等键应为不超过{MAX_KEY}个可打印字符")
        actor = actor_label(request.auth)
        if not actor:
            return view(request, *args, **kwargs)
        mine = fingerprint(request)

        def answer(result):
            if isinstance(result, Status):
                return result.status_code, _json(result.value)
            return 200, _json(result)

        def replay(row: IdempotentRequest):
            if row.fingerprint != mine:
                raise Mismatch(problems=[FieldProblem(HEADER, "同一幂等键的请求内容不同")])
            return Status(row.status, row.response)

        return run_once(
            actor=actor,
            key=f"api:{key}",
            fingerprint=mine,
            work=lambda: view(request, *args, **kwargs),
            answer=answer,
            replay=replay,
        )

    # ninja reads the endpoint's parameters from the signature; resolve its annotations here,
    # in the endpoint's module (the wrapper's globals are this module's).
    wrapper.__signature__ = inspect.signature(view, eval_str=True)
    wrapper.idempotent = True
    return wrapper


# --- the form door -------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(18)


def once_per_form(view):
    """Make a view's POST forms single-use by their rendered token (see above). A POST without
    a token (a client that is not our page) runs as before."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = request.POST.get(FORM_FIELD, "") if request.method == "POST" else ""
        actor = actor_label(request.user) if request.user.is_authenticated else ""
        if not token or not actor:
            return view(request, *args, **kwargs)
        if len(token) > 40 or not token.replace("-", "").replace("_", "").isalnum():
            raise InvalidInput.field(FORM_FIELD, _("表单已失效，请刷新页面后重新提交"))
        path = request.path

        def answer(response):
            # A form that did its work redirects (post/redirect/get); a page shown again with
            # the form's errors, or a redirect marked `not_done`, consumes nothing.
            if isinstance(response, HttpResponseRedirect) and getattr(response, "idempotent_keep", True):
                return 303, {"location": response["Location"]}
            return None

        def replay(row: IdempotentRequest):
            messages.info(request, _("已处理：该表单已提交过，未重复办理。"))
            return HttpResponseRedirect(row.response.get("location") or path)

        return run_once(
            actor=actor,
            key="form:" + hashlib.sha256(f"{token}\0{path}".encode()).hexdigest()[:40],
            fingerprint=hashlib.sha256(path.encode()).hexdigest(),
            work=lambda: view(request, *args, **kwargs),
            answer=answer,
            replay=replay,
        )

    wrapper.once_per_form = True
    return wrapper


def not_done(response):
    """Mark a redirect that reports a refusal (nothing was written): the form may be sent again."""
    response.idempotent_keep = False
    return response


def purge(*, older_than_days: int = KEEP_DAYS) -> int:
    """Forget keys older than the retry window; returns how many went."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    deleted, _detail = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
