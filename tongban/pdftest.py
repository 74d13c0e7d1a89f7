"""What the PDF tests share: reading a rendered PDF back as text with Debian's pdftotext, and its
QR codes with pdftoppm and zxing-cpp (poppler-utils, installed by `make system-deps`); tests that
need them are skipped without it."""

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


def qr_codes(png: bytes) -> list[str]:
    """The texts of the QR codes in a PNG image, as a phone would read them (zxing-cpp)."""
    import io

    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def pdf_qr_codes(pdf: bytes, *, dpi: int = 200) -> list[str]:
    """The QR codes on a PDF's first page, rasterised by Debian's pdftoppm."""
    out = subprocess.run(  # noqa: S603 - Debian's pdftoppm on a PDF we rendered
        [shutil.which("pdftoppm") or "pdftoppm", "-png", "-r", str(dpi), "-singlefile", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return qr_codes(out.stdout)
