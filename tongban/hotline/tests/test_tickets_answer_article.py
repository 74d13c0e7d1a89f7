"""直接答复 with a knowledge-base article: the article the assist panel offers (`article_id`) goes
from the ticket page's form through the view to `do_answer_directly`, which counts its use in
the same transaction; an article that is not live is a field error and nothing is written."""

from __future__ import annotations

import pytest

from tongban.core.errors import InvalidInput
from tongban.core.models import AuditEvent
from tongban.core.testing import once_token

from .. import kb
from ..models import Ticket, TicketEvent
from ..models_kb import Article
from ..services import do_answer_directly
from .tickets_world import (  # noqa: F401 (fixtures)
    clock_fixture,
    phone_ticket,
    run,
    staff,
    world_fixture,
)

pytestmark = pytest.mark.django_db

ARTICLE = {
    "question": "新生儿医保参保需要哪些材料？",
    "answer": "携带户口簿和出生医学证明到户籍所在地社区医保窗口办理，也可在网上办理。",
    "keywords": "新生儿 医保 参保 材料",
    "category": "labour",
}
QUESTION = "请问新生儿医保参保需要哪些材料？"


def article(world, *, publish: bool = True) -> Article:
    writer = staff("h-kb-writer", "window_clerk", dept=world.county)
    reviewer = staff("h-kb-reviewer", "department_admin", dept=world.county)
    made = kb.do_create_article(actor=writer, owner_id=world.county.pk, values=ARTICLE)
    if publish:
        kb.do_submit_article(actor=writer, pk=made.pk)
        kb.do_approve_article(actor=reviewer, pk=made.pk)
    made.refresh_from_db()
    return made


def test_the_article_used_is_counted_with_the_answer(world):
    used = article(world)
    ticket = phone_ticket(world, kind="consult", category="labour", text=QUESTION)
    done = run(
        do_answer_directly,
        actor=world.operator,
        number=ticket.number,
        answer="携带户口簿和出生医学证明到社区办理",
        article_id=str(used.pk),  # as the form sends it
    )
    assert (done.state, done.article_id) == ("closed", used.pk)
    assert Article.objects.get(pk=used.pk).use_count == 1
    assert AuditEvent.objects.filter(action="hotline.article.used", object_id=str(used.pk)).count() == 1
    answered = AuditEvent.objects.get(action="hotline.ticket.answer_directly", object_id=ticket.number)
    assert (answered.data["article"], answered.data["article_version"]) == (used.pk, 1)


@pytest.mark.parametrize("which", ["draft", "unknown", "not-a-number", "zero", "bool"])
def test_an_article_that_is_not_live_is_a_field_error_and_nothing_changes(world, which):
    draft = article(world, publish=False)
    given = {
        "draft": draft.pk,
        "unknown": draft.pk + 1000,
        "not-a-number": "7a",
        "zero": 0,
        "bool": True,
    }[which]
    ticket = phone_ticket(world, kind="consult", category="labour", text=QUESTION)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        do_answer_directly(actor=world.operator, number=ticket.number, answer="去社区办理", article_id=given)
    assert [p.field for p in caught.value.problems] == ["article_id"]
    ticket.refresh_from_db()
    assert (ticket.state, ticket.answer, ticket.article_id, ticket.direct) == ("received", "", None, False)
    assert Article.objects.get(pk=draft.pk).use_count == 0
    assert AuditEvent.objects.count() == audit_before
    assert not TicketEvent.objects.filter(ticket=ticket, action="answer_directly").exists()


def test_the_ticket_page_form_passes_the_picked_article(client, world):
    used = article(world)
    ticket = phone_ticket(world, kind="consult", category="labour", text=QUESTION)
    client.force_login(world.operator)
    path = f"/hotline/desk/t/{ticket.number}/"
    page = client.get(path).content.decode()
    # The assist panel offers the article, its radio bound to the 直接答复 form.
    assert f'name="article_id" value="{used.pk}" form="form-answer"' in page
    action = f"{path}answer/"
    refused = client.post(
        action, {"answer": "到社区办理", "article_id": "x1", "once_token": once_token(page, action)}
    )
    assert refused.status_code == 400 and "知识库文章编号无效" in refused.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).state == "received"
    page = refused.content.decode()
    done = client.post(
        action,
        {"answer": "到社区办理", "article_id": str(used.pk), "once_token": once_token(page, action)},
    )
    assert done.status_code in (302, 303)
    ticket.refresh_from_db()
    assert (ticket.state, ticket.article_id) == ("closed", used.pk)
    assert Article.objects.get(pk=used.pk).use_count == 1
