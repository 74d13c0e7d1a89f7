"""Section `draw` of bench/supervision.py: a 双随机 draw over 9,760,000 entities (Hubei's 法人库
figure) stratified by credit class, and its re-verification. Target: each ≤ 2 s.

The entities are generated inside PostgreSQL (INSERT … SELECT over generate_series: no row
passes through Python), 20 % class A, 60 % B, 15 % C, 5 % D, over 100 Hubei county codes and 20
industries, 2 % inactive; then VACUUM ANALYZE (so the snapshot's index-only scan needs no heap).
Staff, inspectors (with a few declared conflicts), the matter, the plan and its approval go
through the services. The plan covers the whole province (region prefix 42, every industry)
with ratios A 0.1 %, B 0.3 %, C 1 %, D 3 % (about 49,000 targets, 2 inspectors each).

Timed, each through the services as an official would call them:
- snapshot: the second commitment (reads the inspectors and every in-scope entity id by one
  binary COPY, hashes the inputs, stores them as one bytea per class);
- select:   the second reveal (seed, selection, targets and assignments written);
- verify:   `verify_draw.differences` (reads the stored inputs, rehashes, recomputes, compares).
In smoke mode (2,000 entities) the stand-alone scripts/verify_draw.py is also run on the
published JSON.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACTOR = "system:bench"
FULL = 9_760_000
SMOKE = 2_000
RATIOS = {"A": 10, "B": 30, "C": 100, "D": 300}
INSPECTORS = 300
TARGET_SECONDS = 2.0


def _load_entities(n: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO supervision_entity
                (credit_code, name, kind, region_code, industry, address, active, credit_class, created_at)
            SELECT '92' || counties[1 + i %% 100] || lpad(i::text, 9, '0') || 'X',
                   '市场主体' || i,
                   CASE WHEN i %% 3 = 0 THEN 'enterprise' ELSE 'individual' END,
                   counties[1 + i %% 100],
                   industries[1 + (i / 7) %% 20],
                   '',
                   i %% 50 <> 0,
                   CASE WHEN (i * 7919) %% 100 < 20 THEN 'A' WHEN (i * 7919) %% 100 < 80 THEN 'B'
                        WHEN (i * 7919) %% 100 < 95 THEN 'C' ELSE 'D' END,
                   now()
            FROM generate_series(1::bigint, %s) AS i,
                 (SELECT array_agg(code) AS counties FROM (
                     SELECT '42' || lpad((1 + g / 6)::text, 2, '0') || lpad((2 + g %% 6)::text, 2, '0') AS code
                     FROM generate_series(0, 99) AS g) c) cs,
                 (SELECT ARRAY['H62','F52','C13','C14','E47','G54','I65','L72','M74','O80',
                               'P83','Q84','R86','F51','H61','K70','C39','C26','N77','S94'] AS industries) ind
            """,
            [n],
        )
        cur.execute("VACUUM (ANALYZE) supervision_entity")
    return time.perf_counter() - started


