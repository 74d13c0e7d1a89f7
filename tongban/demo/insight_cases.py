"""Cases across Hubei's cities (办件分布) for the dashboards and the annual evaluation (issue 16),
through `cases.services` and `accounts.services` only.

The demo's story cases are all at 江夏 (`cases.py`), so 一屏全览 (/insight/) and the evaluation
(/insight/evaluation/) would show one city. This module seeds a spread of about 160 cases over
every prefecture-level unit of Hubei (the 17 regions at city level), with counties of 武汉市 and
宜昌市 so the drill-down city -> county shows data:

- window intakes (窗口受理) by each city's window clerk (`clerk-<city code>`, `cases.
  ensure_city_clerks`) for walk-in applicants of the population register born in that city,
  registered at the window (`do_register_walk_in`, L3), with a landline contact number;
- online applications (网上申报, PC, mobile, a few by post) by six demo citizens registered
  with the demo password and verified online (L2): mobiles 17000000101 ... 17000000106;
- on published implementation items of the region's own departments (the city's, or the chosen
  counties'), without a result licence type (出证 would need the licence's face) nor a custom
  application form, never at 江夏区行政审批局 (the story's queues stay as the story describes);
- then taken, by the department's own staff (`ensure_body_staff`), to a mix of states: waiting
  for pre-check, asked for supplements, refused (不予受理), returned (退回), accepted and in a
  step, granted and concluded, delivered (window pickup, post, electronic), denied (不予许可).

Each city draws its volume from `VOLUMES` and its profile (online share, how far its cases
got) from `random.Random(SEED)`, so rankings differ and every run draws the same. All cases
carry the day they were seeded (the clock rules allow no other), so every conclusion is on
time: no case is concluded late.

The rollups come from the real hook (`insight.rollups.apply` on each transition); nothing here
writes a rollup. Idempotent: the marker is the first online citizen's account having a case;
with it, nothing is written.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.cases import queries as case_queries
from tongban.cases import services as case_services
from tongban.catalog import queries as catalog_queries
from tongban.core import queries as core_queries
from tongban.core.enums import DepartmentKind, RegionLevel

from . import queries
from .data import accounts, people, places

SEED = "tongban-demo:insight-cases"
PDF = b"%PDF-1.4\n% tongban demo material\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OFFICER, WINDOW_CLERK = StaffRole.APPROVING_OFFICER.value, StaffRole.WINDOW_CLERK.value

# Cases per city-level unit (6-digit code): roughly by population, so volumes rank differently
# from the rates the evaluation scores.
VOLUMES = {
    "420100": 32,  # 武汉市
    "420200": 7,  # 黄石市
    "420300": 10,  # 十堰市
    "420500": 16,  # 宜昌市
    "420600": 14,  # 襄阳市
    "420700": 5,  # 鄂州市
    "420800": 8,  # 荆门市
    "420900": 11,  # 孝感市
    "421000": 12,  # 荆州市
    "421100": 13,  # 黄冈市
    "421200": 7,  # 咸宁市
    "421300": 6,  # 随州市
    "422800": 8,  # 恩施州
    "429004": 5,  # 仙桃市
    "429005": 4,  # 潜江市
    "429006": 4,  # 天门市
    "429021": 2,  # 神农架林区
}
# Counties with cases of their own departments (drill-down city -> county); about half of the
# city's cases go to them. Not 江夏, 江汉 or 江岸: the story's departments.
COUNTIES = {
    "420100": ("420106", "420111", "420112"),  # 武昌区, 洪山区, 东西湖区
    "420500": ("420506", "420581", "420582"),  # 夷陵区, 宜都市, 当阳市
}
ONLINE_CITIZENS = 6
ONLINE_MOBILE = "170000001{:02d}"  # 17000000101 ... 17000000106
ITEMS_PER_REGION = 12
ADULT_BORN_BY = 2005  # walk-in applicants are adults

REFUSALS = ("申请事项不属于本机关职权范围", "申请人不具备申请资格", "申请材料经核查不真实")
RETURNS = ("申请事项选择有误，请重新选择对应事项申报", "同一事项已有在办件，请勿重复申报")
SUPPLEMENTS = (("申请人身份证明复印件（清晰）",), ("申请书签字页", "现场照片"), ("相关证明材料原件扫描件",))
DENIALS = ("经审查不符合法定条件", "现场核查与申报情况不符")
STREETS = ("解放路", "人民路", "建设大道", "沿江大道", "光明路", "中山路", "长江路", "新华路")


@dataclass
class Tally:
    cities: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    walk_ins: int = 0
    citizens: int = 0
    skipped: list[str] = field(default_factory=list)

    def add(self, city: str, state: str) -> None:
        self.cities[city] = self.cities.get(city, 0) + 1
        self.states[state] = self.states.get(state, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.cities.values())


def _register() -> list[people.Person]:
    """The population register as `identity.seed_identity` generated it: the same counties in
    the same order (`services.region_units`), the same seed."""
    counties = [
        county.code[:6]
        for city in core_queries.region_children(places.PROVINCE_CODE)
        for county in core_queries.region_children(city.code)
    ]
    return people.population(counties)


def _online_people(register: list[people.Person]) -> list[people.Person]:
    """The online citizens: synthetic adults of the register, the first born in each of
    six different cities."""
    chosen, cities = [], set()
    for person in register[len(people.NAMED) :]:
        year = int(person.id_number[6:10])
        city = person.birthplace[:4]
        if 1960 <= year <= 2000 and city not in cities:
            chosen.append(person)
            cities.add(city)
        if len(chosen) == ONLINE_CITIZENS:
            break
    return chosen


def spread_is_seeded(register: list[people.Person] | None = None) -> bool:
    """The marker: the first online citizen exists and has a case."""
    first = _online_people(register or _register())[0]
    user = account_services.find_person_by_id_number(first.id_number)
    return user is not None and case_queries.cases_of(user).exists()


def _citizens(*, actor: str, chosen: list[people.Person]) -> list:
    users = []
    for i, person in enumerate(chosen, 1):
        user = account_services.find_person_by_id_number(person.id_number)
        if user is None:
            user = account_services.do_register_person(
                actor=actor,
                mobile=ONLINE_MOBILE.format(i),
                password=accounts.DEMO_PASSWORD,
                display_name=person.name,
            )
            user = account_services.do_verify_real_name(
                actor=user, user=user, name=person.name, id_number=person.id_number
            )
        users.append((user, ONLINE_MOBILE.format(i)))
    return users


class Staff:
    """The staff of each department, by role (first by username), cached."""

    def __init__(self) -> None:
        self._by_dept: dict[int, list[tuple[object, list[str]]]] = {}

    def of(self, dept_id: int) -> list[tuple[object, list[str]]]:
        if dept_id not in self._by_dept:
            self._by_dept[dept_id] = [
                (u, account_queries.role_names(u)) for u in account_queries.staff_of_department(dept_id)
            ]
        return self._by_dept[dept_id]

    def officer(self, dept_id: int):
        return next((u for u, roles in self.of(dept_id) if OFFICER in roles), None)

    def for_step(self, dept_id: int, role: str, exclude: set[int]):
        return next(
            (u for u, roles in self.of(dept_id) if role in roles and u.pk not in exclude),
            None,
        )


def _items(region_code: str, rng: random.Random, skip_dept: int | None) -> list:
    """Usable published items of the region's own departments: a sample of the most popular."""
    rows = list(
        catalog_queries.current_items()
        .filter(region_id=region_code, result_license_type_code="")
        .exclude(department_id=skip_dept)
        .order_by("-popularity", "code")[: ITEMS_PER_REGION * 4]
    )
    rng.shuffle(rows)
    usable = []
    for item in rows:
        if _fields(case_services.form_schema(item)) <= FORM_FIELDS:
            usable.append(item)
        if len(usable) == ITEMS_PER_REGION:
            break
    return sorted(usable, key=lambda i: i.code)


