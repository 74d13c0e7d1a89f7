"""Section `ingest` of bench/supervision.py (also runnable alone): MQTT ingestion through a real
Mosquitto into PostgreSQL, thresholds evaluated. Target: ≥ 5,000 readings/s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_sup_iot_bench \\
        .venv/bin/python bench/supervision_ingest.py [--smoke] [--readings 300000] [--out FILE]

Alone, it (re)creates the database named in DATABASE_URL (its name must contain "bench") and
migrates it. Then, through the services: the regions, one department, 20 entities with a site
each, 100 devices (noise, gases, water quality) with their keys and default thresholds. A private
Mosquitto starts on a free loopback port (no persistence) and `manage.py supervision ingest` runs
as its own process against it and the database. Every payload is generated and signed (HMAC-SM3
per reading) before the clock starts; 5 % of the devices carry a sustained exceedance.

Timed, for each shape of message (`burst10`: 10 readings of one device per MQTT message, a device
sending a small burst; `single`: one reading per message), from the first publish to the moment
the worker's stored counter reaches the number published: readings/s (and messages/s). QoS 1
both ways; the worker acknowledges after its commit. The worker stops by SIGTERM and reports.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
from benchlib import SMOKE_DIR, bench_database, parse_args_with_smoke, report_head  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

ACTOR = "system:bench"
TARGET = 5000.0
FULL = 300_000  # readings in the burst10 round (the single round: a third of it)
SITES, DEVICES = 20, 100
TYPES = ["noise", "noise", "nh3", "h2s", "co", "ph", "cod", "nh3n"]


def _world() -> list:
    from tongban.core import queries as core_queries
    from tongban.core import services as core_services
    from tongban.core.identifiers import make_credit_code
    from tongban.supervision import iot, registry, simulate_iot

    if not core_queries.provinces().exists():
        core_services.do_load_regions(actor=ACTOR)
    iot.do_load_reference(actor=ACTOR)
    rng = random.Random(15)
    dept = core_services.do_upsert_department(
        actor=ACTOR,
        name="湖北省生态环境厅（基准测试）",
        credit_code=make_credit_code(rng, region="420000", kind="11"),
        region_code="420000",
        kind="bureau",
    )
    for s in range(SITES):
        entity = registry.do_register_entity(
            actor=ACTOR,
            credit_code=make_credit_code(rng, region="420103", kind="92"),
            name=f"基准测试企业{s:02d}",
            kind="enterprise",
            region_code="420103",
            industry="C26",
        )
        site = iot.do_register_site(
            actor=ACTOR,
            code=f"bench-{s:02d}",
            name=f"基准点位{s:02d}",
            kind="factory",
            entity_id=entity.pk,
            department_id=dept.pk,
        )
        for d in range(DEVICES // SITES):
            n = s * (DEVICES // SITES) + d
            iot.do_register_device(
                actor=ACTOR, site_id=site.pk, code=f"bench-{n:03d}", sensor_type=TYPES[n % len(TYPES)]
            )
    return simulate_iot.registered()


def _messages(
    devices, total: int, per_message: int, first_seq: int, end: dt.datetime
) -> list[tuple[str, bytes]]:
    from tongban.supervision import simulate_iot

    minutes = max(total // len(devices), per_message)
    per_device = []
    for i, d in enumerate(devices):
        exceed = d.code if i % 20 == 0 else None  # 5 % of the devices
        per_device.append(
            simulate_iot.feed(
                [d],
                end=end,
                minutes=minutes,
                exceed=exceed,
                exceed_last=minutes // 2,
                first_seq=first_seq,
                per_message=per_message,
                seed=first_seq + i,
            )
        )
    # devices interleaved, as on a broker; each device's own messages in its order (MQTT keeps a
    # client's QoS 1 messages in order), so that the late-reading path is the exception it is
    out = []
    for i in range(max(len(m) for m in per_device)):
        out += [m[i] for m in per_device if i < len(m)]
    return out


def _stored() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(sum(count), 0) FROM supervision_ingestcounter WHERE key = 'stored'")
        return int(cur.fetchone()[0])


def _round(url: str, messages, *, readings: int, timeout: float) -> dict:
    from tongban.supervision import simulate_iot

    base = _stored()
    started = time.perf_counter()
    simulate_iot.publish(url, messages, timeout=timeout)
    published = time.perf_counter() - started
    deadline = time.monotonic() + timeout
    while _stored() - base < readings:
        if time.monotonic() > deadline:
            raise TimeoutError(f"stored {_stored() - base} of {readings} readings")
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    return {
        "readings": readings,
        "messages": len(messages),
        "seconds": round(seconds, 3),
        "publish_seconds": round(published, 3),
        "readings_per_s": round(readings / seconds, 1),
        "messages_per_s": round(len(messages) / seconds, 1),
    }


def _count(payload: bytes) -> int:
    return len(json.loads(payload).get("readings", [None]))


def run(dsn: str, smoke: bool) -> dict:
    """The section: figures of each message shape, the worker's counts, the alerts raised."""
    from django.db import connection

    from tongban.supervision.models_iot import Alert, Reading
    from tongban.supervision.mosquitto import Broker

    total = 2_000 if smoke else FULL
    devices = _world()
    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    single = total // 3
    prepared = {  # in reading-time order per device: the burst10 block, then the single block
        "burst10": _messages(devices, total, 10, 1, end - dt.timedelta(minutes=single // len(devices))),
        "single": _messages(devices, single, 1, 1_000_000, end),
    }
    connection.close()  # the worker is another process
    results: dict = {}
    with Broker() as broker:
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "supervision", "ingest", "--broker", broker.url],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": dsn},
            stdout=subprocess.PIPE,
            text=True,
        )
        results["server_pids"] = [worker.pid, broker.proc.pid]
        try:
            for line in worker.stdout:  # wait until it has subscribed
                if line.startswith("subscribed"):
                    break
            for name, messages in prepared.items():
                readings = sum(_count(p) for _, p in messages)
                print(f"{name}: {readings} readings in {len(messages)} messages", flush=True)
                results[name] = _round(broker.url, messages, readings=readings, timeout=600)
                print(f"  {results[name]['readings_per_s']} readings/s", flush=True)
        finally:
            worker.send_signal(signal.SIGTERM)
            out, _ = worker.communicate(timeout=120)
        results["worker"] = json.loads(out.strip().splitlines()[-1])
        results["worker_exit"] = worker.returncode
    results["database"] = {
        "readings": Reading.objects.count(),
        "alerts": Alert.objects.count(),
        "devices": len(devices),
    }
    results["target_readings_per_s"] = TARGET
    return results


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(ROOT / "var" / "bench" / "supervision_ingest.json"))
    p.add_argument("--readings", type=int, default=FULL, help="readings of the burst10 round")
    args = parse_args_with_smoke(p, {"out": str(SMOKE_DIR / "supervision_ingest.json")})
    globals()["FULL"] = args.readings
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tb_sup_iot_bench")
    started = dt.datetime.now().astimezone()
    with bench_database(url, smoke=args.smoke):
        import django
        from django.core.management import call_command

        django.setup()
        if not os.environ.get("BENCH_TEMPLATE_DATABASE"):
            call_command("migrate", verbosity=0)
        load_before = os.getloadavg()
        results = run(url, args.smoke)
        load_after = os.getloadavg()
        from django.db import connections

        connections.close_all()
    report = {
        **report_head("supervision_ingest", started, load_before, load_after),
        "smoke": args.smoke,
        **results,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    print(json.dumps({k: v for k, v in results.items() if k in ("burst10", "single")}, indent=1))
    print(f"report: {out}")


if __name__ == "__main__":
    main()
