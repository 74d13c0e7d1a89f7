"""ratings writes, split by meaning (each `do_<verb>` takes `actor=`, is atomic, locks what it
changes and records an audit event):

- `rating`: online rating and the one later change (一事一评);
- `links`: SMS and QR links (single-use, signed, expiring);
- `hall`: windows, their screens and the QR code (一次一评);
- `invitations`: the invitation a 办结 creates;
- `rectification`: 核实, 整改, 答复, 回访, the rater's rating of the fix, escalation;
- `appeal`: 申诉 and its four-eyes decision;
- `defaults`: the daily tick (default ratings, SMS links, escalation).
"""

from .appeal import do_appeal, do_decide_appeal
from .defaults import do_tick
from .hall import do_create_window, do_pair_screen, do_rate_at_window, do_show_qr, do_take_window
from .invitations import do_invite
from .links import do_rate_with_link, do_send_sms_link
from .rating import check_rating, do_change_rating, do_rate
from .rectification import do_callback, do_escalate_overdue, do_rate_fix, do_reply, do_verify

__all__ = [
    "check_rating",
    "do_appeal",
    "do_callback",
    "do_change_rating",
    "do_create_window",
    "do_decide_appeal",
    "do_escalate_overdue",
    "do_invite",
    "do_pair_screen",
    "do_rate",
    "do_rate_at_window",
    "do_rate_fix",
    "do_rate_with_link",
    "do_reply",
    "do_send_sms_link",
    "do_show_qr",
    "do_take_window",
    "do_tick",
    "do_verify",
]
