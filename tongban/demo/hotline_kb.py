"""Seeding the demo's 12345 knowledge base (知识库) and dispatch history (派单建议), through the
hotline services only.

- Knowledge-base articles of Wuhan departments, approved (live) so the operator's assist panel
  answers consultations from them, and one waiting for review.
- A history of dispatched tickets (`hotline_history`, 400 tickets across seven Wuhan districts),
  each keyed in by the demo operator `hotline` and dispatched to the unit the history names.
- The dispatch classifier trained on them (`classifier.do_train_from_tickets`): its held-out
  accuracy is printed, and stored with the model.

Every text is written for the demo. Idempotent: an article whose question its department already
has is left alone; the history is skipped when its first ticket exists (its source reference),
and the classifier is trained only when no model is active.
"""

from __future__ import annotations

from collections.abc import Callable

from tongban.core import queries as core_queries
from tongban.hotline import classifier, kb
from tongban.hotline import queries as hotline_queries
from tongban.hotline import services as hotline

from . import hotline_history, hotline_story, identity

HISTORY = 400

# (owner department, question, answer, keywords, category, live?)
ARTICLES = (
    (
        "武汉住房公积金管理中心",
        "租房提取住房公积金需要哪些材料？",
        "本人身份证和租房合同（或房屋租赁备案证明）；无房租房提取可在“武汉公积金”App或政务服务网在线办理，"
        "审核通过后1个工作日内到账。",
        "公积金 提取 租房 材料",
        "housing",
        True,
    ),
    (
        "武汉住房公积金管理中心",
        "离职后住房公积金账户怎么转移？",
        "新单位为您开户缴存后，在“武汉公积金”App申请账户合并即可；异地转入请通过全国住房公积金小程序办理。",
        "公积金 转移 离职",
        "housing",
        True,
    ),
    (
        "武汉市江夏区市场监督管理局",
        "预付卡商家关门跑路了，怎么退款？",
        "请保留充值凭证和消费记录，向经营地所在区市场监督管理局投诉；涉嫌诈骗的，请向公安机关报案。",
        "预付卡 退款 跑路 投诉",
        "market",
        True,
    ),
    (
        "武汉市江夏区市场监督管理局",
        "办理食品经营许可证要多长时间？",
        "江夏区食品经营许可全程网办，材料齐全的承诺5个工作日内办结；仅销售预包装食品的办理备案即可。",
        "食品经营许可证 时限 餐馆",
        "market",
        True,
    ),
    (
        "武汉市医疗保障局",
        "在外地住院，医保异地就医怎么备案？",
        "通过国家医保服务平台App或“鄂汇办”办理异地就医备案，备案后在外地定点医院直接结算。",
        "医保 异地就医 备案 住院",
        "health",
        True,
    ),
    (
        "武汉市人力资源和社会保障局",
        "失业保险金怎么申领？",
        "失业后在“武汉人社”App或政务服务网申领，需非因本人意愿中断就业、已办理失业登记、缴费满1年。",
        "失业保险金 申领 社保",
        "labour",
        True,
    ),
    (
        "武汉市民政局",
        "结婚登记需要预约吗？要带什么？",
        "建议通过“武汉民政”预约；双方携带本人户口簿、身份证和3张2寸双人近期半身免冠合影照片到婚姻登记处办理。",
        "结婚登记 预约 材料",
        "service",
        True,
    ),
    (
        "武汉市公安局",
        "身份证丢了怎么补办？",
        "可到户籍所在地或居住地派出所户籍窗口补办，也可在“武汉微警务”预约；一般20个工作日内制证。",
        "身份证 补办 丢失",
        "safety",
        False,  # waiting for review: the workbench shows it
    ),
)


def _departments() -> dict[str, int]:
    names = {a[0] for a in ARTICLES} | set(hotline_history.unit_names())
    return dict(core_queries.departments().filter(name__in=names).values_list("name", "pk"))


def _seed_articles(actor: str, depts: dict[str, int], say) -> int:
    written = 0
    for owner, question, answer, keywords, category, live in ARTICLES:
        if owner not in depts:
            continue
        if kb.workbench_articles(department_id=depts[owner]).filter(question=question).exists():
            continue
        values = {"question": question, "answer": answer, "keywords": keywords, "category": category}
        article = kb.do_create_article(actor=actor, owner_id=depts[owner], values=values)
        kb.do_submit_article(actor=actor, pk=article.pk)
        if live:
            kb.do_approve_article(actor=actor, pk=article.pk, comment="演示数据")
        written += 1
    if written:
        say(f"hotline: {written} knowledge-base articles")
    return written


def _seed_history(actor: str, depts: dict[str, int], say) -> int:
    history = hotline_history.history(HISTORY)
    if not history or hotline_queries.ticket_by_source(history[0].ref) is not None:
        return 0
    operator = identity.upsert_staff(actor=actor, account=hotline_story.OPERATOR, department_id=None)
    written = 0
    for t in history:
        unit = depts.get(t.unit_name)
        if unit is None:
            continue
        ticket = hotline.do_intake(
            actor=operator,
            channel="phone",
            kind=t.kind,
            category=t.category,
            text=t.text,
            address=t.address,
            region_code=t.region_code,
            source_ref=t.ref,
        )
        hotline.do_dispatch(actor=operator, number=ticket.number, unit_id=unit)
        written += 1
    say(f"hotline: {written} dispatched tickets of the synthetic history")
    return written


def seed_hotline_kb(*, actor: str, say: Callable[[str], None]) -> bool:
    """Returns whether anything was written."""
    depts = _departments()
    written = _seed_articles(actor, depts, say)
    written += _seed_history(actor, depts, say)
    if classifier.active_model() is None and written:
        report = classifier.do_train_from_tickets(actor=actor)
        for line in report.lines():
            say("hotline: " + line)
    return bool(written)
