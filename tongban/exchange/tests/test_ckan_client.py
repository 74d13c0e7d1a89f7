"""The CKAN facade read from outside by the unmodified `ckanapi` client (RemoteCKAN) against a
live server on loopback, as a harvester would: POST JSON (ckanapi's default), GET only, and
CKAN's errors turned back into ckanapi's exceptions."""

from __future__ import annotations

import pytest
from ckanapi import NotFound, RemoteCKAN, ValidationError
from ckanapi.errors import SearchQueryError

from . import export_world


@pytest.fixture
def world(transactional_db):
    return export_world.build()


@pytest.mark.parametrize("get_only", [False, True], ids=["post-json", "get"])
def test_ckanapi_reads_the_open_catalogue(live_server, world, get_only):
    market, stats = world["market"], world["stats"]
    with RemoteCKAN(live_server.url, get_only=get_only, user_agent="tongban-test") as ckan:
        assert ckan.action.status_show()["ckan_version"] == "2.10.4"
        assert ckan.action.package_list() == ["fr-001", "hg-001", "jt-001", "kj-001"]
        package = ckan.action.package_show(id="fr-001")
        assert package["title"] == "法人单位基本信息"
        assert package["organization"]["name"] == market.credit_code.lower()
        assert package["resources"][0]["url"] == f"{live_server.url}/exchange/v1/services/FR-001/query"
        found = ckan.action.package_search(
            fq=f"organization:{stats.credit_code.lower()}", sort="name asc", rows=2
        )
        assert found["count"] == 3
        assert [p["name"] for p in found["results"]] == ["hg-001", "jt-001"]
        assert ckan.action.package_search(q="行政区划")["results"][0]["name"] == "kj-001"
        assert ckan.action.organization_list() == [market.credit_code.lower(), stats.credit_code.lower()]
        orgs = ckan.action.organization_list(all_fields=True)
        assert [(o["title"], o["package_count"]) for o in orgs] == [
            ("武汉市市场监督管理局", 1),
            ("湖北省统计局", 3),
        ]
        org = ckan.action.organization_show(id=stats.credit_code.lower(), include_datasets=True)
        assert [p["name"] for p in org["packages"]] == ["hg-001", "jt-001", "kj-001"]
        with pytest.raises(NotFound):
            ckan.action.package_show(id="rk-001")  # closed: not in the open part
        with pytest.raises(NotFound):
            ckan.action.organization_show(id="nobody")
        with pytest.raises(ValidationError) as error:
            ckan.action.package_show()
        assert error.value.error_dict == {"__type": "Validation Error", "id": ["Missing value"]}
        with pytest.raises(SearchQueryError):
            ckan.action.package_search(fq="frobnicate:yes")
