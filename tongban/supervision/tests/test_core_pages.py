"""The core part's pages: who sees them, the entity page's credit explanation, a rule refused
with its position, a task driven through its forms, and the public verify page naming a
tampered step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tongban.core.testing import once_token

from .. import credit, queries, tasks
from ..models import RiskRule, Task, TaskStep
from .core_world import SYSTEM, department, entity, staff

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def pages(regions_loaded, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    market = department("武汉市市场监督管理局")
    health = department("武汉市卫生健康委员会")
    return {
        "market": market,
        "health": health,
        "insp": staff("pg-insp", "inspector", dept=market),
        "admin": staff("pg-admin", "department_admin", dept=market),
        "h_insp": staff("pg-h-insp", "inspector", dept=health),
        "clerk": staff("pg-clerk", "window_clerk", dept=market),
        "entity": entity("pages", industry="Q84"),
    }


def test_only_supervision_staff_see_the_workbench(pages):
    for path in (
        "/supervision/entities/",
        "/supervision/rules/",
        "/supervision/alerts/",
        "/supervision/tasks/",
    ):
        assert client(pages["insp"]).get(path).status_code == 200, path
        assert client(pages["clerk"]).get(path).status_code == 404, path
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
    assert Client().get("/supervision/abnormal/").status_code == 200


def test_the_entity_page_explains_the_score(pages):
    e = pages["entity"]
    credit.do_record_fact(
        actor=SYSTEM, entity_id=e.pk, factor="penalty", occurred_on=dt.date.today(), source="t", ref="1"
    )
    credit.do_recompute_credit(actor=SYSTEM)
    page = client(pages["insp"]).get(f"/supervision/entities/{e.pk}/").content.decode()
    assert "信用分 90（基础分 100），等级 A，模型版本 v1" in page
    assert "<td>行政处罚</td><td>1</td><td>1 (3)</td><td>10</td><td>1095</td><td>-10</td>" in page


def test_listing_from_the_entity_page_and_the_public_list(pages):
    e = pages["entity"]
    c = client(pages["insp"])
    path = f"/supervision/entities/{e.pk}/"
    token = once_token(c.get(path).content.decode(), path)
    response = c.post(path, {"once_token": token, "action": "list", "ground": "unreachable", "listed_on": "2026-11-01",
                             "detail": "信函退回"})  # fmt: skip
    assert response.status_code == 302
    public = Client().get("/supervision/abnormal/").content.decode()
    assert e.name in public and "通过登记的住所或者经营场所无法联系" in public and "2026-11-01" in public
    assert queries.public_listings()["listed_count"] == 1


def test_a_bad_rule_is_shown_with_its_position(pages):
    c = client(pages["insp"])
    token = once_token(c.get("/supervision/rules/").content.decode(), "/supervision/rules/")
    response = c.post(
        "/supervision/rules/", {"once_token": token, "name": "x", "expression": 'credit.class == "A" and'}
    )
    assert response.status_code == 400
    assert "第 24 个字符处：此处应为值、属性或函数，而不是结尾" in response.content.decode()
    assert RiskRule.objects.count() == 0


def test_a_task_through_its_forms_and_the_public_verify_page(pages, django_capture_on_commit_callbacks):
    w = pages
    c = client(w["insp"])
    token = once_token(c.get("/supervision/tasks/").content.decode(), "/supervision/tasks/")
    response = c.post("/supervision/tasks/", {"once_token": token, "title": "联合检查", "reason": "投诉集中",
                                              "entity": w["entity"].credit_code, "partners": [w["health"].pk]})  # fmt: skip
    task = Task.objects.get()
    path = f"/supervision/tasks/{task.pk}/"
    assert response["Location"] == path
    assert client(w["clerk"]).get(path).status_code == 404
    for user in (w["insp"], w["h_insp"]):
        cl = client(user)
        token = once_token(cl.get(path).content.decode(), path)
        assert (
            cl.post(path, {"once_token": token, "action": "claim", "inspectors": [user.pk]}).status_code
            == 302
        )
    hc = client(w["h_insp"])
    token = once_token(hc.get(path).content.decode(), path)
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        hc.post(path, {"once_token": token, "action": "record", "note": "现场检查", "files": [photo]})
    task.refresh_from_db()
    assert task.state == "acting"
    f = task.files.get()
    download = hc.get(f"{path}files/{f.pk}/")
    assert download.status_code == 200 and download.content == PNG
    assert Client().get(f"{path}files/{f.pk}/").status_code == 302
    # Another department's inspector is refused: the task does not exist for them.
    outsider = staff("pg-outsider", "inspector", dept=department("武汉市交通运输局"))
    assert (
        client(outsider)
        .post(path, {"action": "result", "result_code": "no_problem", "result_text": "x"})
        .status_code
        == 404
    )
    verify = Client().get(f"{path}verify/").content.decode()
    assert "记录完整：4 个环节" in verify
    step = TaskStep.objects.get(task=task, seq=2)
    TaskStep.objects.filter(pk=step.pk).update(actor="user:999")
    verify = Client().get(f"{path}verify/").content.decode()
    assert "记录不完整：第 2 个环节（claim）内容与哈希不符（记录被篡改）" in verify
    assert not tasks.verify_task(task.pk).ok
    assert Client().get("/supervision/tasks/999999/verify/").status_code == 404
