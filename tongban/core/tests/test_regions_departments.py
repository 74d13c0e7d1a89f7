"""Regions (GB/T 2260 and statistical codes) and departments: loading, lookups, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tongban.core import queries, services
from tongban.core.enums import RegionLevel
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.models import AuditEvent, Department, Region

from .conftest import SYSTEM

WUHAN_CHILDREN = [
    "江岸区",
    "江汉区",
    "硚口区",
    "汉阳区",
    "武昌区",
    "青山区",
    "洪山区",
    "东西湖区",
    "汉南区",
    "蔡甸区",
    "江夏区",
    "黄陂区",
    "新洲区",
]


def snapshot():
    return list(Department.objects.values_list("pk", "name", "credit_code")), AuditEvent.objects.count()


# --- Loading regions -------------------------------------------------------------------------


def test_load_regions_builds_the_tree(regions):
    assert regions == 126 == Region.objects.count()
    hubei = Region.objects.get(code="420000000000")
    assert (hubei.gb_code, hubei.name, hubei.level, hubei.parent_id, hubei.prefix) == (
        "420000",
        "湖北省",
        RegionLevel.PROVINCE,
        None,
        "42",
    )
    assert Region.objects.filter(parent=hubei).count() == 17
    village = Region.objects.get(code="420115001200")
    assert (village.gb_code, village.level, village.parent_id, village.prefix, village.full_name) == (
        "",
        RegionLevel.VILLAGE,
        "420115001000",
        "420115001200",
        "湖北省武汉市江夏区纸坊街道青龙村",
    )
    event = AuditEvent.objects.get(action="core.regions.load")
    assert event.data == {"rows": 126, "source": "regions"}


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("420100000000", "4201"),  # city
        ("429004000000", "429004"),  # 仙桃: a county-shaped code directly under the province
        ("420102000000", "420102"),  # county
        ("420115001000", "420115001"),  # township
        ("420115001200", "420115001200"),  # village
    ],
)
def test_region_prefixes(regions, code, prefix):
    assert Region.objects.get(code=code).prefix == prefix
    assert all(r.code.startswith(prefix) for r in Region.objects.filter(parent_id=code))


def test_reloading_regions_is_idempotent(regions):
    before = list(Region.objects.values_list("code", "name", "level", "parent_id", "prefix", "full_name"))
    assert services.do_load_regions(actor=SYSTEM) == 126
    assert (
        list(Region.objects.values_list("code", "name", "level", "parent_id", "prefix", "full_name"))
        == before
    )


def test_the_reference_data_ships_inside_the_project(settings, db):
    """A clone with nothing beside it runs: the regions are read from the package itself (and
    .ci/run runs the whole suite from a copy of the checkout in an empty folder)."""
    root = Path(settings.BASE_DIR).resolve()
    data = Path(settings.REFERENCE_DATA_DIR).resolve()
    assert data.is_relative_to(root / "tongban")
    assert sorted(p.name for p in (data / "regions").glob("*.csv")) == [
        "hubei-townships-villages.csv",
        "hubei.csv",
    ]
    assert services.do_load_regions(actor=SYSTEM) == 126
    event = AuditEvent.objects.filter(action="core.regions.load").latest("seq")
    assert event.data == {"rows": 126, "source": "regions"}


# --- Region lookups --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "code12"),
    [("420100", "420100000000"), ("420115001200", "420115001200"), (" 420100 ", "420100000000")],
)
def test_check_region_code_accepts_6_and_12_digits(code, code12):
    assert queries.check_region_code(code) == code12


@pytest.mark.parametrize(
    "code",
    [
        "",
        "4201",
        "42010",
        "4201000",
        "42010000000000",
        "abcdef",
        "42010a",
        "４２０１００",
        "²²²²²²",
        "420100 000000",
    ],
)
def test_check_region_code_names_the_field(code):
    with pytest.raises(InvalidInput) as exc:
        queries.check_region_code(code, field="parent")
    assert [p.field for p in exc.value.problems] == ["parent"]


def test_get_region_and_unknown_codes(regions):
    assert queries.get_region("420100").name == "武汉市"
    assert queries.get_region("420100000000").name == "武汉市"
    with pytest.raises(NotFound):
        queries.get_region("420199")


def test_region_children_in_code_order(regions):
    assert [r.name for r in queries.region_children("420100")] == WUHAN_CHILDREN
    assert [r.code for r in queries.region_children("420115")] == ["420115001000", "420115015000"]
    assert list(queries.region_children("429004")) == []
    assert [r.gb_code for r in queries.region_children("420000")][:3] == ["420100", "420200", "420300"]


def test_region_ancestors_and_serving_codes(regions):
    village = queries.get_region("420115001200")
    assert [r.name for r in queries.region_ancestors(village)] == [
        "湖北省",
        "武汉市",
        "江夏区",
        "纸坊街道",
        "青龙村",
    ]
    assert queries.region_codes_serving(queries.get_region("420102")) == [
        "420000000000",
        "420100000000",
        "420102000000",
    ]


def test_provinces_and_display_codes(regions):
    assert [r.name for r in queries.provinces()] == ["湖北省"]
    assert queries.display_code(queries.get_region("420100")) == "420100"
    assert queries.display_code(queries.get_region("420115001000")) == "420115001000"


# --- Departments -----------------------------------------------------------------------------


def test_create_then_update_a_department(regions):
    dept = services.do_upsert_department(
        actor=SYSTEM,
        name=" 武汉市市场监督管理局 ",
        credit_code="91350100m000100y43",
        region_code="420100",
        phone="027-12345",
    )
    assert (dept.name, dept.credit_code, dept.region_id, dept.kind, dept.credit_code_override) == (
        "武汉市市场监督管理局",
        "91350100M000100Y43",
        "420100000000",
        "bureau",
        False,
    )
    again = services.do_upsert_department(
        actor=SYSTEM, name="武汉市市场监管局", credit_code="91350100M000100Y43", region_code="420100000000"
    )
    assert again.pk == dept.pk
    assert Department.objects.get().name == "武汉市市场监管局"
    assert list(AuditEvent.objects.filter(object_type="core.department").values_list("action", "data")) == [
        (
            "core.department.create",
            {"name": "武汉市市场监督管理局", "credit_code": "91350100M000100Y43", "region": "420100000000"},
        ),
        (
            "core.department.update",
            {"name": "武汉市市场监管局", "credit_code": "91350100M000100Y43", "region": "420100000000"},
        ),
    ]


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"credit_code": "91350100M000100Y44"}, ["credit_code"]),  # check character
        ({"credit_code": "91350100M000100Y4"}, ["credit_code"]),  # length
        ({"credit_code": "91350100M000100Y4", "override": True}, ["credit_code"]),  # override needs 18 chars
        ({"name": "  "}, ["name"]),
        ({"region_code": "420199"}, ["region"]),
        ({"region_code": "abc"}, ["region"]),
        ({"kind": "ministry"}, ["kind"]),
        (
            {"name": "", "credit_code": "x", "region_code": "1", "kind": "x"},
            ["name", "credit_code", "region", "kind"],
        ),
    ],
)
def test_a_bad_department_names_every_field_and_writes_nothing(regions, kwargs, fields):
    before = snapshot()
    args = {"name": "武汉市民政局", "credit_code": "91350100M000100Y43", "region_code": "420100"} | kwargs
    with pytest.raises(InvalidInput) as exc:
        services.do_upsert_department(actor=SYSTEM, **args)
    assert [p.field for p in exc.value.problems] == fields
    assert snapshot() == before


def test_an_early_pilot_code_is_accepted_only_with_override(regions):
    dept = services.do_upsert_department(
        actor=SYSTEM, name="试点单位", credit_code="91350100M000100Y44", region_code="420100", override=True
    )
    assert dept.credit_code_override is True
    valid = services.do_upsert_department(
        actor=SYSTEM, name="正常单位", credit_code="911100007109288314", region_code="420100", override=True
    )
    assert valid.credit_code_override is False


def test_department_lookups(regions):
    wuhan = services.do_upsert_department(
        actor=SYSTEM, name="武汉市民政局", credit_code="91350100M000100Y43", region_code="420100"
    )
    huangshi = services.do_upsert_department(
        actor=SYSTEM, name="黄石市民政局", credit_code="911100007109288314", region_code="420200"
    )
    assert queries.get_department(wuhan.pk) == wuhan
    assert queries.get_department(str(wuhan.pk)) == wuhan
    assert queries.get_department("91350100m000100y43") == wuhan
    assert queries.get_department("911100007109288314") == huangshi  # 18 digits: a credit code, not a pk
    assert queries.department_by_credit_code("911100007109288314") == huangshi
    assert queries.department_by_credit_code("91110000802100433B") is None
    assert list(queries.departments(region="420200")) == [huangshi]
    assert list(queries.departments()) == [wuhan, huangshi]
    for key in (0, "999999", "91110000802100433B"):
        with pytest.raises(NotFound):
            queries.get_department(key)
