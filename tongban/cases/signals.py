"""Signals cases sends; other apps connect to them in their AppConfig.ready (cases imports none
of them).

`case_changed` is sent by `common.record_event`, the one point every case transition passes,
inside the transition's transaction: `case` (saved, with its state after), `action` (the
timeline action: submit, window_intake, accept, conclude, ...) and `before` (the state before;
"" for a new case). A receiver that raises rolls the transition back, so receivers do only
small, certain writes (insight's rollup increments)."""

from django.dispatch import Signal

case_changed = Signal()

# Actions that create a case (its first event): the case is counted from here.
CREATING_ACTIONS = frozenset({"submit", "window_intake"})
