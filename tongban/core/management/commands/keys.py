"""`manage.py keys generate|status|rotate|retire`: the keys of data at rest (密钥管理).

- `generate` prints a fresh set of keys as environment lines, for a production deployment.
- `status` shows each encrypted column's ciphertexts by format and key id, and each column of
  sealed files' files by key id ("plain" and "missing" too).
- `rotate` re-encrypts every encrypted column and re-seals every sealed file of every app under
  the current keys (resumable, with a progress bar; missing files are listed, not fatal);
  `--new-key` first makes new keys in the installation's key file.
- `retire KEY_ID` says whether any ciphertext or sealed file still uses the key; for a key file it
  also removes the key from the retired list (refused while it is used).
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from tongban.core import keyfile, rotation
from tongban.core.commands import ActionCommand


class Command(ActionCommand):
    help = "Keys of data at rest: generate, status, rotate (re-encrypt everything), retire."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="print a fresh set of keys for the environment (production)")
        sub.add_parser("status", help="ciphertexts of each encrypted column by key id")
        rot = sub.add_parser("rotate", help="re-encrypt every encrypted column under the current keys")
        rot.add_argument("--new-key", action="store_true", help="first make new keys in the key file")
        rot.add_argument("--batch-size", type=int, default=500)
        rot.add_argument("--max-batches", type=int, default=None, help="stop after N batches (resume later)")
        rot.add_argument("--restart", action="store_true", help="forget the checkpoints and start over")
        rot.add_argument("--no-progress", action="store_true")
        ret = sub.add_parser("retire", help="check that no ciphertext uses a key; drop it from the key file")
        ret.add_argument("key_id")

    def do_generate(self, **_):
        for name, make in keyfile.GENERATORS.items():
            self.stdout.write(f"{name}={make()}")

    def do_status(self, **_):
        current = {"personal": settings.PERSONAL_DATA_KEY_ID, "kek": settings.KEY_ENCRYPTION_KEY_ID}
        self.stdout.write(f"current keys: personal={current['personal']} kek={current['kek']}")
        for label, counter in rotation.usage().items():
            shown = ", ".join(f"{name} {n}" for name, n in sorted(counter.items())) or "empty"
            self.stdout.write(f"{label}: {shown}")

    def do_rotate(self, new_key, batch_size, max_batches, restart, no_progress, **_):
        if batch_size < 1:
            raise CommandError("--batch-size: at least 1")
        if new_key:
            ids = rotation.do_new_file_keys()
            self.stdout.write("New keys: " + ", ".join(f"{k}={v}" for k, v in ids.items()))
        if restart:
            rotation.KeyRotationCheckpoint.objects.all().delete()

        def progress(label, total):
            return tqdm(
                total=total, desc=label, unit="row", file=sys.stderr, disable=no_progress, leave=False
            )

        report = rotation.rotate(batch_size=batch_size, max_batches=max_batches, progress=progress)
        for col in report.columns:
            state = "done" if col.done else "to be continued"
            self.stdout.write(f"{col.label}: {col.rewritten} re-encrypted, {state}")
            for pk, name in col.missing:
                self.stderr.write(f"{col.label} pk={pk}: file {name} is missing")
        if report.done:
            self.stdout.write("Every encrypted column is under the current keys.")
        else:
            self.stdout.write("Stopped early: run `keys rotate` again to continue from the checkpoints.")

    def do_retire(self, key_id, **_):
        if rotation.keys_in_file():
            found = rotation.do_retire_file_key(key_id=key_id)
            self.stdout.write(f"Key {key_id} is used by no ciphertext; removed from {found} in the key file.")
            return
        still = rotation.columns_using(key_id)
        if still:
            raise CommandError(
                f"Key {key_id} is still used: "
                + ", ".join(f"{label} ({n})" for label, n in still.items())
                + ". Run `keys rotate` first."
            )
        self.stdout.write(
            f"Key {key_id} is used by no ciphertext: remove it from *_KEYS_OLD in the environment."
        )
