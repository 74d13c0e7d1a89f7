"""ninja schemas of the bundles API. The themes part: the theme list and a theme's detail
(members, dependencies, questionnaire, materials and what the theme saves)."""

from __future__ import annotations

from ninja import Schema


class ThemeSummary(Schema):
    code: str
    version: int
    name: str
    scenario: str
    audience: str
    region: str
    promised_days: int
    members: int


class ThemePage(Schema):
    count: int
    page: int
    page_size: int
    themes: list[ThemeSummary]


class ChoiceOut(Schema):
    value: str
    label: str


class QuestionOut(Schema):
    key: str
    text: str
    choices: list[ChoiceOut]


class ConditionOut(Schema):
    question: str
    values: list[str]


class RequirementOut(Schema):
    member: str
    result: str


class MemberOut(Schema):
    key: str
    item_code: str
    name: str
    published: bool  # the item has a current published version in the catalogue
    department: str
    level: str
    promised: str
    promised_workdays: float
    visits: int
    when: list[ConditionOut]
    requires: list[RequirementOut]
    on_requirement_refused: str


class MaterialOut(Schema):
    key: str
    name: str
    members: list[str]
    licence_type: str
    exempt: str  # "" to upload once, "produced" (a member issues it), "held"
    produced_by: str


class SavingsOut(Schema):
    items_alone: int
    items_bundle: int
    items_saved: int
    materials_alone: int
    materials_bundle: int
    materials_saved: int
    trips_alone: int
    trips_bundle: int
    trips_saved: int
    days_alone: float
    days_critical_path: float
    days_bundle: int
    days_saved: float


class ThemeDetail(ThemeSummary):
    layers: list[list[str]]
    questions: list[QuestionOut]
    counted_members: list[str]
    members_detail: list[MemberOut]
    materials: list[MaterialOut]
    savings: SavingsOut
