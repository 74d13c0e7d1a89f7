"""What comes into the portal: query-string parsing with errors that name the field.

The portal has no JSON API of its own (the catalogue's API serves the same data); its
"schemas" are the GET parameters of the public pages. Each parser either returns a clean
value or raises `InvalidInput.field(<parameter name>, <message>)`, which the page shows next
to the field with HTTP 400. Range and code-table checks that the catalogue already makes
(`catalog.queries.check_filters`) are left to it, so there is one rule per fact.
"""

from __future__ import annotations

import re
import unicodedata

from django.http import QueryDict

from tongban.catalog.enums import HandlingList, ItemType, ServiceObject
from tongban.catalog.queries import MAX_PAGE, SearchFilters
from tongban.core.errors import InvalidInput

MAX_PARAM_CHARS = 100
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
# Service-item names never contain markup; a query with it is a mistake or a probe.
MARKUP_CHARS = frozenset("<>")


def clean_text(value: str | None, *, field: str, max_chars: int = MAX_PARAM_CHARS) -> str:
    """Trimmed text without control characters (PostgreSQL refuses NUL) and without markup."""
    value = (value or "").strip()
    if len(value) > max_chars:
        raise InvalidInput.field(field, f"不能超过{max_chars}个字，请缩短后再试")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise InvalidInput.field(field, "含有不可见的控制字符，请重新输入")
    if MARKUP_CHARS & set(value):
        raise InvalidInput.field(field, "不能包含 < 或 > 等符号，请只输入事项名称或关键词")
    return value


def parse_page(value: str | None, *, field: str = "page") -> int:
    value = (value or "").strip()
    if not value:
        return 1
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_PAGE:
        raise InvalidInput.field(field, f"页码应为1到{MAX_PAGE}之间的整数")
    return int(value)


def parse_version(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 9999:
        raise InvalidInput.field("version", "版本号应为正整数，如 ?version=1")
    return int(value)


def parse_list_kind(value: str | None, *, field: str = "list") -> str:
    value = (value or "").strip()
    if value and value not in HandlingList.values:
        raise InvalidInput.field(
            field, "清单只能是 now（马上办）、online（网上办）、nearby（就近办）、once（一次办）"
        )
    return value


def parse_topic(value: str | None) -> str:
    value = (value or "").strip()
    if value and not SLUG_RE.match(value):
        raise InvalidInput.field("topic", "主题应为英文字母、数字或连字符组成的标识")
    return value


def _alias(params: QueryDict, name: str, old: str) -> tuple[str, str]:
    """A parameter with an older name too: (the name used, its value); the new name wins."""
    if params.get(name):
        return name, params.get(name)
    return old, params.get(old) or ""


def search_filters(params: QueryDict, *, cookie_region: str = "") -> SearchFilters:
    """The search page's filters (see the portal README for the parameters):

    q, region (6/12-digit code), department (id or credit code), type (alias item_type: the
    two-digit 事项类型), object (服务对象 code: 1 自然人, 2 企业法人 ...), mode (alias list:
    now 马上办, online 网上办, nearby 就近办, once 一次办), topic, page.

    An explicit `region` searches that region and below; without one, the region chosen in the
    header (cookie) searches what serves a resident there: the region itself and the levels
    above it (省级、市级事项 too). Either way that region's own items rank first."""
    q = clean_text(params.get("q"), field="q")
    region = clean_text(params.get("region"), field="region", max_chars=20)
    department = clean_text(params.get("department"), field="department", max_chars=30)
    type_field, item_type = _alias(params, "type", "item_type")
    item_type = clean_text(item_type, field=type_field, max_chars=10)
    if item_type and item_type not in ItemType.values:
        raise InvalidInput.field(
            type_field, "事项类型应为国家代码表中的两位代码（如 01 行政许可、20 公共服务）"
        )
    service_object = clean_text(params.get("object"), field="object", max_chars=10)
    if service_object and service_object not in ServiceObject.values:
        raise InvalidInput.field(
            "object",
            "服务对象应为 1（自然人）、2（企业法人）、3（事业法人）、4（社会组织法人）、5（行政机关）或 6（其他组织）",
        )
    mode_field, mode = _alias(params, "mode", "list")
    scope = "within"
    if not region and cookie_region:
        region, scope = cookie_region, "serving"
    return SearchFilters(
        q=q,
        region=region,
        scope=scope,
        department=department,
        item_type=item_type,
        service_object=service_object,
        topic=parse_topic(params.get("topic")),
        handling_list=parse_list_kind(mode, field=mode_field),
        page=parse_page(params.get("page")),
    )
