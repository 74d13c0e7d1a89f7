"""Member cases of a bundle (一事联办的成员办件): what `tongban.bundles` needs from cases.

A bundle (one submission covering several items of several departments) becomes one ordinary
case per member item, in its department's queue with the usual clock. Two things differ from
`applying.do_submit`:

- the case may be created later than the submission, when what it depends on is issued (the
  bundle's dispatcher does it, with the applicant's side recorded at submission: `who`, or the
  company another member registered, which the applicant represents), so the acting person's
  context is checked once, at the bundle's submission (`applicant_for`);
- a material may be supplied by a licence the bundle itself produced (the 营业执照 its first
  member issued), fetched from the e-licence library by its holder and type (no upload), or be
  still missing under the theme's "continue" policy (the department asks for 补正 as usual).

Everything else is `applying`'s: the form checked against the item version's schema, files
sealed on commit, the 申请表 generated, identity materials, the query code, the timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from tongban.catalog import queries as catalog_queries
from tongban.core.errors import DomainError, FieldProblem, InvalidInput
from tongban.licences import services as licence_services

from . import formschema, progress, supplied
from .applying import (
    Upload,
    _applicant_for,
    _new_case,
    _record_provided,
    _store,
    check_upload,
)
from .common import (
    Idempotency,
    expect_state,
    form_schema,
    idempotent,
    lock_case,
    notify,
    record_event,
    save_case,
)
from .enums import CaseState, Channel, Delivery
from .models import ApplicationForm, Case, CaseLicence


@dataclass(frozen=True)
class LibraryMaterial:
    """A material the e-licence library supplies to a member case: the licence of `type_code`
    held by `holder_code` (the applicant's own, or one the bundle produced)."""

    material_id: int
    holder_code: str
    type_code: str
    produced: bool = False  # issued by another member of the same bundle


def applicant_for(actor, item_code: str) -> dict:
    """Who a case of `item_code` would be for if `actor` applied now (checked against the acting
    mandate's scope): applicant_id, legal_person_id, applicant_name, agent_id."""
    return _applicant_for(actor, item_code)


def clean_member_form(
    item_code: str, data: dict, *, landline: bool = False, schema: dict | None = None
) -> dict:
    """The member item's form cleaned against its schema (problems named by the item's field).
    `schema`: the item's form as `form_schemas` read it (else read here)."""
    if schema is None:
        schema = form_schema(catalog_queries.get_guide(item_code))
    return formschema.clean_form(schema, data, landline=landline)


def form_schemas(items) -> dict[int, dict]:
    """The application forms of several item versions at once (one query), by item id: what
    `form_schema` gives for each."""
    items = list(items)
    rows = dict(
        ApplicationForm.objects.filter(item_id__in=[i.pk for i in items]).values_list("item_id", "schema")
    )
    return {i.pk: rows.get(i.pk, formschema.DEFAULT_SCHEMA) for i in items}


def member_items(codes) -> dict:
    """The current guides of several member items at once (three queries), by code; an item
    no longer published is absent (`do_submit_member` then reads it and names the problem)."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    # The guide without its handling items (a member case needs the item and its materials).
    rows = catalog_queries.guide_queryset().prefetch_related(None).prefetch_related("materials")
    return {i.code: i for i in rows.filter(code__in=codes, is_current=True)}


def member_plan(actor, item_code: str, who: dict | None, *, item=None) -> list[supplied.Plan]:
    """How each material of the member item is provided for this applicant (`supplied.plan`).
    `item`: the item's current guide when the caller has it (else read here)."""
    if item is None:
        item = catalog_queries.get_guide(item_code)
    return supplied.plan(actor, item, who, list(item.materials.all()))


# What the platform supplies that a member case records at its creation (`_record_provided`):
# decided once, at the bundle's submission, and carried to the dispatcher with the member.
CARRIED = (supplied.IDENTITY, supplied.GENERATED)


def provided_entries(plans: list[supplied.Plan]) -> list[dict]:
    """The part of a member's material plan its case needs at creation, as JSON: identity
    materials (the verified level and when) and the generated application form."""
    out = []
    for p in plans:
        if p.how not in CARRIED:
            continue
        entry = {"material_id": p.pk, "how": p.how}
        if p.how == supplied.IDENTITY:
            entry.update(level=p.level, verified_at=p.verified_at.isoformat())
        out.append(entry)
    return out


def _carried_plans(item, entries: list[dict]) -> list[supplied.Plan]:
    by_id = {m.pk: m for m in item.materials.all()}
    out = []
    for e in entries:
        material = by_id.get(e["material_id"])
        if material is None:  # the item's current version changed its materials meanwhile
            raise InvalidInput.field("materials", "事项材料已变更，请重新申请")
        plan = supplied.Plan(material=material, how=e["how"])
        if e["how"] == supplied.IDENTITY:
            plan.level, plan.verified_at = int(e["level"]), dt.datetime.fromisoformat(e["verified_at"])
        out.append(plan)
    return out


def holder_code_of(actor, who: dict) -> str:
    return supplied.holder_code(actor, who)


def do_submit_member(
    *,
    actor,
    who: dict,
    item_code: str,
    cleaned: dict,
    uploads: list[Upload],
    library: list[LibraryMaterial],
    bundle_number: str,
    channel: str = Channel.PC,
    idempotency_key: str = "",
    library_actor=None,
    item=None,
    schema: dict | None = None,
    provided: list[dict] | None = None,
) -> Case:
    """One member case of bundle `bundle_number`, for `who` (decided at the bundle's submission),
    submitted by `actor` (who submitted the bundle; a window clerk for a hall's bundle, when
    `library_actor`, the applicant, fetches the licences). Idempotent by `idempotency_key` (the
    dispatcher's "bundle:<number>:<member>"): a second call returns the first case. A required
    material neither uploaded nor supplied by the library is left for 补正 (the theme's
    "continue" policy), named on the timeline.

    What the dispatcher read once for the whole bundle may be given: `item` (the current guide
    of `item_code`), `schema` (its form) and `provided` (`provided_entries` of the member's
    material plan, decided at the bundle's submission); each is read or decided here when not."""
    if channel not in Channel.values:
        raise InvalidInput.field("channel", "申报渠道不正确")
    if item is None or item.code != item_code:
        item = catalog_queries.get_guide(item_code)
        schema = None
    for upload in uploads:
        check_upload(upload)
    material_ids = {m.pk for m in item.materials.all()}
    if any(u.material_id not in material_ids for u in uploads):
        raise InvalidInput.field("materials", "上传的材料不属于该事项")
    if any(m.material_id not in material_ids for m in library):
        raise InvalidInput.field("materials", "证照材料不属于该事项")
    if schema is None:
        schema = form_schema(item)
    uploaded = {u.material_id for u in uploads} | {m.material_id for m in library}
    if provided is None:
        plans = supplied.plan(actor, item, who, list(item.materials.all()))
    else:
        plans = _carried_plans(item, provided)
    plans = [p for p in plans if p.pk not in uploaded]
    by_id = {m.pk: m for m in item.materials.all()}

    def work() -> Case:
        now = timezone.now()
        case = _new_case(
            actor=actor,
            item=item,
            who=who,
            channel=channel,
            cleaned=cleaned,
            now=now,
            phone=progress.contact_phone(schema, cleaned),
        )
        for upload in uploads:
            _store(case, upload, actor=actor, stage="application")
        _record_provided(
            case, item, plans, actor=actor, cleaned=cleaned, signed=set(), now=now, schema=schema
        )
        missing = []
        for entry in library:
            material = by_id[entry.material_id]
            if not _from_library(case, item, material, entry, actor=library_actor or actor):
                missing.append(material.name)
        data = {"channel": channel, "item_version": item.version, "bundle": bundle_number}
        if missing:
            data["missing"] = missing
        record_event(case, actor, "submit", note=f"一事联办{bundle_number}", data=data)
        notify(case, N_("已收到您的申请，正在预审"), send=False)  # the bundle's receipt is one SMS
        return case

    # The bundle's dispatcher makes each member case once (its outbox row locked): a retry is
    # rare, so the key is not looked up first; its unique row still refuses a second case.
    return idempotent(actor, Idempotency(idempotency_key, "submit"), work, replay_first=False)


def _from_library(case: Case, item, material, entry: LibraryMaterial, *, actor) -> bool:
    purpose = f"办理“{item.name}”（免提交{material.name}）"
    if entry.produced:
        purpose = f"办理“{item.name}”（一事联办，由本次联办自动获取{material.name}）"
    if not entry.holder_code:
        return False
    try:
        found = licence_services.fetch_for_case(
            actor=actor,
            holder_code=entry.holder_code,
            type_code=entry.type_code,
            case_number=case.number,
            purpose=purpose,
        )
    except DomainError:
        found = []
    if not found:
        return False
    licence = found[0]
    CaseLicence.objects.create(
        case=case,
        material_id=material.pk,
        name=material.name,
        identifier=licence.identifier,
        licence_name=licence.name,
        number=licence.number,
        issuer_name=licence.issuer_name,
        valid_until=licence.valid_until,
        usage_id=licence.usage_id,
    )
    return True


def member_problems(exc: InvalidInput, prefix: str) -> InvalidInput:
    """A member form's problems renamed under the member's key (`licence.company_name`)."""
    problems = [FieldProblem(f"{prefix}.{p.field}", p.message) for p in exc.problems]
    return InvalidInput(exc.message, problems=problems)


def do_deliver_member(
    *, actor, number: str, bundle_number: str, method: str, tracking_number: str = ""
) -> Case:
    """综合窗口出件: a concluded member case leaves with its bundle's one pickup (or one parcel)
    from the hall's clerk, who is not of the member's department; the bundles service checked
    the clerk and the bundle. Runs inside the caller's transaction."""
    if method not in (Delivery.WINDOW, Delivery.POST):
        raise InvalidInput.field("pickup", "出件方式不正确")
    case = lock_case(number)
    expect_state(case, CaseState.CONCLUDED)
    before = case.state
    case.state, case.delivered_at, case.delivery = CaseState.DELIVERED, timezone.now(), method
    case.tracking_number = tracking_number if method == Delivery.POST else ""
    save_case(case, "state", "delivered_at", "delivery", "tracking_number")
    record_event(
        case,
        actor,
        "deliver",
        before=before,
        note=f"一事联办{bundle_number}统一出件",
        data={"delivery": method, "tracking": case.tracking_number, "bundle": bundle_number},
    )
    return case


def member_cases(numbers) -> dict[str, Case]:
    """The member cases of a bundle by number (a read for the bundle's dispatcher and its status
    page, which checked who may see the bundle)."""
    numbers = [n for n in numbers if n]
    if not numbers:
        return {}
    rows = Case.objects.filter(number__in=numbers).select_related("department", "item")
    return {case.number: case for case in rows}


def library_identifiers(numbers) -> dict[str, set[str]]:
    """The identifiers of the licences the e-licence library supplied to these cases (免提交),
    by case number (one query; for a bundle's status page, which checked who may see it)."""
    numbers = [n for n in numbers if n]
    out: dict[str, set[str]] = {}
    for number, identifier in CaseLicence.objects.filter(case__number__in=numbers).values_list(
        "case__number", "identifier"
    ):
        out.setdefault(number, set()).add(identifier)
    return out
