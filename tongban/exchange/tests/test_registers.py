"""The six base registers: catalogued with the fixed codes and handler names, mounted,
idempotent; the two files match what the project's region list makes; the credit model."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from tongban.core.errors import InvalidInput
from tongban.core.identifiers import make_credit_code
from tongban.core.models import AuditEvent

from .. import catalogue, credit, registers
from ..models import CreditRecord, Mount, Resource
from .catalogue_world import (
    SYSTEM,
    department,
    snapshot,
)

pytestmark = pytest.mark.django_db

EXPECTED = {
    "RK-001": ("population", "service", "population.person", "conditional", ["name", "sex", "birth_date", "birthplace"]),
    "RK-002": ("population", "service", "population.verify", "conditional", ["match"]),
    "FR-001": ("legal_person", "service", "legal_person.entity", "conditional",
               ["name", "kind", "legal_rep_name", "region_code", "established", "status"]),
    "FR-002": ("legal_person", "service", "legal_person.verify_status", "unconditional", ["exists", "status"]),
    "ZZ-001": ("licence", "service", "licence.holdings", "conditional",
               ["type_code", "type_name", "number", "issuer_name", "valid_from", "valid_until", "state"]),
    "ZZ-002": ("licence", "service", "licence.verify_holds", "unconditional", ["holds"]),
    "XY-001": ("credit", "service", "credit.record", "conditional", ["name", "level", "evaluated_on", "entries"]),
    "KJ-001": ("geospatial", "file", "hubei-regions.geojson", "unconditional", ["code", "name", "level", "parent_code"]),
    "HG-001": ("economy", "file", "hubei-division-counts.csv", "unconditional", ["code", "name", "county_divisions"]),
}  # fmt: skip


@pytest.fixture
def providers(db, regions_loaded):
    police = department("湖北省公安厅", region="420000")
    data = department("湖北省政务管理办公室", region="420000")
    approval = department("武汉市江夏区行政审批局")
    return {
        "population": police,
        "legal_person": approval,
        "licence": data,
        "credit": data.pk,  # an id will do
        "geospatial": data,
        "economy": data,
    }


def test_the_registers_are_catalogued_and_mounted(providers):
    wrote = registers.ensure_registers(actor=SYSTEM, providers=providers)
    assert wrote == {"created": 9, "revised": 0, "mounted": 9}
    rows = {r.code: r for r in Resource.objects.filter(is_current=True)}
    mounts = {m.code: m for m in Mount.objects.all()}
    assert sorted(rows) == sorted(EXPECTED)
    for code, (register, kind, target, share, keys) in EXPECTED.items():
        r = rows[code]
        assert (r.resource_class, r.base_register, r.state, r.version, r.share_type) == (
            "base",
            register,
            "published",
            1,
            share,
        ), code
        assert [f["key"] for f in r.fields] == keys, code
        assert (mounts[code].kind, mounts[code].target, mounts[code].state) == (kind, target, "mounted"), code
    assert rows["RK-001"].provider_id == providers["population"].pk
    assert rows["FR-001"].provider_id == providers["legal_person"].pk
    assert rows["XY-001"].provider_id == providers["credit"]
    assert {m.target for m in mounts.values() if m.kind == "service"} == set(catalogue.SERVICE_HANDLERS)
    assert (mounts["HG-001"].records, mounts["KJ-001"].records) == (17, 117)
    assert mounts["KJ-001"].media_type == "application/geo+json"
    assert (rows["KJ-001"].open_type, rows["RK-001"].open_type) == ("open", "closed")


def test_ensure_registers_is_idempotent(providers):
    registers.ensure_registers(actor=SYSTEM, providers=providers)
    before = snapshot()
    events = AuditEvent.objects.count()
    assert registers.ensure_registers(actor=SYSTEM, providers=providers) == {
        "created": 0,
        "revised": 0,
        "mounted": 0,
    }
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


def test_a_changed_spec_publishes_a_new_version_and_a_suspension_stays(providers, monkeypatch):
    registers.ensure_registers(actor=SYSTEM, providers=providers)
    catalogue.do_suspend_mount(actor=SYSTEM, code="RK-002", reason="维护")
    changed = registers.spec("RK-001").__class__(
        **{**registers.spec("RK-001").__dict__, "summary": "按公民身份号码查询人口基础信息。"}
    )
    monkeypatch.setattr(
        registers, "REGISTERS", tuple(changed if s.code == "RK-001" else s for s in registers.REGISTERS)
    )
    assert registers.ensure_registers(actor=SYSTEM, providers=providers) == {
        "created": 0,
        "revised": 1,
        "mounted": 0,
    }
    assert list(
        Resource.objects.filter(code="RK-001").order_by("version").values_list("version", "is_current")
    ) == [
        (1, False),
        (2, True),
    ]
    assert Mount.objects.get(code="RK-002").state == "suspended"


def test_the_files_are_what_the_region_list_makes():
    for name, text in registers.build_files().items():
        assert (catalogue.FILE_STORE / name).read_text(encoding="utf-8") == text, name
    geo = json.loads((catalogue.FILE_STORE / registers.GEO_FILE).read_text(encoding="utf-8"))
    jiangxia = next(f for f in geo["features"] if f["id"] == "420115")
    assert jiangxia["properties"] == {
        "code": "420115",
        "name": "江夏区",
        "level": "county",
        "parent_code": "420100",
    }
    lines = (catalogue.FILE_STORE / registers.ECONOMY_FILE).read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["code,name,county_divisions", "420100,武汉市,13"]


# --- 社会信用库 ----------------------------------------------------------------------------------

COMPANY = make_credit_code(random.Random("exchange-test:credit"), region="420115", kind="91")


def test_credit_record_upsert_and_read(db):
    entries = [
        {"kind": "honour", "title": "纳税信用A级", "authority": "国家税务总局湖北省税务局", "decided_on": "2025-04-01"},
        {"kind": "dishonour", "title": "未按期年报", "authority": "武汉市江夏区市场监督管理局",
         "decided_on": "2026-07-01", "valid_until": "2027-07-01"},
    ]  # fmt: skip
    record = credit.do_upsert_credit_record(
        actor=SYSTEM,
        credit_code=COMPANY.lower(),
        name="武汉某某公司",
        level="B",
        evaluated_on="2026-10-01",
        entries=entries,
    )
    assert record.credit_code == COMPANY
    assert credit.credit_record(COMPANY) == {
        "name": "武汉某某公司",
        "level": "B",
        "evaluated_on": "2026-10-01",
        "entries": [
            {"kind": "dishonour", "title": "未按期年报", "authority": "武汉市江夏区市场监督管理局",
             "decided_on": "2026-07-01", "valid_until": "2027-07-01"},
            {"kind": "honour", "title": "纳税信用A级", "authority": "国家税务总局湖北省税务局",
             "decided_on": "2025-04-01", "valid_until": ""},
        ],
    }  # fmt: skip
    events = AuditEvent.objects.filter(action__startswith="exchange.credit.").count()
    credit.do_upsert_credit_record(
        actor=SYSTEM,
        credit_code=COMPANY,
        name="武汉某某公司",
        level="B",
        evaluated_on=dt.date(2026, 10, 1),
        entries=entries,
    )
    assert (
        AuditEvent.objects.filter(action__startswith="exchange.credit.").count() == events
    )  # nothing changed
    assert credit.credit_record(make_credit_code(random.Random(5), region="420115", kind="91")) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"credit_code": "91420115MA4K000000"}, "credit_code"),
        ({"name": ""}, "name"),
        ({"level": "E"}, "level"),
        ({"evaluated_on": "2026-13-01"}, "evaluated_on"),
        ({"entries": "none"}, "entries"),
        ({"entries": [{"kind": "bad", "title": "t", "authority": "a", "decided_on": "2026-01-01"}]}, "entries[0].kind"),
        ({"entries": [{"kind": "honour", "title": "", "authority": "a", "decided_on": "2026-01-01"}]}, "entries[0].title"),
        ({"entries": [{"kind": "honour", "title": "t", "authority": "a", "decided_on": "x"}]}, "entries[0].decided_on"),
        ({"entries": [{"kind": "honour", "title": "t", "authority": "a", "decided_on": "2026-01-01",
                       "valid_until": "2025-01-01"}]}, "entries[0].valid_until"),
    ],
)  # fmt: skip
def test_bad_credit_records_name_the_field(db, changes, field):
    values = {
        "credit_code": COMPANY,
        "name": "某公司",
        "level": "A",
        "evaluated_on": "2026-01-01",
        "entries": [],
    }
    with pytest.raises(InvalidInput) as exc:
        credit.do_upsert_credit_record(actor=SYSTEM, **{**values, **changes})
    assert [p.field for p in exc.value.problems] == [field]
    assert not CreditRecord.objects.exists()


def test_make_registers_factory(providers):
    from ..testing import make_registers

    assert make_registers(providers["licence"], legal_person=providers["legal_person"])["created"] == 9
    assert Resource.objects.get(code="FR-001").provider_id == providers["legal_person"].pk
    assert Resource.objects.get(code="RK-001").provider_id == providers["licence"].pk


# --- The registers' keys are the keys the gateway's handlers answer ----------------------------


def _query(code: str, subject: str, kind: str, keys: list[str], **params):
    from .. import calllog, handlers

    return handlers.ServiceQuery(
        code=code,
        subject=subject,
        subject_kind=kind,
        subject_index=calllog.subject_index(subject, kind),
        fields=tuple(keys),
        params=params,
    )


def test_register_keys_are_what_the_handlers_answer(db, monkeypatch):
    import types

    from tongban.accounts import services as account_services
    from tongban.core.identifiers import make_resident_id

    from .. import handlers

    assert set(handlers.names()) >= set(catalogue.SERVICE_HANDLERS)
    keys = {s.code: [f["key"] for f in s.fields] for s in registers.REGISTERS}
    person = make_resident_id(random.Random(7), region="420115", born=dt.date(1990, 1, 2), sex="F")
    account_services.do_upsert_population_record(actor=SYSTEM, name="王芳", id_number=person)
    account_services.do_upsert_legal_person_record(
        actor=SYSTEM, credit_code=COMPANY, name="武汉某某公司", kind="enterprise", legal_rep_name="王芳",
        legal_rep_id_number=person,
    )  # fmt: skip
    credit.do_upsert_credit_record(
        actor=SYSTEM,
        credit_code=COMPANY,
        name="武汉某某公司",
        level="A",
        evaluated_on="2026-10-01",
        entries=[],
    )
    licence = types.SimpleNamespace(
        type_code="T", licence_type=types.SimpleNamespace(name="营业执照"), number="N", issuer_name="I",
        valid_from=dt.date(2026, 1, 1), valid_until=None, state="valid",
    )  # fmt: skip
    monkeypatch.setattr(handlers, "_valid_licences", lambda query, type_code: [licence])
    calls = {
        "RK-001": _query("RK-001", person, handlers.RESIDENT_ID, keys["RK-001"]),
        "RK-002": _query("RK-002", person, handlers.RESIDENT_ID, keys["RK-002"], name="王芳"),
        "FR-001": _query("FR-001", COMPANY, handlers.CREDIT_CODE, keys["FR-001"]),
        "FR-002": _query("FR-002", COMPANY, handlers.CREDIT_CODE, keys["FR-002"]),
        "ZZ-001": _query("ZZ-001", COMPANY, handlers.CREDIT_CODE, keys["ZZ-001"]),
        "ZZ-002": _query("ZZ-002", COMPANY, handlers.CREDIT_CODE, keys["ZZ-002"], type_code="T"),
        "XY-001": _query("XY-001", COMPANY, handlers.CREDIT_CODE, keys["XY-001"]),
    }
    for code, query in calls.items():
        answer = handlers.get(registers.spec(code).target).func(query)
        items = answer if isinstance(answer, list) else [answer]
        assert items and all(sorted(item) == sorted(keys[code]) for item in items), (code, answer)
