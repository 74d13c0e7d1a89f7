"""Reads of the bundles app. The themes part: published themes for the portal, the API and the
apply page (`published_theme`, `theme_for_apply`, `themes_for_region`), a theme's guide with its
members from the catalogue and what the theme saves (`theme_guide`, `savings`), and the
workbench's lists. Other parts append their reads below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tongban.catalog import queries as catalog_queries
from tongban.core import queries as core_queries
from tongban.core.errors import DomainError, NotFound

from . import permissions
from . import spec as specs
from .enums_themes import ThemeStatus
from .models import Theme, ThemeReview, ThemeVersion


@dataclass(frozen=True)
class PublishedTheme:
    code: str
    version: int
    name: str
    scenario: str
    audience: str  # "person" | "enterprise"
    region_code: str
    spec: specs.ThemeSpec
    version_id: int = 0
    published_at: dt.datetime | None = None


def _published(row: ThemeVersion) -> PublishedTheme:
    return PublishedTheme(
        code=row.theme.code,
        version=row.version,
        name=row.name,
        scenario=row.scenario,
        audience=row.audience,
        region_code=row.theme.region_id,
        spec=specs.parse(row.spec),
        version_id=row.pk,
        published_at=row.published_at,
    )


def _current() -> QuerySet[ThemeVersion]:
    return ThemeVersion.objects.filter(is_current=True, status=ThemeStatus.PUBLISHED).select_related("theme")


def published_theme(code: str, *, version: int | None = None) -> PublishedTheme | None:
    """The current published version of a theme (None when there is none: unknown, never
    published or withdrawn). With `version`, that version if it was ever published (a bundle
    applied under it keeps reading it)."""
    if not isinstance(code, str) or not code or len(code) > 40:
        return None
    if version is None:
        row = _current().filter(theme__code=code).first()
    else:
        row = (
            ThemeVersion.objects.select_related("theme")
            .filter(
                theme__code=code,
                version=version,
                status__in=[ThemeStatus.PUBLISHED, ThemeStatus.SUPERSEDED, ThemeStatus.WITHDRAWN],
            )
            .exclude(published_at=None)
            .first()
        )
    return _published(row) if row else None


def serving_codes(region_code: str) -> list[str] | None:
    """The region codes whose themes a person in this region may use (the region and the ones
    above it); None when no (valid) region is chosen: every theme."""
    if not region_code:
        return None
    try:
        region = core_queries.get_region(region_code)
    except DomainError:
        return None
    return core_queries.region_codes_serving(region)


def themes_for_region(region_code: str = "") -> list[PublishedTheme]:
    """Published themes serving the chosen region (its own and those of the regions above),
    nearest region first, then by name; every published theme without a region."""
    qs = _current()
    codes = serving_codes(region_code)
    if codes is not None:
        qs = qs.filter(theme__region_id__in=codes)
    rows = sorted(qs, key=lambda r: (-len(r.theme.region_id.rstrip("0")), r.audience, r.name, r.theme.code))
    return [_published(r) for r in rows]


def themes_within(region_prefix: str) -> list[PublishedTheme]:
    """Published themes of a region and the regions below it (a hall takes those), by region
    then name."""
    qs = (
        _current().filter(theme__region__code__startswith=region_prefix)
        if region_prefix
        else _current().none()
    )
    rows = sorted(qs, key=lambda r: (r.theme.region_id, r.audience, r.name, r.theme.code))
    return [_published(r) for r in rows]


def theme_for_apply(code: str, region_code: str = "") -> PublishedTheme:
    """The published theme to apply for from this region, or NotFound (unknown, withdrawn, or
    a theme of another region)."""
    theme = published_theme(code)
    if theme is None:
        raise NotFound("没有找到该主题，或主题已撤回")
    codes = serving_codes(region_code)
    if codes is not None and theme.region_code not in codes:
        raise NotFound("该主题不在您所选地区提供")
    return theme


# --- The guide: members from the catalogue, and what the theme saves -----------------------

# Working days per unit of a promised limit (catalogue TimeUnit): calendar days at five working
# days a week, a month at 21.75 working days, an 8-hour working day.
WORKDAYS_PER_UNIT = {
    "workday": Fraction(1),
    "calendar_day": Fraction(5, 7),
    "hour": Fraction(1, 8),
    "minute": Fraction(1, 480),
    "month": Fraction(87, 4),
}


def promised_workdays(limit: int, unit: str) -> Fraction:
    return Fraction(limit or 0) * WORKDAYS_PER_UNIT.get(unit, Fraction(1))


@dataclass
class MemberInfo:
    """A member with its catalogue item (None when the item is not published now)."""

    member: specs.Member
    item: object | None
    name: str
    department: str = ""
    level: str = ""
    promised_days: Fraction = Fraction(0)
    promised_label: str = ""
    visits: int = 0
    materials: list[specs.ItemMaterial] = field(default_factory=list)
    result_name: str = ""
    layer: int = 0
    requires_names: list[str] = field(default_factory=list)
    conditional: bool = False
    counted: bool = True  # among the members the guide's plan and savings count


def member_infos(spec: specs.ThemeSpec, members=None) -> list[MemberInfo]:
    """The members (all, or the given ones) with their current catalogue guides, in two
    queries (items with department and region, and their materials)."""
    members = list(spec.members if members is None else members)
    items = {
        i.code: i
        for i in catalog_queries.guide_queryset().filter(
            code__in=[m.item_code for m in members], is_current=True
        )
    }
    try:
        layers = {key: n for n, layer in enumerate(specs.order(spec, members)) for key in layer}
    except DomainError:
        layers = {}
    names = {m.key: (items[m.item_code].name if m.item_code in items else m.item_code) for m in spec.members}
    infos = []
    for m in members:
        item = items.get(m.item_code)
        info = MemberInfo(
            member=m,
            item=item,
            name=names[m.key],
            layer=layers.get(m.key, 0),
            requires_names=[names.get(r.member, r.member) for r in m.requires],
            conditional=bool(m.when),
        )
        if item is not None:
            info.department = item.department.name
            info.level = item.get_level_display()
            info.promised_days = promised_workdays(item.promised_limit, item.promised_unit)
            info.promised_label = (
                str(_("即时办结"))
                if item.promised_limit == 0
                else f"{item.promised_limit}{item.get_promised_unit_display()}"
            )
            info.visits = item.visits
            info.result_name = item.result_name
            info.materials = [
                specs.ItemMaterial(mat.name, mat.license_type_code, mat.requirement == "required")
                for mat in item.materials.all()
            ]
        infos.append(info)
    return infos


def _days(value: Fraction) -> float:
    return round(float(value), 2)


@dataclass(frozen=True)
class Savings:
    """What a theme saves compared with doing each member alone (单独办理)."""

    items_alone: int  # applications: one per member
    items_bundle: int  # one application
    materials_alone: int  # required materials summed over members
    materials_bundle: int  # materials to upload once, after de-duplication and 免提交
    trips_alone: int  # 跑动次数 summed over members
    trips_bundle: int  # the most any member needs (one window serves all)
    days_alone: float  # promised working days, one after another
    days_critical_path: float  # promised working days along the longest dependency chain
    days_bundle: int  # the theme's own promised working days

    @property
    def items_saved(self) -> int:
        return self.items_alone - self.items_bundle

    @property
    def materials_saved(self) -> int:
        return self.materials_alone - self.materials_bundle

    @property
    def trips_saved(self) -> int:
        return self.trips_alone - self.trips_bundle

    @property
    def days_saved(self) -> float:
        return round(self.days_alone - self.days_bundle, 2)

    def as_dict(self) -> dict:
        return {
            "items_alone": self.items_alone,
            "items_bundle": self.items_bundle,
            "items_saved": self.items_saved,
            "materials_alone": self.materials_alone,
            "materials_bundle": self.materials_bundle,
            "materials_saved": self.materials_saved,
            "trips_alone": self.trips_alone,
            "trips_bundle": self.trips_bundle,
            "trips_saved": self.trips_saved,
            "days_alone": self.days_alone,
            "days_critical_path": self.days_critical_path,
            "days_bundle": self.days_bundle,
            "days_saved": self.days_saved,
        }


def critical_path(spec: specs.ThemeSpec, days: dict[str, Fraction]) -> Fraction:
    """The longest chain of promised days through the dependencies of these members (members
    with no dependency between them run side by side)."""
    finish: dict[str, Fraction] = {}
    keys = set(days)
    members = [m for m in spec.members if m.key in keys]
    for layer in specs.order(spec, members):
        for key in layer:
            before = [finish[r] for r in spec.member(key).required_keys if r in finish]
            finish[key] = max(before, default=Fraction(0)) + days[key]
    return max(finish.values(), default=Fraction(0))


def savings(spec: specs.ThemeSpec, infos: list[MemberInfo]) -> Savings:
    """Savings over these members (their infos from `member_infos`)."""
    members = [i.member for i in infos]
    plan = specs.material_plan(spec, members, (), item_materials={i.member.key: i.materials for i in infos})
    days = {i.member.key: i.promised_days for i in infos}
    return Savings(
        items_alone=len(infos),
        items_bundle=1 if infos else 0,
        materials_alone=sum(sum(1 for m in i.materials if m.required) for i in infos),
        materials_bundle=sum(1 for p in plan if p.to_upload),
        trips_alone=sum(i.visits for i in infos),
        trips_bundle=max((i.visits for i in infos), default=0),
        days_alone=_days(sum(days.values(), Fraction(0))),
        days_critical_path=_days(critical_path(spec, days)),
        days_bundle=spec.promised_days,
    )


def typical_members(spec: specs.ThemeSpec) -> list[specs.Member]:
    """The members a guide counts when no answers are given: those without conditions (every
    member when all have conditions)."""
    plain = [m for m in spec.members if not m.when]
    return plain or list(spec.members)


@dataclass
class ThemeGuide:
    theme: PublishedTheme
    members: list[MemberInfo]  # every member, in spec order
    layers: list[list[str]]
    questions: list[specs.Question]
    plan: list[specs.PlannedMaterial]  # of the typical members
    savings: Savings
    counted: list[str] = field(default_factory=list)  # keys of the members the plan and savings count
    region_name: str = ""

    def member_name(self, key: str) -> str:
        for info in self.members:
            if info.member.key == key:
                return info.name
        return key


def theme_guide(theme: PublishedTheme, *, answers: dict | None = None) -> ThemeGuide:
    """The guide of a published theme: every member with its department, level, promised time
    and trips; the dependency layers; the questionnaire; the material plan and the savings of
    the members the answers choose (without answers, the members without conditions)."""
    spec = theme.spec
    infos = member_infos(spec)
    chosen = specs.applicable(spec, answers) if answers else typical_members(spec)
    keys = {m.key for m in chosen}
    for info in infos:
        info.counted = info.member.key in keys
    counted = [i for i in infos if i.counted]
    plan = specs.material_plan(spec, chosen, (), item_materials={i.member.key: i.materials for i in counted})
    region = core_queries.regions_by_code([theme.region_code]).get(theme.region_code)
    return ThemeGuide(
        theme=theme,
        members=infos,
        layers=specs.order(spec),
        questions=list(spec.questions),
        plan=plan,
        savings=savings(spec, counted),
        counted=[m.key for m in chosen],
        region_name=(region.full_name or region.name) if region else "",
    )


def guide_by_code(code: str, region_code: str = "") -> ThemeGuide:
    return theme_guide(theme_for_apply(code, region_code))


# --- Export ------------------------------------------------------------------------------


def export_doc(version: ThemeVersion) -> dict:
    """One theme version as the import reads it back (JSON and xlsx)."""
    return {
        "code": version.theme.code,
        "region": version.theme.region_id,
        "name": version.name,
        "scenario": version.scenario,
        "audience": version.audience,
        "spec": version.spec,
    }


# --- Workbench ---------------------------------------------------------------------------


def workbench_themes(actor) -> list[Theme]:
    """The themes this actor maintains or reviews, each with `latest` (its newest version) and
    `current` (its published one, or None)."""
    themes = list(Theme.objects.select_related("region").order_by("code"))
    themes = [t for t in themes if permissions.may_see(actor, t)]
    by_theme: dict[int, list[ThemeVersion]] = {}
    for v in ThemeVersion.objects.filter(theme__in=themes).order_by("-version"):
        by_theme.setdefault(v.theme_id, []).append(v)
    for t in themes:
        versions = by_theme.get(t.pk, [])
        t.latest = versions[0] if versions else None
        t.current = next((v for v in versions if v.is_current), None)
    return themes


def theme_versions(theme: Theme) -> QuerySet[ThemeVersion]:
    return (
        ThemeVersion.objects.filter(theme=theme)
        .select_related("submitted_by", "reviewed_by")
        .order_by("-version")
    )


def version_reviews(version: ThemeVersion) -> QuerySet[ThemeReview]:
    return ThemeReview.objects.filter(version=version).select_related("reviewer")


def awaiting_review(actor) -> list[ThemeVersion]:
    return [
        v
        for v in ThemeVersion.objects.filter(status=ThemeStatus.IN_REVIEW).select_related("theme")
        if permissions.may_review(actor, v)
    ]
