"""The six base registers (基础库) in the catalogue, mounted over what the platform holds.

人口, 法人, 电子证照 and 社会信用 are data services: the gateway's handlers (common.md's fixed
names) answer them from accounts' population and legal-person registers, the licence library and
`CreditRecord`. A resource's `fields[].key` are the keys its handler returns (the projection
keys). `licence.holdings` answers a list, one item per licence with ZZ-001's keys (type_code,
type_name, number, issuer_name, valid_from, valid_until, state): a grant's fields project each item.

空间地理 and 宏观经济 are file resources: two small files kept in `files/`, made from the
administrative divisions the project ships (`tongban/core/data/regions/hubei.csv`, GB/T 2260 as
tracked by the sources its README names): the regions with their parents as GeoJSON features
(no geometry: the project carries no boundaries), and the number of county-level divisions of
each prefecture-level unit as CSV. `build_files()` remakes them; a test checks they match.

`ensure_registers(actor=, providers=)` is idempotent: it creates and publishes a missing entry,
publishes a new version when the spec here changed, mounts what is not mounted, and otherwise
writes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation

from . import catalogue
from .enums import (
    BaseRegister,
    EntryState,
    MountKind,
    OpenType,
    ResourceClass,
    ResourceFormat,
    ShareType,
    UpdateFrequency,
)
from .models import Mount, Resource

SHARING_RULES = "《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条"
PERSONAL_BASIS = "《中华人民共和国个人信息保护法》第三十四条；" + SHARING_RULES
LICENCE_BASIS = "《国务院关于在线政务服务的若干规定》（国务院令第716号）第十条；" + SHARING_RULES
CREDIT_BASIS = "《社会信用体系建设规划纲要（2014—2020年）》（国发〔2014〕21号）；" + SHARING_RULES
GEO_FILE = "hubei-regions.geojson"
ECONOMY_FILE = "hubei-division-counts.csv"


def F(key, name, type_, sensitivity, length=None, description=""):
    out = {"key": key, "name": name, "type": type_, "sensitivity": sensitivity}
    if length:
        out["length"] = length
    if description:
        out["description"] = description
    return out


@dataclass(frozen=True)
class RegisterSpec:
    code: str
    register: str  # BaseRegister
    name: str
    summary: str
    fields: list
    share_type: str
    share_basis: str = ""
    share_condition: str = ""
    open_type: str = OpenType.CLOSED
    format: str = ResourceFormat.SERVICE
    update_frequency: str = UpdateFrequency.REALTIME
    mount_kind: str = MountKind.SERVICE
    target: str = ""
    keywords: list = field(default_factory=list)

    def values(self) -> dict:
        return {
            "name": self.name,
            "summary": self.summary,
            "resource_class": ResourceClass.BASE,
            "base_register": self.register,
            "subject": register_name(self.register),
            "format": self.format,
            "fields": self.fields,
            "share_type": self.share_type,
            "share_condition": self.share_condition,
            "share_basis": self.share_basis,
            "open_type": self.open_type,
            "open_condition": "",
            "update_frequency": self.update_frequency,
            "keywords": self.keywords,
        }


def register_name(register: str) -> str:
    """The register's Chinese name whatever the active language (it is catalogue data)."""
    with translation.override("zh-hans"):
        return str(BaseRegister(register).label)


CONDITION = "用于法定职责范围内的政务服务和监管，按授权信息项、用途和调用频率使用"

