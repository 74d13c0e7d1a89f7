"""Seeding the demo's case handling (办件) through `cases.services` and `accounts.services` only.

- Approval chains (审批环节) for the featured items: 营业执照 and 企业开办 at 江夏, 食品经营许可
  at 江汉, 林木采伐许可证 (即办件, one step) at 恩施, 特殊工时 at 江岸.
- Application forms (`data.forms`) for the featured items whose result is an e-licence
  (营业执照, 食品经营许可证, 林木采伐许可证): their fields carry the licence's face, so 出证
  issues it without the officer typing.
- A window clerk (窗口人员) at the hall department (the 行政审批局 running the 政务服务中心) of
  every prefecture-level city that has none: username `clerk-<city code>`, the demo password.
- The approving staff the chains at 江岸, 恩施市 and 江汉 need (`data.accounts.CASE_STAFF`, with
  the demo password and published TOTP secrets like the other demo staff): `officer-jiangan`
  and `deptadmin-jiangan` (特殊工时), `officer-enshi` (林木采伐), `officer-jianghan` and
  `deptadmin-jianghan` (食品经营许可); and the officers of the 企业开办 theme's member
  departments (`data.accounts.BUNDLE_STAFF`: `officer-gongan`, `officer-renshe` and
  `deptadmin-renshe`, `officer-shuiwu`, `officer-gjj`), who act on the demo's completed bundle.
- The staff of every implementing body (`ensure_body_staff`): for each department that
  implements a published item, as many people of each role as its chains need under separation
  of duties (two approving officers and a department administrator for the default chain), and
  a window clerk at each township 便民服务中心 (`data.accounts` describes names and secrets).
- A handful of cases of the demo citizens at 江夏, where the demo staff work, so that "my cases"
  and the workbench queues are not empty: one waiting for pre-check, one asked for supplements,
  one in its first approval step, one paused for supplements after a window intake, and one
  granted, concluded with 出证 and delivered (with its notices): 王芳's 设立登记 of 武汉芳华餐饮管理
  有限公司, whose business licence (营业执照) goes into the e-licence library, the new company
  into the legal-person register with 王芳 linked as its legal representative.

Idempotent: a chain is written only when it differs, a clerk only when the hall has none, a
story department's staff account only when that department has no account of that name, the
cases only when the demo citizens have none. Deterministic apart from the dates: cases carry the
day they were seeded (their numbers contain it), as the clock rules demand.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop as N_

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.accounts.enums import StaffRole
from tongban.cases import queries as case_queries
from tongban.cases import services as case_services
from tongban.catalog import queries as catalog_queries
from tongban.core import queries as core_queries
from tongban.core.crypto import blind_index
from tongban.core.enums import DepartmentKind, RegionLevel

from . import queries
from .data import accounts
from .data import forms as demo_forms
from .data.catalogue import spec_by_name
from .identity import upsert_staff

PDF = b"%PDF-1.4\n% tongban demo material\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OFFICER, HEAD = StaffRole.APPROVING_OFFICER.value, StaffRole.DEPARTMENT_ADMIN.value

# basic item name, region (6 digits) of the featured implementation, steps.
CHAINS = (
    (
        "内资有限责任公司设立登记",
        "420115",
        [
            {"name": N_("审查"), "role": OFFICER, "limit_days": 0},
            {"name": N_("核准"), "role": HEAD, "limit_days": 1},
        ],
    ),
    (
        "企业开办“一件事”（营业执照、公章刻制、发票申领、社保登记一次办）",
        "420115",
        [
            {"name": N_("审查"), "role": OFFICER, "limit_days": 1},
            {"name": N_("核准"), "role": HEAD, "limit_days": 1},
        ],
    ),
    (
        "食品经营许可",
        "420103",
        [
            {"name": N_("承办"), "role": OFFICER, "limit_days": 2},
            {"name": "审核", "role": OFFICER, "limit_days": 2},
            {"name": N_("批准"), "role": HEAD, "limit_days": 1},
        ],
    ),
    ("林木采伐许可证核发", "422801", [{"name": "即办", "role": OFFICER, "limit_days": 0}]),
    (
        "企业实行不定时工作制和综合计算工时工作制审批",
        "420102",
        [
            {"name": N_("审查"), "role": OFFICER, "limit_days": 1},
            {"name": N_("批准"), "role": HEAD, "limit_days": 1},
        ],
    ),
)

FORM = {"contact_phone": "17000000002", "request": "申请办理（演示）"}


def featured_code(basic_name: str, region6: str) -> str | None:
    """实施编码 of the featured implementation of a basic item in a region."""
    if basic_name == CHAINS[0][0] and region6 == queries.MARKER_REGION:
        return queries.featured_licence_code()
    rows = (
        catalog_queries.current_items()
        .filter(basic_code=spec_by_name()[basic_name].code)
        .order_by("code")
        .values_list("code", "region_id")
    )
    return next((code for code, region in rows if region.startswith(region6)), None)


def _staff(username: str, department_id: int | None):
    return account_queries.staff_of_department(department_id).filter(username=username).first()


def _dept_id(name: str) -> int:
    return core_queries.departments().get(name=name).pk


def ensure_chains(*, actor) -> int:
    written = 0
    for basic, region, steps in CHAINS:
        code = featured_code(basic, region)
        if code is None:
            continue
        if case_services.chain_for(code, 0) == steps:
            continue
        case_services.do_set_chain(actor=actor, item_code=code, steps=steps)
        written += 1
    return written


def ensure_forms(*, actor) -> int:
    """The featured items' application forms (`data.forms`), where they differ."""
    written = 0
    for basic, region in demo_forms.WHERE.items():
        code = featured_code(basic, region)
        if code is None:
            continue
        item = catalog_queries.get_guide(code)
        schema = demo_forms.FORMS[basic][0]
        if case_services.form_schema(item) == schema:
            continue
        case_services.do_set_form(actor=actor, item_pk=item.pk, schema=schema)
        written += 1
    return written


