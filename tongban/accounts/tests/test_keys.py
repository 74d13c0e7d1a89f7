"""Issue 10 §6: accounts' encrypted columns are bound to their row and column, the secrets that
are keys (TOTP seeds, OIDC signing keys) are under the key-encryption key, and `manage.py keys
rotate` re-encrypts everything, resumably, after which the old key can be retired."""

from __future__ import annotations

import base64
import os
import secrets

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.management import CommandError, call_command

from tongban.accounts import oidc, services
from tongban.accounts.models import (
    SIGNING_KEY_PRIVATE,
    USER_ID_NUMBER,
    USER_MOBILE,
    USER_TOTP_SECRET,
    SigningKey,
    User,
)
from tongban.core import crypto, rotation
from tongban.core.models import AuditEvent, KeyRotationCheckpoint

from .services_support import SYSTEM, id_number, last_seq, mobile, person, snapshot, staff

pytestmark = pytest.mark.django_db
TOTP = "JBSWY3DPEHPK3PXP" + "A" * 16


@pytest.fixture
def env_keys(settings):
    """Keys as production has them (from the environment), fresh for the test."""
    settings.PERSONAL_DATA_KEY, settings.PERSONAL_DATA_KEY_ID = secrets.token_hex(16), "pd-1"
    settings.KEY_ENCRYPTION_KEY, settings.KEY_ENCRYPTION_KEY_ID = secrets.token_hex(16), "kek-1"
    settings.PERSONAL_DATA_KEYS_OLD, settings.KEY_ENCRYPTION_KEYS_OLD = [], []
    settings.KEY_SOURCES = {
        **settings.KEY_SOURCES,
        "PERSONAL_DATA_KEY": "environment",
        "KEY_ENCRYPTION_KEY": "environment",
    }
    return settings


def new_keys(settings) -> None:
    """The operator's rotation: new current keys, the old ones listed as retired."""
    settings.PERSONAL_DATA_KEYS_OLD = [f"pd-1:{settings.PERSONAL_DATA_KEY}"]
    settings.KEY_ENCRYPTION_KEYS_OLD = [f"kek-1:{settings.KEY_ENCRYPTION_KEY}"]
    settings.PERSONAL_DATA_KEY, settings.PERSONAL_DATA_KEY_ID = secrets.token_hex(16), "pd-2"
    settings.KEY_ENCRYPTION_KEY, settings.KEY_ENCRYPTION_KEY_ID = secrets.token_hex(16), "kek-2"


def legacy(plaintext: str, key_hex: str, key_id: str) -> str:
    """A ciphertext as earlier releases wrote it: no associated data, personal keyring."""
    nonce = os.urandom(12)
    enc = Cipher(algorithms.SM4(bytes.fromhex(key_hex)), modes.GCM(nonce)).encryptor()
    body = enc.update(plaintext.encode()) + enc.finalize()
    return f"sm4gcm:{key_id}:" + base64.b64encode(nonce + body + enc.tag).decode()


# --- Row and column binding ------------------------------------------------------------------


def test_an_id_number_copied_to_another_account_does_not_decrypt(env_keys):
    a, b = person(1, level=2), person(2, level=2)
    User.objects.filter(pk=b.pk).update(id_number_enc=a.id_number_enc)
    b.refresh_from_db()
    with pytest.raises(ValueError, match="failed authentication"):
        services.reveal_id_number(b)
    # ... nor in another column of the same row (the mobile's place).
    a.refresh_from_db()
    with pytest.raises(ValueError, match="failed authentication"):
        USER_MOBILE.decrypt(a.id_number_enc, a)
    assert services.reveal_id_number(a) == id_number(1)


def test_totp_secrets_and_signing_keys_are_under_the_key_encryption_key(env_keys):
    clerk = staff("keys-clerk")
    key = oidc.do_rotate_signing_key(actor=SYSTEM)
    clerk.refresh_from_db()
    key.refresh_from_db()
    assert clerk.totp_secret_enc.startswith("sm4gcm2:kek-1:")
    assert key.private_pem_enc.startswith("sm4gcm2:kek-1:")
    assert USER_TOTP_SECRET.read(clerk) == TOTP
    assert "PRIVATE KEY" in SIGNING_KEY_PRIVATE.read(key)
    # The personal-data key cannot open them, and neither moves to another row.
    with pytest.raises(ValueError):
        crypto.decrypt(clerk.totp_secret_enc, keyring="personal", context=USER_TOTP_SECRET.context(clerk))
    other = oidc.do_rotate_signing_key(actor=SYSTEM)
    with pytest.raises(ValueError, match="failed authentication"):
        SIGNING_KEY_PRIVATE.decrypt(key.private_pem_enc, other)


# --- Rotation ---------------------------------------------------------------------------------


