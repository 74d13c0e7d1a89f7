"""Raising every field problem of a request at once (InvalidInput naming each field)."""

from __future__ import annotations

from tongban.core.errors import FieldProblem, InvalidInput


def raise_problems(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidInput(
            str(problems[0]) if len(problems) == 1 else f"有 {len(problems)} 处需要修改：{problems[0]}",
            problems=problems,
        )
