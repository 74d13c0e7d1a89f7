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


# --- Bytes at rest (uploaded files): SM4-GCM under the personal-data key, bound to a context.
#
# A sealed blob is MAGIC | key id length (1 byte) | key id | nonce (12) | ciphertext | tag (16).
# `aad` (additional authenticated data) names what the bytes belong to (a file's storage name):
# the same ciphertext moved elsewhere fails authentication.

SEALED_MAGIC = b"TBSM4G1\n"


def seal_bytes(data: bytes, *, aad: bytes) -> bytes:
    key_id = settings.PERSONAL_DATA_KEY_ID.encode()
    key = bytes.fromhex(settings.PERSONAL_DATA_KEY)
    nonce = os.urandom(12)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(data) + enc.finalize()
    return SEALED_MAGIC + bytes([len(key_id)]) + key_id + nonce + body + enc.tag


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(SEALED_MAGIC)


def open_sealed(blob: bytes, *, aad: bytes) -> bytes:
    """The bytes `seal_bytes` sealed; ValueError when altered, moved or under an unknown key."""
    if not is_sealed(blob):
        raise ValueError("not a sealed blob")
    rest = blob[len(SEALED_MAGIC) :]
    if not rest:
        raise ValueError("truncated sealed blob")
    n = rest[0]
    key_id, rest = rest[1 : 1 + n].decode(), rest[1 + n :]
    key = _sm4_keys().get(key_id)
    if key is None or len(rest) < 28:
        raise ValueError("unknown key or truncated sealed blob")
    nonce, body, tag = rest[:12], rest[12:-16], rest[-16:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise ValueError("sealed blob failed authentication") from exc
