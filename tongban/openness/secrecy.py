"""The secrecy scanner of 保密审查: personal data in a policy before it is published.

It looks for:

- resident ID numbers (居民身份证号码): 18 characters whose birth date, region prefix and check
  character are valid (`core.identifiers.check_resident_id`); a number with a wrong check
  character is not an ID number and is not reported;
- mobile numbers (`1[3-9]` + 9 digits) and landlines with their area code (027-87654321);
- names in a personal context: after a cue (姓名：, 申请人, 当事人, 被申请人, 投诉人, 举报人, 联系人,
  户主, 村民, 居民, 患者, 职工 ...) or before 同志, where jieba's part-of-speech tagging reads the
  adjacent word as a person's name (`nr`, `nrfg`, `nrt`; a two-character compound surname such as
  欧阳 is joined to the given name). After 姓名： the whole run of Chinese characters is a name
  whatever the tagger says. A name already pseudonymised with 某 (张某, 李某某) or masked with *
  is not reported.

A finding carries its kind, its span in the scanned string, a masked excerpt (the surrounding
text with *every* finding of that string masked, so one finding's excerpt never shows another's
value) and a keyed digest of the value (so a rescan recognises a value the reviewer confirmed).
The value itself is never returned, stored or logged.

`redact(text, kind, digest)` replaces every occurrence of that value in the text by its mask
(4201**********123X, 138****5678, 027-****4321, 王*).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jieba
import jieba.posseg

from tongban.core import crypto, identifiers

from .enums import FindingKind

EXCERPT_CONTEXT = 12  # characters of context either side of a finding in its excerpt
DIGEST_PURPOSE = "openness-secrecy"

ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE_RE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
LANDLINE_RE = re.compile(r"(?<![0-9])(?:010|02\d|0[3-9]\d{2})[- ]?[1-9]\d{6,7}(?![0-9])")

# Words after which a person's name is likely (申请人张三), and before which (张三同志).
NAME_CUES_BEFORE = (
    "被申请人",
    "申请人",
    "当事人",
    "投诉人",
    "举报人",
    "联系人",
    "代理人",
    "户主",
    "村民",
    "居民",
    "患者",
    "职工",
    "家属",
)
NAME_CUES_AFTER = ("同志",)
EXPLICIT_NAME_RE = re.compile(r"姓\s*名\s*[:：]\s*([\u4e00-\u9fff·]{2,6})")
CUE_RE = re.compile("(" + "|".join(NAME_CUES_BEFORE) + r")\s*[:：]?\s*")
AFTER_RE = re.compile("|".join(NAME_CUES_AFTER))
NAME_TAGS = ("nr", "nrfg", "nrt")
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "慕容",
        "令狐",
        "司徒",
        "长孙",
        "尉迟",
        "宇文",
        "夏侯",
        "公孙",
    }
)
WINDOW = 8  # characters the tagger reads on the name's side of a cue


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    masked: str  # the excerpt around the finding, every finding in it masked
    digest: str

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


def digest_of(kind: str, value: str) -> str:
    return crypto.blind_index(f"{kind}:{value}", purpose=DIGEST_PURPOSE)


def mask(kind: str, value: str) -> str:
    if kind == FindingKind.ID_CARD:
        return identifiers.mask_resident_id(value)
    if kind == FindingKind.MOBILE:
        return identifiers.mask_mobile(value)
    if kind == FindingKind.LANDLINE:
        return identifiers.mask_phone(value)
    return identifiers.mask_name(value)


def _pseudonymised(name: str) -> bool:
    return "某" in name or "*" in name or "×" in name or "X" in name.upper()


def _tagged(window: str) -> list[tuple[str, str]]:
    return [(w.word, w.flag) for w in jieba.posseg.cut(window)]


def _name_after(text: str, at: int) -> tuple[int, int] | None:
    """The span of a name starting at `at`, by the tagger, else None."""
    tokens = _tagged(text[at : at + WINDOW])
    if not tokens:
        return None
    word, flag = tokens[0]
    if word in COMPOUND_SURNAMES and len(tokens) > 1 and tokens[1][1].startswith(("nr", "n")):
        given = tokens[1][0]
        if 1 <= len(given) <= 2 and all("\u4e00" <= c <= "\u9fff" for c in given):
            return (at, at + len(word) + len(given))
    if flag in NAME_TAGS and 2 <= len(word) <= 4 and not _pseudonymised(word):
        return (at, at + len(word))
    return None


def _name_before(text: str, end: int) -> tuple[int, int] | None:
    """The span of a name ending at `end` (before 同志), by the tagger, else None."""
    start = max(0, end - WINDOW)
    tokens = _tagged(text[start:end])
    if not tokens:
        return None
    word, flag = tokens[-1]
    if flag in NAME_TAGS and 2 <= len(word) <= 4 and not _pseudonymised(word):
        return (end - len(word), end)
    return None


def _spans(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every finding in `text`, without overlaps, in order."""
    found: list[tuple[str, int, int]] = []
    for m in ID_RE.finditer(text):
        if identifiers.check_resident_id(m.group()):
            found.append((FindingKind.ID_CARD, m.start(), m.end()))
    for m in MOBILE_RE.finditer(text):
        found.append((FindingKind.MOBILE, m.start(), m.end()))
    for m in LANDLINE_RE.finditer(text):
        found.append((FindingKind.LANDLINE, m.start(), m.end()))
    for m in EXPLICIT_NAME_RE.finditer(text):
        if not _pseudonymised(m.group(1)):
            found.append((FindingKind.NAME, m.start(1), m.end(1)))
    for m in CUE_RE.finditer(text):
        span = _name_after(text, m.end())
        if span:
            found.append((FindingKind.NAME, *span))
    for m in AFTER_RE.finditer(text):
        span = _name_before(text, m.start())
        if span:
            found.append((FindingKind.NAME, *span))
    # Earliest first; of overlapping spans the longer (an ID number over a mobile-like run) wins.
    found.sort(key=lambda f: (f[1], -(f[2] - f[1])))
    out: list[tuple[str, int, int]] = []
    for kind, start, end in found:
        if out and start < out[-1][2]:
            continue
        out.append((str(kind), start, end))
    return out


