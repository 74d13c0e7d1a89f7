"""The national-platform adapter: the catalogue in the national shared-platform exchange format
(政务信息资源目录 metadata, after 《政务信息资源目录编制指南（试行）》), as JSON or XML.

`manage.py exchange export-national [--format json|xml] [--out FILE]`. Unlike the public exports
(DCAT, CKAN) this is platform-to-platform: every published current entry, whatever its share or
open type, with its data items (信息项: name, type, length; never the sensitivity class, which is
the province's own). The format is documented, key by key, in docs/exchange.md.

Keys and values are Chinese, the guide's own terms, whatever the active language; data-item
types carry the guide's one-letter codes too (C 字符型, N 数值型, ...).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from django.db.models import Min
from django.utils import timezone, translation

from .enums import BaseRegister, EntryState, FieldType, MountKind, MountState
from .models import Mount, Resource

FORMAT_NAME = "政务信息资源目录交换格式"
FORMAT_VERSION = "1.0"
BASIS = "《政务信息资源目录编制指南（试行）》（发改高技〔2017〕1272号）"

# 共享方式 by what the resource is mounted as (the guide: 共享平台方式 — 接口服务, 库表交换, 文件下载).
SHARE_METHODS = {
    MountKind.SERVICE: "共享平台方式/接口服务",
    MountKind.TABLE: "共享平台方式/库表交换",
    MountKind.FILE: "共享平台方式/文件下载",
}


def _date(value) -> str:
    return timezone.localdate(value).isoformat() if value else ""


def _format_type(resource: Resource, mount: Mount | None) -> str:
    """The format type within its class: the interface style of a service, else the file's."""
    if mount is None:
        return ""
    if mount.kind == MountKind.SERVICE:
        return "REST"
    mime = (mount.media_type or "").split(";")[0].strip()
    return mime.rsplit("/", 1)[-1].upper() if mime else ""


def entry(resource: Resource, mount: Mount | None, first_published) -> dict:
    r = resource
    base = BaseRegister(r.base_register).label if r.base_register in BaseRegister.values else ""
    items = []
    for f in r.fields:
        kind = f.get("type", "")
        items.append(
            {
                "信息项名称": f.get("name", ""),
                "数据类型": str(FieldType(kind).label) if kind in FieldType.values else kind,
                "数据类型代码": kind,
                "数据长度": f.get("length"),
            }
        )
    return {
        "信息资源代码": r.code,
        "信息资源名称": r.name,
        "信息资源摘要": r.summary,
        "信息资源提供方": r.provider.name,
        "信息资源提供方代码": r.provider.credit_code,
        "信息资源分类": {
            "资源分类": str(r.get_resource_class_display()),
            "基础信息资源库": str(base),
            "主题分类": r.subject,
        },
        "信息资源格式": {"格式分类": str(r.get_format_display()), "格式类型": _format_type(r, mount)},
        "信息项": items,
        "共享属性": {
            "共享类型": str(r.get_share_type_display()),
            "共享条件": r.share_condition,
            "共享依据": r.share_basis,
            "共享方式": SHARE_METHODS.get(mount.kind, "") if mount else "",
        },
        "开放属性": {"开放类型": str(r.get_open_type_display()), "开放条件": r.open_condition},
        "更新周期": str(r.get_update_frequency_display()),
        "发布日期": _date(first_published or r.published_at),
        "版本": r.version,
        "版本发布日期": _date(r.published_at),
        "挂接状态": str(mount.get_state_display()) if mount else str(MountState.UNMOUNTED.label),
        "数据最近更新日期": _date(mount.last_updated_at) if mount else "",
        "来源节点": r.origin,
        "来源节点资源代码": r.origin_code,
    }


def catalogue(*, now=None) -> dict:
    """The whole published catalogue (current versions), ordered by resource code."""
    with translation.override("zh-hans"):
        resources = list(
            Resource.objects.filter(is_current=True, state=EntryState.PUBLISHED)
            .select_related("provider")
            .order_by("code")
        )
        codes = [r.code for r in resources]
        mounts = {m.code: m for m in Mount.objects.filter(code__in=codes)}
        first = dict(
            Resource.objects.filter(code__in=codes, published_at__isnull=False)
            .values("code")
            .annotate(first=Min("published_at"))
            .values_list("code", "first")
        )
        entries = [entry(r, mounts.get(r.code), first.get(r.code)) for r in resources]
    return {
        "格式": FORMAT_NAME,
        "格式版本": FORMAT_VERSION,
        "编制依据": BASIS,
        "导出时间": timezone.localtime(now or timezone.now()).replace(microsecond=0).isoformat(),
        "信息资源数": len(entries),
        "信息资源": entries,
    }


def to_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _xml(parent: ET.Element, key: str, value) -> None:
    if isinstance(value, list):
        for item in value:  # a list is its key repeated: <信息项>…</信息项><信息项>…</信息项>
            _xml(parent, key, item)
        return
    element = ET.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml(element, k, v)
    elif value is not None:
        element.text = str(value)


def to_xml(document: dict) -> str:
    root = ET.Element("政务信息资源目录", {"格式": FORMAT_NAME, "格式版本": FORMAT_VERSION})
    for key, value in document.items():
        if key not in ("格式", "格式版本"):
            _xml(root, key, value)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def export(*, fmt: str = "json", now=None) -> str:
    document = catalogue(now=now)
    return to_xml(document) if fmt == "xml" else to_json(document)