def test_keys_rotate_re_encrypts_every_column_resumably_and_the_old_key_retires(env_keys, capsys):
    people = [person(n, level=2) for n in range(1, 4)]
    clerk = staff("keys-clerk")
    oidc.do_rotate_signing_key(actor=SYSTEM)
    # One account still holds a value from before contexts existed.
    User.objects.filter(pk=people[0].pk).update(
        mobile_enc=legacy(mobile(1), env_keys.PERSONAL_DATA_KEY, "pd-1")
    )
    new_keys(env_keys)
    with pytest.raises(CommandError, match="pd-1 is still used"):
        call_command("keys", "retire", "pd-1")

    seq = last_seq()
    call_command("keys", "rotate", "--batch-size", "1", "--max-batches", "2", "--no-progress")
    assert "to be continued" in capsys.readouterr().out
    partial = {c.column: c.last_pk for c in KeyRotationCheckpoint.objects.all()}
    assert sum(1 for pk in partial.values() if pk) >= 1
    assert AuditEvent.objects.filter(seq__gt=seq, action="core.keys.rotate").count() == 2

    call_command("keys", "rotate", "--no-progress")  # resumes from the checkpoints
    assert "Every encrypted column is under the current keys." in capsys.readouterr().out
    events = list(AuditEvent.objects.filter(seq__gt=seq, action="core.keys.rotate").order_by("seq"))
    # No batch was done twice: the (column, first pk) of every batch is unique.
    firsts = [(e.object_id, e.data["from_pk"]) for e in events]
    assert len(firsts) == len(set(firsts))

    # Every ciphertext is under the new keys, in the bound form, and reads the same.
    usage = rotation.usage()
    for label, counter in usage.items():
        for name in counter:
            assert name in ("sm4gcm2:pd-2", "sm4gcm2:kek-2"), (label, name)
    assert usage["accounts.user.mobile_enc"]["sm4gcm2:pd-2"] == 3
    env_keys.PERSONAL_DATA_KEYS_OLD, env_keys.KEY_ENCRYPTION_KEYS_OLD = [], []  # the old keys are gone
    for n, user in enumerate(people, start=1):
        user.refresh_from_db()
        assert (services.reveal_id_number(user), USER_MOBILE.read(user)) == (id_number(n), mobile(n))
    clerk.refresh_from_db()
    assert USER_TOTP_SECRET.read(clerk) == TOTP
    assert "PRIVATE KEY" in SIGNING_KEY_PRIVATE.read(SigningKey.objects.get())
    call_command("keys", "retire", "pd-1")
    assert "used by no ciphertext" in capsys.readouterr().out


def test_a_rotation_stopped_by_an_unreadable_value_changes_nothing_in_that_batch_and_resumes(env_keys):
    people = [person(n) for n in range(1, 5)]
    new_keys(env_keys)
    broken = people[2]
    User.objects.filter(pk=broken.pk).update(mobile_enc=people[1].mobile_enc)  # moved: unreadable
    before = snapshot(broken)
    with pytest.raises(
        CommandError, match=rf"accounts.user.mobile_enc pk={broken.pk}: .*failed authentication"
    ):
        call_command("keys", "rotate", "--batch-size", "1", "--no-progress")
    assert snapshot(broken) == before
    checkpoint = KeyRotationCheckpoint.objects.get(column="accounts.user.mobile_enc")
    assert checkpoint.last_pk == people[1].pk and checkpoint.done_at is None
    # Repaired (here: the person gives the number again), the run continues where it stopped.
    services.set_mobile(broken, mobile(3))
    broken.save(update_fields=["mobile_enc"])
    seq = last_seq()
    call_command("keys", "rotate", "--no-progress")
    first = (
        AuditEvent.objects.filter(seq__gt=seq, object_id="accounts.user.mobile_enc").order_by("seq").first()
    )
    assert first.data["from_pk"] == broken.pk
    assert rotation.columns_using("pd-1") == {}


def test_keys_rotate_new_key_in_the_key_file(settings, tmp_path):
    """The demo's keys live in a file: --new-key makes new ones there, keeps the old ones as
    retired, and `retire` removes them once nothing uses them."""
    from tongban.core import keyfile

    path = tmp_path / "keys.env"
    values = keyfile.load_or_create(path)
    for name in ("PERSONAL_DATA_KEY", "PERSONAL_DATA_KEY_ID", "KEY_ENCRYPTION_KEY", "KEY_ENCRYPTION_KEY_ID"):
        setattr(settings, name, values[name])
    settings.PERSONAL_DATA_KEYS_OLD, settings.KEY_ENCRYPTION_KEYS_OLD = [], []
    settings.KEYS_FILE = path
    settings.KEY_SOURCES = {
        **settings.KEY_SOURCES,
        "PERSONAL_DATA_KEY": "generated",
        "KEY_ENCRYPTION_KEY": "generated",
    }
    user = person(1, level=2)
    old_id = values["PERSONAL_DATA_KEY_ID"]
    call_command("keys", "rotate", "--new-key", "--no-progress")
    after = keyfile.parse(path.read_text())
    assert after["PERSONAL_DATA_KEY_ID"] != old_id
    assert after["PERSONAL_DATA_KEYS_OLD"] == f"{old_id}:{values['PERSONAL_DATA_KEY']}"
    user.refresh_from_db()
    assert user.id_number_enc.startswith(f"sm4gcm2:{after['PERSONAL_DATA_KEY_ID']}:")
    call_command("keys", "retire", old_id)
    assert keyfile.parse(path.read_text())["PERSONAL_DATA_KEYS_OLD"] == ""
    assert USER_ID_NUMBER.read(user) == id_number(1)
