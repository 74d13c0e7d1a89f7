"""Query-string parsing: clean values, or an InvalidInput naming the parameter."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tongban.catalog.queries import SearchFilters
from tongban.core.errors import InvalidInput
from tongban.portal import schemas


def test_search_filters_defaults():
    assert schemas.search_filters(QueryDict("")) == SearchFilters()


def test_search_filters_all_parameters():
    params = QueryDict(
        "q=+营业执照+&region=420100&department=12&item_type=01&topic=start-business&list=online&page=3"
    )
    assert schemas.search_filters(params) == SearchFilters(
        q="营业执照",
        region="420100",
        scope="within",
        department="12",
        item_type="01",
        topic="start-business",
        handling_list="online",
        page=3,
    )


def test_the_cookie_region_serves_unless_a_region_is_given():
    assert schemas.search_filters(QueryDict(""), cookie_region="420100000000") == SearchFilters(
        region="420100000000", scope="serving"
    )
    explicit = schemas.search_filters(QueryDict("region=420200"), cookie_region="420100000000")
    assert (explicit.region, explicit.scope) == ("420200", "within")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=" + "长" * 101, "q"),
        ("q=%3Cb%3E", "q"),
        ("q=a%00b", "q"),
        ("q=a%0Ab", "q"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("page=501", "page"),
        ("page=%EF%BC%92", "page"),  # a full-width digit
        ("list=later", "list"),
        ("topic=a/b", "topic"),
        ("region=" + "4" * 21, "region"),
    ],
)
def test_bad_parameters_name_the_field(query, field):
    with pytest.raises(InvalidInput) as caught:
        schemas.search_filters(QueryDict(query))
    assert [p.field for p in caught.value.problems] == [field]


def test_page_and_version():
    assert schemas.parse_page(None) == 1
    assert schemas.parse_page(" 7 ") == 7
    assert schemas.parse_version("") is None
    assert schemas.parse_version("2") == 2
    for bad in ("0", "x", "10000", "-1"):
        with pytest.raises(InvalidInput):
            schemas.parse_version(bad)
