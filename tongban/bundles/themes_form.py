"""The workbench's structured theme editor: a spec document to form rows and back.

Each part of the spec is a table of rows (members, questions, shared fields, shared
materials); the few lists inside a row are written in a short, documented syntax:

- a question's choices: `yes=是; no=否`
- a member's conditions (when): `parents_local=no; insure=yes|maybe` (all must hold)
- a member's requirements: `licence:11100000000013338W001; other:TYPE` (member key : licence type)
- a member's field mapping: `child_name=baby_name; phone=guardian_phone` (member field = shared key)
- a member's material mapping: `出生医学证明=birth_cert` (member material name = shared key)

Blank rows are skipped; the form always offers two more than the spec has. `spec.parse`
checks the result, so a problem is named by its spec path (`members[1].requires[0].member`).
"""

from __future__ import annotations

EXTRA_ROWS = 2
MAX_ROWS = 40
PARTS = {
    "members": ("key", "item_code", "when", "requires", "policy", "fields", "materials"),
    "questions": ("key", "text", "choices"),
    "shared_fields": ("key", "label", "type", "required"),
    "shared_materials": ("key", "name", "licence_type"),
}
PREFIX = {"members": "m", "questions": "q", "shared_fields": "sf", "shared_materials": "sm"}


def _pairs(text: str, sep: str = "=") -> list[tuple[str, str]]:
    out = []
    for part in (text or "").replace("；", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        left, _, right = part.partition(sep)
        out.append((left.strip(), right.strip()))
    return out


def _join(pairs, sep: str = "=") -> str:
    return "; ".join(f"{a}{sep}{b}" for a, b in pairs)


def rows_from_doc(doc: dict) -> dict[str, list[dict]]:
    """Form rows of a spec document (plus EXTRA_ROWS blank rows per part)."""
    doc = doc if isinstance(doc, dict) else {}
    rows: dict[str, list[dict]] = {part: [] for part in PARTS}
    for q in doc.get("questions") or []:
        rows["questions"].append(
            {
                "key": q.get("key", ""),
                "text": q.get("text", ""),
                "choices": _join((c.get("value", ""), c.get("label", "")) for c in q.get("choices") or []),
            }
        )
    for f in doc.get("shared_fields") or []:
        rows["shared_fields"].append(
            {
                "key": f.get("key", ""),
                "label": f.get("label", ""),
                "type": f.get("type", "text"),
                "required": "on" if f.get("required", True) else "",
            }
        )
    for m in doc.get("shared_materials") or []:
        rows["shared_materials"].append(
            {"key": m.get("key", ""), "name": m.get("name", ""), "licence_type": m.get("licence_type", "")}
        )
    for m in doc.get("members") or []:
        rows["members"].append(
            {
                "key": m.get("key", ""),
                "item_code": m.get("item_code", ""),
                "when": _join(
                    (c.get("question", ""), "|".join(c.get("in") or [])) for c in m.get("when") or []
                ),
                "requires": _join(
                    ((r.get("member", ""), r.get("result", "")) for r in m.get("requires") or []), ":"
                ),
                "policy": m.get("on_requirement_refused", "cancel"),
                "fields": _join((m.get("fields") or {}).items()),
                "materials": _join((m.get("materials") or {}).items()),
            }
        )
    for part, columns in PARTS.items():
        blank = dict.fromkeys(columns, "")
        if part == "members":
            blank["policy"] = "cancel"
        if part == "shared_fields":
            blank |= {"type": "text", "required": "on"}
        rows[part] += [dict(blank) for _ in range(EXTRA_ROWS)]
    return rows


def rows_from_post(post) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for part, columns in PARTS.items():
        prefix = PREFIX[part]
        found = []
        for n in range(MAX_ROWS):
            row = {c: (post.get(f"{prefix}-{n}-{c}") or "").strip() for c in columns}
            if f"{prefix}-{n}-key" not in post:
                break
            found.append(row)
        rows[part] = found
    return rows


def is_blank(row: dict, part: str) -> bool:
    ignore = {"policy", "type", "required"}
    return not any(v for c, v in row.items() if c not in ignore)


def doc_from_rows(rows: dict[str, list[dict]], *, promised_days) -> dict:
    """The spec document the rows describe (not checked: `spec.parse` does that)."""
    try:
        days = int(str(promised_days).strip())
    except (TypeError, ValueError):
        days = promised_days  # parse names promised_days
    doc: dict = {
        "promised_days": days,
        "questions": [],
        "shared_fields": [],
        "shared_materials": [],
        "members": [],
    }
    for r in rows.get("questions", []):
        if is_blank(r, "questions"):
            continue
        doc["questions"].append(
            {
                "key": r["key"],
                "text": r["text"],
                "choices": [{"value": v, "label": label} for v, label in _pairs(r["choices"])],
            }
        )
    for r in rows.get("shared_fields", []):
        if is_blank(r, "shared_fields"):
            continue
        doc["shared_fields"].append(
            {
                "key": r["key"],
                "label": r["label"],
                "type": r["type"] or "text",
                "required": r["required"] == "on",
            }
        )
    for r in rows.get("shared_materials", []):
        if is_blank(r, "shared_materials"):
            continue
        doc["shared_materials"].append(
            {"key": r["key"], "name": r["name"], "licence_type": r["licence_type"]}
        )
    for r in rows.get("members", []):
        if is_blank(r, "members"):
            continue
        doc["members"].append(
            {
                "key": r["key"],
                "item_code": r["item_code"],
                "when": [
                    {"question": q, "in": [v.strip() for v in values.split("|") if v.strip()]}
                    for q, values in _pairs(r["when"])
                ],
                "requires": [{"member": k, "result": t} for k, t in _pairs(r["requires"], ":")],
                "on_requirement_refused": r["policy"] or "cancel",
                "fields": dict(_pairs(r["fields"])),
                "materials": dict(_pairs(r["materials"])),
            }
        )
    return doc


def row_problems(problems) -> dict[str, dict[int, list[str]]]:
    """Problems by part and row index (`members[1].requires[0].member` -> members, 1)."""
    out: dict[str, dict[int, list[str]]] = {}
    for p in problems:
        head, _, rest = p.field.partition("[")
        if head in PARTS and rest[:1].isdigit():
            index = int(rest.split("]", 1)[0])
            out.setdefault(head, {}).setdefault(index, []).append(f"{p.field}：{p.message}")
    return out
