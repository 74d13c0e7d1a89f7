"""Atom feeds: `/openness/feeds/all.atom` and `/openness/feeds/<body>.atom` per issuing body (the
department's credit code). Checked by parsing the XML: the elements Atom 1.0 (RFC 4287) requires
of a feed and of each entry are there, and only published (or repealed) policies are entries."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from ..enums import PolicyState
from .public_world import department, policy

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(db, regions_loaded):
    gov = department("湖北省人民政府", region="420000")
    market = department("湖北省市场监督管理局", region="420000")
    silent = department("湖北省地方志办公室", region="420000")
    return {
        "gov": gov,
        "market": market,
        "silent": silent,
        "a": policy(
            gov, title="关于优化营商环境的意见", published_on=dt.date(2026, 3, 10), summary="二十条措施。"
        ),
        "b": policy(market, title="关于食品经营许可的通知", published_on=dt.date(2026, 4, 2)),
        "c": policy(
            gov, title="关于住房公积金的规定", published_on=dt.date(2019, 5, 20), state=PolicyState.REPEALED
        ),
        "draft": policy(gov, title="关于草稿的通知", state=PolicyState.DRAFT),
    }


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - the feed this test just rendered
    assert root.tag == ATOM + "feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(ATOM + required) or "").strip(), required
    assert root.find(ATOM + "author/" + ATOM + "name") is not None
    for entry in root.findall(ATOM + "entry"):
        for required in ("id", "title", "updated"):
            assert (entry.findtext(ATOM + required) or "").strip(), required
        link = entry.find(ATOM + "link")
        assert link is not None and link.get("href", "").startswith("http://testserver/openness/policies/")
        dt.datetime.fromisoformat(entry.findtext(ATOM + "updated"))  # RFC 3339
    return root


def entry_titles(root) -> list[str]:
    return [e.findtext(ATOM + "title") for e in root.findall(ATOM + "entry")]


def test_the_whole_feed_lists_every_public_policy_newest_first_and_no_draft(world, client):
    root = parse(client.get("/openness/feeds/all.atom"))
    assert entry_titles(root) == [
        f"关于食品经营许可的通知（{world['b'].number}）",
        f"关于优化营商环境的意见（{world['a'].number}）",
        f"关于住房公积金的规定（{world['c'].number}）",
    ]
    assert root.findtext(ATOM + "id") == "tag:tongban,2026:openness/feeds/all"
    first = root.findall(ATOM + "entry")[1]
    assert first.findtext(ATOM + "id") == f"tag:tongban,2026:openness/policies/{world['a'].pk}"
    assert first.findtext(ATOM + "summary") == "二十条措施。"
    assert first.find(ATOM + "link").get("href") == f"http://testserver/openness/policies/{world['a'].pk}/"
    assert first.findtext(ATOM + "published").startswith("2026-03-10")


def test_a_bodys_feed_lists_its_own_policies_only(world, client):
    root = parse(client.get(f"/openness/feeds/{world['gov'].credit_code}.atom"))
    assert entry_titles(root) == [
        f"关于优化营商环境的意见（{world['a'].number}）",
        f"关于住房公积金的规定（{world['c'].number}）",
    ]
    assert root.findtext(ATOM + "title") == "湖北省人民政府 · 政策文件"
    assert root.findtext(ATOM + "id") == f"tag:tongban,2026:openness/feeds/{world['gov'].credit_code}"
    # Lower case is the same body.
    assert entry_titles(
        parse(client.get(f"/openness/feeds/{world['gov'].credit_code.lower()}.atom"))
    ) == entry_titles(root)


def test_a_body_with_nothing_published_has_a_valid_empty_feed(world, client):
    root = parse(client.get(f"/openness/feeds/{world['silent'].credit_code}.atom"))
    assert entry_titles(root) == []


@pytest.mark.parametrize("body", ["nobody", "91420100MA4K0000XX", "1" * 18, "x" * 200])
def test_an_unknown_body_is_404(world, client, body):
    assert client.get(f"/openness/feeds/{body}.atom").status_code == 404


def test_the_library_and_a_policy_advertise_their_feeds(world, client):
    assert 'type="application/atom+xml"' in client.get("/openness/").content.decode()
    body = client.get(f"/openness/policies/{world['a'].pk}/").content.decode()
    assert f'href="/openness/feeds/{world["gov"].credit_code}.atom"' in body
