"""The fan-out (分发): outbox rows become member cases, and member cases' events move the bundle.

- `dispatch_bundle(number)` (right after a submission commits, and after an event that makes a
  member ready) and `dispatch_pending()` (the recovery: `manage.py bundles dispatch`, run by the
  scheduler every minute) turn a bundle's pending outbox rows into its member cases, in ONE
  transaction with the rows marked done (the rows are locked, skipped when another dispatcher
  holds them): a crash leaves the rows pending and no case, never a case without its done row.
  What every member case needs is read once per bundle (the combined form decrypted once, each
  shared file decrypted once, the member items and their forms in one go), and each member's
  material plan was decided at the submission (`BundleMember.provided`). The member case is
  also idempotent by "bundle:<number>:<member>", belt and braces. A member that receives the
  licence of the company another member registered is filed under that company
  (`_filed_for`).
- `on_case_changed` (connected to `cases.signals.case_changed`, inside the case's own
  transaction): a member case concluded with its result licence releases the members that
  required it (their outbox rows written there and dispatched after the commit); a refusal
  applies each dependant's policy (cancel / pause / continue, transitively); a 补正 of a member
  pauses only the members that depend on it, and its supply releases them again.
"""

from __future__ import annotations

import json
import logging
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts import services as account_services
from tongban.cases import clock as cases_clock
from tongban.cases import services as case_services
from tongban.cases.enums import CaseState, ResultCode
from tongban.core import audit, files
from tongban.core.errors import DomainError
from tongban.licences import queries as licence_queries

from .enums_fanout import BundleState, MemberState, Policy
from .models_fanout import BUNDLE_FORM, Bundle, BundleFile, BundleMember, BundleOutbox

log = logging.getLogger(__name__)

DISPATCHER = "一事联办分发"
ENDED_CASE = frozenset(
    {CaseState.CONCLUDED, CaseState.DELIVERED, CaseState.RETURNED, CaseState.REFUSED, CaseState.WITHDRAWN}
)
FAILED_CASE = frozenset({CaseState.RETURNED, CaseState.REFUSED, CaseState.WITHDRAWN})
ON_HOLD_CASE = frozenset({CaseState.SUPPLEMENT, CaseState.PAUSED})


def dispatch_bundle(number: str) -> int:
    """Create the member cases of the bundle's pending outbox rows (those another dispatcher
    does not hold): one transaction for all of them; returns how many cases it created."""
    return _dispatch(BundleOutbox.objects.filter(member__bundle__number=number))


def dispatch_pending(*, limit: int = 1000) -> int:
    """The recovery: every pending outbox row (oldest first), one transaction per bundle."""
    bundles = list(
        BundleOutbox.objects.filter(done_at__isnull=True)
        .order_by("id")
        .values_list("member__bundle_id", flat=True)[:limit]
    )
    return sum(_dispatch(BundleOutbox.objects.filter(member__bundle_id=pk)) for pk in dict.fromkeys(bundles))


def pending_count() -> int:
    return BundleOutbox.objects.filter(done_at__isnull=True).count()


