"""DCAT-AP 3 in RDF: the open part of the catalogue (`opencatalogue`) as one dcat:Catalog.

`catalog_graph(base_url)` builds an rdflib Graph; `serialize(graph, "turtle" | "json-ld")` writes
it. The mapping (catalogue field → DCAT-AP property) is the table in docs/exchange.md; the
project's SHACL shapes for DCAT-AP 3's mandatory properties are in shapes/.

IRIs are minted under the platform's own address (`base_url`), stable across versions (they
name the resource code, never a row id): <base>/exchange/catalog, …/datasets/<code>,
…/datasets/<code>/distribution, …/services/<code>, …/agents/<credit code>.
Controlled values come from the EU authority tables DCAT-AP names (frequency, file type,
access right, data theme, language) and IANA media types.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDFS, SKOS

from .enums import BaseRegister, MountKind, UpdateFrequency
from .opencatalogue import OpenEntry, open_entries

# DCAT 3 (rdflib's closed DCAT namespace is DCAT 2's: it lacks dcat:version).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS_PUBLISHER = Namespace("http://purl.org/adms/publishertype/")
EU = "http://publications.europa.eu/resource/authority/"
FREQUENCY = Namespace(EU + "frequency/")
FILE_TYPE = Namespace(EU + "file-type/")
ACCESS_RIGHT = Namespace(EU + "access-right/")
DATA_THEME = Namespace(EU + "data-theme/")
LANGUAGE = Namespace(EU + "language/")
IANA = "https://www.iana.org/assignments/media-types/"

# 更新周期 → the EU frequency vocabulary (dct:accrualPeriodicity).
FREQUENCIES = {
    UpdateFrequency.REALTIME: "UPDATE_CONT",
    UpdateFrequency.DAILY: "DAILY",
    UpdateFrequency.WEEKLY: "WEEKLY",
    UpdateFrequency.MONTHLY: "MONTHLY",
    UpdateFrequency.QUARTERLY: "QUARTERLY",
    UpdateFrequency.HALF_YEARLY: "ANNUAL_2",
    UpdateFrequency.YEARLY: "ANNUAL",
    UpdateFrequency.IRREGULAR: "IRREG",
}

# 基础库 → the EU data-theme vocabulary (dcat:theme); any other entry: GOVE (government).
THEMES = {
    BaseRegister.POPULATION: "SOCI",
    BaseRegister.LEGAL_PERSON: "ECON",
    BaseRegister.LICENCE: "GOVE",
    BaseRegister.CREDIT: "ECON",
    BaseRegister.GEOSPATIAL: "REGI",
    BaseRegister.ECONOMY: "ECON",
}

# Media type → the EU file-type vocabulary (dct:format).
FILE_TYPES = {
    "application/json": "JSON",
    "application/ld+json": "JSON_LD",
    "application/geo+json": "GEOJSON",
    "text/csv": "CSV",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.ms-excel": "XLS",
    "application/pdf": "PDF",
    "application/zip": "ZIP",
    "application/xml": "XML",
    "text/xml": "XML",
    "application/vnd.google-earth.kml+xml": "KML",
    "image/tiff": "TIFF",
    "text/turtle": "RDF_TURTLE",
}

# The publisher type of a department by the level of its region (ADMS publisher types).
PUBLISHER_TYPES = {1: "RegionalAuthority", 2: "LocalAuthority", 3: "LocalAuthority"}

CATALOG_TITLE = {
    "zh": "政务信息资源目录（向社会开放部分）",
    "en": "Government information resource catalogue (open part)",
}
CATALOG_DESCRIPTION = {
    "zh": "一体化在线政务服务平台政务信息资源目录中向社会开放和有条件开放的信息资源。"
    "数据服务接口须经共享申请授权后调用。",
    "en": "The resources of the integrated online government-services platform's information resource "
    "catalogue that are open, or open on conditions, to the public. Data services are called "
    "only under a grant given on a share request.",
}
PLATFORM_NAME = {"zh": "一体化在线政务服务平台", "en": "Integrated online government-services platform"}
SERVICE_RIGHTS = {
    "zh": "调用须经共享申请授权，使用客户端凭证令牌（OAuth 2.0 client credentials）。",
    "en": "Calls need a grant given on a share request, with an OAuth 2.0 client-credentials token.",
}


class Iris:
    """The IRIs this export mints, under one base address."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")

    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}/exchange/catalog")

    def dataset(self, code: str) -> URIRef:
        return URIRef(f"{self.base}/exchange/catalog/datasets/{code}")

    def distribution(self, code: str) -> URIRef:
        return URIRef(f"{self.base}/exchange/catalog/datasets/{code}/distribution")

    def service(self, code: str) -> URIRef:
        return URIRef(f"{self.base}/exchange/catalog/services/{code}")

    def agent(self, credit_code: str) -> URIRef:
        return URIRef(f"{self.base}/exchange/catalog/agents/{credit_code}")

    def platform(self) -> URIRef:
        return URIRef(f"{self.base}/exchange/catalog/agents/platform")

    def endpoint(self, code: str) -> str:
        """The gateway's query endpoint of a data service (POST, a client-credentials token)."""
        return f"{self.base}/exchange/v1/services/{code}/query"

    def landing_page(self, code: str) -> str | None:
        """The public catalogue page of an entry, when the platform serves one."""
        try:
            return self.base + reverse("exchange:catalogue-entry", kwargs={"code": code})
        except NoReverseMatch:
            return None

    def package_show(self, code: str) -> str:
        return f"{self.base}/api/3/action/package_show?id={package_name(code)}"

    def access_url(self, entry: OpenEntry) -> str:
        """Where a distribution is reached: the gateway endpoint for a data service; for a file
        or a table, the entry's landing page (or, without one, its CKAN description)."""
        if entry.mount is not None and entry.mount.kind == MountKind.SERVICE:
            return self.endpoint(entry.code)
        return self.landing_page(entry.code) or self.package_show(entry.code)


