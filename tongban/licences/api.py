"""Licence endpoints under /api/v1/licences (thin: authenticate, parse, call one service, shape).

- `POST /licences/query`: an agency's query by holder code and licence type with a purpose (申请事由)
  and, where the grant requires it, a case number → an annotated copy (加注件). Department systems
  (client_credentials token, scope `api`) and officers (session) of an agency whose business scope
  covers the type; a person may query their own. Refusals are 403 with a `reason` and are logged.
- `POST /licences`: issue (颁发) a licence of the caller's own department (a department system or
  an issuing officer).
- Both writes take an optional `Idempotency-Key` header (`core.idempotency`): a retry with the
  same key and body gets the first answer and issues nothing more; the same key with another
  body is 409 `idempotency_mismatch`.
- `GET /licences/{identifier}/verify`: verify (验证) a licence; every check is logged, naming who
  looked. People other than department staff must give the face's check code (`?code=`).

Errors are JSON: 400 names the field, 401 no valid credentials, 403 outside the caller's scope.
"""

from __future__ import annotations

from ninja import Router, Status

from tongban.apiauth import SESSION_OR_SYSTEM
from tongban.core.errors import Forbidden
from tongban.core.idempotency import idempotent_api
from tongban.core.schemas import ErrorOut

from . import services
from .schemas import AnnotatedCopyOut, IssueIn, LicenceIdentifier, LicenceOut, QueryIn, VerificationOut
from .usage import META_FIELDS

router = Router(tags=["licences"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def licence_out(licence) -> dict:
    return {name: getattr(licence, name) for name in META_FIELDS} | {
        "version": licence.version,
        "state": licence.state,
        "seal_kid": licence.seal_key.kid,
        "signed_at": licence.signed_at,
        "signature": licence.signature,
    }


@router.post("/query", auth=SESSION_OR_SYSTEM, response={200: AnnotatedCopyOut, **ERRORS})
@idempotent_api
def query(request, payload: QueryIn):
    """An annotated copy (加注件) of the holder's valid licences of the type, for one stated use."""
    return services.do_annotated_copy(
        actor=request.auth,
        holder_code=payload.holder_code,
        type_code=payload.type_code,
        purpose=payload.purpose,
        case_number=payload.case_number,
    )


@router.post("", auth=SESSION_OR_SYSTEM, response={201: LicenceOut, **ERRORS})
@idempotent_api
def issue(request, payload: IssueIn):
    """Issue a licence as the caller's own department (its system, or one of its issuing officers)."""
    department_id = getattr(request.auth, "department_id", None)
    if department_id is None:
        raise Forbidden("只有颁发部门的业务系统或工作人员可以颁发证照")
    licence = services.do_issue_licence(actor=request.auth, issuer=department_id, **payload.dict())
    return Status(201, licence_out(licence))


@router.get("/{identifier}/verify", auth=SESSION_OR_SYSTEM, response={200: VerificationOut, **ERRORS})
def verify(request, identifier: LicenceIdentifier, code: str = ""):
    """Verify a licence: e-seal signature, seal key, state and period (every reason reported).
    A department system or a department's staff verify by identifier; anyone else needs the
    check code printed on the face (`?code=`), else the answer is 404 as for an unknown licence."""
    check = services.verify_and_log(request.auth, identifier, check_code=code)
    licence = check.licence
    return {
        "identifier": check.identifier,
        "valid": check.valid,
        "reasons": [{"code": r.value, "message": str(r.label)} for r in check.reasons],
        "name": licence.name if licence else None,
        "issuer_name": licence.issuer_name if licence else None,
        "state": licence.state if licence else None,
        "valid_until": licence.valid_until if licence else None,
    }
