"""The disclosure and 回应关切 pages in the browser, on the seeded demo, as the whole-site walk
(`tongban/tests/test_browser_pages.py`) opens them, restricted to `/openness/` pages: no sideways
scroll at 375 and 1366 px, no Chinese in the English UI but marked data, axe 0 violations on the
main pages. The whole-site walk covers them too; this module checks them alone, quickly."""

from __future__ import annotations

import pytest

from tongban.tests.test_browser_pages import Site, checks_for, site, walk  # noqa: F401 (the seeded-demo fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", name="mine")
def mine_fixture(site):  # noqa: F811
    pages = [
        p
        for p in site.pages
        if p.path.startswith("/openness/") and ("/requests/" in p.path or "/concerns/" in p.path)
    ]
    return Site(url=site.url, pages=pages)


@pytest.mark.django_db
def test_the_walk_has_the_disclosure_pages(mine):
    paths = {p.path for p in mine.pages}
    assert {"/openness/requests/new/", "/openness/requests/", "/openness/requests/register/"} <= paths
    assert {"/openness/workbench/requests/", "/openness/concerns/", "/openness/workbench/concerns/"} <= paths
    assert any(p.startswith("/openness/workbench/requests/") and p[-2].isdigit() for p in paths)


@pytest.mark.parametrize("width", ["375", "1366"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_disclosure_pages_scroll_no_sideways_speak_the_language_and_pass_axe(mine, browser, width, language):
    problems = walk(browser, mine, width, language, checks_for(width, language, every_page_is_main=True))
    assert problems == [], "\n".join(problems)
