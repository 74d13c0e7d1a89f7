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
sending a small burst; `single`: one reading per message), two rounds of fresh readings each:

- `live`: the worker runs and `--publishers` processes (default 2, each a share of the devices,
  each device's messages in order) publish; end-to-end from the first publish to the moment the
  worker's stored counter reaches the number published.
- `drain`: the worker's persistent session is made, the worker stopped, every message published
  (the broker queues the QoS 1 messages for the session), then the worker started again and timed
  from the moment it reports that it starts (Django set up; loading its registry of keys and
  connecting are inside the time) to the commit of the last reading: the worker's own rate,
  without a publisher competing for the CPU.

Each round also reports the rate after the first commit (the readings committed after it over the
time from the first to the last commit, seen by polling the stored counter every 10 ms).
QoS 1 both ways; the worker acknowledges after its commit. Each worker process stops by SIGTERM
and reports; `worker` sums their counts and stage times.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
from benchlib import SMOKE_DIR, bench_database, parse_args_with_smoke, report_head  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

ACTOR = "system:bench"
TARGET = 5000.0
FULL = 300_000  # readings in each burst10 round (each single round: a third of it)
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
) -> list[list[tuple[str, bytes]]]:
    """Each device's messages, in its reading-time order, ending at `end`."""
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
    return per_device


def _interleave(per_device: list[list]) -> list[tuple[str, bytes]]:
    """Devices interleaved, as on a broker; each device's own messages in its order (MQTT keeps a
    client's QoS 1 messages in order), so that the late-reading path is the exception it is."""
    out = []
    for i in range(max((len(m) for m in per_device), default=0)):
        out += [m[i] for m in per_device if i < len(m)]
    return out


def _stored() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(sum(count), 0) FROM supervision_ingestcounter WHERE key = 'stored'")
        return int(cur.fetchone()[0])


def _publish(url: str, per_device: list[list], publishers: int, timeout: float, started=None) -> None:
    """Publish from `publishers` processes, each a share of the devices (in order per device);
    `started()` is called once they run (threads start after the fork, not before)."""
    import multiprocessing

    from tongban.supervision import simulate_iot

    shares = [_interleave(per_device[k::publishers]) for k in range(publishers)]
    shares = [s for s in shares if s]
    if len(shares) == 1:
        if started is not None:
            started()
        simulate_iot.publish(url, shares[0], timeout=timeout)
        return
    ctx = multiprocessing.get_context("fork")  # the messages are inherited, not pickled
    procs = [
        ctx.Process(target=simulate_iot.publish, args=(url, s), kwargs={"timeout": timeout}) for s in shares
    ]
    for p in procs:
        p.start()
    if started is not None:
        started()
    for p in procs:
        p.join(timeout)
    if any(p.exitcode != 0 for p in procs):
        raise RuntimeError(f"publishers exited with {[p.exitcode for p in procs]}")


class _Poller(threading.Thread):
    """Polls the stored counter every 10 ms from before the publishing starts (its own database
    connection) until `readings` more are stored: the time of the first commit, the readings it
    stored, the time of the last commit."""

    def __init__(self, base: int, readings: int, timeout: float):
        super().__init__(daemon=True)
        self.base, self.readings, self.timeout = base, readings, timeout
        self.first: float | None = None
        self.first_n = 0
        self.last: float | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        from django.db import connection

        deadline = time.monotonic() + self.timeout
        try:
            while True:
                n = _stored() - self.base
                now = time.perf_counter()
                if n > 0 and self.first is None:
                    self.first, self.first_n = now, n
                if n >= self.readings:
                    self.last = now
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"stored {n} of {self.readings} readings")
                time.sleep(0.01)
        except BaseException as exc:  # reported by result()
            self.error = exc
        finally:
            connection.close()

    def result(self) -> tuple[float, int, float]:
        self.join()
        if self.error is not None:
            raise self.error
        return self.first, self.first_n, self.last


class _Worker:
    """`manage.py supervision ingest` as its own process; stops by SIGTERM and reports."""

    def __init__(self, broker_url: str, dsn: str):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "supervision", "ingest", "--broker", broker_url],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": dsn},
            stdout=subprocess.PIPE,
            text=True,
        )

    def wait_for(self, prefix: str) -> None:
        """Until the worker prints a line starting with `prefix` ("ingesting from": Django is set
        up and the worker starts; "subscribed": it has subscribed)."""
        for line in self.proc.stdout:
            if line.startswith(prefix):
                return
        raise RuntimeError(f"the worker exited before printing {prefix!r}")

    def stop(self) -> tuple[dict, int]:
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=120)
        return json.loads(out.strip().splitlines()[-1]), self.proc.returncode


