"""API shapes of cases (办件): what comes in and what goes out."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from tongban.core.schemas import Id, InSchema

# --- in ------------------------------------------------------------------------------------


class MaterialIn(InSchema):
    """One file, base64-encoded (a material may have several files)."""

    material_id: Id | None = None
    name: str = Field("", max_length=200)
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    content_base64: str = Field(pattern=r"^[A-Za-z0-9+/]*={0,2}$", description="base64 of the file")


class SubmitIn(InSchema):
    item_code: str = Field(..., min_length=1, max_length=36)
    data: dict
    materials: list[MaterialIn] = []
    channel: Literal["2", "3", "4", "9"] = "2"  # PC, mobile, post, a department system
    # Materials (告知承诺书) whose commitment the applicant confirmed: signed as a PDF with the case
    # instead of an uploaded file (cases/supplied.py).
    commitments: list[int] = Field([], max_length=20)


class SupplyIn(InSchema):
    materials: list[MaterialIn]
    note: str = Field("", max_length=2000)


class WithdrawIn(InSchema):
    reason: str = Field("", max_length=2000)


class DeliveryChoiceIn(InSchema):
    method: Literal["window", "post", "electronic"]
    address: str = Field("", max_length=300)


class ReasonIn(InSchema):
    reason: str = Field(..., max_length=2000)


class SupplementIn(InSchema):
    items: list[str]
    note: str = Field("", max_length=2000)


class PauseIn(InSchema):
    kind: Literal["supplement", "special"]
    reason: str = Field(..., max_length=2000)
    items: list[str] = []
    procedure: Literal["", "hearing", "testing", "expert", "survey", "publicity", "other"] = ""


class ExtendIn(InSchema):
    days: int = Field(ge=1, le=365)
    approver_id: Id
    reason: str = Field(..., max_length=500)


class ExtensionDecisionIn(InSchema):
    """The named approver's decision on a pending extension request; a rejection gives a reason."""

    approve: bool
    note: str = Field("", max_length=500)


class AssignIn(InSchema):
    assignee_id: Id | None = None


class StepIn(InSchema):
    # 不同意 needs its reason (at least 4 characters once trimmed): stated here, checked by the service.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"outcome": {"const": "fail"}}},
            "then": {
                "properties": {"comment": {"minLength": 4, "pattern": r"\S[\s\S]{2,}\S"}},
                "required": ["comment"],
            },
        }
    )

    outcome: Literal["pass", "fail"]
    comment: str = Field("", max_length=2000)


class ConcludeIn(InSchema):
    result_code: Literal["", "01", "02", "03", "04", "05"] = ""
    # 出证 of an item with a result licence: face fields by key (and holder_name, holder_code,
    # valid_until) confirming or completing what the application form gives.
    licence_face: dict[str, str] | None = None


class DeliverIn(InSchema):
    tracking_number: str = Field("", max_length=40)


# --- out -----------------------------------------------------------------------------------


class CaseSummary(Schema):
    number: str
    item_code: str
    item_name: str
    department: str
    state: str
    state_name: str
    channel: str
    submitted_at: dt.datetime
    received_on: dt.date
    accepted_on: dt.date | None
    promised_due: dt.date | None
    promised_due_provisional: bool = Field(
        description="暂定: computed through a year without the State Council's holiday arrangement"
    )
    statutory_due: dt.date | None
    statutory_due_provisional: bool = Field(description="暂定, as promised_due_provisional")
    clock_level: str


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseSummary]


class StepOut(Schema):
    index: int
    name: str
    role: str
    state: str
    limit_days: int
    assignee_id: int | None
    started_on: dt.date | None
    due_on: dt.date | None
    due_on_provisional: bool = Field(description="暂定, as CaseSummary.promised_due_provisional")
    completed_at: dt.datetime | None
    outcome: str
    comment: str
    escalated: bool


class EventOut(Schema):
    at: dt.datetime
    actor: str
    action: str
    from_state: str
    to_state: str
    note: str
    data: dict


class CaseMaterialOut(Schema):
    id: int
    name: str
    material_id: int | None
    size: int
    content_type: str
    sha256: str
    stage: str


class ExtensionRequestOut(Schema):
    id: int
    days: int
    reason: str
    state: str
    requested_by_id: int
    approver_id: int
    requested_at: dt.datetime
    decided_at: dt.datetime | None


class CaseDetail(CaseSummary):
    applicant_name: str
    deemed_accepted: bool
    promised_days: int
    statutory_days: int
    paused_days: int
    extension_days: int
    extension_requests: list[ExtensionRequestOut] = []
    supplement_items: list[str]
    supplement_due: dt.date | None
    supplement_due_provisional: bool = Field(description="暂定, as CaseSummary.promised_due_provisional")
    missing_materials: list[dict]
    commitment: bool
    decision: str
    decision_reason: str
    result_code: str
    result_licence: str
    concluded_at: dt.datetime | None
    concluded_on_time: bool | None
    delivery: str
    pickup_code: str
    tracking_number: str
    delivered_at: dt.datetime | None
    return_reason: str
    form: dict
    materials: list[CaseMaterialOut]
    steps: list[StepOut]
    timeline: list[EventOut]
    clock: list[str]


class QueueOut(Schema):
    kind: str
    name: str
    count: int
