"""The benchmarks' smoke run: every bench script with `--smoke` (tiny sizes, a second or two of
load), as a subprocess, on its own throwaway PostgreSQL database, so a schema or service change
that breaks a benchmark fails the build. `make bench-smoke` runs it (and `make test` after the
PostgreSQL half):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongban .venv/bin/pytest -q -p no:cacheprovider bench/test_smoke.py

Each database is a copy of one migrated template (made once per run), named
`tongban_bench_smoke_<bench>_<pid>`; every one is gone at the end, and so is every server a bench
started. What is checked is that the bench ran to its end and that its report is consistent (what
was loaded, answered and logged), never a timing: figures on a shared machine prove nothing.
Skipped without PostgreSQL (the benchmarks run on PostgreSQL only).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from benchlib import TEMPLATE_ENV  # noqa: E402 - beside this file


def _server() -> urllib.parse.SplitResult:
    url = os.environ.get("DATABASE_URL", "")
    if urllib.parse.urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        pytest.skip("the benchmarks run on PostgreSQL only: set DATABASE_URL=postgres://...")
    return urllib.parse.urlsplit(url)


def _url(server: urllib.parse.SplitResult, name: str) -> str:
    return server._replace(path="/" + name).geturl()


def _admin(server: urllib.parse.SplitResult):
    import psycopg

    return psycopg.connect(_url(server, "postgres"), autocommit=True)


def _exists(server: urllib.parse.SplitResult, name: str) -> bool:
    with _admin(server) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def template():
    """One migrated database the benches' databases are copied from (migrating each would cost
    more than the four smoke runs together)."""
    server = _server()
    name = f"tongban_bench_smoke_template_{os.getpid()}"
    with _admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": _url(server, name)},
            check=True,
            timeout=900,
        )
        yield name
    finally:
        with _admin(server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _catalog_search(report: dict) -> None:
    assert report["database"]["items"] == 200
    assert report["results"]["all"]["api"]["n"] == 12  # every search answered (API and ORM agreeing)


def _identity(report: dict) -> None:
    assert {load: report["results"][load]["requests"] > 0 for load in ("token", "userinfo", "bare")} == {
        "token": True,
        "userinfo": True,
        "bare": True,
    }


def _case_lifecycle(report: dict) -> None:
    # The templates put one case in each state the load generates, through the services.
    assert report["load"]["templates"] == 14
    assert report["database"]["cases"] == 60
    states = "delivered concluded decided accepted paused submitted supplement returned refused withdrawn"
    assert sorted(report["database"]["states"]) == sorted(states.split())
    assert report["lifecycles"]["lifecycles"] >= 1
    assert report["queues"]["pages_exist"] is True


def _licenses(report: dict) -> None:
    assert report["bulk_import"]["imported"] == 100
    size = report["results"]["200"]
    assert size["library"]["licences"] == 200
    assert size["usage_log"]["rows_written"] == size["usage_log"]["requests_logged"]
    assert min(size[load]["requests"] for load in ("query", "verify", "verify_nolog", "bare")) > 0


def _search_page(report: dict) -> None:
    assert report["vendor"] == "postgresql" and report["items"] > 4000  # the seeded demo
    statuses = {row["search"]: row["status"] for row in report["rows"]}
    assert statuses.pop("bad value (400)") == 400
    assert set(statuses.values()) == {200}
    assert all(row["page_p50"] > 0 and row["query_p50"] >= 0 for row in report["rows"])


def _exchange(report: dict) -> None:
    dbs = report["databases"]
    assert (dbs["large"]["people"], dbs["small"]["people"]) == (300, 100)
    loads = {
        label: sorted(k for k in v if k not in ("people", "call_log"))
        for label, v in report["results"].items()
    }
    if report["gateway"]:
        assert loads == {"large": ["bare", "batch", "gateway", "nolog"], "small": ["bare", "gateway"]}
        for label in ("small", "large"):  # every check answered is in the call log, no more
            log = report["results"][label]["call_log"]
            assert log["rows_written"] == log["checks_answered"] > 0
    else:
        assert loads == {"large": ["bare"], "small": ["bare"]}
    assert all(
        s["requests"] > 0 for v in report["results"].values() for k, s in v.items() if k in loads["large"]
    )


def _policy_search(report: dict) -> None:
    assert report["database"]["docs"] == 300 and 0 < report["database"]["public"] < 300  # drafts too
    assert report["results"]["all"]["query"]["n"] == 24 and report["results"]["all"]["page"]["n"] == 24


def _insight(report: dict) -> None:
    assert report["database"]["real_cases"] == 80
    assert report["rebuild"]["one_month_equals_recount"] is True
    assert report["database"]["represented_cases"] > report["database"]["real_cases"]  # + synthesized
    assert sorted(report["queries"]["ms"]) == sorted(
        f"{level}/{q}"
        for level in ("province", "city", "county")
        for q in ("indicators", "breakdown", "series", "volumes", "items")
    )
    assert all(s["n"] == 2 for s in report["queries"]["ms"].values())
    assert report["hook"]["lifecycles_each"] == 2 and report["hook"]["hook_ms_per_transition"] > 0


def _supervision_ingest(report: dict) -> None:
    # every reading published was stored through the broker, thresholds evaluated, nothing dropped
    published = report["burst10"]["readings"] + report["single"]["readings"]
    assert report["database"]["readings"] == published == report["worker"]["counts"]["stored"]
    assert report["database"]["alerts"] == report["worker"]["counts"]["alerts"] > 0
    assert set(report["worker"]["counts"]) == {"stored", "alerts"}
    assert report["worker_exit"] == 0


CHECKS = {
    "catalog_search": _catalog_search,
    "search_page": _search_page,
    "identity": _identity,
    "case_lifecycle": _case_lifecycle,
    "licenses": _licenses,
    "exchange": _exchange,
    "policy_search": _policy_search,
    "insight": _insight,
    "supervision_ingest": _supervision_ingest,
}


def _supervision(report: dict) -> None:
    draw = report["sections"]["draw"]
    assert (draw["entities"], draw["verified"], draw["standalone_ok"]) == (1960, True, True)  # 2 % inactive
    assert draw["targets"] > 0


CHECKS["supervision"] = _supervision


def _bundles(report: dict) -> None:
    # Three timed rounds: three bundles of five members fanned out, three single cases beside them.
    assert report["results"]["rounds"] == 3
    assert report["results"]["member_cases"] == 15
    assert report["results"]["bundle_ms"]["n"] == report["results"]["case_ms"]["n"] == 3


CHECKS["bundles"] = _bundles
# Databases a bench makes beside its own (named by suffix): dropped here too if it was killed.
EXTRA_DATABASES = {"exchange": ["_small"]}


def _hotline(report: dict) -> None:
    assert report["database"]["loaded"] == 2000
    assert (
        # + the template ticket taken in through the service before the COPY load
        report["database"]["tickets"] == 2000 + 1 + report["intake"]["tickets"]
        and report["intake"]["tickets"] > 0
    )
    assert report["pages"]["all"]["n"] == 20
    labels = {"operator first page", "operator later page", "unit queue", "unit signed-for"}
    assert report["pages"]["statuses"] and set(report["pages"]["statuses"]) <= labels
    assert all(codes == [200] for codes in report["pages"]["statuses"].values())


CHECKS["hotline"] = _hotline


def _server_pids(report: dict) -> list[int]:
    pids = list(report.get("server_pids", []))
    for value in report.get("results", {}).values():
        if isinstance(value, dict):
            pids += value.get("server_pids", [])
    return pids


@pytest.mark.parametrize("bench", list(CHECKS))
def test_bench_runs_in_smoke_mode(bench, template, tmp_path):
    server = _server()
    name = f"tongban_bench_smoke_{bench}_{os.getpid()}"
    out = tmp_path / f"{bench}.json"
    try:
        proc = subprocess.run(
            [sys.executable, str(BENCH / f"{bench}.py"), "--smoke", "--out", str(out)],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": _url(server, name), TEMPLATE_ENV: template},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        names = [name] + [name + suffix for suffix in EXTRA_DATABASES.get(bench, [])]
        left = [n for n in names if _exists(server, n)]
    finally:  # a bench killed by the timeout cannot drop its databases: do it here
        with _admin(server) as conn:
            for n in [name] + [name + suffix for suffix in EXTRA_DATABASES.get(bench, [])]:
                conn.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
    assert proc.returncode == 0, (
        f"bench/{bench}.py --smoke failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    )
    report = json.loads(out.read_text())
    CHECKS[bench](report)
    assert not left, f"the smoke run left its databases {left}"
    assert [pid for pid in _server_pids(report) if _alive(pid)] == []
