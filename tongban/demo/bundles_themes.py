"""The demo's one-thing themes (一件事主题) at 江夏, through `bundles.services` only.

Four themes of 武汉市江夏区 (the demo's story district), over real implementation items of the
demo catalogue (江夏's own where it implements the item, else 武汉市's, else the province's):

1. 企业开办 (enterprise, promised in 1 working day): 设立登记 (营业执照) → 印章刻制备案, 企业社会保险
   登记, 新办纳税人涉税信息确认, 发票领用 and 住房公积金单位缴存登记, each requiring the 营业执照.
2. 新生儿出生 (person): 出生医学证明 → 出生登记（新生儿落户） → 城乡居民医保参保登记 and 社会保障卡
   申领; a questionnaire: parents both registered in this city? When not, the 异地 item
   (新生儿户籍地协查) applies as well.
3. 个人不动产登记 (person): 转移登记 and 契税申报缴纳; 供水、供电、燃气 过户 require the 不动产权证书;
   有线电视过户 when the questionnaire says so.
4. 适龄儿童入学 (person): 义务教育新生入学登记, and 居住证核发 when the child's 户籍 is elsewhere.

Items the demo catalogue lacks (企业社会保险登记, 涉税信息确认, the utilities' transfers, 新生儿户籍地
协查, 入学登记) are added through the catalogue services as basic items with one implementation
each (`demo.guides` builds their guides, as for every demo item). The result licence types the
dependencies need (出生医学证明, 居民户口簿, 不动产权证书) are set on the producing items with
`catalog.services.do_set_result_licence_type`; the 营业执照 type is the licences step's.

Idempotent: a theme already published is left alone; a second run writes nothing (False).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.utils.translation import gettext_noop as N_

from tongban.bundles import queries as bundle_queries
from tongban.bundles import services as bundle_services
from tongban.catalog import queries as catalog_queries
from tongban.catalog import services as catalog_services

from . import guides
from .data import materials
from .data.catalogue import spec_by_name
from .data.specs import Spec

ACTOR = "system:seed"
REGION = "420115000000"  # 武汉市江夏区
UNIT_ORDER = ("420115000000", "420100000000", "420000000000")  # 江夏, 武汉市, 湖北省

# Basic items the demo catalogue lacks: (spec, sectors to try for the implementing department).
NEW_SPECS: dict[str, tuple[Spec, tuple[str, ...]]] = {
    s.name: (s, sectors)
    for s, sectors in (
        (
            Spec(
                code="420799001000",
                name="企业社会保险登记",
                sector="hrss",
                where="CX",
                basis="《中华人民共和国社会保险法》第五十七条",
                objects="2",
                limits=(15, 1),
                materials=("营业执照", "法定代表人身份证"),
                result="社会保险登记信息",
                description="用人单位自成立之日起三十日内申请办理社会保险登记；企业开办时可与设立登记一并办理。",
            ),
            ("hrss",),
        ),
        (
            Spec(
                code="420799002000",
                name="新办纳税人涉税信息确认",
                sector="tax",
                where="PC",
                basis="《中华人民共和国税收征收管理法》第十五条",
                objects="2",
                limits=(1, 0),
                materials=("营业执照", "经办人身份证"),
                result="涉税信息确认结果（税务登记信息）",
                description="实行“多证合一”后，新办企业首次办理涉税事项时确认登记信息，即时办结。",
            ),
            ("tax",),
        ),
        (
            Spec(
                code="420799003000",
                name="新生儿户籍地协查（异地）",
                sector="police",
                where="CX",
                basis="《中华人民共和国户口登记条例》第七条；户籍业务“跨省通办”有关规定",
                objects="1",
                limits=(10, 5),
                materials=("出生医学证明", "父母双方居民身份证", "户口簿"),
                result="户籍地协查意见",
                description="父母一方或双方户籍不在本市的，由本地公安机关向户籍地公安机关发起协查，无需申请人往返。",
            ),
            ("police",),
        ),
        (
            Spec(
                code="422099004000",
                name="供水过户",
                sector="housing",
                where="CX",
                basis="《城市供水条例》第二十七条",
                objects="12",
                limits=(3, 1),
                materials=("身份证", "不动产权证书"),
                result="供水户名变更结果",
            ),
            ("housing", "water", "land"),
        ),
        (
            Spec(
                code="422099005000",
                name="供电过户",
                sector="housing",
                where="CX",
                basis="《电力供应与使用条例》第三十条",
                objects="12",
                limits=(3, 1),
                materials=("身份证", "不动产权证书"),
                result="供电户名变更结果",
            ),
            ("housing", "water", "land"),
        ),
        (
            Spec(
                code="422099006000",
                name="燃气过户",
                sector="housing",
                where="CX",
                basis="《城镇燃气管理条例》第十七条",
                objects="12",
                limits=(3, 1),
                materials=("身份证", "不动产权证书"),
                result="燃气户名变更结果",
            ),
            ("housing", "water", "land"),
        ),
        (
            Spec(
                code="422099007000",
                name="有线电视过户",
                sector="culture",
                where="CX",
                basis="《广播电视管理条例》第三十八条",
                objects="12",
                limits=(3, 1),
                materials=("身份证", "不动产权证书"),
                result="有线电视户名变更结果",
            ),
            ("culture", "housing", "land"),
        ),
        (
            Spec(
                code="422099008000",
                name="义务教育阶段新生入学登记",
                sector="education",
                where="CX",
                basis="《中华人民共和国义务教育法》第十二条",
                objects="1",
                limits=(20, 10),
                materials=("身份证", "户口簿", "?居住证明"),
                result="新生入学登记结果",
                description="适龄儿童由法定监护人网上登记入学信息，教育部门按学区划分安排入学。",
            ),
            ("education", "civil", "police"),
        ),
    )
}


def _units():
    from .services import load_units

    return {u.code: u for u in load_units() if u.code in UNIT_ORDER}


def _current(code: str):
    return catalog_queries.current_items().filter(code=code).first()


def _member_item(name: str, units: dict, say: Callable[[str], None]) -> tuple[object, bool]:
    """The current item of this basic item at 江夏, 武汉市 or the province; created at the first
    of them with a suitable department when the demo has none. Returns (item, created)."""
    from .services import LEVEL_BY_REGION, implementer_for

    if name in NEW_SPECS:
        spec, sectors = NEW_SPECS[name]
    else:
        spec, sectors = spec_by_name()[name], ()
    for code in UNIT_ORDER:
        unit = units.get(code)
        found = implementer_for(spec, unit) if unit else None
        if found:
            item = _current(guides.implementation_code(found[0].department, found[0].level, spec.code))
            if item is not None:
                return item, False
    # Not in the catalogue here: add it (the basic item first, when it is new).
    if catalog_queries.basic_item_for(spec.code) is None:
        from .services import basic_item_data

        catalog_services.do_create_basic_item(actor=ACTOR, data=basic_item_data(spec), publish=True)
    for code in UNIT_ORDER:
        unit = units.get(code)
        for sector in sectors or (spec.sector,):
            dept = unit.depts.get(sector) if unit else None
            if dept is None:
                continue
            imp = guides.Implementer(
                department=dept,
                region_code=unit.code,
                region_name=unit.name,
                level=LEVEL_BY_REGION[unit.level],
                hall=unit.hall,
                weight=1.0,
            )
            bundle = guides.build_bundle(spec, imp, random.Random(f"bundles:{spec.code}"), sector=sector)
            catalog_services.do_import_items(actor=ACTOR, bundles=[bundle], publish=True)
            say(f"  catalogue: {spec.name} at {dept.name}")
            return _current(bundle.data["code"]), True
    raise LookupError(f"no department in 江夏, 武汉市 or the province implements {name}")


def _licence(name: str) -> str:
    return materials.license_type(name)[0]


def _issues(item, licence: str) -> bool:
    """Make `item` issue this licence type (configuration, no new version); True when set now."""
    if item.result_license_type_code == licence:
        return False
    catalog_services.do_set_result_licence_type(actor=ACTOR, item_ids=[item.pk], type_code=licence)
    return True


def _mapped(item, licence: str, key: str) -> dict[str, str]:
    """{material name: shared key} for the item's materials of this licence type."""
    return {m.name: key for m in item.materials.all() if m.license_type_code == licence}


