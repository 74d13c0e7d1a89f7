"""The demo's completed 企业开办 bundle (一事联办): submitted once on a phone, five departments act,
one pickup at the 综合窗口, within the promised working day. Through services only.

刘洋 (the demo's L3 citizen, 17000000003) opens 武汉洋帆信息科技有限公司 at 江夏 (the combined form
filled as `bundles_submitted.combined_form` fills 王芳's, idempotency key
`demo-company-opening-done`). Then each member department's officers act on their member case
through `cases.services`, exactly as the case workbench does (受理, each step of the item's
approval chain signed by a different person of the department, 办结 with 出证 confirming the
licence draft the workbench shows):

- 武汉市江夏区行政审批局 `officer` and `deptadmin`: 设立登记 (审查, 核准), issuing the 营业执照 of
  the new company into the e-licence library (the company into the legal-person register, 刘洋
  its legal representative). Its conclusion releases the five others, whose member cases take
  the licence from the library (免提交, "由本次联办自动获取"), no upload;
- 武汉市公安局 `officer-gongan`: 印章刻制备案 (即办); 江夏区人社局 `officer-renshe` and
  `deptadmin-renshe`: 企业社会保险登记 (审查, 核准); 武汉市税务局 `officer-shuiwu`: 新办纳税人涉税
  信息确认 and 发票领用 (即办); 武汉住房公积金管理中心 `officer-gjj`: 住房公积金单位缴存登记 (即办).
  The 即办件 among them get a one-step 即办 chain and 社保登记 审查 → 核准 (`MEMBER_CHAINS`),
  set by the step when they differ.

The bundle is then complete on its own clock (1 working day promised, done the day of receipt),
and `clerk` (江夏's 综合窗口) hands every result over in one pickup (`bundles.progress.do_pickup`,
the pickup code the applicant's status page shows).

Two `LATER_STEPS`: `seed_done_bundle` submits (its member case of 设立登记 is made and its files
written after that step's commit, as on the site), `complete_done_bundle` acts and hands over,
taking the bundle from wherever it stands (each action only when its case waits for it), so a
second run writes nothing (False). The released members' cases are made inside that step by
`bundles.fanout.dispatch_bundle` (the dispatcher the commit would run, the recovery's function).

`run_members` and `collect` are the story's two halves for any bundle whose departments have
staff: the tests run them on the fan-out tests' world.
"""

from __future__ import annotations

from collections.abc import Callable

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.bundles import fanout, progress, queries_fanout
from tongban.bundles import queries as bundle_queries
from tongban.cases import queries as case_queries
from tongban.cases import services as case_services
from tongban.cases.enums import CaseState

from . import queries
from .bundles_submitted import THEME, demo_citizen, submit_on_phone
from .cases import _dept_id, _staff
from .data import accounts

KEY = "demo-company-opening-done"
PERSON = "citizen_l3"  # 刘洋
COMPANY = {
    "company_name": "武汉洋帆信息科技有限公司",
    "domicile": "武汉市江夏区藏龙岛科技园九凤街8号",
}
OFFICER, HEAD = StaffRole.APPROVING_OFFICER.value, StaffRole.DEPARTMENT_ADMIN.value
INSTANT = [{"name": "即办", "role": OFFICER, "limit_days": 0}]
# The chains of the theme's members beside 设立登记 (its chain is the featured licence's, `cases.CHAINS`).
MEMBER_CHAINS = {
    "seal": INSTANT,
    "social": [
        {"name": "审查", "role": OFFICER, "limit_days": 0},
        {"name": "核准", "role": HEAD, "limit_days": 1},
    ],
    "tax": INSTANT,
    "invoice": INSTANT,
    "fund": INSTANT,
}
COMMENTS = {OFFICER: "材料齐全，符合要求", HEAD: "同意"}
OPEN = (CaseState.SUBMITTED, CaseState.ACCEPTED, CaseState.DECIDED)


def _bundle_of(user):
    """The applicant's bundle of this story (by its theme; 刘洋 has no other)."""
    return next((b for b in queries_fanout.bundles_of(user) if b.theme_code == THEME), None)


def bundle_number(user) -> str:
    """The number of the person's 企业开办 bundle, "" when none (for `demo_info`)."""
    bundle = _bundle_of(user) if user is not None else None
    return bundle.number if bundle is not None else ""


def ensure_member_chains(*, actor) -> int:
    """The theme's members' approval chains (`MEMBER_CHAINS`), where they differ."""
    theme = bundle_queries.published_theme(THEME)
    written = 0
    for member in theme.spec.members:
        steps = MEMBER_CHAINS.get(member.key)
        if steps is None or case_services.chain_for(member.item_code, 0) == steps:
            continue
        case_services.do_set_chain(actor=actor, item_code=member.item_code, steps=steps)
        written += 1
    return written


