"""互联网+监管 benchmarks, one database, several sections (PostgreSQL only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_sup_draw_bench \\
        .venv/bin/python bench/supervision.py [--smoke] [--only draw,credit,ingest] [--out FILE]

(Re)creates the database named in DATABASE_URL (its name must contain "bench"), migrates it,
then runs each section module beside this script that exists: `supervision_draw` (双随机 draw
over 9,760,000 entities and its re-verification), `supervision_credit` (credit recomputation),
`supervision_ingest` (MQTT ingestion). Each exposes `run(dsn: str, smoke: bool) -> dict` and
returns its figures. Writes var/bench/supervision.json (smoke: var/bench/smoke/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
from benchlib import SMOKE_DIR, bench_database, parse_args_with_smoke, report_head  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

SECTIONS = {"draw": "supervision_draw", "credit": "supervision_credit", "ingest": "supervision_ingest"}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default="", help="comma-separated sections (default: every one present)")
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "supervision.json"))
    p.add_argument("--reuse", action="store_true", help="keep the database (and the data a section loaded)")
    return parse_args_with_smoke(p, {"out": str(SMOKE_DIR / "supervision.json")})


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_sup_draw_bench")
    wanted = [s for s in (args.only.split(",") if args.only else SECTIONS) if s]
    started = dt.datetime.now().astimezone()
    with bench_database(url, reuse=args.reuse, smoke=args.smoke):
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        load_before = os.getloadavg()
        results = {}
        for name in wanted:
            module_name = SECTIONS[name]
            if not (BENCH / f"{module_name}.py").exists():
                print(f"section {name}: {module_name}.py not present, skipped")
                continue
            print(f"--- section {name}", flush=True)
            results[name] = importlib.import_module(module_name).run(url, args.smoke)
        load_after = os.getloadavg()
    report = {
        **report_head("supervision", started, load_before, load_after),
        "smoke": args.smoke,
        "sections": results,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(f"report: {out}")


if __name__ == "__main__":
    main()
