"""The demo's data-sharing story (issue 12), seeded through the exchange services only.

江汉区行政审批局 handles 食品经营许可. Its food-licence system (an OIDC client of the 江汉
department, client_credentials, with a published demo secret so that a visitor can call the
gateway with curl) asked for 法人库 fields (FR-001, provided by 武汉市江夏区行政审批局):
`deptadmin-jianghan` filed the request, 江夏's administrator (`deptadmin`) approved it with a
rate of 5 calls a minute, and the system then called the service:

- for 武汉芳华餐饮管理有限公司 (王芳's company, created by the demo's 设立登记): answered, so
  王芳 sees the read in 我的 → 数据使用记录 (`/accounts/me/data-use/`);
- for four other enterprises of the register (answered);
- once more within the minute: refused, RATE_EXCEEDED (the over-rate call);
- asking for 住所所在地行政区划 (`region_code`), a field outside the grant: refused,
  FIELD_NOT_GRANTED.

A second request of the same system for FR-001, adding `region_code`, is left pending for a
visitor to approve in the workbench as `deptadmin` (its grant then supersedes the first, and the
call refused above is answered).

The six registers are catalogued and mounted before, by the demo's catalogue (`exchange.py`).

Idempotent: the system is registered when missing; the requests, the approval and the calls
are written only when the system has no request for FR-001 yet. Fast: a handful of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tongban.accounts import clients as account_clients
from tongban.accounts import queries as account_queries
from tongban.core import queries as core_queries
from tongban.exchange import gateway, grants
from tongban.exchange.errors import GatewayRefusal

from .cases import featured_code

JIANGHAN = "武汉市江汉区行政审批局"
JIANGXIA = "武汉市江夏区行政审批局"
REQUESTER_ADMIN = "deptadmin-jianghan"
PROVIDER_ADMIN = "deptadmin"
SYSTEM_NAME = "江汉区食品经营许可审批系统"
CLIENT_ID = "jianghan-food-licence"
# Published like the demo passwords: the demo's visitors call the gateway with it.
CLIENT_SECRET = "tongban-demo-jianghan-food-licence-secret"  # noqa: S105
COMPANY = "武汉芳华餐饮管理有限公司"
CODE = "FR-001"
GRANTED_FIELDS = ["name", "kind", "legal_rep_name", "established", "status"]
OUTSIDE_FIELD = "region_code"
PENDING_FIELDS = [*GRANTED_FIELDS, OUTSIDE_FIELD]  # a second request, left for a visitor to approve
RATE = "5/m"
PURPOSE = "licensing"
FOOD_ITEM = ("食品经营许可", "420103")


def _dept_id(name: str) -> int:
    return core_queries.departments().filter(name=name).order_by("pk").values_list("pk", flat=True)[0]


def _staff(username: str, department_id: int):
    user = account_queries.staff_of_department(department_id).filter(username=username).first()
    if user is None:
        raise LookupError(f"demo staff {username} missing")
    return user


def ensure_system(*, actor: str) -> bool:
    if account_queries.system_client(CLIENT_ID):
        return False
    account_clients.do_register_client(
        actor=actor,
        name=SYSTEM_NAME,
        department_id=_dept_id(JIANGHAN),
        allowed_scopes=("api",),
        grant_types=("client_credentials",),
        description="江汉区食品经营许可审批：核验申请人主体资格（调用法人库）",
        contact="江汉区行政审批局（演示）",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    return True


def company_credit_code() -> str | None:
    return (
        account_queries.legal_register_records(name=COMPANY)
        .order_by("pk")
        .values_list("credit_code", flat=True)
        .first()
    )


PURPOSE_TEXT = "食品经营许可审查中核验申请人的主体资格（名称、类型、法定代表人、成立日期、登记状态）"
PENDING_PURPOSE_TEXT = PURPOSE_TEXT + "，并核对住所所在地行政区划与经营场所辖区"


def _request(
    code: str, fields: list[str], *, serves: str, purpose: str = PURPOSE_TEXT
) -> grants.RequestInput:
    return grants.RequestInput(
        code=code,
        client_id=CLIENT_ID,
        fields=fields,
        purpose=purpose,
        purpose_codes=[PURPOSE],
        legal_basis="《食品经营许可和备案管理办法》第十二条；《优化营商环境条例》第三十七条",
        serves=[serves],
        valid_until=grants.today() + dt.timedelta(days=365),
        expected_daily_calls=200,
    )


def _call(subject: str, fields: list[str], case_number: str = "") -> str:
    caller = gateway.Caller(client_id=CLIENT_ID, department_id=_dept_id(JIANGHAN))
    query = {"purpose": PURPOSE, "case_number": case_number, "subject": subject, "fields": fields}
    try:
        gateway.call(caller, CODE, query)
    except GatewayRefusal as refusal:
        return refusal.code
    return "OK"


def story_seeded() -> bool:
    """Whether the system has asked for FR-001 (as 江汉's administrator sees it)."""
    jianghan = core_queries.departments().filter(name=JIANGHAN).values_list("pk", flat=True).first()
    if jianghan is None:
        return False
    requester = account_queries.staff_of_department(jianghan).filter(username=REQUESTER_ADMIN).first()
    if requester is None:
        return False
    return grants.outgoing_requests(requester).filter(client_id=CLIENT_ID, resource__code=CODE).exists()


def seed_story(*, actor: str, say: Callable[[str], None]) -> bool:
    """Write the story when it is missing (see the module doc). Returns whether it wrote."""
    wrote_system = ensure_system(actor=actor)
    if story_seeded():
        return wrote_system
    credit_code = company_credit_code()
    if credit_code is None or grants.current_resource(CODE) is None:
        say(f"exchange story skipped: no {CODE} in the catalogue or no {COMPANY} in the register")
        return wrote_system
    jianghan, jiangxia = _dept_id(JIANGHAN), _dept_id(JIANGXIA)
    requester = _staff(REQUESTER_ADMIN, jianghan)
    provider = _staff(PROVIDER_ADMIN, jiangxia)
    serves = featured_code(*FOOD_ITEM) or "食品经营许可"
    req = grants.do_submit_request(actor=requester, data=_request(CODE, list(GRANTED_FIELDS), serves=serves))
    grants.do_approve_request(
        actor=provider, pk=req.pk, rate_limit=RATE, reason="同意，限食品经营许可审查使用（演示）"
    )
    others = list(
        account_queries.legal_register_records(kind="enterprise")
        .exclude(credit_code=credit_code)
        .order_by("credit_code")
        .values_list("credit_code", flat=True)[:4]
    )
    outcomes = [_call(credit_code, list(GRANTED_FIELDS))]
    outcomes += [_call(code, ["name", "status"]) for code in others]
    outcomes.append(_call(credit_code, ["name", "status"]))  # the sixth in the minute: over the rate
    outcomes.append(_call(credit_code, ["name", OUTSIDE_FIELD]))  # a field outside the grant
    pending = grants.do_submit_request(
        actor=requester,
        data=_request(CODE, list(PENDING_FIELDS), serves=serves, purpose=PENDING_PURPOSE_TEXT),
    )
    say(
        f"exchange story: {SYSTEM_NAME} ({CLIENT_ID}) granted {CODE} by {JIANGXIA} (request {req.number}), "
        f"calls {' '.join(outcomes)}; request {pending.number} for {CODE} with {OUTSIDE_FIELD} pending"
    )
    return True
