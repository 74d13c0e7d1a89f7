"""Demo seeding of IoT supervision (物联网监管): two monitored sites supervised by 湖北省生态环境厅
— a restaurant kitchen (noise, CO) and a factory's outfall (pH, COD, NH3-N) — with their devices,
a kitchen noise limit that opens an inspection task, and the last hour of a simulated feed
ingested (the kitchen's noise sustained above its limit: one alert, one task), so the live pages
have something to show. Through the services only; a second run writes nothing.

Live data comes from `manage.py supervision simulate-sensors` and `supervision ingest` against a
broker (see docs/supervision-iot.md)."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.utils import timezone

from tongban.core import queries as core_queries
from tongban.core.identifiers import make_credit_code
from tongban.supervision import iot, queries_iot, registry, simulate_iot
from tongban.supervision.ingest import Ingestor

DEPARTMENT = "湖北省生态环境厅"
SITES = [
    # code, name, kind, entity name, industry, devices (code, sensor type)
    ("jx-kitchen-01", "好味道餐馆后厨", "kitchen", "武汉市江夏区好味道餐馆", "H62", [
        ("jx-k01-noise", "noise"), ("jx-k01-co", "co")]),
    ("jx-outfall-01", "江夏精细化工厂总排口", "outfall", "武汉江夏精细化工有限公司", "C26", [
        ("jx-o01-ph", "ph"), ("jx-o01-cod", "cod"), ("jx-o01-nh3n", "nh3n")]),
]  # fmt: skip


def seed(*, actor: str, say: Callable[[str], None]) -> bool:
    """Returns whether anything was written."""
    dept = core_queries.departments().filter(name=DEPARTMENT).first()
    if dept is None:
        say(f"supervision IoT skipped: no {DEPARTMENT}")
        return False
    if queries_iot.sites_for(actor).filter(code=SITES[0][0]).exists():
        return False
    iot.do_load_reference(actor=actor)
    rng = random.Random("demo:supervision-iot")
    for code, name, kind, entity_name, industry, devices in SITES:
        entity = registry.do_register_entity(
            actor=actor,
            credit_code=make_credit_code(rng, region="420115", kind="92" if kind == "kitchen" else "91"),
            name=entity_name,
            kind="individual" if kind == "kitchen" else "enterprise",
            region_code="420115",
            industry=industry,
        )
        site = iot.do_register_site(
            actor=actor, code=code, name=name, kind=kind, entity_id=entity.pk, department_id=dept.pk
        )
        for device_code, sensor_type in devices:
            iot.do_register_device(actor=actor, site_id=site.pk, code=device_code, sensor_type=sensor_type)
        if kind == "kitchen":
            iot.do_set_threshold(
                actor=actor,
                sensor_type="noise",
                site_id=site.pk,
                upper=60,
                sustain_count=5,
                sustain_minutes=10,
                opens_task=True,
                basis="GB 22337-2008 2类 昼间 60 dB(A)",
            )
    now = timezone.now().replace(second=0, microsecond=0)
    devices = simulate_iot.registered(site_codes=[s[0] for s in SITES])
    messages = simulate_iot.feed(
        devices, end=now, minutes=60, exceed="jx-k01-noise", exceed_last=8, per_message=10
    )
    result = Ingestor().process(messages)
    say(
        f"supervision IoT: {len(SITES)} sites, {len(devices)} devices, {result.counts['stored']} readings, "
        f"{len(result.alerts_raised)} alert(s), {len(result.tasks_opened)} inspection task(s)"
    )
    return True
