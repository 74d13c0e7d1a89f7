"""Reads about the demo: is it seeded, which code is its showcase guide, where to look."""

from __future__ import annotations

from tongban.catalog import queries as catalog_queries

from .data.catalogue import marker_code
from .data.departments import credit_code_for

# The showcase guide: 内资有限责任公司设立登记 (营业执照) by 武汉市江夏区行政审批局 (县级, 4).
MARKER_DEPARTMENT = "武汉市江夏区行政审批局"
MARKER_REGION = "420115"


def featured_licence_code() -> str:
    """实施编码 of the 江夏 business-licence guide (the article's 熊振 collected his there)."""
    return f"{credit_code_for(MARKER_DEPARTMENT, MARKER_REGION)}4{marker_code()}"


def demo_is_seeded() -> bool:
    """True when the demo's marker item is published (written last-or-never: one transaction)."""
    return catalog_queries.current_items().filter(code=featured_licence_code()).exists()


def licence_guide_code() -> str:
    """A 营业执照 guide to show: the featured one, else the first search hit."""
    if demo_is_seeded():
        return featured_licence_code()
    _, hits = catalog_queries.search_items(catalog_queries.SearchFilters(q="营业执照"))
    return hits[0].code if hits else featured_licence_code()


def demo_urls(host: str, port: int | str, *, guide_code: str) -> list[tuple[str, str]]:
    base = f"http://{host}:{port}"
    return [
        ("门户 portal", f"{base}/"),
        ("搜索 search", f"{base}/search/?q=营业执照"),
        ("办事指南 guide (营业执照)", f"{base}/items/{guide_code}/"),
        ("在线申请 apply online (营业执照)", f"{base}/cases/apply/{guide_code}/"),
        ("我的办件 my cases", f"{base}/cases/"),
        ("办件工作台 case workbench", f"{base}/workbench/cases/"),
        ("窗口受理 window intake", f"{base}/workbench/cases/window/"),
        ("事项工作台 catalogue workbench", f"{base}/workbench/catalog/"),
        ("身份核验 clerk desk", f"{base}/workbench/identity/"),
        ("管理后台 admin", f"{base}/admin/"),
        ("接口 API", f"{base}/api/v1/catalog/items?q=社保"),
        ("接口文档 API docs", f"{base}/api/v1/docs"),
        ("演示部门业务系统 (OIDC)", f"{base}/demo/department/"),
        ("OIDC discovery", f"{base}/.well-known/openid-configuration"),
    ]


def demo_client_id() -> str:
    """client_id of the demo department system (演示部门业务系统), "" when not registered. Read
    through the toolkit's swappable-model accessor, not the accounts models."""
    from oauth2_provider.models import get_application_model

    from .data.accounts import OIDC_CLIENT_NAME

    return (
        get_application_model()
        .objects.filter(name=OIDC_CLIENT_NAME)
        .order_by("pk")
        .values_list("client_id", flat=True)
        .first()
        or ""
    )


def story_body_staff() -> list[tuple[str, str, list[str]]]:
    """(username, body, roles) of the staff `cases.ensure_body_staff` gave the story bodies
    (`data.accounts.BODY_SLUGS`), in the order of that table."""
    from tongban.accounts import queries as account_queries
    from tongban.core import queries as core_queries

    from .data.accounts import BODY_SLUGS

    out = []
    for name, slug in BODY_SLUGS.items():
        dept = core_queries.departments().filter(name=name).order_by("pk").first()
        if dept is None:
            continue
        for user in account_queries.staff_of_department(dept.pk):
            if user.username.startswith(slug + "-"):
                out.append((user.username, name, account_queries.role_names(user)))
    return out
