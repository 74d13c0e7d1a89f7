"""DCAT-AP 3 export: /exchange/catalog.ttl and /exchange/catalog.jsonld, read back from HTTP as
RDF and validated with pyshacl against the project's shapes for DCAT-AP 3's mandatory
properties (tongban/exchange/shapes/dcat-ap-3-mandatory.ttl)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import namespace as ns

from .. import dcat
from . import export_world

# Namespaces as locals of this module's functions' reach, not module attributes pytest inspects.
RDF, DCTERMS, FOAF, SH = ns.RDF, ns.DCTERMS, ns.FOAF, ns.SH
DATETIME, NON_NEGATIVE = ns.XSD.dateTime, ns.XSD.nonNegativeInteger
DCAT = dcat.DCAT
SHAPES = Path(dcat.__file__).parent / "shapes" / "dcat-ap-3-mandatory.ttl"
BASE = "http://testserver"
CATALOG = URIRef(BASE + "/exchange/catalog")


def dataset(code):
    return URIRef(f"{BASE}/exchange/catalog/datasets/{code}")


def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def check(graph: Graph):
    conforms, results, text = validate(graph, shacl_graph=shapes(), inference="none", abort_on_first=False)
    return conforms, results, text


@pytest.fixture
def world(db):
    return export_world.build()


def fetch(client, path: str, fmt: str) -> Graph:
    response = client.get(path)
    assert response.status_code == 200
    return Graph().parse(data=response.content.decode("utf-8"), format=fmt, publicID=BASE + path)


def test_turtle_and_jsonld_pass_the_shapes_and_say_the_same(client, world):
    turtle = client.get("/exchange/catalog.ttl")
    assert turtle["Content-Type"] == "text/turtle; charset=utf-8"
    assert turtle["Access-Control-Allow-Origin"] == "*"
    jsonld = client.get("/exchange/catalog.jsonld")
    assert jsonld["Content-Type"] == "application/ld+json; charset=utf-8"
    g_ttl = fetch(client, "/exchange/catalog.ttl", "turtle")
    g_json = fetch(client, "/exchange/catalog.jsonld", "json-ld")
    for graph in (g_ttl, g_json):
        conforms, _, text = check(graph)
        assert conforms, text
    # Same triples either way (blank nodes aside: compare the IRI-only statements and the count).
    assert len(g_ttl) == len(g_json)

    def named(graph):
        return {t for t in graph if not any(isinstance(x, BNode) for x in t)}

    assert named(g_json) == named(g_ttl)


def test_only_the_open_part_is_exported(client, world):
    g = fetch(client, "/exchange/catalog.ttl", "turtle")
    datasets = set(g.objects(CATALOG, DCAT.dataset))
    assert datasets == {dataset("FR-001"), dataset("HG-001"), dataset("JT-001"), dataset("KJ-001")}
    text = client.get("/exchange/catalog.ttl").content.decode()
    for hidden in ("RK-001", "人口基本信息", "XY-009", "ZZ-009", "法人单位基本信息（旧）"):
        assert hidden not in text


def test_catalog_and_dataset_properties(client, world):
    g = fetch(client, "/exchange/catalog.ttl", "turtle")
    assert (CATALOG, RDF.type, DCAT.Catalog) in g
    assert set(g.objects(CATALOG, DCTERMS.title)) == {
        Literal("政务信息资源目录（向社会开放部分）", lang="zh"),
        Literal("Government information resource catalogue (open part)", lang="en"),
    }
    publisher = g.value(CATALOG, DCTERMS.publisher)
    assert g.value(publisher, FOAF.name) is not None
    fr = dataset("FR-001")
    assert g.value(fr, DCTERMS.identifier) == Literal("FR-001")
    assert g.value(fr, DCTERMS.title) == Literal("法人单位基本信息", lang="zh")
    assert g.value(fr, DCTERMS.description) == Literal(
        "市场主体的名称、类型、法定代表人、住所和登记状态。", lang="zh"
    )
    assert set(g.objects(fr, DCAT.keyword)) == {
        Literal("法人", lang="zh"),
        Literal("企业登记", lang="zh"),
        Literal("市场监管", lang="zh"),
    }
    assert g.value(fr, DCAT.theme) == URIRef(
        "http://publications.europa.eu/resource/authority/data-theme/ECON"
    )
    assert g.value(fr, DCTERMS.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/DAILY"
    )
    assert g.value(fr, DCTERMS.accessRights) == URIRef(
        "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
    )
    assert g.value(fr, DCAT.version) == Literal("2")
    # issued: the first version's publication; modified: the data's last update (later than v2).
    assert g.value(fr, DCTERMS.issued) == Literal("2026-03-02T09:30:00+08:00", datatype=DATETIME)
    assert g.value(fr, DCTERMS.modified) == Literal("2026-11-30T18:00:00+08:00", datatype=DATETIME)
    # The publisher: one foaf:Agent per department, with its credit code.
    agent = g.value(fr, DCTERMS.publisher)
    assert agent == URIRef(f"{BASE}/exchange/catalog/agents/{world['market'].credit_code}")
    assert g.value(agent, FOAF.name) == Literal("武汉市市场监督管理局", lang="zh")
    assert g.value(agent, DCTERMS.identifier) == Literal(world["market"].credit_code)
    assert g.value(agent, DCTERMS.type) == URIRef("http://purl.org/adms/publishertype/LocalAuthority")
    assert g.value(dataset("KJ-001"), DCTERMS.publisher) == URIRef(
        f"{BASE}/exchange/catalog/agents/{world['stats'].credit_code}"
    )
    # Contact point: the department's name and telephone.
    contact = g.value(fr, DCAT.contactPoint)
    vcard = dcat.VCARD
    assert g.value(contact, vcard.fn) == Literal("武汉市市场监督管理局", lang="zh")
    assert g.value(contact, vcard.hasTelephone) == URIRef("tel:+86-27-85771234")


def test_service_mount_is_a_distribution_with_a_data_service(client, world):
    g = fetch(client, "/exchange/catalog.ttl", "turtle")
    distribution = g.value(dataset("FR-001"), DCAT.distribution)
    endpoint = URIRef(BASE + "/exchange/v1/services/FR-001/query")
    assert g.value(distribution, DCAT.accessURL) == endpoint
    assert g.value(distribution, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/application/json"
    )
    assert g.value(distribution, DCTERMS.format) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/JSON"
    )
    service = g.value(distribution, DCAT.accessService)
    assert (service, RDF.type, DCAT.DataService) in g
    assert g.value(service, DCAT.endpointURL) == endpoint
    assert g.value(service, DCAT.servesDataset) == dataset("FR-001")
    assert g.value(service, DCTERMS.title) == Literal("法人单位基本信息数据服务接口", lang="zh")
    assert (CATALOG, DCAT.service, service) in g


def test_file_mounts_and_the_conditionally_open_entry(client, world):
    g = fetch(client, "/exchange/catalog.ttl", "turtle")
    kj = g.value(dataset("KJ-001"), DCAT.distribution)
    assert g.value(kj, DCTERMS.format) == URIRef(
        "http://publications.europa.eu/resource/authority/file-type/GEOJSON"
    )
    assert g.value(kj, DCAT.byteSize) == Literal(123456, datatype=NON_NEGATIVE)
    assert g.value(kj, DCAT.accessService) is None
    # No public page of an entry is served yet: the access URL is its CKAN description.
    assert g.value(kj, DCAT.accessURL) == URIRef(BASE + "/api/3/action/package_show?id=kj-001")
    assert g.value(dataset("KJ-001"), DCTERMS.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/ANNUAL"
    )
    hg = dataset("HG-001")
    assert g.value(hg, DCTERMS.accessRights) == URIRef(
        "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
    )
    rights = g.value(g.value(hg, DCAT.distribution), DCTERMS.rights)
    assert (
        str(g.value(rights, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
        == "经申请并签署数据使用协议后向科研机构开放"
    )
    # An unmounted entry is listed without a distribution.
    assert g.value(dataset("JT-001"), DCAT.distribution) is None


def test_an_empty_catalogue_still_conforms(client, db):
    g = fetch(client, "/exchange/catalog.jsonld", "json-ld")
    assert list(g.objects(CATALOG, DCAT.dataset)) == []
    conforms, _, text = check(g)
    assert conforms, text


def test_a_dataset_missing_its_description_fails_the_shapes(world):
    graph = dcat.catalog_graph(BASE)
    assert check(graph)[0]
    graph.remove((dataset("KJ-001"), DCTERMS.description, None))
    conforms, results, _ = check(graph)
    assert not conforms
    violations = [
        (results.value(r, SH.focusNode), results.value(r, SH.resultPath))
        for r in results.subjects(RDF.type, SH.ValidationResult)
    ]
    assert violations == [(dataset("KJ-001"), DCTERMS.description)]


def test_an_entry_with_a_blank_summary_is_exported_without_one_and_fails(world):
    from ..models import Resource

    Resource.objects.filter(code="JT-001", is_current=True).update(summary="  ")
    conforms, results, _ = check(dcat.catalog_graph(BASE))
    assert not conforms
    assert {results.value(r, SH.focusNode) for r in results.subjects(RDF.type, SH.ValidationResult)} == {
        dataset("JT-001")
    }


def test_the_shapes_catch_each_mandatory_property(world):
    """Removing any one mandatory property of any class makes the export fail on that node."""
    base = dcat.catalog_graph(BASE)
    fr_distribution = base.value(dataset("FR-001"), DCAT.distribution)
    service = base.value(fr_distribution, DCAT.accessService)
    agent = base.value(dataset("FR-001"), DCTERMS.publisher)
    cases = [
        (CATALOG, DCTERMS.title),
        (CATALOG, DCTERMS.description),
        (CATALOG, DCTERMS.publisher),
        (dataset("FR-001"), DCTERMS.title),
        (fr_distribution, DCAT.accessURL),
        (service, DCAT.endpointURL),
        (service, DCTERMS.title),
        (agent, FOAF.name),
    ]
    for node, path in cases:
        graph = Graph()
        for triple in base:
            graph.add(triple)
        graph.remove((node, path, None))
        conforms, results, _ = check(graph)
        assert not conforms, (node, path)
        focus = {
            (results.value(r, SH.focusNode), results.value(r, SH.resultPath))
            for r in results.subjects(RDF.type, SH.ValidationResult)
        }
        assert focus == {(node, path)}, (node, path, focus)


def test_the_export_reads_the_catalogue_in_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        assert client.get("/exchange/catalog.ttl").status_code == 200


def test_post_is_refused(client, world):
    assert client.post("/exchange/catalog.ttl").status_code == 405
