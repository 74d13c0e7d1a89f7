"""The open part of the catalogue: what the public exports (DCAT-AP, the CKAN facade) show.

Which entries appear (decided for issue 12, documented in docs/exchange.md):

- only the published, current version of an entry (drafts, retired versions and history never);
- 向社会开放 (open): the entry with its data items (name, type, length) and its mount;
- 有条件开放 (conditional): the entry's description, provider, theme, frequency and mount, its
  access rights marked restricted with the open condition, but **no data items** (信息项);
- 不向社会开放 (closed): absent, as if it did not exist (404 in the CKAN facade).

One query for the entries (with their providers and regions), one for the mounts, one for the
first publication date of each code: the number of queries does not grow with the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min

from .enums import EntryState, MountState, OpenType
from .models import Mount, Resource

PUBLIC_OPEN_TYPES = (OpenType.OPEN, OpenType.CONDITIONAL)


@dataclass(frozen=True)
class OpenEntry:
    resource: Resource
    mount: Mount | None  # a mounted mount only (unmounted or suspended: none)
    issued: datetime | None  # the first version's publication
    modified: datetime | None  # the later of this version's publication and the data's last update

    @property
    def code(self) -> str:
        return self.resource.code

    @property
    def provider(self):
        return self.resource.provider

    @property
    def restricted(self) -> bool:
        return self.resource.open_type == OpenType.CONDITIONAL

    @property
    def data_items(self) -> list[dict]:
        """The data items (信息项) the public may see: none for a conditionally open entry."""
        if self.restricted:
            return []
        return [
            {
                "key": f.get("key", ""),
                "name": f.get("name", ""),
                "type": f.get("type", ""),
                "length": f.get("length"),
            }
            for f in self.resource.fields
        ]


def open_resources():
    """The queryset of the open part (current published versions, open or conditionally open)."""
    return Resource.objects.filter(
        is_current=True, state=EntryState.PUBLISHED, open_type__in=PUBLIC_OPEN_TYPES
    ).select_related("provider", "provider__region")


def open_entries(*, provider_id: int | None = None, codes=None) -> list[OpenEntry]:
    """The open part as OpenEntry rows, ordered by resource code."""
    resources = open_resources().order_by("code")
    if provider_id is not None:
        resources = resources.filter(provider_id=provider_id)
    if codes is not None:
        resources = resources.filter(code__in=list(codes))
    resources = list(resources)
    return _entries(resources)


def open_entry(code: str) -> OpenEntry | None:
    """One entry of the open part by its resource code, or None (closed, draft-only, retired or
    unknown alike: the public cannot tell them apart)."""
    resources = list(open_resources().filter(code=code))
    return _entries(resources)[0] if resources else None


def _entries(resources: list[Resource]) -> list[OpenEntry]:
    if not resources:
        return []
    codes = [r.code for r in resources]
    mounts = {m.code: m for m in Mount.objects.filter(code__in=codes, state=MountState.MOUNTED)}
    first = dict(
        Resource.objects.filter(code__in=codes, published_at__isnull=False)
        .values("code")
        .annotate(first=Min("published_at"))
        .values_list("code", "first")
    )
    entries = []
    for r in resources:
        mount = mounts.get(r.code)
        stamps = [t for t in (r.published_at, mount.last_updated_at if mount else None) if t is not None]
        entries.append(
            OpenEntry(r, mount, first.get(r.code) or r.published_at, max(stamps) if stamps else None)
        )
    return entries
