"""The SM2 library (tongsuopy) against the standard's example and two independent implementations:
the pure-Python `gmssl` package and Debian's `openssl` command (OpenSSL 3). Sign with one,
verify with the other, both directions."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from gmssl import sm2 as gmssl_sm2

from .. import sm2

# GB/T 32918.5-2017 (SM2, part 5: parameters), appendix A: the signature example on the
# recommended curve. User ID "1234567812345678", message "message digest".
STD_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
STD_X = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
STD_Y = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
STD_ZA = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
STD_E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
STD_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
STD_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
STD_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"
STD_M = b"message digest"

# The recommended curve (GB/T 32918.5): a, b, G.
CURVE_A = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"
CURVE_B = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"
CURVE_GX = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
CURVE_GY = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"

MESSAGES = [b"", b"message digest", "营业执照 武汉鑫达恒通商贸有限公司".encode(), os.urandom(1000)]


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())  # OpenSSL's SM3 through `cryptography`: not tongsuopy
    digest.update(data)
    return digest.finalize()


def der(r_hex: str, s_hex: str) -> bytes:
    return encode_dss_signature(int(r_hex, 16), int(s_hex, 16))


def raw_hex(signature: bytes) -> str:
    r, s = decode_dss_signature(signature)
    return f"{r:064x}{s:064x}"


def random_pair() -> tuple[str, sm2.KeyPair]:
    """A fresh key pair whose private value the test knows (to hand to gmssl). gmssl strips a
    public key's "04" prefix with `lstrip("04")`, which also eats an x coordinate's own leading
    0s and 4s: a key whose x starts with "04" (1 in 256) is drawn again."""
    while True:
        d = secrets.randbelow(sm2.CURVE_ORDER - 2) + 1
        pair = sm2.keypair_from_private_value(d)
        if not pair.public_hex.removeprefix("04").startswith("04"):
            return f"{d:064x}", pair


def pure(*, d: str, public: str) -> gmssl_sm2.CryptSM2:
    return gmssl_sm2.CryptSM2(private_key=d.lower(), public_key=public.removeprefix("04").lower())


# --- The standard's example ----------------------------------------------------------------------


def test_standard_key_pair():
    pair = sm2.keypair_from_private_value(int(STD_D, 16))
    assert pair.public_hex == "04" + STD_X + STD_Y
    assert sm2.public_hex_of(pair.private_pem) == pair.public_hex


def test_standard_z_value_and_message_digest():
    """Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), e = SM3(Z || M), as documented."""
    user_id = sm2.DEFAULT_USER_ID
    z = sm3(
        (len(user_id) * 8).to_bytes(2, "big")
        + user_id
        + bytes.fromhex(CURVE_A + CURVE_B + CURVE_GX + CURVE_GY + STD_X + STD_Y)
    )
    assert z.hex().upper() == STD_ZA
    assert sm3(z + STD_M).hex().upper() == STD_E


def test_the_library_verifies_the_standard_signature():
    public = "04" + STD_X + STD_Y
    assert sm2.verify(public, STD_M, der(STD_R, STD_S))
    assert not sm2.verify(public, b"message digesT", der(STD_R, STD_S))
    assert not sm2.verify(public, STD_M, der(STD_R, f"{int(STD_S, 16) ^ 1:064X}"))
    assert not sm2.verify(public, STD_M, der(STD_S, STD_R))


def test_the_independent_implementation_reproduces_the_standard_signature():
    """With the example's random k, gmssl's signature is the published (r, s)."""
    signer = pure(d=STD_D, public=STD_X + STD_Y)
    assert signer.sign_with_sm3(STD_M, STD_K.lower()).upper() == STD_R + STD_S
    assert signer.verify_with_sm3((STD_R + STD_S).lower(), STD_M)


def test_the_library_signs_so_that_the_standard_key_verifies():
    pair = sm2.keypair_from_private_value(int(STD_D, 16))
    signature = sm2.sign(pair.private_pem, STD_M)
    assert sm2.verify("04" + STD_X + STD_Y, STD_M, signature)
    assert pure(d=STD_D, public=STD_X + STD_Y).verify_with_sm3(raw_hex(signature), STD_M)


def test_malformed_signatures_are_invalid_not_errors():
    pair = sm2.generate_keypair()
    good = sm2.sign(pair.private_pem, b"x")
    r, s = decode_dss_signature(good)
    for bad in (
        b"",
        b"garbage",
        good[:-1],
        good + b"\x00",
        encode_dss_signature(0, s),
        encode_dss_signature(r, 0),
    ):
        assert not sm2.verify(pair.public_hex, b"x", bad)
    assert not sm2.verify("04" + "00" * 64, b"x", good)  # not a point on the curve


# --- tongsuopy <-> gmssl (pure Python) ------------------------------------------------------------


def gmssl_verdicts(d, pair, message: bytes) -> tuple[bool, bool]:
    """gmssl's verdict on a fresh library signature of `message`, and on the same signature
    over `message + b"!"`. gmssl's point multiplication crashes (TypeError) on some scalars of
    a verification; a new signature (a new random k) gives other scalars, so try a few."""
    for _ in range(8):
        signature = raw_hex(sm2.sign(pair.private_pem, message))
        checker = pure(d=d, public=pair.public_hex)
        try:
            return checker.verify_with_sm3(signature, message), checker.verify_with_sm3(
                signature, message + b"!"
            )
        except TypeError:
            continue
    raise AssertionError("gmssl could not check eight signatures in a row")


@pytest.mark.parametrize("message", MESSAGES, ids=["empty", "ascii", "utf8", "random"])
def test_library_signatures_verify_with_gmssl(message):
    d, pair = random_pair()
    assert gmssl_verdicts(d, pair, message) == (True, False)


@pytest.mark.parametrize("message", MESSAGES, ids=["empty", "ascii", "utf8", "random"])
def test_gmssl_signatures_verify_with_the_library(message):
    d, pair = random_pair()
    raw = pure(d=d, public=pair.public_hex).sign_with_sm3(message)
    assert sm2.verify(pair.public_hex, message, der(raw[:64], raw[64:]))
    assert not sm2.verify(pair.public_hex, message + b"!", der(raw[:64], raw[64:]))


# --- tongsuopy <-> openssl (Debian's OpenSSL 3 command) --------------------------------------------

OPENSSL = shutil.which("openssl")
DISTID = "distid:" + sm2.DEFAULT_USER_ID.decode()


def _openssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([OPENSSL, *args], capture_output=True, check=False)  # noqa: S603


@pytest.fixture
def openssl_files(tmp_path):
    if OPENSSL is None or _openssl("list", "-public-key-algorithms").stdout.find(b"SM2") < 0:
        pytest.skip("the openssl command with SM2 is not installed")
    pair = sm2.generate_keypair()
    files = {name: tmp_path / name for name in ("key.pem", "pub.pem", "msg", "sig")}
    files["key.pem"].write_text(pair.private_pem)
    files["pub.pem"].write_text(sm2.public_pem(pair.public_hex))
    files["msg"].write_bytes(MESSAGES[2])
    return pair, {k: str(v) for k, v in files.items()}


def test_library_signatures_verify_with_openssl(openssl_files):
    pair, f = openssl_files
    with open(f["sig"], "wb") as fh:
        fh.write(sm2.sign(pair.private_pem, MESSAGES[2]))
    verify = [
        "pkeyutl",
        "-verify",
        "-rawin",
        "-digest",
        "sm3",
        "-pubin",
        "-inkey",
        f["pub.pem"],
        "-in",
        f["msg"],
    ]
    ok = _openssl(*verify, "-sigfile", f["sig"], "-pkeyopt", DISTID)
    assert ok.returncode == 0 and b"Signature Verified Successfully" in ok.stdout
    # The trap sm2.py documents: OpenSSL 3 uses an empty ID unless told the default one.
    assert _openssl(*verify, "-sigfile", f["sig"]).returncode != 0


def test_openssl_signatures_verify_with_the_library(openssl_files):
    pair, f = openssl_files
    signed = _openssl(
        "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", f["key.pem"], "-in", f["msg"],
        "-out", f["sig"], "-pkeyopt", DISTID,
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    with open(f["sig"], "rb") as fh:
        signature = fh.read()
    assert sm2.verify(pair.public_hex, MESSAGES[2], signature)
    assert not sm2.verify(pair.public_hex, MESSAGES[1], signature)
