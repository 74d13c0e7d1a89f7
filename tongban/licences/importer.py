"""Bulk import of legacy licences (存量证照导入) from JSON lines or CSV (docs/licences-import.md).

Two passes over the file:

1. **Check every row** (from the resume point): the type, the issuer (an issuing department of
   the type), the holder, the face, the dates, the number and the identifier, exactly as issuing
   checks them, and duplicates — the same identifier, or the same type + issuer + number, twice
   in the file or already in the library. Every bad row is reported with its line number and
   field. Nothing is imported when any row is bad, unless `partial` (then the good rows are).
2. **Import** in chunks of `chunk` rows: each chunk is one transaction — its serials taken from
   the counters in one step, its licences encrypted, their canonical digests sealed with one SM2
   signature over a Merkle root (a `SealBatch`, ADR 0005), inserted (COPY on PostgreSQL), and the
   batch row records the import id and the chunk's line range. After each commit the checkpoint
   file names the last line imported; the database's batches are the authority on resume, so a
   crash between the commit and the checkpoint write loses or repeats nothing.

One audit event per chunk (`licences.licence.import`: the batch, its root, count and lines).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from tongban.core import audit
from tongban.core import queries as core_queries
from tongban.core.crypto import blind_index, sm3_hex
from tongban.core.errors import FieldProblem, InvalidInput
from tongban.core.identifiers import mask_resident_id, normalize

from . import canonical, faces, merkle
from .enums import HolderCodeType, HolderKind, LicenceState, NumberScheme, VersionReason
from .identifiers import build_identifier, format_serial, parse_identifier
from .models import (
    LICENCE_FACE_PERSONAL,
    LICENCE_HOLDER_CODE,
    Licence,
    LicenceCounter,
    LicenceType,
    SealBatch,
)
from .permissions import actor_label
from .seals import active_key_for_signing, sign_bytes
from .services import _check_dates, _check_holder
from .validity import today

FORMATS = ("jsonl", "csv")
BASE_FIELDS = (
    "type_code",
    "issuer",
    "holder_name",
    "holder_code",
    "number",
    "issued_on",
    "valid_from",
    "valid_until",
    "identifier",
    "case_number",
)
CHUNK = 5000
KEEP_IN_MEMORY = 500_000  # checked rows kept between the passes; a larger file is checked twice
MAX_REPORTED = 1000
# The chunks' encryption, blind indexes and digests (`_seal_part`) are shared equally between the
# parent and this many forked helpers, on PostgreSQL for imports of at least POOL_MIN_ROWS good
# rows (`run_import(workers=...)` overrides). One helper: the second core of this machine.
POOL_WORKERS = 1
POOL_MIN_ROWS = 10_000
NUMBER_MAX = 60


@dataclass
class Row:
    """A checked row, ready to build."""

    line: int
    lt: LicenceType
    issuer: tuple[int, str, str, str]  # id, name, credit code, region6
    holder_name: str
    holder_code: str
    number: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    serial: str  # "" when the platform assigns it
    version: int
    case_number: str
    face: dict[str, str]


@dataclass
class Report:
    import_id: str
    total: int = 0  # rows read (after the resume point)
    good: int = 0
    imported: int = 0
    skipped_lines: int = 0  # already imported (resume)
    batches: int = 0
    problems: list[FieldProblem] = field(default_factory=list)
    bad_rows: int = 0
    seconds: float = 0.0


# --- reading ---------------------------------------------------------------------------------


def read_rows(path: Path, fmt: str) -> Iterator[tuple[int, dict | None, str]]:
    """(line number, raw row or None, parse error) for every data row of the file."""
    if fmt == "jsonl":
        with path.open(encoding="utf-8-sig") as fh:
            for number, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    value = json.loads(text)
                except ValueError as exc:
                    yield number, None, f"不是有效的 JSON：{exc.msg}（第{exc.colno}列）"
                    continue
                if not isinstance(value, dict):
                    yield number, None, "每行应为一个 JSON 对象"
                    continue
                yield number, value, ""
        return
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            return
        header = [h.strip() for h in header]
        unknown = [h for h in header if h not in BASE_FIELDS and not h.startswith("face.")]
        if unknown:
            yield 1, None, f"未知的列：{'、'.join(unknown)}"
            return
        for record in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                yield number, None, f"应有{len(header)}列，实有{len(record)}列"
                continue
            row: dict = {"face": {}}
            for name, cell in zip(header, record, strict=True):
                if name.startswith("face."):
                    if cell != "":
                        row["face"][name[5:]] = cell
                else:
                    row[name] = cell
            yield number, row, ""


def file_identity(path: Path) -> dict:
    """Size and SM3-free fingerprint of the file's first MiB: a resume must read the same file."""
    with path.open("rb") as fh:
        head = hashlib.sha256(fh.read(1 << 20)).hexdigest()
    return {"path": str(path.resolve()), "size": path.stat().st_size, "head_sha256": head}


