"""Credit recomputation at Hubei's scale (issue 15: every entity ≤ 10 minutes on this machine).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_sup_core_bench \\
        .venv/bin/python bench/supervision_credit.py [--entities 9760000] [--facts-per-entity 0.3] [--smoke]

A benchmark, not a test. It (re)creates the PostgreSQL database named in DATABASE_URL (the name
must contain "bench"), migrates it, registers one entity through `supervision.registry` and
records its facts through `supervision.credit`, then bulk-copies that entity's row (varying the
credit code, name, region and industry) to the wanted size and spreads credit facts of every
kind over the registry (a share of them outside their window), plus 经营异常 listings for 1 %.
It times `credit.do_recompute_credit(method="sql")` (the set-based path: one pass per factor,
one UPDATE … FROM) on the fresh registry (every row changes) and again unchanged (no row
written), and checks a sample of 2,000 entities against the Python path (`credit.explain`).

`run(dsn, smoke)` is what `bench/supervision.py` calls; it returns the figures in seconds.
Report: var/bench/supervision_credit.json (smoke: var/bench/smoke/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import ROOT, SMOKE_DIR, bench_database, parse_args_with_smoke

HUBEI_ENTITIES = 9_760_000  # 法人库: 976万 legal persons (seed articles)
SYSTEM = "system:bench"


def _setup(dsn: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    os.environ["DATABASE_URL"] = dsn
    import django

    django.setup()  # when bench/supervision.py set Django up already, it points at `dsn` too
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load(entities: int, facts_per_entity: float) -> dict:
    import random

    from django.db import connection, transaction

    from tongban.core.identifiers import make_credit_code
    from tongban.supervision import abnormal, credit, registry
    from tongban.supervision.models import AbnormalListing, CreditFact, Entity

    seed = registry.do_register_entity(
        actor=SYSTEM,
        credit_code=make_credit_code(random.Random("bench:credit"), region="420100", kind="91"),
        name="基准测试企业",
        kind="enterprise",
        region_code="420102",
        industry="H62",
    )
    today = dt.date.today()
    credit.do_record_fact(
        actor=SYSTEM, entity_id=seed.pk, factor="penalty", occurred_on=today, source="bench", ref="seed"
    )
    abnormal.do_list(actor=SYSTEM, entity_id=seed.pk, ground="unreachable", listed_on=today)
    e, f, a = Entity._meta.db_table, CreditFact._meta.db_table, AbnormalListing._meta.db_table
    n_facts = int(entities * facts_per_entity)
    factors = ["licence_revoked", "licence_suspended", "licence_expired", "inspection_problem",
               "inspection_pass", "penalty", "complaint"]  # fmt: skip
    array = "ARRAY[" + ",".join(f"'{x}'" for x in factors) + "]"
    t0 = time.monotonic()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO {e} (credit_code, name, kind, region_code, industry, address, latitude, longitude,
                             active, credit_class, credit_score, credit_scored_at, created_at)
            SELECT 'B' || lpad(i::text, 17, '0'), s.name || i, s.kind,
                   (ARRAY['420102','420103','420106','420111','420115','420116','420500','420600'])[1 + i %% 8],
                   (ARRAY['H62','C26','G54','J66','F52','Q84','L72','E48'])[1 + (i / 8) %% 8],
                   s.address, s.latitude, s.longitude, s.active, s.credit_class, s.credit_score,
                   s.credit_scored_at, s.created_at
              FROM generate_series(1, %s) AS i, {e} AS s WHERE s.id = %s
            """,
            [entities - 1, seed.pk],
        )
        cur.execute(f"SELECT min(id), max(id) FROM {e}")
        low, high = cur.fetchone()
        cur.execute(
            f"""
            INSERT INTO {f} (entity_id, factor, occurred_on, source, ref, note, recorded_at)
            SELECT {low} + (hashint4(i) & 2147483647) %% ({high} - {low} + 1),
                   ({array})[1 + i %% {len(factors)}],
                   %s::date - ((i::bigint * 7919) %% 1500)::int, 'bench', i::text, '', now()
              FROM generate_series(1, %s) AS i
            """,
            [today, n_facts],
        )
        cur.execute(
            f"""
            INSERT INTO {a} (entity_id, ground, detail, report_year, listed_on, department_id, state, removed_on,
                             cure, moved_on)
            SELECT id, 'unreachable', '', NULL, %s::date - (id %% 900)::int, NULL, 'listed', NULL, '', NULL
              FROM {e} WHERE id %% 100 = 7 AND id <> %s
            """,
            [today, seed.pk],
        )
        cur.execute(f"ANALYZE {e}; ANALYZE {f}; ANALYZE {a}")
    return {
        "entities": Entity.objects.count(),
        "facts": CreditFact.objects.count(),
        "listings": AbnormalListing.objects.count(),
        "load_s": round(time.monotonic() - t0, 1),
    }


def run(
    dsn: str, smoke: bool, *, entities: int | None = None, facts_per_entity: float = 0.3
) -> dict[str, float]:
    """Load the registry and time the recomputation; the figures (seconds, counts)."""
    _setup(dsn)
    from django.db.models import Count

    from tongban.supervision import credit
    from tongban.supervision.models import Entity

    size = entities or (2_000 if smoke else HUBEI_ENTITIES)
    loaded = _load(size, facts_per_entity)
    print(f"loaded {loaded}")
    t0 = time.monotonic()
    first = credit.do_recompute_credit(actor=SYSTEM, method="sql")
    fresh = time.monotonic() - t0
    print(f"recompute (every row new): {fresh:.1f} s, {first.changed} changed")
    t0 = time.monotonic()
    second = credit.do_recompute_credit(actor=SYSTEM, method="sql")
    unchanged = time.monotonic() - t0
    print(f"recompute (unchanged): {unchanged:.1f} s, {second.changed} changed")
    low = Entity.objects.order_by("pk").values_list("pk", flat=True).first()
    sample = list(Entity.objects.filter(pk__in=range(low, low + size, max(1, size // 2000))))
    mismatches = 0
    for e in sample:
        why = credit.explain(e)
        mismatches += (why["score"], why["class"]) != (int(e.credit_score), e.credit_class)
    print(f"python path on {len(sample)} sampled entities: {mismatches} mismatches")
    classes = dict(Entity.objects.values_list("credit_class").annotate(n=Count("pk")).order_by())
    return {
        "entities": float(loaded["entities"]),
        "facts": float(loaded["facts"]),
        "listings": float(loaded["listings"]),
        "load_s": loaded["load_s"],
        "recompute_fresh_s": round(fresh, 2),
        "recompute_unchanged_s": round(unchanged, 2),
        "changed_fresh": float(first.changed),
        "sample": float(len(sample)),
        "sample_mismatches": float(mismatches),
        **{f"class_{k}": float(v) for k, v in sorted(classes.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=HUBEI_ENTITIES)
    parser.add_argument("--facts-per-entity", type=float, default=0.3)
    args = parse_args_with_smoke(parser, {"entities": 2_000})
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_sup_core_bench")
    started = dt.datetime.now().astimezone()
    with bench_database(url, smoke=args.smoke):
        figures = run(url, args.smoke, entities=args.entities, facts_per_entity=args.facts_per_entity)
    out = (SMOKE_DIR if args.smoke else ROOT / "var" / "bench") / "supervision_credit.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"started": started.isoformat(), "figures": figures}, indent=2))
    print(json.dumps(figures, indent=2))
    print(f"report: {out}")


if __name__ == "__main__":
    main()
