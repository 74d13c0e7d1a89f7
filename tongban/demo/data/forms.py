"""Application forms (申请表) of the featured items whose result is an e-licence, and what the
demo's people fill in.

A form field named like a face field of the item's result licence type (`licences.standard`)
carries its value onto the licence issued at 办结 (出证), so a complete application needs no
typing by the officer. `enterprise_name` names the entity a 设立登记 creates; `valid_until` ends
the period of a licence whose period is set per licence (林木采伐许可证's 采伐期限).

The 个体工商户 form's keys are those of the 个体工商户 营业执照 face: `enterprise_name` (名称),
`operator` (经营者), `composition` (组成形式), `premises` (经营场所), `business_scope` (经营范围),
with `trade_name` (字号), `capital` (资金数额) and `employees` (从业人数) for the register; the
特殊工时 form's are those of 特殊工时工作制审批决定书 (`hours_system`, `posts`, `headcount`,
`settlement_period`).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

from tongban.cases.formschema import DEFAULT_SCHEMA

# The default form's two sections: who applies, and what for.
APPLICANT, REQUEST = DEFAULT_SCHEMA["sections"]


def _field(name: str, label: str, kind: str = "text", *, required: bool = True, **extra) -> dict:
    return {"name": name, "label": label, "type": kind, "required": required, **extra}


ESTABLISHMENT = {
    "title": N_("拟设立企业（营业执照登记事项）"),
    "fields": [
        _field("enterprise_name", N_("企业名称")),
        _field(
            "entity_type",
            N_("企业类型"),
            "select",
            choices=[
                N_("有限责任公司（自然人独资）"),
                N_("有限责任公司（自然人投资或控股）"),
                N_("其他有限责任公司"),
            ],
        ),
        _field("legal_representative", "法定代表人", prefill="person_name"),
        _field("registered_capital", N_("注册资本（如：50万元人民币）"), required=False),
        _field(
            "business_term", N_("营业期限"), "select", choices=["长期", N_("10年"), N_("20年"), N_("30年")]
        ),
        _field("domicile", N_("住所")),
        _field("business_scope", N_("经营范围"), "textarea"),
    ],
}
FOOD_BUSINESS = {
    "title": N_("食品经营许可事项"),
    "fields": [
        _field("domicile", N_("住所")),
        _field("premises", "经营场所"),
        _field(
            "main_business",
            N_("主体业态"),
            "select",
            choices=[N_("食品销售经营者"), N_("餐饮服务经营者"), N_("单位食堂")],
        ),
        _field("business_items", N_("经营项目"), "textarea"),
    ],
}
FELLING = {
    "title": N_("采伐申请事项"),
    "fields": [
        _field("felling_location", N_("采伐地点（乡镇、村、小班）")),
        _field("forest_category", N_("林种"), "select", choices=[N_("商品林"), N_("公益林")]),
        _field("tree_species", N_("树种")),
        _field(
            "felling_method",
            N_("采伐方式"),
            "select",
            choices=[N_("皆伐"), N_("择伐"), N_("渐伐"), N_("更新采伐"), "其他"],
        ),
        _field("felling_area", N_("采伐面积（公顷）"), "number", min=0.01, max=100),
        _field("volume", N_("采伐蓄积（立方米）"), "number", min=0.1, max=10000),
        _field("regeneration_deadline", N_("更新期限"), "date"),
        _field("valid_until", N_("采伐期限至"), "date"),
    ],
}

SOLE_TRADER = {
    "title": "个体工商户登记事项",
    "fields": [
        _field(
            "enterprise_name",
            "名称",
            required=False,
            help="不起名称的可不填；名称依次由行政区划、字号、行业、组织形式组成，如“南漳县李庙镇全记百货店”",
        ),
        _field("trade_name", "字号", required=False),
        _field("operator", "经营者", prefill="person_name"),
        _field("composition", "组成形式", "select", choices=["个人经营", "家庭经营"]),
        _field("premises", "经营场所"),
        _field("business_scope", N_("经营范围"), "textarea"),
        _field("capital", "资金数额（万元）", "number", min=0, max=100000),
        _field("employees", "从业人数", "number", min=1, max=1000),
    ],
}
FAMILY = {
    "title": "参加经营的家庭成员",
    "when": {"field": "composition", "equals": "家庭经营"},
    "fields": [_field("family_members", "家庭成员姓名及与经营者关系", "textarea")],
}
WORKING_HOURS = {
    "title": "特殊工时工作制申请事项",
    "fields": [
        _field(
            "hours_system",
            "工时制度",
            "select",
            choices=["不定时工作制", "综合计算工时工作制", "不定时工作制和综合计算工时工作制"],
        ),
        _field("posts", "实行岗位", "textarea"),
        _field("headcount", "涉及人数", "number", min=1, max=100000),
        _field(
            "settlement_period", "综合计算周期", "select", required=False, choices=["周", "月", "季", "年"]
        ),
        _field("rest_arrangement", "职工休息休假保障措施", "textarea"),
    ],
}

# basic item name -> (the form, what the demo's applicant fills in besides name and contact)
FORMS: dict[str, tuple[dict, dict]] = {
    "内资有限责任公司设立登记": (
        {"sections": [APPLICANT, ESTABLISHMENT, REQUEST]},
        {
            "enterprise_name": "武汉芳华餐饮管理有限公司",
            "entity_type": N_("有限责任公司（自然人独资）"),
            "registered_capital": "50万元人民币",
            "business_term": "长期",
            "domicile": "武汉市江夏区纸坊街文化大道99号",
            "business_scope": "餐饮管理；食品销售（仅销售预包装食品）；外卖递送服务。"
            "（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
        },
    ),
    "食品经营许可": (
        {"sections": [APPLICANT, FOOD_BUSINESS, REQUEST]},
        {
            "domicile": "武汉市江夏区纸坊街文化大道99号",
            "premises": "武汉市江汉区解放大道688号1层",
            "main_business": N_("食品销售经营者"),
            "business_items": "预包装食品（含冷藏冷冻食品）销售",
        },
    ),
    "个体工商户设立登记": (
        {"sections": [APPLICANT, SOLE_TRADER, FAMILY]},
        {
            "enterprise_name": "南漳县李庙镇全记百货店",
            "trade_name": "全记",
            "composition": "个人经营",
            "premises": "襄阳市南漳县李庙镇赵店村二组18号",
            "business_scope": "日用百货、预包装食品零售；农副产品收购。",
            "capital": "5",
            "employees": "2",
        },
    ),
    "企业实行不定时工作制和综合计算工时工作制审批": (
        {"sections": [APPLICANT, WORKING_HOURS]},
        {
            "hours_system": "综合计算工时工作制",
            "posts": "长途运输驾驶员、押运员",
            "headcount": "36",
            "settlement_period": "月",
            "rest_arrangement": "按月综合计算，平均日和周工作时间不超过法定标准；轮休补休，延长工作时间依法支付报酬。",
        },
    ),
    "林木采伐许可证核发": (
        {"sections": [APPLICANT, FELLING, REQUEST]},
        {
            "felling_location": "恩施市白杨坪镇洞下槽村3林班12小班",
            "forest_category": N_("商品林"),
            "tree_species": "杉木",
            "felling_method": N_("择伐"),
            "felling_area": "0.4",
            "volume": "18.5",
            "regeneration_deadline": "2027-12-31",
            "valid_until": "2027-03-31",
        },
    ),
}


# basic item name -> the region (a prefix of its code) of the featured implementation with the form
WHERE = {
    "内资有限责任公司设立登记": "420115",
    "食品经营许可": "420103",
    "林木采伐许可证核发": "422801",
    "企业实行不定时工作制和综合计算工时工作制审批": "420102",
    "个体工商户设立登记": "420624103",  # 李庙镇, not the county's
}


def filled(basic_name: str, *, applicant_name: str, person_name: str, phone: str, request: str) -> dict:
    """What `person_name` submits on the item's form for `applicant_name` (themselves or the
    enterprise they act for); the default form's fields when the item has no form here."""
    data = {
        "applicant_name": applicant_name,
        "contact_name": person_name,
        "contact_phone": phone,
        "request": request,
    }
    form, sample = FORMS.get(basic_name, ({"sections": []}, {}))
    data.update(sample)
    names = {f["name"] for s in form["sections"] for f in s["fields"]}
    for key in ("legal_representative", "operator"):
        if key in names:
            data[key] = person_name
    return data
