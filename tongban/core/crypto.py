"""National cryptography helpers (SM3 through `cryptography`, which binds OpenSSL's C code)."""

from __future__ import annotations

import base64
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings


def sm3_hex(data: bytes) -> str:
    """SM3 digest (GB/T 32905-2016) as 64 lowercase hex characters."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3_hex(key: bytes, data: bytes) -> str:
    """HMAC-SM3, used for keyed blind indexes of personal identifiers."""
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- Personal data at rest (个人信息保护): SM4-GCM encryption and keyed blind indexes.
#
# A stored ciphertext is "sm4gcm:<key id>:<base64(nonce | ciphertext | tag)>", so keys can be
# rotated: new values use PERSONAL_DATA_KEY, old ones still decrypt with the key of their id
# listed in PERSONAL_DATA_KEYS_OLD. Lookups never decrypt: they compare the HMAC-SM3 blind
# index of the normalised value, under a separate key.

_SM4_PREFIX = "sm4gcm"


def _sm4_keys() -> dict[str, bytes]:
    keys = {settings.PERSONAL_DATA_KEY_ID: bytes.fromhex(settings.PERSONAL_DATA_KEY)}
    for entry in settings.PERSONAL_DATA_KEYS_OLD:
        key_id, _, hexkey = entry.partition(":")
        keys[key_id] = bytes.fromhex(hexkey)
    return keys


def encrypt_personal(plaintext: str) -> str:
    """Encrypt a personal identifier with SM4-GCM under the current key."""
    key = bytes.fromhex(settings.PERSONAL_DATA_KEY)
    nonce = os.urandom(12)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    body = enc.update(plaintext.encode()) + enc.finalize()
    blob = base64.b64encode(nonce + body + enc.tag).decode()
    return f"{_SM4_PREFIX}:{settings.PERSONAL_DATA_KEY_ID}:{blob}"


def decrypt_personal(stored: str) -> str:
    """Decrypt a value written by `encrypt_personal`; raises ValueError when it was altered."""
    prefix, key_id, blob = [*stored.split(":", 2), "", ""][:3]
    key = _sm4_keys().get(key_id)
    if prefix != _SM4_PREFIX or key is None:
        raise ValueError("unknown ciphertext format or key")
    raw = base64.b64decode(blob)
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    try:
        return (dec.update(body) + dec.finalize()).decode()
    except InvalidTag as exc:
        raise ValueError("ciphertext failed authentication") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SM3 of a normalised identifier, namespaced by purpose ("id", "mobile", "login")."""
    normalised = value.strip().upper()
    return hmac_sm3_hex(bytes.fromhex(settings.BLIND_INDEX_KEY), f"{purpose}:{normalised}".encode())
