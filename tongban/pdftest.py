"""What the PDF tests share: reading a rendered PDF back as text with Debian's pdftotext
(poppler-utils, installed by `make system-deps`); tests that need it are skipped without it."""

from __future__ import annotations

import shutil
import subprocess

import pytest

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, as pdftotext lays it out (UTF-8)."""
    out = subprocess.run(  # noqa: S603 - Debian's pdftotext on a PDF we rendered
        [shutil.which("pdftotext") or "pdftotext", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return out.stdout.decode()
