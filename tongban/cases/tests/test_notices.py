"""Official notices: each kind issued by a real flow, rendered as a PDF that reads back (pdftotext)
with the case number and the Chinese title, in the Noto CJK fonts; the public verification page;
who may download a PDF."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tongban.core.errors import Forbidden
from tongban.core.models import AuditEvent
from tongban.pdftest import needs_pdftotext, pdf_text

from .. import notices, services
from ..models import Notice
from .conftest import citizen, submit, upload

pytestmark = pytest.mark.usefixtures("regions_loaded")


def pdf_fonts(pdf: bytes) -> str:
    out = subprocess.run(  # noqa: S603 - Debian's pdffonts on a PDF we rendered
        [shutil.which("pdffonts") or "pdffonts", "-"], input=pdf, capture_output=True, check=False
    )
    return out.stdout.decode()


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def download(client, user, notice: Notice):
    client.force_login(user)
    return client.get(f"/notices/{notice.case.number}/{notice.number}.pdf")


def only_notice(case, kind: str) -> Notice:
    rows = list(Notice.objects.filter(case=case, kind=kind))
    assert len(rows) == 1
    return rows[0]


def run_chain(world, case, *, last: str = "pass"):
    for index, actor in enumerate([world["officer"], world["officer2"], world["head"]]):
        outcome = last if index == 2 else "pass"
        case = services.do_complete_step(
            actor=actor, number=case.number, step_index=index, outcome=outcome, comment="材料不符合法定条件"
        )
    return case


@needs_pdftotext
def test_acceptance_notice_from_the_acceptance(world, client):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    notice = only_notice(case, notices.NoticeKind.ACCEPTANCE)
    assert notice.number == f"{case.number}-SL01"
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", notice.verify_code)
    assert notice.data["promised_due"] == "2026-10-12" and notice.data["accepted_on"] == "2026-09-29"
    response = download(client, world["citizen"], notice)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = flat(pdf_text(pdf))
    assert "受理通知书" in text and case.number in text and notice.number in text
    assert "2026-10-12" in text and "武汉市市场监督管理局" in text and "张三" in text
    assert f"/notices/verify/{notice.verify_code}/" in text
    fonts = pdf_fonts(pdf)
    assert "Noto-Serif-CJK-SC" in fonts and "Noto-Sans-CJK-SC" in fonts
    assert AuditEvent.objects.filter(action="cases.notice.issue", object_id=str(notice.pk)).count() == 1


@needs_pdftotext
def test_refusal_notice_gives_the_reason_and_the_remedies(world, client):
    case = services.do_refuse(
        actor=world["officer"], number=submit(world).number, reason="申请事项不属于本机关职权范围"
    )
    notice = only_notice(case, notices.NoticeKind.REFUSAL)
    assert notice.number == f"{case.number}-BSL01"
    text = flat(pdf_text(download(client, world["citizen"], notice).content))
    assert "不予受理通知书" in text and case.number in text
    assert "申请事项不属于本机关职权范围" in text and "行政复议" in text


@needs_pdftotext
def test_supplement_notice_at_pre_check_lists_everything_asked(world, client):
    items = ["营业执照副本复印件（加盖公章）", "食品安全管理制度文本", "经营场所平面图"]
    case = services.do_request_supplement(actor=world["officer"], number=submit(world).number, items=items)
    notice = only_notice(case, notices.NoticeKind.SUPPLEMENT)
    assert notice.number == f"{case.number}-BZ01"
    assert (notice.data["stage"], notice.data["items"], notice.data["due"]) == (
        "precheck",
        items,
        "2026-10-19",
    )
    text = flat(pdf_text(download(client, world["citizen"], notice).content))
    assert "补正材料通知书" in text and case.number in text and "2026-10-19" in text
    for item in items:
        assert flat(item) in text


@needs_pdftotext
def test_supplement_notice_of_a_pause_after_acceptance(world, client, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    day("2026-10-09")
    case = services.do_pause(
        actor=world["officer"],
        number=case.number,
        kind="supplement",
        reason="现场核查发现布局与图纸不符",
        items=["修改后的经营场所平面图", "设备布局说明"],
    )
    notice = only_notice(case, notices.NoticeKind.SUPPLEMENT)
    assert (notice.data["stage"], notice.data["due"]) == ("paused", "2026-10-22")
    text = flat(pdf_text(download(client, world["officer"], notice).content))
    assert "补正材料通知书" in text and case.number in text
    assert "修改后的经营场所平面图" in text and "设备布局说明" in text and "暂停计算办理时限" in text
    # The applicant supplies, the clock resumes; a later special procedure issues no notice.
    services.do_supply(actor=world["citizen"], number=case.number, uploads=[upload(world["materials"][0])])
    services.do_pause(
        actor=world["officer"], number=case.number, kind="special", reason="需要专家评审", procedure="expert"
    )
    assert Notice.objects.filter(case=case).count() == 2  # 受理 + 补正


@needs_pdftotext
def test_grant_decision_from_the_last_step(world, client, day):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    day("2026-10-09")
    case = run_chain(world, case)
    notice = only_notice(case, notices.NoticeKind.GRANT)
    assert notice.number == f"{case.number}-ZYXK01" and notice.data["decided_on"]
    text = flat(pdf_text(download(client, world["head"], notice).content))
    assert "准予许可决定书" in text and case.number in text and "准予许可" in text
    assert [n.kind for n in notices.notices_of(case)] == ["acceptance", "grant"]


@needs_pdftotext
def test_denial_decision_from_the_last_step(world, client):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    case = run_chain(world, case, last="fail")
    notice = only_notice(case, notices.NoticeKind.DENIAL)
    assert notice.number == f"{case.number}-BYXK01"
    text = flat(pdf_text(download(client, world["citizen"], notice).content))
    assert "不予许可决定书" in text and case.number in text
    assert "材料不符合法定条件" in text and "行政诉讼" in text


def test_a_retried_acceptance_issues_no_second_notice(world):
    case = services.do_accept(actor=world["officer"], number=submit(world).number, idempotency_key="k-1")
    again = services.do_accept(actor=world["officer"], number=case.number, idempotency_key="k-1")
    assert again.pk == case.pk
    assert list(Notice.objects.filter(case=case).values_list("kind", flat=True)) == ["acceptance"]


def test_a_refused_step_issues_no_notice(world):
    case = submit(world)
    with pytest.raises(Forbidden):
        services.do_refuse(actor=world["outsider"], number=case.number, reason="不属于本机关职权")
    assert not Notice.objects.filter(case=case).exists()


def test_verify_page_for_a_good_code_shows_genuine_and_nothing_personal(world, client):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    notice = only_notice(case, notices.NoticeKind.ACCEPTANCE)
    response = client.get(f"/notices/verify/{notice.verify_code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "真实有效" in html and case.number in html and world["item"].name in html
    assert "受理通知书" in html and "2026-" in html and "张*" in html
    assert "张三" not in html and "13900000001" not in html and world["citizen"].mobile_masked not in html
    assert response["Cache-Control"] == "no-store"


def test_verify_page_for_a_bad_code_is_404(world, client):
    services.do_accept(actor=world["officer"], number=submit(world).number)
    assert client.get("/notices/verify/not-a-real-code-000000000/").status_code == 404


def test_strangers_cannot_download_a_notice(world, client):
    case = services.do_accept(actor=world["officer"], number=submit(world).number)
    notice = only_notice(case, notices.NoticeKind.ACCEPTANCE)
    url = f"/notices/{case.number}/{notice.number}.pdf"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert download(client, citizen(2, "李四"), notice).status_code == 404
    assert download(client, world["outsider"], notice).status_code == 404  # staff of another department
    # A notice number of another case under a case the caller may see is not found either.
    other = services.do_accept(actor=world["officer"], number=submit(world, actor=citizen(3, "王五")).number)
    client.force_login(world["citizen"])
    other_notice = only_notice(other, notices.NoticeKind.ACCEPTANCE)
    assert client.get(f"/notices/{case.number}/{other_notice.number}.pdf").status_code == 404
