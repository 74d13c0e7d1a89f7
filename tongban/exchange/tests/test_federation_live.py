"""Federation across two real server processes: a province and a city, each a granian server on
its own loopback port with its own database (two SQLite files, or two PostgreSQL databases when
the suite runs on PostgreSQL), its own settings (EXCHANGE_NODE, the upstream/downstream nodes and
their client credentials), and real client-credentials tokens from each node's /o/token/.

Each node's state is built and read by tongban/exchange/tests/federation_node.py, run in a process
against that node's database; the registration is the real `manage.py exchange register-upstream`
of the city. Nothing here touches the test process's own database."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tongban.core.identifiers import make_resident_id, mask_resident_id, resident_id_sex

ROOT = Path(settings.BASE_DIR)
NODE = "city:420100"
CITY_CLIENT, CITY_SECRET = "wuhan-exchange-node", "wuhan-exchange-node-secret-2026"
PROVINCE_CLIENT, PROVINCE_SECRET = "hubei-exchange-node", "hubei-exchange-node-secret-2026"
CALLER_CLIENT, CALLER_SECRET = "hubei-samr-system", "hubei-samr-system-secret-2026"
PERSON = {"name": "王芳", "id_number": make_resident_id(__import__("random").Random(42), region="420102")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(env: dict, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603 - this interpreter on our own modules
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done


def node_step(env: dict, step: str, **args) -> dict:
    done = run(
        env, "-m", "tongban.exchange.tests.federation_node", step, json.dumps(args, ensure_ascii=False)
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def http(method: str, url: str, body=None, *, token: str = "", form: dict | None = None, basic=None):
    headers = {"Accept": "application/json"}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        if basic:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
    elif body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw or b"{}")
        except ValueError:
            return error.code, {"raw": raw[:500].decode(errors="replace")}


def http_text(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def token(base_url: str, client_id: str, secret: str) -> str:
    status, body = http(
        "POST", base_url + "/o/token/", form={"grant_type": "client_credentials"}, basic=(client_id, secret)
    )
    assert status == 200, body
    return body["access_token"]


@dataclass
class Node:
    name: str
    env: dict
    port: int
    log: Path
    process: subprocess.Popen | None = None
    extra: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        granian = Path(sys.executable).with_name("granian")
        self.process = subprocess.Popen(  # noqa: S603 - granian from this virtualenv, our own app
            [
                str(granian),
                "--interface",
                "wsgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--blocking-threads",
                "4",
                "--no-access-log",
                "tongban.wsgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                with urllib.request.urlopen(self.url + "/.well-known/openid-configuration", timeout=2):  # noqa: S310
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise AssertionError(f"{self.name} did not start: {self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def state(self) -> dict:
        return node_step(self.env, "state")


# --- The two databases -----------------------------------------------------------------------


def _pg_admin(db: dict):
    import psycopg

    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _pg_url(db: dict, name: str) -> str:
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    """Two migrated databases, {"province": url, "city": url}: the province's migrated by
    `manage.py migrate`, the city's a copy of it (SQLite backup / PostgreSQL TEMPLATE)."""
    where = tmp_path_factory.mktemp("federation")
    db = settings.DATABASES["default"]
    base_env = {**os.environ, "TONGBAN_ENV": "development", "LOG_LEVEL": "WARNING"}
    if db["ENGINE"].endswith("postgresql"):
        names = {n: f"tongban_federation_{n}_{os.getpid()}" for n in ("province", "city")}
        urls = {n: _pg_url(db, name) for n, name in names.items()}
        with _pg_admin(db) as admin:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{names["province"]}"')
        done = run({**base_env, "DATABASE_URL": urls["province"]}, "manage.py", "migrate", "--verbosity", "0")
        assert done.returncode == 0, done.stderr[-3000:]
        with _pg_admin(db) as admin:
            admin.execute(f'CREATE DATABASE "{names["city"]}" TEMPLATE "{names["province"]}"')
        yield urls, base_env
        with _pg_admin(db) as admin:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        paths = {n: where / f"{n}.sqlite3" for n in ("province", "city")}
        urls = {n: f"sqlite:///{p}" for n, p in paths.items()}
        done = run({**base_env, "DATABASE_URL": urls["province"]}, "manage.py", "migrate", "--verbosity", "0")
        assert done.returncode == 0, done.stderr[-3000:]
        with sqlite3.connect(paths["province"]) as source, sqlite3.connect(paths["city"]) as target:
            source.backup(target)
        yield urls, base_env
        shutil.rmtree(where, ignore_errors=True)