def _world(smoke: bool):
    import datetime as dt

    from django.utils import timezone

    from tongban.accounts import services as account_services
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services
    from tongban.core.identifiers import make_credit_code
    from tongban.supervision import services_draw as services

    if not core_queries.provinces().exists():
        core_services.do_load_regions(actor=ACTOR)
    dept = core_services.do_upsert_department(
        actor=ACTOR,
        name="湖北省市场监督管理局",
        credit_code=make_credit_code(random.Random("bench:sup-dept"), region="420000", kind="11"),
        region_code="420000",
        kind="bureau",
    )
    people = {}
    for name, role in (
        ("admin", "department_admin"),
        ("drafter", "window_clerk"),
        ("reviewer", "approving_officer"),
        ("official-1", "approving_officer"),
        ("official-2", "department_admin"),
    ):
        people[name] = account_services.do_upsert_staff(
            actor=ACTOR,
            username=f"bench-{name}",
            password="bench-password-long",
            display_name=name,
            roles=[role],
            department_id=dept.pk,
        )
    count = 20 if smoke else INSPECTORS
    account_services.do_bulk_create_staff(
        actor=ACTOR,
        accounts=[
            {
                "username": f"bench-inspector-{i}",
                "display_name": f"检查员{i}",
                "roles": ["inspector"],
                "department_id": dept.pk,
            }
            for i in range(count)
        ],
        password="bench-password-long",
    )
    from tongban.supervision import queries_draw

    matter = queries_draw.matter_by_code("BENCH-001") or services.do_create_matter(
        actor=people["admin"],
        values={
            "code": "BENCH-001",
            "name": "市场主体登记事项检查",
            "legal_basis": "《市场主体登记管理条例》",
            "department": dept.pk,
            "object_type": "all",
            "method": "documents",
            "rule": {"record_items": ["检查情况"], "recusal_days": 365},
        },
    )
    from tongban.accounts import queries as account_queries

    inspectors, fresh = [], False
    for i in range(count):
        user = account_queries.staff_of_department(dept.pk).get(username=f"bench-inspector-{i}")
        inspector = queries_draw.inspector_of(user)
        if inspector is None:
            fresh = True
            inspector = services.do_register_inspector(
                actor=people["admin"],
                user_id=user.pk,
                region_code="420100",
                badge_no=f"BENCH-{i:05d}",
                matter_ids=[matter.pk],
            )
        inspectors.append(inspector)
    from django.db import connection

    with connection.cursor() as cur:  # a few declared conflicts with real entities
        cur.execute("SELECT credit_code FROM supervision_entity ORDER BY id LIMIT 10")
        codes = [r[0] for r in cur.fetchall()]
    for i, code in enumerate(codes if fresh else []):
        services.do_declare_conflict(
            actor=people["admin"], inspector_id=inspectors[i].pk, credit_code=code, relation="relative"
        )
    today = timezone.localdate()
    plan = services.do_create_plan(
        actor=people["drafter"],
        values={
            "title": f"全省市场主体登记事项双随机抽查 {timezone.now():%Y%m%d%H%M%S}",
            "matter": matter.pk,
            "region_prefix": "42",
            "period_start": today.isoformat(),
            "period_end": (today + dt.timedelta(days=90)).isoformat(),
            "ratios_bp": RATIOS,
        },
    )
    services.do_submit_plan(actor=people["drafter"], plan_id=plan.pk)
    services.do_decide_plan(actor=people["reviewer"], plan_id=plan.pk, approve=True)
    return people, plan


def run(dsn: str, smoke: bool) -> dict:
    from tongban.supervision import draws, queries_draw, verify_draw
    from tongban.supervision import services_draw as services

    n = SMOKE if smoke else FULL
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM supervision_entity")
        have = cur.fetchone()[0]
    load_seconds = 0.0
    if have != n:  # a reused database keeps its entities
        print(f"loading {n:,} entities ...", flush=True)
        load_seconds = _load_entities(n)
        print(f"  {load_seconds:.1f} s", flush=True)
    people, plan = _world(smoke)
    s1, s2 = "a1" * 32, "b2" * 32
    services.do_commit(
        actor=people["official-1"], plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(s1))
    )
    t = time.perf_counter()
    draw = services.do_commit(
        actor=people["official-2"], plan_id=plan.pk, commitment=draws.commitment(bytes.fromhex(s2))
    )
    snapshot = time.perf_counter() - t
    services.do_reveal(actor=people["official-1"], plan_id=plan.pk, secret=s1)
    t = time.perf_counter()
    draw = services.do_reveal(actor=people["official-2"], plan_id=plan.pk, secret=s2)
    select = time.perf_counter() - t
    draw.refresh_from_db()
    t = time.perf_counter()
    problems = verify_draw.differences(draw)
    verify = time.perf_counter() - t
    print(
        f"draw over {draw.entity_count:,} entities: snapshot {snapshot:.2f} s, select {select:.2f} s "
        f"({draw.target_count:,} targets), verify {verify:.2f} s ({'recomputes' if not problems else problems[0]})",
        flush=True,
    )
    figures = {
        "entities": draw.entity_count,
        "targets": draw.target_count,
        "inspectors_per_target": draw.inspectors_per_target,
        "load_seconds": round(load_seconds, 1),
        "snapshot_seconds": round(snapshot, 3),
        "select_seconds": round(select, 3),
        "draw_seconds": round(snapshot + select, 3),
        "verify_seconds": round(verify, 3),
        "verified": not problems,
        "target_seconds": TARGET_SECONDS,
    }
    if smoke:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "draw.json"
            path.write_text(json.dumps(queries_draw.publication(draw)), encoding="utf-8")
            t = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-I", str(ROOT / "scripts" / "verify_draw.py"), str(path)],
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            figures["standalone_seconds"] = round(time.perf_counter() - t, 3)
            figures["standalone_ok"] = done.returncode == 0
            print(done.stdout.strip(), flush=True)
    return figures
