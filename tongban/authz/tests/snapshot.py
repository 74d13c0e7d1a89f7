"""What a refused request must leave unchanged: the rows that record grants, cases, licences,
roles and catalogue items, the licence usage log and the audit chain (apart from the refusals
they record)."""

from __future__ import annotations

from django.contrib.auth.models import Group

from tongban.accounts.models import AgentConsent, DeviceSession, LegalPerson, Mandate, User
from tongban.cases.models import Case, CaseEvent, CaseMaterial
from tongban.catalog.models import ImplementationItem
from tongban.core.models import AuditEvent
from tongban.exchange.models import Grant, Mount, Resource, ShareRequest
from tongban.licences.enums import UsageOutcome
from tongban.licences.models import Licence, LicenceUsage


def snapshot() -> dict:
    return {
        "users": User.objects.count(),
        "roles": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "groups": Group.objects.count(),
        "legal_persons": LegalPerson.objects.count(),
        "mandates": sorted(Mandate.objects.values_list("pk", "revoked_at", "expires_at")),
        "consents": sorted(AgentConsent.objects.values_list("pk", "revoked_at")),
        "devices": DeviceSession.objects.filter(ended_at__isnull=True).count(),
        "cases": sorted(Case.objects.values_list("number", "state", "delivery")),
        "case_events": CaseEvent.objects.count(),
        "materials": CaseMaterial.objects.count(),
        "items": ImplementationItem.objects.count(),
        "licences": sorted(Licence.objects.values_list("identifier", "state")),
        "usage": LicenceUsage.objects.exclude(outcome=UsageOutcome.REFUSED).count(),  # refusals are logged
        "resources": sorted(Resource.objects.values_list("code", "version", "state", "is_current")),
        "mounts": sorted(Mount.objects.values_list("code", "state", "target")),
        "share_requests": sorted(ShareRequest.objects.values_list("pk", "state", "decided_by")),
        "grants": sorted(Grant.objects.values_list("pk", "state", "fields", "expires_on")),
        "audit": sorted(
            AuditEvent.objects.exclude(action__contains="refus").values_list("action", flat=True)
        ),
    }
