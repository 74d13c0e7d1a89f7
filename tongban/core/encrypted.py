"""The registry of encrypted columns (加密字段登记).

Each app declares its encrypted columns here, next to its models (an `EncryptedColumn` at module
level registers itself), and encrypts and decrypts through them. Core imports no domain app: it
knows the columns only by model label, so `manage.py keys rotate` and `keys status` reach every
encrypted column of every app.

A column names its keyring ("personal" or "kek", see `core.crypto`) and the fields that identify
its row for good (`row_key`): the ciphertext's associated data is "<model>/<column>/<row key>",
so a ciphertext copied to another row or column does not decrypt. The row key must be known
before the row is inserted (a UUID, a unique number the service assigns), never change, and be
unique per row, or hold the value's own blind index (a row claiming another value fails).

Files sealed at rest (`core.files`) are declared the same way: a `SealedFileColumn(model, column)`
names a FileField (or a column holding storage names) whose files `store_encrypted` sealed, so
`keys rotate` re-seals them and `keys status`/`retire` count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import crypto

_REGISTRY: dict[tuple[str, str], EncryptedColumn] = {}


@dataclass(frozen=True)
class EncryptedColumn:
    model: str  # app label and model name, "accounts.User"
    column: str  # the TextField holding the ciphertext, "id_number_enc"
    row_key: tuple[str, ...]  # fields identifying the row for good, ("sub",)
    keyring: str = "personal"

    def __post_init__(self):
        if self.keyring not in crypto.KEYRINGS:
            raise ValueError(f"unknown keyring {self.keyring!r}")
        existing = _REGISTRY.get((self.model.lower(), self.column))
        if existing is not None and existing != self:
            raise ValueError(f"{self.model}.{self.column} is registered twice, differently")
        _REGISTRY[(self.model.lower(), self.column)] = self

    @property
    def label(self) -> str:
        return f"{self.model.lower()}.{self.column}"

    def context(self, row: Any = None, **values: Any) -> str:
        """The associated data: model, column and row key, from `row` or the named `values`."""
        parts = []
        for name in self.row_key:
            value = values[name] if name in values else getattr(row, name)
            if value is None or value == "":
                raise ValueError(f"{self.label}: row key {name} is empty")
            parts.append(str(value))
        return f"{self.model.lower()}/{self.column}/{'|'.join(parts)}"

    def encrypt(self, plaintext: str, row: Any = None, **values: Any) -> str:
        return crypto.encrypt(plaintext, keyring=self.keyring, context=self.context(row, **values))

    def decrypt(self, stored: str, row: Any = None, **values: Any) -> str:
        """The clear value; "" for an empty column (nothing stored)."""
        if not stored:
            return ""
        return crypto.decrypt(stored, keyring=self.keyring, context=self.context(row, **values))

    def encrypt_into(self, row: Any, plaintext: str) -> None:
        """Set the column of `row` to `plaintext` encrypted for that row ("" stays empty)."""
        setattr(row, self.column, self.encrypt(plaintext, row) if plaintext else "")

    def read(self, row: Any) -> str:
        """The clear value of the column of `row`."""
        return self.decrypt(getattr(row, self.column), row)


def registered() -> list[EncryptedColumn]:
    """Every declared encrypted column, in a stable order (after Django has loaded the apps)."""
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


_FILE_REGISTRY: dict[tuple[str, str], SealedFileColumn] = {}


@dataclass(frozen=True)
class SealedFileColumn:
    """A column holding the storage names of files sealed under the personal-data keyring (文件加密)."""

    model: str  # "cases.CaseMaterial"
    column: str  # the FileField, "file"
    keyring: str = "personal"  # `crypto.seal_bytes` seals under the personal-data key only

    def __post_init__(self):
        if self.keyring != "personal":
            raise ValueError("sealed files are under the personal-data keyring")
        _FILE_REGISTRY[(self.model.lower(), self.column)] = self

    @property
    def label(self) -> str:
        return f"{self.model.lower()}.{self.column}"


def registered_files() -> list[SealedFileColumn]:
    """Every declared column of sealed files, in a stable order."""
    return [_FILE_REGISTRY[key] for key in sorted(_FILE_REGISTRY)]