def _masked_text(text: str, spans: list[tuple[str, int, int]]) -> tuple[str, list[int]]:
    """`text` with every span masked, and each original offset's shift (masks may differ in
    length from the value, e.g. a landline without its dash)."""
    parts: list[str] = []
    shifts: list[int] = []
    pos = shift = 0
    for kind, start, end in spans:
        parts.append(text[pos:start])
        masked = mask(kind, text[start:end])
        shifts.append(shift)
        parts.append(masked)
        shift += len(masked) - (end - start)
        pos = end
    parts.append(text[pos:])
    return "".join(parts), shifts


def scan(text: str) -> list[Finding]:
    """Every finding in `text`, in order."""
    text = text or ""
    spans = _spans(text)
    if not spans:
        return []
    masked_text, shifts = _masked_text(text, spans)
    out = []
    for (kind, start, end), shift in zip(spans, shifts, strict=True):
        m_start = start + shift
        m_end = m_start + len(mask(kind, text[start:end]))
        lo = max(0, m_start - EXCERPT_CONTEXT)
        hi = min(len(masked_text), m_end + EXCERPT_CONTEXT)
        excerpt = ("…" if lo else "") + masked_text[lo:hi] + ("…" if hi < len(masked_text) else "")
        excerpt = excerpt.replace("\r", " ").replace("\n", " ")
        out.append(Finding(kind, start, end, excerpt[:200], digest_of(kind, text[start:end])))
    return out


def redact(text: str, kind: str, digest: str) -> tuple[str, int]:
    """`text` with every occurrence of the value of (`kind`, `digest`) masked, and how many."""
    text = text or ""
    spans = [s for s in _spans(text) if s[0] == kind and digest_of(kind, text[s[1] : s[2]]) == digest]
    if not spans:
        return text, 0
    parts: list[str] = []
    pos = 0
    for k, start, end in spans:
        parts.append(text[pos:start])
        parts.append(mask(k, text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts), len(spans)
