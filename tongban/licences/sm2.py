"""SM2 signatures with SM3 (GB/T 32918, GB/T 35276) through `tongsuopy`.

`tongsuopy` is the Tongsuo project's Python binding: Tongsuo (铜锁, formerly BabaSSL, an
OpenSSL fork with the national algorithms) compiled into an abi3 wheel, so it needs no system
library. This is the only module that imports it; everything else deals in bytes and hex.

- Signing hashes e = SM3(Z || M), where Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)
  binds the signer's public key and the default user ID ``1234567812345678`` (GB/T 35276).
- Signatures are DER ``SEQUENCE { r INTEGER, s INTEGER }`` (GM/T 0009), as OpenSSL writes them.
- Public keys are the uncompressed point ``04 || x || y`` as 130 hex characters.
- Private keys travel as PKCS#8 PEM text and are only ever held encrypted at rest by callers.

OpenSSL 3's command line signs with an *empty* ID unless told otherwise: pass
``-pkeyopt distid:1234567812345678`` (or ``-sigopt`` with ``dgst``) to interoperate.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InternalError, InvalidSignature

DEFAULT_USER_ID = b"1234567812345678"
CURVE_ORDER = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
ALGORITHM = "SM2-with-SM3"


@dataclass(frozen=True)
class KeyPair:
    private_pem: str  # PKCS#8, unencrypted: encrypt before storing
    public_hex: str  # 04 || x || y


def _public_hex(public_key) -> str:
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return point.hex().upper()


def _private_pem(private_key) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def generate_keypair() -> KeyPair:
    key = ec.generate_private_key(ec.SM2())
    return KeyPair(_private_pem(key), _public_hex(key.public_key()))


def keypair_from_private_value(d: int) -> KeyPair:
    """The key pair of a given private value (test vectors only)."""
    key = ec.derive_private_key(d, ec.SM2())
    return KeyPair(_private_pem(key), _public_hex(key.public_key()))


def public_hex_of(private_pem: str) -> str:
    return _public_hex(serialization.load_pem_private_key(private_pem.encode(), password=None).public_key())


def public_pem(public_hex: str) -> str:
    """SubjectPublicKeyInfo PEM of a public key (for `openssl` and other verifiers)."""
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), bytes.fromhex(public_hex))
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def sign(private_pem: str, message: bytes) -> bytes:
    """A DER SM2 signature of `message` (SM3 over Z with the default user ID, then M)."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.sign(message, ec.ECDSA(hashes.SM3()))


def signature_values(signature: bytes) -> tuple[int, int] | None:
    """(r, s) of a strict DER signature with both values in [1, n-1], else None."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return None
    if not (0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER) or encode_dss_signature(r, s) != signature:
        return None
    return r, s


def verify(public_hex: str, message: bytes, signature: bytes) -> bool:
    """Whether `signature` (DER) is a valid SM2 signature of `message` under the public key."""
    if signature_values(signature) is None:
        return False
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), bytes.fromhex(public_hex))
        key.verify(signature, message, ec.ECDSA(hashes.SM3()))
    except (InvalidSignature, InternalError, ValueError):
        return False
    return True
