"""Knowledge-base articles: the workflow 起草 → 待审核 → 已发布 (versions kept, four eyes), links to
items and policies, refusals (404 for outsiders, nothing changed), and search through the
platform's Chinese search."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.core.errors import Conflict, InvalidInput, NotFound
from tongban.core.models import AuditEvent

from .. import kb
from ..enums_kb import ArticleLinkKind, ArticleState
from ..models_kb import Article, ArticleReview
from .kb_world import (  # noqa: F401 (fixture)
    snapshot,
    world_fixture,
)

GOOD = {
    "question": "预付卡商家关门跑路了，怎么退款？",
    "answer": "请保留充值凭证，向经营地所在区市场监督管理局投诉；涉嫌诈骗的，向公安机关报案。",
    "keywords": "预付卡 退款 跑路",
    "category": "market",
}


def publish(world, **over):
    a = kb.do_create_article(actor=world.writer, owner_id=world.market.pk, values=GOOD | over)
    kb.do_submit_article(actor=world.writer, pk=a.pk)
    kb.do_approve_article(actor=world.reviewer, pk=a.pk)
    a.refresh_from_db()
    return a


def test_workflow_keeps_versions_and_serves_the_approved_text(world):
    a = kb.do_create_article(actor=world.writer, owner_id=world.market.pk, values=GOOD)
    assert (a.state, a.version, a.live, a.owner_id) == (ArticleState.DRAFT, 0, False, world.market.pk)
    assert kb.search_articles("预付卡 退款") == []  # a draft is not searchable
    kb.do_submit_article(actor=world.writer, pk=a.pk)
    v1 = kb.do_approve_article(actor=world.reviewer, pk=a.pk, comment="同意")
    a.refresh_from_db()
    assert (a.state, a.version, a.live, v1.number, v1.question) == (
        ArticleState.PUBLISHED,
        1,
        True,
        1,
        GOOD["question"],
    )
    assert [h.article.pk for h in kb.search_articles("预付卡 退款")] == [a.pk]

    # A new version is edited while the approved one stays live and searchable.
    kb.do_update_article(actor=world.writer, pk=a.pk, values={"answer": "新的答复：先联系商家，再投诉。"})
    a.refresh_from_db()
    assert (a.state, a.live, a.published_answer) == (ArticleState.DRAFT, True, GOOD["answer"])
    assert kb.live_article(a.pk).published_answer == GOOD["answer"]
    kb.do_submit_article(actor=world.writer, pk=a.pk)
    kb.do_return_article(actor=world.reviewer, pk=a.pk, comment="请写明投诉渠道")
    kb.do_submit_article(actor=world.writer, pk=a.pk)
    v2 = kb.do_approve_article(actor=world.reviewer, pk=a.pk)
    a.refresh_from_db()
    assert (a.version, v2.number, a.published_answer) == (2, 2, "新的答复：先联系商家，再投诉。")
    assert list(a.versions.values_list("number", flat=True)) == [2, 1]
    assert list(ArticleReview.objects.filter(article=a).values_list("step", flat=True)) == [
        "create",
        "submit",
        "approve",
        "edit",
        "submit",
        "return",
        "submit",
        "approve",
    ]
    actions = list(
        AuditEvent.objects.filter(object_type="hotline.article", object_id=str(a.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "hotline.article.created",
        "hotline.article.submitted",
        "hotline.article.approved",
        "hotline.article.edited",
        "hotline.article.submitted",
        "hotline.article.returned",
        "hotline.article.submitted",
        "hotline.article.approved",
    ]

    kb.do_retire_article(actor=world.reviewer, pk=a.pk, comment="政策调整")
    assert kb.search_articles("预付卡 退款") == []
    with pytest.raises(NotFound):
        kb.live_article(a.pk)


def test_four_eyes_the_last_editor_may_not_approve(world):
    a = kb.do_create_article(actor=world.reviewer, owner_id=world.market.pk, values=GOOD)
    kb.do_submit_article(actor=world.reviewer, pk=a.pk)
    before = snapshot()
    with pytest.raises(Conflict):
        kb.do_approve_article(actor=world.reviewer, pk=a.pk)
    assert snapshot() == before
    assert Article.objects.get(pk=a.pk).state == ArticleState.REVIEW


def test_outsiders_get_404_and_change_nothing(world):
    a = kb.do_create_article(actor=world.writer, owner_id=world.market.pk, values=GOOD)
    kb.do_submit_article(actor=world.writer, pk=a.pk)
    before = snapshot()
    for call in (
        lambda: kb.do_update_article(actor=world.outsider, pk=a.pk, values={"answer": "x"}),
        lambda: kb.do_approve_article(actor=world.outsider, pk=a.pk),
        lambda: kb.do_approve_article(actor=world.operator, pk=a.pk),
        lambda: kb.do_retire_article(actor=world.outsider, pk=a.pk, comment="x"),
        lambda: kb.do_create_article(actor=world.outsider, owner_id=world.market.pk, values=GOOD),
    ):
        with pytest.raises(NotFound):
            call()
    after = snapshot()
    # Only the refusals were audited.
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    assert after["audit"] == before["audit"] + 5
    refusals = AuditEvent.objects.order_by("-seq").values_list("action", flat=True)[:5]
    assert sorted(refusals) == sorted(
        [
            "hotline.article.edit_refused",
            "hotline.article.approve_refused",
            "hotline.article.approve_refused",
            "hotline.article.retire_refused",
            "hotline.article.create_refused",
        ]
    )
    # Nor may a plain writer of the department approve (not a reviewer role).
    with pytest.raises(NotFound):
        kb.do_approve_article(actor=world.writer, pk=a.pk)
    assert Article.objects.get(pk=a.pk).state == ArticleState.REVIEW


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"question": ""}, "question"),
        ({"answer": "  "}, "answer"),
        ({"question": "问" * 301}, "question"),
        ({"answer": "答" * 5001}, "answer"),
        ({"question": "两行\n问题"}, "question"),
        ({"valid_from": "2026-13-01"}, "valid_from"),
        ({"valid_from": "2026-05-01", "valid_until": "2026-04-01"}, "valid_until"),
        ({"colour": "red"}, "colour"),
        ({"answer": 42}, "answer"),
        ({"question": "预付卡\x00退款"}, "question"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, over, field):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        kb.do_create_article(actor=world.writer, owner_id=world.market.pk, values=GOOD | over)
    assert field in [p.field for p in exc.value.problems]
    assert snapshot() == before


def test_unknown_owner_is_a_field_error(world):
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        kb.do_create_article(actor=world.platform, owner_id=99999999, values=GOOD)
    assert [p.field for p in exc.value.problems] == ["owner"]
    assert snapshot() == before


def test_state_refusals(world):
    a = kb.do_create_article(actor=world.writer, owner_id=world.market.pk, values=GOOD)
    with pytest.raises(Conflict):
        kb.do_approve_article(actor=world.reviewer, pk=a.pk)  # not submitted
    kb.do_submit_article(actor=world.writer, pk=a.pk)
    with pytest.raises(Conflict):
        kb.do_submit_article(actor=world.writer, pk=a.pk)
    with pytest.raises(Conflict):
        kb.do_update_article(actor=world.writer, pk=a.pk, values={"answer": "改"})  # under review
    with pytest.raises(InvalidInput):
        kb.do_return_article(actor=world.reviewer, pk=a.pk, comment="")  # a return needs its reason
    with pytest.raises(Conflict):
        kb.do_update_article(actor=world.writer, pk=a.pk, values={"answer": "改"}, lock_version=0)
    assert Article.objects.get(pk=a.pk).state == ArticleState.REVIEW


def test_links_to_items_and_policies(world):
    from tongban.catalog.testing import make_basic_item, make_item
    from tongban.openness.tests.public_world import policy

    item = make_item(world.market, make_basic_item(name="食品经营许可"))
    pol = policy(world.market, title="关于规范单用途预付卡管理的通知")
    a = publish(world)
    links = kb.do_set_links(actor=world.writer, pk=a.pk, items=item.code.lower(), policies=[str(pol.pk)])
    assert [(x.kind, x.code, x.label) for x in links] == [
        (ArticleLinkKind.ITEM, item.code, item.name),
        (ArticleLinkKind.POLICY, str(pol.pk), "关于规范单用途预付卡管理的通知"),
    ]
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        kb.do_set_links(actor=world.writer, pk=a.pk, items="NOSUCHCODE", policies=[])
    assert [p.field for p in exc.value.problems] == ["items"]
    with pytest.raises(InvalidInput) as exc:
        kb.do_set_links(actor=world.writer, pk=a.pk, items="", policies=["123456789"])
    assert [p.field for p in exc.value.problems] == ["policies"]
    assert snapshot() == before


def test_search_ranks_a_callers_sentence_by_the_words_articles_hold(world):
    refund = publish(world)
    licence = publish(
        world,
        question="开餐馆要办哪些证？",
        answer="需办理营业执照和食品经营许可证，可在政务服务网一网通办。",
        keywords="餐馆 食品经营许可证 营业执照",
    )
    publish(
        world, question="个体户年报怎么报？", answer="每年1月1日至6月30日通过公示系统报送。", keywords="年报"
    )
    # Every word matches: the exact hit.
    hits = kb.search_articles("食品经营许可证")
    assert [(h.article.pk, h.every_word) for h in hits] == [(licence.pk, True)]
    # A caller's whole sentence matches no article word for word: ranked by what they hold.
    hits = kb.search_articles("我在小区门口开了家餐馆，想问一下要办什么营业执照和许可证")
    assert hits[0].article.pk == licence.pk and not hits[0].every_word
    assert "营业执照" in hits[0].matched
    hits = kb.search_articles("充了三千块的预付卡老板跑路了能退款吗")
    assert hits[0].article.pk == refund.pk
    assert kb.search_articles("的了吗") == []  # only stopwords


def test_validity_and_use_count(world):
    old = publish(world, valid_until="2020-12-31")
    assert kb.search_articles("预付卡 退款") == []
    with pytest.raises(NotFound):
        kb.do_count_use(actor=world.operator, article_id=old.pk)
    live = publish(world, valid_from=dt.date(2020, 1, 1).isoformat())
    version = kb.do_count_use(actor=world.operator, article_id=live.pk)
    version2 = kb.do_count_use(actor=world.operator, article_id=live.pk)
    assert (version.number, version2.number, Article.objects.get(pk=live.pk).use_count) == (1, 1, 2)
    with pytest.raises(NotFound):
        kb.do_count_use(actor=world.operator, article_id="abc")
