"""The canonical form of a licence: the exact bytes its e-seal signs (version 1).

A JSON object with these members and no others, serialised as RFC 8785 (JSON Canonicalization
Scheme): members sorted by name, no whitespace, UTF-8, strings escaped minimally (only `"`,
`\\` and control characters, the latter as `\\b \\t \\n \\f \\r` or lowercase `\\u00XX`).
Every value is a string or null except `version`, a small integer:

    format            "tongban-licence/1"
    identifier        1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>
    type_code         证照类型代码 (21)
    name              证照名称
    number            证照编号
    issuer_name       颁发机构
    issuer_code       颁发机构代码 (18)
    issued_on         颁发日期, YYYY-MM-DD
    holder_name       持证主体
    holder_code_type  "111" or "001"
    holder_code       持证主体代码, in clear
    valid_from        YYYY-MM-DD
    valid_until       YYYY-MM-DD, or null for 长期有效
    version           1, 2, ...
    previous          identifier of the version this one replaces, or null
    face              object: face field key -> value (string), personal fields in clear
    seal_key          kid of the signing key
    signed_at         UTC time of signing, YYYY-MM-DDTHH:MM:SS.ffffffZ

The holder code and the personal face fields are in clear in the signed bytes (the form is
built in memory and never stored), so a verifier needs them to check the signature: ciphertext
can be re-encrypted under a new key without re-signing. The licence's state is not signed; it
changes after issue and verification reads it from the library.

The signature is SM2 with SM3 and the default user ID (see sm2.py) over these bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from .models import LICENCE_FACE_PERSONAL, LICENCE_HOLDER_CODE

FORMAT = "tongban-licence/1"


@dataclass(frozen=True)
class Content:
    identifier: str
    type_code: str
    name: str
    number: str
    issuer_name: str
    issuer_code: str
    issued_on: dt.date
    holder_name: str
    holder_code_type: str
    holder_code: str
    valid_from: dt.date
    valid_until: dt.date | None
    version: int
    previous: str | None
    face: dict[str, str]
    seal_key: str
    signed_at: dt.datetime


def utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(content: Content) -> bytes:
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in content.face.items()):
        raise TypeError("face values must be strings")
    body = {
        "format": FORMAT,
        "identifier": content.identifier,
        "type_code": content.type_code,
        "name": content.name,
        "number": content.number,
        "issuer_name": content.issuer_name,
        "issuer_code": content.issuer_code,
        "issued_on": content.issued_on.isoformat(),
        "holder_name": content.holder_name,
        "holder_code_type": content.holder_code_type,
        "holder_code": content.holder_code,
        "valid_from": content.valid_from.isoformat(),
        "valid_until": content.valid_until.isoformat() if content.valid_until else None,
        "version": int(content.version),
        "previous": content.previous,
        "face": dict(content.face),
        "seal_key": content.seal_key,
        "signed_at": utc_text(content.signed_at),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def face_json(face: dict[str, str]) -> str:
    """The personal face fields as stored (before encryption)."""
    return json.dumps(face, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def face_from_json(text: str) -> dict[str, str]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("personal face fields are not an object")
    return value


def content_for(
    licence, *, holder_code: str, face: dict[str, str], previous: str | None, kid: str
) -> Content:
    """The canonical content of a licence row with its clear holder code and whole face."""
    return Content(
        identifier=licence.identifier,
        type_code=licence.type_code,
        name=licence.name,
        number=licence.number,
        issuer_name=licence.issuer_name,
        issuer_code=licence.issuer_code,
        issued_on=licence.issued_on,
        holder_name=licence.holder_name,
        holder_code_type=licence.holder_code_type,
        holder_code=holder_code,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        version=licence.version,
        previous=previous,
        face=face,
        seal_key=kid,
        signed_at=licence.signed_at,
    )


def stored_face(licence) -> dict[str, str]:
    """The whole face of a stored licence: plain fields and decrypted personal ones
    (ValueError when the ciphertext was altered)."""
    face = dict(licence.face)
    if licence.face_personal_enc:
        face.update(face_from_json(LICENCE_FACE_PERSONAL.read(licence)))
    return face


def stored_content(licence) -> Content:
    """The canonical content rebuilt from a stored licence (ValueError when a ciphertext was
    altered). The previous version is named by its identifier."""
    previous = licence.previous.identifier if licence.previous_id else None
    return content_for(
        licence,
        holder_code=LICENCE_HOLDER_CODE.read(licence),
        face=stored_face(licence),
        previous=previous,
        kid=licence.seal_key.kid,
    )


BATCH_FORMAT = "tongban-licence-batch/1"


def batch_statement(*, root: str, count: int, kid: str, signed_at: dt.datetime) -> bytes:
    """What a batch seal signs: the Merkle root, the number of licences, the key's id and the
    time, serialised like the licence form."""
    body = {
        "format": BATCH_FORMAT,
        "root": root,
        "count": int(count),
        "seal_key": kid,
        "signed_at": utc_text(signed_at),
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