def package_name(code: str) -> str:
    """The CKAN package name of a resource code (lower case; CKAN names allow [a-z0-9_-])."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in code.lower())


def media_type(entry: OpenEntry) -> str:
    if entry.mount is None:
        return ""
    if entry.mount.kind == MountKind.SERVICE:
        return "application/json"
    return entry.mount.media_type


def file_type(mime: str) -> str | None:
    return FILE_TYPES.get(mime.split(";")[0].strip().lower()) if mime else None


def _text(graph: Graph, subject, predicate, values: dict[str, str]) -> None:
    for lang, value in values.items():
        if value and value.strip():
            graph.add((subject, predicate, Literal(value.strip(), lang=lang)))


def _stamp(value: datetime | None) -> Literal | None:
    if value is None:
        return None
    return Literal(timezone.localtime(value).replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _phone_uri(phone: str) -> URIRef | None:
    digits = "".join(c for c in phone if c.isdigit() or c == "-").strip("-")
    if not digits:
        return None
    if digits.startswith("0"):
        digits = "86-" + digits[1:]
    return URIRef(f"tel:+{digits}")


def new_graph() -> Graph:
    graph = Graph()
    for prefix, ns in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("skos", SKOS),
        ("xsd", XSD),
        ("rdfs", RDFS),
    ):
        graph.bind(prefix, ns)
    return graph


def catalog_graph(base_url: str, entries: list[OpenEntry] | None = None) -> Graph:
    """The dcat:Catalog of the open part, its datasets, distributions, data services and agents."""
    iris = Iris(base_url)
    entries = open_entries() if entries is None else entries
    graph = new_graph()
    catalog = iris.catalog()
    graph.add((catalog, RDF.type, DCAT.Catalog))
    _text(graph, catalog, DCTERMS.title, CATALOG_TITLE)
    _text(graph, catalog, DCTERMS.description, CATALOG_DESCRIPTION)
    graph.add((catalog, DCTERMS.language, LANGUAGE.ZHO))
    graph.add((LANGUAGE.ZHO, RDF.type, DCTERMS.LinguisticSystem))
    graph.add((catalog, FOAF.homepage, URIRef(iris.base + "/")))
    platform = iris.platform()
    graph.add((platform, RDF.type, FOAF.Agent))
    _text(graph, platform, FOAF.name, PLATFORM_NAME)
    graph.add((catalog, DCTERMS.publisher, platform))
    modified = [e.modified for e in entries if e.modified is not None]
    if modified:
        graph.add((catalog, DCTERMS.modified, _stamp(max(modified))))
    agents: set[int] = set()
    for entry in entries:
        dataset = _add_dataset(graph, iris, entry)
        graph.add((catalog, DCAT.dataset, dataset))
        if entry.mount is not None and entry.mount.kind == MountKind.SERVICE:
            graph.add((catalog, DCAT.service, iris.service(entry.code)))
        if entry.provider.pk not in agents:
            agents.add(entry.provider.pk)
            _add_agent(graph, iris, entry.provider)
    return graph


def _add_agent(graph: Graph, iris: Iris, department) -> URIRef:
    agent = iris.agent(department.credit_code)
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, RDF.type, FOAF.Organization))
    _text(graph, agent, FOAF.name, {"zh": department.name})
    graph.add((agent, DCTERMS.identifier, Literal(department.credit_code)))
    kind = PUBLISHER_TYPES.get(department.region.level)
    if kind:
        graph.add((agent, DCTERMS.type, ADMS_PUBLISHER[kind]))
    return agent


def _add_contact(graph: Graph, dataset: URIRef, department) -> None:
    contact = BNode()
    graph.add((dataset, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(department.name, lang="zh")))
    phone = _phone_uri(department.phone or "")
    if phone is not None:
        graph.add((contact, VCARD.hasTelephone, phone))
    if department.address:
        address = BNode()
        graph.add((contact, VCARD.hasAddress, address))
        graph.add((address, RDF.type, VCARD.Address))
        graph.add((address, VCARD["street-address"], Literal(department.address, lang="zh")))


def _add_dataset(graph: Graph, iris: Iris, entry: OpenEntry) -> URIRef:
    r = entry.resource
    dataset = iris.dataset(r.code)
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.identifier, Literal(r.code)))
    # English where the entry has it (the catalogue keeps Chinese only for now).
    _text(graph, dataset, DCTERMS.title, {"zh": r.name, "en": getattr(r, "name_en", "")})
    _text(graph, dataset, DCTERMS.description, {"zh": r.summary, "en": getattr(r, "summary_en", "")})
    graph.add((dataset, DCTERMS.publisher, iris.agent(r.provider.credit_code)))
    _add_contact(graph, dataset, r.provider)
    theme = DATA_THEME[THEMES.get(r.base_register, "GOVE")]
    graph.add((dataset, DCAT.theme, theme))
    graph.add((theme, RDF.type, SKOS.Concept))
    for keyword in [*(r.keywords or []), r.subject]:
        if isinstance(keyword, str) and keyword.strip():
            graph.add((dataset, DCAT.keyword, Literal(keyword.strip(), lang="zh")))
    frequency = FREQUENCY[FREQUENCIES.get(r.update_frequency, "UNKNOWN")]
    graph.add((dataset, DCTERMS.accrualPeriodicity, frequency))
    graph.add((frequency, RDF.type, DCTERMS.Frequency))
    rights = ACCESS_RIGHT.RESTRICTED if entry.restricted else ACCESS_RIGHT.PUBLIC
    graph.add((dataset, DCTERMS.accessRights, rights))
    graph.add((rights, RDF.type, DCTERMS.RightsStatement))
    graph.add((dataset, DCTERMS.language, LANGUAGE.ZHO))
    graph.add((dataset, DCAT.version, Literal(str(r.version))))
    for predicate, value in ((DCTERMS.issued, entry.issued), (DCTERMS.modified, entry.modified)):
        if value is not None:
            graph.add((dataset, predicate, _stamp(value)))
    landing = iris.landing_page(r.code)
    if landing:
        graph.add((dataset, DCAT.landingPage, URIRef(landing)))
    if entry.mount is not None:
        _add_distribution(graph, iris, entry, dataset)
    return dataset


def _add_distribution(graph: Graph, iris: Iris, entry: OpenEntry, dataset: URIRef) -> None:
    r, mount = entry.resource, entry.mount
    distribution = iris.distribution(r.code)
    graph.add((dataset, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCAT.accessURL, URIRef(iris.access_url(entry))))
    _text(graph, distribution, DCTERMS.title, {"zh": f"{r.name}（{mount.get_kind_display()}）"})
    mime = media_type(entry)
    if mime:
        graph.add((distribution, DCAT.mediaType, URIRef(IANA + mime)))
        graph.add((URIRef(IANA + mime), RDF.type, DCTERMS.MediaType))
    kind = file_type(mime)
    if kind:
        graph.add((distribution, DCTERMS.format, FILE_TYPE[kind]))
        graph.add((FILE_TYPE[kind], RDF.type, DCTERMS.MediaTypeOrExtent))
    if mount.byte_size is not None:
        graph.add((distribution, DCAT.byteSize, Literal(mount.byte_size, datatype=XSD.nonNegativeInteger)))
    updated = mount.last_updated_at or mount.mounted_at
    graph.add((distribution, DCTERMS.modified, _stamp(updated)))
    if entry.restricted and r.open_condition.strip():
        statement = BNode()
        graph.add((distribution, DCTERMS.rights, statement))
        graph.add((statement, RDF.type, DCTERMS.RightsStatement))
        graph.add((statement, RDFS.label, Literal(r.open_condition.strip(), lang="zh")))
    if mount.kind == MountKind.SERVICE:
        service = iris.service(r.code)
        graph.add((distribution, DCAT.accessService, service))
        graph.add((service, RDF.type, DCAT.DataService))
        _text(graph, service, DCTERMS.title, {"zh": f"{r.name}数据服务接口"})
        graph.add((service, DCAT.endpointURL, URIRef(iris.endpoint(r.code))))
        graph.add((service, DCAT.servesDataset, dataset))
        graph.add((service, DCTERMS.publisher, iris.agent(r.provider.credit_code)))
        graph.add((service, DCTERMS.accessRights, ACCESS_RIGHT.RESTRICTED))
        graph.add((ACCESS_RIGHT.RESTRICTED, RDF.type, DCTERMS.RightsStatement))
        _text(graph, service, DCTERMS.description, SERVICE_RIGHTS)


# A compact JSON-LD context: the prefixes the graph binds.
JSONLD_CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "xsd": str(XSD),
    "rdfs": str(RDFS),
}


def serialize(graph: Graph, fmt: str) -> str:
    if fmt == "json-ld":
        return graph.serialize(format="json-ld", context=JSONLD_CONTEXT, indent=2, ensure_ascii=False)
    return graph.serialize(format="turtle")