def _figures(readings: int, messages: int, started: float, first: float, first_n: int, last: float) -> dict:
    seconds, after_first = last - started, max(last - first, 1e-6)
    return {
        "readings": readings,
        "messages": messages,
        "seconds": round(seconds, 3),
        "readings_per_s": round(readings / seconds, 1),
        "messages_per_s": round(messages / seconds, 1),
        # the commits after the first: the readings they stored over the time between first and last
        "after_first_commit_seconds": round(after_first, 3),
        "after_first_commit_readings_per_s": round((readings - first_n) / after_first, 1),
    }


def _count(payload: bytes) -> int:
    return len(json.loads(payload).get("readings", [None]))


def run(dsn: str, smoke: bool, publishers: int = 2) -> dict:
    """The section: figures of each message shape and round, the workers' counts, the alerts."""
    from django.db import connection

    from tongban.supervision.models_iot import Alert, Reading
    from tongban.supervision.mosquitto import Broker

    total = 2_000 if smoke else FULL
    devices = _world()
    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    # in reading-time order per device, back to back: burst10 live, burst10 drain, single live,
    # single drain (each round's readings come after what the worker has evaluated)
    blocks = [("burst10", "live", total, 10), ("burst10", "drain", total, 10)]
    blocks += [("single", "live", total // 3, 1), ("single", "drain", total // 3, 1)]
    prepared = []
    for i, (shape, mode, n, per_message) in enumerate(blocks):
        later = sum(max(m // len(devices), p) for _, _, m, p in blocks[i + 1 :])
        per_device = _messages(devices, n, per_message, 1 + i * 1_000_000, end - dt.timedelta(minutes=later))
        prepared.append((shape, mode, per_device))
    connection.close()  # the workers are other processes
    results: dict = {"publishers": publishers}
    workers: list[dict] = []
    exits: list[int] = []

    def stopped(w: _Worker) -> None:
        report, code = w.stop()
        workers.append(report)
        exits.append(code)

    with Broker() as broker:
        results["broker_pid"] = broker.proc.pid
        for shape, mode, per_device in prepared:
            n_messages = sum(len(m) for m in per_device)
            readings = sum(_count(p) for m in per_device for _, p in m)
            print(f"{shape} {mode}: {readings} readings in {n_messages} messages", flush=True)
            base = _stored()
            worker = _Worker(broker.url, dsn)
            try:
                worker.wait_for("subscribed")  # the persistent session exists from here on
                if mode == "drain":
                    stopped(worker)
                    worker = None
                poller = _Poller(base, readings, timeout=600)
                started = time.perf_counter()
                _publish(
                    broker.url,
                    per_device,
                    publishers,
                    timeout=600,
                    started=poller.start if mode == "live" else None,
                )
                published = time.perf_counter() - started
                if mode == "drain":  # the clock restarts once Django is set up in the worker
                    worker = _Worker(broker.url, dsn)
                    worker.wait_for("ingesting from")
                    poller.start()
                    started = time.perf_counter()
                first, first_n, last = poller.result()
            finally:
                if worker is not None:
                    stopped(worker)
            figures = _figures(readings, n_messages, started, first, first_n, last)
            figures["publish_seconds"] = round(published, 3)
            results.setdefault(shape, {"readings": 0})
            results[shape]["readings"] += readings
            results[shape][mode] = figures
            print(
                f"  {figures['readings_per_s']} readings/s "
                f"(after the first commit: {figures['after_first_commit_readings_per_s']})",
                flush=True,
            )
    counts: Counter = Counter()
    seconds: Counter = Counter()
    for w in workers:
        counts.update(w["counts"])
        seconds.update(w["seconds"])
    results["worker"] = {
        "processes": len(workers),
        "batches": sum(w["batches"] for w in workers),
        "messages": sum(w["messages"] for w in workers),
        "counts": dict(counts),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    results["worker_exit"] = max(exits, key=abs)
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
    p.add_argument("--readings", type=int, default=FULL, help="readings of each burst10 round")
    p.add_argument("--publishers", type=int, default=2, help="publishing processes")
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
        results = run(url, args.smoke, max(1, args.publishers))
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
