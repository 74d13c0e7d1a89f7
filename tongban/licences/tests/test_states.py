"""State changes (暂停、恢复、撤销), new versions (变更、延续) and the daily expiry tick."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .. import queries, services
from ..enums import LicenceState, VerifyReason, VersionReason
from ..identifiers import build_identifier, parse_identifier
from ..models import Licence
from .conftest import BUSINESS_FACE, CODES, COMPANY, FOOD_FACE, TODAY, counts, issue_business, issue_food

pytestmark = pytest.mark.usefixtures("regions_loaded")
S = LicenceState


def state(licence) -> str:
    return Licence.objects.get(pk=licence.pk).state


def test_suspend_restore_revoke(world):
    licence = issue_business(world)
    ident = licence.identifier
    suspended = services.do_suspend_licence(
        actor=world["officer"], identifier=ident, reason="涉嫌虚假登记，调查期间暂停"
    )
    assert (suspended.state, suspended.state_reason) == (S.SUSPENDED, "涉嫌虚假登记，调查期间暂停")
    restored = services.do_restore_licence(actor=world["head"], identifier=ident, reason="调查结束")
    assert restored.state == S.VALID and services.verify_licence(ident).valid
    revoked = services.do_revoke_licence(actor=world["officer"], identifier=ident, reason="申请注销")
    assert revoked.state == S.REVOKED
    actions = list(
        AuditEvent.objects.filter(object_type="licences.licence", object_id=str(licence.pk))
        .order_by("seq")
        .values_list("action", "data__from", "data__to")
    )
    assert actions == [
        ("licences.licence.issue", None, None),
        ("licences.licence.suspend", "valid", "suspended"),
        ("licences.licence.restore", "suspended", "valid"),
        ("licences.licence.revoke", "valid", "revoked"),
    ]


@pytest.mark.parametrize(
    ("setup", "action"),
    [
        ([], "restore"),
        (["suspend"], "suspend"),
        (["revoke"], "restore"),
        (["revoke"], "suspend"),
        (["revoke"], "revoke"),
    ],
)
def test_transitions_not_in_the_table_are_refused_and_change_nothing(world, setup, action):
    licence = issue_business(world)
    for step in setup:
        getattr(services, f"do_{step}_licence")(
            actor=world["officer"], identifier=licence.identifier, reason="x"
        )
    before = counts()
    with pytest.raises(Conflict) as exc:
        getattr(services, f"do_{action}_licence")(
            actor=world["officer"], identifier=licence.identifier, reason="y"
        )
    assert "不能" in exc.value.message
    assert counts() == before


def test_state_changes_need_a_reason_an_officer_and_a_known_licence(world):
    licence = issue_business(world)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_suspend_licence(actor=world["officer"], identifier=licence.identifier, reason="  ")
    assert exc.value.problems[0].field == "reason"
    with pytest.raises(InvalidInput) as exc:
        services.do_suspend_licence(actor=world["officer"], identifier=licence.identifier, reason="x" * 501)
    assert exc.value.problems[0].field == "reason"
    with pytest.raises(Forbidden):
        services.do_suspend_licence(
            actor=world["jianghan_officer"], identifier=licence.identifier, reason="x"
        )
    with pytest.raises(InvalidInput) as exc:
        services.do_revoke_licence(actor=world["officer"], identifier=licence.identifier + "0", reason="x")
    assert exc.value.problems[0].field == "identifier"
    parsed = parse_identifier(licence.identifier)
    unknown = build_identifier(
        type_code=parsed.type_code, issuer_code=parsed.issuer_code, serial="00000099", version=1
    )
    with pytest.raises(NotFound):
        services.do_revoke_licence(actor=world["officer"], identifier=unknown, reason="x")
    assert counts() == before


def test_a_change_issues_the_next_version_and_supersedes_the_old(world, today):
    old = issue_business(world)
    today(TODAY + dt.timedelta(days=30))
    new = services.do_supersede_licence(
        actor=world["officer"],
        identifier=old.identifier,
        reason="change",
        holder_name="武汉鑫达恒通科技有限公司",
        face={**BUSINESS_FACE, "domicile": "武汉市江夏区纸坊街文化路2号"},
        note="名称、住所变更",
        case_number="420115202610292000001",
    )
    old.refresh_from_db()
    assert (old.state, old.state_reason) == (S.SUPERSEDED, "变更为第2版：名称、住所变更")
    assert (new.version, new.version_reason, new.previous, new.serial, new.number) == (
        2,
        VersionReason.CHANGE,
        old,
        old.serial,
        old.number,
    )
    assert new.identifier.split(".")[-2] == "002" and new.identifier != old.identifier
    assert parse_identifier(new.identifier).serial == parse_identifier(old.identifier).serial
    assert (new.issued_on, new.valid_from, new.valid_until) == (TODAY + dt.timedelta(days=30),) * 2 + (None,)
    assert new.holder_name == "武汉鑫达恒通科技有限公司" and new.face["domicile"].endswith("2号")
    assert new.holder_code_index == old.holder_code_index
    assert services.verify_licence(new.identifier).valid
    assert services.verify_licence(old.identifier).codes == [VerifyReason.SUPERSEDED]
    assert queries.versions(new) == [old, new] and queries.current_version(old) == new
    assert old.successor == new
    # The signed form names the previous version.
    assert b'"previous":"' + old.identifier.encode() + b'"' in queries.canonical_form(new)
    with pytest.raises(Conflict):  # a superseded version cannot change again
        services.do_supersede_licence(actor=world["officer"], identifier=old.identifier, reason="change")


def test_a_renewal_continues_the_period(world, today):
    old = issue_food(world)
    assert old.valid_until == dt.date(2031, 9, 28)
    today(dt.date(2031, 8, 1))
    new = services.do_supersede_licence(actor=world["officer"], identifier=old.identifier, reason="renewal")
    assert (new.version_reason, new.issued_on, new.valid_from, new.valid_until) == (
        VersionReason.RENEWAL,
        dt.date(2031, 8, 1),
        dt.date(2031, 9, 29),
        dt.date(2036, 9, 28),
    )
    assert new.face == old.face and state(old) == S.SUPERSEDED
    # A licence renewed after it expired starts again from today.
    late = issue_food(world, holder_code=COMPANY, face=FOOD_FACE)
    services.do_expire_licences(on=dt.date(2036, 10, 1))
    today(dt.date(2036, 10, 1))
    assert state(late) == S.EXPIRED
    renewed = services.do_supersede_licence(
        actor=world["officer"], identifier=late.identifier, reason="renewal"
    )
    assert (renewed.valid_from, renewed.valid_until, renewed.version) == (
        dt.date(2036, 10, 1),
        dt.date(2041, 9, 30),
        2,
    )


def test_new_version_refusals_change_nothing(world, today):
    business = issue_business(world)
    food = issue_food(world)
    before = counts()
    cases = [
        (dict(identifier=business.identifier, reason="renewal"), InvalidInput, "reason"),
        (dict(identifier=business.identifier, reason="transfer"), InvalidInput, "reason"),
        (dict(identifier=food.identifier, reason="change", valid_until=dt.date(2040, 1, 1)), InvalidInput, "valid_until"),
        (dict(identifier=food.identifier, reason="change", face={**FOOD_FACE, "premises": ""}), InvalidInput, "face.premises"),
        (dict(identifier=food.identifier, reason="change", number="JY1"), InvalidInput, "number"),
        (dict(identifier=food.identifier, reason="renewal", valid_until=dt.date(2040, 1, 1)), InvalidInput, "valid_until"),
    ]  # fmt: skip
    for kwargs, error, field in cases:
        with pytest.raises(error) as exc:
            services.do_supersede_licence(actor=world["officer"], **kwargs)
        assert exc.value.problems[0].field == field, kwargs
    services.do_suspend_licence(actor=world["officer"], identifier=food.identifier, reason="x")
    before = counts()
    for reason in ("change", "renewal"):
        with pytest.raises(Conflict):
            services.do_supersede_licence(actor=world["officer"], identifier=food.identifier, reason=reason)
    with pytest.raises(Forbidden):
        services.do_supersede_licence(
            actor=world["jianghan_officer"], identifier=business.identifier, reason="change"
        )
    assert counts() == before


def test_a_change_after_the_schema_changed_checks_the_new_schema(world):
    licence = issue_business(world)
    fields = [
        *queries.get_licence_type(CODES["营业执照"]).face_fields,
        {"key": "paid_in", "label": "实缴资本", "type": "text"},
    ]
    services.do_update_licence_type(
        actor="system:test", code=CODES["营业执照"], changes={"face_fields": fields}
    )
    with pytest.raises(InvalidInput) as exc:
        services.do_supersede_licence(actor=world["officer"], identifier=licence.identifier, reason="change")
    assert exc.value.problems[0].field == "face.paid_in"
    new = services.do_supersede_licence(
        actor=world["officer"],
        identifier=licence.identifier,
        reason="change",
        face={**BUSINESS_FACE, "paid_in": "壹佰万元整"},
    )
    assert new.type_revision == licence.type_revision + 1 and services.verify(new).valid
    assert services.verify_licence(licence.identifier).codes == [VerifyReason.SUPERSEDED]


def test_the_tick_expires_live_licences_past_their_period(world):
    food = issue_food(world)
    suspended = issue_food(world)
    services.do_suspend_licence(actor=world["officer"], identifier=suspended.identifier, reason="x")
    business = issue_business(world)  # long-term
    assert services.do_expire_licences(on=food.valid_until).expired == 0
    report = services.do_expire_licences(on=food.valid_until + dt.timedelta(days=1), batch=1)
    assert (report.on, report.expired) == (food.valid_until + dt.timedelta(days=1), 2)
    assert (state(food), state(suspended), state(business)) == (S.EXPIRED, S.EXPIRED, S.VALID)
    events = list(AuditEvent.objects.filter(action="licences.licence.expire").order_by("seq"))
    assert [e.data["identifiers"] for e in events] == [[food.identifier], [suspended.identifier]]
    before = counts()
    assert services.do_expire_licences(on=food.valid_until + dt.timedelta(days=1)).expired == 0
    assert counts() == before
    assert services.verify_licence(food.identifier).codes == [VerifyReason.EXPIRED]
