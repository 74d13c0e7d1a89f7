"""The knowledge-base part's subcommand of `manage.py hotline` (registered in its SUBCOMMANDS):

- `train-classifier`: fit the dispatch classifier on the platform's own dispatched tickets, store
  it as the active model and print its accuracy on the held-out tickets (`classifier`).
- `open311-key --name NAME`: register an Open311 client and print its api_key (shown once).
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


class open311_key:  # a subcommand, named as the registry reads it
    HELP = "Open311：登记一个客户端并输出其 api_key（只显示这一次）"

    @staticmethod
    def add_arguments(parser) -> None:
        parser.add_argument("--name", required=True, help="客户端名称")

    @staticmethod
    def run(command, *, name: str, **options) -> None:
        from tongban.core.errors import InvalidInput

        from . import open311

        try:
            row, key = open311.do_create_key(actor="system:hotline-open311", name=name)
        except InvalidInput as exc:
            raise CommandError(exc.message) from None
        command.stdout.write(f"{row.name}: api_key={key}")