@pytest.fixture(scope="module")
def nodes(databases, tmp_path_factory):
    urls, base_env = databases
    logs = tmp_path_factory.mktemp("federation-logs")
    province_port, city_port = free_port(), free_port()
    city_url = f"http://127.0.0.1:{city_port}"
    province_url = f"http://127.0.0.1:{province_port}"
    province = Node(
        "province",
        {
            **base_env,
            "DATABASE_URL": urls["province"],
            "EXCHANGE_NODE": "province:420000",
            "EXCHANGE_NODE_URL": province_url,
            "EXCHANGE_DOWNSTREAM": json.dumps(
                {
                    NODE: {
                        "url": city_url,
                        "registrant": CITY_CLIENT,
                        "client_id": PROVINCE_CLIENT,
                        "client_secret": PROVINCE_SECRET,
                    }
                }
            ),
        },
        province_port,
        logs / "province.log",
    )
    city = Node(
        "city",
        {
            **base_env,
            "DATABASE_URL": urls["city"],
            "EXCHANGE_NODE": NODE,
            "EXCHANGE_NODE_URL": city_url,
            "EXCHANGE_UPSTREAM_URL": province_url,
            "EXCHANGE_UPSTREAM_CLIENT_ID": CITY_CLIENT,
            "EXCHANGE_UPSTREAM_CLIENT_SECRET": CITY_SECRET,
            "EXCHANGE_PEER_CLIENTS": json.dumps({PROVINCE_CLIENT: "province:420000"}),
        },
        city_port,
        logs / "city.log",
    )
    province.extra = node_step(
        province.env,
        "setup-province",
        city_client=CITY_CLIENT,
        city_secret=CITY_SECRET,
        caller_client=CALLER_CLIENT,
        caller_secret=CALLER_SECRET,
    )
    city.extra = node_step(
        city.env,
        "setup-city",
        province_client=PROVINCE_CLIENT,
        province_secret=PROVINCE_SECRET,
        person=PERSON,
    )
    try:
        for n in (province, city):
            n.start()
        for n in (province, city):
            n.wait_ready()
        yield province, city
    finally:
        for n in (province, city):
            n.stop()


def test_federation_across_two_processes(nodes):
    """One test (one pair of servers, whichever worker runs it): the registration, then the
    routed calls."""
    province, city = nodes
    city_registers_its_catalogue_with_the_province_over_http(province, city)
    province_calls_go_through_the_city_gateway_with_the_province_grant(province, city)


def city_registers_its_catalogue_with_the_province_over_http(province, city):
    assert province.state()["resources"] == []

    done = run(city.env, "manage.py", "exchange", "register-upstream")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "BM-GA-001 → BM-420100-GA-001 v1 created",
        "BM-GA-002 → BM-420100-GA-002 v1 created",
        "city:420100: 2 registered",
    ]

    seen = province.state()
    assert [
        (
            r["code"],
            r["version"],
            r["is_current"],
            r["state"],
            r["origin"],
            r["origin_code"],
            r["provider__name"],
        )
        for r in seen["resources"]
    ] == [
        ("BM-420100-GA-001", 1, True, "published", NODE, "BM-GA-001", "武汉市政务服务和大数据管理局"),
        ("BM-420100-GA-002", 1, True, "published", NODE, "BM-GA-002", "武汉市政务服务和大数据管理局"),
    ]
    assert seen["mounts"] == [
        {
            "code": "BM-420100-GA-001",
            "kind": "service",
            "state": "mounted",
            "target": f"{city.url}/exchange/v1/services/BM-GA-001/query",
        }
    ]
    # The province's public catalogue shows the city's open entry under the province's code; the
    # closed one (personal data) is not public there either.
    status, page = http_text(province.url + "/exchange/catalogue/BM-420100-GA-002/")
    assert status == 200 and "武汉市户籍人口统计表" in page and "BM-420100-GA-002" in page
    assert http_text(province.url + "/exchange/catalogue/BM-420100-GA-001/")[0] == 404
    status, page = http_text(province.url + "/exchange/catalogue/?q=" + urllib.parse.quote("户籍"))
    assert status == 200 and "BM-420100-GA-002" in page and "BM-420100-GA-001" not in page
    registrant = f"system:client:{CITY_CLIENT}"
    assert seen["audit"] == [
        ["exchange.federation.register", registrant, str(_id(seen, "BM-420100-GA-001"))],
        ["exchange.federation.mount", registrant, seen["audit"][1][2]],
        ["exchange.federation.register", registrant, str(_id(seen, "BM-420100-GA-002"))],
    ]
    assert city.state()["audit"] == [["exchange.federation.push", "system:exchange-federation", NODE]]

    # Again: nothing changes at the province.
    done = run(city.env, "manage.py", "exchange", "register-upstream")
    assert done.returncode == 0, done.stderr
    assert "BM-GA-001 → BM-420100-GA-001 v1 unchanged" in done.stdout
    assert province.state()["resources"] == seen["resources"]

    # A city client's token is not the province's: the city's system cannot register with a token
    # issued by the city itself.
    city_token = token(city.url, PROVINCE_CLIENT, PROVINCE_SECRET)
    status, body = http(
        "POST",
        province.url + "/exchange/v1/federation/entries",
        {"node": NODE, "entries": []},
        token=city_token,
    )
    assert (status, body["error"]["code"]) == (401, "TOKEN_INVALID")
    assert province.state()["resources"] == seen["resources"]


def _id(state: dict, code: str):
    # The audit event's object id is the Resource's pk; the state lists resources in code order
    # and the province created them in that order (1, 2).
    return [r["code"] for r in state["resources"]].index(code) + 1


