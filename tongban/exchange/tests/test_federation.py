"""Federation, in one process: the node settings and the cascade code rule, the province's
registration endpoint (real client-credentials tokens from /o/token/), and the city's push
(`exchange register-upstream`) over real HTTP to a live server standing in for the province.

The two-process test (a province and a city, each its own server and database) is
test_federation_live.py."""

from __future__ import annotations

import base64
import json
import socket

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client

from tongban.accounts import clients
from tongban.accounts import queries as account_queries
from tongban.catalog.testing import make_department
from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEvent
from tongban.exchange import federation
from tongban.exchange.models import Mount, Resource
from tongban.exchange.testing import make_resource

pytestmark = pytest.mark.django_db

NODE = "city:420100"
CITY_CLIENT, CITY_SECRET = "wuhan-exchange-node", "wuhan-exchange-node-secret-for-tests"


def entry(code="BM-GA-001", version=1, **kw) -> dict:
    data = {
        "code": code,
        "version": version,
        "mounted": True,
        "name": "武汉市居住证信息",
        "summary": "武汉市居住证办理与有效期信息",
        "resource_class": "department",
        "subject": "",
        "format": "service",
        "fields": [
            {"key": "name", "name": "姓名", "type": "C", "length": 50, "sensitivity": "personal"},
            {"key": "valid_until", "name": "有效期至", "type": "D", "sensitivity": "internal"},
        ],
        "share_type": "conditional",
        "share_condition": "",
        "share_basis": "《居住证暂行条例》第十二条",
        "open_type": "closed",
        "open_condition": "",
        "update_frequency": "realtime",
        "keywords": ["居住证"],
    }
    data.update(kw)
    return data


def token_for(client_id: str, secret: str) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    r = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic " + basic)
    assert r.status_code == 200, r.content
    return r.json()["access_token"]


@pytest.fixture
def city_dept():
    return make_department(region="420100", name="武汉市政务服务和大数据管理局")


@pytest.fixture
def registrant(city_dept, settings):
    """The city's system as a client of this (province) instance, allowed to register for NODE."""
    clients.do_register_client(
        actor="system:test",
        name="武汉市数据共享交换节点",
        department_id=city_dept.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
        client_id=CITY_CLIENT,
        client_secret=CITY_SECRET,
    )
    settings.EXCHANGE_DOWNSTREAM = {
        NODE: {
            "url": "http://127.0.0.1:18001",
            "registrant": CITY_CLIENT,
            "client_id": "hubei-province-node",
            "client_secret": "unused-here",
        }
    }
    cache.clear()
    return token_for(CITY_CLIENT, CITY_SECRET)


def post(token: str | None, body) -> tuple[int, dict]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    r = Client().post("/exchange/v1/federation/entries", raw, content_type="application/json", **headers)
    return r.status_code, r.json()


def state() -> tuple:
    return (
        list(Resource.objects.order_by("pk").values_list("code", "version", "is_current", "state")),
        list(Mount.objects.order_by("pk").values_list("code", "state", "target")),
        AuditEvent.objects.count(),
    )


# --- Node settings and the cascade code rule -------------------------------------------------


