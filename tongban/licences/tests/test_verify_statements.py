"""A verification by a department system on PostgreSQL is two prepared statements — the read
of licence, key and batch, and the usage row's insert — and the row is committed when the
answer is sent (its own module: a transactional test flushes the regions the module loaded)."""

from __future__ import annotations

import pytest

from .test_concurrency import needs_postgres

pytestmark = pytest.mark.usefixtures("regions_loaded")


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_verification_is_two_statements_and_its_usage_row_is_committed(world, transactional_db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from .. import usage_log
    from ..models import LicenceUsage
    from .test_api import bearer
    from .test_verify_fast_path import verifying_system

    client, url, token, licence = verifying_system(world)
    assert client.get(url, **bearer(token)).status_code == 200  # token remembered, statements prepared
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, **bearer(token))
    assert r.status_code == 200 and r.json()["valid"] is True
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == 2, sql
    assert sql[0].startswith("EXECUTE tongban_licence_verify(")
    assert sql[1].startswith("EXECUTE tongban_usage_append(")
    rows = list(LicenceUsage.objects.order_by("pk").values_list("identifier", "outcome"))
    assert rows == [(licence.identifier, "supplied")] * 2
    with connection.cursor() as cursor:  # the asynchronous commit was the statement's own
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"

    connection.close()  # a new connection prepares its statements again
    assert client.get(url, **bearer(token)).json()["valid"] is True

    batch = [
        LicenceUsage(
            at=timezone.now(), action="verify", actor="system:test", outcome="not_found", identifier=f"X.{i}"
        )
        for i in range(3)
    ]
    usage_log.append(batch)
    assert len({row.pk for row in batch}) == 3 and None not in {row.pk for row in batch}
    assert LicenceUsage.objects.filter(pk__in=[row.pk for row in batch]).count() == 3
    assert LicenceUsage.objects.count() == 6
