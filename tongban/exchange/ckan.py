"""A read-only CKAN action API facade over the open part of the catalogue (`opencatalogue`).

Stock CKAN clients and harvesters (ckanapi, ckanext-harvest's CKAN harvester) read the catalogue
as they read a CKAN site: `package_list`, `package_show`, `package_search`, `organization_list`,
`organization_show`, `status_show` and `help_show`, at /api/3/action/<name> (and /api/action/,
which ckanapi uses), GET or POST JSON, answering `{"help", "success", "result"}` and, on errors,
`{"help", "success": false, "error": {"__type", ...}}` with CKAN's status codes:

- 404 `Not Found Error` (an unknown or closed entry, an unknown department);
- 409 `Validation Error` ({"<field>": ["<message>"]}, no "message");
- 400 `Search Query Error` (a filter the facade cannot answer);
- 400 `Bad Request` (an unknown action, a body that is not JSON).

A package is one entry (current version); an organization is a department providing at least
one entry of the open part. Ids are UUIDs derived from the resource code or credit code, so
they are stable across versions and across exports. Everything is computed from one load of the
open part (three queries); search filters in Python over it (the catalogue is thousands, not
millions, of entries).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC
from functools import cached_property

from .dcat import Iris, file_type, media_type, package_name
from .enums import BaseRegister, MountKind
from .opencatalogue import OpenEntry, open_entries

CKAN_VERSION = "2.10.4"  # the action API version this facade answers as
ROWS_MAX = 1000
NAMESPACE = uuid.UUID("5d0c6f2a-4b8e-4f0e-9a53-8c2f2f6d1a11")  # tongban exchange ids


class CkanError(Exception):
    """An error CKAN's API controller would answer: status and the `error` object."""

    def __init__(self, status: int, error: dict):
        super().__init__(error.get("message", error.get("__type", "")))
        self.status = status
        self.error = error


def not_found() -> CkanError:
    return CkanError(404, {"__type": "Not Found Error", "message": "Not found"})


def validation_error(problems: dict[str, str]) -> CkanError:
    return CkanError(409, {"__type": "Validation Error", **{k: [v] for k, v in problems.items()}})


def search_query_error(message: str) -> CkanError:
    return CkanError(
        400, {"__type": "Search Query Error", "message": f"Search Query is invalid: {message!r}"}
    )


def bad_request(message: str) -> CkanError:
    return CkanError(400, {"__type": "Bad Request", "message": f"Bad request - {message}"})


# --- Parameters as CKAN's validators read them ------------------------------------------------

TRUE = {"true", "yes", "on", "y", "t", "1"}
FALSE = {"false", "no", "off", "n", "f", "0", ""}


def _bool(params: dict, key: str, default: bool) -> bool:
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise validation_error({key: "Value must be one of: true, false"})


def _natural(params: dict, key: str, default: int | None) -> int | None:
    value = params.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise validation_error({key: "Invalid integer"})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise validation_error({key: "Invalid integer"}) from None
    if number < 0:
        raise validation_error({key: "Must be a natural number"})
    return number


def _required(params: dict, key: str) -> str:
    value = params.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise validation_error({key: "Missing value"})
    if not isinstance(value, str):
        raise validation_error({key: "Must be a string"})
    return value.strip()


def _string(params: dict, key: str, default: str = "") -> str:
    value = params.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise validation_error({key: "Must be a string"})
    return value


def _string_list(params: dict, key: str) -> list[str] | None:
    """A list parameter: a JSON list (POST), or a JSON-encoded list or repeated values (GET)."""
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip().startswith("[") else [value]
        except ValueError:
            raise validation_error({key: "Not a list"}) from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise validation_error({key: "Not a list"})
    return value


# --- The catalogue as CKAN dictionaries --------------------------------------------------------


