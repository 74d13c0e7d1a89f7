"""Signals other apps listen to (the hotline moves a ticket to 已评价 on `rated`)."""

from django.dispatch import Signal

# Sent after a rating is saved or changed: kind, ref, level (1-5, 5 = 非常满意), default (bool).
rated = Signal()
