"""The import's fast path: licences built without model instances (`importer.Draft`) and written
by COPY in text form hold exactly what the ORM would store, digest exactly the canonical form that
verification rebuilds, keep COPY's special characters, and the Merkle proofs are those of the
reference construction (ADR 0005)."""

from __future__ import annotations

import base64

import pytest

from tongban.core.crypto import blind_index, sm3_hex
from tongban.core.identifiers import mask_resident_id

from .. import canonical, importer, merkle, services
from ..models import LICENCE_HOLDER_CODE, Licence
from .conftest import CODES, MARRIAGE_FACE, PERSON_ID, SYSTEM
from .test_import import company, row, write_jsonl

pytestmark = pytest.mark.usefixtures("regions_loaded")

TRICKY = "岗位A\t岗位B\\N\n第二行\r\\.「引号」\"'"


def marriage_row(world) -> dict:
    return {
        "type_code": CODES["结婚证"],
        "issuer": world["civil"].credit_code,
        "holder_name": "刘洋",
        "holder_code": PERSON_ID,
        "issued_on": MARRIAGE_FACE["registered_on"],
        "face": MARRIAGE_FACE,
    }


def hours_row(world, n: int) -> dict:
    code = company(n)
    return {
        "type_code": CODES["特殊工时工作制审批决定书"],
        "issuer": world["outsider"].credit_code,
        "holder_name": f"武汉测试{n}号商贸有限公司",
        "holder_code": code,
        "issued_on": "2025-01-02",
        "valid_until": "2028-01-01",
        "case_number": "案\\2025\\0001",
        "face": {
            "credit_code": code,
            "hours_system": "综合计算工时工作制",
            "posts": TRICKY,
            "headcount": "12",
            "settlement_period": "季",
        },
    }


def reference_build(digests_hex: list[str]) -> tuple[str, list[str]]:
    """The construction as ADR 0005 states it, leaf by leaf (the shape merkle.build had first)."""
    level = [merkle.leaf_hash(d) for d in digests_hex]
    paths: list[list[tuple[bool, bytes]]] = [[] for _ in level]
    members = [[i] for i in range(len(level))]
    while len(level) > 1:
        nxt, nxt_members = [], []
        for i in range(0, len(level) - 1, 2):
            for leaf in members[i]:
                paths[leaf].append((False, level[i + 1]))
            for leaf in members[i + 1]:
                paths[leaf].append((True, level[i]))
            nxt.append(merkle.node_hash(level[i], level[i + 1]))
            nxt_members.append(members[i] + members[i + 1])
        if len(level) % 2:
            nxt.append(level[-1])
            nxt_members.append(members[-1])
        level, members = nxt, nxt_members
    return level[0].hex(), [merkle.encode_proof(p) for p in paths]


def test_merkle_build_matches_the_reference_construction():
    for n in [*range(1, 40), 64, 65, 100, 257]:
        digests = [sm3_hex(str(i).encode()) for i in range(n)]
        assert merkle.build(digests) == reference_build(digests), n
    _root, proofs = merkle.build([sm3_hex(b"a"), sm3_hex(b"b"), sm3_hex(b"c")])
    # Three leaves: the third is promoted, so its proof has one level (the left pair) only.
    assert proofs[2].startswith("1.1.") and len(base64.b64decode(proofs[2].split(".")[2])) == 32


def test_copy_columns_are_every_column_but_the_key():
    columns = [f.attname for f in Licence._meta.concrete_fields if not f.primary_key]
    assert sorted(importer.COPY_VARYING + importer.COPY_CONSTANT) == sorted(columns)
    assert len(set(importer.COPY_VARYING + importer.COPY_CONSTANT)) == len(columns)


def test_copy_text_escapes_what_copy_interprets():
    assert importer._copy_text("plain 文本") == "plain 文本"
    assert importer._copy_text("a\tb\\c\nd\re") == "a\\tb\\\\c\\nd\\re"


