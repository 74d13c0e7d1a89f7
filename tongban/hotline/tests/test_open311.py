"""The Open311 GeoReport v2 facade: every endpoint in JSON and XML against the spec's shapes,
posting a request through the intake, the spec's error format for malformed posts (nothing
written), reports (举报) never listed, personal data masked, throttling."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from tongban.core.models import AuditEvent

from .. import open311
from ..dispatch import do_dispatch
from ..enums import Category, TicketKind
from ..models import Ticket
from ..models_kb import Open311Key
from .tickets_world import NOW, clock_fixture, phone_ticket, run, world_fixture  # noqa: F401 (fixtures)

BASE = "/open311/v2/"
SERVICE_KEYS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_KEYS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture(name="key")
def key_fixture(world):
    _row, key = open311.do_create_key(actor="system:test", name="城市服务App")
    return key


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own answer, in a test


def test_the_key_command_registers_a_client_whose_key_works(world):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("hotline", "open311-key", "--name", "市民App", stdout=out)
    name, _, key = out.getvalue().strip().partition(": api_key=")
    assert name == "市民App" and len(key) == 40
    assert open311.client_for(key) == Open311Key.objects.get(name="市民App")
    assert open311.client_for(key[:-1] + ("0" if key[-1] != "0" else "1")) is None
    assert key not in str(list(Open311Key.objects.values()))  # only its keyed hash is kept


def test_services_in_json_and_xml(world):
    c = Client()
    rows = c.get(BASE + "services.json").json()
    assert [r["service_code"] for r in rows] == list(Category.values)
    assert all(set(r) == SERVICE_KEYS for r in rows)
    assert rows[3] == {
        "service_code": "market",
        "service_name": "市场监管与消费维权",
        "description": "食品安全、价格、消费维权、无证经营",
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "12345",
    }
    root = xml(c.get(BASE + "services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == list(Category.values)
    assert services[3].findtext("metadata") == "true" and services[3].findtext("type") == "realtime"


def test_service_definition_in_json_and_xml(world):
    c = Client()
    body = c.get(BASE + "services/market.json").json()
    assert body["service_code"] == "market"
    kind, region = body["attributes"]
    assert (kind["code"], kind["datatype"], kind["required"], kind["order"], kind["variable"]) == (
        "kind",
        "singlevaluelist",
        False,
        1,
        True,
    )
    assert [v["key"] for v in kind["values"]] == list(TicketKind.values)
    assert (region["code"], region["datatype"]) == ("region_code", "string")
    root = xml(c.get(BASE + "services/market.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "market"
    attrs = root.find("attributes").findall("attribute")
    assert [a.findtext("code") for a in attrs] == ["kind", "region_code"]
    assert [v.findtext("key") for v in attrs[0].find("values").findall("value")] == list(TicketKind.values)
    r = c.get(BASE + "services/nosuch.json")
    assert (r.status_code, r.json()) == (
        404,
        [{"code": 404, "description": "no service with service_code nosuch"}],
    )


def test_post_a_request_then_read_it_back(world, key):
    c = Client(enforce_csrf_checks=True)
    r = c.post(
        BASE + "requests.json",
        {
            "api_key": key,
            "service_code": "urban",
            "lat": "30.5431",
            "long": "114.3416",
            "address_string": "武汉市武昌区中北路1号",
            "description": "中北路人行道井盖破损，夜间行人容易踩空，请尽快修复",
            "first_name": "明",
            "last_name": "李",
            "phone": "13900001111",
            "email": "li@example.com",
            "attribute[kind]": "help",
            "attribute[region_code]": "420106",
            "device_id": "app-123",
        },
    )
    assert r.status_code == 201, r.content
    (answer,) = r.json()
    ticket = Ticket.objects.get()
    assert answer == {
        "service_request_id": ticket.number,
        "service_notice": f"已受理，工单编号 {ticket.number}；承办单位一般在签收后按时限答复。",
        "account_id": None,
    }
    assert (ticket.channel, ticket.kind, ticket.category, ticket.region_code, ticket.source_ref) == (
        "open311",
        "help",
        "urban",
        "420106",
        "app-123",
    )
    assert ticket.contact_phone_masked == "139****1111"
    rows = c.get(BASE + f"requests/{ticket.number}.json").json()
    assert len(rows) == 1 and set(rows[0]) == REQUEST_KEYS
    row = rows[0]
    assert (row["status"], row["service_code"], row["service_name"], row["lat"], row["long"]) == (
        "open",
        "urban",
        "城乡建设与市容",
        30.5431,
        114.3416,
    )
    assert row["requested_datetime"] == "2026-09-29T09:00:00+08:00"
    assert row["expected_datetime"].startswith(ticket.reply_due.isoformat() + "T23:59:59+08:00")
    assert row["agency_responsible"] == "12345政务服务便民热线"
    assert row["status_notes"] == "诉求已受理"
    assert "13900001111" not in r.content.decode() and "李" not in str(rows)
    root = xml(c.get(BASE + f"requests/{ticket.number}.xml"))
    assert root.tag == "service_requests"
    (req,) = root.findall("request")
    assert req.findtext("service_request_id") == ticket.number and req.findtext("status") == "open"
    assert {child.tag for child in req} == REQUEST_KEYS
    tok = c.get(BASE + f"tokens/{ticket.number}.json").json()
    assert tok == [{"service_request_id": ticket.number, "token": ticket.number}]
    root = xml(c.get(BASE + f"tokens/{ticket.number}.xml"))
    assert root.find("request").findtext("token") == ticket.number
    # XML post answers in XML.
    r = c.post(
        BASE + "requests.xml",
        {
            "api_key": key,
            "service_code": "traffic",
            "address_string": "解放大道",
            "description": "解放大道红绿灯坏了",
        },
    )
    assert r.status_code == 201
    assert xml(r).find("request").findtext("service_request_id") == Ticket.objects.order_by("-id")[0].number
    assert Open311Key.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    ("data", "status", "description"),
    [
        ({}, 403, "api_key is missing or not valid"),
        ({"api_key": "wrong"}, 403, "api_key is missing or not valid"),
        ({"service_code": ""}, 400, "service_code: required"),
        ({"service_code": "potholes"}, 400, "service_code: unknown service"),
        (
            {"lat": "", "long": "", "address_string": ""},
            400,
            "lat: a location is required: lat and long, or address_string",
        ),
        ({"long": ""}, 400, "long: lat and long go together"),
        ({"description": "坏"}, 400, "description: 请写明诉求内容（至少5个字）"),
        ({"lat": "95"}, 400, "lat: "),
        ({"attribute[kind]": "pothole"}, 400, "attribute[kind]: unknown value"),
        ({"attribute[colour]": "red"}, 400, "attribute[colour]: unknown attribute"),
        ({"attribute[region_code]": "99"}, 400, "attribute[region_code]: "),
        (
            {"media_url": "javascript:alert(1)"},
            400,
            "media_url: must be an http(s) URL of at most 500 characters",
        ),
        ({"phone": "12"}, 400, "phone: "),
    ],
)
def test_malformed_posts_get_the_spec_errors_and_write_nothing(world, key, data, status, description):
    good = {
        "api_key": key,
        "service_code": "urban",
        "lat": "30.5431",
        "long": "114.3416",
        "description": "中北路人行道井盖破损，请尽快修复",
    }
    posted = good | data
    if data == {}:
        posted.pop("api_key")
    tickets, audit = Ticket.objects.count(), AuditEvent.objects.count()
    c = Client(enforce_csrf_checks=True)
    r = c.post(BASE + "requests.json", posted)
    assert r.status_code == status
    (err,) = r.json()
    assert set(err) == {"code", "description"} and err["code"] == status
    assert err["description"].startswith(description), err
    r = c.post(BASE + "requests.xml", posted)
    root = xml(r)
    assert root.tag == "errors" and [e.tag for e in root] == ["error"]
    assert root.find("error").findtext("code") == str(status)
    assert root.find("error").findtext("description").startswith(description)
    assert (Ticket.objects.count(), AuditEvent.objects.count()) == (tickets, audit)


def test_requests_list_filters_and_hides_reports(world):
    a = phone_ticket(world, category="urban")
    b = phone_ticket(
        world, category="market", text="超市卖过期食品，联系人电话13912345678，身份证420106199001011234"
    )
    hidden = phone_ticket(
        world, kind="report", category="market", text="举报某超市无证经营，举报人不愿透露身份"
    )
    run(do_dispatch, actor=world.operator, number=a.number, unit_id=world.city.pk)
    c = Client()
    rows = c.get(BASE + "requests.json").json()
    assert [r["service_request_id"] for r in rows] == [b.number, a.number]  # newest first; no 举报
    assert rows[1]["agency_responsible"] == world.city.name and rows[1]["status_notes"] == "已派单至承办单位"
    assert "139****5678" in rows[0]["description"] and "4201**********1234" in rows[0]["description"]
    assert [
        r["service_request_id"] for r in c.get(BASE + "requests.json", {"service_code": "market"}).json()
    ] == [b.number]
    ids = f"{a.number},{hidden.number}"
    assert [
        r["service_request_id"] for r in c.get(BASE + "requests.json", {"service_request_id": ids}).json()
    ] == [a.number]
    assert c.get(BASE + "requests.json", {"status": "closed"}).json() == []
    assert len(c.get(BASE + "requests.json", {"status": "open,closed"}).json()) == 2
    before = (NOW - dt.timedelta(days=10)).isoformat()
    assert c.get(BASE + "requests.json", {"end_date": before}).json() == []
    root = xml(
        c.get(
            BASE + "requests.xml", {"start_date": "2026-09-01T00:00:00Z", "end_date": "2026-09-30T00:00:00Z"}
        )
    )
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [b.number, a.number]
    r = c.get(BASE + f"requests/{hidden.number}.json")
    assert (r.status_code, r.json()[0]["code"]) == (404, 404)
    for params, message in (
        ({"start_date": "yesterday"}, "start_date must be a W3C datetime"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-09-01T00:00:00Z"},
            "the date range may span",
        ),
        (
            {"start_date": "2026-09-02T00:00:00Z", "end_date": "2026-09-01T00:00:00Z"},
            "start_date must not be after",
        ),
        ({"status": "pending"}, "status must be open or closed"),
        ({"service_code": "nosuch"}, "service_code: unknown service"),
    ):
        r = c.get(BASE + "requests.json", params)
        assert r.status_code == 400 and r.json()[0]["description"].startswith(message), params
    r = c.get(BASE + f"requests/{'x' * 41}.json")  # (a NUL in a path is refused by the platform first)
    assert (r.status_code, r.json()[0]["code"]) == (404, 404)
    assert c.get(BASE + "requests.json", {"service_request_id": "a'b"}).json() == []
    r = c.get(BASE + "requests.yaml")
    assert (r.status_code, r.json()) == (404, [{"code": 404, "description": "format must be json or xml"}])


def test_reads_and_posts_are_throttled(world, key, settings):
    settings.OPEN311_READ_RATE = "2/1m"
    settings.OPEN311_POST_RATE = "1/1m"
    c = Client()
    assert [c.get(BASE + "services.json").status_code for _ in range(3)] == [200, 200, 429]
    r = c.get(BASE + "services.xml")
    assert xml(r).find("error").findtext("code") == "429"
    post = {
        "api_key": key,
        "service_code": "urban",
        "address_string": "中北路",
        "description": "井盖破损请修复",
    }
    assert [c.post(BASE + "requests.json", post).status_code for _ in range(2)] == [201, 429]
    assert Ticket.objects.count() == 1
