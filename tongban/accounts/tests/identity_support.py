"""Shared state for the identity page tests, built through the services (never raw rows)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tongban.accounts import services
from tongban.accounts.models import (
    AgentConsent,
    DeviceSession,
    LegalPerson,
    LoginAttempt,
    Mandate,
    OneTimeCode,
    User,
)
from tongban.core.identifiers import make_credit_code, make_resident_id
from tongban.core.models import AuditEvent

SYSTEM = "system:test"
PASSWORD = "Tongban-test-2024"


def rid(n: int) -> str:
    return make_resident_id(random.Random(n))


def mobile(n: int) -> str:
    return f"139{n:08d}"


def person(n: int, *, name: str | None = None, level: int = 1) -> User:
    """A citizen registered by mobile (L1); level=2 also real-name verifies against 人口库."""
    name = name or f"测试{chr(0x4E00 + n)}"
    user = services.do_register_person(actor=SYSTEM, mobile=mobile(n), password=PASSWORD, display_name=name)
    services.do_upsert_population_record(actor=SYSTEM, name=name, id_number=rid(n))
    if level >= 2:
        user = services.do_verify_real_name(actor=user, user=user, name=name, id_number=rid(n))
    return user


def population(n: int, name: str) -> None:
    services.do_upsert_population_record(actor=SYSTEM, name=name, id_number=rid(n))


def enterprise(rep: User, n: int, *, name: str = "武汉通办科技有限公司") -> tuple[str, Mandate]:
    """A legal-person register record naming `rep` (L2, id rid(n)) and the claimed mandate."""
    code = make_credit_code(random.Random(1000 + n), region="420100", kind="91")
    services.do_upsert_legal_person_record(
        actor=SYSTEM,
        credit_code=code,
        name=name,
        kind="enterprise",
        legal_rep_name=rep.display_name,
        legal_rep_id_number=rid(n),
    )
    return code, services.do_claim_legal_person(actor=rep, credit_code=code)


def in_days(days: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def staff(username: str, *roles: str, department=None) -> User:
    return services.do_upsert_staff(
        actor=SYSTEM,
        username=username,
        password=PASSWORD,
        display_name=username,
        roles=list(roles),
        department_id=department.pk if department else None,
    )


def counts() -> dict[str, int]:
    """Row counts a refused or bad request must leave unchanged."""
    return {
        "users": User.objects.count(),
        "verified": User.objects.filter(assurance_level__gte=2).count(),
        "legal_persons": LegalPerson.objects.count(),
        "mandates": Mandate.objects.filter(revoked_at__isnull=True).count(),
        "consents": AgentConsent.objects.filter(revoked_at__isnull=True).count(),
        "devices": DeviceSession.objects.filter(ended_at__isnull=True).count(),
        "codes": OneTimeCode.objects.count(),
        "logins": LoginAttempt.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def audit_actions(since: int) -> list[str]:
    return list(AuditEvent.objects.filter(seq__gt=since).order_by("seq").values_list("action", flat=True))


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _consent_for(principal: User, *, helper_n: int, name: str):
    """The principal consents online to helper person(helper_n) for all items, 30 days."""
    return services.do_record_consent(
        actor=principal,
        principal=principal,
        agent_name=name,
        agent_id_number=rid(helper_n),
        relation="village_helper",
        all_items=True,
        expires_at=in_days(30),
        consent_method="online",
    )