def test_node_parsing_and_cascade_code(settings):
    assert federation.parse_node("city:420100") == federation.Node("city", "420100")
    assert federation.parse_node("province:420000").is_city is False
    for bad in ("", "city", "city:4201", "town:420100", "city:420100x", None):
        with pytest.raises(InvalidInput) as error:
            federation.parse_node(bad)
        assert error.value.problems[0].field == "node"
    assert federation.this_node().id == "province:420000"  # the default
    settings.EXCHANGE_NODE = "city:420100"
    assert federation.this_node() == federation.Node("city", "420100")

    # The catalogue's code rule, the city's region code inserted after the class prefix.
    city, yichang = federation.Node("city", "420100"), federation.Node("city", "420500")
    assert federation.cascade_code(city, "BM-GA-001") == "BM-420100-GA-001"
    assert federation.cascade_code("city:420100", "RK-001") == "RK-420100-001"
    assert federation.cascade_code(yichang, "ZT-JY-XQ-000123") == "ZT-420500-JY-XQ-000123"
    # A code that already names the city or one of its districts keeps it.
    assert federation.cascade_code(city, "BM-420100-GA-001") == "BM-420100-GA-001"
    assert federation.cascade_code(city, "BM-420102-TJ-001") == "BM-420102-TJ-001"
    assert federation.cascade_code(yichang, "BM-420102-TJ-001") == "BM-420500-420102-TJ-001"
    for bad in ("", "WH", "bm-ga-001", "BM-GA-01", "BM/GA/001", "BM GA 001", "BM-G-001", None, 7):
        with pytest.raises(InvalidInput) as error:
            federation.cascade_code(city, bad, field="entries[0].code")
        assert error.value.problems[0].field == "entries[0].code"
    with pytest.raises(InvalidInput, match="三段"):  # a fourth segment would break the rule
        federation.cascade_code(city, "BM-GA-XQ-JD-001")
    with pytest.raises(InvalidInput, match="40"):
        federation.cascade_code(city, "BM-" + "A" * 12 + "-" + "B" * 12 + "-000001")
    assert federation.service_url("http://127.0.0.1:8001/", "BM-GA-001") == (
        "http://127.0.0.1:8001/exchange/v1/services/BM-GA-001/query"
    )


# --- The province's registration endpoint ------------------------------------------------------


def test_registration_creates_the_cascaded_entry_and_its_remote_mount(registrant, city_dept):
    status, body = post(registrant, {"node": NODE, "entries": [entry(), entry("BM-GA-002", mounted=False)]})
    assert status == 200, body
    assert body == {
        "node": NODE,
        "entries": [
            {"origin_code": "BM-GA-001", "code": "BM-420100-GA-001", "version": 1, "result": "created"},
            {"origin_code": "BM-GA-002", "code": "BM-420100-GA-002", "version": 1, "result": "created"},
        ],
        "retired": [],
    }
    r = Resource.objects.get(code="BM-420100-GA-001")
    assert (r.origin, r.origin_code, r.version, r.is_current, r.state) == (
        NODE,
        "BM-GA-001",
        1,
        True,
        "published",
    )
    assert r.provider_id == city_dept.pk
    assert r.name == "武汉市居住证信息" and r.share_basis == "《居住证暂行条例》第十二条"
    assert [f["key"] for f in r.fields] == ["name", "valid_until"]
    assert r.created_by == f"system:client:{CITY_CLIENT}"
    mount = Mount.objects.get(code="BM-420100-GA-001")
    assert (mount.kind, mount.state, mount.target) == (
        "service",
        "mounted",
        "http://127.0.0.1:18001/exchange/v1/services/BM-GA-001/query",
    )
    assert not Mount.objects.filter(code="BM-420100-GA-002").exists()  # not mounted at the city
    actions = list(
        AuditEvent.objects.filter(action__startswith="exchange.federation.").values_list("action", "actor")
    )
    assert actions == [
        ("exchange.federation.register", f"system:client:{CITY_CLIENT}"),
        ("exchange.federation.mount", f"system:client:{CITY_CLIENT}"),
        ("exchange.federation.register", f"system:client:{CITY_CLIENT}"),
    ]
    assert federation.node_of_target(mount.target) == NODE
    assert federation.node_of_target("http://127.0.0.1:18002/exchange/v1/services/X/query") is None