# --- checking --------------------------------------------------------------------------------


class Checker:
    """Checks rows one by one with the lookups (types, issuers) cached, and duplicates across the
    file; `check_library` then checks a chunk's identifiers and numbers against the library."""

    def __init__(self) -> None:
        self.types: dict[str, LicenceType | None] = {}
        self.issuers: dict[str, tuple[int, str, str, str] | None] = {}
        self.issuing: dict[int, set[int]] = {}
        self.identifiers: set[str] = set()
        self.numbers: set[tuple[int, int, str]] = set()
        self.today = today()

    def _type(self, code: str) -> LicenceType | None:
        if code not in self.types:
            lt = LicenceType.objects.filter(code=code, is_active=True).first()
            self.types[code] = lt
            if lt is not None:
                self.issuing[lt.pk] = set(lt.issuing_departments.values_list("pk", flat=True))
        return self.types[code]

    def _issuer(self, code: str) -> tuple[int, str, str, str] | None:
        if code not in self.issuers:
            dept = core_queries.department_by_credit_code(code)
            self.issuers[code] = (dept.pk, dept.name, dept.credit_code, dept.region_id[:6]) if dept else None
        return self.issuers[code]

    def check(self, line: int, raw: dict) -> tuple[Row | None, list[FieldProblem]]:
        def bad(field_name: str, message: str) -> FieldProblem:
            return FieldProblem(field_name, message, row=line)

        problems: list[FieldProblem] = []
        unknown = sorted(set(raw) - set(BASE_FIELDS) - {"face"})
        problems += [bad(name, "未知的字段") for name in unknown]
        text = {name: _text(raw.get(name)) for name in BASE_FIELDS}
        lt = self._type(normalize(text["type_code"])) if text["type_code"] else None
        if lt is None:
            problems.append(bad("type_code", f"证照类型 {text['type_code'] or '（空）'} 未登记或已停用"))
        issuer = self._issuer(normalize(text["issuer"])) if text["issuer"] else None
        if issuer is None:
            problems.append(
                bad("issuer", f"颁发部门 {text['issuer'] or '（空）'} 不存在（应为统一社会信用代码）")
            )
        elif lt is not None and issuer[0] not in self.issuing[lt.pk]:
            problems.append(bad("issuer", f"{issuer[1]}不是{lt.name}的颁发部门"))
        if lt is None:
            return None, problems
        name, code, holder_problems = _check_holder(lt, text["holder_name"], text["holder_code"])
        face, face_problems = faces.check_face(lt.face_fields, raw.get("face", {}))
        dates = {}
        for key in ("issued_on", "valid_from", "valid_until"):
            dates[key] = None
            if text[key]:
                try:
                    dates[key] = dt.date.fromisoformat(text[key])
                except ValueError:
                    problems.append(bad(key, "应为日期（YYYY-MM-DD）"))
        if not text["issued_on"]:
            problems.append(bad("issued_on", "请填写颁发日期"))
        issued_on = valid_from = valid_until = None
        if not any(p.field in dates for p in problems):
            issued_on, valid_from, valid_until, date_problems = _check_dates(lt, **dates)
            problems += [bad(p.field, p.message) for p in date_problems]
        problems += [bad(p.field, p.message) for p in holder_problems + face_problems]
        number = text["number"]
        if len(number) > NUMBER_MAX or not number.isprintable():
            problems.append(bad("number", f"证照编号最长{NUMBER_MAX}字，不能含控制字符"))
        elif not number and lt.number_scheme == NumberScheme.GIVEN:
            problems.append(bad("number", "请填写证照编号"))
        if len(text["case_number"]) > 50:
            problems.append(bad("case_number", "办件编号最长50位"))
        serial, version = "", 1
        if text["identifier"]:
            try:
                parsed = parse_identifier(text["identifier"])
            except InvalidInput as exc:
                problems.append(bad("identifier", exc.problems[0].message if exc.problems else exc.message))
            else:
                if parsed.type_code != lt.code or (issuer and parsed.issuer_code != issuer[2]):
                    problems.append(bad("identifier", "标识中的证照类型或颁发机构代码与本行不符"))
                elif str(parsed) in self.identifiers:
                    problems.append(bad("identifier", f"文件中重复的电子证照标识 {parsed}"))
                else:
                    serial, version = parsed.serial, int(parsed.version)
                    self.identifiers.add(str(parsed))
        if number and issuer is not None:
            key = (lt.pk, issuer[0], number)
            if key in self.numbers:
                problems.append(bad("number", f"文件中重复的证照编号 {number}（同一颁发部门）"))
            self.numbers.add(key)
        if problems:
            return None, problems
        return (
            Row(
                line=line,
                lt=lt,
                issuer=issuer,
                holder_name=name,
                holder_code=code,
                number=number,
                issued_on=issued_on,
                valid_from=valid_from,
                valid_until=valid_until,
                serial=serial,
                version=version,
                case_number=text["case_number"],
                face=face,
            ),
            [],
        )


