"""Case endpoints under /api/v1/cases (thin: authenticate, parse, call one service, shape).

People and officers use their session (CSRF token on unsafe methods); department systems use a
client_credentials bearer token with the `api` scope and may read, accept, sign off steps of and
conclude the cases of their own department. Every write takes an optional `Idempotency-Key`
header (`core.idempotency`): a retry with the same key and body gets the first answer without
acting again; the same key with another body or endpoint is 409 `idempotency_mismatch`. (The
case services keep their own key table underneath, for the web forms' keys.) Errors are JSON:
400 names the field, 403 a wrong department or role, 404 a case the caller may not see, 409 a
case in another state (someone acted first).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Literal

import pydantic
from django.core.exceptions import RequestDataTooBig
from ninja import Router, Status
from pydantic import Field

from tongban.core.errors import FieldProblem, InvalidInput, TooLarge
from tongban.core.idempotency import idempotent_api
from tongban.core.schemas import CaseNumber, ErrorOut, Id

from . import clock, queries, services
from .enums import CaseState, Channel
from .permissions import PEOPLE, STAFF, STAFF_OR_SYSTEM, staff_actor
from .schemas import (
    AssignIn,
    CaseDetail,
    CasePage,
    CaseSummary,
    ConcludeIn,
    DeliverIn,
    DeliveryChoiceIn,
    ExtendIn,
    ExtensionDecisionIn,
    MaterialIn,
    PauseIn,
    QueueOut,
    ReasonIn,
    StepIn,
    SubmitIn,
    SupplementIn,
    SupplyIn,
    WithdrawIn,
)

PAGE_SIZE = 20
MAX_PAGE = 1000
# Path and query parameters as the OpenAPI document states them.
QueueKind = Literal[tuple(queries.QUEUES)]  # precheck, mine, team, due_soon, overdue, paused
CasePageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE, description="页码，从1开始")]
SearchText = Annotated[
    str, Field(min_length=1, max_length=60, pattern=r"\S", description="办件编号、事项编码或申请人姓名")
]
StepIndex = Annotated[int, Field(ge=0, le=999, description="环节序号，从0开始")]

router = Router(tags=["cases"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut}


def _upload_body(model) -> dict:
    """The request body documented for both encodings (the endpoint parses it itself)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    schema["properties"]["materials"]["items"] = defs["MaterialIn"]
    multipart = {
        "type": "object",
        "properties": {
            "item_code": {"type": "string"},
            "data": {"type": "string", "description": "the form as a JSON object"},
            "channel": {"type": "string"},
            "note": {"type": "string"},
        },
        "additionalProperties": {
            "type": "string",
            "format": "binary",
            "description": "files as material_<material id> (several per material)",
        },
    }
    return {
        "requestBody": {
            "content": {"application/json": {"schema": schema}, "multipart/form-data": {"schema": multipart}},
            "required": True,
        }
    }


# --- shaping -------------------------------------------------------------------------------


def summary(case) -> dict:
    return {
        "number": case.number,
        "item_code": case.item_code,
        "item_name": case.item_name,
        "department": case.department.name,
        "state": case.state,
        "state_name": str(CaseState(case.state).label),
        "channel": case.channel,
        "submitted_at": case.submitted_at,
        "received_on": case.received_on,
        "accepted_on": case.accepted_on,
        "promised_due": case.promised_due,
        "promised_due_provisional": clock.is_provisional(case.promised_due, case.accepted_on),
        "statutory_due": case.statutory_due,
        "statutory_due_provisional": clock.is_provisional(case.statutory_due, case.accepted_on),
        "clock_level": case.clock_level,
    }


