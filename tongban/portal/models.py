"""The portal owns no tables.

It renders what `catalog.queries`, `catalog.presenters` and `core.queries` return; the
person's choices (region, large text) live in cookies (see `context.py`). An import-linter
contract forbids this app from importing `catalog.models` or `core.models`.
"""
