"""Fixtures of the public-page tests: published, repealed and draft policies of two issuers.

Policies are written as rows in the state publication leaves them (state, published_on and the
search text as `core.search.index_text` makes it): the public side reads what publication
wrote, and the publication service's own tests (test_policies*) cover how it gets there."""

from __future__ import annotations

import datetime as dt

from tongban.core.search import index_text

from ..enums import DocType, InterpretationKind, LinkKind, PolicyState, Subject, Validity
from ..models import Interpretation, Policy, PolicyLink
from .policy_world import (
    department,  # noqa: F401 - re-exported for the tests
    staff,  # noqa: F401
)

_serial = iter(range(1, 100_000))


def policy(
    issuer,
    *,
    title: str = "湖北省人民政府关于进一步优化营商环境的意见",
    text: str = "为深入贯彻落实国家关于优化营商环境的决策部署，结合我省实际，提出如下意见。",
    number: str | None = None,
    state: str = PolicyState.PUBLISHED,
    published_on: dt.date | None = dt.date(2026, 3, 10),
    subject: str = Subject.ECONOMY,
    doc_type: str = DocType.OPINION,
    validity: str = Validity.VALID,
    summary: str = "",
    interpretations: int = 1,
    **kw,
) -> Policy:
    n = next(_serial)
    number = number or f"鄂政发〔2026〕{n}号"
    public = state in (PolicyState.PUBLISHED, PolicyState.REPEALED)
    row = Policy.objects.create(
        number=number,
        title=title,
        issuer=issuer,
        subject=subject,
        doc_type=doc_type,
        written_on=(published_on or dt.date(2026, 3, 1)) - dt.timedelta(days=5),
        published_on=published_on if public else None,
        effective_on=published_on if public else None,
        validity=validity,
        summary=summary,
        text=text,
        state=state,
        search_text=index_text(title, number, text) if public else "",
        **kw,
    )
    for i in range(interpretations):
        Interpretation.objects.create(
            policy=row,
            kind=InterpretationKind.QA if i else InterpretationKind.TEXT,
            title=f"《{title[:20]}》政策解读",
            text="" if i else "一、出台背景。二、主要内容。",
            qa=[{"q": "适用于哪些企业？", "a": "全省各类市场主体。"}] if i else [],
            published_on=published_on if public else None,
            position=i,
        )
    return row


def link(policy_row: Policy, code: str, label: str = "", kind: str = LinkKind.ITEM) -> PolicyLink:
    return PolicyLink.objects.create(policy=policy_row, kind=kind, code=code, label=label)
