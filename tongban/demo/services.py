"""Seeding the demo province (演示省份) through the other apps' services.

`do_seed_demo` runs in one transaction: regions, the working-day calendar, departments,
topics, the basic catalogue, the implementation catalogue (bulk import), the population and
legal-person registers and the demo accounts (`identity.py`).
It is deterministic (fixed seeds; credit codes derived from department names) and
idempotent: when the demo's marker item exists it writes nothing and reports the counts.
"""

from __future__ import annotations

import importlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from tongban.catalog import queries as catalog_queries
from tongban.catalog import services as catalog_services
from tongban.catalog.enums import ItemType
from tongban.core import queries as core_queries
from tongban.core import services as core_services
from tongban.core.enums import RegionLevel

from . import cases as demo_cases
from . import disclosure as demo_disclosure
from . import exchange as demo_exchange
from . import exchange_story as demo_exchange_story
from . import guides, identity, queries
from . import insight_cases as demo_insight_cases
from . import insight_evaluation as demo_evaluation
from . import licences as demo_licences
from . import openness as demo_openness
from .data import accounts, departments, featured, people, places, topics
from .data.catalogue import all_specs, spec_by_name
from .data.specs import Spec
from .steps import LATER_STEPS

ACTOR = "system:seed"
SEED = 20200518  # the day 熊振 collected his business licence at 江夏市民之家 (see the articles)
IMPORT_BATCH = 1000
DIVERGENCE_SHARE = 0.01  # 四级四同: about 1% of implementations differ from their basic item
COUNTY_SHARE = 0.22  # scales the coverage of the not-everywhere items in counties
CITY_SHARE = 0.4  # the least share of prefecture-level cities implementing a municipal item

LEVEL_BY_REGION = {RegionLevel.PROVINCE: "2", RegionLevel.CITY: "3", RegionLevel.COUNTY: "4",
                   RegionLevel.TOWNSHIP: "5"}  # fmt: skip


@dataclass
class Unit:
    """One region of the demo with its departments (by sector) and its service hall."""

    code: str  # 12-digit
    name: str
    display: str  # how its departments are prefixed (武汉市江汉区, 南漳县 ...)
    level: int  # RegionLevel
    city: str  # 6-digit code of the prefecture-level unit ("" for the province)
    place: str  # the address prefix (襄阳市南漳县)
    hall: guides.Hall
    depts: dict = field(default_factory=dict)  # sector -> Department

    @property
    def code6(self) -> str:
        return self.code[:6]

    @property
    def is_direct(self) -> bool:
        return self.level == RegionLevel.CITY and self.code6 in places.DIRECT_UNITS


@dataclass
class DemoSummary:
    reused: bool
    seconds: float
    departments: dict[str, int]
    topics: int
    basic_items: int
    basic_types: int
    items: int
    by_type: dict[str, int]
    divergences: int
    indicators: dict
    accounts: list[str]

    def lines(self) -> list[str]:
        d = self.departments
        ind = self.indicators
        types = "、".join(f"{t} {ItemType(t).label} {n}" for t, n in sorted(self.by_type.items()))
        return [
            f"departments 部门: {sum(d.values())} (provincial {d.get('province', 0)}, municipal {d.get('city', 0)}, "
            f"directly administered 省直管 {d.get('direct', 0)}, county {d.get('county', 0)}, "
            f"township {d.get('township', 0)})",
            f"topics 主题: {self.topics}",
            f"basic items 基本目录: {self.basic_items} over {self.basic_types} item types",
            f"implementation items 实施清单 (current): {self.items}",
            f"  by type: {types}",
            f"  四级四同 divergences: {self.divergences}",
            f"  可网办率 {ind.get('online_rate')}%, 全程网办率 {ind.get('fully_online_rate')}%, "
            f"最多跑一次 {ind.get('at_most_once_rate')}%, 零跑动 {ind.get('zero_visit_rate')}%, "
            f"马上办 {ind.get('immediate')}, 就近办 {ind.get('nearby')}",
            f"population register 人口库: {people.POPULATION} people; legal-person register 法人库: "
            f"{people.LEGAL_PERSONS} units",
            f"staff accounts 工作人员: {', '.join(self.accounts)} (password {accounts.DEMO_PASSWORD}, "
            "TOTP secrets: manage.py demo_info)",
            f"citizen accounts 群众账号 (sign in by mobile): "
            f"{', '.join(f'{p.display_name} {p.mobile}' for p in accounts.PEOPLE)}",
            f"{'reused' if self.reused else 'seeded'} in {self.seconds:.1f} s",
        ]