REGISTERS: tuple[RegisterSpec, ...] = (
    RegisterSpec(
        code="RK-001",
        register=BaseRegister.POPULATION,
        name="人口基础信息查询",
        summary="按公民身份号码查询人口基础信息：姓名、性别、出生日期、出生地。",
        fields=[
            F("name", "姓名", "C", "personal", 60),
            F("sex", "性别", "C", "personal", 1, "GB/T 2261.1：1 男，2 女"),
            F("birth_date", "出生日期", "D", "personal"),
            F("birthplace", "出生地", "C", "personal", 12, "行政区划代码"),
        ],
        share_type=ShareType.CONDITIONAL,
        share_basis=PERSONAL_BASIS,
        share_condition=CONDITION,
        target="population.person",
        keywords=["人口", "身份"],
    ),
    RegisterSpec(
        code="RK-002",
        register=BaseRegister.POPULATION,
        name="居民身份核查比对",
        summary="核查姓名与公民身份号码是否一致，只答“是”或“否”，不返回个人信息。",
        fields=[F("match", "姓名与身份号码一致", "L", "internal")],
        share_type=ShareType.CONDITIONAL,
        share_basis=PERSONAL_BASIS,
        share_condition="用于办事人身份核验",
        target="population.verify",
        keywords=["核查比对", "实名核验"],
    ),
    RegisterSpec(
        code="FR-001",
        register=BaseRegister.LEGAL_PERSON,
        name="法人基础信息查询",
        summary="按统一社会信用代码查询法人基础信息：名称、类型、法定代表人、住所地区划、成立日期、登记状态。",
        fields=[
            F("name", "名称", "C", "public", 200),
            F("kind", "法人类型", "C", "public", 20),
            F("legal_rep_name", "法定代表人（负责人）姓名", "C", "personal", 60),
            F("region_code", "住所所在地行政区划", "C", "public", 12),
            F("established", "成立日期", "D", "public"),
            F("status", "登记状态", "C", "public", 20),
        ],
        share_type=ShareType.CONDITIONAL,
        share_basis="《企业信息公示暂行条例》（国务院令第654号）；" + PERSONAL_BASIS,
        share_condition=CONDITION,
        target="legal_person.entity",
        keywords=["法人", "企业", "统一社会信用代码"],
    ),
    RegisterSpec(
        code="FR-002",
        register=BaseRegister.LEGAL_PERSON,
        name="企业登记状态核查",
        summary="核查统一社会信用代码对应的法人是否存在及其登记状态。",
        fields=[
            F("exists", "法人存在", "L", "public"),
            F("status", "登记状态", "C", "public", 20),
        ],
        share_type=ShareType.UNCONDITIONAL,
        target="legal_person.verify_status",
        keywords=["核查比对", "企业状态"],
    ),
    RegisterSpec(
        code="ZZ-001",
        register=BaseRegister.LICENCE,
        name="电子证照持证信息查询",
        summary="按持证主体代码查询其持有的电子证照：证照类型、名称、编号、颁发机构、有效期和状态（每本证照一条）。",
        fields=[
            F("type_code", "证照类型代码", "C", "public", 21),
            F("type_name", "证照类型名称", "C", "public", 100),
            F("number", "证照编号", "C", "internal", 60),
            F("issuer_name", "颁发机构", "C", "public", 100),
            F("valid_from", "有效期起始", "D", "public"),
            F("valid_until", "有效期截止", "D", "public", description="空为长期有效"),
            F("state", "证照状态", "C", "public", 12),
        ],
        share_type=ShareType.CONDITIONAL,
        share_basis=LICENCE_BASIS,
        share_condition="用于办件中以电子证照代替纸质材料（免提交）",
        target="licence.holdings",
        keywords=["电子证照", "免提交"],
    ),
    RegisterSpec(
        code="ZZ-002",
        register=BaseRegister.LICENCE,
        name="持有有效证照核查",
        summary="核查持证主体是否持有某类型的有效电子证照（参数 type_code），只答“是”或“否”。",
        fields=[F("holds", "持有有效证照", "L", "internal")],
        share_type=ShareType.UNCONDITIONAL,
        target="licence.verify_holds",
        keywords=["核查比对", "电子证照"],
    ),
    RegisterSpec(
        code="XY-001",
        register=BaseRegister.CREDIT,
        name="法人公共信用信息查询",
        summary="按统一社会信用代码查询公共信用综合评价等级和守信、失信记录。",
        fields=[
            F("name", "名称", "C", "public", 200),
            F("level", "信用等级", "C", "internal", 2, "A、B、C、D"),
            F("evaluated_on", "评价日期", "D", "internal"),
            F(
                "entries",
                "守信和失信记录",
                "M",
                "internal",
                description="种类、事由、认定机关、认定日期、有效期",
            ),
        ],
        share_type=ShareType.CONDITIONAL,
        share_basis=CREDIT_BASIS,
        share_condition="用于行政许可、监管和公共资源交易中的信用审查",
        update_frequency=UpdateFrequency.DAILY,
        target="credit.record",
        keywords=["信用", "失信", "联合惩戒"],
    ),
    RegisterSpec(
        code="KJ-001",
        register=BaseRegister.GEOSPATIAL,
        name="湖北省行政区划",
        summary="湖北省省、市、县三级行政区划代码、名称和上级区划（GeoJSON 要素，不含边界几何）。"
        "来源：民政部行政区划代码（GB/T 2260）。",
        fields=[
            F("code", "行政区划代码", "C", "public", 6),
            F("name", "名称", "C", "public", 60),
            F("level", "层级", "C", "public", 10),
            F("parent_code", "上级区划代码", "C", "public", 6),
        ],
        share_type=ShareType.UNCONDITIONAL,
        open_type=OpenType.OPEN,
        format=ResourceFormat.SELF_DESCRIBING,
        update_frequency=UpdateFrequency.YEARLY,
        mount_kind=MountKind.FILE,
        target=GEO_FILE,
        keywords=["行政区划", "空间地理"],
    ),
    RegisterSpec(
        code="HG-001",
        register=BaseRegister.ECONOMY,
        name="湖北省各市州县级区划数",
        summary="湖北省各市（州）及省直管单位下辖县级行政区划数量。来源：民政部行政区划代码（GB/T 2260）。",
        fields=[
            F("code", "行政区划代码", "C", "public", 6),
            F("name", "市州名称", "C", "public", 60),
            F("county_divisions", "县级区划数", "N", "public", 4),
        ],
        share_type=ShareType.UNCONDITIONAL,
        open_type=OpenType.OPEN,
        format=ResourceFormat.SPREADSHEET,
        update_frequency=UpdateFrequency.YEARLY,
        mount_kind=MountKind.FILE,
        target=ECONOMY_FILE,
        keywords=["统计", "宏观经济"],
    ),
)
CODES = tuple(spec.code for spec in REGISTERS)


