"""Bundle fan-out (一事联办) with a million cases in the database: bundles per second and the p95
latency of one submission of a 5-member bundle (its bundle row, members, files and outbox in one
transaction, then its five member cases dispatched), measured side by side with one online case
submission (`cases.services.do_submit`) of the same form and materials.

The world and the background cases are bench/case_world.py's (through the services, then
COPY-loaded copies); the theme is published through `bundles.testing.make_published_theme`
(four eyes), its five members the first five items, every member starting at once (the widest
fan-out), the shared fields and both materials asked once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_bundles_fanout_bench .venv/bin/python bench/bundles.py [--cases 1000000] [--rounds 200] [--reuse]
    ... bench/bundles.py --smoke

Targets (issue 13): submission p95 < 300 ms; the fan-out at most 5x one online submission.
Report: var/bench/bundles.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchlib import (  # noqa: E402 - beside this script
    SMOKE_DIR,
    bench_database,
    parse_args_with_smoke,
    report_head,
    scratch_media,
    summary,
)
from case_world import FORM, PDF, build_world, load_cases  # noqa: E402 - beside this script

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
os.environ.setdefault("SMS_GATEWAY", "tongban.accounts.gateways.OutboxSmsGateway")

TARGET_P95_MS = 300.0
TARGET_RATIO = 5.0
THEME = "bench-bundle"
MEMBERS = 5


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=1_000_000, help="cases already in the database")
    p.add_argument("--departments", type=int, default=60, help="departments the cases are spread over")
    p.add_argument("--rounds", type=int, default=200, help="timed rounds (one bundle and one case each)")
    p.add_argument("--warmups", type=int, default=5, help="untimed rounds first")
    p.add_argument("--reuse", action="store_true", help="keep the database; load only what is missing")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "bundles.json"))
    tiny = {
        "cases": 60,
        "departments": MEMBERS,
        "rounds": 3,
        "warmups": 1,
        "out": str(SMOKE_DIR / "bundles.json"),
    }
    return parse_args_with_smoke(p, tiny)


def theme_doc(items: list[dict]) -> dict:
    members = [
        {
            "key": f"m{n}",
            "item_code": item["code"],
            "fields": {"applicant_name": "applicant", "contact_phone": "phone"},
            "materials": {"申请书": "letter", "营业执照": "licence_copy"},
        }
        for n, item in enumerate(items[:MEMBERS])
    ]
    return {
        "promised_days": 1,
        "shared_fields": [
            {"key": "applicant", "label": "申请人", "type": "text", "required": True},
            {"key": "phone", "label": "联系电话", "type": "mobile", "required": True},
        ],
        "shared_materials": [
            {"key": "letter", "name": "申请书", "licence_type": ""},
            {"key": "licence_copy", "name": "营业执照", "licence_type": ""},
        ],
        "members": members,
    }


def ensure_theme(world: dict) -> None:
    from tongban.bundles import queries
    from tongban.bundles.testing import make_published_theme

    if queries.published_theme(THEME) is None:
        region = world["items"][0]["region"]
        make_published_theme(theme_doc(world["items"]), code=THEME, region_code=region, name="基准一件事")


def bench_submissions(world: dict, rounds: int, warmups: int) -> dict:
    """Interleaved: one bundle submission (with its fan-out), one case submission, per round."""
    from django.contrib.auth import get_user_model

    from tongban.bundles import fanout, submission
    from tongban.cases import services as case_services
    from tongban.catalog import queries as catalog_queries

    users = list(get_user_model().objects.filter(pk__in=world["citizens"]))
    first = catalog_queries.get_guide(world["items"][0]["code"])
    case_uploads = [case_services.Upload(m.pk, m.name, PDF, "application/pdf") for m in first.materials.all()]
    bundle_uploads = {
        k: submission.Upload(None, k, PDF, "application/pdf") for k in ("letter", "licence_copy")
    }
    shared = {"applicant": FORM["applicant_name"], "phone": FORM["contact_phone"]}
    own = {f"m{n}": {"request": FORM["request"]} for n in range(MEMBERS)}
    bundle_ms, case_ms, fanout_ms = [], [], []
    members = 0
    bundle_total = 0.0
    # The part of each bundle submission spent creating its member cases (the dispatcher, run
    # right after the submission's commit): timed around fanout.dispatch_bundle.
    dispatch = fanout.dispatch_bundle
    spent: list[float] = []

    def timed_dispatch(number: str) -> int:
        t0 = time.perf_counter()
        try:
            return dispatch(number)
        finally:
            spent.append(time.perf_counter() - t0)

    fanout.dispatch_bundle = timed_dispatch
    for i in range(warmups + rounds):
        user = users[i % len(users)]
        spent.clear()
        t = time.perf_counter()
        bundle = submission.do_submit_bundle(
            actor=user, theme_code=THEME, answers={}, shared=shared, own=own, uploads=bundle_uploads
        )
        b = time.perf_counter() - t
        t = time.perf_counter()
        case_services.do_submit(actor=user, item_code=first.code, data=FORM, uploads=case_uploads)
        c = time.perf_counter() - t
        if i >= warmups:
            bundle_ms.append(b * 1000)
            case_ms.append(c * 1000)
            fanout_ms.append(sum(spent) * 1000)
            bundle_total += b
            members += bundle.members.exclude(case_number="").count()
    return {
        "bundle_ms": summary(bundle_ms),
        "case_ms": summary(case_ms),
        "fanout_ms": summary(fanout_ms),
        "bundles_per_second": len(bundle_ms) / bundle_total if bundle_total else 0.0,
        "member_cases": members,
        "rounds": len(bundle_ms),
    }


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_bundles_fanout_bench")
    started = dt.datetime.now().astimezone()
    with bench_database(url, reuse=args.reuse, smoke=args.smoke) as db_name, scratch_media():
        run_bench(args, db_name, started)


def run_bench(args, db_name: str, started: dt.datetime) -> None:
    import django

    django.setup()
    from django.db import connection

    t = time.perf_counter()
    world = build_world(max(args.departments, MEMBERS))
    print(f"world ready in {time.perf_counter() - t:.0f}s", flush=True)
    print(f"loading up to {args.cases:,} cases ...", flush=True)
    load_cases(world, args.cases, args.seed)
    with connection.cursor() as cur:
        # A load interrupted before its end (--reuse afterwards) leaves the id sequences behind
        # the copied rows: move them past the highest ids.
        for table in ("cases_case", "cases_casestep"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cur.execute("VACUUM (ANALYZE) cases_case")
        cur.execute("SELECT count(*) FROM cases_case")
        cases_before = cur.fetchone()[0]
    ensure_theme(world)
    load_before = os.getloadavg()
    result = bench_submissions(world, args.rounds, args.warmups)
    load_after = os.getloadavg()
    ratio = result["bundle_ms"]["p50"] / result["case_ms"]["p50"] if result["case_ms"]["p50"] else 0.0
    result["ratio_p50"] = ratio
    p95 = result["bundle_ms"]["p95"]
    print(f"\ndatabase {db_name}: {cases_before:,} cases before the run")
    print(f"{'submission':<28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, key in (
        ("bundle (5 members, fan-out)", "bundle_ms"),
        ("  of which the fan-out", "fanout_ms"),
        ("one online case", "case_ms"),
    ):
        r = result[key]
        print(f"{name:<28} {r['n']:>5} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f}")
    print(
        f"bundles/s (one client): {result['bundles_per_second']:.1f}; member cases {result['member_cases']}"
    )
    print(
        f"p95 {p95:.0f} ms {'meets' if p95 < TARGET_P95_MS else 'MISSES'} the {TARGET_P95_MS:.0f} ms target;"
        f" bundle/case p50 ratio {ratio:.2f} {'meets' if ratio <= TARGET_RATIO else 'MISSES'} the"
        f" {TARGET_RATIO:.0f}x target"
    )
    report = {
        **report_head("bundles", started, load_before, load_after),
        "database": {"name": db_name, "cases_before": cases_before},
        "results": result,
        "targets": {"p95_ms": TARGET_P95_MS, "ratio": TARGET_RATIO},
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"report: {out}")


if __name__ == "__main__":
    main()