# --- Entry point ------------------------------------------------------------------------------


def do_seed_demo(*, actor: str = ACTOR, log: Callable[[str], None] | None = None) -> DemoSummary:
    """Seed the demo province, or report the existing one. `log` receives progress lines."""
    say = log or (lambda _msg: None)
    started = time.monotonic()
    reused = queries.demo_is_seeded() and identity.identity_is_seeded()
    if not reused:
        with transaction.atomic():
            _serialise_seeding()
            catalogue = queries.demo_is_seeded()  # another process may have finished meanwhile
            has_people = identity.identity_is_seeded()
            reused = catalogue and has_people
            if not catalogue:
                _seed(actor=actor, say=say)
            elif not has_people:
                # A demo seeded before the identity data existed: add only that.
                say("The demo catalogue exists; adding the identity data (registers and accounts).")
                identity.seed_identity(actor=actor, units=load_units(), say=say)
    # Case handling (chains, city clerks, the story departments' staff, demo cases): only what
    # is missing, on every run.
    # E-licence types and the items' result licence types, before the cases (one issues a
    # business licence); then case handling. Only what is missing, on every run.
    with transaction.atomic():
        _serialise_seeding()
        wrote_licences = demo_licences.seed_licence_types(actor=actor, log=say)
        wrote_cases = demo_cases.seed_cases(actor=actor, say=say)
    # Data sharing: the base registers, the departments' catalogues, credit files (only what is missing).
    with transaction.atomic():
        _serialise_seeding()
        wrote_exchange = demo_exchange.seed_exchange(actor=actor, say=say)
    reused = reused and not any(wrote_exchange.values())
    reused = reused and not wrote_licences
    # The data-sharing story (issue 12): 江汉's food-licence system, its request, grant and calls.
    with transaction.atomic():
        _serialise_seeding()
        wrote_story = demo_exchange_story.seed_story(actor=actor, say=say)
    reused = reused and not wrote_story
    with transaction.atomic():  # 依申请公开 and 回应关切 (issue 16): a request through extension and answer
        _serialise_seeding()
        reused = demo_disclosure.seed_disclosure(actor=actor, say=say) is False and reused
    # Cases across Hubei's cities (issue 16), for the dashboards and the evaluation run below.
    with transaction.atomic():
        _serialise_seeding()
        reused = demo_insight_cases.seed_spread(actor=actor, say=say) is None and reused
    # The annual evaluation (issue 16): the default scheme published, last year and this year run.
    with transaction.atomic():
        _serialise_seeding()
        reused = not demo_evaluation.seed_evaluation(actor=actor, say=say) and reused
    # 政务公开: the demo departments' policy documents (issue 16), only what is missing.
    with transaction.atomic():
        _serialise_seeding()
        reused = not demo_openness.seed_policies(actor=actor, say=say) and reused
    # The later apps' demos (bundles, hotline, ratings, supervision), in the order steps.py lists.
    for step in LATER_STEPS:
        module, _, name = step.partition(":")
        with transaction.atomic():
            _serialise_seeding()
            reused = not getattr(importlib.import_module(module), name)(actor=actor, say=say) and reused
    reused = reused and not any(wrote_cases[k] for k in ("chains", "clerks", "staff", "body_staff", "cases"))
    if reused:
        # The one part kept up to date on every run: the demo department system's client
        # (redirect URIs, client_id and secret from the settings). Writes only when it differs.
        with transaction.atomic():
            _serialise_seeding()
            updated = identity.ensure_demo_client(actor=actor, say=say)
        say(
            "The demo province is already seeded (marker item found): reusing it"
            + (", demo OIDC client updated." if updated else ", nothing written.")
        )
    return _summary(reused=reused, started=started)


_PG_LOCK_KEY = 0x64656D6F  # "demo"


