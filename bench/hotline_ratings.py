"""好差评 at province scale: the province-wide ranking over the rollups with 10⁷ ratings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_ratings_bench \\
        .venv/bin/python bench/hotline_ratings.py [--ratings 10000000] [--rounds 20] [--smoke]

A benchmark, not a test. `run(dsn, smoke)` is what bench/hotline.py calls (on its own, already
migrated database, or this script's). It:

1. builds departments through the real services (core's regions, `catalog.testing`), spread
   over Hubei's counties round-robin;
2. COPY-loads `--ratings` ratings (10⁷; 2,000 with `smoke`): a year of months, Zipf over the
   departments, four items each, 30 % default ratings, 0.4 % 差评 (their rectifications are not
   loaded: they count as rect_needed);
3. builds the rollups with the product's full recount (`ratings.rollups.rebuild()`, timed) and
   checks that the province row counts every rating;
4. times the province-wide rankings the public page and the workbench read
   (`queries.ranking` by department, by city, by county, and `queries.totals` for the province),
   `--rounds` times each: p50/p95/max in ms. Target: the province ranking ≤ 1 s.

Returns (and prints as JSON) the sizes and timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

LEVELS = (1, 2, 3, 4, 5)
LEVEL_WEIGHTS = (62.0, 30.0, 7.6, 0.3, 0.1)  # 差评 0.4 %
CHANNELS = ("pc", "mobile", "qr", "tablet", "sms")


def _django(dsn: str) -> None:
    """Set Django up on `dsn` (migrated) unless the caller already did."""
    import django
    from django.conf import settings

    if not settings.configured:
        os.environ["DATABASE_URL"] = dsn
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
        django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _departments(n: int) -> list[tuple[int, str]]:
    from tongban.catalog.testing import ensure_regions, make_department
    from tongban.core.models import Region

    ensure_regions()
    counties = list(Region.objects.filter(level=3).order_by("code").values_list("code", flat=True))
    out = []
    for i in range(n):
        county = counties[i % len(counties)][:6]
        dept = make_department(region=county, name=f"好差评基准部门{i:04d}", seed=900_000 + i)
        out.append((dept.pk, county))
    return out


def _months(today: dt.date) -> list[str]:
    out, year, month = [], today.year, today.month
    for _ in range(12):
        out.append(f"{year:04d}{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out


def _copy(total: int, departments: list[tuple[int, str]], seed: int) -> float:
    """COPY `total` ratings; returns the seconds taken."""
    from django.db import connection

    rng = random.Random(seed)
    weights = [1 / (i + 1) for i in range(len(departments))]  # Zipf over the departments
    months = _months(dt.date.today())
    columns = (
        "kind, ref, node, channel, level, reasons, text, is_default, department_id, region_code, "
        "item_code, item_name, title, period, state, created_at"
    )
    t = time.perf_counter()
    chunk = 200_000
    with connection.cursor() as cur:
        raw = cur.cursor
        done = 0
        while done < total:
            n = min(chunk, total - done)
            depts = rng.choices(departments, weights=weights, k=n)
            levels = rng.choices(LEVELS, weights=LEVEL_WEIGHTS, k=n)
            buf = io.StringIO()
            for i in range(n):
                dept, county = depts[i]
                level = levels[i]
                period = months[(done + i) % 12]
                default = (done + i) % 10 < 3 and level < 4
                bad = level >= 4
                buf.write(
                    f"bench\tB{done + i:011d}\tconclude\t{'default' if default else CHANNELS[i % 5]}\t{level}\t"
                    f"{'["slow"]' if bad else '[]'}\t{'办理太慢' if bad else ''}\t{'t' if default else 'f'}\t"
                    f"{dept}\t{county}\tBENCH{dept:06d}{i % 4}\t基准事项\t\t{period}\tvalid\t"
                    f"{period[:4]}-{period[4:]}-15 10:00:00+08\n"
                )
            with raw.copy(f"COPY ratings_rating ({columns}) FROM STDIN") as copy:
                copy.write(buf.getvalue())
            done += n
    connection.commit() if not connection.get_autocommit() else None
    return time.perf_counter() - t


def _time(fn, rounds: int) -> dict:
    from benchlib import summary

    fn()  # warm
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return summary(out)


def run(dsn: str, smoke: bool, *, ratings: int | None = None, rounds: int | None = None) -> dict:
    _django(dsn)
    from django.db import connection

    from tongban.core import services as core_services
    from tongban.ratings import queries, rollups
    from tongban.ratings.enums import Scope
    from tongban.ratings.models import Rating

    total = ratings or (2_000 if smoke else 10_000_000)
    rounds = rounds or (3 if smoke else 20)
    year = dt.date.today().year
    core_services.do_seed_calendar_from_package(actor="system:bench", first_year=year - 1, last_year=year)
    existing = Rating.objects.filter(kind="bench").count()
    departments = _departments(20 if smoke else 400)
    copy_seconds = 0.0
    if existing < total:
        copy_seconds = _copy(total - existing, departments, seed=existing + 1)
    with connection.cursor() as cur:
        cur.execute("ANALYZE ratings_rating")
    t = time.perf_counter()
    rows = rollups.rebuild()
    rebuild_seconds = time.perf_counter() - t
    with connection.cursor() as cur:
        cur.execute("ANALYZE ratings_rollup")
    province = queries.totals(Scope.REGION, "420000")
    loaded = Rating.objects.count()
    assert province["count"] == loaded, (province["count"], loaded)
    report = {
        "benchmark": "hotline_ratings",
        "ratings": loaded,
        "departments": len(departments),
        "rollup_rows": rows,
        "copy_seconds": round(copy_seconds, 1),
        "copy_rate_per_s": round((total - existing) / copy_seconds) if copy_seconds else None,
        "rebuild_seconds": round(rebuild_seconds, 1),
        "province_good_rate": str(province["good_rate"]),
        "ranking_ms": {
            "departments": _time(lambda: queries.ranking(Scope.DEPARTMENT), rounds),
            "cities": _time(lambda: queries.ranking(Scope.REGION, level=2), rounds),
            "counties": _time(lambda: queries.ranking(Scope.REGION, level=3), rounds),
            "items": _time(lambda: queries.ranking(Scope.ITEM), rounds),
            "province_totals": _time(lambda: queries.totals(Scope.REGION, "420000"), rounds),
        },
        "target": "province ranking p95 <= 1000 ms",
    }
    report["ok"] = report["ranking_ms"]["departments"]["p95"] <= 1000
    return report


def main() -> None:
    from benchlib import bench_database, parse_args_with_smoke

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ratings", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database (and its ratings)")
    args = parse_args_with_smoke(parser, {"ratings": 2_000, "rounds": 3})
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_ratings_bench")
    with bench_database(url, reuse=args.reuse, smoke=args.smoke):
        report = run(url, args.smoke, ratings=args.ratings, rounds=args.rounds)
        from django.db import connections

        connections.close_all()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    out = ROOT / "var" / "bench" / ("smoke" if args.smoke else "") / "hotline_ratings.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