FORM_FIELDS = {"applicant_name", "contact_name", "contact_phone", "address", "request"}


def _fields(schema: dict) -> set[str]:
    """The names of a form's fields (the default form has exactly `FORM_FIELDS`)."""
    return {f["name"] for s in schema.get("sections", []) for f in s.get("fields", [])}


def _form(name: str, phone: str, item_name: str) -> dict:
    return {
        "applicant_name": name,
        "contact_name": name,
        "contact_phone": phone,
        "request": f"申请办理{item_name}",
    }


def _upload(material) -> case_services.Upload:
    return case_services.Upload(
        material_id=material.pk,
        name=f"{material.name.strip('《》')}.pdf",
        content=PDF,
        content_type="application/pdf",
    )


@dataclass(frozen=True)
class Profile:
    """How a city's cases go: the share applied online, and how far its accepted cases got."""

    online: float
    done: float


def _profile(rng: random.Random) -> Profile:
    return Profile(online=round(rng.uniform(0.2, 0.8), 2), done=round(rng.uniform(0.35, 0.95), 2))


def _precheck_outcome(rng: random.Random) -> str:
    r = rng.random()
    for outcome, share in (("submitted", 0.14), ("supplement", 0.06), ("refused", 0.07), ("returned", 0.05)):
        if r < share:
            return outcome
        r -= share
    return "accepted"


