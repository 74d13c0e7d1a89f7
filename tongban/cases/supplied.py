"""What the platform supplies in place of a file (材料免提交), decided once for this applicant and
used by the guide, the apply page and the submission alike, so the page never promises what
the submission then refuses:

- `licence`: an e-licence of the material's type the applicant (or the enterprise they act for)
  holds, valid now (`licences.services.usable_for_case`); the page names it; at submission the
  library supplies it for the case (logged there as a use);
- `identity`: an identity material (居民身份证) of a person the platform verified at L2 or L3
  (checked against 人口库 at verification): the case records the level and when it was verified;
- `generated`: the application form (申请表), produced as a PDF from the form at submission;
- `signed`: the 告知承诺书, signed online (its text, an explicit confirmation, a timestamp) and
  kept as a PDF;
- `fact`: a fact another department holds (户口簿 from 人口库, 营业执照 from 法人库), when no
  e-licence stands for it and the item's department holds a grant on the data service: fetched
  through the data-sharing gateway with the case as purpose once the case is saved
  (`cases.facts`);
- `upload`: anything else, an ordinary upload (`verify_first` set for an identity material of
  a person at L1: upload it, or verify first).

A department system (the API) may still upload any of them: an uploaded file is used as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongban.accounts import queries as account_queries
from tongban.accounts.enums import AssuranceLevel
from tongban.catalog.enums import MaterialRequirement
from tongban.licences import services as licence_services

from . import facts

UPLOAD, LICENCE, IDENTITY, GENERATED, SIGNED = "upload", "licence", "identity", "generated", "signed"
FACT = "fact"
ID_CARD = "居民身份证"


def is_identity_material(material) -> bool:
    """A resident identity card (of the applicant or the legal representative)."""
    return material.license_type_name == ID_CARD


def is_generated_form(material) -> bool:
    """The application form itself (申请表): the platform draws it from the form filled online."""
    return "申请表" in material.name


def is_commitment(material) -> bool:
    """The 告知承诺书 (notification and commitment), signed online."""
    return "告知承诺书" in material.name or material.name.strip("《》") == "承诺书"


def commitment_text(item_name: str, applicant_name: str) -> str:
    """What the applicant commits to (the text shown on the form and printed on the PDF)."""
    return (
        f"本人（单位）{applicant_name}申请办理“{item_name}”，已知悉行政机关告知的全部内容，"
        "现郑重承诺：所填报的信息和提交的材料真实、准确、完整、有效；已经符合行政机关告知的条件、"
        "标准和要求；愿意接受行政机关的核查；承诺不实的，愿意承担相应的法律责任，"
        "行政机关可依法撤销相关决定。"
    )


@dataclass
class Plan:
    """How one material of an item is provided by this applicant."""

    material: object
    how: str = UPLOAD
    licence: object = None  # the SuppliedLicence that will be used (how == LICENCE)
    level: int = 0  # the verified identity's level (how == IDENTITY)
    verified_at: object = None
    principal: str = ""  # whose identity, when it is not the actor's own (a helper's principal)
    verify_first: bool = False  # an identity material of a person at L1: upload, or verify first
    fact: object = None  # the facts.FactPlan that will fetch it (how == FACT)

    @property
    def required(self) -> bool:
        return self.material.requirement == MaterialRequirement.REQUIRED

    @property
    def pk(self) -> int:
        return self.material.pk


def _identity_person(actor, who: dict, material):
    """Whose verified identity stands for an identity material: the applicant person; for an
    enterprise, its legal representative's own ID card when they apply themselves; none for an
    agent (经办人) of an enterprise."""
    if who.get("legal_person_id"):
        if "法定代表人" in material.name and account_queries.legal_rep_mandate(actor, who["legal_person_id"]):
            return actor
        return None
    if who.get("agent_id"):
        return account_queries.get_person(who["applicant_id"])
    return actor


def holder_code(actor, who: dict) -> str:
    """Whose licences may stand in for materials: the enterprise acted for (its credit code) or
    the applicant themselves (their ID number). A helper acting for a person uploads: the
    library answers holders, not their helpers. "" when there is no code on record."""
    if who.get("legal_person_id"):
        return account_queries.legal_person_summary(who["legal_person_id"])["credit_code"]
    if who.get("agent_id") is None:
        return account_queries.id_number_of(actor)
    return ""


def plan(actor, item, who: dict | None, materials=None) -> list[Plan]:
    """How each material of `item` is provided by `actor` applying for `who` (see the module
    docstring), in the guide's order. `who` None (not signed in, or not an applicant): nothing
    is promised but what every applicant gets (the generated form, the online commitment)."""
    materials = list(materials if materials is not None else item.materials.order_by("order", "id"))
    mapped = [m for m in materials if m.license_type_code]
    code = holder_code(actor, who) if mapped and who is not None else ""
    usable: dict[str, list] = {}
    for type_code in {m.license_type_code for m in mapped} if code else ():
        usable[type_code] = licence_services.usable_for_case(actor, holder_code=code, type_code=type_code)
    out = []
    for m in materials:
        row = Plan(material=m)
        found = usable.get(m.license_type_code) if m.license_type_code else None
        if found:
            row.how, row.licence = LICENCE, found[0]
        elif is_identity_material(m) and who is not None:
            person = _identity_person(actor, who, m)
            level = getattr(person, "assurance_level", 0) or 0
            if person is not None and level >= AssuranceLevel.L2 and person.verified_at:
                row.how, row.level, row.verified_at = IDENTITY, int(level), person.verified_at
                if person.pk != getattr(actor, "pk", None):
                    row.principal = person.display_name
            elif person is not None:
                row.verify_first = person.pk == getattr(actor, "pk", None)
        elif (fact := facts.plan_for(m, item, actor, who)) is not None:
            row.how, row.fact = FACT, fact
        elif is_generated_form(m):
            row.how = GENERATED
        elif is_commitment(m):
            row.how = SIGNED
        out.append(row)
    return out
