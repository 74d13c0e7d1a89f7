"""API shapes of cases (办件): what comes in and what goes out."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

# --- in ------------------------------------------------------------------------------------


class MaterialIn(Schema):
    """One file, base64-encoded (a material may have several files)."""

    material_id: int | None = None
    name: str = Field("", max_length=200)
    content_type: str = Field(..., max_length=60)
    content_base64: str


class SubmitIn(Schema):
    item_code: str = Field(..., min_length=1, max_length=36)
    data: dict
    materials: list[MaterialIn] = []
    channel: str = "2"


class SupplyIn(Schema):
    materials: list[MaterialIn]
    note: str = Field("", max_length=2000)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=2000)


class DeliveryChoiceIn(Schema):
    method: str
    address: str = Field("", max_length=300)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class SupplementIn(Schema):
    items: list[str]
    note: str = Field("", max_length=2000)


class PauseIn(Schema):
    kind: str
    reason: str = Field(..., max_length=2000)
    items: list[str] = []
    procedure: str = ""


class ExtendIn(Schema):
    days: int
    approver_id: int
    reason: str = Field(..., max_length=500)


class AssignIn(Schema):
    assignee_id: int | None = None


class StepIn(Schema):
    outcome: str
    comment: str = Field("", max_length=2000)


class ConcludeIn(Schema):
    result_code: str = ""
    # 出证 of an item with a result licence: face fields by key (and holder_name, holder_code,
    # valid_until) confirming or completing what the application form gives.
    licence_face: dict[str, str] | None = None


class DeliverIn(Schema):
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


class CaseDetail(CaseSummary):
    applicant_name: str
    deemed_accepted: bool
    promised_days: int
    statutory_days: int
    paused_days: int
    extension_days: int
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
