"""Retries and double submissions of case writes, and extensions (延期) that take effect only
when their named approver approves (issue 10 §7).

Each double submission posts the same rendered form twice (its one-time token, `once_token`)
and asserts the second is answered with the first result and writes nothing: no row, no
timeline event, no audit event."""

from __future__ import annotations

import datetime as dt
import json
import random
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tongban.accounts import services as account_services
from tongban.catalog.testing import SYSTEM
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent
from tongban.core.testing import once_token

from .. import services
from ..enums import ExtensionState
from ..models import Case, CaseEvent, ExtensionRequest
from .conftest import FORM, PDF, as_user, counts, staff, submit
from .test_concurrency import needs_postgres, race

D = dt.date.fromisoformat
pytestmark = pytest.mark.usefixtures("regions_loaded")


def events(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))


def accepted(world):
    return services.do_accept(actor=world["officer"], number=submit(world).number)


def messages_of(client) -> list[str]:
    page = client.get("/workbench/cases/").content.decode()
    return [m for m in ("已处理：该表单已提交过，未重复办理。",) if m in page]


# --- The double-clicked 延期 ---------------------------------------------------------------------


def test_a_double_clicked_extension_makes_one_request_and_approval_adds_the_days_once(world):
    case = accepted(world)
    due = case.promised_due
    officer, head = as_user(world["officer"]), as_user(world["head"])
    url = f"/workbench/cases/{case.number}/"
    token = once_token(officer.get(url).content.decode(), url + "extend/")
    form = {
        "extend-days": "3",
        "extend-approver": world["head"].pk,
        "extend-reason": "需要补充调查",
        "once_token": token,
    }
    first = officer.post(url + "extend/", form)
    assert first.status_code == 302 and first["Location"] == url
    before = counts()
    second = officer.post(url + "extend/", form)
    assert second.status_code == 302 and second["Location"] == url
    assert counts() == before
    assert messages_of(officer) == ["已处理：该表单已提交过，未重复办理。"]
    request = ExtensionRequest.objects.get(case=case)
    case.refresh_from_db()
    assert (request.state, request.days, case.extension_days, case.promised_due) == ("pending", 3, 0, due)
    page = head.get(url).content.decode()
    assert 'id="pending-extension"' in page and "待批准：延期 3 个工作日" in page
    assert (
        f'href="/workbench/cases/{case.number}/#act-decide_extension"'
        in head.get("/workbench/cases/").content.decode()
    )
    decision = {
        "decide_extension-request_id": request.pk,
        "decide_extension-decision": "approve",
        "once_token": once_token(page, url + "decide_extension/"),
    }
    assert head.post(url + "decide_extension/", decision).status_code == 302
    before = counts()
    assert head.post(url + "decide_extension/", decision).status_code == 302  # the double click
    assert counts() == before
    case.refresh_from_db()
    # 2026-10-12 (5 working days from 09-29 over National Day) + 3 working days, not + 6
    assert (due, case.promised_due, case.extension_days) == (D("2026-10-12"), D("2026-10-15"), 3)
    assert case.extension_approver_id == world["head"].pk
    assert events(case)[-2:] == ["extend_request", "extend"]


def test_an_extension_never_takes_effect_without_its_approver(world):
    case = accepted(world)
    due = case.promised_due
    head2 = staff("head2", "department_admin", department=world["dept"])
    case = services.do_extend(
        actor=world["officer"], number=case.number, days=2, approver_id=world["head"].pk, reason="情况复杂"
    )
    assert (case.extension_days, case.promised_due) == (0, due)
    request = ExtensionRequest.objects.get(case=case)
    before = counts()
    for someone in (head2, world["officer"], world["officer2"], world["outsider"]):
        with pytest.raises(Forbidden):
            services.do_decide_extension(
                actor=someone, number=case.number, request_id=request.pk, approve=True
            )
    assert counts() == before
    case.refresh_from_db()
    assert (case.extension_days, case.promised_due) == (0, due)
    # A second request while one is pending is refused; so is one beyond what is left.
    with pytest.raises(Conflict):
        services.do_extend(
            actor=world["officer2"],
            number=case.number,
            days=1,
            approver_id=world["head"].pk,
            reason="情况复杂",
        )
    assert counts() == before


def test_the_approver_cannot_be_the_requester(world):
    case = accepted(world)
    both = staff("both", "approving_officer", "department_admin", department=world["dept"])
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_extend(actor=both, number=case.number, days=2, approver_id=both.pk, reason="情况复杂")
    assert exc.value.problems[0].field == "approver" and "本人" in exc.value.problems[0].message
    assert counts() == before and not ExtensionRequest.objects.exists()
    # The workbench offers the requester other department heads only.
    page = as_user(both).get(f"/workbench/cases/{case.number}/").content.decode()
    extend_form = page[page.index('id="act-extend"') :]
    extend_form = extend_form[: extend_form.index("</form>")]
    assert f'value="{world["head"].pk}"' in extend_form and f'value="{both.pk}"' not in extend_form