def _field(key: str, label: str, kind: str = "text") -> dict:
    """A required shared field (共享字段) of a theme's spec."""
    return {"key": key, "label": label, "type": kind, "required": True}


def _yes_no(key: str, text: str, no: str = "否") -> dict:
    """A questionnaire question answered 是 (yes) or `no`."""
    return {
        "key": key,
        "text": text,
        "choices": [{"value": "yes", "label": "是"}, {"value": "no", "label": no}],
    }


def _member(
    key: str,
    item,
    fields: dict[str, str],
    *,
    when: tuple[str, str] | None = None,
    requires: tuple[str, str] | None = None,
    refused: str = "cancel",
    materials: dict[str, str] | None = None,
) -> dict:
    """One member of a theme's spec, with only the parts given: `when` (question, answer) makes
    it conditional, `requires` (member, licence type) makes it wait for that member's result
    licence, and `refused` is then its on_requirement_refused policy ("cancel" by default)."""
    doc: dict = {"key": key, "item_code": item.code}
    if when:
        doc["when"] = [{"question": when[0], "in": [when[1]]}]
    if requires:
        doc["requires"] = [{"member": requires[0], "result": requires[1]}]
        doc["on_requirement_refused"] = refused
    doc["fields"] = fields
    if materials is not None:
        doc["materials"] = materials
    return doc


