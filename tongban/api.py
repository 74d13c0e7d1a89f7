"""The REST API at /api/v1 (django-ninja), OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from tongban.cases.api import router as cases_router
from tongban.catalog.api import router as catalog_router
from tongban.core.api import router as core_router
from tongban.core.errors import DomainError, InvalidInput, NotFound
from tongban.licences.api import router as licences_router


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON with Chinese as characters rather than \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="tongban API",
    version="1",
    description="一体化在线政务服务平台接口 — the integrated online government-services platform.",
    urls_namespace="api-v1",
)
api.add_router("/", core_router)
api.add_router("/catalog", catalog_router)
api.add_router("/cases", cases_router)
api.add_router("/licences", licences_router)
api.add_router("/insight", "tongban.insight.api.router")
api.add_router("/bundles", "tongban.bundles.api.router")
api.add_router("/hotline", "tongban.hotline.api.router")
api.add_router("/ratings", "tongban.ratings.api.router")
api.add_router("/supervision", "tongban.supervision.api.router")


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    problems = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("query", "path", "body", "params", "payload")]
        problems.append({"field": ".".join(loc) or "request", "message": err.get("msg", "invalid")})
    first = problems[0] if problems else {"field": "request", "message": "invalid"}
    body = InvalidInput(f"{first['field']}：{first['message']}").as_dict() | {"errors": problems}
    return api.create_response(request, body, status=400)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, NotFound().as_dict(), status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    body = {"code": "unauthorized", "message": "请先登录，或提供有效的访问令牌"}
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    codes = {401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}
    message = "CSRF 校验失败，请刷新页面后重试" if "CSRF" in str(exc) else str(exc)
    body = {"code": codes.get(exc.status_code, "error"), "message": message}
    return api.create_response(request, body, status=exc.status_code)
