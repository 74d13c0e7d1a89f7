"""Official notices (文书): 受理通知书, 不予受理通知书, 补正材料通知书, 准予 / 不予许可决定书.

A notice is a `Notice` row written by `do_issue_notice` inside the transaction of the step that
issues it (acceptance, refusal, a supplement request before or after acceptance, the decision),
so a rolled-back step leaves no notice behind. The row keeps a snapshot of what the notice says
(`data`): the PDF is rendered from that snapshot on demand, so it reads the same however the case
moves on, and rendering (about 0.1 s) never slows a step down.

Notice number (文书编号): `<case number>-<kind code><sequence of that kind on the case, 2 digits>`,
e.g. `420100202609292000001-SL01` (kind codes: SL 受理, BSL 不予受理, BZ 补正, ZYXK 准予许可,
BYXK 不予许可). Every notice carries the issuing department's e-seal (the licences app's seal
picture, caption `SEAL_CAPTION`) over its signature. Time limits read as the item gives them: a
limit of 0 is 即办 (当场办结), a 自然日 limit says 自然日 (`limit_words`). The verification code is 24 random URL-safe characters (144 bits): the QR code
on the notice links to `/notices/verify/<code>/`, a public page that says whether the notice is
genuine and shows only the case number, item, kind, issue date and the masked applicant name.
"""

from __future__ import annotations

import secrets

from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core import audit
from tongban.core.errors import InvalidInput, NotFound
from tongban.core.identifiers import mask_name
from tongban.licences import queries as licence_queries

from . import clock
from .enums import CaseState
from .models import Case, Notice


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("受理通知书")
    REFUSAL = "refusal", _("不予受理通知书")
    SUPPLEMENT = "supplement", _("补正材料通知书")
    GRANT = "grant", _("准予许可决定书")
    DENIAL = "denial", _("不予许可决定书")


KIND_CODES = {
    NoticeKind.ACCEPTANCE: "SL",
    NoticeKind.REFUSAL: "BSL",
    NoticeKind.SUPPLEMENT: "BZ",
    NoticeKind.GRANT: "ZYXK",
    NoticeKind.DENIAL: "BYXK",
}

# 行政复议 within 60 days, 行政诉讼 within 6 months (行政复议法 art. 20, 行政诉讼法 art. 46).
REMEDIES = "申请人如对本决定不服，可以自收到本文书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"

VERIFY_PATH = "/notices/verify/{code}/"
SEAL_CAPTION = "行政审批专用章"
INSTANT = "即办（当场办结）"


def limit_words(limit: int | None, unit: str) -> str:
    """A time limit as a notice prints it: `3个工作日`, `30个自然日`, 0 as 即办."""
    if not limit:
        return INSTANT
    return f"{limit}{clock.UNIT_WORDS.get(unit, '')}"


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _content(case: Case, kind: str) -> dict:
    """What the notice says, frozen at issue time."""
    data = {
        "case_number": case.number,
        "item_name": case.item_name,
        "item_code": case.item_code,
        "applicant_name": case.applicant_name,
        "department": case.department.name,
        "received_on": _iso(case.received_on),
        "submitted_on": _iso(timezone.localdate(case.submitted_at)),
    }
    if kind == NoticeKind.ACCEPTANCE:
        data.update(
            accepted_on=_iso(case.accepted_on),
            deemed=case.deemed_accepted,
            promised_days=case.promised_days,
            promised_due=_iso(case.promised_due),
            statutory_days=case.statutory_days,
            statutory_due=_iso(case.statutory_due),
            missing=[{"name": m["name"], "due": m["due"]} for m in case.missing_materials or []],
            commitment=case.commitment,
            promised_limit=limit_words(case.promised_limit, case.promised_unit),
            statutory_limit=limit_words(case.statutory_limit, case.statutory_unit),
            instant=not case.promised_limit,
            # 暂定: computed through a year without the official holiday arrangement
            provisional=clock.is_provisional(case.statutory_due or case.promised_due, case.accepted_on),
        )
    elif kind == NoticeKind.REFUSAL:
        data.update(reason=case.return_reason)
    elif kind == NoticeKind.SUPPLEMENT:
        pause = case.pauses.filter(ended_on__isnull=True).first() if case.state == CaseState.PAUSED else None
        if pause is not None:  # 补齐补正 after acceptance: the clock is paused meanwhile
            data.update(stage="paused", items=list(pause.items), due=_iso(pause.due_on), reason=pause.reason)
            data.update(provisional=clock.is_provisional(pause.due_on, pause.started_on))
        else:  # 预审补正 before acceptance: the time limit has not started
            data.update(stage="precheck", items=list(case.supplement_items), due=_iso(case.supplement_due))
            data.update(provisional=clock.is_provisional(case.supplement_due))
    elif kind in (NoticeKind.GRANT, NoticeKind.DENIAL):
        data.update(
            decided_on=_iso(timezone.localdate(case.decided_at)) if case.decided_at else "",
            reason=case.decision_reason,
        )
    return data


