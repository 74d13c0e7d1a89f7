"""The e-licence library under load: holder queries and verifications per second with every use
logged, at growing library sizes, against a bare view; and the bulk import rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_licences \\
        .venv/bin/python bench/licenses.py [--sizes 100000,1000000] [--real 20000] [--rounds 4]

A benchmark, not a test. It (re)creates the PostgreSQL database named in DATABASE_URL (the name
must contain "bench"), migrates it, and through the product's services loads Hubei's regions,
an issuing department and an agency, the five standard licence types, a grant of 营业执照 to the
agency and a client_credentials client of the agency (its bearer token made directly, as the
token endpoint would). Then:

1. **Bulk import** (`licences.importer.run_import`, what `manage.py licences import` runs): `--real`
   generated 营业执照 of distinct companies from a JSON-lines file — every row checked, encrypted,
   batch-sealed (one SM2 signature per 5,000) and COPY-inserted. These are the licences the
   requests below ask for; the rate is reported.
2. For each size in `--sizes`, the library is filled up to that many licences with generated
   filler rows (one `INSERT ... SELECT generate_series` in PostgreSQL: same table, same indexes,
   random holder indexes; not verifiable, never asked for — they make the indexes as deep as a
   library of that size), `VACUUM ANALYZE`, then granian (WSGI, --workers N) serves the product
   plus two bench-only views (bench_licenses_urls.py), and in rounds, in a shuffled order:
   - `query`:  POST /api/v1/licences/query (bearer token): holder lookup by credit code + type +
     purpose + case number → annotated copy, usage logged;
   - `verify`: GET /api/v1/licences/<identifier>/verify (bearer token): SM2 over the batch root,
     Merkle proof, key and state checks, usage logged;
   - `verify_nolog`: the same bearer check and verification with the log's insert replaced by
     nothing (bench-only view): what the log costs;
   - `bare`:   a Django view doing one indexed lookup of a licence by identifier.
   - `verify_base` (with `--baseline DIR`): the same verify requests served by a second granian
     running an earlier checkout of the project from DIR on the same database — before and after
     a change measured side by side in the same rounds.
3. The usage log must hold exactly one row per logged request served (checked at every size).

`--reuse` keeps the database and the world of an earlier run (var/bench/licenses_world.json
beside --out) and fills only up to sizes not yet reached: the 9 million filler rows of a
10-million library take over ten minutes to insert.

Prints requests per second, p50/p99, the ratio against the bare view, and writes
var/bench/licenses.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
import identity  # noqa: E402 - the keep-alive client and the load loop of bench/identity.py
from benchlib import (  # noqa: E402 - beside this script
    SMOKE_DIR,
    bench_database,
    parse_args_with_smoke,
    report_head,
    stop_server,
    summarise_runs,
)
from identity import Conn, run_load, start_server  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "tongban.settings"

LOADS = ("query", "verify", "verify_nolog", "bare")
LOGGED = ("query", "verify", "verify_base")
TARGET_VERIFY_RPS = 1000.0
TARGET_VERIFY_P99_MS = 50.0
TARGET_IMPORT_RATE = 20000.0
ACTOR = "system:bench"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="100000,1000000", help="library sizes to measure at, ascending")
    p.add_argument("--real", type=int, default=20000, help="licences bulk-imported (the ones asked for)")
    p.add_argument("--seconds", type=float, default=2.0, help="duration of one load in one round")
    p.add_argument("--rounds", type=int, default=4, help="rounds per size (each runs every load once)")
    p.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    p.add_argument("--workers", type=int, default=2, help="granian worker processes")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database and the world of an earlier run (its state file beside --out) "
        "instead of re-creating them: no build, no import, no refill of sizes already reached",
    )
    p.add_argument(
        "--baseline",
        default="",
        help="a directory holding an earlier checkout of the project (e.g. `git archive <rev> | tar -x "
        "-C DIR`): a second server runs it on the same database and `verify_base` measures its "
        "verification in the same rounds",
    )
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "licenses.json"))
    tiny = {
        "sizes": "200",
        "real": 100,
        "seconds": 0.5,
        "rounds": 1,
        "connections": 2,
        "workers": 1,
        "out": str(SMOKE_DIR / "licenses.json"),
    }
    return parse_args_with_smoke(p, tiny)


# --- The world ----------------------------------------------------------------------------


def build_world(seed: int) -> dict:
    from django.core.management import call_command
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    from tongban.accounts import clients
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services
    from tongban.core.identifiers import make_credit_code
    from tongban.licences import services

    call_command("migrate", verbosity=0)
    if not core_queries.provinces().exists():
        core_services.do_load_regions(actor=ACTOR)
    rng = random.Random(seed)

    def dept(name: str, region: str):
        return core_services.do_upsert_department(
            actor=ACTOR,
            name=name,
            credit_code=make_credit_code(rng, region=region, kind="11"),
            region_code=region,
            kind="bureau",
        )

    issuer = dept("武汉市江夏区行政审批局", "420115")
    agency = dept("武汉市江汉区市场监督管理局", "420103")
    codes = {
        name: make_credit_code(random.Random(f"bench:{ministry}"), region="100000", kind="11") + suffix
        for name, ministry, suffix in (
            ("营业执照", "国家市场监督管理总局", "001"),
            ("食品经营许可证", "国家市场监督管理总局", "002"),
            ("林木采伐许可证", "国家林业和草原局", "001"),
            ("特殊工时工作制审批决定书", "中华人民共和国人力资源和社会保障部", "002"),
            ("结婚证", "中华人民共和国民政部", "001"),
        )
    }
    services.do_seed_standard_types(actor=ACTOR, codes=codes, issuers={name: [issuer.pk] for name in codes})
    services.do_grant_use(
        actor=ACTOR, type_code=codes["营业执照"], department=agency.pk, basis="压测：企业开办核验"
    )
    system = clients.do_register_client(
        actor=ACTOR,
        name="江汉区市场监管业务系统",
        department_id=agency.pk,
        grant_types=("client_credentials",),
        allowed_scopes=("api",),
    )
    token = secrets.token_urlsafe(30)
    get_access_token_model().objects.create(
        user=None,
        application=system.client,
        token=token,
        expires=timezone.now() + dt.timedelta(hours=12),
        scope="api",
    )
    return {"issuer": issuer, "agency": agency, "type_code": codes["营业执照"], "token": token}


def import_real(world: dict, n: int, seed: int) -> dict:
    """Bulk-import n generated 营业执照 through the importer; returns the rate and the holders."""
    from tongban.core.identifiers import make_credit_code
    from tongban.licences import importer
    from tongban.licences.models import Licence

    rng = random.Random(seed + 1)
    holders = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "legacy.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for i in range(n):
                code = make_credit_code(rng, region="420115", kind="91")
                holders.append(code)
                face = {
                    "credit_code": code,
                    "entity_type": "有限责任公司（自然人投资或控股）",
                    "legal_representative": "陈建国",
                    "registered_capital": "壹佰万元整",
                    "established_on": "2020-05-18",
                    "business_term": "长期",
                    "domicile": f"武汉市江夏区纸坊街文化路{i + 1}号",
                    "business_scope": "日用百货、五金交电销售。",
                }
                row = {
                    "type_code": world["type_code"],
                    "issuer": world["issuer"].credit_code,
                    "holder_name": f"武汉压测{i + 1}号商贸有限公司",
                    "holder_code": code,
                    "issued_on": "2020-05-18",
                    "face": face,
                }
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        t = time.perf_counter()
        report = importer.run_import(path, actor=ACTOR)
        seconds = time.perf_counter() - t
    identifiers = list(Licence.objects.order_by("pk").values_list("identifier", flat=True)[:n])
    return {
        "imported": report.imported,
        "batches": report.batches,
        "seconds": round(seconds, 2),
        "rate": round(report.imported / seconds, 1),
        "holders": holders,
        "identifiers": identifiers,
    }


# What a filler licence sets itself (SQL over `g`, its number in the series); every other column
# is copied from a licence the importer wrote, so the filler follows the table's schema.
FILLER = {
    "identifier": "'F.' || g",
    "number": "'F' || g",
    "serial": "'F' || g",
    "previous_id": "NULL",
    "issued_on": "DATE '2020-01-01' + (g %% 2000)",
    "valid_from": "DATE '2020-01-01' + (g %% 2000)",
    "holder_name": "'填充企业' || g",
    "holder_code_index": "md5(g::text) || md5((g + 1)::text)",
    "holder_code_masked": "'F' || g",
    "signed_at": "now()",
    "created_at": "now()",
    # not verifiable: no signature, no batch, no proof (the filler is never asked for)
    "signature": "''",
    "digest": "md5(g::text) || md5(g::text)",
    "seal_batch_id": "NULL",
    "seal_proof": "''",
}


def filler_sql() -> str:
    """INSERT ... SELECT of filler rows from the template licence `t`: FILLER's columns set,
    ciphertexts (`*_enc`, bound to their own row) empty, the rest copied."""
    from tongban.licences.models import Licence

    fields = [f for f in Licence._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    unknown = set(FILLER) - set(columns)
    if unknown:
        raise KeyError(f"licences_licence has no column {', '.join(sorted(unknown))}")
    values = [FILLER.get(c) or ("''" if c.endswith("_enc") else f"t.{c}") for c in columns]
    return (
        f"INSERT INTO licences_licence ({', '.join(columns)}) SELECT {', '.join(values)}"
        " FROM licences_licence AS t, generate_series(%(start)s, %(stop)s) AS g WHERE t.id = %(template)s"
    )


def fill_to(world: dict, size: int) -> dict:
    """Filler licences up to `size` rows (one INSERT ... SELECT), then VACUUM ANALYZE."""
    from django.db import connection

    from tongban.licences.models import Licence

    have = Licence.objects.count()
    t = time.perf_counter()
    if size > have:
        template = (
            Licence.objects.filter(issuer_id=world["issuer"].pk)
            .order_by("pk")
            .values_list("pk", flat=True)[0]
        )
        with connection.cursor() as cur:
            cur.execute(filler_sql(), {"template": template, "start": have + 1, "stop": size})
    fill_seconds = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE licences_licence")
        cur.execute("VACUUM ANALYZE licences_licenceusage")
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('licences_licence'))")
        table_size = cur.fetchone()[0]
    return {
        "licences": Licence.objects.count(),
        "fill_seconds": round(fill_seconds, 1),
        "vacuum_seconds": round(time.perf_counter() - t, 1),
        "table_size": table_size,
    }


def save_world(path: Path, db_name: str, world: dict, real: dict) -> None:
    """What a later `--reuse` run needs to ask the same questions of the same database."""
    issuer = world["issuer"]
    state = {
        "database": db_name,
        "token": world["token"],
        "type_code": world["type_code"],
        "issuer": {"pk": issuer.pk, "name": issuer.name, "credit_code": issuer.credit_code},
        "real": real,
    }
    path.write_text(json.dumps(state, ensure_ascii=False))


def load_world(path: Path, db_name: str, args) -> tuple[dict | None, dict | None]:
    """The world saved by an earlier run on this database (its token's expiry moved on), or
    (None, None) when there is none to reuse."""
    from django.db import connection
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model

    if not path.exists() or "licences_licence" not in connection.introspection.table_names():
        return None, None
    state = json.loads(path.read_text())
    if state.get("database") != db_name or len(state["real"]["identifiers"]) != args.real:
        return None, None
    get_access_token_model().objects.filter(token=state["token"]).update(
        expires=timezone.now() + dt.timedelta(hours=12)
    )
    world = {
        "issuer": SimpleNamespace(**state["issuer"]),
        "token": state["token"],
        "type_code": state["type_code"],
    }
    return world, state["real"]


# --- The server and the loads -------------------------------------------------------------


def requests_for(load: str, world: dict, real: dict, seed: int) -> list[bytes]:
    rng = random.Random(f"{seed}:{load}")
    host = b"Host: 127.0.0.1\r\n"
    auth = b"Authorization: Bearer " + world["token"].encode() + b"\r\n"
    picks = list(range(len(real["identifiers"])))
    rng.shuffle(picks)
    picks = picks[:4000]
    if load == "query":
        out = []
        for i in picks:
            body = json.dumps(
                {
                    "holder_code": real["holders"][i],
                    "type_code": world["type_code"],
                    "purpose": "企业开办核验营业执照",
                    "case_number": f"420103-2026-{i:06d}",
                },
                ensure_ascii=False,
            ).encode()
            out.append(
                b"POST /api/v1/licences/query HTTP/1.1\r\n" + host + auth
                + b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                + b"\r\n\r\n" + body
            )  # fmt: skip
        return out
    paths = {
        "verify": "/api/v1/licences/{}/verify",
        "verify_nolog": "/bench/verify-nolog/{}/",
        "bare": "/bench/bare/{}/",
    }
    extra = auth if load in ("verify", "verify_nolog") else b""
    return [
        f"GET {paths[load].format(real['identifiers'][i])} HTTP/1.1\r\n".encode() + host + extra + b"\r\n"
        for i in picks
    ]


def check_answer(load: str, status: int, body: bytes) -> None:
    """An answer is what it should be (a valid licence, one supplied); `run_load` calls it."""
    if status != 200:
        raise RuntimeError(f"{load}: HTTP {status}: {body[:300]!r}")
    doc = json.loads(body)
    ok = {
        "query": lambda d: len(d.get("licences", [])) == 1,
        "verify": lambda d: d.get("valid") is True,
        "verify_base": lambda d: d.get("valid") is True,
        "verify_nolog": lambda d: d.get("valid") is True,
        "bare": lambda d: "identifier" in d,
    }[load](doc)
    if not ok:
        raise RuntimeError(f"{load}: unexpected answer {doc}")


identity.check_answer = check_answer  # run_load checks each connection's last answer with it


def check_answers(load: str, port: int, reqs: list[bytes]) -> None:
    conn = Conn(port)
    try:
        check_answer(load, *conn.request(reqs[0]))
    finally:
        conn.close()


def usage_rows() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM licences_licenceusage")
        return cur.fetchone()[0]


def start_baseline(args, out_dir: Path, probe: str):
    """granian serving the earlier checkout in `--baseline` (its own code and bench views, the
    same database and settings): `identity.start_server` with its root pointed there."""
    root = Path(args.baseline).resolve()
    if (
        not (root / "tongban" / "wsgi.py").exists()
        or not (root / "bench" / "bench_licenses_urls.py").exists()
    ):
        sys.exit(f"--baseline {root}: not a checkout of the project (tongban/wsgi.py, bench/)")
    saved = identity.ROOT, identity.BENCH
    identity.ROOT, identity.BENCH = root, root / "bench"
    try:
        return start_server(
            args.workers, out_dir / "licenses_baseline_server.log", probe, settings="bench_licenses_settings"
        )
    finally:
        identity.ROOT, identity.BENCH = saved


def measure(world: dict, real: dict, args, size_facts: dict, out_dir: Path) -> dict:
    loads = loads_of(args)
    reqs = {load: requests_for(load.removesuffix("_base"), world, real, args.seed) for load in loads}
    probe = f"/bench/bare/{real['identifiers'][0]}/"
    server, port = start_server(
        args.workers, out_dir / "licenses_server.log", probe, settings="bench_licenses_settings"
    )
    ports = dict.fromkeys(loads, port)
    base_server = None
    rng = random.Random(args.seed)
    samples: dict[str, list[dict]] = {load: [] for load in loads}
    logged_before = usage_rows()
    logged_requests = 0
    try:
        if args.baseline:
            base_server, ports["verify_base"] = start_baseline(args, out_dir, probe)
        for load in loads:
            check_answers(load, ports[load], reqs[load])
            if load in LOGGED:
                logged_requests += 1
        for load in loads:  # warm-up
            r = run_load(load, ports[load], reqs[load], seconds=0.5, connections=args.connections)
            logged_requests += r["requests"] + args.connections if load in LOGGED else 0
        for i in range(1, args.rounds + 1):
            line = []
            for load in rng.sample(loads, len(loads)):
                r = run_load(
                    load, ports[load], reqs[load], seconds=args.seconds, connections=args.connections
                )
                samples[load].append(r)
                if load in LOGGED:
                    logged_requests += r["requests"] + args.connections  # + each thread's warm-up request
                line.append(f"{load} {r['requests'] / r['seconds']:.0f}/s")
            print(f"  round {i}/{args.rounds}: " + ", ".join(line), flush=True)
    finally:
        stop_server(server)
        if base_server is not None:
            stop_server(base_server)
    logged = usage_rows() - logged_before
    stats = tabulate(samples)
    stats["usage_log"] = {"requests_logged": logged_requests, "rows_written": logged}
    pids = [server.pid] + ([base_server.pid] if base_server is not None else [])
    return stats | {"library": size_facts, "server_pids": pids}


def loads_of(args) -> tuple[str, ...]:
    """The loads of a run: `verify_base` (the baseline checkout's verify) when there is one."""
    return (*LOADS[:2], "verify_base", *LOADS[2:]) if args.baseline else LOADS


def tabulate(samples: dict[str, list[dict]]) -> dict:
    out = {load: summarise_runs(runs) for load, runs in samples.items()}
    for load in samples:
        if load != "bare":
            out[load]["rps_over_bare"] = round(out[load]["rps"] / out["bare"]["rps"], 3)
    out["verify"]["rps_over_nolog"] = round(out["verify"]["rps"] / out["verify_nolog"]["rps"], 3)
    if "verify_base" in out:
        out["verify"]["rps_over_base"] = round(out["verify"]["rps"] / out["verify_base"]["rps"], 2)
    return out


def print_table(results: dict) -> None:
    head = (
        f"{'licences':>10} {'load':<13}{'requests':>9}{'req/s':>9}{'(rounds)':>14}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'vs bare':>9}"
    )
    print(head)
    print("-" * len(head))
    for size, stats in results.items():
        for load in (name for name in stats if name not in ("usage_log", "library", "server_pids")):
            s = stats[load]
            ratio = f"{s['rps_over_bare']:.3f}x" if "rps_over_bare" in s else "1x"
            spread = f"{s['rps_round_min']:.0f}-{s['rps_round_max']:.0f}"
            print(
                f"{int(size):>10,} {load:<13}{s['requests']:>9}{s['rps']:>9.1f}{spread:>14}"
                f"{s['p50_ms']:>9.1f}{s['p99_ms']:>9.1f}{ratio:>9}"
            )
        u = stats["usage_log"]
        print(f"{'':>10} usage log: {u['rows_written']} rows for {u['requests_logged']} logged requests")


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban_bench_licences")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if sizes != sorted(sizes) or sizes[0] < args.real:
        sys.exit("--sizes must be ascending and at least --real")
    started = dt.datetime.now().astimezone()
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    state_path = out_path.parent / "licenses_world.json"
    with bench_database(url, reuse=args.reuse, smoke=args.smoke) as db_name:
        run_bench(args, db_name, started, out_path, state_path, sizes)


def run_bench(
    args, db_name: str, started: dt.datetime, out_path: Path, state_path: Path, sizes: list[int]
) -> None:
    import django

    django.setup()
    t = time.perf_counter()
    world, real = load_world(state_path, db_name, args) if args.reuse else (None, None)
    if world is None:
        world = build_world(args.seed)
        print(
            f"database {db_name}: regions, 2 departments, 5 licence types, 1 grant, 1 client "
            f"({time.perf_counter() - t:.1f}s)"
        )
        real = import_real(world, args.real, args.seed)
        if not args.smoke:  # a smoke run's database is dropped at the end: nothing to reuse
            save_world(state_path, db_name, world, real)
    else:
        print(f"database {db_name} reused with its world ({state_path})")
    verdict = "meets" if real["rate"] >= TARGET_IMPORT_RATE else "MISSES"
    print(
        f"bulk import: {real['imported']} licences in {real['batches']} batch seals, {real['seconds']} s = "
        f"{real['rate']:,.0f}/s ({verdict} the {TARGET_IMPORT_RATE:,.0f}/s target)"
    )
    results: dict[str, dict] = {}
    load_before = os.getloadavg()
    for size in sizes:
        facts = fill_to(world, size)
        print(
            f"library at {facts['licences']:,} licences (filled in {facts['fill_seconds']} s, vacuum "
            f"{facts['vacuum_seconds']} s, table {facts['table_size']}); granian --workers {args.workers}, "
            f"{args.connections} connections, {args.rounds} rounds x {args.seconds:.1f}s per load"
        )
        results[str(size)] = measure(world, real, args, facts, out_path.parent)
    load_after = os.getloadavg()
    print()
    print_table(results)
    print("(query = POST /api/v1/licences/query → annotated copy, logged; verify = GET .../verify, logged;")
    print(
        " verify_nolog = the same verification without the log; bare = one indexed lookup, same middleware;"
    )
    print(" verify_base = GET .../verify served by the --baseline checkout, same database, same rounds)")
    last = results[str(sizes[-1])]["verify"]
    ok = last["rps"] >= TARGET_VERIFY_RPS and last["p99_ms"] <= TARGET_VERIFY_P99_MS
    print(
        f"verify at {sizes[-1]:,}: {last['rps']:.0f}/s, p99 {last['p99_ms']:.1f} ms: "
        f"{'meets' if ok else 'MISSES'} the {TARGET_VERIFY_RPS:.0f}/s, p99 <= {TARGET_VERIFY_P99_MS:.0f} ms target"
    )
    report = {
        **report_head("licenses", started, load_before, load_after),
        "server": {"granian_workers": args.workers, "connections": args.connections},
        "rounds": args.rounds,
        "seconds_per_load": args.seconds,
        "sizes": sizes,
        "bulk_import": {k: v for k, v in real.items() if k not in ("holders", "identifiers")},
        "targets": {
            "verify_rps": TARGET_VERIFY_RPS,
            "verify_p99_ms": TARGET_VERIFY_P99_MS,
            "import_rate": TARGET_IMPORT_RATE,
        },
        "results": results,
    }
    out_path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"\nwrote {out_path}")


if __name__ == "__main__":
    main()
