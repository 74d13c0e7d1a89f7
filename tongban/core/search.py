"""Chinese full-text search: one interface, two backends.

Text is segmented with jieba (search mode, so 营业执照 is indexed as 营业, 执照 and
营业执照) and stored space-separated in a `SearchTextField`. Then:

- PostgreSQL: a stored generated column `<column>_vector` = `to_tsvector('simple', column)` with a
  GIN index (partial when the migration names a condition, e.g. `is_current`); queries use
  `to_tsquery`. Stored, not an expression index: filtering rows walked in another index's order
  (the most popular first) then reads the vector instead of re-parsing the text per row.
- SQLite: an external-content FTS5 table `<table>_fts` kept in sync by triggers; queries
  use `MATCH` with every token quoted (so user input is never FTS syntax).

Models declare `search_text = SearchTextField()`, migrations add `CreateSearchIndex`, and
queries filter with `search_text__matches=q`; every token of the query must match (AND).
Abbreviations common on government sites (社保, 医保, 公积金 ...) are added at index time.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jieba
from django.db import models
from django.db.migrations.operations.base import Operation
from django.db.models import Lookup

MAX_QUERY_CHARS = 100

# Index-time expansions: when the long form is in the text, the short form is indexed too.
ABBREVIATIONS = {
    "社会保险": "社保",
    "医疗保险": "医保",
    "住房公积金": "公积金",
    "身份证": "身份证件",
    "不动产": "房产",
    "营业执照": "执照",
    "出生医学证明": "出生证",
    "机动车驾驶证": "驾照",
    "新生儿": "婴儿",
    "普通高等学校招生": "高考",
    "缴纳": "缴费",
    "机动车": "汽车",
}

# Words people type around what they want: dropped from queries.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "我",
        "我要",
        "我想",
        "想",
        "要",
        "怎么",
        "怎样",
        "如何",
        "哪里",
        "在哪",
        "在哪里",
        "什么",
        "需要",
        "请问",
        "吗",
        "呢",
        "去",
        "把",
        "给",
        "在",
        "办",
        "办理",
        "怎么办",
        "申请",
    ]
)

# Domain words jieba's dictionary lacks; added once per process.
DOMAIN_WORDS = (
    "一网通办",
    "营业执照",
    "食品经营许可证",
    "林木采伐许可证",
    "特殊工时",
    "不动产登记",
    "出生医学证明",
    "新生儿",
    "落户",
    "结婚登记",
    "社保缴费",
    "公积金",
    "高考成绩",
    "即办件",
    "承诺件",
    "告知承诺",
    "容缺受理",
    "办事指南",
    "一件事",
    "好差评",
    "政务公开",
    "电子证照",
    "企业开办",
    "社会保险",
)

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _init() -> None:
    jieba.setLogLevel(60)
    for word in DOMAIN_WORDS:
        jieba.add_word(word, freq=200000)


@lru_cache(maxsize=200_000)
def tokens(text: str) -> tuple[str, ...]:
    """Search-mode tokens of `text`, lowercased, de-duplicated, punctuation dropped."""
    _init()
    seen: dict[str, None] = {}
    for tok in jieba.cut_for_search(text or ""):
        for word in _WORD.findall(tok.lower()):
            seen.setdefault(word, None)
    for long, short in ABBREVIATIONS.items():
        if long in (text or ""):
            seen.setdefault(short, None)
    return tuple(seen)


def index_text(*parts: str) -> str:
    """The value to store in a SearchTextField: the tokens of all parts, space-separated."""
    out: dict[str, None] = {}
    for part in parts:
        for tok in tokens(part or ""):
            out.setdefault(tok, None)
    return " ".join(out)


def query_tokens(q: str) -> list[str]:
    """Tokens a query must all match; stopwords dropped, length capped. (One search compiles its
    query several times: the segmentation is cached.)"""
    return list(_query_tokens((q or "")[:MAX_QUERY_CHARS]))


@lru_cache(maxsize=10_000)
def _query_tokens(q: str) -> tuple[str, ...]:
    _init()
    out: dict[str, None] = {}
    for tok in jieba.cut_for_search(q):
        for word in _WORD.findall(tok.lower()):
            if word not in STOPWORDS:
                out.setdefault(word, None)
    # Search mode yields a word and its parts (公积金 -> 公积, 公积金); the text of any item holding
    # the word holds its parts too, so requiring the parts adds nothing but a worse estimate for
    # the planner (it multiplies their frequencies as if independent). Keep the longest only.
    words = list(out)
    return tuple(w for w in words if not any(w != other and w in other for other in words))


class SearchTextField(models.TextField):
    """Space-separated search tokens (see `index_text`), queried with `__matches`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


def vector_column(column: str) -> str:
    return f"{column}_vector"


