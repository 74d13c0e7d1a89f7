"""Workbench reads of policy documents (the public reads are `queries.py`'s)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .enums import PolicyState, ReviewStep
from .models import Policy, PolicyReview


def workbench_policies(*, department_id: int | None, state: str = "", q: str = "") -> QuerySet[Policy]:
    """A department's policies (every department's when `department_id` is None: platform
    administrators), newest first, filtered by state and by words of the number or title."""
    qs = Policy.objects.select_related("issuer").order_by("-updated_at", "-id")
    if department_id is not None:
        qs = qs.filter(issuer_id=department_id)
    if state:
        qs = qs.filter(state=state)
    for word in (q or "").split()[:5]:
        qs = qs.filter(Q(number__icontains=word) | Q(title__icontains=word))
    return qs


def state_counts(*, department_id: int | None) -> dict[str, int]:
    qs = Policy.objects.all()
    if department_id is not None:
        qs = qs.filter(issuer_id=department_id)
    counts = dict.fromkeys(PolicyState.values, 0)
    for row in qs.values("state").annotate(n=Count("id")):
        counts[row["state"]] = row["n"]
    return counts


def submitted_by(actor, policy: Policy) -> bool:
    """Whether `actor` submitted the policy for its current review (four eyes)."""
    pk = getattr(actor, "pk", None)
    if pk is None:
        return False
    last = (
        PolicyReview.objects.filter(policy=policy, step=ReviewStep.SUBMIT)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )
    return last == pk


def policy_id_by_number(issuer_id: int, number: str) -> int | None:
    """The id of the issuer's policy with this 文号 (the demo seeds each once)."""
    return Policy.objects.filter(issuer_id=issuer_id, number=number).values_list("pk", flat=True).first()


def state_of(pk: int) -> str | None:
    return Policy.objects.filter(pk=pk).values_list("state", flat=True).first()
