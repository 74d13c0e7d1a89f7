"""Reading a plan's inputs for a draw: the in-scope entity ids per credit class, and the
qualified inspectors with their exclusions. On PostgreSQL the entity ids come as one bytea per
credit class built by the database (no Python loop over the rows); elsewhere through the ORM."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from . import draws
from .models import Entity
from .models_draw import Conflict, DrawStratum, InspectionResult, Inspector, Plan


def _entity_filter(plan: Plan) -> tuple[str, list]:
    where, params = ["active", "region_code LIKE %s"], [plan.region_prefix + "%"]
    if plan.industries:
        where.append("industry = ANY(%s)")
        params.append(list(plan.industries))
    if plan.matter.object_type != "all":
        where.append("kind = %s")
        params.append(plan.matter.object_type)
    return " AND ".join(where), params


def entity_strata(plan: Plan) -> dict[str, bytes]:
    """Class → the in-scope entity ids as big-endian int64 bytes, ascending."""
    if connection.vendor == "postgresql":
        return _strata_pg(plan)
    qs = Entity.objects.filter(active=True, region_code__startswith=plan.region_prefix)
    if plan.industries:
        qs = qs.filter(industry__in=plan.industries)
    if plan.matter.object_type != "all":
        qs = qs.filter(kind=plan.matter.object_type)
    out: dict[str, list[int]] = {c: [] for c in draws.CLASSES}
    for c, pk in qs.order_by("credit_class", "id").values_list("credit_class", "id"):
        out[c].append(pk)
    return {c: np.asarray(v, dtype=">i8").tobytes() for c, v in out.items()}


def _strata_pg(plan: Plan) -> dict[str, bytes]:
    """One row per class, its ids already as the canonical bytes: PostgreSQL reads the covering
    index `sup_entity_draw_scan` in (class, id) order and concatenates `int8send(id)` (8 bytes
    big-endian) per class, so only four values cross the wire and no Python loop touches a row.
    The order inside an aggregate over an ordered subquery is what PostgreSQL does but not what
    SQL promises: it is checked here, and sorted if ever it is not."""
    where, params = _entity_filter(plan)
    table = Entity._meta.db_table
    sql = (
        "SELECT credit_class, string_agg(b, ''::bytea) FROM ("  # noqa: S608 (fixed names; values are parameters)
        f"SELECT credit_class, int8send(id) AS b FROM {table} WHERE {where} ORDER BY credit_class, id"
        ") s GROUP BY credit_class"
    )
    import psycopg

    connection.ensure_connection()
    # A server-side-binding cursor of the same connection (and transaction): Django's own
    # client-side cursors cannot return binary results (bytea as bytes, not as hex text).
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute("SET LOCAL jit = off")
        raw.execute(sql, params, binary=True)
        found = {c: bytes(b) for c, b in raw.fetchall()}
    out = {}
    for c in draws.CLASSES:
        data = found.get(c, b"")
        ids = np.frombuffer(data, dtype=">i8")
        if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            data = np.unique(ids).astype(">i8").tobytes()
        out[c] = data
    return out


def write_strata(draw_id: int, rows: list[tuple[str, int, int, int, bytes]]) -> None:
    """Store a snapshot's strata: (class, ratio_bp, count, sample_size, ids bytes) each. On
    PostgreSQL the bytea goes as a binary parameter (Django's client-side binding would spell
    tens of MB out as an escaped literal)."""
    if connection.vendor != "postgresql":
        DrawStratum.objects.bulk_create(
            DrawStratum(draw_id=draw_id, credit_class=c, ratio_bp=r, count=n, sample_size=k, ids=b)
            for c, r, n, k, b in rows
        )
        return
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as raw:
        for c, r, n, k, b in rows:
            raw.execute(
                f"INSERT INTO {DrawStratum._meta.db_table} (draw_id, credit_class, ratio_bp, count, sample_size, ids) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %b)",
                [draw_id, c, r, n, k, b],
            )


def read_strata(draw_id: int) -> dict[str, bytes]:
    """A stored snapshot's ids per class (the bytea values as stored)."""
    if connection.vendor != "postgresql":
        return {
            c: bytes(b)
            for c, b in DrawStratum.objects.filter(draw_id=draw_id).values_list("credit_class", "ids")
        }
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as raw:  # binary: bytea as bytes, not hex text
        raw.execute(
            f"SELECT credit_class, ids FROM {DrawStratum._meta.db_table} WHERE draw_id = %s",  # noqa: S608
            [draw_id],
            binary=True,
        )
        return {c: bytes(b) for c, b in raw.fetchall()}


def inspector_inputs(plan: Plan) -> list[dict]:
    """The plan's eligible pool: active inspectors qualified for the matter (valid at the start
    of the plan's period), of a region within the plan's region prefix (or above it), each with
    the entity ids it declared a conflict with and those it inspected within the rule's
    recusal window."""
    start = plan.period_start
    pool = Inspector.objects.filter(
        Q(qualifications__valid_until__isnull=True) | Q(qualifications__valid_until__gte=start),
        active=True,
        qualifications__matter_id=plan.matter_id,
    ).order_by("id")
    prefix = plan.region_prefix
    inspectors = [
        i
        for i in pool.values("id", "region_code")
        if i["region_code"].startswith(prefix) or prefix.startswith(region_prefix_of(i["region_code"]))
    ]
    ids = [i["id"] for i in inspectors]
    conflicts: dict[int, set[int]] = {pk: set() for pk in ids}
    codes = list(Conflict.objects.filter(inspector_id__in=ids).values_list("inspector_id", "credit_code"))
    by_code = dict(
        Entity.objects.filter(credit_code__in={c for _, c in codes}).values_list("credit_code", "id")
    )
    for pk, code in codes:
        if code in by_code:
            conflicts[pk].add(by_code[code])
    since = timezone.localdate() - dt.timedelta(
        days=plan.rule.recusal_days
    )  # a rule's window, not a statutory period
    recent: dict[int, set[int]] = {pk: set() for pk in ids}
    for entity_id, inspector_id in InspectionResult.objects.filter(
        inspected_on__gte=since, target__assignments__inspector_id__in=ids
    ).values_list("target__entity_id", "target__assignments__inspector_id"):
        recent[inspector_id].add(entity_id)
    return [{"id": pk, "conflicts": sorted(conflicts[pk]), "recent": sorted(recent[pk])} for pk in ids]


def region_prefix_of(code: str) -> str:
    """The prefix a region code stands for: 420000 → 42 (the province), 420100 → 4201 (the
    city), 420115 → 420115 (the county)."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def in_scope(plan: Plan):
    """A predicate: is this entity id in the plan's scope (for the seed-independent check)."""

    def check(entity_id: int) -> bool:
        qs = Entity.objects.filter(pk=entity_id, active=True, region_code__startswith=plan.region_prefix)
        if plan.industries:
            qs = qs.filter(industry__in=plan.industries)
        if plan.matter.object_type != "all":
            qs = qs.filter(kind=plan.matter.object_type)
        return qs.exists()

    return check