def _fts_table(db_table: str) -> str:
    return f"{db_table}_fts"


@SearchTextField.register_lookup
class Matches(Lookup):
    """`search_text__matches="营业执照 武汉"`: every query token must be indexed."""

    lookup_name = "matches"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def as_sql(self, compiler, connection):
        toks = query_tokens(str(self.rhs))
        if not toks:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            tsquery = " & ".join(f"'{t}'" for t in toks)  # tokens are \w+ only: no quotes inside
            vector = f"{compiler.quote_name(self.lhs.alias)}.{compiler.quote_name(vector_column(self.lhs.target.column))}"
            return f"{vector} @@ to_tsquery('simple'::regconfig, %s)", [tsquery]
        if connection.vendor == "sqlite":
            model = self.lhs.target.model
            qn = compiler.quote_name
            pk = f"{qn(self.lhs.alias)}.{qn(model._meta.pk.column)}"
            fts = qn(_fts_table(model._meta.db_table))
            match = " ".join(f'"{t}"' for t in toks)
            return f"{pk} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)", [match]
        raise NotImplementedError(f"no search backend for {connection.vendor}")


class CreateSearchIndex(Operation):
    """Migration operation: the full-text index for `model_name.field` on either backend."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, field: str = "search_text", condition: str = ""):
        self.model_name = model_name
        self.field = field
        self.condition = condition  # a boolean column: index only the rows where it is true

    def state_forwards(self, app_label, state):
        pass

    def _names(self, app_label, schema_editor, from_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        column = model._meta.get_field(self.field).column
        return table, column, model._meta.pk.column

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        table, column, pk = self._names(app_label, schema_editor, to_state)
        qn = schema_editor.quote_name
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            vector = qn(vector_column(column))
            schema_editor.execute(
                f"ALTER TABLE {qn(table)} ADD COLUMN {vector} tsvector "
                f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {qn(column)})) STORED"
            )
            # Word frequencies for the planner: the default sample misses mid-frequency words
            # (2-3 % of rows), and then it sorts 20,000 matches instead of walking the popular rows.
            schema_editor.execute(f"ALTER TABLE {qn(table)} ALTER COLUMN {vector} SET STATISTICS 1000")
            where = f" WHERE {qn(self.condition)}" if self.condition else ""
            schema_editor.execute(
                f"CREATE INDEX {qn(table + '_fts_gin')} ON {qn(table)} USING gin ({vector}){where}"
            )
        elif vendor == "sqlite":
            fts = _fts_table(table)
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE {qn(fts)} USING fts5({qn(column)}, content={qn(table)}, "
                f"content_rowid={qn(pk)}, tokenize='unicode61')"
            )
            new, old = f"new.{qn(column)}", f"old.{qn(column)}"
            schema_editor.execute(
                f"CREATE TRIGGER {qn(fts + '_ai')} AFTER INSERT ON {qn(table)} BEGIN "
                f"INSERT INTO {qn(fts)}(rowid, {qn(column)}) VALUES (new.{qn(pk)}, {new}); END"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {qn(fts + '_ad')} AFTER DELETE ON {qn(table)} BEGIN "
                f"INSERT INTO {qn(fts)}({qn(fts)}, rowid, {qn(column)}) VALUES ('delete', old.{qn(pk)}, {old}); END"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {qn(fts + '_au')} AFTER UPDATE OF {qn(column)} ON {qn(table)} BEGIN "
                f"INSERT INTO {qn(fts)}({qn(fts)}, rowid, {qn(column)}) VALUES ('delete', old.{qn(pk)}, {old}); "
                f"INSERT INTO {qn(fts)}(rowid, {qn(column)}) VALUES (new.{qn(pk)}, {new}); END"
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        table, column, _ = self._names(app_label, schema_editor, from_state)
        qn = schema_editor.quote_name
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {qn(table + '_fts_gin')}")
            schema_editor.execute(
                f"ALTER TABLE {qn(table)} DROP COLUMN IF EXISTS {qn(vector_column(column))}"
            )
        elif schema_editor.connection.vendor == "sqlite":
            fts = _fts_table(table)
            for suffix in ("_ai", "_ad", "_au"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {qn(fts + suffix)}")
            schema_editor.execute(f"DROP TABLE IF EXISTS {qn(fts)}")

    def describe(self):
        return f"Create full-text search index on {self.model_name}.{self.field}"

    def deconstruct(self):
        kwargs = {"condition": self.condition} if self.condition else {}
        return self.__class__.__qualname__, [self.model_name, self.field], kwargs


class DropSearchIndex(CreateSearchIndex):
    """Migration operation: remove the full-text index of `model_name.field` (the reverse of
    CreateSearchIndex), for when searching moves to another table."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Drop full-text search index on {self.model_name}.{self.field}"