def test_stored_rows_equal_the_models_and_their_digests_the_canonical_form(world, tmp_path, monkeypatch):
    """Whatever the database (COPY on PostgreSQL, the ORM elsewhere), every stored column is the
    value a Licence model instance of the draft holds, and the stored digest is SM3 of the
    canonical form verification rebuilds from the row (personal data decrypted)."""
    drafts: list[importer.Draft] = []
    insert = importer._insert

    def keep(licences, **kw):
        drafts.extend(licences)
        return insert(licences, **kw)

    monkeypatch.setattr(importer, "_insert", keep)
    path = tmp_path / "mixed.jsonl"
    write_jsonl(path, [row(world, 1), marriage_row(world), hours_row(world, 2), row(world, 3)])
    report = importer.run_import(path, actor=SYSTEM, chunk=3)
    assert (report.imported, report.bad_rows) == (4, 0)
    assert len(drafts) == 4
    fields = [f for f in Licence._meta.concrete_fields if not f.primary_key]
    for draft in drafts:
        stored = Licence.objects.get(identifier=draft.identifier)
        model = draft.model(issued_by=stored.issued_by)
        for f in fields:
            if f.attname != "created_at":  # the ORM stamps its own time; COPY writes signed_at
                assert getattr(stored, f.attname) == getattr(model, f.attname), (draft.line, f.attname)
        # The digest over the draft equals the digest over the model and over the stored row.
        holder_code = LICENCE_HOLDER_CODE.read(stored)
        face = canonical.stored_face(stored)
        from_model = canonical.content_for(
            model, holder_code=holder_code, face=face, previous=None, kid=model.seal_key.kid
        )
        assert sm3_hex(canonical.canonical_bytes(from_model)) == stored.digest
        assert sm3_hex(canonical.canonical_bytes(canonical.stored_content(stored))) == stored.digest
        assert services.verify(stored).valid
    marriage = Licence.objects.get(holder_code_type="111")
    assert "spouse_name" not in marriage.face and marriage.face_personal_enc
    assert canonical.stored_face(marriage) == MARRIAGE_FACE
    assert marriage.holder_code_masked == mask_resident_id(PERSON_ID)
    assert marriage.holder_code_index == blind_index(PERSON_ID, purpose="id")
    hours = Licence.objects.get(type_code=CODES["特殊工时工作制审批决定书"])
    assert hours.face["posts"] == TRICKY and hours.case_number == "案\\2025\\0001"
    assert str(hours.valid_until) == "2028-01-01"


def test_the_pool_computes_what_the_parent_would(world, tmp_path, monkeypatch):
    """Forced on (the default uses it only on PostgreSQL for POOL_MIN_ROWS good rows): the
    forked processes' identifiers, ciphertexts, indexes and digests make licences that verify,
    in the file's order, like those of an import without it."""
    started = []
    start_pool = importer._start_pool

    def record(workers):
        started.append(workers)
        return start_pool(workers)

    monkeypatch.setattr(importer, "_start_pool", record)
    path = tmp_path / "pooled.jsonl"
    write_jsonl(path, [row(world, n) for n in range(5)] + [marriage_row(world), hours_row(world, 9)])
    report = importer.run_import(path, actor=SYSTEM, chunk=4, workers=2)
    assert (report.imported, report.batches, started) == (7, 4, [2])
    licences = list(Licence.objects.order_by("pk"))
    assert [lic.holder_name for lic in licences[:5]] == [f"武汉测试{n}号商贸有限公司" for n in range(5)]
    for lic in licences:
        assert sm3_hex(canonical.canonical_bytes(canonical.stored_content(lic))) == lic.digest
        assert LICENCE_HOLDER_CODE.read(lic) and services.verify(lic).valid
    assert canonical.stored_face(licences[5]) == MARRIAGE_FACE
    # A small file on its own imports without one.
    again = tmp_path / "small.jsonl"
    write_jsonl(again, [row(world, 20)])
    importer.run_import(again, actor=SYSTEM)
    assert started == [2, 0]
