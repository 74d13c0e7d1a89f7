"""Verifying a licence (验证): the e-seal signature over the canonical form, the seal key's
standing when it signed, and the licence's current state and period.

Every reason that applies is reported, not just the first, so a page can say "已撤销" and
"签章无效" together. A malformed identifier is bad input (InvalidInput naming the field); an
unknown one is a result with the reason `not_found`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tongban.core.crypto import sm3_hex

from . import canonical, merkle, validity
from .enums import LicenceState, VerifyReason
from .identifiers import check_identifier
from .models import Licence
from .seals import key_valid_at, verify_bytes

_STATE_REASONS = {
    LicenceState.SUSPENDED: VerifyReason.SUSPENDED,
    LicenceState.REVOKED: VerifyReason.REVOKED,
    LicenceState.EXPIRED: VerifyReason.EXPIRED,
    LicenceState.SUPERSEDED: VerifyReason.SUPERSEDED,
}


@dataclass(frozen=True)
class Verification:
    identifier: str
    reasons: tuple[VerifyReason, ...]
    licence: Licence | None = None  # for the caller to choose what to show; never shown whole

    @property
    def valid(self) -> bool:
        return not self.reasons

    @property
    def messages(self) -> list[str]:
        return [str(r.label) for r in self.reasons]

    @property
    def codes(self) -> list[str]:
        return [r.value for r in self.reasons]


def _batch_seal_holds(licence: Licence, message: bytes) -> bool:
    """A batch seal: the licence's digest leads through its proof to the batch's root, and the
    batch's SM2 signature over its root statement holds under the same key and time."""
    batch = licence.seal_batch
    if batch.seal_key_id != licence.seal_key_id or batch.signed_at != licence.signed_at:
        return False
    try:
        root = merkle.root_of(sm3_hex(message), licence.seal_proof)
    except ValueError:
        return False
    if root != batch.root:
        return False
    statement = canonical.batch_statement(
        root=batch.root, count=batch.count, kid=licence.seal_key.kid, signed_at=batch.signed_at
    )
    return verify_bytes(licence.seal_key, statement, batch.signature)


def _signature_reasons(licence: Licence) -> list[VerifyReason]:
    key = licence.seal_key
    reasons = []
    try:
        message = canonical.canonical_bytes(canonical.stored_content(licence))
    except ValueError:
        reasons.append(VerifyReason.CONTENT_UNREADABLE)
    else:
        if licence.seal_batch_id is not None:
            sealed = _batch_seal_holds(licence, message)
        else:
            sealed = verify_bytes(key, message, licence.signature)
        if not sealed:
            reasons.append(VerifyReason.SIGNATURE_INVALID)
    if key.department_id != licence.issuer_id:
        reasons.append(VerifyReason.SEAL_KEY_WRONG_ISSUER)
    if key.revoked_at is not None:
        reasons.append(VerifyReason.SEAL_KEY_REVOKED)
    elif not key_valid_at(key, licence.signed_at):
        reasons.append(VerifyReason.SEAL_KEY_NOT_VALID_AT_SIGNING)
    return reasons


def verify(licence: Licence, *, on: dt.date | None = None) -> Verification:
    """Verify a licence row as of the day `on` (default today)."""
    on = on or validity.today()
    reasons = _signature_reasons(licence)
    state_reason = _STATE_REASONS.get(licence.state)
    if state_reason is not None:
        reasons.append(state_reason)
    if licence.state in LicenceState.live():
        if licence.valid_until is not None and licence.valid_until < on:
            reasons.append(VerifyReason.EXPIRED)  # the tick has not run yet
        elif licence.valid_from > on:
            reasons.append(VerifyReason.NOT_YET_VALID)
    return Verification(licence.identifier, tuple(reasons), licence)


def verify_licence(identifier: str, *, on: dt.date | None = None, field: str = "identifier") -> Verification:
    """Verify the licence with this identifier (InvalidInput naming `field` when malformed)."""
    ident = check_identifier(identifier, field=field)
    licence = (
        Licence.objects.select_related("seal_key", "previous", "seal_batch").filter(identifier=ident).first()
    )
    if licence is None:
        return Verification(ident, (VerifyReason.NOT_FOUND,))
    return verify(licence, on=on)
