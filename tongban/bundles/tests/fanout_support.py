"""A 企业开办-shaped world for the fan-out tests: five departments of 武汉市江夏区, five items
(设立登记 issuing the 营业执照, then 印章刻制备案, 社保登记, 税务登记, 公积金缴存登记, each needing
the 营业执照), their officers, and a citizen who opens a company."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase

from tongban.accounts import services as account_services
from tongban.accounts.tests.identity_support import person
from tongban.bundles.testing import make_published_theme
from tongban.cases import services as case_services
from tongban.catalog import services as catalog_services
from tongban.catalog.testing import SYSTEM, make_basic_item, make_department, make_item
from tongban.core import services as core_services
from tongban.demo.data import forms as demo_forms
from tongban.licences import services as licence_services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF2 = b"%PDF-1.4\n% lease\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BUSINESS_TYPE = "11100000000013338W001"
SETUP_FORM, SETUP_SAMPLE = demo_forms.FORMS["内资有限责任公司设立登记"]
REGION = "420115"

LEASE = "住所使用证明"
BUSINESS_LICENCE = {
    "name": "营业执照",
    "source": "2",
    "originals": 0,
    "copies": 1,
    "license_type_code": BUSINESS_TYPE,
    "license_type_name": "营业执照",
}


def _material(name: str, requirement: str = "required") -> dict:
    return {"name": name, "originals": 1, "copies": 0, "requirement": requirement}


MEMBERS = [
    # key, department, item, materials
    ("licence", "江夏区市场监督管理局", "内资有限责任公司设立登记", [_material("申请书"), _material(LEASE)]),
    ("seal", "武汉市公安局江夏区分局", "印章刻制备案", [_material("申请书"), BUSINESS_LICENCE]),
    ("social", "江夏区人力资源和社会保障局", "社会保险登记", [_material("申请书"), BUSINESS_LICENCE]),
    (
        "tax",
        "国家税务总局武汉市江夏区税务局",
        "税务登记及发票申领",
        [_material("申请书"), BUSINESS_LICENCE, _material(LEASE)],
    ),
    (
        "fund",
        "武汉住房公积金中心江夏分中心",
        "住房公积金单位缴存登记",
        [_material("申请书"), BUSINESS_LICENCE],
    ),
]


@pytest.fixture
def day(monkeypatch):
    """Set "today" of case work (and so of bundles): day("2026-09-29")."""
    from tongban.cases import clock

    def set_day(value: str) -> dt.date:
        d = dt.date.fromisoformat(value)
        monkeypatch.setattr(clock, "today", lambda: d)
        return d

    set_day("2026-09-29")
    return set_day


def staff(username: str, *roles: str, department=None):
    return account_services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password="a-long-test-password",
        display_name=username,
        roles=list(roles),
        department_id=department.pk if department else None,
    )


def build_world(settings, tmp_path) -> dict:
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_GATEWAY = "tongban.accounts.gateways.OutboxSmsGateway"
    core_services.do_seed_calendar_from_package(actor=SYSTEM, first_year=2026, last_year=2026)
    editor = staff("editor", "catalog_editor")
    world: dict = {"items": {}, "depts": {}, "officers": {}, "heads": {}}
    for key, dept_name, item_name, materials in MEMBERS:
        dept = make_department(region=REGION, name=dept_name)
        basic = make_basic_item(name=item_name)
        item = make_item(dept, basic, materials=materials, promised_limit=1, statutory_limit=5)
        world["depts"][key], world["items"][key] = dept, item
        world["officers"][key] = (
            staff(f"{key}-a", "approving_officer", department=dept),
            staff(f"{key}-b", "approving_officer", department=dept),
        )
        world["heads"][key] = staff(f"{key}-head", "department_admin", department=dept)
    licence_services.do_seed_standard_types(
        actor=SYSTEM, codes={"营业执照": BUSINESS_TYPE}, issuers={"营业执照": [world["depts"]["licence"].pk]}
    )
    setup = world["items"]["licence"]
    catalog_services.do_set_result_licence_type(actor=SYSTEM, item_ids=[setup.pk], type_code=BUSINESS_TYPE)
    case_services.do_set_form(actor=editor, item_pk=setup.pk, schema=SETUP_FORM)
    hall = make_department(region=REGION, name="江夏区政务服务中心")
    world["hall"] = hall
    world["clerk"] = staff("clerk", "window_clerk", department=hall)
    world["citizen"] = person(3, name="娄钢", level=2)
    world["stranger"] = person(4, name="路人甲", level=2)
    for key in world["items"]:
        world["items"][key].refresh_from_db()
    return world


def shared_fields() -> list[dict]:
    """The fields asked once for every member: the company name and the phone."""
    return [
        {"key": "company_name", "label": "企业名称", "type": "text", "required": True},
        {"key": "phone", "label": "联系电话", "type": "mobile", "required": True},
    ]


def spec_doc(world, **policies) -> dict:
    """The 企业开办 theme: the 营业执照 first, the four others need it; the 住所使用证明 is
    uploaded once for 设立登记 and 税务登记; the company name and the phone are asked once."""
    items = world["items"]

    def member(key: str, requires: bool = True) -> dict:
        doc = {
            "key": key,
            "item_code": items[key].code,
            "when": [],
            "requires": [{"member": "licence", "result": BUSINESS_TYPE}] if requires else [],
            "on_requirement_refused": policies.get(key, "cancel"),
            "fields": {"applicant_name": "company_name", "contact_phone": "phone"},
            "materials": {LEASE: "lease"} if key in ("licence", "tax") else {},
        }
        if key == "licence":
            doc["fields"] = {"enterprise_name": "company_name", "contact_phone": "phone"}
        return doc

    return {
        "promised_days": 1,
        "questions": [],
        "shared_fields": shared_fields(),
        "shared_materials": [{"key": "lease", "name": LEASE, "licence_type": ""}],
        "members": [
            member("licence", requires=False),
            *(member(k) for k in ("seal", "social", "tax", "fund")),
        ],
    }


def requiring_nothing(doc: dict, *keys: str) -> dict:
    """The spec document with members `keys` (every member when none is named) requiring
    nothing: they start at once instead of waiting for the 营业执照."""
    for member in doc["members"]:
        if not keys or member["key"] in keys:
            member["requires"] = []
    return doc


def publish_theme(
    world, doc: dict | None = None, *, code: str | None = None, name: str = "企业开办", **policies
):
    """Publish a theme of 江夏 over `doc` (by default the 企业开办 spec with these policies)."""
    return make_published_theme(
        doc or spec_doc(world, **policies), code=code, region_code="420115000000", name=name
    )


@pytest.fixture(name="world")
def world_fixture(db, regions_loaded, settings, tmp_path, day):
    """The fan-out world with no theme: each test publishes the one it needs."""
    return build_world(settings, tmp_path)


def upload(name: str = "申请书", content: bytes = PDF) -> case_services.Upload:
    return case_services.Upload(material_id=None, name=name, content=content, content_type="application/pdf")


def material_of(item, name: str):
    return item.materials.get(name=name)


def own_fields() -> dict:
    """What the applicant fills in besides the shared fields (member-only fields)."""
    setup = {k: v for k, v in SETUP_SAMPLE.items() if k != "enterprise_name"}
    return {
        "licence": {**setup, "request": "设立登记"},
        **{k: {"request": "联办"} for k in ("seal", "social", "tax", "fund")},
    }


SHARED = {"company_name": "武汉芳华餐饮管理有限公司", "phone": "13900000003"}


def files(theme_members=("licence", "seal", "social", "tax", "fund"), world=None) -> dict:
    """The uploads: the lease once (shared), and each member's own 申请书."""
    out = {"lease": upload(LEASE, PDF2)}
    for key in theme_members:
        item = world["items"][key]
        out[f"{key}.m_{material_of(item, '申请书').pk}"] = upload()
    return out