def _serialise_seeding() -> None:
    """Two concurrent `seed demo` runs must not both seed. SQLite's IMMEDIATE transactions
    already hold the write lock; PostgreSQL takes a transaction-scoped advisory lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _seed(*, actor: str, say: Callable[[str], None]) -> None:
    t0 = time.monotonic()
    rows = core_services.do_load_regions(actor=actor)
    if not core_queries.covered_years():
        core_services.do_seed_calendar_from_package(actor=actor)
        say(f"regions: {rows} rows; working-day calendar seeded ({time.monotonic() - t0:.1f} s)")
    else:
        say(f"regions: {rows} rows; working-day calendar already present ({time.monotonic() - t0:.1f} s)")

    t0 = time.monotonic()
    units = ensure_departments(actor=actor)
    n_depts = sum(len(u.depts) for u in units)
    say(f"departments: {n_depts} ({time.monotonic() - t0:.1f} s)")

    t0 = time.monotonic()
    for order, (slug, name, audience, description) in enumerate(topics.TOPICS, start=1):
        catalog_services.do_upsert_topic(
            actor=actor, slug=slug, name=name, audience=audience, order=order, description=description
        )
    created = ensure_basic_items(actor=actor)
    say(f"topics: {len(topics.TOPICS)}; basic items: {created} created ({time.monotonic() - t0:.1f} s)")

    t0 = time.monotonic()
    bundles, divergences = build_bundles(units)
    say(
        f"guides built: {len(bundles)} items, {divergences} 四级四同 divergences ({time.monotonic() - t0:.1f} s)"
    )
    t0 = time.monotonic()
    for start in range(0, len(bundles), IMPORT_BATCH):
        catalog_services.do_import_items(
            actor=actor, bundles=bundles[start : start + IMPORT_BATCH], publish=True
        )
    say(f"implementation items imported ({time.monotonic() - t0:.1f} s)")

    identity.seed_identity(actor=actor, units=units, say=say)


# --- Departments ------------------------------------------------------------------------------


def _strip_province(full_name: str) -> str:
    return full_name.removeprefix("湖北省")


def _hall(code: str, name: str, place: str) -> guides.Hall:
    rng = random.Random(f"tongban-demo:hall:{code}")
    return guides.Hall(
        name=name, address=places.street_address(rng, place), hours=rng.choice(places.HALL_HOURS)
    )


def region_units() -> list[Unit]:
    """The province, its 17 prefecture-level units, their counties and the sample townships."""
    province = core_queries.get_region(places.PROVINCE_CODE)
    units = [
        Unit(
            province.code,
            province.name,
            "湖北省",
            RegionLevel.PROVINCE,
            "",
            "武汉市武昌区",
            guides.Hall(places.HALL_NAMES["420000"], "武汉市武昌区中北路政务服务大厦", places.HALL_HOURS[1]),
        )
    ]
    for city in core_queries.region_children(places.PROVINCE_CODE):
        c6 = city.code[:6]
        prefix = places.CITY_PREFIX[c6]
        hall_name = places.HALL_NAMES.get(c6, f"{prefix}政务服务中心")
        place = _strip_province(city.full_name)
        units.append(
            Unit(
                city.code, city.name, prefix, RegionLevel.CITY, c6, place, _hall(city.code, hall_name, place)
            )
        )
        for county in core_queries.region_children(city.code):
            k6 = county.code[:6]
            display = f"{prefix}{county.name}" if county.name.endswith("区") else county.name
            hall_name = places.HALL_NAMES.get(k6, f"{display}政务服务中心")
            place = _strip_province(county.full_name)
            units.append(
                Unit(
                    county.code,
                    county.name,
                    display,
                    RegionLevel.COUNTY,
                    c6,
                    place,
                    _hall(county.code, hall_name, place),
                )
            )
            for town in core_queries.region_children(county.code):
                if town.level != RegionLevel.TOWNSHIP:
                    continue
                centre = departments.TOWNSHIP_CENTRE.name.format(p=display, t=town.name)
                place = _strip_province(town.full_name)
                units.append(
                    Unit(
                        town.code,
                        town.name,
                        display,
                        RegionLevel.TOWNSHIP,
                        c6,
                        place,
                        _hall(town.code, centre, place),
                    )
                )
    return units


def _dept_specs(unit: Unit) -> list[tuple[str, departments.DeptSpec]]:
    """(name, spec) of every department the demo gives `unit`."""
    D = departments
    if unit.level == RegionLevel.PROVINCE:
        return [(s.name, s) for s in D.PROVINCIAL]
    if unit.level == RegionLevel.TOWNSHIP:
        return [(D.TOWNSHIP_CENTRE.name.format(p=unit.display, t=unit.name), D.TOWNSHIP_CENTRE)]
    if unit.level == RegionLevel.CITY and unit.code6 == places.WUHAN:
        return [(s.name, s) for s in D.WUHAN_MUNICIPAL]
    if unit.level == RegionLevel.CITY and not unit.is_direct:
        specs = [(s.name.format(p=unit.display), s) for s in D.CITY_DEFAULT]
        return specs + [(s.name, s) for s in D.CITY_EXTRA.get(unit.code6, ())]
    # A county, or one of the four directly administered units organised like one.
    out = []
    for s in D.COUNTY:
        name = s.name.format(p=unit.display)
        if s.sector == "police" and unit.city == places.WUHAN and unit.level == RegionLevel.COUNTY:
            name = D.WUHAN_DISTRICT_POLICE.format(d=unit.name)
        out.append((name, s))
    if unit.city in D.FORESTRY_COUNTY_PARENTS and unit.level == RegionLevel.COUNTY:
        out.append((D.COUNTY_FORESTRY.name.format(p=unit.display), D.COUNTY_FORESTRY))
    if unit.code6 in D.FORESTRY_DIRECT_UNITS:
        out.append((D.FORESTRY_DIRECT_UNITS[unit.code6], D.COUNTY_FORESTRY))
    return out


def ensure_departments(*, actor: str) -> list[Unit]:
    """Create (or refresh) every demo department; returns the units with their departments."""
    units = region_units()
    for unit in units:
        for name, spec in _dept_specs(unit):
            rng = random.Random(f"tongban-demo:contact:{name}")
            unit.depts[spec.sector] = core_services.do_upsert_department(
                actor=actor,
                name=name,
                credit_code=departments.credit_code_for(name, unit.code6, spec.credit_kind),
                region_code=unit.code,
                kind=spec.kind,
                phone=places.phone(rng, unit.code),
                address=places.street_address(rng, unit.place),
                hours=unit.hall.hours,
                description=spec.description,
            )
    return units


def load_units() -> list[Unit]:
    """The units with their existing demo departments, read-only (for reports, tests and
    generators that build on a seeded demo)."""
    units = region_units()
    for unit in units:
        for name, spec in _dept_specs(unit):
            dept = core_queries.department_by_credit_code(
                departments.credit_code_for(name, unit.code6, spec.credit_kind)
            )
            if dept is not None:
                unit.depts[spec.sector] = dept
    return units


# --- Catalogue --------------------------------------------------------------------------------


def basic_item_data(spec: Spec) -> dict:
    return {
        "code": spec.code,
        "name": spec.name,
        "item_type": spec.item_type,
        "level": spec.level,
        "legal_basis": spec.basis,
        "service_objects": list(spec.objects),
        "description": spec.description
        or (
            f"{ItemType(spec.item_type).label}事项。服务对象：{guides.objects_text(spec.objects)}。"
            f"设定依据：{guides.first_law(spec.basis)}等。"
        ),
        "hot": spec.hot,
    }


def ensure_basic_items(*, actor: str) -> int:
    """Create and publish every basic item that does not exist yet; returns how many."""
    created = 0
    for spec in all_specs():
        if catalog_queries.basic_item_for(spec.code) is None:
            catalog_services.do_create_basic_item(
                actor=actor, data=basic_item_data(spec), topics=spec.topics, publish=True
            )
            created += 1
    return created


WEIGHTS = {
    RegionLevel.PROVINCE: 1.0,
    RegionLevel.CITY: 0.6,
    RegionLevel.COUNTY: 0.35,
    RegionLevel.TOWNSHIP: 0.25,
}


def _weight(unit: Unit) -> float:
    if unit.city == places.WUHAN and unit.level in (RegionLevel.CITY, RegionLevel.COUNTY):
        return WEIGHTS[unit.level] * 1.5
    return WEIGHTS[unit.level]


def implementer_for(spec: Spec, unit: Unit) -> tuple[guides.Implementer, str] | None:
    """Which of `unit`'s departments implements `spec`, and its sector (None: nobody there)."""
    if unit.level == RegionLevel.TOWNSHIP:
        if "T" not in spec.where:
            return None
        if spec.sector == "forestry" and unit.city not in departments.FORESTRY_COUNTY_PARENTS:
            return None
        sector = "township"
    elif spec.sector == "forestry" and "forestry" in unit.depts:
        sector = "forestry"  # forest areas keep felling licences with the forestry bureau
    elif spec.by_approval_bureau and "approval" in unit.depts:
        sector = "approval"  # 相对集中行政许可权: the 行政审批局 holds the licences
    else:
        sector = spec.sector
    dept = unit.depts.get(sector)
    if dept is None:
        return None
    imp = guides.Implementer(
        department=dept,
        region_code=unit.code,
        region_name=unit.name,
        level=LEVEL_BY_REGION[unit.level],
        hall=unit.hall,
        weight=_weight(unit),
    )
    return imp, sector


