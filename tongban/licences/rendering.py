"""Rendering a licence face (照面): an HTML fragment for pages, a PDF for download, the e-seal
picture and the verification QR code.

The face is an official document and reads in Chinese whatever the page language (its labels
are the type's face-field labels, data in Chinese). Each licence type names its face template
(`LicenceType.template`, e.g. `licences/faces/business_licence.html`); a type without one of
its own falls back to `licences/faces/generic.html`. Templates share `licences/faces/base.html`.

What the face shows depends on who looks (`public`):

- the holder (their licence page, the PDF, a presentation they chose to make): names in clear,
  every ID number masked (`4201**********123X`), the holder code as its masked copy;
- anyone holding a printed face (the public verification page, `public=True`): the personal
  face fields masked (ID numbers as above, names and other personal text to their first
  character) and a person holder's name masked; an enterprise's name and credit code are public.

The seal picture is drawn here as SVG (a red ring, the issuer's name around the top edge, a
five-pointed star, 电子证照专用章 beneath it): it illustrates the e-seal, whose proof is the SM2
signature the verification page checks, never the picture.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.template.loader import render_to_string, select_template
from django.utils import translation

from tongban.core.identifiers import mask_name, mask_resident_id

from . import queries
from .enums import FaceFieldType, HolderKind, LicenceState
from .models import Licence

GENERIC_TEMPLATE = "licences/faces/generic.html"
FACE_CSS = Path(__file__).parent / "static" / "licences" / "face.css"
SEAL_CAPTION = "电子证照专用章"

# --- The e-seal picture -------------------------------------------------------------------------


def _star_points(cx: float, cy: float, outer: float, inner: float) -> str:
    points = []
    for k in range(10):
        radius = outer if k % 2 == 0 else inner
        angle = math.radians(-90 + 36 * k)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return " ".join(points)


def seal_svg(issuer_name: str, *, caption: str = SEAL_CAPTION) -> str:
    """An SVG e-seal (viewBox 200 × 200): the issuer's name clockwise along the top of a red
    ring, each character set upright towards the edge, a star in the middle and the caption
    under it. Characters are placed one by one (no textPath), so every renderer (browsers,
    WeasyPrint) draws the same picture."""
    name = (issuer_name or "").strip()
    n = max(len(name), 1)
    size = 26.0 if n <= 10 else max(14.0, 26.0 * 10 / n)  # long names get smaller characters
    span = min(250.0, n * size * 0.95)  # degrees of arc the name covers
    baseline = 92.0 - 6.0 - size * 0.92  # ring inner edge, a gap, then the glyph height
    chars = []
    for i, ch in enumerate(name):
        angle = -span / 2 + span * (i + 0.5) / n
        x = 100 + baseline * math.sin(math.radians(angle))
        y = 100 - baseline * math.cos(math.radians(angle))
        chars.append(
            f'<text x="{x:.2f}" y="{y:.2f}" transform="rotate({angle:.2f} {x:.2f} {y:.2f})">{escape(ch)}</text>'
        )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200" '
        'role="img">'
        f"<title>{escape(name)} {escape(caption)}</title>"
        '<g fill="none" stroke="#d0021b"><circle cx="100" cy="100" r="94" stroke-width="6"/></g>'
        f'<g fill="#d0021b" font-family="Noto Serif CJK SC, Noto Sans CJK SC, serif" font-weight="bold" '
        f'font-size="{size:.1f}" text-anchor="middle">{"".join(chars)}</g>'
        f'<polygon fill="#d0021b" points="{_star_points(100, 102, 30, 12)}"/>'
        '<text x="100" y="160" fill="#d0021b" font-family="Noto Serif CJK SC, Noto Sans CJK SC, serif" '
        f'font-size="15" font-weight="bold" text-anchor="middle">{escape(caption)}</text>'
        "</svg>"
    )


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@lru_cache(maxsize=256)
def seal_data_uri(issuer_name: str) -> str:
    return svg_data_uri(seal_svg(issuer_name))


def qr_data_uri(url: str, *, scale: int = 4) -> str:
    """A QR code of `url` as an SVG data URI (pages allow data: images; WeasyPrint draws vectors)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=scale, border=2)


