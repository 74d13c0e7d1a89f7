"""Facts another department holds, fetched through the data-sharing gateway in place of a paper
material (免提交 beyond licences; issue 12):

- 户口簿 / 户籍证明 of a person applying for themselves (or through a helper): 人口库
  (`RK-001`, `population.person`: name, sex, birth date, birthplace), subject their ID number;
- 营业执照 of an enterprise applicant: 法人库 (`FR-001`, `legal_person.entity`: name, kind, legal
  representative, status, date established), subject its credit code.

A material is planned as fetched (`supplied.FACT`) only when no e-licence stands for it and the
item's department holds a live grant on the service for a purpose cases serve
(`exchange.casefetch.case_grant`): the department's case system is the caller. Otherwise it stays
to be uploaded.

The fetch runs once the case is saved (`fetch_for_case`, after the submission's transaction has
committed, so the gateway's call-log row is never rolled back with it), with the case number
and the grant's purpose. Each fetch is kept as a `CaseFact` (the values encrypted) and the
officer's case page shows it with where it came from. A refused or failed fetch is kept with the
gateway's code: the officer asks for the material (一次性告知补正); nothing is guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction

from tongban.accounts import queries as account_queries
from tongban.core import audit
from tongban.exchange import casefetch

from .models import CASE_FACT_VALUES, Case, CaseFact

PERSON, ENTERPRISE = "person", "enterprise"


@dataclass(frozen=True)
class Rule:
    key: str
    code: str  # the resource code (fixed for the base registers)
    subject: str  # PERSON or ENTERPRISE
    fields: tuple[str, ...]
    words: tuple[str, ...]  # a material whose name holds one of these

    def matches(self, material) -> bool:
        return any(w in material.name for w in self.words)


RULES = (
    Rule("household", "RK-001", PERSON, ("name", "sex", "birth_date", "birthplace"), ("户口簿", "户籍")),
    Rule(
        "business_licence",
        "FR-001",
        ENTERPRISE,
        ("name", "kind", "legal_rep_name", "status", "established"),
        ("营业执照",),
    ),
)


@dataclass(frozen=True)
class FactPlan:
    """How a material will be fetched: the rule and the department's grant."""

    rule: Rule
    grant: casefetch.CaseGrant

    @property
    def resource_name(self) -> str:
        return self.grant.resource_name

    @property
    def provider_name(self) -> str:
        return self.grant.provider_name

    @property
    def field_names(self) -> list[str]:
        return [self.grant.field_names.get(k, k) for k in self.grant.fields]


def subject_of(rule: Rule, actor, who: dict) -> str:
    """The identifier the rule reads: the enterprise's credit code, or the applicant person's ID
    number (their own, or the principal's when a helper applies); "" when there is none."""
    if rule.subject == ENTERPRISE:
        if not who.get("legal_person_id"):
            return ""
        return account_queries.legal_person_summary(who["legal_person_id"])["credit_code"]
    if who.get("legal_person_id"):
        return ""
    if who.get("agent_id"):
        person = account_queries.get_person(who.get("applicant_id"))
        return account_queries.id_number_of(person) if person is not None else ""
    return account_queries.id_number_of(actor)


def plan_for(material, item, actor, who: dict | None) -> FactPlan | None:
    """The fetch that stands for `material`, or None (no rule, no subject, no grant)."""
    if who is None:
        return None
    rule = next((r for r in RULES if r.matches(material)), None)
    if rule is None:
        return None
    grant = casefetch.case_grant(getattr(item, "department_id", None), rule.code, rule.fields)
    if grant is None or not subject_of(rule, actor, who):
        return None
    return FactPlan(rule=rule, grant=grant)


def fetch_for_case(case: Case, plans, *, actor, who: dict) -> list[CaseFact]:
    """Fetch each planned material's fact for the saved case (`plans`: supplied.Plan rows with
    `how == FACT`). Idempotent: a material the case already has a fact for is not fetched again
    (a replayed submission). Run outside the submission's transaction."""
    done = set(CaseFact.objects.filter(case=case, ok=True).values_list("material_id", flat=True))
    out = []
    for p in plans:
        if p.fact is None or p.pk in done:
            continue
        subject = subject_of(p.fact.rule, actor, who)
        got = casefetch.fetch(p.fact.grant, subject=subject, case_number=case.number)
        out.append(_record(case, p, got, actor=actor))
    return out


def _record(case: Case, p, got: casefetch.Fetched, *, actor) -> CaseFact:
    grant = p.fact.grant
    fact = CaseFact(
        case=case,
        material_id=p.pk,
        name=p.material.name,
        resource_code=grant.code,
        resource_name=grant.resource_name,
        resource_version=got.version,
        provider_name=grant.provider_name,
        purpose=grant.purpose,
        ok=got.ok,
        error_code=got.error_code,
        message=got.message,
        call_id=got.call_id,
        fields=[{"key": k, "name": grant.field_names.get(k, k)} for k in (got.values or {})],
        fetched_at=got.at,
    )
    if got.ok and got.call_id is not None:
        CASE_FACT_VALUES.encrypt_into(fact, json.dumps(got.values, ensure_ascii=False, default=str))
    with transaction.atomic():
        fact.save()
        audit.record(
            actor=actor,
            action="cases.fact.fetch",
            obj=case,
            data={
                "material": p.material.name,
                "resource": grant.code,
                "call_id": got.call_id,
                "ok": got.ok,
                "error_code": got.error_code,
            },
        )
    return fact


@dataclass
class ShownFact:
    """A fact as the officer's case page shows it."""

    fact: CaseFact
    values: list[tuple[str, str]]  # (field name, value) in the fetched order


def shown(case: Case) -> list[ShownFact]:
    """The case's facts for its staff (values decrypted), in the order fetched."""
    out = []
    for fact in case.facts.order_by("id"):
        values = json.loads(CASE_FACT_VALUES.read(fact) or "{}") if fact.ok and fact.values_enc else {}
        names = {f["key"]: f["name"] for f in fact.fields}
        out.append(ShownFact(fact=fact, values=[(names.get(k, k), _text(v)) for k, v in values.items()]))
    return out


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
