"""The evaluation's pages: the public ranking, a region's computation line by line, the PDF
report read back as text, and the platform administrators' workbench (draft, edit, submit,
publish by another administrator, run), bad input answered 400 with the field named."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

from tongban.core.models import AuditEvent
from tongban.insight import evaluation
from tongban.insight.enums_evaluation import SchemeState
from tongban.insight.models_evaluation import EvaluationScheme
from tongban.pdftest import needs_pdftotext, pdf_text

from .evaluation_world import JIANGAN, SYSTEM, WUHAN, published, snapshot
from .evaluation_world import world_fixture as world_fixture


@pytest.fixture
def run(world):
    scheme = published()
    evaluation.do_run_evaluation(2025, scheme.version, actor=SYSTEM)
    return evaluation.do_run_evaluation(2026, scheme.version, actor=SYSTEM)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_ranking_page_lists_cities_with_grades(client, run):
    r = client.get("/insight/evaluation/")
    assert r.status_code == 200
    html = r.content.decode()
    rows = re.findall(r'<tr data-region="(\d+)">', html)
    assert rows[:2] == [WUHAN, "420500000000"] and len(rows) == 17
    text = _text(r)
    assert "武汉市 90.00 第一方阵（非常高）" in text
    assert "宜昌市 50.00 第四方阵（低）" in text
    assert "+0.00" not in text and "0.00" in text  # the same as last year: no sign
    assert f'href="/insight/evaluation/2026/{WUHAN}/"' in html
    assert 'href="/insight/evaluation/2026/report.pdf"' in html
    # the years
    assert '<a href="?year=2026" aria-current="page">' in html and '<a href="?year=2025"' in html


def test_the_ranking_page_bad_year_names_the_field(client, run):
    assert client.get("/insight/evaluation/?year=abc").status_code == 400
    assert client.get("/insight/evaluation/?year=1990").status_code == 404


def test_no_run_yet(client, world):
    r = client.get("/insight/evaluation/")
    assert r.status_code == 200 and 'id="no-runs"' in r.content.decode()


def test_a_region_page_shows_the_computation(client, run):
    r = client.get(f"/insight/evaluation/2026/{WUHAN}/")
    assert r.status_code == 200
    text = _text(r)
    assert "90.00 / 100" in text
    assert "全省市（州）第 1 名（共 17 个）" in text
    # line 4.1: raw 50 (1 / 2), linear 0 → 100, score 50.00, weight 20, contribution 10.000
    row = re.search(r'<tr data-code="4.1">(.*?)</tr>', r.content.decode(), re.S).group(1)
    cells = _text(type("R", (), {"content": row.encode()}))
    assert "50 %" in cells and "1 / 2" in cells and "0 → 100" in cells
    assert "50.00" in cells and "10.000" in cells
    assert "服务成效度 20.00 / 20" in text
    # its counties, 江岸区 first
    assert re.findall(r'<tr data-region="(\d+)">', r.content.decode())[0] == JIANGAN
    county = client.get("/insight/evaluation/2026/420102/")
    assert "本市（州）县（市、区）第 1 名" in _text(county)


@pytest.mark.parametrize("url", ["/insight/evaluation/2026/999999/", "/insight/evaluation/2019/420100/"])
def test_an_unknown_region_or_year_is_404(client, run, url):
    assert client.get(url).status_code == 404


@needs_pdftotext
def test_the_pdf_report_reads_back(client, run):
    r = client.get("/insight/evaluation/2026/report.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = re.sub(r"\s+", " ", pdf_text(r.content))
    assert "2026年度一体化政务服务能力评估报告" in text
    assert "指标体系：v1 测试指标体系" in text
    assert re.search(r"1 武汉市 90\.00 第一方阵", text)  # (pdftotext breaks long cells)
    assert re.search(r"2 宜昌市 50\.00 第四方阵", text)
    assert "总分第一的是武汉市（90.00分）" in text.replace(" ", "")
    assert "江岸区" in text


def test_the_pdf_report_is_chinese_in_the_english_ui(client, run):
    client.cookies["django_language"] = "en"
    r = client.get("/insight/evaluation/2026/report.pdf")
    assert r.status_code == 200


# --- Workbench ---------------------------------------------------------------------------------


def _form(client, url) -> dict:
    html = client.get(url).content.decode()
    token = re.search(r'name="once_token" value="([^"]+)"', html)
    return {"once_token": token.group(1)} if token else {}


def test_the_workbench_is_the_platform_administrators(client, world):
    assert client.get("/insight/evaluation/schemes/").status_code == 302  # sign in
    client.force_login(world["officer"])
    assert client.get("/insight/evaluation/schemes/").status_code == 404
    client.force_login(world["admin"])
    assert client.get("/insight/evaluation/schemes/").status_code == 200


def test_draft_edit_submit_publish_and_run_through_the_pages(client, world):
    admin, admin2 = world["admin"], world["admin2"]
    client.force_login(admin)
    r = client.post("/insight/evaluation/schemes/new/", _form(client, "/insight/evaluation/schemes/"))
    assert r.status_code == 302 and r["Location"] == "/insight/evaluation/schemes/1/"
    scheme = EvaluationScheme.objects.get(version=1)
    assert scheme.lines.count() == 13 and scheme.state == SchemeState.DRAFT
    page = client.get("/insight/evaluation/schemes/1/").content.decode()
    # the edit form posts every line back; change 1.1's weight to 9 and 1.2's to 5
    form = _post_of(page)
    form["weight"][0], form["weight"][1] = "9", "5"
    r = client.post("/insight/evaluation/schemes/1/", form)
    assert r.status_code == 302
    assert [(ln.code, ln.weight) for ln in scheme.lines.all()[:2]] == [("1.1", D(9)), ("1.2", D(5))]
    # a bad weight: 400, the line's field named, nothing changed
    before = snapshot()
    form = _post_of(client.get("/insight/evaluation/schemes/1/").content.decode())
    form["weight"][2] = "很多"
    r = client.post("/insight/evaluation/schemes/1/", form)
    assert r.status_code == 400 and "权重须为数字" in r.content.decode()
    assert snapshot() == before
    # submit; the submitter sees no publish button, another administrator publishes
    r = client.post("/insight/evaluation/schemes/1/submit/", _form(client, "/insight/evaluation/schemes/1/"))
    assert r.status_code == 302
    assert 'id="await-review"' in client.get("/insight/evaluation/schemes/1/").content.decode()
    client.force_login(admin2)
    r = client.post("/insight/evaluation/schemes/1/publish/", _form(client, "/insight/evaluation/schemes/1/"))
    assert r.status_code == 302
    scheme.refresh_from_db()
    assert scheme.state == SchemeState.PUBLISHED and scheme.published_by == f"user:{admin2.pk}"
    # run 2026 under it
    r = client.post(
        "/insight/evaluation/run/",
        {**_form(client, "/insight/evaluation/schemes/"), "year": "2026", "scheme_version": "1"},
    )
    assert r.status_code == 302 and r["Location"] == "/insight/evaluation/?year=2026"
    assert AuditEvent.objects.filter(action="insight.evaluation.run", actor=f"user:{admin2.pk}").count() == 1


def test_the_run_form_names_a_bad_year(client, world):
    published()
    client.force_login(world["admin"])
    before = snapshot()
    r = client.post("/insight/evaluation/run/", {"year": "明年", "scheme_version": "1"})
    assert r.status_code == 400
    assert 'id="year-error"' in r.content.decode()
    assert snapshot() == before


def test_the_submitter_cannot_publish_through_the_page(client, world):
    evaluation.do_create_scheme(actor=world["admin"], header=_header(), lines=evaluation.default_lines())
    evaluation.do_submit_scheme(actor=world["admin"], version=1)
    client.force_login(world["admin"])
    before = snapshot()
    r = client.post("/insight/evaluation/schemes/1/publish/", {})
    assert r.status_code == 302
    assert snapshot() == before


def _header():
    from .evaluation_world import HEADER

    return HEADER


def _post_of(page: str) -> dict:
    """The edit form's fields as the browser would post them (lists for the line fields)."""
    form = page.split('action="/insight/evaluation/schemes/1/"', 1)[1].split("</form>", 1)[0]
    out: dict = {"once_token": re.search(r'name="once_token" value="([^"]+)"', form).group(1)}
    for key in ("name", "effective_year", "grade_first", "grade_second", "grade_third"):
        out[key] = re.search(rf'name="{key}"[^>]*value="([^"]*)"', form).group(1)
    out["notes"] = re.search(r'name="notes"[^>]*>([^<]*)</textarea>', form).group(1)
    lines: dict[str, list] = {
        k: [] for k in ("code", "weight", "floor", "target", "dimension", "measure", "rule")
    }
    names: list = []
    for fs in form.split('<fieldset class="eval-line">')[1:]:
        for k in ("code", "weight", "floor", "target"):
            lines[k].append(re.search(rf'name="{k}"[^>]*value="([^"]*)"', fs).group(1))
        names.append(re.search(r'name="line_name"[^>]*value="([^"]*)"', fs).group(1))
        for k in ("dimension", "measure", "rule"):
            sel = re.search(rf'name="{k}">(.*?)</select>', fs, re.S).group(1)
            chosen = re.search(r'<option value="([^"]+)" selected', sel)
            lines[k].append(
                chosen.group(1) if chosen else re.search(r'<option value="([^"]+)"', sel).group(1)
            )
    out.update(lines)
    out["line_name"] = names
    return out


def test_a_double_clicked_run_runs_once(client, world):
    published()
    client.force_login(world["admin"])
    form = {**_form(client, "/insight/evaluation/schemes/"), "year": "2026", "scheme_version": "1"}
    first = client.post("/insight/evaluation/run/", form)
    second = client.post("/insight/evaluation/run/", form)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == "/insight/evaluation/?year=2026"
    assert AuditEvent.objects.filter(action="insight.evaluation.run").count() == 1


def test_the_pages_read_a_bounded_number_of_queries(client, run, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert client.get("/insight/evaluation/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/insight/evaluation/2026/{WUHAN}/").status_code == 200


@needs_pdftotext
def test_a_rerun_makes_a_new_report(client, run):
    assert "v1 测试指标体系" in pdf_text(client.get("/insight/evaluation/2026/report.pdf").content)
    second = published(name="第二版")
    evaluation.do_run_evaluation(2026, second.version, actor=SYSTEM)
    text = pdf_text(client.get("/insight/evaluation/2026/report.pdf").content)
    assert "v2 第二版" in text and "测试指标体系" not in text