def _implemented_here(spec: Spec, unit: Unit, rng: random.Random) -> bool:
    """Whether `unit` implements `spec` at all: the where letters, then a coverage draw.

    Items with coverage 1 (the high-frequency ones) are everywhere; the others are drawn, so
    each county has a few dozen items and every item appears somewhere."""
    if unit.level == RegionLevel.PROVINCE:
        return "P" in spec.where
    if unit.level == RegionLevel.TOWNSHIP:
        return "T" in spec.where
    if unit.level == RegionLevel.CITY and not unit.is_direct:
        if "C" not in spec.where:
            return False
        share = 1.0 if unit.code6 == places.WUHAN else max(spec.coverage, CITY_SHARE)
    else:  # a county, or a directly administered unit (both levels' items)
        if not set("CX" if unit.is_direct else "X") & set(spec.where):
            return False
        share = spec.coverage * COUNTY_SHARE * (2 if unit.city == places.WUHAN else 1)
    return spec.coverage >= 1.0 or share >= 1.0 or rng.random() < share


def build_bundles(units: list[Unit]) -> tuple[list[catalog_services.ItemBundle], int]:
    """Every implementation's guide: generated ones, the hand-written featured ones, and about
    1% deliberately diverging from their basic item. Returns (bundles, divergences)."""
    rng = random.Random(SEED)
    by_code = {u.code: u for u in units}
    chosen: dict[str, catalog_services.ItemBundle] = {}
    generated: list[str] = []
    for spec in all_specs():
        for unit in units:
            if not _implemented_here(spec, unit, rng):
                continue
            found = implementer_for(spec, unit)
            if found is None:
                continue
            imp, sector = found
            bundle = guides.build_bundle(spec, imp, rng, sector=sector)
            chosen[bundle.data["code"]] = bundle
            generated.append(bundle.data["code"])
    featured_codes = set()
    for entry in featured.FEATURED:
        spec = spec_by_name()[entry["basic"]]
        unit = by_code[core_queries.check_region_code(entry["region"])]
        dept = unit.depts[entry["sector"]]
        imp = guides.Implementer(
            department=dept,
            region_code=unit.code,
            region_name=unit.name,
            level=LEVEL_BY_REGION[unit.level],
            hall=unit.hall,
            weight=1.0,
        )
        bundle = guides.featured_bundle(entry, spec, imp)
        chosen[bundle.data["code"]] = bundle
        featured_codes.add(bundle.data["code"])
    generated = [c for c in generated if c not in featured_codes]
    specs = {s.code: s for s in all_specs()}
    n = max(1, round(len(chosen) * DIVERGENCE_SHARE))
    for code in sorted(rng.sample(generated, n)):
        bundle = chosen[code]
        guides.diverge(bundle, specs[bundle.data["basic_code"]], rng)
    return list(chosen.values()), n


# --- Summary ------------------------------------------------------------------------------------


def _summary(*, reused: bool, started: float) -> DemoSummary:
    dept_levels = {
        RegionLevel.PROVINCE: "province",
        RegionLevel.CITY: "city",
        RegionLevel.COUNTY: "county",
        RegionLevel.TOWNSHIP: "township",
    }
    by_level: dict[str, int] = {}
    for level, region_id in core_queries.departments().values_list("region__level", "region_id"):
        key = "direct" if region_id[:6] in places.DIRECT_UNITS else dept_levels.get(level, "other")
        by_level[key] = by_level.get(key, 0) + 1
    basics = [s for s in all_specs() if catalog_queries.basic_item_for(s.code) is not None]
    return DemoSummary(
        reused=reused,
        seconds=time.monotonic() - started,
        departments=by_level,
        topics=catalog_queries.topics().count(),
        basic_items=len(basics),
        basic_types=len({s.item_type for s in basics}),
        items=catalog_queries.current_items().count(),
        by_type=catalog_queries.count_by_type(),
        divergences=len(catalog_queries.four_sames_report()),
        indicators=catalog_queries.indicators(catalog_queries.SearchFilters()),
        accounts=[a.username for a in accounts.STAFF],
    )
