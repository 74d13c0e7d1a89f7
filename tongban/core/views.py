"""Kernel pages: none public yet; the working-day calendar is edited in the admin."""
