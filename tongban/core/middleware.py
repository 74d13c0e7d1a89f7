"""Request-wide policies: domain errors as pages, a request-size ceiling, Chinese first."""

from __future__ import annotations

from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render

from .errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        # An htmx request swaps the answer into a slot of the page: send a fragment, not a page.
        template = "core/_error_fragment.html" if request.headers.get("HX-Request") else "core/error.html"
        return render(request, template, {"error": exception}, status=exception.status)


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
