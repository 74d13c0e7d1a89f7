"""Files at rest (文件存储): sealed with SM4-GCM, written only when the transaction commits.

`store_encrypted(content, directory=..., suffix=...)` decides the file's storage name at once (to
keep in a row) and writes the sealed bytes when the surrounding transaction commits: a rolled-back
write leaves no file behind, and no row ever names a file that was never meant to exist.
`open_decrypted(name)` reads a file back for an authorised reader (the caller checks who may read);
files stored before encryption (plaintext) read back as they are.

The additional authenticated data is the storage name, so a sealed file copied over another
file's name fails to open. Keys are the personal-data keys of `core.crypto` (rotation: the key id
travels in the blob)."""

from __future__ import annotations

import uuid

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