def detail(case) -> dict:
    case.refresh_from_db()
    return summary(case) | {
        "applicant_name": case.applicant_name,
        "deemed_accepted": case.deemed_accepted,
        "promised_days": case.promised_days,
        "statutory_days": case.statutory_days,
        "paused_days": case.paused_days,
        "extension_days": case.extension_days,
        "extension_requests": [
            {
                "id": r.pk,
                "days": r.days,
                "reason": r.reason,
                "state": r.state,
                "requested_by_id": r.requested_by_id,
                "approver_id": r.approver_id,
                "requested_at": r.requested_at,
                "decided_at": r.decided_at,
            }
            for r in case.extension_requests.order_by("id")
        ],
        "supplement_items": case.supplement_items,
        "supplement_due": case.supplement_due,
        "supplement_due_provisional": clock.is_provisional(case.supplement_due),
        "missing_materials": case.missing_materials,
        "commitment": case.commitment,
        "decision": case.decision,
        "decision_reason": case.decision_reason,
        "result_code": case.result_code,
        "result_licence": case.result_licence,
        "concluded_at": case.concluded_at,
        "concluded_on_time": case.concluded_on_time,
        "delivery": case.delivery,
        "pickup_code": case.pickup_code,
        "tracking_number": case.tracking_number,
        "delivered_at": case.delivered_at,
        "return_reason": case.return_reason,
        "form": services.form_data(case),
        "materials": [
            {
                "id": m.pk,
                "name": m.name,
                "material_id": m.material_id,
                "size": m.size,
                "content_type": m.content_type,
                "sha256": m.sha256,
                "stage": m.stage,
            }
            for m in case.materials.order_by("id")
        ],
        "steps": [
            {
                "index": s.index,
                "name": s.name,
                "role": s.role,
                "state": s.state,
                "limit_days": s.limit_days,
                "assignee_id": s.assignee_id,
                "started_on": s.started_on,
                "due_on": s.due_on,
                "due_on_provisional": clock.is_provisional(s.due_on, s.started_on),
                "completed_at": s.completed_at,
                "outcome": s.outcome,
                "comment": s.comment,
                "escalated": s.escalated,
            }
            for s in case.steps.order_by("index")
        ],
        "timeline": [
            {
                "at": e.at,
                "actor": e.actor_label,
                "action": e.action,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
                "data": e.data,
            }
            for e in queries.timeline(case)
        ],
        "clock": queries.clock_lines(case),
    }


def page_of(qs, page: int) -> dict:
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput.field("page", f"页码应在1到{MAX_PAGE}之间")
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": PAGE_SIZE,
        "items": [summary(c) for c in rows],
    }


# --- parsing -------------------------------------------------------------------------------


def once(request, action: str, work):
    """A write whose service takes no key, in the cases write transaction (audit batch). Retries
    are answered by `@idempotent_api` on every write endpoint (core.idempotency), before this runs:
    one idempotency store, not two."""
    return services.run_once(actor=request.auth, idempotency_key="", action=action, work=work)


def _validated(model: type[pydantic.BaseModel], raw):
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems = [
            FieldProblem(".".join(str(p) for p in err["loc"]) or "body", err["msg"]) for err in exc.errors()
        ]
        raise InvalidInput(f"{problems[0].field}：{problems[0].message}", problems=problems) from exc


def _json_body(request) -> dict:
    try:
        raw = json.loads(request.body or b"{}")
    except RequestDataTooBig as exc:
        raise TooLarge("请求过大：请改用 multipart/form-data 上传文件") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput.field("body", "请求体不是有效的 JSON") from exc
    if not isinstance(raw, dict):
        raise InvalidInput.field("body", "请求体应为 JSON 对象")
    return raw


