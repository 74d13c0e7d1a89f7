"""Signed anchors of the audit chain (审计链锚定), see docs/decisions/0007-audit-anchors.md.

The hash chain alone shows that events were edited, deleted or reordered only to someone who
cannot recompute it; a database administrator can (SM3 is public), and deleting the newest events
leaves a shorter chain that still verifies. An anchor is a checkpoint of the chain's head kept
outside the database: the head's sequence number and hash, the time, and the previous anchor's
MAC, signed with HMAC-SM3 under AUDIT_ANCHOR_KEY (which the database never holds), one JSON line
appended to AUDIT_ANCHOR_FILE. `manage.py audit anchor` writes one (run it periodically, e.g.
every few minutes); `manage.py audit verify` checks every anchor's signature and link, then walks
the chain and requires each anchored event to still be there with the anchored hash.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .crypto import constant_time_equal, hmac_sm3_hex
from .models import AuditEvent

FORMAT = "tongban-audit-anchor/1"


def _path() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def _mac(body: dict) -> str:
    payload = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac_sm3_hex(bytes.fromhex(settings.AUDIT_ANCHOR_KEY), payload)


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    prev: str
    mac: str


class AnchorFileError(ValueError):
    """The anchor file was altered: a line does not parse, is not signed with the anchor key, or
    does not follow the line before it."""


def read_anchors() -> list[Anchor]:
    """The anchors in the file, each signature and link checked; [] when there is no file yet."""
    path = _path()
    if not path.exists():
        return []
    anchors: list[Anchor] = []
    prev_mac = ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            body = {k: raw[k] for k in ("format", "seq", "hash", "at", "prev")}
            mac = raw["mac"]
        except (ValueError, KeyError, TypeError):
            raise AnchorFileError(f"anchor line {number} is not a signed anchor") from None
        if body["format"] != FORMAT or not constant_time_equal(str(mac), _mac(body)):
            raise AnchorFileError(f"anchor line {number}: signature does not verify with AUDIT_ANCHOR_KEY")
        if body["prev"] != prev_mac:
            raise AnchorFileError(
                f"anchor line {number} does not follow the line before it (a line was removed)"
            )
        if anchors and body["seq"] < anchors[-1].seq:
            raise AnchorFileError(f"anchor line {number} goes back from #{anchors[-1].seq} to #{body['seq']}")
        anchors.append(Anchor(seq=body["seq"], hash=body["hash"], at=body["at"], prev=body["prev"], mac=mac))
        prev_mac = mac
    return anchors


def write_anchor() -> Anchor | None:
    """Append a signed anchor of the chain's current head (None when the chain is empty)."""
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if head is None:
        return None
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # two writers at once: one after the other, each linked
        anchors = read_anchors()  # refuse to extend a file that was tampered with
        body = {
            "format": FORMAT,
            "seq": head["seq"],
            "hash": head["hash"],
            "at": timezone.now().isoformat(timespec="seconds"),
            "prev": anchors[-1].mac if anchors else "",
        }
        mac = _mac(body)
        os.write(fd, (json.dumps({**body, "mac": mac}, ensure_ascii=False) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return Anchor(seq=body["seq"], hash=body["hash"], at=body["at"], prev=body["prev"], mac=mac)
