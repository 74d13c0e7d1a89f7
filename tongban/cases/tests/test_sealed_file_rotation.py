"""Issue 10 §6 (follow-up): `manage.py keys rotate` re-seals the uploaded files (sealed files, 密封文件)
under the current key, resumably, so the old key can be retired; `keys status`/`retire` count the
files, and `retire` refuses while a file still uses the key. A missing file is reported, not fatal."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from tongban.accounts.tests.services_support import last_seq
from tongban.accounts.tests.test_keys import env_keys, new_keys  # noqa: F401 (a fixture)
from tongban.core import files, rotation
from tongban.core.encrypted import registered
from tongban.core.models import AuditEvent, KeyRotationCheckpoint

from ..models import CASE_MATERIAL_FILE, CaseMaterial
from .conftest import PDF, submit

pytestmark = pytest.mark.usefixtures("regions_loaded")
LABEL = CASE_MATERIAL_FILE.label  # "cases.casematerial.file"


@pytest.fixture
def stored(env_keys, world, django_capture_on_commit_callbacks):  # noqa: F811
    """Two submitted cases: four material files sealed under pd-1, written (their commit ran)."""
    with django_capture_on_commit_callbacks(execute=True):
        submit(world)
        submit(world)
    rows = list(CaseMaterial.objects.order_by("pk"))
    assert len(rows) == 4
    assert rotation.usage()[LABEL] == {"sealed:pd-1": 4}
    return rows


def raw(row) -> bytes:
    with default_storage.open(row.file.name, "rb") as handle:
        return handle.read()


def test_rotate_reseals_every_file_and_the_old_key_retires(stored, env_keys, capsys):  # noqa: F811
    legacy = stored[3]  # a file from before encryption: plain on disk
    with open(default_storage.path(legacy.file.name), "wb") as handle:
        handle.write(PDF)
    assert rotation.usage()[LABEL] == {"sealed:pd-1": 3, "plain": 1}
    new_keys(env_keys)
    assert rotation.columns_using("pd-1")[LABEL] == 3
    with pytest.raises(CommandError, match=rf"{LABEL} \(3\)"):
        call_command("keys", "retire", "pd-1")

    seq = last_seq()
    call_command("keys", "rotate", "--no-progress")
    assert f"{LABEL}: 4 re-encrypted, done" in capsys.readouterr().out
    event = AuditEvent.objects.get(seq__gt=seq, object_id=LABEL)
    assert (event.action, event.object_type) == ("core.keys.rotate", "core.sealed_file_column")
    assert event.data == {
        "target": "sealed:pd-2",
        "from_pk": stored[0].pk,
        "to_pk": stored[3].pk,
        "rewritten": 4,
        "missing": [],
    }
    assert rotation.usage()[LABEL] == {"sealed:pd-2": 4}
    assert rotation.columns_using("pd-1") == {}

    env_keys.PERSONAL_DATA_KEYS_OLD, env_keys.KEY_ENCRYPTION_KEYS_OLD = [], []  # the old keys are gone
    for row in stored:
        assert PDF not in raw(row)
        assert files.open_decrypted(row.file.name) == PDF
    call_command("keys", "retire", "pd-1")
    assert "used by no ciphertext" in capsys.readouterr().out

    # Run again: nothing is re-sealed twice (the files are under the current key).
    before = {row.pk: raw(row) for row in stored}
    KeyRotationCheckpoint.objects.all().delete()
    call_command("keys", "rotate", "--no-progress")
    assert f"{LABEL}: 0 re-encrypted, done" in capsys.readouterr().out
    assert {row.pk: raw(row) for row in stored} == before


def test_a_killed_rotation_resumes_at_the_next_file(stored, env_keys, capsys):  # noqa: F811
    new_keys(env_keys)
    # With one row a batch, the columns take one batch per non-empty value: stop after the first file.
    column_rows = sum(rotation._nonempty(column).count() for column in registered())
    seq = last_seq()
    call_command(
        "keys", "rotate", "--batch-size", "1", "--max-batches", str(column_rows + 1), "--no-progress"
    )
    assert f"{LABEL}: 1 re-encrypted, to be continued" in capsys.readouterr().out
    checkpoint = KeyRotationCheckpoint.objects.get(column=LABEL)
    assert (checkpoint.last_pk, checkpoint.target, checkpoint.done_at) == (stored[0].pk, "sealed:pd-2", None)
    assert [files.key_of(row.file.name) for row in stored] == ["sealed:pd-2"] + ["sealed:pd-1"] * 3

    call_command("keys", "rotate", "--batch-size", "1", "--no-progress")
    assert "Every encrypted column is under the current keys." in capsys.readouterr().out
    batches = AuditEvent.objects.filter(seq__gt=seq, object_id=LABEL).order_by("seq")
    assert [e.data["from_pk"] for e in batches] == [row.pk for row in stored]  # each file once
    assert rotation.usage()[LABEL] == {"sealed:pd-2": 4}
    env_keys.PERSONAL_DATA_KEYS_OLD = []
    assert [files.open_decrypted(row.file.name) for row in stored] == [PDF] * 4


def test_retire_refuses_while_a_file_is_still_under_the_old_key(stored, env_keys):  # noqa: F811
    backup = raw(stored[1])  # sealed under pd-1, restored after the rotation
    new_keys(env_keys)
    call_command("keys", "rotate", "--no-progress")
    assert rotation.columns_using("pd-1") == {}
    with open(default_storage.path(stored[1].file.name), "wb") as handle:
        handle.write(backup)
    seq = last_seq()
    with pytest.raises(CommandError, match=rf"Key pd-1 is still used: {LABEL} \(1\)"):
        call_command("keys", "retire", "pd-1")
    assert rotation.columns_using("pd-1") == {LABEL: 1}
    assert last_seq() == seq
    assert files.open_decrypted(stored[1].file.name) == PDF  # pd-1 still decrypts: it was kept


def test_a_missing_file_is_reported_and_the_others_are_resealed(stored, env_keys, capsys):  # noqa: F811
    gone = stored[2]
    default_storage.delete(gone.file.name)
    assert rotation.usage()[LABEL] == {"sealed:pd-1": 3, "missing": 1}
    new_keys(env_keys)
    seq = last_seq()
    call_command("keys", "rotate", "--no-progress")
    out, err = capsys.readouterr()
    assert f"{LABEL}: 3 re-encrypted, done" in out
    assert f"{LABEL} pk={gone.pk}: file {gone.file.name} is missing" in err
    event = AuditEvent.objects.get(seq__gt=seq, object_id=LABEL)
    assert (event.data["rewritten"], event.data["missing"]) == (3, [gone.pk])
    assert rotation.usage()[LABEL] == {"sealed:pd-2": 3, "missing": 1}
    assert rotation.columns_using("pd-1") == {}
    assert not default_storage.exists(gone.file.name)  # nothing made up in its place


def test_a_file_that_does_not_open_stops_the_rotation_naming_it(stored, env_keys):  # noqa: F811
    moved = stored[1]
    with open(default_storage.path(moved.file.name), "wb") as handle:
        handle.write(raw(stored[0]))  # another file's sealed bytes: its name (the AAD) differs
    new_keys(env_keys)
    with pytest.raises(
        CommandError, match=rf"{LABEL} pk={moved.pk} \({moved.file.name}\): .*failed authentication"
    ):
        call_command("keys", "rotate", "--no-progress")
    checkpoint = KeyRotationCheckpoint.objects.get(column=LABEL)
    assert (checkpoint.last_pk, checkpoint.done_at) == (0, None)
    assert rotation.usage()[LABEL] == {"sealed:pd-2": 1, "sealed:pd-1": 3}  # the first one opens either way