def _end(rng: random.Random, profile: Profile) -> str:
    """Where an accepted case ends: in its steps, denied, concluded, or delivered."""
    if rng.random() >= profile.done:
        return "accepted"
    r = rng.random()
    return "denied" if r < 0.1 else "concluded" if r < 0.3 else "delivered"


class Seeder:
    def __init__(self, *, actor: str, rng: random.Random) -> None:
        self.actor, self.rng, self.staff, self.tally = actor, rng, Staff(), Tally()

    def _officer(self, case):
        officer = self.staff.officer(case.department_id)
        if officer is None:
            raise LookupError(f"no approving officer at department {case.department_id}")
        return officer

    def online(self, *, citizen: tuple, item, city_name: str, profile: Profile) -> None:
        rng = self.rng
        user, mobile = citizen
        uploads = []
        for plan in case_services.material_plan(user, item):
            # Uploaded: what the applicant must upload, and the 申请表 and 告知承诺书 the platform
            # would otherwise render (WeasyPrint, about a second each). The verified identity
            # and held licences are supplied (免提交).
            if plan.how in ("upload", "fact", "generated", "signed") and plan.required:
                uploads.append(_upload(plan.material))
        channel = rng.choice(("2", "2", "2", "3", "3", "4"))  # PC, mobile, post (Channel values)
        case = case_services.do_submit(
            actor=user,
            item_code=item.code,
            data=_form(user.display_name, mobile, item.name),
            uploads=uploads,
            channel=channel,
        )
        officer = self._officer(case)
        outcome = _precheck_outcome(rng)
        if outcome == "supplement":
            case_services.do_request_supplement(
                actor=officer, number=case.number, items=list(rng.choice(SUPPLEMENTS))
            )
        elif outcome == "refused":
            case_services.do_refuse(actor=officer, number=case.number, reason=rng.choice(REFUSALS))
        elif outcome == "returned":
            case_services.do_return(actor=officer, number=case.number, reason=rng.choice(RETURNS))
        elif outcome == "accepted":
            case_services.do_accept(actor=officer, number=case.number)
            outcome = self._handle(case, profile, applicant=user, item=item)
        self.tally.add(city_name, outcome)

    def window(self, *, clerk, applicant, item, city_name: str, profile: Profile) -> None:
        materials = [m for m in item.materials.all() if m.requirement in ("required", "deferrable")]
        phone = f"{places.area_code(item.region_id)}-{self.rng.randint(2000000, 8999999)}"
        case = case_services.do_window_intake(
            actor=clerk,
            applicant_id=applicant.pk,
            item_code=item.code,
            data=_form(applicant.display_name, phone, item.name),
            uploads=[_upload(m) for m in materials],
        )
        self.tally.add(city_name, self._handle(case, profile, applicant=None, item=item))

    def _handle(self, case, profile: Profile, *, applicant, item) -> str:
        """Take an accepted case through its steps as far as the city's profile draws."""
        rng = self.rng
        end = _end(rng, profile)
        if end == "accepted":
            return end
        done_by: set[int] = set()
        steps = case_queries.case_steps(case)
        for i, step in enumerate(steps):
            last = i == len(steps) - 1
            who = self.staff.for_step(case.department_id, step.role, done_by)
            if who is None:
                raise LookupError(f"no {step.role} left for step {step.index} of {case.item_code}")
            deny = last and end == "denied"
            case_services.do_complete_step(
                actor=who,
                number=case.number,
                step_index=step.index,
                outcome="fail" if deny else "pass",
                comment=rng.choice(DENIALS) if deny else "符合条件，同意",
            )
            done_by.add(who.pk)
        officer = self._officer(case)
        case_services.do_conclude(actor=officer, number=case.number)
        if end != "delivered":
            return "concluded" if end == "concluded" else "denied"
        tracking = ""
        if applicant is not None:
            offered = item.delivery_methods or []
            method = "electronic" if "electronic" in offered else "post" if "post" in offered else ""
            if method:
                address = f"湖北省{rng.choice(STREETS)}{rng.randint(1, 300)}号"
                case_services.do_choose_delivery(
                    actor=applicant,
                    number=case.number,
                    method=method,
                    address=address if method == "post" else "",
                )
                if method == "post":
                    tracking = f"SF{rng.randint(10**11, 10**12 - 1)}"
        case_services.do_deliver(actor=officer, number=case.number, tracking_number=tracking)
        return "delivered"