def _id(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _time(value) -> str | None:
    """CKAN's timestamp form: ISO 8601, UTC, no offset, microseconds."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def org_name(department) -> str:
    return department.credit_code.lower()


@dataclass
class Organization:
    department: object
    entries: list[OpenEntry] = field(default_factory=list)

    @property
    def name(self) -> str:
        return org_name(self.department)

    @property
    def title(self) -> str:
        return self.department.name


def organization_dict(org: Organization, *, include_count: bool = True) -> dict:
    dept = org.department
    created = min((e.issued for e in org.entries if e.issued), default=None)
    body = {
        "id": _id("organization", dept.credit_code),
        "name": org.name,
        "title": dept.name,
        "display_name": dept.name,
        "description": dept.description or "",
        "image_url": "",
        "image_display_url": "",
        "created": _time(created),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
        "num_followers": 0,
    }
    if include_count:
        body["package_count"] = len(org.entries)
    return body


def _format(entry: OpenEntry) -> str:
    if entry.mount is None:
        return ""
    if entry.mount.kind == MountKind.SERVICE:
        return "API"
    return file_type(media_type(entry)) or entry.mount.get_kind_display()


def resource_dicts(entry: OpenEntry, iris: Iris) -> list[dict]:
    mount = entry.mount
    if mount is None:
        return []
    r = entry.resource
    service = mount.kind == MountKind.SERVICE
    return [
        {
            "id": _id("resource", r.code),
            "package_id": _id("package", r.code),
            "name": f"{r.name}（{mount.get_kind_display()}）",
            "description": (
                "数据服务接口：POST 查询，须经共享申请授权（客户端凭证令牌）。"
                if service
                else f"{mount.get_kind_display()}：{r.name}"
            ),
            "url": iris.access_url(entry),
            "format": _format(entry),
            "mimetype": media_type(entry) or None,
            "size": mount.byte_size,
            "hash": "",
            "created": _time(mount.mounted_at),
            "last_modified": _time(mount.last_updated_at),
            "metadata_modified": _time(mount.last_updated_at or mount.mounted_at),
            "state": "active",
            "position": 0,
            "url_type": None,
            "resource_type": "api" if service else mount.kind,
            "cache_url": None,
            "datastore_active": False,
        }
    ]


def package_dict(entry: OpenEntry, iris: Iris, org: Organization) -> dict:
    r = entry.resource
    tags = sorted({k.strip() for k in [*(r.keywords or []), r.subject] if isinstance(k, str) and k.strip()})
    extras = {
        "uri": str(iris.dataset(r.code)),
        "resource_code": r.code,
        "resource_class": r.get_resource_class_display(),
        "base_register": BaseRegister(r.base_register).label
        if r.base_register in BaseRegister.values
        else "",
        "resource_format": r.get_format_display(),
        "share_type": r.get_share_type_display(),
        "open_type": r.get_open_type_display(),
        "update_frequency": r.get_update_frequency_display(),
    }
    if entry.restricted:
        extras["open_condition"] = r.open_condition
    else:
        extras["data_items"] = json.dumps(
            [{"name": i["name"], "type": i["type"], "length": i["length"]} for i in entry.data_items],
            ensure_ascii=False,
        )
    resources = resource_dicts(entry, iris)
    return {
        "id": _id("package", r.code),
        "name": package_name(r.code),
        "title": r.name,
        "notes": r.summary,
        "type": "dataset",
        "state": "active",
        "private": False,
        "url": iris.landing_page(r.code) or "",
        "version": str(r.version),
        "author": None,
        "author_email": None,
        "maintainer": r.provider.name,
        "maintainer_email": None,
        "license_id": "notspecified",
        "license_title": "License not specified",
        "license_url": None,
        "isopen": False,
        "owner_org": organization_dict(org)["id"],
        "organization": organization_dict(org, include_count=False),
        "creator_user_id": None,
        "metadata_created": _time(entry.issued),
        "metadata_modified": _time(entry.modified),
        "tags": [
            {"id": _id("tag", t), "name": t, "display_name": t, "state": "active", "vocabulary_id": None}
            for t in tags
        ],
        "num_tags": len(tags),
        "groups": [],
        "resources": resources,
        "num_resources": len(resources),
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


class Catalogue:
    """The open part, loaded once (when an action first needs it) with its organizations."""

    def __init__(self, base_url: str):
        self.iris = Iris(base_url)

    @cached_property
    def entries(self) -> list[OpenEntry]:
        return open_entries()

    @cached_property
    def orgs(self) -> dict[int, Organization]:
        orgs: dict[int, Organization] = {}
        for entry in self.entries:
            orgs.setdefault(entry.provider.pk, Organization(entry.provider)).entries.append(entry)
        return orgs

    def org_of(self, entry: OpenEntry) -> Organization:
        return self.orgs[entry.provider.pk]

    def package(self, entry: OpenEntry) -> dict:
        return package_dict(entry, self.iris, self.org_of(entry))

    def find_entry(self, key: str) -> OpenEntry:
        for entry in self.entries:
            if key in (package_name(entry.code), entry.code, _id("package", entry.code)):
                return entry
        raise not_found()

    def find_org(self, key: str) -> Organization:
        for org in self.orgs.values():
            credit = org.department.credit_code
            if key in (org.name, credit, _id("organization", credit)):
                return org
        raise not_found()


# --- The actions -------------------------------------------------------------------------------


def package_list(cat: Catalogue, params: dict) -> list[str]:
    """Return the names of the datasets (packages) of the open catalogue, sorted by name.

    :param limit: if given, the list of datasets will be broken into pages of at most ``limit``
        datasets per page (optional)
    :param offset: when ``limit`` is given, the offset to start returning packages from"""
    limit = _natural(params, "limit", None)
    offset = _natural(params, "offset", 0) or 0
    names = sorted(package_name(e.code) for e in cat.entries)
    return names[offset : offset + limit] if limit is not None else names[offset:]


def package_show(cat: Catalogue, params: dict) -> dict:
    """Return the metadata of a dataset (package) and its resources.

    :param id: the id or name of the dataset (the resource code is accepted too)"""
    return cat.package(cat.find_entry(_required(params, "id")))


SORT_FIELDS = {"name", "title", "metadata_modified", "metadata_created", "score"}
FQ_CLAUSE = re.compile(r'([+-]?)([\w.]+):("(?:[^"\\]|\\.)*"|\S+)')


def _fq_clauses(text: str) -> list[tuple[bool, str, str]]:
    """`+organization:abc -tags:"x y" name:foo` → [(negated, field, value), ...]."""
    clauses = []
    position = 0
    text = text.strip()
    for match in FQ_CLAUSE.finditer(text):
        if text[position : match.start()].strip():
            raise search_query_error(text)
        sign, name, value = match.groups()
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        clauses.append((sign == "-", name, value))
        position = match.end()
    if text[position:].strip():
        raise search_query_error(text)
    return clauses


def _matches_clause(cat: Catalogue, entry: OpenEntry, package: dict, name: str, value: str) -> bool:
    if name in ("organization", "owner_org"):
        org = cat.org_of(entry)
        return value in (org.name, org.department.credit_code, package["owner_org"])
    if name in ("name", "id"):
        return package[name] == value
    if name == "tags":
        return any(t["name"] == value for t in package["tags"])
    if name == "res_format":
        return any(r["format"].lower() == value.lower() for r in package["resources"])
    if name in ("type", "dataset_type"):
        return value == "dataset"
    if name == "groups":
        return False
    if name == "license_id":
        return package["license_id"] == value
    if name.startswith("extras_"):
        key = name[len("extras_") :]
        return any(e["key"] == key and e["value"] == value for e in package["extras"])
    raise search_query_error(f"{name}:{value}")


def _text_of(package: dict) -> str:
    parts = [package["name"], package["title"], package["notes"] or "", package["organization"]["title"]]
    parts += [t["name"] for t in package["tags"]] + [e["value"] for e in package["extras"]]
    return "\n".join(parts).lower()


def package_search(cat: Catalogue, params: dict) -> dict:
    """Search the open catalogue's datasets (packages).

    :param q: words all of which a dataset's name, title, description, tags, organization or
        extras contain (case-insensitive), or ``field:value`` clauses as in ``fq``; ``*:*`` or
        empty for all
    :param fq: filter clauses ``[+|-]field:value`` separated by spaces; fields: organization,
        owner_org, name, id, tags, res_format, type, license_id, extras_<key>
    :param fq_list: a list of further ``fq`` strings
    :param sort: ``field asc|desc`` separated by commas; fields: name, title, metadata_modified,
        metadata_created, score (default ``score desc, metadata_modified desc``)
    :param rows: at most this many results (default 10, at most 1000)
    :param start: the offset of the first result
    :param facet.field: a JSON list of fields to count (organization, tags, res_format)
    :param facet.limit: at most this many values a facet (default 50, -1 for all)"""
    q = _string(params, "q").strip()
    clauses = _fq_clauses(_string(params, "fq"))
    for extra in _string_list(params, "fq_list") or []:
        clauses += _fq_clauses(extra)
    rows = min(_natural(params, "rows", 10), ROWS_MAX)
    start = _natural(params, "start", 0)
    sort = _string(params, "sort").strip() or "score desc, metadata_modified desc"
    facet_fields = _string_list(params, "facet.field") or []
    facet_limit = params.get("facet.limit", 50)
    try:
        facet_limit = int(facet_limit)
    except (TypeError, ValueError):
        raise validation_error({"facet.limit": "Invalid integer"}) from None
    words = []
    if q and q != "*:*":
        for token in q.split():
            if ":" in token and not token.startswith(("http:", "https:")):
                clauses += _fq_clauses(token)
            else:
                words.append(token.lower())
    order = []
    for part in sort.split(","):
        bits = part.split()
        if len(bits) != 2 or bits[0] not in SORT_FIELDS or bits[1].lower() not in ("asc", "desc"):
            raise search_query_error(f"sort={sort}")
        order.append((bits[0], bits[1].lower() == "desc"))
    found = []
    for entry in cat.entries:
        package = cat.package(entry)
        text = _text_of(package)
        if any(w not in text for w in words):
            continue
        if all(_matches_clause(cat, entry, package, n, v) != negated for negated, n, v in clauses):
            found.append(package)
    for key, descending in reversed(order):
        if key == "score":
            continue  # every match scores alike here
        found.sort(key=lambda p, k=key: p[k] or "", reverse=descending)
    facets, search_facets = _facets(found, facet_fields, facet_limit)
    return {
        "count": len(found),
        "sort": sort,
        "facets": facets,
        "search_facets": search_facets,
        "results": found[start : start + rows],
    }


def _facets(packages: list[dict], fields: list[str], limit: int) -> tuple[dict, dict]:
    facets: dict = {}
    search_facets: dict = {}
    for name in fields:
        counts: dict[str, int] = {}
        titles: dict[str, str] = {}
        for p in packages:
            if name == "organization":
                values = [(p["organization"]["name"], p["organization"]["title"])]
            elif name == "tags":
                values = [(t["name"], t["display_name"]) for t in p["tags"]]
            elif name == "res_format":
                values = [(r["format"], r["format"]) for r in p["resources"] if r["format"]]
            else:
                raise search_query_error(f"facet.field={name}")
            for value, title in values:
                counts[value] = counts.get(value, 0) + 1
                titles[value] = title
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if limit >= 0:
            ranked = ranked[:limit]
        facets[name] = dict(ranked)
        search_facets[name] = {
            "title": name,
            "items": [{"name": v, "display_name": titles[v], "count": c} for v, c in ranked],
        }
    return facets, search_facets


ORG_SORTS = {"name", "title", "package_count"}


def organization_list(cat: Catalogue, params: dict) -> list:
    """Return the departments (organizations) that provide datasets of the open catalogue.

    :param sort: ``name``, ``title`` or ``package_count``, then ``asc`` or ``desc``
        (default ``title asc``)
    :param limit: at most this many (optional)
    :param offset: the first to return
    :param organizations: a list of names to return only those
    :param all_fields: return dictionaries instead of names (default false)
    :param include_dataset_count: with all_fields, include ``package_count`` (default true)"""
    sort = _string(params, "sort").strip() or "title asc"
    bits = sort.split()
    if not bits or bits[0] not in ORG_SORTS or (len(bits) > 1 and bits[1].lower() not in ("asc", "desc")):
        raise validation_error({"sort": "Cannot sort by field `%s`" % (bits[0] if bits else "")})
    descending = len(bits) > 1 and bits[1].lower() == "desc"
    limit = _natural(params, "limit", None)
    offset = _natural(params, "offset", 0) or 0
    wanted = _string_list(params, "organizations")
    all_fields = _bool(params, "all_fields", False)
    include_count = _bool(params, "include_dataset_count", True)
    orgs = list(cat.orgs.values())
    if wanted is not None:
        orgs = [o for o in orgs if o.name in wanted]
    if bits[0] == "package_count":
        orgs.sort(key=lambda o: (len(o.entries), o.name), reverse=descending)
    else:
        orgs.sort(key=lambda o: getattr(o, bits[0]), reverse=descending)
    orgs = orgs[offset : offset + limit] if limit is not None else orgs[offset:]
    if not all_fields:
        return [o.name for o in orgs]
    return [organization_dict(o, include_count=include_count) for o in orgs]


def organization_show(cat: Catalogue, params: dict) -> dict:
    """Return the details of a department (organization) of the open catalogue.

    :param id: the id or name of the organization (the credit code is accepted too)
    :param include_datasets: include up to 1000 of its datasets as ``packages`` (default false)"""
    org = cat.find_org(_required(params, "id"))
    body = organization_dict(org)
    body.update({"users": [], "groups": [], "tags": [], "extras": []})
    if _bool(params, "include_datasets", False):
        body["packages"] = [cat.package(e) for e in org.entries[:1000]]
    return body


def status_show(cat: Catalogue, params: dict) -> dict:
    """Return the site's title, description, address and the CKAN action API version answered."""
    return {
        "site_title": "一体化在线政务服务平台 政务信息资源目录",
        "site_description": "政务信息资源目录中向社会开放和有条件开放的部分（只读）",
        "site_url": cat.iris.base,
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "zh_Hans_CN",
        "extensions": [],
    }


def help_show(cat: Catalogue, params: dict) -> str:
    """Return the help string of an action.

    :param name: the action's name"""
    name = _required(params, "name")
    if name not in ACTIONS:
        raise not_found()
    return (ACTIONS[name].__doc__ or "").strip()


ACTIONS = {
    f.__name__: f
    for f in (
        package_list,
        package_show,
        package_search,
        organization_list,
        organization_show,
        status_show,
        help_show,
    )
}


def call(action: str, params: dict, *, base_url: str):
    """Run one action; raises CkanError as CKAN's controller would answer it."""
    function = ACTIONS.get(action)
    if function is None:
        raise bad_request(f"Action name not known: {action}")
    return function(Catalogue(base_url), params)
