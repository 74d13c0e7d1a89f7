"""Key rotation (密钥轮换): re-encrypt every registered encrypted column under the current keys.

`rotate()` walks each column of `core.encrypted.registered()` in primary-key order, in batches.
Each batch runs in one transaction that locks its rows, rewrites every value not already in the
current form (context-bound, under the keyring's current key id), moves the column's
`KeyRotationCheckpoint` to the batch's last key and records one audit event. Killed at any point,
the next run continues after the last committed batch. A value that does not decrypt stops the
run with its column and primary key named, and the batch it is in changes nothing.

Files sealed at rest (`core.files`), declared as `SealedFileColumn`s, go the same way after the
columns: each file not yet under the current personal-data key is re-sealed under its own name
(`files.reseal`, an atomic replace; a plain legacy file gets sealed), in pk-ordered batches with a
checkpoint and an audit event per batch. A missing file is reported (in the audit event and the
report) and passed over; a file that does not open stops the run naming it.

`usage()` counts the stored ciphertexts of each column by format and key id, and the files of each
file column by "sealed:<key id>", "plain" or "missing", so an operator can tell whether a retired
key is still used (`manage.py keys status`, `keys retire`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import audit, crypto, files, keyfile
from .encrypted import EncryptedColumn, SealedFileColumn, registered, registered_files
from .errors import Conflict
from .models import KeyRotationCheckpoint

ACTOR = "system:keys"


def target_of(column: EncryptedColumn | SealedFileColumn) -> str:
    prefix = "sealed" if isinstance(column, SealedFileColumn) else crypto.V2_PREFIX
    return f"{prefix}:{crypto.current_key_id(column.keyring)}"


def _model(column: EncryptedColumn | SealedFileColumn):
    return apps.get_model(column.model)


def _storage(column: SealedFileColumn):
    return _model(column)._meta.get_field(column.column).storage


def _nonempty(column: EncryptedColumn):
    return _model(column)._base_manager.exclude(**{column.column: ""}).order_by("pk")


@dataclass
class ColumnReport:
    label: str
    checked: int = 0
    rewritten: int = 0
    done: bool = False
    missing: list[tuple[int, str]] = field(default_factory=list)  # files: (pk, storage name)


@dataclass
class RotationReport:
    columns: list[ColumnReport] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return all(c.done for c in self.columns)

    @property
    def rewritten(self) -> int:
        return sum(c.rewritten for c in self.columns)


def _checkpoint(column: EncryptedColumn | SealedFileColumn) -> KeyRotationCheckpoint:
    target = target_of(column)
    checkpoint, _ = KeyRotationCheckpoint.objects.get_or_create(
        column=column.label, defaults={"target": target}
    )
    if checkpoint.target != target:  # rotating to other keys than the interrupted run: start over
        checkpoint.target, checkpoint.last_pk, checkpoint.rewritten, checkpoint.done_at = target, 0, 0, None
        checkpoint.save()
    return checkpoint


def _rotate_batch(
    column: EncryptedColumn, checkpoint_pk: int, batch_size: int, *, actor, missing: list
) -> tuple[int, int]:
    """One batch: (rows checked, rows rewritten); (0, 0) when the column is finished. (`missing`:
    the same signature as the files' batches; a column value is never missing.)"""
    model, target = _model(column), target_of(column)
    with transaction.atomic():
        checkpoint = KeyRotationCheckpoint.objects.select_for_update().get(pk=checkpoint_pk)
        rows = list(
            _nonempty(column)
            .filter(pk__gt=checkpoint.last_pk)
            .select_for_update()
            .only("pk", column.column, *column.row_key)[:batch_size]
        )
        if not rows:
            checkpoint.done_at = timezone.now()
            checkpoint.save(update_fields=["done_at", "updated_at"])
            return 0, 0
        changed = []
        for row in rows:
            stored = getattr(row, column.column)
            if crypto.ciphertext_key(stored)[:2] == tuple(target.split(":", 1)):
                continue
            try:
                setattr(row, column.column, column.encrypt(column.decrypt(stored, row), row))
            except ValueError as exc:
                raise Conflict(
                    f"{column.label} pk={row.pk}: {exc}; nothing in this batch was changed"
                ) from None
            changed.append(row)
        if changed:
            model._base_manager.bulk_update(changed, [column.column])
        checkpoint.last_pk = rows[-1].pk
        checkpoint.rewritten += len(changed)
        checkpoint.save(update_fields=["last_pk", "rewritten", "updated_at"])
        audit.record(
            actor=actor,
            action="core.keys.rotate",
            object_type="core.encrypted_column",
            object_id=column.label,
            data={"target": target, "from_pk": rows[0].pk, "to_pk": rows[-1].pk, "rewritten": len(changed)},
        )
    return len(rows), len(changed)


def _rotate_file_batch(
    column: SealedFileColumn, checkpoint_pk: int, batch_size: int, *, actor, missing: list
) -> tuple[int, int]:
    """One batch of files: (rows checked, files re-sealed); missing files are appended to
    `missing`. A re-sealed file stays so if the batch then fails: it opens either way, and the
    next run skips it."""
    storage, target = _storage(column), target_of(column)
    with transaction.atomic():
        checkpoint = KeyRotationCheckpoint.objects.select_for_update().get(pk=checkpoint_pk)
        rows = list(
            _nonempty(column)
            .filter(pk__gt=checkpoint.last_pk)
            .select_for_update()
            .values_list("pk", column.column)[:batch_size]
        )
        if not rows:
            checkpoint.done_at = timezone.now()
            checkpoint.save(update_fields=["done_at", "updated_at"])
            return 0, 0
        resealed, gone = 0, []
        for pk, name in rows:
            try:
                resealed += files.reseal(name, storage=storage)
            except FileNotFoundError:
                gone.append((pk, name))
            except (ValueError, OSError) as exc:
                raise Conflict(
                    f"{column.label} pk={pk} ({name}): {exc}; the run stopped at this file"
                ) from None
        checkpoint.last_pk = rows[-1][0]
        checkpoint.rewritten += resealed
        checkpoint.save(update_fields=["last_pk", "rewritten", "updated_at"])
        audit.record(
            actor=actor,
            action="core.keys.rotate",
            object_type="core.sealed_file_column",
            object_id=column.label,
            data={
                "target": target,
                "from_pk": rows[0][0],
                "to_pk": rows[-1][0],
                "rewritten": resealed,
                "missing": [pk for pk, _ in gone],
            },
        )
    missing.extend(gone)
    return len(rows), resealed


def rotate(
    *, actor=ACTOR, batch_size: int = 500, max_batches: int | None = None, progress=None
) -> RotationReport:
    """Re-encrypt every registered column under the current keys, resuming from the checkpoints.
    `max_batches` stops after that many batches (a time slice; run again to continue).
    `progress(label, total)` returns a bar with `update(n)` and `close()` (tqdm), or None."""
    report = RotationReport()
    batches = 0
    for column in [*registered(), *registered_files()]:
        rotate_batch = _rotate_file_batch if isinstance(column, SealedFileColumn) else _rotate_batch
        checkpoint = _checkpoint(column)
        col = ColumnReport(column.label, rewritten=checkpoint.rewritten, done=checkpoint.done_at is not None)
        report.columns.append(col)
        if col.done:
            continue
        bar = (
            progress(column.label, _nonempty(column).filter(pk__gt=checkpoint.last_pk).count())
            if progress
            else None
        )
        try:
            while max_batches is None or batches < max_batches:
                checked, rewritten = rotate_batch(
                    column, checkpoint.pk, batch_size, actor=actor, missing=col.missing
                )
                if not checked:
                    col.done = True
                    break
                batches += 1
                col.checked += checked
                col.rewritten += rewritten
                if bar is not None:
                    bar.update(checked)
        finally:
            if bar is not None:
                bar.close()
    return report


def usage() -> dict[str, Counter]:
    """For each column, how many stored ciphertexts use each "<format>:<key id>"; for each column of
    sealed files, how many files are "sealed:<key id>", "plain" or "missing"."""
    counts = {}
    for column in registered():
        counter: Counter = Counter()
        for stored in _nonempty(column).values_list(column.column, flat=True).iterator(chunk_size=2000):
            counter[":".join(crypto.ciphertext_key(stored))] += 1
        counts[column.label] = counter
    for column in registered_files():
        storage = _storage(column)
        counts[column.label] = Counter(
            files.key_of(name, storage=storage)
            for name in _nonempty(column).values_list(column.column, flat=True).iterator(chunk_size=2000)
        )
    return counts


def columns_using(key_id: str) -> dict[str, int]:
    """The columns with ciphertexts (or sealed files) under `key_id` (any format), and how many:
    empty when the key can be retired."""
    found = {}
    for label, counter in usage().items():
        n = sum(count for name, count in counter.items() if name.partition(":")[2] == key_id)
        if n:
            found[label] = n
    return found


# --- Keys kept in the installation's key file (demo, development, tests) -----------------------

_ROTATING = (
    ("PERSONAL_DATA_KEY", "PERSONAL_DATA_KEY_ID", "PERSONAL_DATA_KEYS_OLD"),
    ("KEY_ENCRYPTION_KEY", "KEY_ENCRYPTION_KEY_ID", "KEY_ENCRYPTION_KEYS_OLD"),
)


def keys_in_file() -> bool:
    sources = getattr(settings, "KEY_SOURCES", {})
    return all(sources.get(name) == "generated" for name, _, _ in _ROTATING)


def do_new_file_keys(*, actor=ACTOR) -> dict[str, str]:
    """Generate new personal-data and key-encryption keys in the key file; the current ones move
    to the retired lists (they still decrypt). Returns the new key ids. Only for keys kept in the
    file: production keys come from the environment, where the operator sets them."""
    if not keys_in_file():
        raise Conflict(
            "the keys come from the environment: set the new PERSONAL_DATA_KEY(_ID) and "
            "KEY_ENCRYPTION_KEY(_ID), list the old ones in *_KEYS_OLD, restart, then run `keys rotate`"
        )
    path = Path(settings.KEYS_FILE)
    values = keyfile.parse(path.read_text())
    new_ids = {}
    for key_name, id_name, old_name in _ROTATING:
        old = [e for e in values.get(old_name, "").split(",") if e]
        old.append(f"{values[id_name]}:{values[key_name]}")
        values[key_name], values[id_name] = keyfile.GENERATORS[key_name](), keyfile.GENERATORS[id_name]()
        values[old_name] = ",".join(old)
        setattr(settings, key_name, values[key_name])
        setattr(settings, id_name, values[id_name])
        setattr(settings, old_name, old)
        new_ids[id_name] = values[id_name]
    with transaction.atomic():
        keyfile.replace(path, values)
        audit.record(
            actor=actor, action="core.keys.new", object_type="core.keys", object_id="file", data=new_ids
        )
    return new_ids


def do_retire_file_key(*, key_id: str, actor=ACTOR) -> str:
    """Remove a retired key from the key file's lists; refused while any ciphertext uses it."""
    still = columns_using(key_id)
    if still:
        raise Conflict(
            f"key {key_id} is still used by "
            + ", ".join(f"{label} ({n})" for label, n in still.items())
            + ": run `keys rotate` first"
        )
    path = Path(settings.KEYS_FILE)
    values = keyfile.parse(path.read_text())
    found = ""
    for _, id_name, old_name in _ROTATING:
        if values.get(id_name) == key_id:
            raise Conflict(f"key {key_id} is a current key: it cannot be retired")
        old = [e for e in values.get(old_name, "").split(",") if e]
        kept = [e for e in old if e.partition(":")[0] != key_id]
        if kept != old:
            found = old_name
            values[old_name] = ",".join(kept)
            setattr(settings, old_name, kept)
    if not found:
        raise Conflict(f"key {key_id} is not among the retired keys of {path}")
    with transaction.atomic():
        keyfile.replace(path, values)
        audit.record(
            actor=actor,
            action="core.keys.retire",
            object_type="core.keys",
            object_id=key_id,
            data={"list": found},
        )
    return found
