"""Bulk import: every bad row reported with its line and field and nothing imported (unless
--partial), duplicates refused (in the file and against the library), batch seals that verify
and fail when anything is altered, and an interrupted import resumed where it stopped."""

from __future__ import annotations

import csv
import json
import random

import pytest
from django.core.management import CommandError, call_command

from tongban.core.errors import InvalidInput
from tongban.core.identifiers import make_credit_code

from .. import importer, merkle, services
from ..models import Licence, SealBatch
from ..seals import sign_bytes
from .conftest import BUSINESS_FACE, CODES, SYSTEM, issue_business

pytestmark = pytest.mark.usefixtures("regions_loaded")


def company(n: int) -> str:
    return make_credit_code(random.Random(f"import:{n}"), region="420115", kind="91")


def row(world, n: int, **kw) -> dict:
    code = company(n)
    return {
        "type_code": CODES["营业执照"],
        "issuer": world["jiangxia"].credit_code,
        "holder_name": f"武汉测试{n}号商贸有限公司",
        "holder_code": code,
        "issued_on": "2020-05-18",
        "face": {**BUSINESS_FACE, "credit_code": code},
        **kw,
    }


def write_jsonl(path, rows) -> None:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
        encoding="utf-8",
    )


def test_merkle_proofs_for_every_size_and_position():
    for n in (1, 2, 3, 5, 8, 13):
        digests = [f"{i:064x}" for i in range(n)]
        root, proofs = merkle.build(digests)
        assert [merkle.root_of(d, p) for d, p in zip(digests, proofs, strict=True)] == [root] * n
        if n > 1:
            assert merkle.root_of(digests[0], proofs[1]) != root
    with pytest.raises(ValueError):
        merkle.decode_proof("2.0.AAAA")


def test_a_clean_file_imports_with_batch_seals_that_verify(world, tmp_path):
    path = tmp_path / "legacy.jsonl"
    write_jsonl(path, [row(world, n) for n in range(7)])
    report = importer.run_import(path, actor=SYSTEM, chunk=3)
    assert (report.imported, report.batches, report.bad_rows) == (7, 3, 0)
    licences = list(Licence.objects.order_by("pk"))
    assert len(licences) == 7 and all(lic.seal_batch_id and not lic.signature for lic in licences)
    assert [services.verify_licence(lic.identifier).codes for lic in licences] == [[]] * 7
    assert [b.count for b in SealBatch.objects.order_by("pk")] == [3, 3, 1]
    assert not importer.checkpoint_path(path).exists()
    # Imported licences are found like issued ones, and a new issue continues the serials.
    issued = issue_business(
        world, holder_code=company(99), face={**BUSINESS_FACE, "credit_code": company(99)}
    )
    assert issued.serial == "00000008" and services.verify(issued).valid


def test_bad_rows_are_all_reported_and_nothing_is_imported(world, tmp_path):
    issue_business(world, holder_code=company(50), face={**BUSINESS_FACE, "credit_code": company(50)})
    existing = Licence.objects.get()
    rows = [
        row(world, 1),
        "{not json",
        row(world, 2, holder_code="123"),
        row(world, 3, issued_on="2020-13-01"),
        row(world, 4, type_code="NOPE"),
        row(world, 5, issuer=world["forestry"].credit_code),
        row(world, 6, face={**BUSINESS_FACE, "established_on": "x"}),
        row(world, 7, number="N-1"),
        row(world, 8, number="N-1"),
        row(world, 9, identifier=existing.identifier),
        row(world, 10, colour="red"),
        row(world, 11),
    ]
    path = tmp_path / "bad.jsonl"
    write_jsonl(path, rows)
    with pytest.raises(InvalidInput) as exc:
        importer.run_import(path, actor=SYSTEM)
    found = {(p.row, p.field) for p in exc.value.problems}
    assert found == {
        (2, "row"),
        (3, "holder_code"),
        (4, "issued_on"),
        (5, "type_code"),
        (6, "issuer"),
        (7, "face.established_on"),
        (9, "number"),
        (10, "identifier"),
        (11, "colour"),
    }, found
    assert Licence.objects.count() == 1 and SealBatch.objects.count() == 0
    assert "第3行" in str(exc.value.problems[1]) or any("第3行" in str(p) for p in exc.value.problems)
    report = importer.run_import(path, actor=SYSTEM, partial=True)
    assert (report.imported, report.bad_rows) == (3, 9)  # lines 1, 8 and 12
    assert Licence.objects.count() == 4


def test_number_already_in_the_library_is_refused(world, tmp_path):
    path = tmp_path / "one.jsonl"
    write_jsonl(path, [row(world, 1, number="LEGACY-1")])
    importer.run_import(path, actor=SYSTEM)
    again = tmp_path / "again.jsonl"
    write_jsonl(again, [row(world, 2, number="LEGACY-1")])
    with pytest.raises(InvalidInput) as exc:
        importer.run_import(again, actor=SYSTEM)
    assert [(p.row, p.field) for p in exc.value.problems] == [(1, "number")]


