"""Test helpers every app's tests share (no test runs here)."""

from __future__ import annotations

import re

from .idempotency import FORM_FIELD


def once_token(page: str, action: str) -> str:
    """The one-time token rendered into the POST form whose action is `action` (a path)."""
    for form in re.findall(r"<form\b[^>]*>.*?</form>", page, flags=re.S):
        head = form[: form.index(">") + 1]
        if f'action="{action}"' in head:
            found = re.search(rf'name="{FORM_FIELD}" value="([^"]+)"', form)
            assert found, f"the form posting to {action} carries no {FORM_FIELD}"
            return found.group(1)
    raise AssertionError(f"no form posts to {action}")