def with_licence_uploaded(world, uploads: dict, *keys: str) -> dict:
    """`uploads` plus a 营业执照 file for each of members `keys`: what a member that does not
    wait for the licence member needs to be made."""
    for key in keys:
        uploads[f"{key}.m_{material_of(world['items'][key], '营业执照').pk}"] = upload("营业执照")
    return uploads


def submit(world, theme, **kw):
    from tongban.bundles import submission

    with TestCase.captureOnCommitCallbacks(execute=True):
        return submission.do_submit_bundle(
            actor=kw.pop("actor", world["citizen"]),
            theme_code=theme.code,
            answers=kw.pop("answers", {}),
            shared=kw.pop("shared", SHARED),
            own=kw.pop("own", own_fields()),
            uploads=kw.pop("uploads", None) or files(world=world),
            **kw,
        )


def conclude(world, key: str, number: str, *, outcome: str = "pass"):
    """Accept, sign the three steps (two officers and the head) and conclude a member case."""
    officer, officer2 = world["officers"][key]
    case_services.do_accept(actor=officer, number=number)
    for index, actor in enumerate([officer, officer2, world["heads"][key]]):
        case_services.do_complete_step(
            actor=actor,
            number=number,
            step_index=index,
            outcome=outcome if index == 2 else "pass",
            comment="审查不通过",
        )
    return case_services.do_conclude(actor=officer, number=number)


@pytest.fixture
def qykb_world(db, regions_loaded, settings, tmp_path, day):
    """The fan-out world with 江夏's 企业开办 theme (code qykb) published."""
    world = build_world(settings, tmp_path)
    world["theme"] = publish_theme(world, code="qykb")
    return world


def pdf_file(name: str, content: bytes):
    """An uploaded PDF as a browser posts it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def combined_form_post(world, key: str) -> dict:
    """The combined 企业开办 form as the page posts it: the shared fields, the members' own, each
    material once (uploads included)."""
    data = {
        "s_company_name": "武汉芳华餐饮管理有限公司",
        "s_phone": "13900000003",
        "licence__entity_type": "有限责任公司（自然人独资）",
        "licence__legal_representative": "娄钢",
        "licence__business_term": "长期",
        "licence__domicile": "武汉市江夏区纸坊街文化大道99号",
        "licence__business_scope": "餐饮管理",
        "licence__request": "设立登记",
        "idempotency_key": key,
        "pickup": "window",
    }
    for member in ("seal", "social", "tax", "fund"):
        data[f"{member}__request"] = "联办"
    data["f_lease"] = pdf_file(LEASE, PDF2)
    for member in ("licence", "seal", "social", "tax", "fund"):
        data[f"f_{member}.m_{material_of(world['items'][member], '申请书').pk}"] = pdf_file("申请书.pdf", PDF)
    return data
