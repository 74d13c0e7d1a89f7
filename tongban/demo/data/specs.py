"""The shape of a basic item's demo data (基本目录事项 + how it is implemented).

A `Spec` is one basic item (name, type, legal basis, service objects, topics, popularity)
plus what its implementations share: where it is implemented, time limits, materials,
handling items, result. `tongban.demo.guides` turns a spec into a complete guide for one
department in one region.

Basic codes (基本编码) are 42 (Hubei) + item type (2) + main item (5) + sub-item (3). Each
sector owns a block of main numbers (`Sector.base` * 100 + n), so codes never collide.
"""

from __future__ import annotations

from dataclasses import dataclass

# Where an item is implemented: P 省级, C 市级, X 县级, T 乡镇（街道）级.
LEVEL_OF = {"P": "2", "C": "3", "X": "4", "T": "5"}

# Service objects (服务对象) by shorthand letter string: "12" = 自然人 + 企业法人.
OBJECT_NAMES = {
    "1": "自然人",
    "2": "企业法人",
    "3": "事业法人",
    "4": "社会组织法人",
    "5": "行政机关",
    "6": "其他组织",
}


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    sector: str
    where: str  # letters of LEVEL_OF
    basis: str  # 设定依据
    objects: str = "1"
    topics: tuple[str, ...] = ()
    hot: int = 0
    limits: tuple[int, int] | None = None  # (statutory, promised); None: the item type's default
    unit: str = "workday"  # unit of the statutory limit
    promised_unit: str = ""  # unit of the promised limit; "" = the statutory unit
    mode: str = ""  # full / once / window / twice / inspect / query; "" = the item type's default
    materials: tuple[str, ...] = ()  # material entries (see data.materials)
    handling: tuple[str, ...] = ()  # "kind" or "kind:label" (kind: new/change/renewal/cancel/other)
    result: str = ""  # 审批结果名称
    conditions: str = ""  # 受理条件
    description: str = ""  # 事项说明
    fee: str = ""  # key of guides.FEES
    nearby: bool = False  # 就近办 even above township level
    coverage: float = 0.25  # share of counties (or cities) that implement it
    alias: str = ""  # a local name some implementers use (四级四同 divergence)
    visit_reason: str = ""  # why a visit is needed when the mode has one
    approval: bool | None = None  # handled by a 行政审批局 where one exists (default: licences)
    faqs: tuple[tuple[str, str], ...] = ()

    @property
    def item_type(self) -> str:
        return self.code[2:4]

    @property
    def level(self) -> str:
        """The basic item's 行使层级: one level, or 7 (分级管理) when implemented at several."""
        levels = {LEVEL_OF[c] for c in self.where}
        return levels.pop() if len(levels) == 1 else "7"

    @property
    def by_approval_bureau(self) -> bool:
        if self.approval is not None:
            return self.approval
        return self.item_type == "01" and self.sector not in ("police", "tax", "fund", "exam")


class Sector:
    """Collects the specs of one sector, numbering their basic codes."""

    def __init__(self, key: str, base: int, into: list[Spec]):
        self.key = key
        self.base = base
        self.into = into

    def add(self, item_type: str, n: int, name: str, *, where: str, basis: str, sub: int = 0, **kw) -> Spec:
        code = f"42{item_type}{self.base * 100 + n:05d}{sub:03d}"
        spec = Spec(code=code, name=name, sector=self.key, where=where, basis=basis, **kw)
        self.into.append(spec)
        return spec