def _theme_specs(items: dict) -> list[dict]:
    licence, id_card, hukou_book = _licence("营业执照"), _licence("居民身份证"), _licence("居民户口簿")
    birth_cert, estate = _licence("出生医学证明"), _licence("不动产权证书")
    company_fields = {
        "applicant_name": "company_name",
        "contact_phone": "contact_phone",
        "address": "domicile",
    }

    def enterprise(key: str, name: str, refused: str = "cancel") -> dict:
        return _member(
            key,
            items[name],
            company_fields,
            requires=("licence", licence),
            refused=refused,
            materials=_mapped(items[name], id_card, "legal_rep_id"),
        )

    setup = items["内资有限责任公司设立登记"]
    company = {
        "promised_days": 1,
        "shared_fields": [
            _field("company_name", N_("企业名称")),
            _field("legal_rep", "法定代表人"),
            _field("domicile", N_("住所")),
            _field("contact_phone", "联系电话", "mobile"),
        ],
        "shared_materials": [
            {"key": "legal_rep_id", "name": "法定代表人居民身份证", "licence_type": id_card}
        ],
        "members": [
            _member(
                "licence",
                setup,
                {
                    "enterprise_name": "company_name",
                    "legal_representative": "legal_rep",
                    "domicile": "domicile",
                },
                materials=_mapped(setup, id_card, "legal_rep_id"),
            ),
            enterprise("seal", "印章刻制备案"),
            enterprise("social", "企业社会保险登记"),
            enterprise("tax", "新办纳税人涉税信息确认"),
            enterprise("invoice", "发票领用", refused="pause"),
            enterprise("fund", "住房公积金单位缴存登记", refused="continue"),
        ],
    }
    guardian = {"applicant_name": "baby_name", "contact_phone": "guardian_phone", "address": "address"}
    newborn = {
        "promised_days": 5,
        "questions": [
            _yes_no("parents_local", "父母双方是否均为本市户籍？", no="否（一方或双方为外地户籍）")
        ],
        "shared_fields": [
            _field("baby_name", "新生儿姓名"),
            _field("guardian_phone", "监护人联系电话", "mobile"),
            _field("address", "家庭住址"),
        ],
        "members": [
            _member("birth", items["出生医学证明办理"], guardian),
            _member(
                "hukou",
                items["出生登记（新生儿落户）"],
                guardian,
                requires=("birth", birth_cert),
                refused="pause",
            ),
            _member(
                "elsewhere",
                items["新生儿户籍地协查（异地）"],
                guardian,
                when=("parents_local", "no"),
                requires=("birth", birth_cert),
                refused="pause",
            ),
            _member(
                "medical",
                items["城乡居民基本医疗保险参保登记"],
                guardian,
                requires=("hukou", hukou_book),
                refused="pause",
            ),
            _member(
                "sscard", items["社会保障卡申领"], guardian, requires=("hukou", hukou_book), refused="pause"
            ),
        ],
    }
    owner = {"applicant_name": "owner_name", "contact_phone": "owner_phone", "address": "property_address"}

    def utility(key: str, name: str, when: tuple[str, str] | None = None) -> dict:
        return _member(key, items[name], owner, when=when, requires=("transfer", estate))

    estate_theme = {
        "promised_days": 5,
        "questions": [_yes_no("cable", "是否同时办理有线电视过户？")],
        "shared_fields": [
            _field("owner_name", "买受人姓名"),
            _field("owner_phone", "联系电话", "mobile"),
            _field("property_address", "不动产坐落"),
        ],
        "members": [
            _member("transfer", items["不动产登记（国有建设用地使用权及房屋所有权转移登记）"], owner),
            _member("deed_tax", items["契税申报缴纳"], owner),
            utility("water", "供水过户"),
            utility("power", "供电过户"),
            utility("gas", "燃气过户"),
            utility("cable", "有线电视过户", when=("cable", "yes")),
        ],
    }
    enrol = items["义务教育阶段新生入学登记"]
    school = {
        "promised_days": 10,
        "questions": [_yes_no("hukou_here", "儿童户籍是否在江夏区？", no="否（随迁子女）")],
        "shared_fields": [
            _field("child_name", "儿童姓名"),
            _field("guardian_phone", "监护人联系电话", "mobile"),
            _field("address", "实际居住地址"),
        ],
        "shared_materials": [{"key": "hukou_book", "name": "居民户口簿", "licence_type": hukou_book}],
        "members": [
            _member(
                "residence",
                items["居住证核发"],
                {"contact_phone": "guardian_phone", "address": "address"},
                when=("hukou_here", "no"),
            ),
            _member(
                "enrol",
                enrol,
                {"applicant_name": "child_name", "contact_phone": "guardian_phone", "address": "address"},
                materials=_mapped(enrol, hukou_book, "hukou_book"),
            ),
        ],
    }
    return [
        {
            "code": "company-opening",
            "name": "企业开办",
            "audience": "enterprise",
            "scenario": "新开办企业一次提交，同步办理营业执照、公章刻制、社保登记、涉税信息确认、发票申领和住房公积金缴存登记，"
            "一个工作日内办结，营业执照、印章和发票在综合窗口一次领取或免费邮寄。",
            "spec": company,
        },
        {
            "code": "newborn",
            "name": "新生儿出生",
            "audience": "person",
            "scenario": "新生儿出生后，一次申请出生医学证明、户口登记、医保参保和社保卡申领；"
            "父母一方或双方为外地户籍的，同步发起户籍地协查。",
            "spec": newborn,
        },
        {
            "code": "property-transfer",
            "name": "个人不动产登记",
            "audience": "person",
            "scenario": "二手房买卖：一次申请不动产转移登记和契税缴纳，登记完成后水、电、气（及有线电视）同步过户。",
            "spec": estate_theme,
        },
        {
            "code": "school-enrolment",
            "name": "适龄儿童入学",
            "audience": "person",
            "scenario": "适龄儿童义务教育入学：一次登记入学信息；随迁子女同步办理居住证。",
            "spec": school,
        },
    ]


