"""Request-wide policies: domain errors as pages, a request-size ceiling, input bounds (no NUL
bytes, ids within 64 bits), no caching of what a signed-in person sees, Chinese first."""

from __future__ import annotations

import json

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from . import inputs
from .errors import DomainError


def error_response(request, error: DomainError):
    """A domain error as the caller reads it: JSON under /api/, else a page (a fragment for htmx)."""
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    # An htmx request swaps the answer into a slot of the page: send a fragment, not a page.
    template = "core/_error_fragment.html" if request.headers.get("HX-Request") else "core/error.html"
    return render(request, template, {"error": error}, status=error.status)


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        return error_response(request, exception)


class InputGuardMiddleware:
    """Input no layer below may see (核验输入): a NUL byte anywhere in the path, a query or form
    value (or name) or a string of a JSON body is refused with 400 naming the field; an integer
    URL parameter past the 64-bit key range is 404. PostgreSQL would raise on the first and the
    database driver on the second; SQLite would store or overflow: both answer the same here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            field = self._nul_field(request)
        except (SuspiciousOperation, MultiPartParserError):
            field = None  # too big or malformed: the view's own parsing answers that, as before
        if field is not None:
            return error_response(request, inputs.nul_error(field))
        return self.get_response(request)

    @staticmethod
    def _nul_field(request) -> str | None:
        if inputs.NUL in request.path:
            return "path"
        for name, values in request.GET.lists():
            if inputs.NUL in name or any(inputs.NUL in v for v in values):
                return name
        content_type = request.content_type or ""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if content_type == "application/x-www-form-urlencoded":
            for name, values in request.POST.lists():
                if inputs.NUL in name or any(inputs.NUL in v for v in values):
                    return name
        elif content_type == "multipart/form-data":
            # A part's value may be a file's bytes sent without a file name: only the names are
            # text here; the text fields are checked where they are read (Django's CharField,
            # formschema, InSchema for the JSON a part carries).
            for name in [*request.POST, *request.FILES]:
                if inputs.NUL in name:
                    return name
        elif content_type.endswith("json"):
            body = request.body
            if b"\\u0000" in body or b"\x00" in body:
                try:
                    return inputs.find_nul(json.loads(body)) or "request"
                except ValueError:
                    return "request"
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in [*view_args, *view_kwargs.values()]:
            if isinstance(value, int) and not isinstance(value, bool) and value > inputs.MAX_ID:
                raise Http404("id out of range")
        return None


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with Django's never-cache set) on every API answer and on every
    page a signed-in person is shown, unless the view set its own Cache-Control: either may carry
    personal data, and neither a shared proxy nor the browser's back-forward cache may keep it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response  # the view decided (a public OIDC document, a no-store page of its own)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


class RequestSizeLimitMiddleware:
    """Refuse request bodies larger than MAX_REQUEST_BYTES with 413 before anything reads them.

    Django caps form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams files to disk whatever their
    size; this puts one ceiling on every request, file uploads included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.http import JsonResponse

        from .errors import TooLarge

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            error = TooLarge(f"上传内容超过 {limit // (1024 * 1024)} MB 的上限", problems=[])
            if request.path.startswith("/api/"):
                return JsonResponse(
                    error.as_dict() | {"errors": [{"field": "file", "message": error.message}]}, status=413
                )
            return render(request, "core/error.html", {"error": error}, status=413)
        return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the person chose another language (the language cookie set by /i18n/setlang/).

    The browser's Accept-Language is not followed: a provincial portal speaks Chinese first, and
    English is one click away."""

    def process_request(self, request):
        accept = request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        try:
            super().process_request(request)
        finally:
            if accept is not None:
                request.META["HTTP_ACCEPT_LANGUAGE"] = accept