def ensure_city_clerks(*, actor: str) -> list[str]:
    """A window clerk at each prefecture-level city's hall department, when it has none."""
    added = []
    for city in core_queries.provinces().first().children.filter(level=RegionLevel.CITY).order_by("code"):
        code6 = city.code[:6]
        hall = (
            core_queries.departments(region=city.code)
            .filter(kind=DepartmentKind.APPROVAL, region_id=city.code)
            .order_by("pk")
            .first()
        )
        if hall is None:
            continue
        if any(
            account_queries.has_role(u, StaffRole.WINDOW_CLERK)
            for u in account_queries.staff_of_department(hall.pk)
        ):
            continue
        account_services.do_upsert_staff(
            actor=actor,
            username=f"clerk-{code6}",
            password=accounts.DEMO_PASSWORD,
            display_name=f"窗口人员（{city.name}）",
            roles=[StaffRole.WINDOW_CLERK.value],
            department_id=hall.pk,
        )
        added.append(f"clerk-{code6}")
    return added


def ensure_case_staff(*, actor: str) -> list[str]:
    """The approving staff of the story departments (`accounts.CASE_STAFF`) and of the 企业开办
    theme's member departments (`accounts.BUNDLE_STAFF`), when missing."""
    added = []
    for acc in accounts.CASE_STAFF + accounts.BUNDLE_STAFF:
        dept = core_queries.departments().filter(name=acc.department).order_by("pk").first()
        if dept is None or _staff(acc.username, dept.pk) is not None:
            continue
        upsert_staff(actor=actor, account=acc, department_id=dept.pk)
        added.append(acc.username)
    return added


def body_staff_needed() -> dict[int, dict[str, int]]:
    """Per department implementing a published item, the people of each role its chains need
    (the most any one of its items needs: `cases.queries.staff_needed`), and a window clerk at
    each township 便民服务中心."""
    default = case_queries.default_staff_needed()
    chains = case_queries.chains_staff_needed()
    need: dict[int, dict[str, int]] = {}
    for dept_id, code in catalog_queries.current_items().values_list("department_id", "code"):
        wanted = need.setdefault(dept_id, dict(default) if code not in chains else {})
        for role, n in chains.get(code, default).items():
            wanted[role] = max(wanted.get(role, 0), n)
    for dept_id in (
        core_queries.departments().filter(name__endswith="便民服务中心").values_list("pk", flat=True)
    ):
        if dept_id in need:
            need[dept_id][StaffRole.WINDOW_CLERK.value] = 1
    return need


def ensure_body_staff(*, actor: str) -> int:
    """Every implementing body gets the staff its approval chains need (`body_staff_needed`,
    less the staff it already has), as `data.accounts` describes: usernames
    `<body>-<role>-<n>`, the demo password hashed once, published TOTP secrets, created in bulk
    (`accounts.services.do_bulk_create_staff`, each creation audited). Returns how many
    accounts were written (0 on a re-run)."""
    need = body_staff_needed()
    have = account_queries.staff_role_counts(need)
    bodies = list(
        core_queries.departments().filter(pk__in=list(need)).values_list("pk", "name", "credit_code")
    )
    names, codes = {pk: name for pk, name, _ in bodies}, {pk: code for pk, _, code in bodies}
    wanted = []
    for dept_id in sorted(need):
        slug = accounts.BODY_SLUGS.get(names[dept_id], codes[dept_id].lower())
        for role, n in sorted(need[dept_id].items()):
            for k in range(have.get(dept_id, {}).get(role, 0) + 1, n + 1):
                username = accounts.body_username(slug, role, k)
                wanted.append(
                    {
                        "username": username,
                        "display_name": f"{names[dept_id]}{accounts.BODY_ROLE_WORDS[role][1]}{k}（演示）",
                        "roles": [role],
                        "department_id": dept_id,
                        "totp_secret": accounts.body_totp_secret(username),
                    }
                )
    if not wanted:
        return 0
    return len(
        account_services.do_bulk_create_staff(actor=actor, accounts=wanted, password=accounts.DEMO_PASSWORD)
    )