class _Bundle:
    """What every member case of one bundle needs, read once per dispatch: the combined form
    (decrypted once), the submitter and the applicant, the shared files (each decrypted once),
    the member items' current guides and their forms, the sibling members."""

    def __init__(self, bundle: Bundle, members: list[BundleMember]):
        self.bundle = bundle
        self.form = json.loads(BUNDLE_FORM.read(bundle))["members"]
        self.applicant = account_queries.get_user(bundle.applicant_id)
        self.submitter = (
            self.applicant
            if bundle.submitted_by_id == bundle.applicant_id
            else account_queries.get_user(bundle.submitted_by_id)
        )
        wanted = {u["file_id"] for m in members for u in m.uploads}
        self.files = {
            row.pk: (row, files.open_decrypted(row.file.name))
            for row in BundleFile.objects.filter(pk__in=wanted)
        }
        self.items = case_services.bundled.member_items({m.item_code for m in members})
        self.schemas = case_services.bundled.form_schemas(self.items.values())
        self.siblings = {m.key: m for m in bundle.members.all()} if any(m.library for m in members) else {}
        self.holder = None
        self.companies: dict[str, dict | None] = {}  # holder code -> the company the applicant represents

    def uploads(self, member: BundleMember) -> list:
        out = []
        for entry in member.uploads:
            row, content = self.files[entry["file_id"]]
            out.append(case_services.Upload(entry["material_id"], row.name, content, row.content_type))
        return out

    def library(self, member: BundleMember) -> list:
        """What the e-licence library supplies: licences held now (the applicant's) and those the
        members it requires issued (their holder: the new company a 设立登记 registered)."""
        if not member.library:
            return []
        siblings = self.siblings
        cases = case_services.bundled.member_cases(
            [siblings[e["member"]].case_number for e in member.library if e["member"]]
        )
        out = []
        for entry in member.library:
            if entry["member"]:
                case = cases.get(siblings[entry["member"]].case_number)
                produced = True
                if case is None or not case.result_licence:
                    holder = ""  # "continue" policy: none issued; the case names it missing (补正)
                else:
                    holder = licence_queries.licence_holder_code(
                        licence_queries.get_licence(case.result_licence)
                    )
            else:
                if self.holder is None:
                    self.holder = case_services.bundled.holder_code_of(self.applicant, _who(self.bundle))
                holder, produced = self.holder, False
            out.append(
                case_services.bundled.LibraryMaterial(
                    material_id=entry["material_id"],
                    holder_code=holder,
                    type_code=entry["type_code"],
                    produced=produced,
                )
            )
        return out


def _filed_for(context: _Bundle, library: list) -> dict:
    """Who a member case is for: the bundle's applicant side, except that a member receiving the
    licence another member issued to a legal person (the 营业执照 of the company the 设立登记
    registered) is filed under that legal person when the applicant, applying as themselves,
    represents it now (the legal representative's mandate the registration gave them): the
    company's 印章, 社保, 税务 and 公积金 cases are the company's, as if its representative applied
    acting for it, and the person still sees them in 我的办件."""
    who = _who(context.bundle)
    if who["legal_person_id"] or who["agent_id"]:
        return who
    for entry in library:
        if not (entry.produced and entry.holder_code):
            continue
        if entry.holder_code not in context.companies:  # one read per holder and dispatch
            context.companies[entry.holder_code] = account_queries.represented_by_code(
                context.applicant, entry.holder_code
            )
        company = context.companies[entry.holder_code]
        if company is not None:
            return {**who, "legal_person_id": company["id"], "applicant_name": company["name"]}
    return who


def _who(bundle: Bundle) -> dict:
    return {
        "applicant_id": bundle.applicant_id,
        "legal_person_id": bundle.legal_person_id,
        "applicant_name": bundle.applicant_name,
        "agent_id": bundle.agent_id,
    }


def _dispatch(outbox) -> int:
    """Create the member cases of these outbox rows (all of one bundle) in ONE transaction with
    the rows marked done: the rows are locked first (skipped when another dispatcher holds
    them), so a crash leaves them pending and no case, never a case without its done row. Each
    member case is made inside its own savepoint (cases' `idempotent`): one that fails (the
    item withdrawn meanwhile) keeps its error on its row, which stays pending, and the others
    go on. The member case is also idempotent by "bundle:<number>:<member>", belt and braces."""
    failed: dict[int, str] = {}
    created = 0
    with transaction.atomic(), audit.batch():
        rows = list(
            outbox.select_for_update(skip_locked=True, of=("self",))
            .select_related("member__bundle")
            .filter(done_at__isnull=True)
            .order_by("id")
        )
        if not rows:
            return 0
        now = timezone.now()
        todo = [r for r in rows if r.member.state == MemberState.QUEUED and not r.member.case_number]
        context = _Bundle(rows[0].member.bundle, [r.member for r in todo]) if todo else None
        for row in todo:
            member = row.member
            try:
                # No savepoint of its own: do_submit_member checks before it writes, and writes
                # inside cases' own savepoint (`idempotent`), which a failure rolls back.
                case = _member_case(context, member)
            except DomainError as exc:  # kept for the operator; the row stays pending
                log.warning("bundle outbox %s failed: %s", row.pk, exc)
                failed[row.pk] = str(exc)[:500]
                continue
            member.case_number, member.state = case.number, MemberState.CASE
            member.save(update_fields=["case_number", "state"])
            created += 1
        done = [r.pk for r in rows if r.pk not in failed]
        BundleOutbox.objects.filter(pk__in=done).update(attempts=F("attempts") + 1, done_at=now)
        for pk, error in failed.items():
            BundleOutbox.objects.filter(pk=pk).update(attempts=F("attempts") + 1, last_error=error)
    return created