def _hall_clerk(city) -> object | None:
    """The window clerk of the city's hall (`cases.ensure_city_clerks`): `clerk-<code>`, or the
    hall's first clerk when another exists."""
    hall = (
        core_queries.departments(region=city.code)
        .filter(kind=DepartmentKind.APPROVAL, region_id=city.code)
        .order_by("pk")
        .first()
    )
    if hall is None:
        return None
    clerks = [
        u
        for u in account_queries.staff_of_department(hall.pk)
        if WINDOW_CLERK in account_queries.role_names(u)
    ]
    return next((u for u in clerks if u.username == f"clerk-{city.code[:6]}"), clerks[0] if clerks else None)


def seed_spread(*, actor: str, say: Callable[[str], None]) -> Tally | None:
    """Seed the spread (see the module doc) unless the marker says it exists. Returns the tally,
    or None when nothing was written."""
    register = _register()
    if spread_is_seeded(register):
        return None
    started = time.monotonic()
    rng = random.Random(SEED)
    seeder = Seeder(actor=actor, rng=rng)
    online_people = _online_people(register)
    citizens = _citizens(actor=actor, chosen=online_people)
    seeder.tally.citizens = len(citizens)
    taken = {p.id_number for p in online_people} | {p.id_number for p in register[: len(people.NAMED)]}
    marker_dept = (
        core_queries.departments().filter(name=queries.MARKER_DEPARTMENT).values_list("pk", flat=True).first()
    )
    province = core_queries.provinces().first()
    for city in province.children.filter(level=RegionLevel.CITY).order_by("code"):
        code6 = city.code[:6]
        volume = VOLUMES.get(code6, 0)
        clerk = _hall_clerk(city)
        profile = _profile(rng)
        regions = [city.code] + [c.ljust(12, "0") for c in COUNTIES.get(code6, ())]
        pools = {r: _items(r, rng, marker_dept) for r in regions}
        if clerk is None or not volume or not pools[city.code]:
            seeder.tally.skipped.append(city.name)
            continue
        synthetic = [p for p in register[len(people.NAMED) :] if int(p.id_number[6:10]) <= ADULT_BORN_BY]
        local = [p for p in synthetic if p.birthplace.startswith(city.prefix) and p.id_number not in taken]
        if not local:  # 仙桃, 潜江, 天门, 神农架: nobody in the register is born there
            local = [p for p in synthetic if p.id_number not in taken]
        walk_ins: list = []
        for n in range(volume):
            region = (
                regions[0] if n % 2 == 0 or len(regions) == 1 else regions[1 + (n // 2) % (len(regions) - 1)]
            )
            pool = pools[region] or pools[city.code]
            online_pool = [i for i in pool if i.is_online]
            if online_pool and rng.random() < profile.online:
                seeder.online(
                    citizen=rng.choice(citizens),
                    item=rng.choice(online_pool),
                    city_name=city.name,
                    profile=profile,
                )
                continue
            if len(walk_ins) < max(1, volume // 3) and len(local) > len(walk_ins):
                person = local[len(walk_ins)]
                taken.add(person.id_number)
                walk_ins.append(
                    account_services.do_register_walk_in(
                        actor=clerk, name=person.name, id_number=person.id_number
                    )
                )
                seeder.tally.walk_ins += 1
            applicant = rng.choice(walk_ins) if walk_ins else rng.choice(citizens)[0]
            seeder.window(
                clerk=clerk, applicant=applicant, item=rng.choice(pool), city_name=city.name, profile=profile
            )
    t = seeder.tally
    say(
        f"insight cases: {t.total} cases in {len(t.cities)} cities ({t.walk_ins} walk-ins, {t.citizens} "
        f"online citizens 17000000101-{ONLINE_MOBILE.format(ONLINE_CITIZENS)[-3:]}), states "
        + ", ".join(f"{k} {v}" for k, v in sorted(t.states.items()))
        + (f"; skipped {', '.join(t.skipped)}" if t.skipped else "")
        + f" ({time.monotonic() - started:.1f} s)"
    )
    return t
