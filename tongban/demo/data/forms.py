"""Application forms (申请表) of the featured items whose result is an e-licence, and what the
demo's people fill in.

A form field named like a face field of the item's result licence type (`licences.standard`)
carries its value onto the licence issued at 办结 (出证), so a complete application needs no
typing by the officer. `enterprise_name` names the entity a 设立登记 creates; `valid_until` ends
the period of a licence whose period is set per licence (林木采伐许可证's 采伐期限).
"""

from __future__ import annotations

from tongban.cases.formschema import DEFAULT_SCHEMA

# The default form's two sections: who applies, and what for.
APPLICANT, REQUEST = DEFAULT_SCHEMA["sections"]


def _field(name: str, label: str, kind: str = "text", *, required: bool = True, **extra) -> dict:
    return {"name": name, "label": label, "type": kind, "required": required, **extra}


ESTABLISHMENT = {
    "title": "拟设立企业（营业执照登记事项）",
    "fields": [
        _field("enterprise_name", "企业名称"),
        _field(
            "entity_type",
            "企业类型",
            "select",
            choices=["有限责任公司（自然人独资）", "有限责任公司（自然人投资或控股）", "其他有限责任公司"],
        ),
        _field("legal_representative", "法定代表人", prefill="person_name"),
        _field("registered_capital", "注册资本（如：50万元人民币）", required=False),
        _field("business_term", "营业期限", "select", choices=["长期", "10年", "20年", "30年"]),
        _field("domicile", "住所"),
        _field("business_scope", "经营范围", "textarea"),
    ],
}
FOOD_BUSINESS = {
    "title": "食品经营许可事项",
    "fields": [
        _field("domicile", "住所"),
        _field("premises", "经营场所"),
        _field(
            "main_business", "主体业态", "select", choices=["食品销售经营者", "餐饮服务经营者", "单位食堂"]
        ),
        _field("business_items", "经营项目", "textarea"),
    ],
}
FELLING = {
    "title": "采伐申请事项",
    "fields": [
        _field("felling_location", "采伐地点（乡镇、村、小班）"),
        _field("forest_category", "林种", "select", choices=["商品林", "公益林"]),
        _field("tree_species", "树种"),
        _field("felling_method", "采伐方式", "select", choices=["皆伐", "择伐", "渐伐", "更新采伐", "其他"]),
        _field("felling_area", "采伐面积（公顷）", "number", min=0.01, max=100),
        _field("volume", "采伐蓄积（立方米）", "number", min=0.1, max=10000),
        _field("regeneration_deadline", "更新期限", "date"),
        _field("valid_until", "采伐期限至", "date"),
    ],
}

# basic item name -> (the form, what the demo's applicant fills in besides name and contact)
FORMS: dict[str, tuple[dict, dict]] = {
    "内资有限责任公司设立登记": (
        {"sections": [APPLICANT, ESTABLISHMENT, REQUEST]},
        {
            "enterprise_name": "武汉芳华餐饮管理有限公司",
            "entity_type": "有限责任公司（自然人独资）",
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
            "main_business": "食品销售经营者",
            "business_items": "预包装食品（含冷藏冷冻食品）销售",
        },
    ),
    "林木采伐许可证核发": (
        {"sections": [APPLICANT, FELLING, REQUEST]},
        {
            "felling_location": "恩施市白杨坪镇洞下槽村3林班12小班",
            "forest_category": "商品林",
            "tree_species": "杉木",
            "felling_method": "择伐",
            "felling_area": "0.4",
            "volume": "18.5",
            "regeneration_deadline": "2027-12-31",
            "valid_until": "2027-03-31",
        },
    ),
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
    if any(f["name"] == "legal_representative" for s in form["sections"] for f in s["fields"]):
        data["legal_representative"] = person_name
    return data
