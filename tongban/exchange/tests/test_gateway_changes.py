"""The gateway's caches across workers (PostgreSQL): a change made by another process (its
announcement, NOTIFY on gateway.CHANNEL, delivered when it commits) is honoured on this worker's
next call — a revoked grant refused, a revoked token refused — not after the cache's TTL; and a
change made here is announced. "Another worker" is a second connection in a thread that writes
as another process would, without this process's signals (which would clear the caches here
anyway)."""

from __future__ import annotations

import hashlib
import select
import threading

import psycopg
import pytest
from django.db import connection
from django.test import Client
from oauth2_provider.models import AccessToken

from tongban.exchange import gateway, grants

from . import gateway_support
from .catalogue_world import staff
from .gateway_support import PERSON_ID, bearer, make_grant

world = gateway_support.world

pytestmark = pytest.mark.django_db(transaction=True)
Q = {"purpose": "verification", "subject": PERSON_ID, "params": {"name": "王芳"}}
URL = "/exchange/v1/services/RK-002/query"


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("announcements between processes are PostgreSQL's NOTIFY")


def another_worker(sql: str, params: list) -> None:
    """Run `sql` and announce, in one transaction on a connection of its own (another process)."""

    def work():
        from django.db import connections

        try:
            with connections["default"].cursor() as cur:
                cur.execute("BEGIN")
                cur.execute(sql, params)
                cur.execute("SELECT pg_notify(%s, '')", [gateway.CHANNEL])
                cur.execute("COMMIT")
        finally:
            connections["default"].close()

    t = threading.Thread(target=work)
    t.start()
    t.join()


def wait_for_announcement() -> None:
    """Until the announcement has reached this connection's socket (a deadline, not a measure)."""
    select.select([connection.connection.pgconn.socket], [], [], 10)


def http(token: str):
    return Client().post(URL, Q, content_type="application/json", **bearer(token))


def test_a_grant_another_worker_revoked_is_refused_on_the_next_call(world):
    grant = make_grant(world.verify, world.consumer, world.client_id)
    assert gateway.call(world.caller, "RK-002", Q).fields == {"match": True}  # cached, listening
    another_worker("UPDATE exchange_grant SET state = 'revoked' WHERE id = %s", [grant.pk])
    wait_for_announcement()
    with pytest.raises(gateway.GatewayRefusal) as refusal:
        gateway.call(world.caller, "RK-002", Q)
    assert refusal.value.code == "GRANT_REVOKED"


def test_a_token_another_worker_revoked_is_refused_on_the_next_call(world):
    make_grant(world.verify, world.consumer, world.client_id)
    assert http(world.token).status_code == 200  # the token is cached in this process
    checksum = hashlib.sha256(world.token.encode()).hexdigest()
    another_worker("DELETE FROM oauth2_provider_accesstoken WHERE token_checksum = %s", [checksum])
    wait_for_announcement()
    r = http(world.token)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "TOKEN_INVALID")


def test_without_an_announcement_the_cache_answers_until_its_ttl(world):
    """The other side of the two tests above: the same write unannounced is not seen (the cache
    is what the announcement invalidates)."""
    grant = make_grant(world.verify, world.consumer, world.client_id)
    gateway.call(world.caller, "RK-002", Q)

    def work():
        from django.db import connections

        try:
            with connections["default"].cursor() as cur:
                cur.execute("UPDATE exchange_grant SET state = 'revoked' WHERE id = %s", [grant.pk])
        finally:
            connections["default"].close()

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert gateway.call(world.caller, "RK-002", Q).fields == {"match": True}


def test_changes_here_are_announced(world):
    """Suspending a grant through the grants service, and revoking a token, each send the
    announcement that other workers take."""
    grant = make_grant(world.verify, world.consumer, world.client_id)
    settings = connection.settings_dict
    listener = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        listener.execute(f"LISTEN {gateway.CHANNEL}")

        def announcements() -> int:
            """Those that came, waiting up to 5 s for the first (the service announces on save
            and again after commit, when the grants service's signal is sent)."""
            return len(list(listener.notifies(timeout=5, stop_after=1)))

        admin = staff("changes-admin", "department_admin", dept=world.provider)
        list(listener.notifies(timeout=0.5))  # drain what the set-up announced
        grants.do_suspend_grant(actor=admin, pk=grant.pk, reason="核查中")
        assert announcements() >= 1
        list(listener.notifies(timeout=0.5))
        AccessToken.objects.filter(token_checksum=hashlib.sha256(world.token.encode()).hexdigest()).delete()
        assert announcements() >= 1
    finally:
        listener.close()
