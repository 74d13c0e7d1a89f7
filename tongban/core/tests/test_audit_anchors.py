"""Issue 10 §6: signed anchors of the audit chain's head (core.anchors, ADR 0007). A database
administrator who rewrites the chain consistently (recomputing every hash), or deletes its newest
events, is caught by `manage.py audit verify`; so is tampering with the anchor file."""

from __future__ import annotations

import json
import secrets

import pytest
from django.core.management import CommandError, call_command

from tongban.core import anchors, audit
from tongban.core.models import AuditEvent

from .conftest import SYSTEM

pytestmark = pytest.mark.django_db


def record(n: int) -> list[AuditEvent]:
    return [
        audit.record(actor=SYSTEM, action="test.event", object_type="test.thing", object_id=i, data={"i": i})
        for i in range(n)
    ]


def rechain() -> None:
    """What an administrator with write access to the database can do: recompute every link so
    the chain verifies on its own again."""
    prev = audit.genesis()
    for event in AuditEvent.objects.order_by("seq"):
        event.prev_hash = prev
        event.hash = prev = audit.chain_hash(prev, event)
        AuditEvent.objects.filter(seq=event.seq).update(prev_hash=event.prev_hash, hash=event.hash)


def verify() -> str:
    try:
        call_command("audit", "verify")
    except CommandError as exc:
        return str(exc)
    return "ok"


def anchored(n: int = 6) -> list[AuditEvent]:
    events = record(n)
    call_command("audit", "anchor")
    return events


def test_anchor_then_verify(settings, capsys):
    events = record(3)
    call_command("audit", "anchor")
    assert capsys.readouterr().out.strip().startswith(f"Anchored the audit chain at event #{events[-1].seq}")
    record(2)
    call_command("audit", "anchor")
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "Audit chain intact: 5 events verified against 2 anchors" in out
    lines = [json.loads(line) for line in settings.AUDIT_ANCHOR_FILE.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [events[-1].seq, events[-1].seq + 2]
    assert lines[1]["prev"] == lines[0]["mac"] and lines[0]["prev"] == ""


def test_deleting_the_newest_events_is_detected():
    events = anchored()
    assert verify() == "ok"
    AuditEvent.objects.filter(seq__gte=events[4].seq).delete()
    assert audit.verify_chain().ok  # the chain alone cannot tell
    assert verify() == (
        f"Audit chain broken at event #{events[5].seq}: the chain was truncated: it ends at "
        f"#{events[3].seq}, before the anchored head (4 events before it verified)."
    )


def test_an_edited_and_rechained_event_is_detected():
    events = anchored()
    AuditEvent.objects.filter(seq=events[2].seq).update(data={"i": 99})
    rechain()
    assert audit.verify_chain().ok
    assert verify().startswith(
        f"Audit chain broken at event #{events[5].seq}: the chain was rewritten: the event's hash is not the anchored one"
    )


def test_a_deleted_and_rechained_middle_event_is_detected():
    events = anchored()
    AuditEvent.objects.filter(seq=events[1].seq).delete()
    rechain()
    assert audit.verify_chain().ok
    assert "the chain was rewritten" in verify()


def test_reordered_and_rechained_events_are_detected():
    events = anchored()
    a, b = (AuditEvent.objects.get(seq=e.seq) for e in (events[1], events[2]))
    AuditEvent.objects.filter(seq=a.seq).update(object_id=b.object_id, data=b.data, at=b.at)
    AuditEvent.objects.filter(seq=b.seq).update(object_id=a.object_id, data=a.data, at=a.at)
    rechain()
    assert audit.verify_chain().ok
    assert "the chain was rewritten" in verify()


def test_deleting_the_anchored_event_itself_is_detected():
    events = anchored()
    record(2)
    AuditEvent.objects.filter(seq=events[5].seq).delete()
    rechain()
    assert verify() == (
        f"Audit chain broken at event #{events[5].seq}: an anchored event was deleted (5 events before it verified)."
    )


def test_a_forged_anchor_is_refused(settings):
    events = anchored()
    path = settings.AUDIT_ANCHOR_FILE
    line = json.loads(path.read_text())
    # The administrator truncates the chain and moves the anchor back to match: the MAC fails.
    AuditEvent.objects.filter(seq__gte=events[4].seq).delete()
    line.update(seq=events[3].seq, hash=events[3].hash)
    path.write_text(json.dumps(line) + "\n")
    assert (
        verify() == "Audit anchors altered: anchor line 1: signature does not verify with AUDIT_ANCHOR_KEY."
    )
    # Nor does another key sign for this installation.
    path.unlink()
    settings.AUDIT_ANCHOR_KEY, key = secrets.token_hex(32), settings.AUDIT_ANCHOR_KEY
    call_command("audit", "anchor")
    settings.AUDIT_ANCHOR_KEY = key
    assert "signature does not verify" in verify()


def test_a_removed_anchor_line_is_detected(settings):
    anchored()
    record(1)
    call_command("audit", "anchor")
    record(1)
    call_command("audit", "anchor")
    path = settings.AUDIT_ANCHOR_FILE
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert (
        verify()
        == "Audit anchors altered: anchor line 2 does not follow the line before it (a line was removed)."
    )
    with pytest.raises(CommandError, match="anchors altered"):  # and no anchor is added to it
        call_command("audit", "anchor")
    assert len(path.read_text().splitlines()) == 2


def test_no_anchor_yet_and_an_empty_chain(capsys):
    call_command("audit", "anchor")
    assert "nothing to anchor" in capsys.readouterr().out
    record(1)
    call_command("audit", "verify")
    assert "no anchor yet" in capsys.readouterr().out
    assert anchors.read_anchors() == []
