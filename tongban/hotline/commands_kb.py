"""The knowledge-base part's subcommand of `manage.py hotline` (registered in its SUBCOMMANDS):

- `train-classifier`: fit the dispatch classifier on the platform's own dispatched tickets, store
  it as the active model and print its accuracy on the held-out tickets (`classifier`).
"""

from __future__ import annotations

from django.core.management.base import CommandError

from tongban.core.errors import Conflict

ACTOR = "system:hotline-train"


class train_classifier:
    HELP = "派单建议：用已派单工单训练分类模型，输出留出集上的准确率"

    @staticmethod
    def add_arguments(parser) -> None:
        pass

    @staticmethod
    def run(command, **options) -> None:
        from . import classifier

        try:
            report = classifier.do_train_from_tickets(actor=ACTOR)
        except Conflict as exc:
            raise CommandError(exc.message) from None
        for line in report.lines():
            command.stdout.write(line)
