"""Standard licence types the platform knows how to set up (`services.do_seed_standard_types`).

Each entry gives what the platform decides about a type: the holder kind, the face fields, the
validity rule, the numbering and the face template. The type code belongs to the defining
ministry and is given by whoever seeds (the demo derives synthetic ministry codes). Face
fields hold what the paper licence prints besides the metadata every licence has (name,
number, holder, holder code, issuer, issue date, period).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop as N_

from .enums import FaceFieldType as F
from .enums import HolderKind, NumberScheme, ValidityKind


def _f(
    key: str, label: str, kind: str = F.TEXT, *, required: bool = True, personal: bool = False, **extra
) -> dict:
    return {"key": key, "label": label, "type": kind, "required": required, "personal": personal, **extra}


@dataclass(frozen=True)
class StandardType:
    name: str
    ministry_name: str
    holder_kind: str
    face_fields: list[dict]
    validity_kind: str
    template: str
    validity_years: int | None = None
    number_prefix: str = ""
    number_scheme: str = NumberScheme.SEQUENCE

    def data(self) -> dict:
        return {
            "name": self.name,
            "ministry_name": self.ministry_name,
            "holder_kind": self.holder_kind,
            "face_fields": [dict(f) for f in self.face_fields],
            "validity_kind": self.validity_kind,
            "validity_years": self.validity_years,
            "number_scheme": self.number_scheme,
            "number_prefix": self.number_prefix,
            "template": self.template,
        }


BUSINESS_LICENCE = StandardType(
    name="营业执照",
    ministry_name="国家市场监督管理总局",
    holder_kind=HolderKind.LEGAL_PERSON,
    face_fields=[
        _f("credit_code", "统一社会信用代码", F.CREDIT_CODE),
        _f("entity_type", "类型", max_length=60),
        _f("legal_representative", "法定代表人", max_length=60),
        _f("registered_capital", "注册资本", required=False, max_length=60),
        _f("established_on", "成立日期", F.DATE),
        _f("business_term", N_("营业期限"), max_length=60),
        _f("domicile", N_("住所"), max_length=200),
        _f("business_scope", N_("经营范围"), F.TEXTAREA, max_length=4000),
    ],
    # The licence stays valid while the entity exists; its 营业期限 is a face field.
    validity_kind=ValidityKind.LONG_TERM,
    number_prefix="S",
    template="licences/faces/business_licence.html",
)

# 个体工商户的营业执照: the same paper licence, another face (《促进个体工商户发展条例》,
# 市场监管总局营业执照样式): 经营者 instead of 法定代表人, 组成形式, 经营场所 and 注册日期; no
# 注册资本 and no 营业期限. Its holder is the 个体工商户 (a 92 credit code); its 经营者 sees it
# as their own (licences.sharing).
SOLE_TRADER_LICENCE = StandardType(
    name="个体工商户营业执照",
    ministry_name="国家市场监督管理总局",
    holder_kind=HolderKind.LEGAL_PERSON,
    face_fields=[
        _f("credit_code", "统一社会信用代码", F.CREDIT_CODE),
        _f("operator", "经营者", max_length=60),
        _f("composition", "组成形式", F.CHOICE, choices=["个人经营", "家庭经营"]),
        _f("premises", "经营场所", max_length=200),
        _f("business_scope", N_("经营范围"), F.TEXTAREA, max_length=4000),
        _f("registered_on", "注册日期", F.DATE),
    ],
    validity_kind=ValidityKind.LONG_TERM,
    number_prefix="S",
    template="licences/faces/sole_trader_licence.html",
)

FOOD_BUSINESS_LICENCE = StandardType(
    name="食品经营许可证",
    ministry_name="国家市场监督管理总局",
    holder_kind=HolderKind.LEGAL_PERSON,
    face_fields=[
        _f("credit_code", "社会信用代码", F.CREDIT_CODE),
        _f("legal_representative", "法定代表人（负责人）", max_length=60),
        _f("domicile", N_("住所"), max_length=200),
        _f("premises", "经营场所", max_length=200),
        _f(
            "main_business",
            N_("主体业态"),
            F.CHOICE,
            choices=[N_("食品销售经营者"), N_("餐饮服务经营者"), N_("单位食堂")],
        ),
        _f("business_items", N_("经营项目"), F.TEXTAREA, max_length=2000),
        _f("supervisor", "日常监督管理机构", required=False, max_length=100),
        _f("complaint_phone", "投诉举报电话", required=False, max_length=20),
    ],
    validity_kind=ValidityKind.YEARS,
    validity_years=5,  # 《食品经营许可和备案管理办法》: 有效期为5年
    number_prefix="JY",
    template="licences/faces/food_business_licence.html",
)

FELLING_LICENCE = StandardType(
    name="林木采伐许可证",
    ministry_name="国家林业和草原局",
    holder_kind=HolderKind.PERSON,  # the demo's story: a villager felling on their own plot
    face_fields=[
        _f("felling_location", "采伐地点", max_length=200),
        _f("forest_category", N_("林种"), F.CHOICE, choices=[N_("商品林"), N_("公益林")]),
        _f("tree_species", N_("树种"), max_length=60),
        _f(
            "felling_method",
            N_("采伐方式"),
            F.CHOICE,
            choices=[N_("皆伐"), N_("择伐"), N_("渐伐"), N_("更新采伐"), "其他"],
        ),
        _f("felling_area", N_("采伐面积（公顷）"), F.DECIMAL),
        _f("volume", N_("采伐蓄积（立方米）"), F.DECIMAL),
        _f("timber_output", "出材量（立方米）", F.DECIMAL, required=False),
        _f("regeneration_deadline", N_("更新期限"), F.DATE),
        _f("regeneration_area", "更新面积（公顷）", F.DECIMAL, required=False),
    ],
    validity_kind=ValidityKind.GIVEN,
    validity_years=1,  # the felling period is set per licence, at most a year here
    number_prefix="LC",
    template="licences/faces/felling_licence.html",
)

WORKING_HOURS_DECISION = StandardType(
    name="特殊工时工作制审批决定书",
    ministry_name="中华人民共和国人力资源和社会保障部",
    holder_kind=HolderKind.LEGAL_PERSON,
    face_fields=[
        _f("credit_code", "统一社会信用代码", F.CREDIT_CODE),
        _f(
            "hours_system",
            "工时制度",
            F.CHOICE,
            choices=["不定时工作制", "综合计算工时工作制", "不定时工作制和综合计算工时工作制"],
        ),
        _f("posts", "实行岗位", F.TEXTAREA, max_length=2000),
        _f("headcount", "涉及人数", F.DECIMAL),
        _f("settlement_period", "综合计算周期", F.CHOICE, required=False, choices=["周", "月", "季", "年"]),
    ],
    validity_kind=ValidityKind.GIVEN,
    validity_years=3,
    number_prefix="TG",
    template="licences/faces/working_hours_decision.html",
)

MARRIAGE_CERTIFICATE = StandardType(
    name="结婚证",
    ministry_name="中华人民共和国民政部",
    holder_kind=HolderKind.PERSON,  # each spouse holds one: the holder is 持证人
    face_fields=[
        _f("registered_on", "登记日期", F.DATE),
        _f("holder_nationality", "国籍", max_length=40),
        _f("spouse_name", "配偶姓名", max_length=60, personal=True),
        _f("spouse_nationality", "配偶国籍", max_length=40),
        _f("spouse_id_number", "配偶身份证件号", F.RESIDENT_ID),
        _f("remarks", "备注", required=False, max_length=200),
    ],
    validity_kind=ValidityKind.LONG_TERM,
    number_prefix="J",
    template="licences/faces/marriage_certificate.html",
)

STANDARD_TYPES: dict[str, StandardType] = {
    t.name: t
    for t in (
        BUSINESS_LICENCE,
        SOLE_TRADER_LICENCE,
        FOOD_BUSINESS_LICENCE,
        FELLING_LICENCE,
        WORKING_HOURS_DECISION,
        MARRIAGE_CERTIFICATE,
    )
}