def _member_case(context: _Bundle, member: BundleMember):
    bundle = context.bundle
    item = context.items.get(member.item_code)
    library = context.library(member)
    case = case_services.bundled.do_submit_member(
        actor=context.submitter,
        who=_filed_for(context, library),
        item_code=member.item_code,
        cleaned=context.form[member.key],
        uploads=context.uploads(member),
        library=library,
        bundle_number=bundle.number,
        channel=bundle.channel,
        idempotency_key=f"bundle:{bundle.number}:{member.key}",
        library_actor=context.applicant,
        item=item,
        schema=context.schemas.get(item.pk) if item is not None else None,
        provided=member.provided,
    )
    audit.record(
        actor=DISPATCHER,
        action="bundles.dispatch",
        obj=bundle,
        data={"member": member.key, "case": case.number},
    )
    return case


# --- member cases' events ------------------------------------------------------------------


def on_case_changed(sender, case, action, before, **kwargs) -> None:
    """Receiver of cases.signals.case_changed (inside the case's transaction; small writes)."""
    if action in ("submit", "window_intake"):
        return  # a new case: a member's is linked by the dispatcher itself
    member = BundleMember.objects.select_related("bundle").filter(case_number=case.number).first()
    if member is None:
        return
    bundle = Bundle.objects.select_for_update().get(pk=member.bundle_id)
    if bundle.state == BundleState.WITHDRAWN:
        return
    members = list(bundle.members.select_for_update().order_by("position", "id"))
    me = next(m for m in members if m.pk == member.pk)
    released = False
    if action == "conclude" and case.result_licence:
        released = _release(bundle, members, me)
    elif action == "conclude" and case.result_code in (
        ResultCode.DENIED,
        ResultCode.RETURNED,
        ResultCode.VOIDED,
    ):
        released = _refused(bundle, members, me, case.decision_reason or str(case.get_result_code_display()))
    elif action in ("refuse", "return"):
        released = _refused(bundle, members, me, case.return_reason)
    elif action == "withdraw":
        released = _refused(bundle, members, me, "申请人已撤回该事项")
    elif case.state in ON_HOLD_CASE and before not in ON_HOLD_CASE:
        _hold(members, me, True, f"前置事项“{me.item_name}”补正中，完成后继续")
    elif before in ON_HOLD_CASE and case.state not in ON_HOLD_CASE:
        _hold(members, me, False, "")
    refresh_state(bundle, members, {case.number: case})
    if released:
        number = bundle.number
        transaction.on_commit(lambda: dispatch_bundle(number))


def _dependants(members: list[BundleMember], key: str) -> list[BundleMember]:
    return [m for m in members if any(r["member"] == key for r in m.requires)]


def _issued(members: list[BundleMember], cases: dict) -> set[str]:
    out = set()
    for m in members:
        case = cases.get(m.case_number)
        if (
            case is not None
            and case.result_licence
            and case.state in (CaseState.CONCLUDED, CaseState.DELIVERED)
        ):
            out.add(m.key)
    return out


def _queue(member: BundleMember, note: str = "") -> None:
    member.state, member.note = MemberState.QUEUED, note
    member.save(update_fields=["state", "note"])
    BundleOutbox.objects.get_or_create(member=member)


def _release(bundle: Bundle, members: list[BundleMember], me: BundleMember) -> bool:
    """Members whose every requirement is now issued are queued."""
    cases = case_services.bundled.member_cases([m.case_number for m in members])
    issued = _issued(members, cases)
    released = False
    for dep in _dependants(members, me.key):
        if dep.state in (MemberState.WAITING, MemberState.PAUSED) and all(
            r["member"] in issued for r in dep.requires
        ):
            _queue(dep)
            released = True
    return released