def test_a_rejected_extension_changes_no_deadline_and_needs_a_reason(world):
    case = accepted(world)
    due = case.promised_due
    services.do_extend(
        actor=world["officer"], number=case.number, days=2, approver_id=world["head"].pk, reason="情况复杂"
    )
    request = ExtensionRequest.objects.get(case=case)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        services.do_decide_extension(
            actor=world["head"], number=case.number, request_id=request.pk, approve=False
        )
    assert exc.value.problems[0].field == "note" and counts() == before
    services.do_decide_extension(
        actor=world["head"], number=case.number, request_id=request.pk, approve=False, note="理由不充分"
    )
    with pytest.raises(Conflict):  # decided one way, it cannot be decided the other
        services.do_decide_extension(
            actor=world["head"], number=case.number, request_id=request.pk, approve=True
        )
    case.refresh_from_db()
    request.refresh_from_db()
    assert (request.state, case.extension_days, case.promised_due) == (ExtensionState.REJECTED, 0, due)
    assert events(case)[-2:] == ["extend_request", "extend_reject"]
    assert AuditEvent.objects.filter(action="cases.extend_reject", object_id=str(case.pk)).count() == 1


def test_extension_through_the_api_request_then_approve_once(world):
    case = accepted(world)
    officer, head = as_user(world["officer"]), as_user(world["head"])
    api = f"/api/v1/cases/{case.number}"
    body = json.dumps({"days": 3, "approver_id": world["head"].pk, "reason": "需要补充调查"})
    r = officer.post(api + "/extend", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["extension_days"] == 0
    (pending,) = r.json()["extension_requests"]
    assert (pending["state"], pending["days"], pending["approver_id"]) == ("pending", 3, world["head"].pk)
    decide = f"{api}/extensions/{pending['id']}/decide"
    r = officer.post(decide, json.dumps({"approve": True}), content_type="application/json")
    assert r.status_code == 403
    for _ in range(2):  # a retried approval (with or without a key) adds the days once
        r = head.post(decide, json.dumps({"approve": True}), content_type="application/json")
        assert r.status_code == 200 and r.json()["extension_days"] == 3
    assert r.json()["extension_requests"][0]["state"] == "approved"
    assert events(Case.objects.get(pk=case.pk)).count("extend") == 1


# --- Double submissions of workbench forms --------------------------------------------------------


def test_a_double_submitted_accept_accepts_once_and_says_so(world):
    case = submit(world)
    officer = as_user(world["officer"])
    url = f"/workbench/cases/{case.number}/"
    token = once_token(officer.get(url).content.decode(), url + "accept/")
    assert officer.post(url + "accept/", {"once_token": token})["Location"] == url
    before = counts()
    again = officer.post(url + "accept/", {"once_token": token})
    assert again.status_code == 302 and again["Location"] == url
    assert counts() == before and events(case).count("accept") == 1


def test_a_form_refused_consumes_no_token(world):
    case = accepted(world)
    officer = as_user(world["officer"])
    url = f"/workbench/cases/{case.number}/"
    token = once_token(officer.get(url).content.decode(), url + "pause/")
    bad = {"pause-kind": "special", "pause-reason": "需要现场勘查", "once_token": token}
    assert officer.post(url + "pause/", bad).status_code == 400
    good = bad | {"pause-procedure": "survey"}
    assert officer.post(url + "pause/", good).status_code == 302
    assert events(case).count("pause") == 1


def test_a_double_submitted_batch_acts_once(world):
    cases = [submit(world), submit(world)]
    officer = as_user(world["officer"])
    token = once_token(
        officer.get("/workbench/cases/?queue=precheck").content.decode(), "/workbench/cases/batch/"
    )
    form = {
        "action": "accept",
        "queue": "precheck",
        "numbers": [c.number for c in cases],
        "once_token": token,
    }
    assert officer.post("/workbench/cases/batch/", form).status_code == 302
    before = counts()
    assert officer.post("/workbench/cases/batch/", form)["Location"] == "/workbench/cases/?queue=precheck"
    assert counts() == before
    assert [events(c).count("accept") for c in cases] == [1, 1]


def test_a_double_submitted_window_intake_makes_one_case(world):
    id_number = make_resident_id(random.Random(77))
    account_services.do_upsert_population_record(actor=SYSTEM, name="王五", id_number=id_number)
    account_services.do_register_walk_in(actor=world["clerk"], name="王五", id_number=id_number)
    clerk = as_user(world["clerk"])
    assert clerk.post("/workbench/cases/window/find/", {"id_number": id_number}).status_code == 302
    page = clerk.get(f"/workbench/cases/window/?item={world['item'].code}").content.decode()
    m1, m2 = world["materials"]

    def form():
        return {
            **FORM,
            "item_code": world["item"].code,
            "once_token": once_token(page, "/workbench/cases/window/intake/"),
            "idempotency_key": "",  # the token alone holds (the key is the case service's own)
            f"m_{m1.pk}": [SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf")],
            f"m_{m2.pk}": [SimpleUploadedFile("执照.pdf", PDF, content_type="application/pdf")],
        }

    first = clerk.post("/workbench/cases/window/intake/", form())
    assert first.status_code == 302
    before = counts()
    second = clerk.post("/workbench/cases/window/intake/", form())
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert counts() == before and Case.objects.count() == 1


# --- The applicant's forms --------------------------------------------------------------------


def test_a_double_submitted_application_makes_one_case(world):
    citizen = as_user(world["citizen"])
    url = f"/cases/apply/{world['item'].code}/"
    page = citizen.get(url).content.decode()
    m1, m2 = world["materials"]

    def form():
        return {
            **FORM,
            "action": "submit",
            "once_token": _hidden(page, "once_token"),
            "idempotency_key": _hidden(page, "idempotency_key"),
            f"m_{m1.pk}": [SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf")],
            f"m_{m2.pk}": [SimpleUploadedFile("执照.pdf", PDF, content_type="application/pdf")],
        }

    first = citizen.post(url, form())
    assert first.status_code == 302
    before = counts()
    second = citizen.post(url, form())
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert counts() == before and Case.objects.count() == 1


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    return found.group(1) if found else ""


def test_double_submitted_withdraw_and_delivery_write_once(world):
    case = submit(world)
    citizen = as_user(world["citizen"])
    url = f"/cases/{case.number}/"
    page = citizen.get(url).content.decode()
    delivery = {"method": "window", "address": "", "once_token": once_token(page, url + "delivery/")}
    withdraw = {"reason": "不再需要", "once_token": once_token(page, url + "withdraw/")}
    for form, path, action in (
        (delivery, "delivery/", "choose_delivery"),
        (withdraw, "withdraw/", "withdraw"),
    ):
        assert citizen.post(url + path, form).status_code == 302
        before = counts()
        again = citizen.post(url + path, form)
        assert again.status_code == 302 and again["Location"] == url
        assert counts() == before and events(case).count(action) == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_itself_accepts_once_and_both_answers_are_the_first(world, transactional_db):
    """Both posts of one rendered form arrive at once: the second waits on the token's unique
    index, then answers with the first one's redirect (not a 409 for a case already accepted)."""
    case = submit(world)
    url = f"/workbench/cases/{case.number}/"
    token = once_token(as_user(world["officer"]).get(url).content.decode(), url + "accept/")
    clients = [as_user(world["officer"]), as_user(world["officer"])]
    results = race(*[lambda c=c: c.post(url + "accept/", {"once_token": token}) for c in clients])
    assert [(r.status_code, r["Location"]) for r in results] == [(302, url), (302, url)], results
    assert events(case).count("accept") == 1


def test_a_double_submitted_supply_stores_the_files_once(world):
    case = submit(world)
    services.do_request_supplement(actor=world["officer"], number=case.number, items=["身份证复印件不清晰"])
    citizen = as_user(world["citizen"])
    url = f"/cases/{case.number}/"
    token = once_token(citizen.get(url).content.decode(), url + "supply/")

    def form():
        return {
            "files": [SimpleUploadedFile("补正.pdf", PDF, content_type="application/pdf")],
            "once_token": token,
        }

    assert citizen.post(url + "supply/", form()).status_code == 302
    before = counts()
    again = citizen.post(url + "supply/", form())
    assert again.status_code == 302 and again["Location"] == url
    assert counts() == before
    assert case.materials.filter(stage="supplement").count() == 1 and events(case).count("supply") == 1


def test_every_api_write_takes_an_idempotency_key():
    """A new write endpoint in any app without `@idempotent_api` fails here."""
    from tongban.api import api

    writes = [
        (prefix + path, getattr(op.view_func, "idempotent", False))
        for prefix, router in api._routers
        for path, view in router.path_operations.items()
        for op in view.operations
        if set(op.methods) - {"GET", "HEAD", "OPTIONS"}
    ]
    assert len(writes) >= 18 and [w for w, marked in writes if not marked] == []