def spec(code: str) -> RegisterSpec:
    return next(s for s in REGISTERS if s.code == code)


# --- The two files -------------------------------------------------------------------------------


def _regions() -> list[dict]:
    path = Path(settings.REFERENCE_DATA_DIR) / "regions" / "hubei.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build_files() -> dict[str, str]:
    """The two files' text, from the region list the project ships."""
    rows = _regions()
    features = [
        {
            "type": "Feature",
            "id": r["code"],
            "geometry": None,
            "properties": {
                "code": r["code"],
                "name": r["name"],
                "level": r["level"],
                "parent_code": r["parent_code"],
            },
        }
        for r in rows
    ]
    geo = {
        "type": "FeatureCollection",
        "name": "湖北省行政区划",
        "source": "民政部行政区划代码（GB/T 2260），见 tongban/core/data/regions/README.md",
        "features": features,
    }
    counts: dict[str, int] = {}
    for r in rows:
        if r["level"] == "county":
            counts[r["parent_code"]] = counts.get(r["parent_code"], 0) + 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "county_divisions"])
    for r in rows:
        if r["level"] == "city":
            writer.writerow([r["code"], r["name"], counts.get(r["code"], 0)])
    return {
        GEO_FILE: json.dumps(geo, ensure_ascii=False, indent=1) + "\n",
        ECONOMY_FILE: out.getvalue(),
    }


def write_files(directory: Path | None = None) -> None:
    directory = directory or catalogue.FILE_STORE
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in build_files().items():
        (directory / name).write_text(text, encoding="utf-8")


# --- Ensuring the registers ----------------------------------------------------------------------


def _provider_id(providers: dict, register: str) -> int:
    dept = providers.get(register) or providers.get(BaseRegister(register))
    if dept is None:
        raise KeyError(f"no provider department for the {register} register")
    return dept if isinstance(dept, int) else dept.pk


def ensure_registers(*, actor, providers: dict) -> dict[str, int]:
    """Catalogue and mount the six registers. `providers` maps each BaseRegister value to its
    provider department (or its id). Returns what was written: {"created", "revised",
    "mounted"}; all zero on a second run."""
    wrote = {"created": 0, "revised": 0, "mounted": 0}
    with transaction.atomic():
        for s in REGISTERS:
            values = s.values()
            current = Resource.objects.filter(code=s.code, is_current=True).first()
            if current is None:
                if not Resource.objects.filter(code=s.code).exists():
                    catalogue.do_create_entry(
                        actor=actor,
                        provider_id=_provider_id(providers, s.register),
                        code=s.code,
                        values={**values, "change_note": "基础库编目"},
                    )
                else:
                    catalogue.do_edit_entry(actor=actor, code=s.code, values=values)
                catalogue.do_publish_entry(actor=actor, code=s.code)
                wrote["created"] += 1
            elif current.state != EntryState.RETIRED and any(
                getattr(current, k) != v for k, v in values.items()
            ):
                catalogue.do_edit_entry(
                    actor=actor, code=s.code, values={**values, "change_note": "基础库编目更新"}
                )
                catalogue.do_publish_entry(actor=actor, code=s.code)
                wrote["revised"] += 1
            mount = Mount.objects.filter(code=s.code).first()
            retired = current is not None and current.state == EntryState.RETIRED
            # A mount an administrator suspended or unmounted stays so; a changed target remounts.
            if not retired and (mount is None or (mount.kind, mount.target) != (s.mount_kind, s.target)):
                catalogue.do_mount(actor=actor, code=s.code, kind=s.mount_kind, target=s.target)
                wrote["mounted"] += 1
    return wrote
