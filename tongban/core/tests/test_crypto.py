"""Data at rest: SM4-GCM encryption bound to its context, with key rotation, keyed blind indexes,
SM3."""

from __future__ import annotations

import base64

import pytest

from tongban.core import crypto
from tongban.core.crypto import blind_index, hmac_sm3_hex, sm3_hex

CONTEXT = "accounts.user/id_number_enc/some-row"


def encrypt_personal(plaintext: str, context: str = CONTEXT) -> str:
    return crypto.encrypt(plaintext, keyring="personal", context=context)


def decrypt_personal(stored: str, context: str = CONTEXT) -> str:
    return crypto.decrypt(stored, keyring="personal", context=context)


OLD_KEY = "00112233445566778899aabbccddeeff"
NEW_KEY = "ffeeddccbbaa99887766554433221100"


def test_sm3_known_answer():
    # GB/T 32905-2016, example 1: SM3("abc").
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_encrypt_round_trip_and_random_nonce(settings):
    a, b = encrypt_personal("420102199001011234"), encrypt_personal("420102199001011234")
    assert a != b  # a fresh nonce each time: equal values do not look equal at rest
    assert a.startswith(f"sm4gcm2:{settings.PERSONAL_DATA_KEY_ID}:") and "420102199001011234" not in a
    assert decrypt_personal(a) == decrypt_personal(b) == "420102199001011234"
    assert decrypt_personal(encrypt_personal("张三")) == "张三"


@pytest.mark.parametrize("position", [0, 5, 12, 20, -1])
def test_a_tampered_ciphertext_is_refused(position):
    stored = encrypt_personal("13812345678")
    prefix, key_id, blob = stored.split(":", 2)
    raw = bytearray(base64.b64decode(blob))
    raw[position] ^= 0x01
    tampered = f"{prefix}:{key_id}:{base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(ValueError):
        decrypt_personal(tampered)


@pytest.mark.parametrize(
    "stored", ["", "plain text", "aes:k1:AAAA", "sm4gcm:nokey:AAAA", "sm4gcm2:nokey:AAAA", "sm4gcm2:x:%%%"]
)
def test_unknown_format_or_key_is_refused(stored):
    with pytest.raises(ValueError):
        decrypt_personal(stored)


def test_key_rotation(settings):
    settings.PERSONAL_DATA_KEY, settings.PERSONAL_DATA_KEY_ID = OLD_KEY, "k2024"
    old = encrypt_personal("420102199001011234")
    settings.PERSONAL_DATA_KEY, settings.PERSONAL_DATA_KEY_ID = NEW_KEY, "k2026"
    with pytest.raises(ValueError):  # the old key is gone
        decrypt_personal(old)
    settings.PERSONAL_DATA_KEYS_OLD = [f"k2024:{OLD_KEY}"]
    assert decrypt_personal(old) == "420102199001011234"
    new = encrypt_personal("420102199001011234")
    assert new.startswith("sm4gcm2:k2026:") and decrypt_personal(new) == "420102199001011234"
    # A value re-keyed under the old id but with another key fails authentication.
    settings.PERSONAL_DATA_KEYS_OLD = [f"k2024:{NEW_KEY}"]
    with pytest.raises(ValueError):
        decrypt_personal(old)


def test_blind_index_is_keyed_normalised_and_namespaced(settings):
    a = blind_index("42010219900101123x", purpose="id")
    assert a == blind_index(" 42010219900101123X ", purpose="id")
    assert len(a) == 64 and int(a, 16) >= 0
    assert a != blind_index("42010219900101123X", purpose="login")
    assert a != sm3_hex(b"id:42010219900101123X")  # keyed, not a plain hash
    assert a == hmac_sm3_hex(bytes.fromhex(settings.BLIND_INDEX_KEY), b"id:42010219900101123X")
    settings.BLIND_INDEX_KEY = "00" * 32
    assert blind_index("42010219900101123X", purpose="id") != a


# --- Issue 10 §6: each ciphertext is bound to its row and column (AEAD associated data).


def test_a_ciphertext_moved_to_another_row_or_column_does_not_decrypt():
    stored = encrypt_personal("420102199001011234", "accounts.user/id_number_enc/row-a")
    assert decrypt_personal(stored, "accounts.user/id_number_enc/row-a") == "420102199001011234"
    for elsewhere in ("accounts.user/id_number_enc/row-b", "accounts.user/mobile_enc/row-a"):
        with pytest.raises(ValueError, match="failed authentication"):
            decrypt_personal(stored, elsewhere)


def test_the_key_encryption_key_is_not_the_personal_data_key(settings):
    settings.KEY_ENCRYPTION_KEY, settings.KEY_ENCRYPTION_KEY_ID = NEW_KEY, "kek9"
    settings.PERSONAL_DATA_KEY, settings.PERSONAL_DATA_KEY_ID = OLD_KEY, "pd9"
    stored = crypto.encrypt("seal private key", keyring="kek", context=CONTEXT)
    assert stored.startswith("sm4gcm2:kek9:")
    assert crypto.decrypt(stored, keyring="kek", context=CONTEXT) == "seal private key"
    with pytest.raises(ValueError, match="unknown key id"):  # the personal keyring cannot open it
        crypto.decrypt(stored, keyring="personal", context=CONTEXT)


def test_a_legacy_ciphertext_without_context_still_decrypts(settings):
    """Values written before contexts existed ("sm4gcm:<id>:", personal key, no associated data)."""
    settings.PERSONAL_DATA_KEY, settings.PERSONAL_DATA_KEY_ID = OLD_KEY, "k1"
    nonce = bytes(range(12))
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    enc = Cipher(algorithms.SM4(bytes.fromhex(OLD_KEY)), modes.GCM(nonce)).encryptor()
    body = enc.update(b"13812345678") + enc.finalize()
    legacy = "sm4gcm:k1:" + base64.b64encode(nonce + body + enc.tag).decode()
    assert crypto.ciphertext_key(legacy) == ("sm4gcm", "k1")
    assert crypto.decrypt(legacy, keyring="personal", context="anything") == "13812345678"
