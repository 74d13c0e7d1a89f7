"""Writes on 12345 tickets (`do_<verb>`, each with `actor=`, atomic, row-locking, audited).

The services live by meaning in `intake` (受理, 直接答复, 话务记录), `dispatch` (派单 to 评价,
returns and arbitration, extensions, reopening, merging, 督办), `rules` (时限规则 as data) and
`deadlines` (the clock); this module is the one entry point for other apps and the views.
"""

from __future__ import annotations

from .dispatch import (
    do_accept,
    do_add_progress,
    do_arbitrate,
    do_callback,
    do_close,
    do_decide_extension,
    do_dispatch,
    do_mark_rated,
    do_merge,
    do_reply,
    do_request_extension,
    do_return,
    do_send_back,
    do_supervise,
    supervise_due,
)
from .intake import do_answer_directly, do_intake, do_record_call
from .rules import do_set_deadline_rule

__all__ = [
    "do_accept",
    "do_add_progress",
    "do_answer_directly",
    "do_arbitrate",
    "do_callback",
    "do_close",
    "do_decide_extension",
    "do_dispatch",
    "do_intake",
    "do_mark_rated",
    "do_merge",
    "do_record_call",
    "do_reply",
    "do_request_extension",
    "do_return",
    "do_send_back",
    "do_set_deadline_rule",
    "do_supervise",
    "supervise_due",
]
