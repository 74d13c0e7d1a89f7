"""Fan-out atomicity under a killed process (PostgreSQL): a submission killed with SIGKILL in
its transaction leaves no bundle at all; one killed in the middle of the fan-out leaves the
bundle with its pending outbox rows and no member case (the fan-out is one transaction), and
the recovery (`fanout.dispatch_pending`) completes it, each member case exactly once."""

from __future__ import annotations

import os
import pickle
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tongban.bundles import fanout
from tongban.bundles.models import Bundle, BundleFile, BundleMember, BundleOutbox
from tongban.cases import queries as case_queries
from tongban.catalog.testing import ensure_regions

from .fanout_support import (
    SHARED,
    build_world,
    files,
    own_fields,
    publish_theme,
    requiring_nothing,
    spec_doc,
    with_licence_uploaded,
)

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def crash_world(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "the killed-process test needs PostgreSQL (DATABASE_URL): another process must see the data"
        )
    ensure_regions()
    world = build_world(settings, tmp_path)
    # five members that all start at once: a fan-out of five cases
    world["theme"] = publish_theme(world, requiring_nothing(spec_doc(world)), code="qykb-crash")
    uploads = with_licence_uploaded(world, files(world=world), "seal", "social", "tax", "fund")
    world["args"] = {
        "actor_id": world["citizen"].pk,
        "theme_code": "qykb-crash",
        "answers": {},
        "shared": SHARED,
        "own": own_fields(),
        "uploads": uploads,
        "idempotency_key": "crash-1",
    }
    world["tmp"] = tmp_path
    return world


def run_until_stall(world, mode: str) -> None:
    """Start the submission in another process, wait until it stalls where `mode` says, and
    kill it with SIGKILL."""
    path = world["tmp"] / "args.pickle"
    path.write_bytes(pickle.dumps(world["args"]))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "AUDIT_ANCHOR_FILE": str(world["tmp"] / "anchors.jsonl"),
        "SMS_GATEWAY": "tongban.accounts.gateways.OutboxSmsGateway",
    }
    proc = subprocess.Popen(  # noqa: S603 - this project's own module
        [sys.executable, "-m", "tongban.bundles.tests.fanout_crash", mode, str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        line = ""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 1)
            if ready:
                line = proc.stdout.readline()
                if line.strip() == "STALL" or not line:
                    break
        assert line.strip() == "STALL", proc.stderr.read() if proc.poll() is not None else "no STALL in time"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.5)  # the server notices the dropped connection and rolls its transaction back


def wait_unlocked() -> None:
    """Until the killed backend's transaction is gone (its locks with it)."""
    with connection.cursor() as cur:
        for _ in range(100):
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'"
            )
            if cur.fetchone()[0] == 0:
                return
            time.sleep(0.1)


def test_killed_inside_the_submission_leaves_no_bundle(crash_world):
    run_until_stall(crash_world, "submit")
    wait_unlocked()
    assert (Bundle.objects.count(), BundleMember.objects.count(), BundleFile.objects.count()) == (0, 0, 0)
    assert BundleOutbox.objects.count() == 0
    assert case_queries.cases_of(crash_world["citizen"]).count() == 0
    stored = crash_world["tmp"] / "bundles"
    assert (list(stored.rglob("*.sealed")) if stored.exists() else []) == []  # files are written on commit
    assert fanout.dispatch_pending() == 0  # the recovery has nothing to complete


def test_killed_mid_fan_out_leaves_no_member_case_and_the_recovery_completes_it(crash_world):
    run_until_stall(crash_world, "dispatch")
    wait_unlocked()
    [bundle] = Bundle.objects.all()
    members = list(BundleMember.objects.filter(bundle=bundle))
    assert len(members) == 5
    # The fan-out is one transaction (the outbox rows locked, every member case, the rows marked
    # done): killed at the third member case, the two before it rolled back with it.
    assert case_queries.cases_of(crash_world["citizen"]).count() == 0
    assert {m.case_number for m in members} == {""}
    assert BundleOutbox.objects.filter(member__bundle=bundle, done_at__isnull=True).count() == 5
    # The recovery creates the five member cases, once.
    assert fanout.dispatch_pending() == 5
    assert fanout.dispatch_pending() == 0
    members = list(BundleMember.objects.filter(bundle=bundle))
    assert {m.state for m in members} == {"case"}
    numbers = [m.case_number for m in members]
    assert len(set(numbers)) == 5
    cases = {c.number: c for c in case_queries.cases_of(crash_world["citizen"])}
    assert set(cases) == set(numbers)
    assert sorted(c.item_code for c in cases.values()) == sorted(m.item_code for m in members)
    assert BundleOutbox.objects.filter(done_at__isnull=True).count() == 0
