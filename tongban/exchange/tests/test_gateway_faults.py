"""A provider that is slow, failing or down, behind a real HTTP server on loopback: the caller gets
a clear error within the timeout, and the circuit opens after repeated failures and half-opens
later (one trial call)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .. import gateway, handlers
from ..errors import GatewayRefusal
from ..models import CallLog
from ..testing import make_resource
from . import gateway_support
from .gateway_support import PERSON_ID, log_rows, make_grant

world = gateway_support.world

pytestmark = pytest.mark.django_db


REMOTE_FIELDS = [
    {"key": "name", "name": "姓名", "type": "C", "length": 60, "sensitivity": "personal"},
    {"key": "hukou", "name": "户籍地", "type": "C", "length": 12, "sensitivity": "personal"},
]


class Provider:
    """A provider's gateway on loopback: `mode` is "ok", "slow", "error" or "not_found"."""

    def __init__(self):
        self.mode = "ok"
        self.hits = 0
        self.bodies: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                provider.hits += 1
                length = int(self.headers.get("Content-Length", 0))
                provider.bodies.append(json.loads(self.rfile.read(length)))
                if provider.mode == "slow":
                    time.sleep(2)
                if provider.mode == "error":
                    self._send(500, {"detail": "boom"})
                elif provider.mode == "not_found":
                    self._send(404, {"error": {"code": "SUBJECT_NOT_FOUND", "message": "无"}})
                else:
                    self._send(
                        200,
                        {"code": "C-1", "version": 3, "fields": {"name": "王芳", "hukou": "420102", "x": 1}},
                    )

            def _send(self, status, body):
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the gateway gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/exchange/v1/services/C-1/query"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    settings.EXCHANGE_REMOTE_TIMEOUT = 0.3
    settings.EXCHANGE_CIRCUIT_FAILURES = 3
    settings.EXCHANGE_CIRCUIT_OPEN_SECONDS = 30
    p = Provider()
    yield p
    p.close()


def remote(world, url: str, *, fields=None):
    resource = make_resource(
        world.provider, code="CITY-001", name="市级人口信息", fields=REMOTE_FIELDS, mount_target=url
    )
    make_grant(resource, world.consumer, world.client_id, fields=fields)
    return resource


Q = {"purpose": "verification", "subject": PERSON_ID, "case_number": "C-20261207-0001"}


def call(world, query=Q):
    return gateway.call(world.caller, "CITY-001", query)


def refusal(world, query=Q) -> GatewayRefusal:
    with pytest.raises(GatewayRefusal) as info:
        call(world, query)
    return info.value


def test_remote_answer_is_projected_and_the_query_forwarded(world, provider):
    remote(world, provider.url, fields=["name"])
    answer = call(world)
    assert answer.fields == {"name": "王芳"}
    assert provider.bodies == [
        {
            "purpose": "verification",
            "subject": PERSON_ID,
            "fields": ["name"],
            "params": {},
            "case_number": "C-20261207-0001",
        }
    ]
    assert log_rows() == [("CITY-001", world.client_id, "ok", "", ["name"])]


def test_remote_not_found(world, provider):
    remote(world, provider.url)
    provider.mode = "not_found"
    assert refusal(world).code == "SUBJECT_NOT_FOUND"


def test_slow_provider_times_out_within_the_timeout(world, provider):
    remote(world, provider.url)
    provider.mode = "slow"
    r = refusal(world)  # the provider answers after seconds; the gateway gives up at its timeout
    assert (r.code, r.status) == ("PROVIDER_TIMEOUT", 504)
    assert log_rows() == [("CITY-001", world.client_id, "failed", "PROVIDER_TIMEOUT", [])]
    assert CallLog.objects.get().latency_ms >= 300


def test_provider_down(world, provider):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    remote(world, f"http://127.0.0.1:{port}/x")
    r = refusal(world)
    assert (r.code, r.status) == ("SERVICE_UNAVAILABLE", 503)


def test_circuit_opens_after_repeated_failures_and_half_opens_later(world, provider, monkeypatch):
    remote(world, provider.url)
    provider.mode = "error"
    assert [refusal(world).code for _ in range(3)] == ["PROVIDER_FAILED"] * 3
    assert provider.hits == 3
    # Open: refused at once, the provider is not called.
    r = refusal(world)
    assert (r.code, r.status) == ("CIRCUIT_OPEN", 503)
    assert provider.hits == 3
    assert gateway.Breaker("CITY-001").state() == "open"
    # Later: half-open, one trial goes through; it fails, so the circuit opens again.
    later = time.time() + 31
    monkeypatch.setattr(gateway.time, "time", lambda: later)
    assert gateway.Breaker("CITY-001").state() == "half-open"
    assert refusal(world).code == "PROVIDER_FAILED"
    assert provider.hits == 4
    assert refusal(world).code == "CIRCUIT_OPEN"
    # Later again: the trial succeeds and the circuit closes.
    later += 31
    provider.mode = "ok"
    assert call(world).fields == {"name": "王芳", "hukou": "420102"}
    assert gateway.Breaker("CITY-001").state() == "closed"
    assert call(world).fields["name"] == "王芳"
    assert provider.hits == 6
    assert [row[2:4] for row in log_rows()] == [
        ("failed", "PROVIDER_FAILED"),
        ("failed", "PROVIDER_FAILED"),
        ("failed", "PROVIDER_FAILED"),
        ("failed", "CIRCUIT_OPEN"),
        ("failed", "PROVIDER_FAILED"),
        ("failed", "CIRCUIT_OPEN"),
        ("ok", ""),
        ("ok", ""),
    ]


def test_half_open_lets_one_trial_through(world, provider, monkeypatch):
    remote(world, provider.url)
    breaker = gateway.Breaker("CITY-001")
    for _ in range(3):
        breaker.failure()
    later = time.time() + 31
    monkeypatch.setattr(gateway.time, "time", lambda: later)
    first, second = gateway.Breaker("CITY-001"), gateway.Breaker("CITY-001")
    assert (first.allow(), second.allow()) == (True, False)


def test_an_in_process_handler_that_raises_is_a_provider_failure(world, monkeypatch):
    make_grant(world.person, world.consumer, world.client_id)

    def broken(query):
        raise RuntimeError("database gone")

    monkeypatch.setitem(
        handlers._registry,
        "population.person",
        handlers.Handler("population.person", broken, handlers.RESIDENT_ID),
    )
    with pytest.raises(GatewayRefusal) as info:
        gateway.call(world.caller, "RK-001", {"purpose": "verification", "subject": PERSON_ID})
    assert (info.value.code, info.value.status) == ("PROVIDER_FAILED", 502)
    assert log_rows() == [("RK-001", world.client_id, "failed", "PROVIDER_FAILED", [])]
