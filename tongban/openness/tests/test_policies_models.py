"""The policy models: the contract other openness parts read (文号 unique per issuer, one link per
policy/kind/code, the search index on `search_text`)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tongban.core.search import index_text

from ..enums import INTERPRETATION_EXEMPT_DOC_TYPES, DocType, PolicyState, Validity
from ..models import Interpretation, Policy, PolicyLink
from .policy_world import department, policy_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def issuers(regions_loaded):
    return department("湖北省人民政府办公厅"), department("武汉市市场监督管理局")


def test_defaults_and_number_unique_per_issuer(issuers):
    office, market = issuers
    first = policy_row(office)
    assert (first.state, first.validity, first.published_on, first.lock_version) == (
        PolicyState.DRAFT,
        Validity.VALID,
        None,
        0,
    )
    assert not first.is_public
    # The same 文号 from another issuer is another document.
    policy_row(market)
    with pytest.raises(IntegrityError), transaction.atomic():
        policy_row(office)
    assert Policy.objects.count() == 2


def test_link_unique_per_policy_kind_code(issuers):
    policy = policy_row(issuers[0])
    PolicyLink.objects.create(policy=policy, kind="item", code="11420100MB0000000X4000000000")
    PolicyLink.objects.create(policy=policy, kind="bundle", code="11420100MB0000000X4000000000")
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyLink.objects.create(policy=policy, kind="item", code="11420100MB0000000X4000000000")
    assert policy.links.count() == 2


def test_search_text_is_matched_on_the_index(issuers):
    policy = policy_row(issuers[0])
    Interpretation.objects.create(
        policy=policy, kind="qa", title="一图读懂", qa=[{"q": "何时施行？", "a": "发布之日起。"}]
    )
    Policy.objects.filter(pk=policy.pk).update(
        search_text=index_text(policy.title, policy.number, policy.text)
    )
    policy_row(issuers[0], number="鄂政办发〔2026〕4号", title="关于做好防汛工作的通知", text="防汛抗旱")
    Policy.objects.filter(number="鄂政办发〔2026〕4号").update(
        search_text=index_text("关于做好防汛工作的通知")
    )
    assert list(Policy.objects.filter(search_text__matches="营商环境")) == [policy]
    assert list(Policy.objects.filter(search_text__matches="防汛").values_list("number", flat=True)) == [
        "鄂政办发〔2026〕4号"
    ]


def test_exempt_doc_types_are_data():
    assert DocType.LETTER in INTERPRETATION_EXEMPT_DOC_TYPES
    assert DocType.NOTICE not in INTERPRETATION_EXEMPT_DOC_TYPES