MEMBER_NAMES = (
    "内资有限责任公司设立登记",
    "印章刻制备案",
    "企业社会保险登记",
    "新办纳税人涉税信息确认",
    "发票领用",
    "住房公积金单位缴存登记",
    "出生医学证明办理",
    "出生登记（新生儿落户）",
    "新生儿户籍地协查（异地）",
    "城乡居民基本医疗保险参保登记",
    "社会保障卡申领",
    "不动产登记（国有建设用地使用权及房屋所有权转移登记）",
    "契税申报缴纳",
    "供水过户",
    "供电过户",
    "燃气过户",
    "有线电视过户",
    "居住证核发",
    "义务教育阶段新生入学登记",
)


def seed_bundle_themes(*, actor: str = ACTOR, say: Callable[[str], None] | None = None) -> bool:
    """Seed the four themes (and the catalogue items they lack); False when all were there."""
    say = say or (lambda _msg: None)
    codes = ("company-opening", "newborn", "property-transfer", "school-enrolment")
    if all(bundle_queries.published_theme(c) is not None for c in codes):
        return False
    units = _units()
    wrote = False
    items = {}
    for name in MEMBER_NAMES:
        items[name], created = _member_item(name, units, say)
        wrote = wrote or created
    for producer, licence in (
        ("出生医学证明办理", "出生医学证明"),
        ("出生登记（新生儿落户）", "居民户口簿"),
        ("不动产登记（国有建设用地使用权及房屋所有权转移登记）", "不动产权证书"),
    ):
        if _issues(items[producer], _licence(licence)):
            items[producer] = _current(items[producer].code)
            wrote = True
    for doc in _theme_specs(items):
        if bundle_queries.published_theme(doc["code"]) is not None:
            continue
        version = bundle_services.do_create_theme(
            actor=actor,
            code=doc["code"],
            region_code=REGION,
            name=doc["name"],
            audience=doc["audience"],
            scenario=doc["scenario"],
            spec=doc["spec"],
        )
        bundle_services.do_submit(actor=actor, version=version)
        bundle_services.do_approve(actor=actor, version=version, comment="演示数据")
        say(f"bundles: theme {doc['name']} ({doc['code']}) published")
        wrote = True
    return wrote