def _uploads(code: str) -> list[case_services.Upload]:
    item = catalog_queries.get_guide(code)
    return [
        case_services.Upload(material_id=m.pk, name=m.name, content=PDF, content_type="application/pdf")
        for m in item.materials.all()
    ]


def _form(user, basic: str) -> dict:
    name = user.display_name
    return demo_forms.filled(
        basic, applicant_name=name, person_name=name, phone=FORM["contact_phone"], request=FORM["request"]
    )


def ensure_cases(*, citizens: dict) -> list[str]:
    """The demo citizens' cases at 江夏 (see the module docstring); none when they have some."""
    if any(case_queries.cases_of(u).exists() for u in citizens.values()):
        return []
    jiangxia = _dept_id(queries.MARKER_DEPARTMENT)
    officer, head = _staff("officer", jiangxia), _staff("deptadmin", jiangxia)
    clerk = _staff("clerk", jiangxia)
    licence = queries.featured_licence_code()
    startup = featured_code(CHAINS[1][0], CHAINS[1][1]) or licence
    wang, liu, li = citizens["citizen_l2"], citizens["citizen_l3"], citizens["citizen_l1"]
    numbers = []

    basics = {licence: CHAINS[0][0], startup: CHAINS[1][0]}

    def submit(user, code):
        case = case_services.do_submit(
            actor=user, item_code=code, data=_form(user, basics[code]), uploads=_uploads(code)
        )
        numbers.append(case.number)
        return case

    # 1. waiting for pre-check (待预审)
    submit(wang, licence)
    # 2. asked for supplements at pre-check (补正材料通知书)
    case = submit(li, startup)
    case_services.do_request_supplement(
        actor=officer, number=case.number, items=["全体股东签署的公司章程", "住所申报承诺书"]
    )
    # 3. accepted, in its first approval step (科室待办)
    case = submit(liu, licence)
    case_services.do_accept(actor=officer, number=case.number)
    # 4. window intake by the clerk, then paused for supplements (暂停计时)
    case = case_services.do_window_intake(
        actor=clerk,
        applicant_id=liu.pk,
        item_code=startup,
        data=_form(liu, basics[startup]),
        uploads=_uploads(startup),
    )
    numbers.append(case.number)
    case_services.do_pause(
        actor=officer,
        number=case.number,
        kind="supplement",
        reason="经营范围表述需与登记规范一致",
        items=["修改后的经营范围说明"],
    )
    # 5. granted, concluded and picked up at the window (受理通知书 and 准予许可决定书)
    case = submit(wang, licence)
    case_services.do_accept(actor=officer, number=case.number)
    case_services.do_complete_step(
        actor=officer, number=case.number, step_index=0, outcome="pass", comment="材料齐全"
    )
    case_services.do_complete_step(
        actor=head, number=case.number, step_index=1, outcome="pass", comment="准予登记"
    )
    case_services.do_conclude(actor=officer, number=case.number)
    case_services.do_deliver(actor=officer, number=case.number)
    return numbers


def seed_cases(*, actor: str, say: Callable[[str], None]) -> dict:
    """Chains, city clerks, the story departments' staff and the demo cases; writes only what
    is missing."""
    admin = _staff("admin", None)
    chains = ensure_chains(actor=admin) if admin else 0
    chains += ensure_forms(actor=admin) if admin else 0
    clerks = ensure_city_clerks(actor=actor)
    staff = ensure_case_staff(actor=actor)
    started = time.monotonic()
    body_staff = ensure_body_staff(actor=actor)
    body_seconds = time.monotonic() - started
    citizens = {}
    for person in accounts.PEOPLE:
        user = (
            get_user_model().objects.filter(mobile_index=blind_index(person.mobile, purpose="mobile")).first()
        )
        if user is not None:
            citizens[person.key] = user
    numbers = ensure_cases(citizens=citizens) if len(citizens) == len(accounts.PEOPLE) else []
    if chains or clerks or staff or body_staff or numbers:
        say(
            f"cases: {chains} approval chains and forms, {len(clerks)} city window clerks, "
            f"{len(staff)} approving staff ({', '.join(staff) or '-'}), {body_staff} staff of the "
            f"implementing bodies{f' ({body_seconds:.1f} s)' if body_staff else ''}, {len(numbers)} demo cases"
        )
    return {"chains": chains, "clerks": clerks, "staff": staff, "body_staff": body_staff, "cases": numbers}
