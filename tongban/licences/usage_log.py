"""The usage log's writer (用证记录). Every use appends through `append`."""

from __future__ import annotations

from .models import LicenceUsage


def append(rows: list[LicenceUsage]) -> list[LicenceUsage]:
    """Insert the rows now, in the caller's connection (one multi-row INSERT)."""
    return LicenceUsage.objects.bulk_create(rows)
