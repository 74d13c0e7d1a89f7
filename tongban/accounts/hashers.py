"""The hasher for OIDC client secrets (接入系统密钥), not for people's passwords.

A password KDF (PBKDF2, 1.2 M iterations, about 0.5 s of CPU here) is there to slow down the
guessing of low-entropy secrets people choose. A client secret is 128 characters drawn at
random by the toolkit (`generate_client_secret`, about 760 bits), so no amount of guessing gets
near it and a slow KDF only costs every `client_credentials` request half a second of CPU. This
hasher stores `tongban_hmac_sm3$<salt>$<HMAC-SM3(salt, secret)>`: salted (equal secrets give
different rows), one C call to OpenSSL through `cryptography`, compared in constant time.

It is registered in PASSWORD_HASHERS *after* the default so that Django can identify and
verify stored secrets (`check_password` picks the hasher by the prefix) while people's
passwords keep the strong default; OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"] names it so new and
rotated secrets use it. Secrets stored earlier with PBKDF2 keep verifying with PBKDF2.

A secret a caller brings to `clients.do_register_client(client_secret=...)` is hashed the same
way and is only as safe as it is random. Never use this hasher for a password a person chose.
"""

from __future__ import annotations

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.encoding import force_bytes
from django.utils.translation import gettext_noop as _

from tongban.core.crypto import constant_time_equal, hmac_sm3_hex


class ClientSecretHasher(BasePasswordHasher):
    algorithm = "tongban_hmac_sm3"
    salt_entropy = 128

    def encode(self, password, salt):
        self._check_encode_args(password, salt)
        digest = hmac_sm3_hex(force_bytes(salt), force_bytes(password))
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded):
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password, encoded):
        try:
            decoded = self.decode(encoded)
        except (ValueError, AssertionError):
            return False
        return constant_time_equal(self.encode(password, decoded["salt"]), encoded)

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("salt"): mask_hash(decoded["salt"], show=2),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded):
        return False

    def harden_runtime(self, password, encoded):
        pass
