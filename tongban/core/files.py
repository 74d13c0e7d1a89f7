"""Files at rest (文件存储): sealed with SM4-GCM, written only when the transaction commits.

`store_encrypted(content, directory=..., suffix=...)` decides the file's storage name at once (to
keep in a row) and writes the sealed bytes when the surrounding transaction commits: a rolled-back
write leaves no file behind, and no row ever names a file that was never meant to exist.
`open_decrypted(name)` reads a file back for an authorised reader (the caller checks who may read);
files stored before encryption (plaintext) read back as they are. `reseal(name)` rewrites a file
under the current key (a plain one gets sealed) atomically under the same name, and `key_of(name)`
tells which key a file is under: `manage.py keys rotate|status|retire` (core.rotation) use them.

The additional authenticated data is the storage name, so a sealed file copied over another
file's name fails to open. Keys are the personal-data keys of `core.crypto` (rotation: the key id
travels in the blob)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from . import crypto


def _aad(name: str) -> bytes:
    return b"tongban-file:" + name.encode()


def store_encrypted(content: bytes, *, directory: str, suffix: str = "", storage=None) -> str:
    """The storage name the sealed `content` will have; it is written on commit (at once outside
    a transaction). The name is random, so it never collides and says nothing of its content."""
    storage = storage or default_storage
    name = f"{directory.strip('/')}/{uuid.uuid4().hex}{suffix}"
    sealed = crypto.seal_bytes(content, aad=_aad(name))

    def write() -> None:
        saved = storage.save(name, ContentFile(sealed))
        if saved != name:  # a random 128-bit name already taken: refuse rather than mislabel
            storage.delete(saved)
            raise OSError(f"storage name {name} is taken")

    transaction.on_commit(write)
    return name


def open_decrypted(name: str, *, storage=None) -> bytes:
    """The plaintext of a stored file (sealed or, for files from before encryption, plain).
    Raises ValueError when a sealed file was altered, FileNotFoundError when it is missing."""
    storage = storage or default_storage
    with storage.open(name, "rb") as handle:
        blob = handle.read()
    if crypto.is_sealed(blob):
        return crypto.open_sealed(blob, aad=_aad(name))
    return blob


def key_of(name: str, *, storage=None) -> str:
    """The key a stored file is under: "sealed:<key id>", "plain" (from before encryption) or
    "missing"."""
    storage = storage or default_storage
    try:
        with storage.open(name, "rb") as handle:
            head = handle.read(len(crypto.SEALED_MAGIC) + 256)
    except FileNotFoundError:
        return "missing"
    if not crypto.is_sealed(head):
        return "plain"
    return f"sealed:{crypto.sealed_key_id(head)}"


def reseal(name: str, *, storage=None) -> bool:
    """Re-seal a stored file under the current personal-data key (a plain file gets sealed), under
    the same name; False when it already is under the current key. The new bytes go to a temporary
    file beside it that then replaces it, so a crash leaves the old file or the new one, whole.
    Raises FileNotFoundError when the file is missing, ValueError when it does not open."""
    storage = storage or default_storage
    with storage.open(name, "rb") as handle:
        blob = handle.read()
    if crypto.is_sealed(blob):
        if crypto.sealed_key_id(blob) == crypto.current_key_id("personal"):
            return False
        content = crypto.open_sealed(blob, aad=_aad(name))
    else:
        content = blob
    sealed = crypto.seal_bytes(content, aad=_aad(name))
    try:
        path = Path(storage.path(name))
    except NotImplementedError:  # remote storage: no atomic replace to rely on
        raise OSError(f"{name}: re-sealing needs a file-system storage") from None
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "xb") as out:
            out.write(sealed)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return True
