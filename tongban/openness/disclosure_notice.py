"""The answer notice (政府信息公开申请答复告知书) as PDF, with the body's seal.

Rendered on demand from the snapshot the answer froze (`DisclosureAnswer.notice`), so it reads
the same whatever happens later. The seal is the licences app's e-seal picture
(`licences.queries.seal_picture`, caption 政府信息公开专用章), as the cases app's notices use it;
WeasyPrint draws it with Debian's fonts-noto-cjk and may fetch nothing (data URIs only).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from tongban.licences import queries as licence_queries

SEAL_CAPTION = "政府信息公开专用章"
TITLE = "政府信息公开申请答复告知书"
# 第五十一条: 行政复议 within 60 days, 行政诉讼 within 6 months.
REMEDIES = (
    "申请人认为本机关在政府信息公开工作中侵犯其合法权益的，可以自收到本告知书之日起六十日内依法申请行政复议，"
    "或者在六个月内依法向人民法院提起行政诉讼。"
)


def render_html(answer) -> str:
    d = answer.notice
    with translation.override("zh-hans"):
        return render_to_string(
            "openness/disclosure/notice.html",
            {
                "d": d,
                "number": answer.notice_number,
                "title": TITLE,
                "seal": licence_queries.seal_picture(d["department"], caption=SEAL_CAPTION),
                "remedies": REMEDIES,
            },
        )


def render_pdf(answer) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up
    from weasyprint.urls import URLFetcher

    return HTML(string=render_html(answer), url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
