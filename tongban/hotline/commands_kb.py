"""The knowledge-base part's subcommand of `manage.py hotline`:

- `train-classifier`: fit the dispatch classifier on the platform's own dispatched tickets, store
  it as the active model and print its accuracy on the held-out tickets (`classifier`).
"""

from __future__ import annotations

from django.core.management.base import CommandError

from tongban.core.errors import Conflict

ACTOR = "system:hotline-train"


def add_train_classifier(sub) -> None:
    sub.add_parser("train-classifier", help="派单建议：用已派单工单训练分类模型，输出留出集准确率")


def train_classifier(command, **options) -> None:
    from . import classifier

    try:
        report = classifier.do_train_from_tickets(actor=ACTOR)
    except Conflict as exc:
        raise CommandError(exc.message) from None
    for line in report.lines():
        command.stdout.write(line)
