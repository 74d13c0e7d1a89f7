"""E-seal keys (电子印章密钥) of the issuing departments, and signing.

Each issuing department has one active SM2 key; its first licence creates it. Rotation
(`do_rotate_seal_key`) closes the active key's validity interval at the rotation time and makes
a new one; licences signed inside a retired key's interval keep verifying. When the old key may
be compromised, rotation revokes it instead (or `do_revoke_seal_key` revokes any key): every
signature it made then fails verification, and the licences need re-issuing.

Private keys are PKCS#8 PEM, SM4-GCM encrypted under the key-encryption key and bound to their
kid (`models.SEAL_PRIVATE_KEY`; `manage.py keys rotate` re-encrypts them), decrypted only inside
`sign_bytes`, never returned, logged or audited.
Issuing locks the active key row, so a rotation waits for issues in flight and the key a
licence names was valid when it was signed.
"""

from __future__ import annotations

import base64
import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.crypto import sm3_hex
from tongban.core.errors import Conflict, InvalidInput, NotFound

from . import sm2
from .models import SEAL_PRIVATE_KEY, SealKey
from .permissions import require_seal_admin

REASON_MAX = 200


def kid_for(public_hex: str) -> str:
    """A key's identifier: the first 32 hex characters of SM3 over its public point."""
    return sm3_hex(bytes.fromhex(public_hex))[:32]


def _create_key(department_id: int, now: dt.datetime) -> SealKey:
    pair = sm2.generate_keypair()
    kid = kid_for(pair.public_hex)
    return SealKey.objects.create(
        kid=kid,
        department_id=department_id,
        public_key=pair.public_hex,
        private_key_enc=SEAL_PRIVATE_KEY.encrypt(pair.private_pem, kid=kid),
        valid_from=now,
    )


def _active_qs(department_id: int):
    return SealKey.objects.filter(
        department_id=department_id, valid_until__isnull=True, revoked_at__isnull=True
    )


def _key_data(key: SealKey) -> dict:
    return {
        "kid": key.kid,
        "department": key.department_id,
        "public_key": key.public_key,
        "valid_from": key.valid_from.isoformat(),
    }


def active_key_for_signing(*, actor, department_id: int) -> SealKey:
    """The department's active key, row-locked until the caller's transaction ends; created
    (and audited) when the department has none. Must run inside a transaction."""
    key = _active_qs(department_id).select_for_update().first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            key = _create_key(department_id, timezone.now())
    except IntegrityError:  # another transaction created it first
        return _active_qs(department_id).select_for_update().get()
    audit.record(actor=actor, action="licences.seal.create", obj=key, data=_key_data(key))
    return key


def sign_bytes(key: SealKey, message: bytes) -> str:
    """Base64 of the DER SM2 signature of `message` with the key's private half."""
    return base64.b64encode(sm2.sign(SEAL_PRIVATE_KEY.read(key), message)).decode()


def verify_bytes(key: SealKey, message: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError:
        return False
    return sm2.verify(key.public_key, message, signature)


def key_valid_at(key: SealKey, moment: dt.datetime) -> bool:
    """Whether the key's validity interval [valid_from, valid_until) holds `moment`."""
    return key.valid_from <= moment and (key.valid_until is None or moment < key.valid_until)


def _department_id(department) -> int:
    if isinstance(department, int):
        return core_queries.get_department(department).pk
    text = str(department or "").strip()
    if not text:
        raise InvalidInput.field("department", "请指定部门（主键或统一社会信用代码）")
    return core_queries.get_department(text).pk


def do_rotate_seal_key(*, actor, department, compromised: str = "") -> SealKey:
    """Retire the department's active key (revoke it when `compromised` gives a reason) and
    make a new active key. A department without a key gets its first one."""
    compromised = (compromised or "").strip()
    if len(compromised) > REASON_MAX:
        raise InvalidInput.field("compromised", f"吊销原因最长{REASON_MAX}字")
    department_id = _department_id(department)
    require_seal_admin(actor, department_id)
    with transaction.atomic():
        now = timezone.now()
        old = _active_qs(department_id).select_for_update().first()
        if old is not None:
            old.valid_until = now
            fields = ["valid_until"]
            if compromised:
                old.revoked_at, old.revoke_reason = now, compromised
                fields += ["revoked_at", "revoke_reason"]
            old.save(update_fields=fields)
        try:
            with transaction.atomic():
                new = _create_key(department_id, now)
        except IntegrityError:
            raise Conflict("该部门的印章密钥正在被另一操作轮换，请稍后重试") from None
        audit.record(
            actor=actor,
            action="licences.seal.rotate",
            obj=new,
            data={
                **_key_data(new),
                "retired": old.kid if old else None,
                "revoked": bool(old and compromised),
                "reason": compromised,
            },
        )
    return new


def do_revoke_seal_key(*, actor, kid: str, reason: str) -> SealKey:
    """Revoke a key (active or retired): every signature it made stops verifying. Revoking the
    active key leaves the department without one; its next licence creates a new key."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "请填写吊销原因")
    if len(reason) > REASON_MAX:
        raise InvalidInput.field("reason", f"吊销原因最长{REASON_MAX}字")
    with transaction.atomic():
        key = SealKey.objects.select_for_update().filter(kid=(kid or "").strip().lower()).first()
        if key is None:
            raise NotFound(f"印章密钥 {kid} 不存在")
        require_seal_admin(actor, key.department_id)
        if key.revoked_at is not None:
            raise Conflict("该印章密钥已吊销")
        now = timezone.now()
        key.revoked_at, key.revoke_reason = now, reason
        key.valid_until = key.valid_until or now
        key.save(update_fields=["revoked_at", "revoke_reason", "valid_until"])
        audit.record(
            actor=actor, action="licences.seal.revoke", obj=key, data={"kid": key.kid, "reason": reason}
        )
    return key
