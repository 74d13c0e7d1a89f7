"""Licence API shapes (django-ninja / pydantic in and out)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import Field

from tongban.core.schemas import InSchema

# GB/T 36904 licence type code: an 18-character credit code and 3 digits.
LicenceTypeCode = Annotated[str, Field(pattern=r"^[0-9A-Z]{18}[0-9]{3}$", description="证照类型代码（21位）")]
# The holder: a resident ID number (18, the last may be X) or a unified social credit code (18).
HolderCode = Annotated[
    str,
    Field(
        pattern=r"^([0-9]{17}[0-9Xx]|[0-9A-HJ-NPQRTUWXY]{18})$",
        description="持证主体代码：公民身份号码或统一社会信用代码",
    ),
]
# GB/T 36903 identifier: root . type code . issuer code . serial . version . check character.
LicenceIdentifier = Annotated[
    str,
    Field(
        pattern=r"^1\.2\.156\.3005\.2\.[0-9A-Za-z]{18}[0-9]{3}\.[0-9A-Za-z]{18}\.[0-9A-Za-z]{1,32}\.[0-9]{1,6}\.[0-9A-Za-z]$",
        description="电子证照标识（GB/T 36903）",
    ),
]


class QueryIn(InSchema):
    holder_code: HolderCode
    type_code: LicenceTypeCode
    # Required, but checked by the service so that a refusal is written to the usage log.
    purpose: str = Field(max_length=400, description="申请事由（必填）")
    case_number: str = Field("", max_length=60, description="办件编号（授权要求时必填）")


class LicenceMetaOut(Schema):
    """The GB/T 36903 metadata a caller sees (the holder code masked)."""

    identifier: str
    type_code: str
    name: str
    number: str
    issuer_name: str
    issuer_code: str
    issued_on: dt.date
    holder_name: str
    holder_code_masked: str
    valid_from: dt.date
    valid_until: dt.date | None


class CopyLicenceOut(LicenceMetaOut):
    face: dict[str, str]
    masked_fields: list[str]
    usage_id: int | None


class AnnotationOut(Schema):
    """The stamp of an annotated copy (加注件): for this use only, until `expires_at`."""

    text: str
    purpose: str
    case_number: str
    requester: str
    department_id: int | None
    stamped_at: dt.datetime
    expires_at: dt.datetime


class AnnotatedCopyOut(Schema):
    annotation: AnnotationOut
    licences: list[CopyLicenceOut]
    digest: str = Field(description="SM3 over the copy's canonical JSON (annotation and licences)")


class IssueIn(InSchema):
    type_code: LicenceTypeCode
    holder_name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    holder_code: HolderCode
    face: dict[str, str]
    number: str = Field("", max_length=60)
    issued_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    case_number: str = Field("", max_length=60)


class LicenceOut(LicenceMetaOut):
    version: int
    state: str
    seal_kid: str
    signed_at: dt.datetime
    signature: str


class ReasonOut(Schema):
    code: str
    message: str


class VerificationOut(Schema):
    identifier: str
    valid: bool
    reasons: list[ReasonOut]
    name: str | None = None
    issuer_name: str | None = None
    state: str | None = None
    valid_until: dt.date | None = None
