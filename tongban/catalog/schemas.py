"""API shapes of the catalogue."""

from __future__ import annotations

from ninja import Schema


class ItemSummary(Schema):
    code: str
    name: str
    item_type: str
    item_type_name: str
    department: str
    department_code: str
    region: str
    region_name: str
    case_type: str
    promised_limit: int
    promised_unit: str
    visits: int
    is_online: bool
    fully_online: bool
    version: int
    exempt_materials: int  # materials the e-licence library supplies (免提交)


class ItemPage(Schema):
    count: int
    count_exact: bool = True  # False: `count` is an estimate (a very common word)
    page: int
    page_size: int
    items: list[ItemSummary]


class MaterialOut(Schema):
    name: str
    source: str
    source_name: str
    originals: int
    copies: int
    medium: str
    requirement: str
    requirement_name: str
    license_type_code: str
    license_type_name: str
    spec: str
    note: str
    exempt: bool  # its licence type is in the e-licence library: need not be submitted (免提交)


class HandlingItemOut(Schema):
    code: str
    name: str
    kind: str


class CodeName(Schema):
    code: str
    name: str


class Guide(Schema):
    """The whole service guide (办事指南) with every GB/T 39046 element."""

    code: str
    version: int
    published_at: str | None
    basic_code: str
    name: str
    item_type: CodeName
    level: CodeName
    department: str
    department_code: str
    region: str
    region_name: str
    service_objects: list[CodeName]
    description: str
    legal_basis: str
    conditions: str
    statutory_limit: int
    statutory_unit: str
    promised_limit: int
    promised_unit: str
    limit_note: str
    case_type: CodeName
    charged: bool
    fees: list[dict]
    fee_basis: str
    visits: int
    visit_reason: str
    handling_forms: list[CodeName]
    online_depth: list[CodeName]
    fully_online: bool
    nearby: bool
    delivery_methods: list[CodeName]
    steps: list[dict]
    places: list[dict]
    consult_phone: str
    complaint_phone: str
    faqs: list[dict]
    result_name: str
    result_license_type_code: str  # GB/T 36904 type issued when a case ends with a licence (出证)
    result_sample: str
    materials: list[MaterialOut]
    exempt_materials: int  # how many materials the e-licence library supplies (免提交)
    handling_items: list[HandlingItemOut]
    is_online: bool
    at_most_once: bool
    zero_visit: bool


class Indicators(Schema):
    total: int
    online: int
    fully_online: int
    at_most_once: int
    zero_visit: int
    immediate: int
    nearby: int
    online_rate: float
    fully_online_rate: float
    at_most_once_rate: float
    zero_visit_rate: float


class RegionIndicators(Schema):
    region: str
    region_name: str
    indicators: Indicators


class Divergence(Schema):
    code: str
    name: str
    department: str
    basic_code: str
    basic_name: str | None
    fields: list[str]


class DepartmentIndicators(Schema):
    department_id: int
    department: str
    indicators: Indicators


class VisitRow(Schema):
    code: str
    name: str
    department: str
    visits: int
    visit_reason: str