# --- The face -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaceField:
    key: str
    label: str
    type: str
    value: str

    @property
    def wide(self) -> bool:
        return self.type == FaceFieldType.TEXTAREA or len(self.value) > 40


def _mask(value: str, *, kind: str, public: bool, personal: bool) -> str:
    if kind == FaceFieldType.RESIDENT_ID:
        return mask_resident_id(value)
    if public and personal:
        return mask_name(value)
    return value


def face_fields(licence: Licence, face: dict[str, str], *, public: bool) -> list[FaceField]:
    """The face fields in the order of the licence type's schema, masked for the audience. A
    credit-code field repeating the holder's code is left out (the face prints it once, beside
    the holder); fields the schema no longer names are shown last under their key."""
    schema = licence.licence_type.face_fields
    out: list[FaceField] = []
    seen: set[str] = set()
    for spec in schema:
        key = spec["key"]
        seen.add(key)
        value = face.get(key)
        if not value:
            continue
        if spec["type"] == FaceFieldType.CREDIT_CODE and value == licence.holder_code_masked:
            continue  # the holder's own credit code (a masked ID number never equals one)
        shown = _mask(value, kind=spec["type"], public=public, personal=bool(spec.get("personal")))
        out.append(FaceField(key, spec["label"], spec["type"], shown))
    for key in sorted(set(face) - seen):
        out.append(FaceField(key, key, FaceFieldType.TEXT, mask_name(face[key]) if public else face[key]))
    return out


def holder_name(licence: Licence, *, public: bool) -> str:
    if public and licence.holder_kind == HolderKind.PERSON:
        return mask_name(licence.holder_name)
    return licence.holder_name


def validity_text(licence: Licence) -> str:
    start = licence.valid_from.isoformat()
    if licence.valid_until is None:
        return f"自 {start} 起长期有效"
    return f"{start} 至 {licence.valid_until.isoformat()}"


def face_context(
    licence: Licence, *, verify_url: str, public: bool, face: dict[str, str] | None = None
) -> dict:
    """What a face template is given. `face` is the whole face in clear when the caller has it
    already (a licence whose personal ciphertext is unreadable shows its plain fields only)."""
    if face is None:
        try:
            face = queries.licence_face(licence)
        except ValueError:
            face = dict(licence.face)
    return {
        "licence": licence,
        "holder_name": holder_name(licence, public=public),
        "holder_label": "持证人" if licence.holder_kind == HolderKind.PERSON else "名称",
        "fields": face_fields(licence, face, public=public),
        "validity": validity_text(licence),
        "void": "" if licence.state == LicenceState.VALID else LicenceState(licence.state).label,
        "seal": seal_data_uri(licence.issuer_name),
        "qr": qr_data_uri(verify_url),
        "verify_url": verify_url,
    }


def face_template(licence: Licence):
    return select_template([licence.licence_type.template or GENERIC_TEMPLATE, GENERIC_TEMPLATE])


def render_face(
    licence: Licence, *, verify_url: str, public: bool, face: dict[str, str] | None = None
) -> str:
    """The face as an HTML fragment (`<article class="licence-face">`), always in Chinese."""
    context = face_context(licence, verify_url=verify_url, public=public, face=face)
    with translation.override("zh-hans"):
        return face_template(licence).render(context)


@lru_cache(maxsize=1)
def face_css() -> str:
    return FACE_CSS.read_text(encoding="utf-8")


def render_pdf(licence: Licence, *, verify_url: str) -> bytes:
    """The holder's face as an A4 PDF (Noto CJK from Debian's fonts-noto-cjk). Everything it
    shows is embedded (seal and QR code as data URIs), so WeasyPrint may fetch nothing: no
    network, no files."""
    from weasyprint import CSS, HTML  # imported here: loading Pango costs time at start-up
    from weasyprint.urls import URLFetcher

    with translation.override("zh-hans"):
        html = render_to_string(
            "licences/face_pdf.html",
            {
                "licence": licence,
                "face": render_face(licence, verify_url=verify_url, public=False),
                "verify_url": verify_url,
            },
        )
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[CSS(string=face_css())])
