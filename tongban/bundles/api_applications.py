"""Bundle applications under /api/v1/bundles (thin: authenticate, parse, call one service, shape).

`POST /applications` (a person's session, CSRF-checked; `Idempotency-Key` header: the same key
and body answer the first bundle, another body 409) submits a theme once: the questionnaire's
answers, the shared fields, each member's own fields and the files by upload key (a shared
material's key, or "<member>.m_<material id>"), base64. `GET /applications/{number}` is the
status: every member's state, department, deadline and result, and the bundle's own promised
date; another person's bundle is 404. Member cases are ordinary cases: departments (and their
systems, client_credentials) act on them through /api/v1/cases.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from tongban.apiauth import session
from tongban.core.errors import InvalidInput
from tongban.core.idempotency import idempotent_api
from tongban.core.schemas import ErrorOut, InSchema

from . import queries_fanout, submission

router = Router(tags=["bundles"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
BundleNumber = Annotated[str, Field(pattern=r"^LB[0-9]{22}$", description="联办编号")]


class FileIn(InSchema):
    name: str = Field("", max_length=200)
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    content_base64: str = Field(pattern=r"^[A-Za-z0-9+/]*={0,2}$", description="base64 of the file")


class ApplicationIn(InSchema):
    theme_code: str = Field(..., min_length=1, max_length=40)
    answers: dict[str, str] = {}
    shared: dict[str, str] = {}
    members: dict[str, dict] = Field({}, description="each member's own fields, by member key")
    files: dict[str, FileIn] = Field(
        {}, description="by upload key: a shared material key or <member>.m_<id>"
    )
    channel: Literal["2", "3"] = "2"
    pickup: Literal["window", "post"] = "window"


class MemberOut(Schema):
    key: str
    item_name: str
    department: str
    state: str
    case_number: str
    due: dt.date | None
    result: str
    note: str


class ApplicationOut(Schema):
    number: str
    theme_code: str
    theme_name: str
    state: str
    state_label: str
    received_on: dt.date
    promised_due: dt.date
    completed_on_time: bool | None
    members: list[MemberOut]


def _shape(status) -> dict:
    b = status.bundle
    return {
        "number": b.number,
        "theme_code": b.theme_code,
        "theme_name": b.theme_name,
        "state": b.state,
        "state_label": status.state_label,
        "received_on": b.received_on,
        "promised_due": b.promised_due,
        "completed_on_time": b.completed_on_time,
        "members": [
            {
                "key": m.key,
                "item_name": m.item_name,
                "department": m.department,
                "state": m.state,
                "case_number": m.case_number,
                "due": m.due,
                "result": m.result,
                "note": m.note,
            }
            for m in status.members
        ],
    }


def _files(files: dict[str, FileIn]) -> dict:
    out = {}
    for key, f in files.items():
        try:
            content = base64.b64decode(f.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput.field(f"files.{key}", "文件内容不是有效的base64") from exc
        out[key] = submission.Upload(None, f.name or key, content, f.content_type)
    return out


@router.post(
    "/applications",
    auth=[session],
    response={201: ApplicationOut, **ERRORS},
    summary="Submit a bundle application (一件事一次办)",
)
@idempotent_api
def submit_application(request: HttpRequest, body: ApplicationIn):
    """One submission of a theme; the member cases follow (fan-out)."""
    bundle = submission.do_submit_bundle(
        actor=request.auth,
        theme_code=body.theme_code,
        answers=body.answers,
        shared=body.shared,
        own=body.members,
        uploads=_files(body.files),
        channel=body.channel,
        pickup=body.pickup,
    )
    return Status(201, _shape(queries_fanout.bundle_status(bundle.number, request.auth)))


@router.get(
    "/applications/{number}",
    auth=[session],
    response={200: ApplicationOut, **ERRORS},
    summary="One bundle application's status",
)
def get_application(request: HttpRequest, number: BundleNumber):
    return _shape(queries_fanout.bundle_status(number, request.auth))
