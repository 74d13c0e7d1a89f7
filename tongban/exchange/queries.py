"""exchange reads (see README.md).

Catalogue: the public list and an entry's page (current, published versions only), the
workbench's list (each code's latest version, draft or current), an entry's history with the
differences of its fields between versions, and the statistics per department and province
(entries, mounted and the mounted share, requests, calls)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from tongban.core import queries as core_queries

from .enums import EntryState, MountState, OpenType
from .models import CallLog, Mount, Resource, ShareRequest

# --- The catalogue's lists -----------------------------------------------------------------------


PUBLIC_OPEN_TYPES = (OpenType.OPEN, OpenType.CONDITIONAL)


def published_entries(
    *,
    department_id: int | None = None,
    register: str = "",
    share_type: str = "",
    q: str = "",
    public: bool = True,
):
    """The current, published entries (not retired); filtered. `public`: only the open part of
    the catalogue (向社会开放 and 有条件开放, as the DCAT and CKAN exports: docs/exchange.md)."""
    qs = Resource.objects.filter(is_current=True, state=EntryState.PUBLISHED).select_related("provider")
    if public:
        qs = qs.filter(open_type__in=PUBLIC_OPEN_TYPES)
    if department_id:
        qs = qs.filter(provider_id=department_id)
    if register:
        qs = qs.filter(base_register=register)
    if share_type:
        qs = qs.filter(share_type=share_type)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(summary__icontains=q))
    return qs.order_by("code")


def public_entry(code: str) -> Resource | None:
    """An entry's current version for the public page: published and in the open part of the
    catalogue; a draft, a retired entry or one not open to the public is None (404)."""
    return (
        Resource.objects.filter(
            code=code, is_current=True, state=EntryState.PUBLISHED, open_type__in=PUBLIC_OPEN_TYPES
        )
        .select_related("provider", "provider__region")
        .first()
    )


def current_entry(code: str) -> Resource | None:
    """An entry's current version (published or retired), whoever may see it: for internal use."""
    return Resource.objects.filter(code=code, is_current=True).select_related("provider").first()


def mounts_of(codes) -> dict[str, Mount]:
    return {m.code: m for m in Mount.objects.filter(code__in=list(codes))}


def provider_departments():
    """The departments that provide at least one published entry (for the filter), one query."""
    ids = (
        Resource.objects.filter(is_current=True, state=EntryState.PUBLISHED, open_type__in=PUBLIC_OPEN_TYPES)
        .values_list("provider_id", flat=True)
        .distinct()
    )
    return sorted(core_queries.departments_by_id(ids).values(), key=lambda d: (d.region_id, d.name))


def workbench_entries(*, department_id: int | None) -> QuerySet[Resource]:
    """Each code's latest version (a draft if there is one, else the current one), of one
    department or (None) of all."""
    qs = Resource.objects.filter(Q(state=EntryState.DRAFT) | Q(is_current=True))
    if department_id is not None:
        qs = qs.filter(provider_id=department_id)
    has_draft = Resource.objects.filter(code=OuterRef("code"), state=EntryState.DRAFT)
    qs = qs.annotate(has_draft=Exists(has_draft)).exclude(Q(is_current=True) & Q(has_draft=True))
    return qs.select_related("provider").order_by("code")


def versions(code: str) -> list[Resource]:
    return list(Resource.objects.filter(code=code).order_by("-version"))


@dataclass
class FieldChange:
    key: str
    change: str  # added, removed, changed
    before: dict | None
    after: dict | None
    parts: list[str] = field(default_factory=list)  # which parts changed (name, type, ...)


def field_diff(older: list[dict], newer: list[dict]) -> list[FieldChange]:
    """What changed in the data items from one version to the next, in the newer order."""
    old = {f["key"]: f for f in older}
    new = {f["key"]: f for f in newer}
    out: list[FieldChange] = []
    for f in newer:
        before = old.get(f["key"])
        if before is None:
            out.append(FieldChange(f["key"], "added", None, f))
        elif before != f:
            parts = sorted(k for k in set(before) | set(f) if before.get(k) != f.get(k))
            out.append(FieldChange(f["key"], "changed", before, f, parts))
    out.extend(FieldChange(f["key"], "removed", f, None) for f in older if f["key"] not in new)
    return out


VALUE_LABELS = (
    "name",
    "summary",
    "format",
    "share_type",
    "share_condition",
    "share_basis",
    "open_type",
    "open_condition",
    "update_frequency",
    "subject",
    "keywords",
)


def history(code: str) -> list[dict]:
    """Every version, newest first, with what changed from the version before it."""
    rows = versions(code)
    out = []
    for i, version in enumerate(rows):
        previous = rows[i + 1] if i + 1 < len(rows) else None
        out.append(
            {
                "version": version,
                "fields": field_diff(previous.fields, version.fields) if previous else [],
                "values": [
                    (Resource._meta.get_field(k).verbose_name, getattr(previous, k), getattr(version, k))
                    for k in VALUE_LABELS
                    if previous is not None and getattr(previous, k) != getattr(version, k)
                ],
            }
        )
    return out