def check_library(rows: list[Row]) -> tuple[list[Row], list[FieldProblem]]:
    """Drop (and report) rows whose identifier or type + number is already in the library."""
    given = [
        build_identifier(type_code=r.lt.code, issuer_code=r.issuer[2], serial=r.serial, version=r.version)
        for r in rows
        if r.serial
    ]
    taken_ids = set(Licence.objects.filter(identifier__in=given).values_list("identifier", flat=True))
    taken_numbers: set[tuple[int, str]] = set()
    by_type: dict[int, list[str]] = {}
    for r in rows:
        if r.number:
            by_type.setdefault(r.lt.pk, []).append(r.number)
    for type_id, numbers in by_type.items():
        found = Licence.objects.filter(
            licence_type_id=type_id, number__in=numbers, state__in=LicenceState.live()
        )
        taken_numbers |= {(type_id, n) for n in found.values_list("number", flat=True)}
    good, problems = [], []
    for r in rows:
        ident = (
            build_identifier(type_code=r.lt.code, issuer_code=r.issuer[2], serial=r.serial, version=r.version)
            if r.serial
            else ""
        )
        if ident and ident in taken_ids:
            problems.append(FieldProblem("identifier", f"电子证照库中已有标识 {ident}", row=r.line))
        elif r.number and (r.lt.pk, r.number) in taken_numbers:
            problems.append(
                FieldProblem("number", f"电子证照库中已有有效证照使用编号 {r.number}", row=r.line)
            )
        else:
            good.append(r)
    return good, problems


def _text(value) -> str:
    return "" if value is None else str(value).strip()


# --- building and sealing a chunk -------------------------------------------------------------