def test_an_interrupted_import_resumes_where_it_stopped(world, tmp_path):
    path = tmp_path / "big.jsonl"
    write_jsonl(path, [row(world, n) for n in range(10)])
    report = importer.run_import(path, actor=SYSTEM, chunk=3, stop_after=2)
    assert report.imported == 6 and Licence.objects.count() == 6
    checkpoint = json.loads(importer.checkpoint_path(path).read_text())
    assert checkpoint["line"] == 6
    with pytest.raises(InvalidInput) as exc:
        importer.run_import(path, actor=SYSTEM, chunk=3)
    assert exc.value.problems[0].field == "resume"
    # The checkpoint file lags behind the database (a crash after a commit): the batches decide.
    checkpoint["line"] = 3
    importer.checkpoint_path(path).write_text(json.dumps(checkpoint))
    report = importer.run_import(path, actor=SYSTEM, chunk=3, resume=True)
    assert (report.skipped_lines, report.imported) == (6, 4)
    assert Licence.objects.count() == 10
    names = sorted(Licence.objects.values_list("holder_name", flat=True))
    assert names == sorted(f"武汉测试{n}号商贸有限公司" for n in range(10))
    assert not importer.checkpoint_path(path).exists()


def test_resume_refuses_another_file(world, tmp_path):
    path = tmp_path / "a.jsonl"
    write_jsonl(path, [row(world, n) for n in range(4)])
    importer.run_import(path, actor=SYSTEM, chunk=2, stop_after=1)
    write_jsonl(path, [row(world, n) for n in range(5)])
    with pytest.raises(InvalidInput, match="不是这个文件"):
        importer.run_import(path, actor=SYSTEM, chunk=2, resume=True)


@pytest.mark.parametrize(
    "tamper",
    [
        "holder_name",
        "proof_swapped",
        "proof_garbled",
        "root",
        "batch_signature",
        "batch_time",
        "digest_only",
    ],
)
def test_tampering_with_a_batch_sealed_licence_is_detected(world, tmp_path, tamper):
    path = tmp_path / "t.jsonl"
    write_jsonl(path, [row(world, n) for n in range(4)])
    importer.run_import(path, actor=SYSTEM)
    first, second = Licence.objects.order_by("pk")[:2]
    batch = first.seal_batch
    if tamper == "holder_name":
        Licence.objects.filter(pk=first.pk).update(holder_name="别人")
    elif tamper == "proof_swapped":
        Licence.objects.filter(pk=first.pk).update(seal_proof=second.seal_proof)
    elif tamper == "proof_garbled":
        Licence.objects.filter(pk=first.pk).update(seal_proof="1.0.AAAA")
    elif tamper == "root":
        root, _ = merkle.build([first.digest])
        SealBatch.objects.filter(pk=batch.pk).update(root=root)
    elif tamper == "batch_signature":  # a genuine signature by the same key, of something else
        SealBatch.objects.filter(pk=batch.pk).update(signature=sign_bytes(batch.seal_key, b"another root"))
    elif tamper == "batch_time":
        SealBatch.objects.filter(pk=batch.pk).update(signed_at=batch.signed_at.replace(year=2020))
    elif tamper == "digest_only":
        # The stored digest is not trusted: verification recomputes it from the content.
        Licence.objects.filter(pk=first.pk).update(digest="0" * 64)
    check = services.verify_licence(first.identifier)
    if tamper == "digest_only":
        assert check.valid
    else:
        assert not check.valid and "signature_invalid" in check.codes, (tamper, check.codes)
    if tamper not in ("root", "batch_signature", "batch_time"):
        assert services.verify_licence(second.identifier).valid


def test_a_revoked_key_invalidates_its_batches(world, tmp_path):
    path = tmp_path / "k.jsonl"
    write_jsonl(path, [row(world, n) for n in range(2)])
    importer.run_import(path, actor=SYSTEM)
    licence = Licence.objects.first()
    services.do_revoke_seal_key(actor=SYSTEM, kid=licence.seal_key.kid, reason="泄露")
    assert "seal_key_revoked" in services.verify_licence(licence.identifier).codes


def test_csv_and_the_command(world, tmp_path, capsys):
    path = tmp_path / "legacy.csv"
    face_keys = sorted(BUSINESS_FACE)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "type_code",
                "issuer",
                "holder_name",
                "holder_code",
                "issued_on",
                *[f"face.{k}" for k in face_keys],
            ]
        )
        for n in range(3):
            r = row(world, n)
            w.writerow(
                [r["type_code"], r["issuer"], r["holder_name"], r["holder_code"], r["issued_on"]]
                + [r["face"][k] for k in face_keys]
            )
        w.writerow([CODES["营业执照"], "x", "", "", "2020-01-01"] + [""] * len(face_keys))
    with pytest.raises(CommandError) as exc:
        call_command("licences", "import", str(path), "--no-progress")
    assert "第5行" in str(exc.value) and "holder_code" in str(exc.value)
    assert Licence.objects.count() == 0
    call_command("licences", "import", str(path), "--partial", "--no-progress")
    out = capsys.readouterr()
    assert "Imported 3 licences" in out.out and "第5行" in out.err
    assert all(services.verify(lic).valid for lic in Licence.objects.all())
