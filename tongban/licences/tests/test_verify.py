"""Verification: the signature over the canonical form, the seal key's standing when it signed,
the state and the period. Tampering with the stored row is caught."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.core.models import AuditEvent

from .. import canonical, queries, seals, services
from ..enums import VerifyReason
from ..identifiers import build_identifier
from ..models import LICENCE_FACE_PERSONAL, LICENCE_HOLDER_CODE, SEAL_PRIVATE_KEY, Licence, SealKey
from .conftest import (
    CODES,
    MARRIAGE_FACE,
    PERSON_ID,
    TODAY,
    counts,
    issue_at_jianghan,
    issue_business,
    issue_food,
    issue_marriage,
)

pytestmark = pytest.mark.usefixtures("regions_loaded")
R = VerifyReason


def reasons(identifier: str, **kw) -> list[str]:
    return services.verify_licence(identifier, **kw).codes


def tamper(licence: Licence, **fields) -> None:
    Licence.objects.filter(pk=licence.pk).update(**fields)


def test_a_fresh_licence_verifies(world):
    licence = issue_business(world)
    result = services.verify_licence(licence.identifier)
    assert result.valid and result.reasons == () and result.licence == licence
    assert result.messages == []


@pytest.mark.parametrize(
    "change",
    [
        {"holder_name": "武汉鑫达恒通贸易有限公司"},
        {"number": "S42011500000009"},
        {"issued_on": TODAY - dt.timedelta(days=1)},
        {"valid_from": TODAY + dt.timedelta(days=1)},
        {"valid_until": dt.date(2099, 1, 1)},
        {"issuer_name": "武汉市江夏区人民政府"},
        {"name": "营业执照（副本）"},
        {"signed_at": timezone.now() - dt.timedelta(seconds=1)},
    ],
    ids=lambda c: next(iter(c)),
)
def test_tampering_with_signed_metadata_breaks_the_seal(world, change):
    licence = issue_business(world)
    tamper(licence, **change)
    assert R.SIGNATURE_INVALID in reasons(licence.identifier)


def test_tampering_with_a_face_field_breaks_the_seal(world):
    licence = issue_business(world)
    tamper(licence, face={**licence.face, "business_scope": "日用百货、烟草制品销售"})
    result = services.verify_licence(licence.identifier)
    assert not result.valid and result.codes == [R.SIGNATURE_INVALID]
    assert "篡改" in result.messages[0]
    # Adding or removing a face field is just as visible.
    tamper(licence, face={**licence.face, "extra": "x"})
    assert reasons(licence.identifier) == [R.SIGNATURE_INVALID]
    tamper(licence, face={k: v for k, v in licence.face.items() if k != "registered_capital"})
    assert reasons(licence.identifier) == [R.SIGNATURE_INVALID]


def test_tampering_with_encrypted_personal_data(world):
    licence = issue_marriage(world)
    # Re-encrypting other values under the platform key is not enough: the seal covers the clear text.
    other = canonical.face_json(
        {"spouse_name": "李娜", "spouse_id_number": MARRIAGE_FACE["spouse_id_number"]}
    )
    tamper(licence, face_personal_enc=LICENCE_FACE_PERSONAL.encrypt(other, licence))
    assert reasons(licence.identifier) == [R.SIGNATURE_INVALID]
    tamper(licence, face_personal_enc=licence.face_personal_enc[:-4] + "AAAA")
    assert reasons(licence.identifier) == [R.CONTENT_UNREADABLE]
    tamper(
        licence,
        face_personal_enc=licence.face_personal_enc,
        holder_code_enc=LICENCE_HOLDER_CODE.encrypt("420115199005180000", licence),
    )
    assert reasons(licence.identifier) == [R.SIGNATURE_INVALID]


def test_a_signature_swapped_from_another_licence_or_key_is_invalid(world):
    first, second = issue_business(world), issue_food(world)
    tamper(first, signature=second.signature)
    assert reasons(first.identifier) == [R.SIGNATURE_INVALID]
    tamper(first, signature="not base64!")
    assert reasons(first.identifier) == [R.SIGNATURE_INVALID]
    other_key = services.do_rotate_seal_key(actor=world["head"], department=world["jiangxia"].pk)
    tamper(second, seal_key=other_key)
    assert R.SIGNATURE_INVALID in reasons(second.identifier)


def test_a_key_of_another_department_is_refused(world):
    foreign = issue_at_jianghan(world)
    licence = issue_business(world)
    # Re-signing with the other department's key (as someone holding it could) still fails.
    key = foreign.seal_key
    content = canonical.stored_content(licence)
    content = canonical.Content(**{**content.__dict__, "seal_key": key.kid})
    tamper(licence, seal_key=key, signature=seals.sign_bytes(key, canonical.canonical_bytes(content)))
    assert reasons(licence.identifier) == [R.SEAL_KEY_WRONG_ISSUER]


def test_rotation_keeps_earlier_licences_valid(world):
    before = issue_business(world)
    old_key = before.seal_key
    new_key = services.do_rotate_seal_key(actor=world["head"], department=world["jiangxia"].credit_code)
    old_key.refresh_from_db()
    assert old_key.valid_until == new_key.valid_from and old_key.revoked_at is None
    after = issue_food(world)
    assert after.seal_key == new_key and before.seal_key == old_key
    assert services.verify_licence(before.identifier).valid
    assert services.verify_licence(after.identifier).valid
    event = AuditEvent.objects.filter(action="licences.seal.rotate").latest("seq")
    assert event.data["retired"] == old_key.kid and event.data["revoked"] is False
    assert [k["kid"] for k in queries.seal_keys(world["jiangxia"].pk)] == [new_key.kid, old_key.kid]
    assert "private_key_enc" not in queries.seal_keys(world["jiangxia"].pk)[0]


def test_a_signature_by_a_rotated_out_key_is_invalid(world):
    licence = issue_business(world)
    old_key = licence.seal_key
    services.do_rotate_seal_key(actor=world["head"], department=world["jiangxia"].pk)
    old_key.refresh_from_db()
    # Someone still holding the retired key signs a licence after the rotation.
    late = timezone.now()
    content = canonical.Content(**{**canonical.stored_content(licence).__dict__, "signed_at": late})
    tamper(licence, signed_at=late, signature=seals.sign_bytes(old_key, canonical.canonical_bytes(content)))
    assert reasons(licence.identifier) == [R.SEAL_KEY_NOT_VALID_AT_SIGNING]
    # ... or before the key existed.
    early = old_key.valid_from - dt.timedelta(days=1)
    content = canonical.Content(**{**content.__dict__, "signed_at": early})
    tamper(licence, signed_at=early, signature=seals.sign_bytes(old_key, canonical.canonical_bytes(content)))
    assert reasons(licence.identifier) == [R.SEAL_KEY_NOT_VALID_AT_SIGNING]


def test_a_compromised_key_invalidates_its_signatures(world):
    signed_by_old = issue_business(world)
    old_key = signed_by_old.seal_key
    new_key = services.do_rotate_seal_key(
        actor=world["head"], department=world["jiangxia"].pk, compromised="私钥疑似泄露"
    )
    old_key.refresh_from_db()
    assert old_key.revoked_at is not None and old_key.revoke_reason == "私钥疑似泄露"
    assert reasons(signed_by_old.identifier) == [R.SEAL_KEY_REVOKED]
    fresh = issue_food(world)
    assert fresh.seal_key == new_key and services.verify_licence(fresh.identifier).valid


def test_revoking_a_key_and_the_next_issue_makes_a_new_one(world):
    licence = issue_business(world)
    key = services.do_revoke_seal_key(actor=world["head"], kid=licence.seal_key.kid, reason="印章管理员离职")
    assert reasons(licence.identifier) == [R.SEAL_KEY_REVOKED]
    assert queries.active_seal_key(world["jiangxia"].pk) is None
    before = counts()
    with pytest.raises(Conflict):
        services.do_revoke_seal_key(actor=world["head"], kid=key.kid, reason="again")
    with pytest.raises(InvalidInput) as exc:
        services.do_revoke_seal_key(actor=world["head"], kid=key.kid, reason=" ")
    assert exc.value.problems[0].field == "reason"
    assert counts() == before
    fresh = issue_food(world)
    assert fresh.seal_key != key and services.verify_licence(fresh.identifier).valid


def test_only_the_departments_admin_or_the_platform_manages_keys(world):
    issue_business(world)
    before = counts()
    for actor in (world["officer"], world["clerk"], world["jianghan_officer"]):
        with pytest.raises(Forbidden):
            services.do_rotate_seal_key(actor=actor, department=world["jiangxia"].pk)
    with pytest.raises(InvalidInput) as exc:
        services.do_rotate_seal_key(
            actor=world["head"], department=world["jiangxia"].pk, compromised="x" * 201
        )
    assert exc.value.problems[0].field == "compromised"
    assert counts() == before
    assert services.do_rotate_seal_key(actor=world["platform"], department=world["jiangxia"].pk).kid


def test_the_private_key_is_encrypted_and_never_shown(world):
    licence = issue_business(world)
    key = SealKey.objects.get(pk=licence.seal_key_id)
    assert (
        key.private_key_enc.startswith(f"sm4gcm2:{settings.KEY_ENCRYPTION_KEY_ID}:")
        and "PRIVATE KEY" not in key.private_key_enc
    )
    assert key.private_key_enc not in repr(key) and key.private_key_enc not in str(key)
    for event in AuditEvent.objects.filter(action__startswith="licences.seal"):
        assert "private" not in str(event.data).lower()


def test_state_and_period_reasons(world, today):
    licence = issue_food(world)
    services.do_suspend_licence(actor=world["officer"], identifier=licence.identifier, reason="责令停业整顿")
    assert reasons(licence.identifier) == [R.SUSPENDED]
    services.do_revoke_licence(actor=world["officer"], identifier=licence.identifier, reason="吊销")
    assert reasons(licence.identifier) == [R.REVOKED]
    later = issue_food(world)
    # The period ended but the tick has not run yet.
    assert reasons(later.identifier, on=later.valid_until + dt.timedelta(days=1)) == [R.EXPIRED]
    assert reasons(later.identifier, on=later.valid_until) == []
    felling = services.do_issue_licence(
        actor="system:test",
        type_code=CODES["林木采伐许可证"],
        issuer=world["forestry"].pk,
        holder_name="向明",
        holder_code=PERSON_ID,
        face={
            "felling_location": "恩施市龙凤镇青堡村",
            "forest_category": "商品林",
            "tree_species": "杉木",
            "felling_method": "择伐",
            "felling_area": "1",
            "volume": "10",
            "regeneration_deadline": "2027-12-31",
        },
        valid_from=TODAY + dt.timedelta(days=10),
        valid_until=TODAY + dt.timedelta(days=100),
    )
    assert reasons(felling.identifier) == [R.NOT_YET_VALID]


def test_unknown_and_malformed_identifiers(world):
    ident = build_identifier(
        type_code=CODES["营业执照"], issuer_code=world["jiangxia"].credit_code, serial="99999999", version=1
    )
    result = services.verify_licence(ident)
    assert not result.valid and result.codes == [R.NOT_FOUND] and result.licence is None
    with pytest.raises(InvalidInput) as exc:
        services.verify_licence(ident[:-1] + ("0" if ident[-1] != "0" else "1"), field="q")
    assert exc.value.problems[0].field == "q" and "校验位" in exc.value.problems[0].message


# --- Issue 10 §6: seal keys under the key-encryption key; ciphertexts bound to their row.


def test_a_seal_private_key_is_under_the_key_encryption_key_and_bound_to_its_kid(world):
    from tongban.core import crypto

    licence = issue_business(world)
    key = SealKey.objects.get(pk=licence.seal_key_id)
    with pytest.raises(ValueError):  # the personal-data key cannot open it
        crypto.decrypt(key.private_key_enc, keyring="personal", context=SEAL_PRIVATE_KEY.context(key))
    # Copied onto another key's row, the private key does not decrypt: that row cannot sign.
    other = seals.do_rotate_seal_key(actor=world["platform"], department=world["jiangxia"].pk)
    SealKey.objects.filter(pk=other.pk).update(private_key_enc=key.private_key_enc)
    other.refresh_from_db()
    with pytest.raises(ValueError, match="failed authentication"):
        seals.sign_bytes(other, b"message")


def test_a_holder_code_ciphertext_copied_from_another_licence_is_unreadable(world):
    first, second = issue_marriage(world), issue_business(world)
    tamper(second, holder_code_enc=first.holder_code_enc)
    assert reasons(second.identifier) == [R.CONTENT_UNREADABLE]
    with pytest.raises(ValueError, match="failed authentication"):
        LICENCE_HOLDER_CODE.read(Licence.objects.get(pk=second.pk))