def do_issue_notice(*, actor, case: Case, kind: str) -> Notice:
    """Issue a notice of `kind` for `case` as it stands now. Called by the flows inside their
    transaction, with the case row locked (so the per-kind sequence cannot race)."""
    if kind not in NoticeKind.values:
        raise InvalidInput.field("kind", "文书种类不正确")
    with transaction.atomic(savepoint=False):
        seq = Notice.objects.filter(case=case, kind=kind).count() + 1
        notice = Notice.objects.create(
            case=case,
            kind=kind,
            number=f"{case.number}-{KIND_CODES[NoticeKind(kind)]}{seq:02d}",
            verify_code=secrets.token_urlsafe(18),
            data=_content(case, kind),
        )
        audit.record(
            actor=actor,
            action="cases.notice.issue",
            obj=notice,
            data={"case": case.number, "kind": kind, "number": notice.number},
        )
    return notice


# --- Reads -------------------------------------------------------------------------------------


def notices_of(case: Case) -> list[Notice]:
    """The notices of a case, oldest first (for the case pages; the PDF link is `pdf_path`)."""
    return list(case.notices.order_by("issued_at", "id"))


def pdf_path(notice: Notice) -> str:
    return f"/notices/{notice.case.number}/{notice.number}.pdf"


def listed(case: Case) -> list[dict]:
    """The notices as the case pages list them (applicant's and officer's), oldest first:
    title, number, issue date and the PDF link (which `access_case` guards)."""
    return [
        {
            "title": NoticeKind(n.kind).label,
            "number": n.number,
            "issued_on": timezone.localdate(n.issued_at),
            "url": f"/notices/{case.number}/{n.number}.pdf",
        }
        for n in notices_of(case)
    ]


def access_notice(case: Case, notice_number: str) -> Notice:
    """A notice of a case the caller already reached through `services.access_case`."""
    notice = case.notices.filter(number=(notice_number or "").strip()).first()
    if notice is None:
        raise NotFound("没有找到该文书")
    return notice


def verify(code: str) -> dict:
    """What the public verification page may show: nothing personal in clear."""
    notice = Notice.objects.filter(verify_code=(code or "").strip()).select_related("case").first()
    if notice is None or not code:
        raise NotFound("没有找到该文书，文书可能是伪造的或验证码有误")
    return {
        "case_number": notice.case.number,
        "item_name": notice.data.get("item_name", notice.case.item_name),
        "kind": NoticeKind(notice.kind).label,
        "number": notice.number,
        "issued_on": timezone.localdate(notice.issued_at),
        "applicant_masked": mask_name(notice.data.get("applicant_name", "")),
    }


# --- PDF ---------------------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """The verification QR code as an SVG data URI (WeasyPrint draws it as vectors)."""
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


def seal(department_name: str) -> str:
    return licence_queries.seal_picture(department_name, caption=SEAL_CAPTION)


def _instant(data: dict) -> bool:
    """Whether an acceptance notice's item is 即办 (notices issued before `instant` was kept
    said "0个工作日": read those as 即办 too)."""
    if "instant" in data:
        return bool(data["instant"])
    limit = str(data.get("promised_limit") or "")
    return limit.startswith("0") or (not limit and not data.get("promised_days"))


def render_html(notice: Notice, *, verify_url: str, query_code: str = "", progress_url: str = "") -> str:
    """`query_code`: the case's 查询码, printed on the 受理通知书 (the receipt) at each download
    with the address of 办件进度查询 (`progress_url`); it is kept out of the snapshot, which is
    stored in clear."""
    department = notice.data.get("department") or notice.case.department.name
    return render_to_string(
        f"cases/notices/{notice.kind}.html",
        {
            "notice": notice,
            "d": notice.data,
            "title": NoticeKind(notice.kind).label,
            "issued_on": timezone.localdate(notice.issued_at),
            "verify_url": verify_url,
            "qr": qr_svg(verify_url),
            "seal": seal(department),
            "instant": notice.kind == NoticeKind.ACCEPTANCE and _instant(notice.data),
            "remedies": REMEDIES,
            "query_code": query_code if notice.kind == NoticeKind.ACCEPTANCE else "",
            "progress_url": progress_url,
        },
    )


def render_pdf(notice: Notice, *, verify_url: str, query_code: str = "", progress_url: str = "") -> bytes:
    """The notice as PDF (A4, Noto Serif / Sans CJK from Debian's fonts-noto-cjk). Notices embed
    everything they show (the QR code as a data URI), so WeasyPrint may fetch nothing else: no
    network, no files."""
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up
    from weasyprint.urls import URLFetcher

    html = render_html(notice, verify_url=verify_url, query_code=query_code, progress_url=progress_url)
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
