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


# --- Data at rest (个人信息保护, 密钥保护): SM4-GCM bound to its row and column, and blind indexes.
#
# Two keyrings: "personal" (PERSONAL_DATA_KEY: ID numbers, mobiles, addresses, forms, licence
# faces) and "kek", the key-encryption key (KEY_ENCRYPTION_KEY: e-seal and OIDC signing private
# keys, TOTP secrets). Each has a current key, named by its id, and retired keys that still
# decrypt (*_KEYS_OLD, "id:hex").
#
# A stored ciphertext is "sm4gcm2:<key id>:<base64(nonce | ciphertext | tag)>", and its GCM
# associated data is the context of where it is stored ("<model>/<column>/<row id>", see
# `core.encrypted`): copied to another row or column it fails to decrypt. Values written before
# contexts existed ("sm4gcm:<key id>:...", personal keyring, no associated data) still decrypt;
# `manage.py keys rotate` rewrites them in the current form. Lookups never decrypt: they compare
# the HMAC-SM3 blind index of the normalised value, under a separate key.

V1_PREFIX = "sm4gcm"  # no associated data, personal keyring (legacy)
V2_PREFIX = "sm4gcm2"
KEYRINGS = {
    "personal": ("PERSONAL_DATA_KEY", "PERSONAL_DATA_KEY_ID", "PERSONAL_DATA_KEYS_OLD"),
    "kek": ("KEY_ENCRYPTION_KEY", "KEY_ENCRYPTION_KEY_ID", "KEY_ENCRYPTION_KEYS_OLD"),
}


def current_key_id(keyring: str) -> str:
    return getattr(settings, KEYRINGS[keyring][1])


def keyring_keys(keyring: str) -> dict[str, bytes]:
    """Every key of the keyring that can decrypt: the current one and the retired ones."""
    key_name, id_name, old_name = KEYRINGS[keyring]
    keys = {}
    for entry in getattr(settings, old_name):
        key_id, _, hexkey = entry.partition(":")
        keys[key_id.strip()] = bytes.fromhex(hexkey.strip())
    keys[getattr(settings, id_name)] = bytes.fromhex(getattr(settings, key_name))
    return keys


def ciphertext_key(stored: str) -> tuple[str, str]:
    """(format prefix, key id) of a stored ciphertext, without decrypting it."""
    prefix, key_id, _ = [*stored.split(":", 2), "", ""][:3]
    return prefix, key_id


def encrypt(plaintext: str, *, keyring: str, context: str) -> str:
    """SM4-GCM under the keyring's current key, bound to `context` (associated data)."""
    key_id = current_key_id(keyring)
    key = keyring_keys(keyring)[key_id]
    nonce = os.urandom(12)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(context.encode())
    body = enc.update(plaintext.encode()) + enc.finalize()
    blob = base64.b64encode(nonce + body + enc.tag).decode()
    return f"{V2_PREFIX}:{key_id}:{blob}"


def decrypt(stored: str, *, keyring: str, context: str) -> str:
    """Decrypt a value written by `encrypt` for this context (or a legacy one); ValueError when
    it was altered, moved to another row or column, or its key is unknown."""
    prefix, key_id = ciphertext_key(stored)
    if prefix == V2_PREFIX:
        key, aad = keyring_keys(keyring).get(key_id), context.encode()
    elif prefix == V1_PREFIX:
        key, aad = keyring_keys("personal").get(key_id), b""
    else:
        raise ValueError("unknown ciphertext format")
    if key is None:
        raise ValueError(f"unknown key id {key_id!r}")
    try:
        raw = base64.b64decode(stored.split(":", 2)[2], validate=True)
    except ValueError as exc:
        raise ValueError("ciphertext is not base64") from exc
    if len(raw) < 28:
        raise ValueError("ciphertext too short")
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    if aad:
        dec.authenticate_additional_data(aad)
    try:
        return (dec.update(body) + dec.finalize()).decode()
    except InvalidTag as exc:
        raise ValueError("ciphertext failed authentication (altered, moved, or wrong key)") from exc


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
    current = current_key_id("personal")
    key, key_id = keyring_keys("personal")[current], current.encode()
    nonce = os.urandom(12)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(data) + enc.finalize()
    return SEALED_MAGIC + bytes([len(key_id)]) + key_id + nonce + body + enc.tag


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(SEALED_MAGIC)


def sealed_key_id(blob: bytes) -> str:
    """The id of the key a sealed blob is under (its header: a prefix of the blob is enough);
    ValueError when `blob` does not begin a sealed blob."""
    if not is_sealed(blob) or len(blob) <= len(SEALED_MAGIC):
        raise ValueError("not a sealed blob")
    n = blob[len(SEALED_MAGIC)]
    key_id = blob[len(SEALED_MAGIC) + 1 : len(SEALED_MAGIC) + 1 + n]
    if len(key_id) != n:
        raise ValueError("truncated sealed blob")
    return key_id.decode()


def open_sealed(blob: bytes, *, aad: bytes) -> bytes:
    """The bytes `seal_bytes` sealed; ValueError when altered, moved or under an unknown key."""
    key_id = sealed_key_id(blob)
    rest = blob[len(SEALED_MAGIC) + 1 + len(key_id.encode()) :]
    key = keyring_keys("personal").get(key_id)
    if key is None or len(rest) < 28:
        raise ValueError("unknown key or truncated sealed blob")
    nonce, body, tag = rest[:12], rest[12:-16], rest[-16:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise ValueError("sealed blob failed authentication") from exc
