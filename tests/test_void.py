"""The VoID/DCAT description at /.well-known/void, the links to it, and the ontology's documentation page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

from aims_graph import resources
from aims_graph.api.app import create_app
from aims_graph.config import Settings

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
BASE = "http://testserver/"
DATASET = URIRef(BASE + ".well-known/void#dataset")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = Settings(data=[resources.example_file(resources.GAPS_EXAMPLE)], workers=1)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def void_graph(client: TestClient, accept: str = "text/turtle", fmt: str = "turtle") -> Graph:
    response = client.get("/.well-known/void", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    return Graph().parse(data=response.content, format=fmt)


def test_void_describes_graphs_endpoint_vocabularies_licence(client: TestClient) -> None:
    graph = void_graph(client)
    assert (DATASET, RDF.type, VOID.Dataset) in graph and (DATASET, RDF.type, DCAT.Dataset) in graph
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE + "sparql")
    assert graph.value(DATASET, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    vocabularies = set(graph.objects(DATASET, VOID.vocabulary))
    assert {URIRef("https://w3id.org/aims-graph/ontology#"), URIRef("https://w3id.org/airo#")} <= vocabularies
    listed = {g["graph"]: g["triples"] for g in client.get("/graphs").json()}
    subsets = {s: graph.value(s, VOID.triples) for s in graph.objects(DATASET, VOID.subset)}
    for name, triples in listed.items():
        assert subsets[URIRef(name)] == Literal(triples)
    assert graph.value(DATASET, VOID.triples).toPython() == sum(listed.values())


def test_void_lists_the_crosswalk_sets_as_linksets(client: TestClient) -> None:
    graph = void_graph(client, "application/ld+json", "json-ld")
    linksets = set(graph.subjects(RDF.type, VOID.Linkset))
    assert URIRef("https://w3id.org/aims-graph/crosswalk/iso42001-crosswalks") in linksets
    linkset = next(iter(linksets))
    assert URIRef("http://www.w3.org/2004/02/skos/core#closeMatch") in set(graph.objects(linkset, VOID.linkPredicate))


def test_void_is_linked_from_service_description_and_home(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.content, format="turtle")
    assert (None, RDFS.seeAlso, URIRef(BASE + ".well-known/void")) in graph
    assert client.get("/", headers={"Accept": "application/json"}).json()["void"] == "/.well-known/void"
    home = client.get("/", headers={"Accept": "text/html"}).text
    assert 'href="/.well-known/void"' in home and 'href="/ontology"' in home


def test_ontology_page_for_browsers_rdf_for_the_rest(client: TestClient) -> None:
    response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    ontology = Graph().parse(resources.ontology_file())
    aims = Namespace("https://w3id.org/aims-graph/ontology#")
    comment = str(ontology.value(aims.StatementOfApplicability, RDFS.comment))
    assert "StatementOfApplicability" in page and comment.split(".")[0][:60] in page
    assert "airo:AISystem" in page and "dpv:" in page and "prov:" in page  # alignments are shown
    assert "<script" not in page  # nothing fetched from elsewhere
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=turtle.content, format="turtle")) > 50
