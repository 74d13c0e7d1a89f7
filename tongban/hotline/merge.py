"""Duplicate suggestions (合并建议): the same place and matter within MERGE_WINDOW_DAYS.

Candidates come from the same region code and the time window (the (region_code, received_at)
index), at most MAX_CANDIDATES of them; each is scored by the Jaccard similarity of the two
texts' jieba tokens (search-mode segmentation, single characters and punctuation dropped),
plus a small bonus for the same address. The operator decides (`dispatch.do_merge`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import jieba

from .enums import MERGE_MIN_SIMILARITY, MERGE_WINDOW_DAYS, TicketState
from .models import Ticket

MAX_CANDIDATES = 200
_WORD = re.compile(r"[\w\u4e00-\u9fff]")

jieba.setLogLevel(60)  # no start-up chatter in logs


@lru_cache(maxsize=4096)
def tokens(text: str) -> frozenset[str]:
    return frozenset(t for t in jieba.lcut_for_search(text or "") if len(t) >= 2 and _WORD.match(t))


def similarity(a: str, b: str) -> float:
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


@dataclass(frozen=True)
class Duplicate:
    number: str
    score: float
    text: str
    state: str
    received_at: dt.datetime


def suggest_duplicates(ticket: Ticket, *, limit: int = 5) -> list[Duplicate]:
    if not ticket.region_code:
        return []
    window = dt.timedelta(days=MERGE_WINDOW_DAYS)
    candidates = (
        Ticket.objects.filter(
            region_code=ticket.region_code,
            received_at__gte=ticket.received_at - window,
            received_at__lte=ticket.received_at + window,
        )
        .exclude(pk=ticket.pk)
        .exclude(state=TicketState.MERGED)
        .order_by("-received_at")
        .only("number", "text", "address", "state", "received_at")[:MAX_CANDIDATES]
    )
    found = []
    for other in candidates:
        score = similarity(ticket.text, other.text)
        if ticket.address and ticket.address == other.address:
            score = min(1.0, score + 0.1)
        if score >= MERGE_MIN_SIMILARITY:
            found.append(Duplicate(other.number, round(score, 3), other.text, other.state, other.received_at))
    found.sort(key=lambda d: (-d.score, d.received_at))
    return found[:limit]