def _json_uploads(materials: list[MaterialIn]) -> list[services.Upload]:
    uploads = []
    for i, m in enumerate(materials):
        try:
            content = base64.b64decode(m.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput.field(f"materials.{i}.content_base64", "不是有效的 base64 内容") from exc
        upload = services.Upload(
            material_id=m.material_id, name=m.name or "材料", content=content, content_type=m.content_type
        )
        services.check_upload(upload, field=f"materials.{i}")
        uploads.append(upload)
    return uploads


def _multipart_uploads(request) -> list[services.Upload]:
    uploads = []
    for field, files in request.FILES.lists():
        prefix, _, ident = field.partition("_")
        if prefix != "material" or not ident.isdigit():
            raise InvalidInput.field(field, "文件字段应命名为 material_<材料编号>")
        for f in files:
            if f.size > services.MAX_FILE_BYTES:
                raise InvalidInput.field(
                    field, f"“{f.name}”超过 {services.MAX_FILE_BYTES // (1024 * 1024)} MB"
                )
            upload = services.Upload(
                material_id=int(ident),
                name=f.name[:200],
                content=f.read(),
                content_type=(f.content_type or "").split(";")[0].strip(),
            )
            services.check_upload(upload, field=field)
            uploads.append(upload)
    return uploads


def _is_multipart(request) -> bool:
    return request.content_type == "multipart/form-data"


def _submission(request) -> tuple[SubmitIn, list[services.Upload]]:
    if _is_multipart(request):
        try:
            data = json.loads(request.POST.get("data") or "{}")
        except ValueError as exc:
            raise InvalidInput.field("data", "申请表应为 JSON 对象") from exc
        body = _validated(
            SubmitIn,
            {
                "item_code": request.POST.get("item_code", ""),
                "data": data,
                "channel": request.POST.get("channel") or Channel.PC,
                "commitments": request.POST.getlist("commitments"),
            },
        )
        return body, _multipart_uploads(request)
    body = _validated(SubmitIn, _json_body(request))
    return body, _json_uploads(body.materials)


# --- the applicant -------------------------------------------------------------------------


@router.post(
    "/",
    auth=PEOPLE,
    response={201: CaseDetail, **ERRORS},
    openapi_extra=_upload_body(SubmitIn),
    summary="Submit an application",
)
@idempotent_api
def submit(request):
    """申报: the form as a JSON object and the materials, either base64 in JSON or as
    multipart files named `material_<id>`. What the platform supplies for this applicant (an
    e-licence held, the verified identity for an ID card, the generated 申请表) needs no file;
    a 告知承诺书 is uploaded or confirmed in `commitments`. The case waits for 预审."""
    body, uploads = _submission(request)
    case = services.do_submit(
        actor=request.auth,
        item_code=body.item_code,
        data=body.data,
        uploads=uploads,
        channel=body.channel,
        signed=body.commitments,
    )
    return Status(201, detail(case))


@router.get("/", auth=PEOPLE, response={200: CasePage, **ERRORS}, summary="My cases")
def my_cases(request, page: CasePageNumber = 1):
    """我的办件: as applicant, agent, submitter or for an enterprise the person acts for."""
    return page_of(queries.cases_of(request.auth), page)


@router.get("/queues", auth=STAFF, response={200: list[QueueOut], **ERRORS}, summary="Staff queues")
def queues(request):
    actor = staff_actor(request)
    on = clock.today()
    return [
        {"kind": kind, "name": name, "count": queries.queue(actor, kind, on=on).count()}
        for kind, name in queries.QUEUES.items()
    ]


@router.get("/queues/{kind}", auth=STAFF, response={200: CasePage, **ERRORS}, summary="One staff queue")
def queue(request, kind: QueueKind, page: CasePageNumber = 1):
    """待预审 (precheck), 我的待办 (mine), 科室待办 (team), 即将到期 (due_soon), 已超期 (overdue),
    暂停计时 (paused) of the officer's department."""
    actor = staff_actor(request)
    if kind not in queries.QUEUES:
        raise InvalidInput.field("kind", "队列应为：" + "、".join(queries.QUEUES))
    return page_of(queries.queue(actor, kind, on=clock.today()), page)


@router.get("/search", auth=STAFF, response={200: list[CaseSummary], **ERRORS}, summary="Search cases")
def search(request, q: SearchText = ""):
    """By case number (exact), item code (exact or prefix) or applicant name (contains), in the
    officer's department; at most 50, newest first."""
    actor = staff_actor(request)
    if not q.strip():
        raise InvalidInput.field("q", "请输入办件编号、事项编码或申请人姓名")
    if len(q) > 60:
        raise InvalidInput.field("q", "检索内容不能超过60个字符")
    return [summary(c) for c in queries.find_cases(actor, q)]


@router.get("/{number}", auth=STAFF_OR_SYSTEM, response={200: CaseDetail, **ERRORS}, summary="One case")
def case_detail(request, number: CaseNumber):
    """The case with its steps, materials, timeline and the clock's calculation."""
    return detail(services.access_case(request.auth, number))


@router.post(
    "/{number}/supply",
    auth=PEOPLE,
    response={200: CaseDetail, **ERRORS},
    openapi_extra=_upload_body(SupplyIn),
    summary="Supply requested materials",
)
@idempotent_api
def supply(request, number: CaseNumber):
    """补正: the files asked for, base64 in JSON ({"materials": [...], "note": ""}) or multipart."""
    if _is_multipart(request):
        uploads, note = _multipart_uploads(request), request.POST.get("note", "")[:2000]
    else:
        body = _validated(SupplyIn, _json_body(request))
        uploads, note = _json_uploads(body.materials), body.note
    actor = request.auth
    return detail(
        once(
            request,
            "supply",
            lambda: services.do_supply(actor=actor, number=number, uploads=uploads, note=note),
        )
    )


@router.post("/{number}/withdraw", auth=PEOPLE, response={200: CaseDetail, **ERRORS}, summary="Withdraw")
@idempotent_api
def withdraw(request, number: CaseNumber, payload: WithdrawIn):
    actor = request.auth
    return detail(
        once(
            request,
            "withdraw",
            lambda: services.do_withdraw(actor=actor, number=number, reason=payload.reason),
        )
    )


@router.post(
    "/{number}/delivery", auth=PEOPLE, response={200: CaseDetail, **ERRORS}, summary="Choose delivery"
)
@idempotent_api
def choose_delivery(request, number: CaseNumber, payload: DeliveryChoiceIn):
    """送达方式: window (窗口领取), post (邮寄, with the address) or electronic."""
    actor = request.auth
    return detail(
        once(
            request,
            "choose_delivery",
            lambda: services.do_choose_delivery(
                actor=actor, number=number, method=payload.method, address=payload.address
            ),
        )
    )


# --- the back office -----------------------------------------------------------------------


@router.post("/{number}/accept", auth=STAFF_OR_SYSTEM, response={200: CaseDetail, **ERRORS}, summary="Accept")
@idempotent_api
def accept(request, number: CaseNumber):
    """预审通过, 受理: the clock starts and the first approval step opens."""
    actor = staff_actor(request)
    return detail(services.do_accept(actor=actor, number=number))


@router.post("/{number}/refuse", auth=STAFF, response={200: CaseDetail, **ERRORS}, summary="Refuse")
@idempotent_api
def refuse(request, number: CaseNumber, payload: ReasonIn):
    """不予受理 with a reason."""
    actor = staff_actor(request)
    return detail(
        once(request, "refuse", lambda: services.do_refuse(actor=actor, number=number, reason=payload.reason))
    )


@router.post("/{number}/return", auth=STAFF, response={200: CaseDetail, **ERRORS}, summary="Return")
@idempotent_api
def return_case(request, number: CaseNumber, payload: ReasonIn):
    """预审退回 with a reason."""
    actor = staff_actor(request)
    return detail(
        once(request, "return", lambda: services.do_return(actor=actor, number=number, reason=payload.reason))
    )


@router.post(
    "/{number}/request-supplement",
    auth=STAFF,
    response={200: CaseDetail, **ERRORS},
    summary="Request supplements",
)
@idempotent_api
def request_supplement(request, number: CaseNumber, payload: SupplementIn):
    """预审补正: everything missing, listed at once."""
    actor = staff_actor(request)
    return detail(
        once(
            request,
            "request_supplement",
            lambda: services.do_request_supplement(
                actor=actor, number=number, items=payload.items, note=payload.note
            ),
        )
    )


@router.post("/{number}/pause", auth=STAFF, response={200: CaseDetail, **ERRORS}, summary="Pause the clock")
@idempotent_api
def pause(request, number: CaseNumber, payload: PauseIn):
    """补齐补正 (kind=supplement, items) or 特别程序 (kind=special, procedure)."""
    actor = staff_actor(request)
    return detail(
        once(
            request,
            "pause",
            lambda: services.do_pause(
                actor=actor,
                number=number,
                kind=payload.kind,
                reason=payload.reason,
                items=payload.items,
                procedure=payload.procedure,
            ),
        )
    )


@router.post("/{number}/resume", auth=STAFF, response={200: CaseDetail, **ERRORS}, summary="Resume the clock")
@idempotent_api
def resume(request, number: CaseNumber):
    actor = staff_actor(request)
    return detail(once(request, "resume", lambda: services.do_resume(actor=actor, number=number)))


@router.post("/{number}/extend", auth=STAFF, response={200: CaseDetail, **ERRORS}, summary="Extend")
@idempotent_api
def extend(request, number: CaseNumber, payload: ExtendIn):
    """延期 of up to 10 working days in all, approved by a named department administrator."""
    actor = staff_actor(request)
    return detail(
        once(
            request,
            "extend",
            lambda: services.do_extend(
                actor=actor,
                number=number,
                days=payload.days,
                approver_id=payload.approver_id,
                reason=payload.reason,
            ),
        )
    )


@router.post(
    "/{number}/extensions/{request_id}/decide",
    auth=STAFF,
    response={200: CaseDetail, **ERRORS},
    summary="Approve or reject an extension",
)
@idempotent_api
def decide_extension(request, number: CaseNumber, request_id: Id, payload: ExtensionDecisionIn):
    """The approver named in the request approves (the days are added and the deadlines
    recomputed) or rejects it (`note` required). Anyone else gets 403; the same decision again
    changes nothing; the other decision after one is made is 409."""
    actor = staff_actor(request)
    return detail(
        once(
            request,
            f"decide_extension{request_id}",
            lambda: services.do_decide_extension(
                actor=actor, number=number, request_id=request_id, approve=payload.approve, note=payload.note
            ),
        )
    )


@router.post(
    "/{number}/steps/{index}/assign",
    auth=STAFF,
    response={200: CaseDetail, **ERRORS},
    summary="Assign a step",
)
@idempotent_api
def assign(request, number: CaseNumber, index: StepIndex, payload: AssignIn):
    """The active step to a named officer, or back to the department queue (null)."""
    actor = staff_actor(request)
    return detail(
        once(
            request,
            f"assign{index}",
            lambda: services.do_assign_step(
                actor=actor, number=number, step_index=index, assignee_id=payload.assignee_id
            ),
        )
    )


@router.post(
    "/{number}/steps/{index}/complete",
    auth=STAFF_OR_SYSTEM,
    response={200: CaseDetail, **ERRORS},
    summary="Complete a step",
)
@idempotent_api
def complete_step(request, number: CaseNumber, index: StepIndex, payload: StepIn):
    """Sign off the active step (pass / fail); the last step's outcome is the decision."""
    actor = staff_actor(request)
    return detail(
        services.do_complete_step(
            actor=actor,
            number=number,
            step_index=index,
            outcome=payload.outcome,
            comment=payload.comment,
        )
    )


@router.post(
    "/{number}/conclude", auth=STAFF_OR_SYSTEM, response={200: CaseDetail, **ERRORS}, summary="Conclude"
)
@idempotent_api
def conclude(request, number: CaseNumber, payload: ConcludeIn):
    """办结 with the national result code (01 出证, 02 准予, 03 不予许可; empty: by the decision).
    出证 of an item with a result licence type issues it; `licence_face` confirms or completes
    its face by key (and `holder_name`, `holder_code`, `valid_until`); what is missing comes
    back as 400 naming `licence_face.<key>`, and nothing is written."""
    actor = staff_actor(request)
    return detail(
        services.do_conclude(
            actor=actor,
            number=number,
            result_code=payload.result_code,
            licence_face=payload.licence_face,
        )
    )


@router.post("/{number}/deliver", auth=STAFF, response={200: CaseDetail, **ERRORS}, summary="Deliver")
@idempotent_api
def deliver(request, number: CaseNumber, payload: DeliverIn):
    """送达 by the chosen method (post needs the tracking number)."""
    actor = staff_actor(request)
    return detail(
        once(
            request,
            "deliver",
            lambda: services.do_deliver(actor=actor, number=number, tracking_number=payload.tracking_number),
        )
    )
