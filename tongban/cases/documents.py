"""Documents the platform writes for the applicant at submission (系统生成), kept with the case as
sealed PDFs like uploaded files (stage `generated` / `signed`), in the notices' style:

- the application form (申请表) drawn from the form filled online (`application_pdf`);
- the 告知承诺书 the applicant signed online: its text, who confirmed it and when
  (`commitment_pdf`).

WeasyPrint may fetch nothing (no network, no files): everything is in the HTML.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from . import formschema, supplied


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time at start-up
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def _display(field: dict, value) -> str:
    if field["type"] == "checkbox":
        return "是" if value is True else "否"
    if field["type"] == "select":
        for choice in field.get("choices") or []:
            if isinstance(choice, dict) and str(choice.get("value")) == str(value):
                return str(choice.get("label", value))
    return "" if value is None else str(value)


def form_rows(schema: dict, cleaned: dict) -> list[dict]:
    """The form's visible sections with each field's label and the value as the applicant gave it."""
    out = []
    for section in formschema.visible_sections(schema, cleaned):
        rows = [
            {"label": f["label"], "value": _display(f, cleaned.get(f["name"], ""))} for f in section["fields"]
        ]
        out.append({"title": section["title"], "rows": rows})
    return out


def _head(case) -> dict:
    return {
        "case_number": case.number,
        "item_name": case.item_name,
        "item_code": case.item_code,
        "applicant_name": case.applicant_name,
        "department": case.department.name,
        "submitted_at": timezone.localtime(case.submitted_at),
        "channel": case.get_channel_display(),
    }


def application_pdf(case, schema: dict, cleaned: dict) -> bytes:
    html = render_to_string(
        "cases/documents/application_form.html",
        {"d": _head(case), "title": f"{case.item_name}申请表", "sections": form_rows(schema, cleaned)},
    )
    return _pdf(html)


def commitment_pdf(case, material_name: str, *, signed_at) -> bytes:
    html = render_to_string(
        "cases/documents/commitment.html",
        {
            "d": _head(case),
            "title": material_name.strip("《》"),
            "text": supplied.commitment_text(case.item_name, case.applicant_name),
            "signed_at": timezone.localtime(signed_at),
            "signer": case.submitted_by.display_name,
        },
    )
    return _pdf(html)