def calls(node: Node) -> list[tuple]:
    return [
        (c["service_code"], c["client_id"], c["outcome"], c["error_code"], c["node"], c["fields"])
        for c in node.state()["calls"]
    ]


def province_calls_go_through_the_city_gateway_with_the_province_grant(province, city):
    grant = node_step(
        province.env,
        "grant-province",
        code="BM-420100-GA-001",
        client_id=CALLER_CLIENT,
        fields=["name", "sex", "birth_date"],
        purposes=["licensing"],
    )["grant"]
    caller = token(province.url, CALLER_CLIENT, CALLER_SECRET)
    url = province.url + "/exchange/v1/services/BM-420100-GA-001/query"
    query = {
        "purpose": "licensing",
        "case_number": "HB-2026-000123",
        "subject": PERSON["id_number"],
        "fields": ["name", "sex"],
    }

    # 1. Allowed at the province, routed to the city with the province's token, allowed there.
    status, body = http("POST", url, query, token=caller)
    assert status == 200, body
    assert body["code"] == "BM-420100-GA-001" and body["version"] == 1
    assert body["fields"] == {"name": "王芳", "sex": resident_id_sex(PERSON["id_number"])}
    at_province, at_city = province.state()["calls"], city.state()["calls"]
    assert [
        (c["service_code"], c["client_id"], c["outcome"], c["node"], c["fields"]) for c in at_province
    ] == [("BM-420100-GA-001", CALLER_CLIENT, "ok", NODE, ["name", "sex"])]
    assert [(c["service_code"], c["client_id"], c["outcome"], c["node"], c["fields"]) for c in at_city] == [
        ("BM-GA-001", PROVINCE_CLIENT, "ok", "province:420000", ["name", "sex"])
    ]
    for row in (at_province[0], at_city[0]):  # purpose, case and subject forwarded; never in plain text
        assert (row["purpose"], row["case_number"]) == ("licensing", "HB-2026-000123")
        assert row["subject_masked"] == mask_resident_id(PERSON["id_number"])
        assert len(row["subject_index"]) == 64
    assert PERSON["id_number"] not in json.dumps(at_province + at_city)

    # 2. A field the province granted but the city did not grant the province: refused at the
    #    city with its code, passed on; both ends log the refusal.
    status, body = http("POST", url, {**query, "fields": ["birth_date"]}, token=caller)
    assert (status, body["error"]["code"]) == (403, "FIELD_NOT_GRANTED"), body
    assert calls(province)[-1] == (
        "BM-420100-GA-001",
        CALLER_CLIENT,
        "refused",
        "FIELD_NOT_GRANTED",
        NODE,
        [],
    )
    assert calls(city)[-1] == (
        "BM-GA-001",
        PROVINCE_CLIENT,
        "refused",
        "FIELD_NOT_GRANTED",
        "province:420000",
        [],
    )

    # 3. The city revokes the province's token: the call fails (the caller's token is fine, so
    #    not TOKEN_INVALID) and the province drops the token; the next call gets a new one.
    node_step(city.env, "revoke-tokens", client_id=PROVINCE_CLIENT)
    time.sleep(5.5)  # the city's bearer cache honours a revocation by another process within 5 s
    status, body = http("POST", url, query, token=caller)
    assert (status, body["error"]["code"]) == (502, "PROVIDER_FAILED"), body
    assert calls(city)[-1][2:4] == ("refused", "TOKEN_INVALID")
    status, body = http("POST", url, query, token=caller)
    assert status == 200, body
    assert calls(city)[-1] == ("BM-GA-001", PROVINCE_CLIENT, "ok", "", "province:420000", ["name", "sex"])

    # 4. The province suspends its grant: refused at the province without reaching the city.
    node_step(province.env, "grant-state", grant=grant, state="suspended")
    time.sleep(5.5)  # the gateway's grant cache: another process's change is honoured within 5 s
    city_before = calls(city)
    status, body = http("POST", url, query, token=caller)
    assert (status, body["error"]["code"]) == (403, "GRANT_SUSPENDED"), body
    assert calls(province)[-1] == ("BM-420100-GA-001", CALLER_CLIENT, "refused", "GRANT_SUSPENDED", NODE, [])
    assert calls(city) == city_before

    # 5. Both call logs' hash chains check out.
    for node in (province, city):
        done = run(node.env, "manage.py", "exchange", "verify-log")
        assert done.returncode == 0, done.stdout + done.stderr

    # 6. Resumed, with the city down: a clear error within the timeout, logged as failed.
    node_step(province.env, "grant-state", grant=grant, state="active")
    city.stop()
    time.sleep(5.5)
    status, body = http("POST", url, query, token=caller)
    assert (status, body["error"]["code"]) == (503, "SERVICE_UNAVAILABLE"), body
    assert calls(province)[-1] == (
        "BM-420100-GA-001",
        CALLER_CLIENT,
        "failed",
        "SERVICE_UNAVAILABLE",
        NODE,
        [],
    )