def test_registering_again_keeps_versions_and_complete_retires_the_missing(registrant):
    post(registrant, {"node": NODE, "entries": [entry(), entry("BM-GA-002")]})
    events = AuditEvent.objects.count()
    status, body = post(registrant, {"node": NODE, "entries": [entry(), entry("BM-GA-002")]})
    assert status == 200
    assert [e["result"] for e in body["entries"]] == ["unchanged", "unchanged"]
    assert AuditEvent.objects.count() == events  # nothing written

    status, body = post(
        registrant,
        {"node": NODE, "entries": [entry(version=2, name="武汉市居住证信息（新版）")], "complete": True},
    )
    assert status == 200, body
    assert body["entries"] == [
        {"origin_code": "BM-GA-001", "code": "BM-420100-GA-001", "version": 2, "result": "updated"}
    ]
    assert body["retired"] == ["BM-420100-GA-002"]
    versions = list(
        Resource.objects.filter(code="BM-420100-GA-001")
        .order_by("version")
        .values_list("version", "is_current", "name")
    )
    assert versions == [(1, False, "武汉市居住证信息"), (2, True, "武汉市居住证信息（新版）")]
    assert Resource.objects.get(code="BM-420100-GA-002").state == "retired"
    assert Mount.objects.get(code="BM-420100-GA-002").state == "suspended"
    assert Mount.objects.get(code="BM-420100-GA-001").state == "mounted"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"node": "city:4201", "entries": []}, "node"),
        ({"node": NODE, "entries": "BM-GA-001"}, "entries"),
        ({"node": NODE, "entries": [entry(), entry("WH/2")]}, "entries[1].code"),
        ({"node": NODE, "entries": [entry("BM-GA-XQ-JD-001")]}, "entries[0].code"),
        ({"node": NODE, "entries": [entry(), entry("BM-420100-GA-001")]}, "entries"),  # the same code here
        ({"node": NODE, "entries": [entry(version=0)]}, "entries[0].version"),
        ({"node": NODE, "entries": [entry(share_type="sometimes")]}, "entries[0].share_type"),
        ({"node": NODE, "entries": [entry(share_basis="")]}, "entries[0].share_basis"),
        ({"node": NODE, "entries": [entry(fields=[])]}, "entries[0].fields"),
        (
            {
                "node": NODE,
                "entries": [
                    entry(fields=[{"key": "Name", "name": "x", "type": "C", "sensitivity": "public"}])
                ],
            },
            "entries[0].fields[0].key",
        ),
        (
            {
                "node": NODE,
                "entries": [entry(fields=[{"key": "n", "name": "x", "type": "Q", "sensitivity": "public"}])],
            },
            "entries[0].fields[0].type",
        ),
        ({"node": NODE, "entries": [entry(), entry()]}, "entries"),
        ({"node": NODE, "entries": [entry(name="")]}, "entries[0].name"),
        ({"node": NODE, "entries": [entry(mounted="yes")]}, "entries[0].mounted"),
        ({"node": NODE, "entries": [], "complete": "true"}, "complete"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field_and_change_nothing(registrant, body, field):
    post(registrant, {"node": NODE, "entries": [entry("BM-GA-009")]})
    before = state()
    status, answer = post(registrant, body)
    assert status == 400, answer
    assert answer["error"]["code"] == "ENTRY_INVALID"
    assert answer["error"]["field"] == field
    assert state() == before


def test_malformed_json_and_missing_or_foreign_tokens_are_refused(registrant, city_dept):
    before = state()
    assert post(registrant, b"{not json")[0] == 400
    assert post(registrant, "[1, 2]")[1]["error"]["code"] == "QUERY_MALFORMED"
    status, answer = post(None, {"node": NODE, "entries": [entry()]})
    assert (status, answer["error"]["code"]) == (401, "TOKEN_INVALID")
    status, answer = post("forged-token", {"node": NODE, "entries": [entry()]})
    assert (status, answer["error"]["code"]) == (401, "TOKEN_INVALID")
    r = Client().get("/exchange/v1/federation/entries", HTTP_AUTHORIZATION=f"Bearer {registrant}")
    assert r.status_code == 405
    assert state() == before
    # Another department's system may not register for the city, nor the city for another node;
    # each refusal is audited and nothing else changes.
    other = make_department(region="420100", name="武汉市其他部门")
    clients.do_register_client(
        actor="system:test",
        name="其他系统",
        department_id=other.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
        client_id="other-system",
        client_secret="other-system-secret-for-tests",
    )
    foreign = token_for("other-system", "other-system-secret-for-tests")
    before = state()
    events = AuditEvent.objects.count()
    status, answer = post(foreign, {"node": NODE, "entries": [entry()]})
    assert (status, answer["error"]["code"]) == (403, "NODE_NOT_ALLOWED")
    status, answer = post(registrant, {"node": "city:420500", "entries": [entry()]})
    assert (status, answer["error"]["code"]) == (403, "NODE_NOT_ALLOWED")
    status, answer = post(registrant, {"node": "province:420000", "entries": [entry()]})
    assert (status, answer["error"]["code"]) == (403, "NODE_NOT_ALLOWED")
    assert state()[:2] == before[:2]
    refused = list(
        AuditEvent.objects.filter(pk__gt=0, action="exchange.federation.refused")
        .order_by("pk")
        .values_list("actor", "object_id")
    )
    assert refused == [
        ("system:client:other-system", NODE),
        (f"system:client:{CITY_CLIENT}", "city:420500"),
        (f"system:client:{CITY_CLIENT}", "province:420000"),
    ]
    assert AuditEvent.objects.count() == events + 3


def test_a_city_code_may_not_take_over_a_province_entry(registrant, city_dept):
    make_resource(city_dept, code="BM-420100-GA-001", name="本级条目")
    before = state()
    status, answer = post(registrant, {"node": NODE, "entries": [entry()]})
    assert status == 400 and answer["error"]["field"] == "entries"
    assert state() == before


# --- The city's push, over HTTP to a live server standing in for the province ------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_register_upstream_pushes_the_local_catalogue(live_server, registrant, city_dept, settings):
    # One database plays both parts: the city's own entries (no origin) are pushed; the rows the
    # province makes of them (with an origin) are never pushed back.
    make_resource(city_dept, code="BM-GA-001", name="武汉市居住证信息", mount_target="population.person")
    make_resource(city_dept, code="BM-GA-002", name="武汉市养犬登记信息")
    settings.EXCHANGE_NODE = NODE
    settings.EXCHANGE_UPSTREAM_URL = live_server.url
    settings.EXCHANGE_UPSTREAM_CLIENT_ID = CITY_CLIENT
    settings.EXCHANGE_UPSTREAM_CLIENT_SECRET = CITY_SECRET
    settings.EXCHANGE_DOWNSTREAM = {
        NODE: {**settings.EXCHANGE_DOWNSTREAM[NODE], "url": "http://127.0.0.1:18001"}
    }

    call_command("exchange", "register-upstream")
    province = {r.code: r for r in Resource.objects.filter(origin=NODE)}
    assert sorted(province) == ["BM-420100-GA-001", "BM-420100-GA-002"]
    assert Mount.objects.get(code="BM-420100-GA-001").target.endswith("/exchange/v1/services/BM-GA-001/query")
    assert not Mount.objects.filter(code="BM-420100-GA-002").exists()
    push = AuditEvent.objects.get(action="exchange.federation.push")
    assert push.object_id == NODE
    assert push.data["codes"] == ["BM-GA-001", "BM-GA-002"]
    assert push.data["results"] == {"BM-GA-001": "created", "BM-GA-002": "created"}

    call_command("exchange", "register-upstream")  # again: nothing new
    assert Resource.objects.filter(origin=NODE).count() == 2

    settings.EXCHANGE_UPSTREAM_CLIENT_SECRET = "a-wrong-secret"
    cache.clear()
    with pytest.raises(CommandError, match="UPSTREAM_TOKEN_REFUSED"):
        call_command("exchange", "register-upstream")


def test_register_upstream_needs_a_city_node_and_a_reachable_province(settings):
    with pytest.raises(CommandError, match="EXCHANGE_NODE"):
        call_command("exchange", "register-upstream")
    settings.EXCHANGE_NODE = NODE
    with pytest.raises(CommandError, match="EXCHANGE_UPSTREAM_URL"):
        call_command("exchange", "register-upstream")
    settings.EXCHANGE_UPSTREAM_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens
    settings.EXCHANGE_UPSTREAM_CLIENT_ID = CITY_CLIENT
    settings.EXCHANGE_UPSTREAM_CLIENT_SECRET = CITY_SECRET
    cache.clear()
    with pytest.raises(CommandError, match="省级节点不可达"):
        call_command("exchange", "register-upstream")
    assert not AuditEvent.objects.filter(action="exchange.federation.push").exists()


def test_remote_auth_sends_nothing_to_a_url_of_no_node_and_reports_an_unreachable_city(settings):
    settings.EXCHANGE_DOWNSTREAM = {}
    assert federation.remote_auth("http://127.0.0.1:18001/exchange/v1/services/BM-GA-001/query") == {}
    settings.EXCHANGE_DOWNSTREAM = {NODE: {"url": "http://127.0.0.1:18001", "registrant": "x"}}
    with pytest.raises(federation.RemoteUnavailable, match="no client credentials"):
        federation.remote_auth("http://127.0.0.1:18001/exchange/v1/services/BM-GA-001/query")
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens
    settings.EXCHANGE_DOWNSTREAM = {
        NODE: {"url": base, "registrant": "x", "client_id": "p", "client_secret": "s"}
    }
    cache.clear()
    with pytest.raises(federation.RemoteUnavailable):
        federation.remote_auth(base + "/exchange/v1/services/BM-GA-001/query")
    # A prefix of another port is not the node's URL: nothing is sent there.
    assert federation.remote_auth(base + "0/exchange/v1/services/BM-GA-001/query") == {}


def test_a_silent_city_token_endpoint_times_out(settings):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings.EXCHANGE_DOWNSTREAM = {
            NODE: {"url": base, "registrant": "x", "client_id": "p", "client_secret": "s"}
        }
        settings.EXCHANGE_REMOTE_TIMEOUT = 0.5
        cache.clear()
        with pytest.raises(federation.RemoteTimeout):  # the silent city: given up at the timeout
            federation.remote_auth(base + "/exchange/v1/services/BM-GA-001/query")


@pytest.mark.django_db(transaction=True)
def test_remote_auth_gives_the_provinces_token_at_the_city(live_server, settings):
    """The live server plays the city: the province's system is its client."""
    office = make_department(region="420000", name="湖北省政务服务和大数据管理局")
    clients.do_register_client(
        actor="system:test",
        name="湖北省数据共享交换平台",
        department_id=office.pk,
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
        client_id="hubei-exchange-node",
        client_secret="hubei-exchange-node-secret-for-tests",
    )
    conf = {
        "url": live_server.url,
        "registrant": CITY_CLIENT,
        "client_id": "hubei-exchange-node",
        "client_secret": "hubei-exchange-node-secret-for-tests",
    }
    settings.EXCHANGE_DOWNSTREAM = {NODE: conf}
    cache.clear()
    url = live_server.url + "/exchange/v1/services/BM-GA-001/query"
    headers = federation.remote_auth(url)
    assert list(headers) == ["Authorization"]
    scheme, bearer_token = headers["Authorization"].split(" ")
    assert scheme == "Bearer"
    assert account_queries.client_for_token(bearer_token) == {
        "client_id": "hubei-exchange-node",
        "department_id": office.pk,
        "scopes": frozenset({"api"}),
    }
    assert federation.remote_auth(url) == headers  # kept in the cache, not fetched again
    federation.forget_remote_token(url)  # the city refused it: the next call fetches a new one
    renewed = federation.remote_auth(url)
    assert renewed != headers and account_queries.client_for_token(renewed["Authorization"][7:]) is not None

    settings.EXCHANGE_DOWNSTREAM = {NODE: {**conf, "client_secret": "a-wrong-secret"}}
    cache.clear()
    with pytest.raises(federation.RemoteUnavailable, match="UPSTREAM_TOKEN_REFUSED"):
        federation.remote_auth(url)
