"""The English interface of the case workbench (and the catalogue behind it): the queue page, the
case page, window intake and statistics, switched to English the way a person does it (the
language cookie set by /i18n/setlang/), show English headings, buttons, labels and tabs, and no
Chinese in them apart from the data (item, applicant, department and step names) and the
language switch's own "中文"; and tongban/locale's English catalogue has no empty or fuzzy entry.

The catalogue is compiled from the .po for these tests (the `english` fixture), so a stale .mo
does not decide them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.utils import translation
from django.utils.translation import gettext

from .. import queries, services
from .conftest import as_user, submit

pytestmark = pytest.mark.usefixtures("regions_loaded")

HAN = re.compile(r"[\u3400-\u9fff]")
UI = {"h1", "h2", "h3", "button", "th", "label", "summary", "legend", "caption", "dt", "nav", "title"}
VOID = {"input", "br", "meta", "link", "img", "hr", "source", "col", "wbr", "area"}


class _UiText(HTMLParser):
    """The text of headings, buttons, labels, table heads, tabs and the placeholders and
    aria-labels of inputs: what the interface says rather than what the data says. Subtrees in
    Chinese on purpose (lang="zh-Hans": the language switch) are left out."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped subtree)
        self.depth = 0  # how many UI elements we are inside
        self.texts: list[str] = []
        self.current: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in VOID:
            if not self._skipping():
                self.texts += [a[k] for k in ("placeholder", "aria-label") if a.get(k)]
            return
        self.stack.append((tag, a.get("lang") == "zh-Hans"))
        if tag in UI:
            self.depth += 1
        if a.get("aria-label") and not self._skipping():
            self.texts.append(a["aria-label"])

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            open_tag, _skip = self.stack.pop()
            if open_tag in UI:
                self.depth -= 1
                if self.depth == 0:
                    self.texts.append(" ".join("".join(self.current).split()))
                    self.current = []
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.depth and not self._skipping():
            self.current.append(data)


def ui_texts(response, *data: str) -> list[str]:
    """The interface texts of a page, with the given data strings taken out."""
    parser = _UiText()
    parser.feed(response.content.decode())
    out = []
    for text in parser.texts:
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, "")
        out.append(text)
    return out


def gettext_en(text: str) -> str:
    with translation.override("en"):
        return gettext(text)


def chinese(texts: list[str]) -> list[str]:
    return [t for t in texts if HAN.search(t)]


def in_english(user):
    client = as_user(user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/workbench/cases/"})
    assert response.status_code == 302
    return client


def test_the_english_catalogue_has_no_empty_or_fuzzy_entry(english):
    text = english.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    fuzzy = [e for e in entries if re.search(r"^#,.*\bfuzzy\b", e, re.M)]
    empty = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""\n(?!")', e + "\n", re.M)]
    assert fuzzy == [] and empty == []
    assert len(entries) > 900


def test_every_queue_has_an_english_name(english):
    with translation.override("en"):
        names = {gettext(label) for label in queries.QUEUES.values()}
    assert names == {"To pre-check", "My tasks", "Team tasks", "Due soon", "Overdue", "Clock paused"}


def test_the_queue_page_in_english(world, english):
    case = submit(world)
    officer = in_english(world["officer"])
    response = officer.get("/workbench/cases/")
    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="en">' in page
    texts = ui_texts(response, world["officer"].username, world["dept"].name)
    assert "Case queues" in texts and "To pre-check" in texts
    assert any(t.startswith("To pre-check") for t in texts)  # the tab, with its count
    assert "Accept the selected cases" in texts and f"Select {case.number}" in texts
    assert {"Case number", "Item", "Applicant", "Status", "Received", "Promised by", "Monitoring"} <= set(
        texts
    )
    assert chinese(texts) == []
    # The cards of a phone label each cell in English too.
    assert 'data-label="Applicant"' in page and 'data-label="监察"' not in page
    assert "Submitted" in page  # the state of the case

    found = officer.get("/workbench/cases/", {"q": case.number})
    texts = ui_texts(found, world["officer"].username, world["dept"].name)
    assert f"Cases matching “{case.number}”" in texts and chinese(texts) == []


def test_the_case_page_in_english_and_its_actions(world, english):
    case = submit(world)
    officer = in_english(world["officer"])
    labels = [f["label"] for s in services.form_schema(world["item"])["sections"] for f in s["fields"]]
    materials = [m.name for m in world["materials"]]
    data = (world["officer"].username, world["dept"].name, case.item_name, *materials, *labels)
    response = officer.get(f"/workbench/cases/{case.number}/")
    texts = ui_texts(response, *data)
    assert {
        "Case details",
        "Application form",
        "Materials",
        "Time limit calculation",
        "Approval steps",
    } <= set(texts)
    assert {"Handling", "History", "Pre-check passed: accept", "Refuse to accept", "Return"} <= set(texts)
    assert "Request corrections (all at once)" in texts and "Reason" in texts
    assert chinese(texts) == []

    accepted = officer.post(f"/workbench/cases/{case.number}/accept/", follow=True)
    assert "Accepted." in accepted.content.decode()
    step = services.access_case(world["officer"], case.number).steps.order_by("index").first()
    texts = ui_texts(accepted, *data, step.name)
    # The step's name is the platform's own (the default chain's 承办): translated too.
    assert (step.name, gettext_en(step.name)) == ("承办", "Handling")
    assert {"Pause the clock", "Extend", "Handling: handle this step", "Approve", "Reject", "Comment"} <= set(
        texts
    )
    assert chinese(texts) == []
    assert '<span class="wb-status" id="case-state">Accepted</span>' in accepted.content.decode()


def test_window_intake_and_statistics_in_english(world, english):
    clerk = in_english(world["clerk"])
    texts = ui_texts(clerk.get("/workbench/cases/window/"), world["clerk"].username, "武汉市政务服务中心")
    assert {
        "Window intake (front desk)",
        "1. Applicant",
        "Applicant's ID card number",
        "Find the applicant",
    } <= set(texts)
    assert chinese(texts) == []
    officer = in_english(world["officer"])
    response = officer.get("/workbench/cases/stats/", {"since": "2026-01-01", "until": "2026-12-31"})
    region = world["dept"].region
    texts = ui_texts(response, world["officer"].username, world["dept"].name, region.full_name, region.name)
    assert {
        "Case statistics:",
        "Division code",
        "Received from",
        "Until",
        "Statistics",
        "Department",
    } <= set(texts)
    assert chinese(texts) == []