def seed_done_bundle(*, actor: str = "system:seed", say: Callable[[str], None] = print) -> bool:
    """The chains, then 刘洋's submission on a phone (see the module docstring); False when his
    bundle is there already, or when the theme or the person is missing (said)."""
    person, user = demo_citizen(PERSON)
    admin = _staff("admin", None)
    if user is None or admin is None or bundle_queries.published_theme(THEME) is None:
        say("bundles: no demo 企业开办 theme, demo citizen or admin: no completed bundle seeded")
        return False
    chains = ensure_member_chains(actor=admin)
    if _bundle_of(user) is not None:
        return chains > 0
    bundle, plan = submit_on_phone(user, person, COMPANY, KEY)
    say(
        f"bundles: {person.display_name} submitted 企业开办 ({bundle.number}) for {COMPANY['company_name']}, "
        f"{len(plan.members)} members; {chains} member chains set"
    )
    return True


def department_staff(department_id: int, preferred: tuple[str, ...] = ()) -> list:
    """The department's staff, the named accounts (`preferred`, in that order) first."""
    rank = {name: i for i, name in enumerate(preferred)}
    staff = list(account_queries.staff_of_department(department_id))
    return sorted(staff, key=lambda u: (rank.get(u.username, len(rank)), u.username))


def _who(staff: list, role: str, case, signed: set[int]):
    """The first of the staff with `role` who has not signed a step of the case (职责分离)."""
    for user in staff:
        if role in account_queries.role_names(user) and (
            user.pk not in signed or not case.separation_of_duties
        ):
            return user
    raise LookupError(f"no {role} of {case.department} left to sign a step of {case.number}")


def act_on_case(case, staff: list) -> int:
    """Take one member case as far as its department can: 受理 by an approving officer, each
    step of its chain by a person of the step's role who has signed none, 办结 with the
    decision's result (出证 issuing the licence draft as the workbench shows it). Returns how
    many actions were taken."""
    number, done = case.number, 0
    officer = _who(staff, OFFICER, case, set())
    while True:
        case = case_services.bundled.member_cases([number])[number]
        if case.state == CaseState.SUBMITTED:
            case_services.do_accept(actor=officer, number=number)
        elif case.state == CaseState.ACCEPTED:
            step = case_queries.active_step(case)
            signed = {s.completed_by_id for s in case_queries.case_steps(case) if s.completed_by_id}
            who = _who(staff, step.role, case, signed)
            case_services.do_complete_step(
                actor=who,
                number=number,
                step_index=step.index,
                outcome="pass",
                comment=COMMENTS.get(step.role, "同意"),
            )
        elif case.state == CaseState.DECIDED:
            draft = case_services.licence_draft(case)
            case_services.do_conclude(
                actor=officer, number=number, licence_face=draft.face if draft else None
            )
        else:
            return done
        done += 1


def run_members(number: str, applicant, *, preferred: tuple[str, ...] = ()) -> int:
    """Every member case of the bundle taken to 办结 by its department's staff, first the ones
    that can start, then those their results released (made here by the dispatcher). Returns
    how many actions were taken."""
    done = 0
    while True:
        fanout.dispatch_bundle(number)
        status = queries_fanout.bundle_status(number, applicant)
        cases = case_services.bundled.member_cases([m.case_number for m in status.members])
        open_cases = [c for c in cases.values() if c.state in OPEN]
        if not open_cases:
            return done
        for case in open_cases:
            done += act_on_case(case, department_staff(case.department_id, preferred))


def collect(number: str, applicant, clerk):
    """One pickup at the 综合窗口: the clerk checks the code the applicant's status page shows and
    hands over every result (`bundles.progress.do_pickup`)."""
    code = queries_fanout.bundle_status(number, applicant).bundle.pickup_code
    return progress.do_pickup(actor=clerk, number=number, code=code)


def complete_done_bundle(*, actor: str = "system:seed", say: Callable[[str], None] = print) -> bool:
    """The departments act on 刘洋's bundle and the clerk hands everything over (see the module
    docstring); False when it is delivered already, or not submitted or not dispatched yet."""
    _person, user = demo_citizen(PERSON)
    bundle = _bundle_of(user) if user is not None else None
    if bundle is None or bundle.state in ("delivered", "withdrawn"):
        return False
    first = bundle.members.order_by("position", "id").first()
    if first is None or not first.case_number:
        # Its first member case is made after the submission's commit; not in a test that
        # never commits.
        say(f"bundles: {bundle.number} has no member case yet: nothing to act on")
        return False
    preferred = tuple(a.username for a in accounts.STAFF)
    actions = run_members(bundle.number, user, preferred=preferred)
    status = queries_fanout.bundle_status(bundle.number, user)
    if status.bundle.state != "completed":
        say(f"bundles: {bundle.number} is {status.bundle.state} after {actions} actions: no pickup")
        return actions > 0
    delivered = collect(bundle.number, user, _staff("clerk", _dept_id(queries.MARKER_DEPARTMENT)))
    say(
        f"bundles: {bundle.number} completed by {len(status.members)} members' departments in {actions} "
        f"actions ({'on time' if delivered.completed_on_time else 'LATE'}, due {delivered.promised_due}), "
        f"handed over in one pickup by clerk"
    )
    return True
