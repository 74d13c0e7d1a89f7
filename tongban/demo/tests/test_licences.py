"""The demo's e-licence types (`demo/licences.py`) on a small catalogue: codes from the demo's
materials, issuers from the items whose result is the licence, those items naming the type as
their result licence, a second run writes nothing."""

from __future__ import annotations

import pytest

from tongban.catalog import queries as catalog_queries
from tongban.catalog.testing import ensure_regions, make_basic_item, make_department, make_item
from tongban.core.models import AuditEvent
from tongban.demo.data import materials
from tongban.demo.licences import RESULTS, seed_licence_types
from tongban.licences import queries as licence_queries


@pytest.fixture
def catalogue(db):
    ensure_regions()
    approval = make_department(region="420115", name="武汉市江夏区行政审批局")
    civil = make_department(region="420115", name="武汉市江夏区民政局")
    make_item(approval, make_basic_item(name="内资有限责任公司设立登记"), result_name="营业执照")
    make_item(approval, make_basic_item(name="内资公司变更登记"), result_name="营业执照（变更后）")
    make_item(approval, make_basic_item(name="个体工商户设立登记"), result_name="营业执照")
    make_item(civil, make_basic_item(name="内地居民结婚登记", item_type="07"), result_name="结婚证")
    return {"approval": approval, "civil": civil}


def test_seed_licence_types_from_the_catalogue(catalogue):
    lines: list[str] = []
    assert seed_licence_types(log=lines.append) == len(RESULTS) + 4 == 10
    types = {t.name: t for t in licence_queries.licence_types()}
    assert set(types) == set(RESULTS)
    for name, licence_type in types.items():
        assert licence_type.code == materials.license_type(name)[0]
    assert licence_queries.issuing_department_ids(types["营业执照"].code) == [catalogue["approval"].pk]
    assert licence_queries.issuing_department_ids(types["个体工商户营业执照"].code) == [
        catalogue["approval"].pk
    ]
    assert licence_queries.issuing_department_ids(types["结婚证"].code) == [catalogue["civil"].pk]
    assert licence_queries.issuing_department_ids(types["林木采伐许可证"].code) == []
    assert lines[0].startswith("e-licence types 电子证照类型: 6 (6 written)")
    assert lines[0].endswith("items issuing them at 出证: 4 configured")
    # the items whose result is a licence name its type, so 出证 issues it
    assert sorted(
        (item.result_name, item.result_license_type_code)
        for item in catalog_queries.current_items().filter(result_name__gt="")
    ) == sorted(
        [
            ("营业执照", types["营业执照"].code),
            ("营业执照", types["个体工商户营业执照"].code),  # 个体工商户设立登记: its own face
            ("营业执照（变更后）", types["营业执照"].code),
            ("结婚证", types["结婚证"].code),
        ]
    )
    audit = AuditEvent.objects.count()
    assert seed_licence_types() == 0
    assert AuditEvent.objects.count() == audit
