"""The Open311 facade read from outside by the unmodified stock client `georeport` (GeoReport v2)
against a live server on loopback, in JSON and in XML; requests posted with plain HTTP (the client
has no POST), as a city app would."""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from .. import open311
from ..models import Ticket


@pytest.fixture(name="key")
def key_fixture(transactional_db):
    return open311.do_create_key(actor="system:test", name="georeport")[1]


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_reads_services_and_requests(live_server, key, output_format):
    root = f"{live_server.url}/open311/v2"
    posted = []
    for code, text in (
        ("urban", "中北路人行道井盖破损，请尽快修复"),
        ("environment", "积玉桥工地夜间施工噪音扰民"),
    ):
        r = requests.post(
            f"{root}/requests.json",
            data={
                "api_key": key,
                "service_code": code,
                "address_string": "武汉市武昌区",
                "description": text,
            },
            timeout=30,
        )
        assert r.status_code == 201, r.text
        posted.append(r.json()[0]["service_request_id"])
    client = GeoReport(root, output_format=output_format)
    services = client.get_service_list()
    assert [s["service_code"] for s in services][:3] == ["urban", "traffic", "environment"]
    assert services[0]["service_name"] == "城乡建设与市容"
    definition = client.get_service_definition("urban")
    assert definition["service_code"] == "urban"
    found = client.get_service_requests(service_code="environment")
    found = found if isinstance(found, list) else [found]  # xmltodict gives one element as a dict
    assert [r["service_request_id"] for r in found] == [posted[1]]
    both = client.get_service_requests(service_request_id=",".join(posted), status="open")
    assert sorted(r["service_request_id"] for r in both) == sorted(posted)
    one = client.get_service_request(posted[0])
    one = one[0] if isinstance(one, list) else one
    assert (one["service_request_id"], one["status"], one["service_code"]) == (posted[0], "open", "urban")
    assert Ticket.objects.filter(channel="open311").count() == 2
    with pytest.raises(requests.HTTPError) as err:
        client.get_service_definition("nosuch")
    assert err.value.response.status_code == 404
