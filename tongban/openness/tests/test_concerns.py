"""回应关切: articles written and published by a body's staff (audited), shown to the public only
when published, filtered by hotline topic."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.core.errors import InvalidInput, NotFound
from tongban.core.models import AuditEvent
from tongban.core.testing import once_token

from .. import concerns
from ..concerns import ArticleInput
from ..enums_disclosure import ConcernState
from ..models_disclosure import ConcernArticle
from .disclosure_world import today_fixture, world_fixture  # noqa: F401 (fixtures)

GOOD = {
    "title": "关于住房公积金提取办理时限的回应",
    "summary": "近期群众通过12345热线反映公积金提取到账慢，现回应如下。",
    "body": "自2026年10月起，住房公积金提取实行全程网办，审核通过后1个工作日内到账。",
    "topics": "GJJ-TQ 公积金提取",
}


def write(actor, **over):
    return concerns.do_save_article(actor=actor, data=ArticleInput(**(GOOD | over)))


def test_staff_write_publish_and_withdraw_each_audited(world):
    a = write(world.handler)
    assert (a.state, a.department_id, a.topics, a.topic_index) == (
        ConcernState.DRAFT,
        world.body.pk,
        ["GJJ-TQ", "公积金提取"],
        "|GJJ-TQ|公积金提取|",
    )
    with pytest.raises(NotFound):
        concerns.public_article(a.pk)  # a draft is not public
    concerns.do_publish_article(actor=world.handler, pk=a.pk)
    assert concerns.public_article(a.pk) == a
    assert list(concerns.public_articles(topic="GJJ-TQ")) == [a]
    assert list(concerns.public_articles(topic="GJJ")) == []
    assert list(concerns.public_articles(topic="公积金提取")) == [a]
    assert concerns.topic_counts() == [("GJJ-TQ", 1), ("公积金提取", 1)]
    concerns.do_withdraw_article(actor=world.head, pk=a.pk)
    assert list(concerns.public_articles()) == []
    actions = list(
        AuditEvent.objects.filter(object_type="openness.concernarticle", object_id=str(a.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["openness.concern.create", "openness.concern.publish", "openness.concern.withdraw"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"title": ""}, "title"),
        ({"summary": ""}, "summary"),
        ({"body": "太短"}, "body"),
        ({"topics": ""}, "topics"),
        ({"topics": "a/b"}, "topics"),
        ({"topics": " ".join(f"T{i}" for i in range(11))}, "topics"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, over, field):
    with pytest.raises(InvalidInput) as exc:
        write(world.handler, **over)
    assert [p.field for p in exc.value.problems] == [field]
    assert ConcernArticle.objects.count() == 0


def test_another_bodys_staff_and_people_reach_nothing(world):
    a = write(world.handler)
    for actor in (world.other_officer, world.inspector):
        with pytest.raises(NotFound):
            concerns.do_publish_article(actor=actor, pk=a.pk)
    with pytest.raises(NotFound):
        concerns.do_save_article(actor=world.citizen, data=ArticleInput(**GOOD))
    assert ConcernArticle.objects.get(pk=a.pk).state == ConcernState.DRAFT
    assert ConcernArticle.objects.count() == 1


def test_a_platform_administrator_chooses_the_body(world):
    with pytest.raises(InvalidInput) as exc:
        write(world.platform)
    assert exc.value.problems[0].field == "department"
    a = write(world.platform, department_id=str(world.other_body.pk))
    assert a.department_id == world.other_body.pk


def test_the_pages(world):
    staff = Client()
    staff.force_login(world.handler)
    new = "/openness/workbench/concerns/new/"
    page = staff.get(new).content.decode()
    r = staff.post(new, GOOD | {"once_token": once_token(page, new)})
    a = ConcernArticle.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/openness/workbench/concerns/{a.pk}/"
    edit = r["Location"]
    publish = f"{edit}publish/"
    page = staff.get(edit).content.decode()
    assert staff.post(publish, {"once_token": once_token(page, publish)}).status_code == 302
    public = Client()
    listing = public.get("/openness/concerns/").content.decode()
    assert GOOD["title"] in listing
    assert GOOD["body"] in public.get(f"/openness/concerns/{a.pk}/").content.decode()
    assert public.get("/openness/concerns/?topic=公积金提取").status_code == 200
    assert public.get("/openness/concerns/99999/").status_code == 404
    bad = staff.post(
        edit, GOOD | {"title": "", "once_token": once_token(staff.get(edit).content.decode(), edit)}
    )
    assert bad.status_code == 400 and 'id="title-error"' in bad.content.decode()
    assert ConcernArticle.objects.get().title == GOOD["title"]
