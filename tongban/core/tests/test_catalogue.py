"""The English catalogue (tongban/locale/en/LC_MESSAGES/django.po) is what `make messages`
regenerates from the sources, with every string translated.

Regression: the catalogue was merged by hand across parallel branches, and line merges lost
entries (177 at once, the hotline's among them), so English pages showed Chinese; strings stored
as data and translated on display (case notifications, form labels) were kept only by hand and
would have been dropped by any regeneration.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ENTRY = re.compile(r'^(#~ )?msgid "(.*)"\n((?:\1"(?:.*)"\n)*)', re.M)


def _entries(text: str) -> dict[str, str]:
    """msgid → the entry's whole block, for the live (not obsolete) entries."""
    out = {}
    for block in text.split("\n\n"):
        if "#~ msgid" in block or "msgid" not in block:
            continue
        lines = block.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("msgid "))
        parts = [lines[start][6:]]
        for line in lines[start + 1 :]:
            if not line.startswith('"'):
                break
            parts.append(line)
        msgid = "".join(p[1:-1] for p in parts)
        if msgid:
            out[msgid] = block
    return out


def _untranslated(block: str) -> bool:
    strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
    return any(not (first or rest.strip()) for first, rest in strs)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is missing: run make system-deps")
def test_the_catalogue_is_regenerated_from_the_sources_and_complete(tmp_path):
    committed = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
    work = tmp_path / "en" / "LC_MESSAGES"
    work.mkdir(parents=True)
    shutil.copy(committed, work / "django.po")

    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command("makemessages", locale=["en"], verbosity=0)

    fresh = _entries((work / "django.po").read_text(encoding="utf-8"))
    kept = _entries(committed.read_text(encoding="utf-8"))
    assert sorted(set(fresh) - set(kept)) == [], "strings not in the catalogue: run `make messages`"
    assert sorted(set(kept) - set(fresh)) == [], "entries no source uses: run `make messages`"
    assert sorted(m for m, b in fresh.items() if "#, fuzzy" in b) == []
    assert sorted(m for m, b in fresh.items() if _untranslated(b)) == []
