"""A bundle after its submission (联办进度与出件): who may see it, the applicant's withdrawal, and
the one pickup (综合窗口出件) or one parcel of every member's result.

- `access_bundle(actor, number)`: the applicant's side (the person, or whoever acts for them now,
  as `accounts.queries.may_act_for` decides on every use), the clerk who keyed it in, a clerk of
  a hall of its region (to hand out the results), a superuser; anyone else NotFound.
- `do_withdraw_bundle`: members not decided yet are withdrawn (their cases through cases'
  `do_withdraw`, the members still waiting with them); decided ones are reported.
- `do_choose_pickup` (window or post, the address SM4-encrypted) and `do_pickup` by a hall's
  clerk: every concluded member case is delivered together (the pickup code checked at the
  window, a tracking number for post), once, when the bundle is complete.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import StaffRole
from tongban.cases import services as case_services
from tongban.cases.enums import CaseState
from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

from .enums_fanout import BundleState, MemberState, PickupMethod
from .models_fanout import BUNDLE_ADDRESS, Bundle, BundleOutbox

UNDECIDED = frozenset({CaseState.SUBMITTED, CaseState.SUPPLEMENT, CaseState.ACCEPTED, CaseState.PAUSED})


def acts_for_applicant(actor, bundle: Bundle) -> bool:
    first = bundle.members.order_by("position", "id").values_list("item_code", flat=True).first() or ""
    return account_queries.may_act_for(
        actor,
        applicant_id=None if bundle.legal_person_id else bundle.applicant_id,
        legal_person_id=bundle.legal_person_id,
        item_code=first,
    )


def is_hall_clerk(actor, bundle: Bundle) -> bool:
    """A window clerk (综合窗口) of a hall whose region covers the bundle's."""
    if not getattr(actor, "is_staff", False) or not account_queries.has_role(actor, StaffRole.WINDOW_CLERK):
        return False
    hall = core_queries.get_region(actor.department.region_id) if actor.department_id else None
    return hall is not None and bundle.region_code.startswith(hall.prefix)


def may_see(actor, bundle: Bundle) -> bool:
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return False
    if getattr(actor, "is_superuser", False):
        return True
    if not getattr(actor, "is_staff", False):
        return acts_for_applicant(actor, bundle)
    return actor.pk == bundle.submitted_by_id or is_hall_clerk(actor, bundle)


def access_bundle(actor, number: str) -> Bundle:
    bundle = Bundle.objects.filter(number=(number or "").strip()[:24]).first()
    if bundle is None or not may_see(actor, bundle):
        raise NotFound("没有找到该联办件")
    return bundle


def _locked(actor, number: str) -> Bundle:
    access_bundle(actor, number)
    return Bundle.objects.select_for_update().get(number=number)


def do_withdraw_bundle(*, actor, number: str, reason: str = "") -> dict:
    """The applicant withdraws the bundle: {"withdrawn": [member names], "decided": [names]}."""
    reason = " ".join((reason or "").split())[:500]
    with transaction.atomic(), audit.batch():
        bundle = _locked(actor, number)
        if not acts_for_applicant(actor, bundle):
            raise NotFound("没有找到该联办件")
        if bundle.state in (BundleState.WITHDRAWN, BundleState.DELIVERED, BundleState.COMPLETED):
            raise Conflict("联办件已办结或已撤回，不能撤回")
        bundle.state, bundle.withdraw_reason = BundleState.WITHDRAWN, reason
        bundle.save(update_fields=["state", "withdraw_reason"])  # first: the members' events ignore it
        members = list(bundle.members.select_for_update().order_by("position", "id"))
        cases = case_services.bundled.member_cases([m.case_number for m in members])
        withdrawn, decided = [], []
        for m in members:
            case = cases.get(m.case_number)
            if case is None:
                if m.state in (MemberState.CANCELLED, MemberState.WITHDRAWN):
                    continue
                m.state = MemberState.WITHDRAWN
                m.save(update_fields=["state"])
                BundleOutbox.objects.filter(member=m, done_at__isnull=True).update(done_at=timezone.now())
                withdrawn.append(m.item_name)
            elif case.state in UNDECIDED:
                case_services.do_withdraw(
                    actor=actor, number=case.number, reason=f"撤回一事联办{bundle.number}"
                )
                m.state = MemberState.WITHDRAWN
                m.save(update_fields=["state"])
                withdrawn.append(m.item_name)
            else:
                decided.append(f"{m.item_name}（{case.get_state_display()}）")
        audit.record(
            actor=actor,
            action="bundles.withdraw",
            obj=bundle,
            data={"withdrawn": withdrawn, "decided": decided},
        )
    return {"withdrawn": withdrawn, "decided": decided}


