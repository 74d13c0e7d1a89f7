"""A bundle submission in a process of its own, made to stall at a chosen point so that the
test can kill it (SIGKILL, no clean-up of any kind) in the middle of the fan-out:

    python -m tongban.bundles.tests.fanout_crash <submit|dispatch> <arguments.pickle>

`submit`: stalls inside the submission's transaction, after the third member row is written.
`dispatch`: stalls at the third member case, inside the fan-out's one transaction (two member
cases made in it, not committed).
It prints STALL when it is there, and sleeps until it is killed."""

from __future__ import annotations

import os
import pickle
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")

import django

django.setup()

from django.db.models.signals import post_save  # noqa: E402

from tongban.accounts import queries as account_queries  # noqa: E402
from tongban.bundles import submission  # noqa: E402
from tongban.bundles.models import BundleMember  # noqa: E402
from tongban.cases.signals import case_changed  # noqa: E402

STALL_SECONDS = 120


def stall() -> None:
    print("STALL", flush=True)
    time.sleep(STALL_SECONDS)


def main(mode: str, path: str) -> None:
    with open(path, "rb") as handle:
        args = pickle.load(handle)  # noqa: S301 - written by the test that started this process
    seen = {"cases": 0}

    def on_member(sender, instance, created, **kwargs):
        if mode == "submit" and created and instance.position == 2:
            stall()

    def on_case(sender, case, action, **kwargs):
        if mode == "dispatch" and action == "submit":
            seen["cases"] += 1
            if seen["cases"] == 3:
                stall()

    post_save.connect(on_member, sender=BundleMember, weak=False)
    case_changed.connect(on_case, weak=False)
    actor = account_queries.get_user(args.pop("actor_id"))
    submission.do_submit_bundle(actor=actor, **args)
    print("DONE", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