def _allocate_serials(rows: list[Row]) -> None:
    """Serials for the rows without one, one counter update per (type, region); counters move
    past the numeric serials that rows bring with them."""
    need: dict[tuple[str, str], list[Row]] = {}
    given_max: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r.lt.code, r.issuer[3])
        if r.serial:
            if r.serial.isdigit():
                given_max[key] = max(given_max.get(key, 0), int(r.serial))
        else:
            need.setdefault(key, []).append(r)
    for key in sorted(set(need) | set(given_max)):
        type_code, region = key
        LicenceCounter.objects.get_or_create(type_code=type_code, region_code=region)
        counter = LicenceCounter.objects.select_for_update().get(type_code=type_code, region_code=region)
        start = max(counter.last, given_max.get(key, 0))
        wanted = need.get(key, [])
        for offset, r in enumerate(wanted, start=1):
            r.serial = format_serial(start + offset)
            if not r.number:
                r.number = f"{r.lt.number_prefix}{region}{start + offset:08d}"
        LicenceCounter.objects.filter(pk=counter.pk).update(last=start + len(wanted))


class Draft:
    """A licence built for the COPY: the attributes `canonical.content_for` reads of a Licence
    (so the digest is computed over exactly the same content as for a model instance), the stored
    column values, and the batch seal filled in by `_seal`. Cheaper than a model instance, which
    cost a fifth of the import's time."""

    __slots__ = (
        "case_number",
        "digest",
        "face",
        "face_personal_enc",
        "holder_code_enc",
        "holder_code_index",
        "holder_code_masked",
        "holder_code_type",
        "holder_kind",
        "holder_name",
        "identifier",
        "issued_on",
        "issuer",
        "issuer_code",
        "issuer_name",
        "line",
        "lt",
        "name",
        "number",
        "seal_batch",
        "seal_key",
        "seal_proof",
        "serial",
        "signed_at",
        "state",
        "type_code",
        "valid_from",
        "valid_until",
        "version",
    )

    # The attributes stored under the same name in a Licence.
    STORED = tuple(sorted(set(__slots__) - {"line", "lt", "issuer"}))

    def model(self, *, issued_by: str) -> Licence:
        """The same licence as a model instance (the ORM's insert, off PostgreSQL)."""
        return Licence(
            **{name: getattr(self, name) for name in self.STORED},
            licence_type=self.lt,
            type_revision=self.lt.revision,
            version_reason=VersionReason.NEW,
            issuer_id=self.issuer[0],
            signature="",
            issued_by=issued_by,
            created_at=self.signed_at,
        )