def _refused(bundle: Bundle, members: list[BundleMember], me: BundleMember, reason: str) -> bool:
    """Apply each dependant's policy (transitively): cancel, pause for 补正, or continue without
    the result. The applicant is told which member, why, and the others' state."""
    released = False
    todo = [(me, reason)]
    seen = set()
    while todo:
        refused, why = todo.pop(0)
        for dep in _dependants(members, refused.key):
            if dep.key in seen or dep.state not in (
                MemberState.WAITING,
                MemberState.PAUSED,
                MemberState.QUEUED,
            ):
                continue
            seen.add(dep.key)
            note = f"前置事项“{refused.item_name}”未通过：{why}"[:500]
            if dep.policy == Policy.CONTINUE:
                _queue(dep, note + "；本事项继续办理，所需材料由部门通知补正")
                released = True
            elif dep.policy == Policy.PAUSE:
                dep.state, dep.note = MemberState.PAUSED, note + "；本事项暂停，待补正后继续"
                dep.save(update_fields=["state", "note"])
                todo.append((dep, "前置事项暂停"))
            else:
                dep.state, dep.note = MemberState.CANCELLED, note + "；本事项已取消"
                dep.save(update_fields=["state", "note"])
                BundleOutbox.objects.filter(member=dep, done_at__isnull=True).update(done_at=timezone.now())
                todo.append((dep, "前置事项已取消"))
    me.note = f"未通过：{reason}"[:500]
    me.save(update_fields=["note"])
    _tell(bundle, members, me, reason)
    return released


def _hold(members: list[BundleMember], me: BundleMember, on: bool, note: str) -> None:
    """A 补正 of `me` pauses what depends on it (transitively) and only that; its end releases."""
    todo, seen = [me.key], set()
    while todo:
        key = todo.pop(0)
        for dep in _dependants(members, key):
            if dep.key in seen:
                continue
            seen.add(dep.key)
            if on and dep.state == MemberState.WAITING:
                dep.state, dep.note = MemberState.PAUSED, note
            elif (
                not on
                and dep.state == MemberState.PAUSED
                and dep.note.startswith("前置事项")
                and "补正中" in dep.note
            ):
                dep.state, dep.note = MemberState.WAITING, ""
            else:
                continue
            dep.save(update_fields=["state", "note"])
            todo.append(dep.key)


def _tell(bundle: Bundle, members: list[BundleMember], me: BundleMember, reason: str) -> None:
    others = "；".join(f"{m.item_name}：{m.get_state_display()}" for m in members if m.pk != me.pk)
    text = f"【通办】您的一件事联办{bundle.number}（{bundle.theme_name}）中“{me.item_name}”未通过：{reason}。其他事项：{others}"
    user_id = bundle.applicant_id
    transaction.on_commit(
        lambda: account_services.notify_user(
            user_id=user_id, text=text[:480], subject=f"【通办】联办件{bundle.number}进展"
        )
    )


def refresh_state(bundle: Bundle, members: list[BundleMember], fresh: dict | None = None) -> None:
    """The bundle's state from its members' (inside the caller's transaction)."""
    if bundle.state in (BundleState.WITHDRAWN, BundleState.DELIVERED):
        return
    cases = case_services.bundled.member_cases([m.case_number for m in members])
    cases.update(fresh or {})
    ended, attention = True, False
    for m in members:
        case = cases.get(m.case_number)
        if m.state in (MemberState.CANCELLED, MemberState.WITHDRAWN):
            attention = attention or m.state == MemberState.CANCELLED
            continue
        if m.state == MemberState.PAUSED:
            attention = True
        if case is None or case.state not in ENDED_CASE:
            ended = False
        if case is not None and (case.state in ON_HOLD_CASE or case.state in FAILED_CASE):
            attention = True
    state = (
        BundleState.COMPLETED if ended else BundleState.ATTENTION if attention else BundleState.IN_PROGRESS
    )
    if state != bundle.state:
        bundle.state = state
        fields = ["state"]
        if ended:
            bundle.completed_at = timezone.now()
            bundle.completed_on_time = cases_clock.today() <= bundle.promised_due
            bundle.pickup_code = bundle.pickup_code or f"{secrets.randbelow(10**6):06d}"
            fields += ["completed_at", "completed_on_time", "pickup_code"]
        bundle.save(update_fields=fields)