# --- Statistics ----------------------------------------------------------------------------------


@dataclass
class CatalogueFigures:
    """One department's (or the province's) catalogue figures."""

    department_id: int | None
    name: str
    entries: int = 0
    mounted: int = 0
    requests: int = 0
    calls: int = 0

    @property
    def mounted_share(self) -> float:
        """Mounted entries as a percentage of entries, one decimal (0.0 with no entries)."""
        return round(100 * self.mounted / self.entries, 1) if self.entries else 0.0


@dataclass
class CatalogueStats:
    total: CatalogueFigures
    departments: list[CatalogueFigures]


def catalogue_stats(department_id: int | None = None) -> CatalogueStats:
    """Entries (current, published: retired ones no longer count), mounted entries (mount
    state 已挂接), share requests the provider received (any state) and gateway calls (any
    outcome) per providing department, and their total (the province; one department's when
    `department_id` is given). Four grouped queries, whatever the number of departments."""
    entries = Resource.objects.filter(is_current=True, state=EntryState.PUBLISHED)
    if department_id is not None:
        entries = entries.filter(provider_id=department_id)
    mounted = Mount.objects.filter(code=OuterRef("code"), state=MountState.MOUNTED)
    rows = entries.values("provider_id").annotate(n=Count("id"), m=Count("id", filter=Exists(mounted)))
    figures: dict[int, CatalogueFigures] = {}

    def row(dept_id: int) -> CatalogueFigures:
        return figures.setdefault(dept_id, CatalogueFigures(dept_id, ""))

    for r in rows:
        f = row(r["provider_id"])
        f.entries, f.mounted = r["n"], r["m"]
    requests = ShareRequest.objects.all()
    if department_id is not None:
        requests = requests.filter(resource__provider_id=department_id)
    for r in requests.values("resource__provider_id").annotate(n=Count("id")):
        row(r["resource__provider_id"]).requests = r["n"]
    # Calls count by code; a code belongs to the provider of its versions.
    owners = dict(Resource.objects.filter(version=1).values_list("code", "provider_id"))
    calls = CallLog.objects.all()
    if department_id is not None:
        calls = calls.filter(service_code__in=[c for c, p in owners.items() if p == department_id])
    for r in calls.values("service_code").annotate(n=Count("id")):
        owner = owners.get(r["service_code"])
        if owner is not None:
            row(owner).calls += r["n"]
    names = core_queries.departments_by_id(list(figures))
    for dept_id, f in figures.items():
        f.name = names[dept_id].name if dept_id in names else ""
    departments = sorted(figures.values(), key=lambda f: (-f.entries, f.name))
    if department_id is not None:
        total = figures.get(department_id) or CatalogueFigures(department_id, _department_name(department_id))
        return CatalogueStats(total=total, departments=[total])
    total = CatalogueFigures(
        None,
        "全省",
        entries=sum(f.entries for f in departments),
        mounted=sum(f.mounted for f in departments),
        requests=sum(f.requests for f in departments),
        calls=sum(f.calls for f in departments),
    )
    return CatalogueStats(total=total, departments=departments)


def _department_name(department_id: int) -> str:
    found = core_queries.departments_by_id([department_id])
    return found[department_id].name if department_id in found else ""


def labelled_fields(fields: list[dict]) -> list[dict]:
    """Data items with the labels of their type and sensitivity, for pages."""
    from .enums import FieldType, Sensitivity

    types, levels = dict(FieldType.choices), dict(Sensitivity.choices)
    return [
        {
            **f,
            "type_label": types.get(f.get("type"), ""),
            "sensitivity_label": levels.get(f.get("sensitivity"), ""),
        }
        for f in fields
    ]


def credit_file_exists(credit_code: str) -> bool:
    from .models import CreditRecord

    return CreditRecord.objects.filter(credit_code=credit_code).exists()


def call_figures(
    *, date_from, date_to, region_prefix: str, department_id: int | None = None
) -> dict[str, int]:
    """For insight's indicators (一屏全览): gateway calls (any outcome) and answered calls of the
    services provided by departments of the region (prefix) and below (or one department), on
    the days [date_from, date_to] of the daily rollup (CallStatDay: `manage.py exchange rollup`;
    a day not rolled up yet does not count)."""
    from django.db.models import Sum

    from .models import CallStatDay

    owners = Resource.objects.filter(version=1, provider__region__code__startswith=region_prefix)
    if department_id is not None:
        owners = owners.filter(provider_id=department_id)
    row = CallStatDay.objects.filter(
        day__gte=date_from, day__lte=date_to, service_code__in=owners.values("code")
    ).aggregate(calls=Sum("calls"), ok=Sum("ok"))
    return {"calls": row["calls"] or 0, "ok": row["ok"] or 0}
