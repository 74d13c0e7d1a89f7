"""Chinese full-text search: one interface, two backends, this one test module.

The same tests run on SQLite (FTS5) and PostgreSQL (GIN over a stored tsvector column) by switching
DATABASE_URL. They exercise the kernel's search pieces on a scratch table built with the real
migration operation (`CreateSearchIndex`), so they need no domain app; the catalogue's item
search is tested on top of this in catalog/tests/test_queries.py.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tongban.core.search import (
    MAX_QUERY_CHARS,
    CreateSearchIndex,
    SearchTextField,
    index_text,
    query_tokens,
    tokens,
)

with isolate_apps("tongban.core") as scratch_apps:

    class Doc(models.Model):
        title = models.CharField(max_length=200)
        search_text = SearchTextField()

        class Meta:
            app_label = "core"
            db_table = "core_search_test_doc"

        def __str__(self) -> str:
            return self.title


@pytest.fixture(scope="module")
def doc_table(django_db_setup, django_db_blocker):
    """Create the scratch table and its full-text index once for the module (outside the
    per-test transactions, as SQLite cannot change its schema inside one)."""
    operation = CreateSearchIndex("doc")
    state = SimpleNamespace(apps=scratch_apps)
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.create_model(Doc)
        operation.database_forwards("core", editor, state, state)
    yield
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        operation.database_backwards("core", editor, state, state)
        editor.delete_model(Doc)


@pytest.fixture
def docs(doc_table, db):
    titles = {
        "licence_wh": "企业营业执照核发 武汉市市场监督管理局",
        "licence_hs": "企业营业执照核发 黄石市市场监督管理局",
        "food": "食品经营许可证核发 武汉市市场监督管理局",
        "pension": "社会保险登记 武汉市人力资源和社会保障局",
        "fund": "住房公积金提取 武汉住房公积金管理中心",
        "birth": "新生儿出生医学证明办理 武汉市卫生健康委员会",
        "code": "林木采伐许可证核发 11420100MA4K0X1Y2Z3420101001000",
    }
    return {key: Doc.objects.create(title=t, search_text=index_text(t)) for key, t in titles.items()}


def find(q: str) -> set[str]:
    return set(Doc.objects.filter(search_text__matches=q).values_list("title", flat=True))


def keys(docs, q: str) -> set[str]:
    titles = find(q)
    return {k for k, d in docs.items() if d.title in titles}


# --- Segmentation ------------------------------------------------------------------------------


def test_search_mode_indexes_the_whole_word_and_its_parts():
    assert tokens("企业营业执照核发") == ("企业", "营业", "执照", "营业执照", "核发")


def test_abbreviations_are_indexed_with_the_long_form():
    assert "社保" in tokens("社会保险登记")
    assert "公积金" in tokens("住房公积金提取")
    assert "社保" not in tokens("社会救助")


def test_index_text_joins_the_tokens_of_every_part_once():
    assert index_text("营业执照", "营业执照核发", "") == "营业 执照 营业执照 核发"


def test_query_tokens_drop_stopwords_punctuation_and_case():
    assert query_tokens("我要 怎么 办理 社保？") == ["社保"]
    assert query_tokens("ABC-def") == ["abc", "def"]
    assert query_tokens("") == []
    assert query_tokens("的 了 吗") == []


def test_query_is_capped():
    assert query_tokens("营业执照" + "啊" * MAX_QUERY_CHARS) == query_tokens(
        ("营业执照" + "啊" * MAX_QUERY_CHARS)[:100]
    )


# --- Matching (both backends) ---------------------------------------------------------------------


def test_a_word_finds_the_documents_that_contain_it(docs):
    assert keys(docs, "营业执照") == {"licence_wh", "licence_hs"}
    assert keys(docs, "执照") == {"licence_wh", "licence_hs"}
    assert keys(docs, "许可证") == {"food", "code"}


def test_every_word_of_the_query_must_match(docs):
    assert keys(docs, "营业执照 武汉") == {"licence_wh"}
    assert keys(docs, "营业执照 黄石") == {"licence_hs"}
    assert keys(docs, "武汉营业执照") == {"licence_wh"}
    assert keys(docs, "营业执照 公积金") == set()


@pytest.mark.parametrize(
    ("q", "expected"),
    [("社保", {"pension"}), ("公积金", {"fund"}), ("出生证", {"birth"}), ("婴儿", {"birth"})],
)
def test_abbreviations_find_the_long_form(docs, q, expected):
    assert keys(docs, q) == expected


def test_words_people_type_around_the_query_are_ignored(docs):
    assert keys(docs, "我要办营业执照") == {"licence_wh", "licence_hs"}
    assert keys(docs, "怎么办理社保") == {"pension"}
    assert keys(docs, "请问在哪里办理公积金提取") == {"fund"}


def test_a_whole_code_is_a_token(docs):
    assert keys(docs, "11420100MA4K0X1Y2Z3420101001000") == {"code"}
    assert keys(docs, "11420100ma4k0x1y2z3420101001000") == {"code"}


@pytest.mark.parametrize("q", ["我要怎么", "的", "  ", "？！。", "请问 吗", ""])
def test_stopword_or_punctuation_only_queries_find_nothing(docs, q):
    assert find(q) == set()


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE core_search_test_doc; --",
        "营业执照' OR '1'='1",
        '"a" OR b*',
        '营业执照" OR "社保',
        "营业 AND NOT 执照",
        "NEAR(营业 执照)",
        "title:营业执照",
        "^营业执照",
        "营业执照*",
        "(营业执照",
        "营业执照 & 社保 | !武汉",
        "<script>alert(1)</script>",
        "<b>营业执照</b>",
        "\\",
        "'",
        '"',
        "a_b",
        "_",
    ],
)
def test_hostile_or_syntax_queries_are_plain_words(docs, q):
    found = find(q)  # no error on either backend
    assert found <= {d.title for d in docs.values()}
    assert Doc.objects.count() == len(docs)  # nothing was dropped


def test_fts_operators_are_words_not_syntax(docs):
    # A backend that parsed OR would return both; here "or" is one more word to match.
    assert find('"营业执照" OR "社保"') == set()
    assert keys(docs, "营业执照*") == {"licence_wh", "licence_hs"}


def test_the_index_follows_updates_and_deletes(docs):
    doc = docs["food"]
    Doc.objects.filter(pk=doc.pk).update(search_text=index_text("药品经营许可证核发"))
    assert keys(docs, "食品") == set()
    assert keys(docs, "药品") == {"food"}
    docs["pension"].delete()
    assert keys(docs, "社保") == set()


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(st.characters(codec="utf-8"), max_size=MAX_QUERY_CHARS))
def test_no_query_raises(docs, q):
    found = find(q)
    assert found <= {d.title for d in docs.values()}


def test_underscores_separate_words_alike_on_both_backends(docs):
    assert keys(docs, "营业执照_武汉") == {"licence_wh"}
    assert find("_") == set()