def do_choose_pickup(*, actor, number: str, method: str, address: str = "") -> Bundle:
    """How every result leaves: one pickup at the 综合窗口, or one parcel by post."""
    if method not in PickupMethod.values:
        raise InvalidInput.field("pickup", "请选择出件方式")
    address = " ".join((address or "").split())
    if method == PickupMethod.POST and not 6 <= len(address) <= 300:
        raise InvalidInput.field("address", "邮寄送达请填写完整的收件地址（6至300字）")
    with transaction.atomic():
        bundle = _locked(actor, number)
        if not acts_for_applicant(actor, bundle):
            raise NotFound("没有找到该联办件")
        if bundle.state in (BundleState.WITHDRAWN, BundleState.DELIVERED):
            raise Conflict("联办件已出件或已撤回")
        bundle.pickup = method
        bundle.address_enc = BUNDLE_ADDRESS.encrypt(address, bundle) if method == PickupMethod.POST else ""
        bundle.save(update_fields=["pickup", "address_enc"])
        audit.record(actor=actor, action="bundles.pickup.choose", obj=bundle, data={"pickup": method})
    return bundle


def pickup_address(bundle: Bundle) -> str:
    return BUNDLE_ADDRESS.read(bundle) if bundle.address_enc else ""


def ensure_pickup_code(bundle: Bundle) -> str:
    """The code the applicant shows at the window (set once the bundle is complete)."""
    if not bundle.pickup_code:
        bundle.pickup_code = f"{secrets.randbelow(10**6):06d}"
        bundle.save(update_fields=["pickup_code"])
    return bundle.pickup_code


def do_pickup(*, actor, number: str, code: str = "", tracking_number: str = "") -> Bundle:
    """综合窗口出件: a hall's clerk hands every result over at once (the applicant's pickup code
    checked) or posts them in one parcel (tracking number). Only a complete bundle."""
    with transaction.atomic(), audit.batch():
        bundle = Bundle.objects.select_for_update().filter(number=(number or "").strip()[:24]).first()
        if bundle is None or not (is_hall_clerk(actor, bundle) or getattr(actor, "is_superuser", False)):
            raise NotFound("没有找到该联办件")
        if bundle.state != BundleState.COMPLETED:
            raise Conflict("联办件尚未全部办结，不能出件")
        tracking_number = (tracking_number or "").strip()
        if bundle.pickup == PickupMethod.WINDOW:
            if not bundle.pickup_code or not secrets.compare_digest(
                str(code or "").strip(), bundle.pickup_code
            ):
                raise InvalidInput.field("code", "取件码不正确")
        elif not (4 <= len(tracking_number) <= 40 and tracking_number.isalnum()):
            raise InvalidInput.field("tracking_number", "请填写快递单号（字母和数字）")
        members = list(bundle.members.order_by("position", "id"))
        cases = case_services.bundled.member_cases([m.case_number for m in members])
        delivered = []
        for m in members:
            case = cases.get(m.case_number)
            if case is not None and case.state == CaseState.CONCLUDED:
                case_services.bundled.do_deliver_member(
                    actor=actor,
                    number=case.number,
                    bundle_number=bundle.number,
                    method=bundle.pickup,
                    tracking_number=tracking_number,
                )
                delivered.append(case.number)
        bundle.state, bundle.delivered_at, bundle.delivered_by = BundleState.DELIVERED, timezone.now(), actor
        bundle.tracking_number = tracking_number if bundle.pickup == PickupMethod.POST else ""
        bundle.save(update_fields=["state", "delivered_at", "delivered_by", "tracking_number"])
        audit.record(
            actor=actor,
            action="bundles.pickup",
            obj=bundle,
            data={"pickup": bundle.pickup, "cases": delivered},
        )
    return bundle


def require_clerk(actor) -> None:
    if not (getattr(actor, "is_superuser", False) or account_queries.has_role(actor, StaffRole.WINDOW_CLERK)):
        raise Forbidden("只有综合窗口人员可以办理")