def _build(
    rows: list[Row], *, keys: dict[int, object], signed_at, pool: list[Helper] | None = None
) -> list[Draft]:
    """Drafts of the rows (serials allocated): the fields copied here, the identifier, the
    ciphertexts, the blind index and the digest by `_seal_part` (in `pool`'s processes, when
    given, in order). The per-type constants are worked out once per chunk."""
    drafts, work = [], []
    today_ = today()
    per_type: dict[int, tuple[str, str]] = {}
    for r in rows:
        lt = r.lt
        consts = per_type.get(lt.pk)
        if consts is None:
            person = lt.holder_kind == HolderKind.PERSON
            consts = per_type[lt.pk] = (
                HolderCodeType.RESIDENT_ID if person else HolderCodeType.CREDIT_CODE,
                "id" if person else "credit",
            )
        code_type, purpose = consts
        key = keys[r.issuer[0]]
        plain, personal = faces.split_personal(lt.face_fields, r.face)
        d = Draft()
        d.line = r.line
        d.lt = lt
        d.issuer = r.issuer
        d.type_code = lt.code
        d.name = lt.name
        d.number = r.number
        d.serial = r.serial
        d.version = r.version
        d.issuer_name = r.issuer[1]
        d.issuer_code = r.issuer[2]
        d.issued_on = r.issued_on
        d.holder_kind = lt.holder_kind
        d.holder_name = r.holder_name
        d.holder_code_type = code_type
        d.holder_code_masked = (
            mask_resident_id(r.holder_code) if code_type == HolderCodeType.RESIDENT_ID else r.holder_code
        )
        d.valid_from = r.valid_from
        d.valid_until = r.valid_until
        d.face = plain
        d.seal_key = key
        d.signed_at = signed_at
        d.state = (
            LicenceState.EXPIRED
            if r.valid_until is not None and r.valid_until < today_
            else LicenceState.VALID
        )
        d.case_number = r.case_number
        d.seal_batch = None
        d.seal_proof = ""
        drafts.append(d)
        work.append(
            (
                [getattr(d, name) for name in CANONICAL_ATTRS],
                str(code_type),
                purpose,
                r.holder_code,
                plain,
                personal,
                key.kid,
            )
        )
    if pool is None:
        sealed = _seal_part(work, signed_at)
    else:  # the helpers take their shares while this process computes its own
        step = -(-len(work) // (len(pool) + 1))
        for n, helper in enumerate(pool):
            helper.send(work[n * step : (n + 1) * step], signed_at)
        mine = _seal_part(work[len(pool) * step :], signed_at)
        sealed = [x for helper in pool for x in helper.receive()] + mine
    for d, (identifier, enc, index, personal_enc, digest) in zip(drafts, sealed, strict=True):
        d.identifier = identifier
        d.holder_code_enc = enc
        d.holder_code_index = index
        d.face_personal_enc = personal_enc
        d.digest = digest
    return drafts


# What `_seal_part` needs of a draft to rebuild it for `canonical.content_for` (plain values:
# they are pickled to the pool's processes).
CANONICAL_ATTRS = (
    "type_code",
    "name",
    "number",
    "serial",
    "version",
    "issuer_name",
    "issuer_code",
    "issued_on",
    "holder_name",
    "valid_from",
    "valid_until",
)


def _seal_part(work: list[tuple], signed_at) -> list[tuple[str, str, str, str, str]]:
    """(identifier, holder code ciphertext, blind index, personal face ciphertext, digest) of each
    draft: pure computation (no database), so it runs in the import's pool as well as here."""
    out = []
    for values, code_type, purpose, holder_code, plain, personal, kid in work:
        d = Draft()
        for name, value in zip(CANONICAL_ATTRS, values, strict=True):
            setattr(d, name, value)
        d.holder_code_type = code_type
        d.signed_at = signed_at
        d.identifier = build_identifier(
            type_code=d.type_code, issuer_code=d.issuer_code, serial=d.serial, version=d.version
        )
        content = canonical.content_for(
            d, holder_code=holder_code, face={**plain, **personal}, previous=None, kid=kid
        )
        out.append(
            (
                d.identifier,
                LICENCE_HOLDER_CODE.encrypt(holder_code, identifier=d.identifier),
                blind_index(holder_code, purpose=purpose),
                LICENCE_FACE_PERSONAL.encrypt(canonical.face_json(personal), identifier=d.identifier)
                if personal
                else "",
                sm3_hex(canonical.canonical_bytes(content)),
            )
        )
    return out


def _seal(licences: list[Draft], signed_at, **batch_fields) -> list[SealBatch]:
    """One batch per issuing department (its own key): Merkle root, one SM2 signature, proofs."""
    by_key: dict[int, list[Draft]] = {}
    for lic in licences:
        by_key.setdefault(lic.seal_key.pk, []).append(lic)
    batches = []
    for group in by_key.values():
        seal_key = group[0].seal_key
        root, proofs = merkle.build([lic.digest for lic in group])
        statement = canonical.batch_statement(
            root=root, count=len(group), kid=seal_key.kid, signed_at=signed_at
        )
        batch = SealBatch.objects.create(
            seal_key=seal_key,
            signed_at=signed_at,
            root=root,
            count=len(group),
            signature=sign_bytes(seal_key, statement),
            **batch_fields,
        )
        for lic, proof in zip(group, proofs, strict=True):
            lic.seal_batch = batch
            lic.seal_proof = proof
        batches.append(batch)
    return batches


# The COPY's columns: first those that vary by licence, then those that are the same for every
# licence of a type, issuer and batch (written once per group as one piece of text). Every
# concrete column but the primary key (tests/test_import_fast.py keeps this list complete).
COPY_VARYING = (
    "identifier",
    "number",
    "serial",
    "version",
    "issued_on",
    "holder_name",
    "holder_code_enc",
    "holder_code_index",
    "holder_code_masked",
    "valid_from",
    "valid_until",
    "face",
    "face_personal_enc",
    "digest",
    "seal_proof",
    "state",
    "case_number",
)
COPY_CONSTANT = (
    "licence_type_id",
    "type_code",
    "type_revision",
    "name",
    "version_reason",
    "previous_id",
    "issuer_id",
    "issuer_name",
    "issuer_code",
    "holder_kind",
    "holder_code_type",
    "seal_key_id",
    "signed_at",
    "signature",
    "seal_batch_id",
    "state_reason",
    "state_changed_at",
    "issued_by",
    "created_at",
)
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """A text value escaped for COPY's text format (backslash, tab, newline, carriage return)."""
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value


def _insert(licences: list[Draft], *, issued_by: str) -> None:
    if connection.vendor != "postgresql":
        Licence.objects.bulk_create([d.model(issued_by=issued_by) for d in licences], batch_size=500)
        return
    names = {f.attname: f.column for f in Licence._meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(names[a]) for a in COPY_VARYING + COPY_CONSTANT)
    table = connection.ops.quote_name(Licence._meta.db_table)
    tails: dict[tuple[int, int, int], str] = {}
    dumps = json.dumps
    esc = _copy_text
    lines = []
    for d in licences:
        group = (d.lt.pk, d.issuer[0], d.seal_batch.pk)
        tail = tails.get(group)
        if tail is None:
            tail = tails[group] = _copy_tail(d, issued_by)
        until = d.valid_until
        lines.append(
            "\t".join(
                (
                    esc(d.identifier),
                    esc(d.number),
                    esc(d.serial),
                    str(d.version),
                    d.issued_on.isoformat(),
                    esc(d.holder_name),
                    d.holder_code_enc,
                    d.holder_code_index,
                    esc(d.holder_code_masked),
                    d.valid_from.isoformat(),
                    "\\N" if until is None else until.isoformat(),
                    esc(dumps(d.face, ensure_ascii=False)),
                    d.face_personal_enc,
                    d.digest,
                    d.seal_proof,
                    d.state,
                    esc(d.case_number),
                    tail,
                )
            )
        )
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for start in range(0, len(lines), 1000):
                copy.write("\n".join(lines[start : start + 1000]) + "\n")


def _copy_tail(d: Draft, issued_by: str) -> str:
    """The COPY_CONSTANT columns of a licence's group as text."""
    stamp = d.signed_at.isoformat()
    values = (
        str(d.lt.pk),
        d.type_code,
        str(d.lt.revision),
        d.name,
        VersionReason.NEW.value,
        None,
        str(d.issuer[0]),
        d.issuer_name,
        d.issuer_code,
        d.holder_kind,
        d.holder_code_type,
        str(d.seal_key.pk),
        stamp,
        "",
        str(d.seal_batch.pk),
        "",
        None,
        issued_by,
        stamp,
    )
    return "\t".join("\\N" if v is None else _copy_text(str(v)) for v in values)


# --- the run ---------------------------------------------------------------------------------


def committed_line(import_id: str) -> int:
    """The last line of the import's committed batches (0: none)."""
    return SealBatch.objects.filter(import_id=import_id).aggregate(m=Max("last_line"))["m"] or 0


def _write_checkpoint(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def checkpoint_path(path: Path) -> Path:
    return path.with_name(path.name + ".checkpoint.json")


def run_import(
    path: Path,
    *,
    actor,
    fmt: str | None = None,
    partial: bool = False,
    resume: bool = False,
    chunk: int = CHUNK,
    checkpoint: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop_after: int | None = None,
    workers: int | None = None,
) -> Report:
    """Check the whole file, then import it chunk by chunk (see the module docstring).

    Raises InvalidInput listing every bad row (and imports nothing) when a row is bad and not
    `partial`. `progress(done, total)` is called after each chunk. `stop_after` (tests, and a
    rehearsal) stops after that many chunks, as an interruption would. `workers`: processes for
    the per-licence cryptography (0: none; default: POOL_WORKERS on PostgreSQL for a large file)."""
    started = timezone.now()
    path = Path(path)
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    if fmt not in FORMATS:
        raise InvalidInput.field("format", "格式应为 jsonl 或 csv")
    if not path.is_file():
        raise InvalidInput.field("file", f"文件 {path} 不存在")
    checkpoint = checkpoint or checkpoint_path(path)
    identity = file_identity(path)
    state = json.loads(checkpoint.read_text(encoding="utf-8")) if checkpoint.exists() else None
    if state and not resume:
        raise InvalidInput.field(
            "resume", f"已有未完成导入的断点文件 {checkpoint}：继续导入请加 --resume，重新导入请先删除该文件"
        )
    if resume and state is None:
        raise InvalidInput.field("resume", f"没有断点文件 {checkpoint}，无法继续导入")
    if state and state["file"] != identity:
        raise InvalidInput.field("resume", "断点文件记录的不是这个文件（路径、大小或内容不同）")
    import_id = state["import_id"] if state else uuid.uuid4().hex
    after = committed_line(import_id) if state else 0
    report = Report(import_id=import_id)

    # Pass 1: every row checked.
    checker = Checker()
    pending: list[Row] = []
    good_lines: set[int] = set()
    kept: list[Row] | None = []

    def check_pending() -> None:
        nonlocal kept
        good, problems = check_library(pending)
        report.problems.extend(problems)
        report.bad_rows += len(problems)
        good_lines.update(r.line for r in good)
        if kept is not None:
            kept.extend(good)
            if len(kept) > KEEP_IN_MEMORY:
                kept = None
        pending.clear()

    for line, raw, error in read_rows(path, fmt):
        if line <= after:
            report.skipped_lines += 1
            continue
        report.total += 1
        if raw is None:
            report.problems.append(FieldProblem("row", error, row=line))
            report.bad_rows += 1
            continue
        row, problems = checker.check(line, raw)
        if problems:
            report.problems.extend(problems)
            report.bad_rows += 1
            continue
        pending.append(row)
        if len(pending) >= chunk:
            check_pending()
    check_pending()
    report.good = len(good_lines)
    if report.problems and not partial:
        shown = report.problems[:MAX_REPORTED]
        raise InvalidInput(
            f"有 {report.bad_rows} 行不符合要求，未导入任何证照（修正后重新导入，或加 --partial 只导入正确的行）",
            problems=shown,
        )

    # Pass 2: import the good rows, chunk by chunk.
    if state is None:
        state = {"import_id": import_id, "file": identity, "format": fmt, "started_at": started.isoformat()}
    state["line"] = after
    _write_checkpoint(checkpoint, state)
    label = actor_label(actor)
    batch_rows: list[Row] = []
    chunks = 0

    def flush() -> None:
        nonlocal chunks
        if not batch_rows:
            return
        first, last = batch_rows[0].line, batch_rows[-1].line
        with transaction.atomic(), audit.batch():
            _allocate_serials(batch_rows)
            keys = {}
            for dept_id in sorted({r.issuer[0] for r in batch_rows}):
                keys[dept_id] = active_key_for_signing(actor=actor, department_id=dept_id)
            signed_at = timezone.now()  # after the keys: a key made just now is valid from before
            licences = _build(batch_rows, keys=keys, signed_at=signed_at, pool=pool)
            batches = _seal(
                licences,
                signed_at,
                import_id=import_id,
                source=path.name[:300],
                first_line=first,
                last_line=last,
                created_by=label[:100],
            )
            _insert(licences, issued_by=label)
            for batch in batches:
                audit.record(
                    actor=actor,
                    action="licences.licence.import",
                    obj=batch,
                    data={
                        "import_id": import_id,
                        "root": batch.root,
                        "count": batch.count,
                        "lines": [first, last],
                        "seal_key": batch.seal_key.kid,
                    },
                )
        report.imported += len(batch_rows)
        report.batches += len(batches)
        state["line"] = last
        _write_checkpoint(checkpoint, state)
        chunks += 1
        if progress:
            progress(report.imported, report.good)
        batch_rows.clear()

    if workers is None:
        workers = POOL_WORKERS if connection.vendor == "postgresql" and report.good >= POOL_MIN_ROWS else 0
    pool = _start_pool(workers)
    try:
        for row in kept if kept is not None else _recheck(path, fmt, good_lines):
            batch_rows.append(row)
            if len(batch_rows) >= chunk:
                flush()
                if stop_after is not None and chunks >= stop_after:
                    report.seconds = (timezone.now() - started).total_seconds()
                    return report
        flush()
    finally:
        for helper in pool or ():
            helper.stop()
    checkpoint.unlink(missing_ok=True)
    report.seconds = (timezone.now() - started).total_seconds()
    return report


class Helper:
    """A forked process computing `_seal_part` for the import (see `_start_pool`). The work goes
    through a pipe from this thread directly (no executor threads: they would wait for the
    interpreter lock while this process computes its own share, and the helper would idle)."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        with warnings.catch_warnings():
            # Python warns that a thread of this process (a server's, a test runner's) might hold
            # a lock in the child; the child runs `_helper_loop` only, which takes none of them.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.process = context.Process(target=_helper_loop, args=(child,), daemon=True)
            self.process.start()
        child.close()

    def send(self, work: list[tuple], signed_at) -> None:
        self.conn.send((work, signed_at))

    def receive(self) -> list[tuple]:
        try:
            ok, result = self.conn.recv()
        except EOFError:
            raise RuntimeError("the import's helper process ended unexpectedly") from None
        if not ok:
            raise RuntimeError(f"the import's helper process failed: {result}")
        return result

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self.conn.send(None)
        self.conn.close()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _helper_loop(conn) -> None:
    """The helper's life: `_seal_part` of each job until told to stop. It never touches the
    database connection it inherited, and ends with os._exit (multiprocessing's), so that
    connection is not closed from here."""
    while (job := conn.recv()) is not None:
        try:
            conn.send((True, _seal_part(*job)))
        except Exception as exc:  # reported to the parent, which rolls the chunk back
            conn.send((False, repr(exc)))


def _start_pool(workers: int) -> list[Helper] | None:
    """`workers` forked helpers (None: none wanted, or no fork on this system).

    Forked, so they have this process's settings (the keys) without setting Django up again;
    they only compute, and the parent keeps the checks, serials, keys, the tree, the signature,
    the COPY and the commits."""
    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return [Helper() for _ in range(workers)]


def _recheck(path: Path, fmt: str, good_lines: set[int]) -> Iterator[Row]:
    """The good rows again (a file too large to keep its rows between the passes)."""
    checker = Checker()
    for line, raw, _error in read_rows(path, fmt):
        if line in good_lines:
            row, problems = checker.check(line, raw)
            if problems:  # the file changed between the passes
                raise InvalidInput(f"第{line}行在检查之后被改动，导入已停止", problems=problems)
            yield row


__all__ = ["FORMATS", "Report", "checkpoint_path", "committed_line", "read_rows", "run_import"]
