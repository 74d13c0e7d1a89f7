"""综合窗口收件 for a one-thing bundle: the clerk applies for the person being served at the
window desk (the cases' window session), on the same questionnaire and combined form; the
bundle is filed as a window submission of the hall, for that person, and both see its status.
Without a person at the desk, as a person, or at a hall of another region, nothing is filed."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tongban.bundles.models import Bundle
from tongban.cases.enums import Channel
from tongban.cases.window_desk import WINDOW_SESSION_KEY
from tongban.catalog.testing import make_department

from .fanout_support import combined_form_post, day, qykb_world, staff  # noqa: F401 - fixtures


@pytest.fixture
def world(qykb_world):  # noqa: F811
    return qykb_world


def desk(clerk, person=None) -> Client:
    client = Client()
    client.force_login(clerk)
    if person is not None:
        session = client.session
        session[WINDOW_SESSION_KEY] = person.pk
        session.save()
    return client


def test_the_clerk_files_one_bundle_for_the_person_at_the_desk(world, django_capture_on_commit_callbacks):
    clerk, citizen = world["clerk"], world["citizen"]
    client = desk(clerk, citizen)
    home = client.get("/bundles/applications/window/")
    assert home.status_code == 200
    assert 'href="/bundles/qykb/window/"' in home.content.decode()
    page = client.get("/bundles/qykb/window/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="window-applicant"' in html and "娄钢" in html
    assert html.count('name="s_company_name"') == 1
    # the members' own fields that prefill from the identity show the applicant's, not the clerk's
    prefilled = dict(
        re.findall(r'<input[^>]*name="(\w+__(?:contact_name|applicant_name))"[^>]*value="([^"]*)"', html)
    )
    assert set(prefilled.values()) == {"娄钢"} and len(prefilled) == 6, prefilled
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/bundles/qykb/window/", {**combined_form_post(world, "window-1"), **prefilled}
        )
    assert response.status_code == 302, response.content.decode()[-4000:]
    bundle = Bundle.objects.get()
    assert (bundle.channel, bundle.submitted_by_id, bundle.applicant_id, bundle.hall_id) == (
        Channel.WINDOW,
        clerk.pk,
        citizen.pk,
        world["hall"].pk,
    )
    assert bundle.applicant_name == "娄钢"
    assert response["Location"] == f"/bundles/applications/{bundle.number}/"
    assert client.get(response["Location"]).status_code == 200  # the clerk follows it
    mine = Client()
    mine.force_login(citizen)
    assert mine.get(response["Location"]).status_code == 200  # and so does the applicant
    assert bundle.number in mine.get("/bundles/applications/").content.decode()


def test_without_a_person_at_the_desk_the_clerk_is_sent_to_find_one(world):
    client = desk(world["clerk"])
    home = client.get("/bundles/applications/window/").content.decode()
    assert 'href="/bundles/qykb/window/"' not in home
    assert 'href="/workbench/cases/window/"' in home
    response = client.post("/bundles/qykb/window/", combined_form_post(world, "window-2"))
    assert (response.status_code, response["Location"]) == (302, "/workbench/cases/window/")
    assert Bundle.objects.count() == 0


def test_a_person_or_a_clerk_of_another_region_files_nothing(world):
    citizen = world["citizen"]
    person_client = desk(citizen, citizen)
    assert person_client.get("/bundles/qykb/window/").status_code == 403
    assert (
        person_client.post("/bundles/qykb/window/", combined_form_post(world, "window-3")).status_code == 403
    )
    elsewhere = make_department(region="420102", name="江岸区政务服务中心")
    other = desk(staff("clerk-jiangan", "window_clerk", department=elsewhere), citizen)
    assert 'href="/bundles/qykb/window/"' not in other.get("/bundles/applications/window/").content.decode()
    response = other.post("/bundles/qykb/window/", combined_form_post(world, "window-4"))
    assert response.status_code == 403
    assert "只能受理本服务大厅所在地区的一件事" in response.content.decode()
    assert Bundle.objects.count() == 0
