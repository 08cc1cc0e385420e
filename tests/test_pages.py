"""The HTML pages in-process: labels instead of IRIs, status values in words, one heading, everything escaped."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from jinja2 import UndefinedError
from servers import oxigraph_serve

from aims_graph import resources
from aims_graph.api import create_app, pages
from aims_graph.api.pages import _environment, render
from aims_graph.config import Settings
from aims_graph.queries import bind_params, get_query
from aims_graph.store import SparqlEndpointStore, ensure_reference_graphs

NW = "https://example.org/northwind/"
AIMS = "https://w3id.org/aims-graph/ontology#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
OWL_NAMED_INDIVIDUAL = "http://www.w3.org/2002/07/owl#NamedIndividual"
HTML = {"Accept": "text/html"}


class PageText(HTMLParser):
    """What a reader sees: the text outside tags (no style sheet), the headings, and each table by heading."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.h1: list[str] = []
        self.paragraphs: list[str] = []
        self.sections: dict[str, list[list[str]]] = {}
        self._open: list[str] = []
        self._heading = ""
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append(tag)
        if tag in ("h1", "h2"):
            self._heading = ""
        elif tag == "p":
            self.paragraphs.append("")
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop() != tag:
            pass
        if tag == "h1":
            self.h1.append(self._heading)
        elif tag == "h2":
            self.sections.setdefault(self._heading, [])
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self.sections:
                self.sections[list(self.sections)[-1]].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if "style" in self._open:
            return
        self.text.append(data)
        if {"h1", "h2"} & set(self._open):
            self._heading += data
        if self._cell is not None:
            self._cell.append(data)
        if "p" in self._open:
            self.paragraphs[-1] += data


def read(html: str) -> PageText:
    page = PageText()
    page.feed(html)
    return page


def column(table: list[list[str]], name: str) -> list[str]:
    index = table[0].index(name)
    return [row[index] for row in table[1:]]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(workers=1))) as running:
        yield running


def page(client: TestClient, path: str) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, (path, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_control_page_names_its_risks_and_systems(client: TestClient) -> None:
    seen = read(page(client, "/iso42001/A-6-2-4"))
    risks = seen.sections["Risks this control covers"]
    assert column(risks, "Risk")[0] == "Letter assistant adds clinical details that were never said"
    assert "Emergency department triage classifier" in column(risks, "System")
    assert set(column(risks, "Decision")) == {"Modify"}
    visible = "".join(seen.text)
    assert NW not in visible, "no data IRI is shown where the graph has a label"
    assert "aims:Modify" not in visible


def test_status_values_read_as_words(client: TestClient) -> None:
    controls = read(page(client, f"/resource?iri={NW}risk-10")).sections["Controls that cover this risk"]
    assert set(column(controls, "Status")) == {"In progress"}
    controls = read(page(client, f"/resource?iri={NW}risk-07")).sections["Controls that cover this risk"]
    assert set(column(controls, "Status")) == {"Implemented"}
    properties = dict(read(page(client, f"/resource?iri={NW}soa-A-5-5")).sections["Properties"])
    assert properties["Implementation status"] == "In progress"
    assert properties["Applicable"] == "yes"


def test_one_heading_shown_once(client: TestClient) -> None:
    for path in (
        "/iso42001/A-6-2-4",
        f"/resource?iri={NW}sys-letters",
        "/iso42001/6-1-3",
        "/resource?iri=https://w3id.org/aims-graph/ontology",
    ):
        seen = read(page(client, path))
        assert len(seen.h1) == 1, path
        heading = seen.h1[0]
        words = heading.split()
        assert words[: len(words) // 2] != words[len(words) // 2 :], heading
        # Neither the heading's label nor the paragraph texts come back as a property row.
        values = [value for row in seen.sections["Properties"] for value in row[1:]]
        assert heading not in values, path
        assert seen.paragraphs[2:] and not set(seen.paragraphs) & set(values), path
    seen = read(page(client, "/iso42001/A-6-2-4"))
    assert seen.h1 == ["A.6.2.4 AI system verification and validation"]


STATUS_DATA = """
@prefix aims: <https://w3id.org/aims-graph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/t/> .
ex:sys a aims:AISystem ; rdfs:label "<script>alert('x')</script> scorer"@en ;
    rdfs:comment "Tom & Jerry's <b>model</b>" .
ex:OnHold a aims:ImplementationStatus ; rdfs:label "On hold (our own status)"@en .
ex:entry a aims:ApplicabilityEntry ; aims:implementationStatus ex:OnHold .
ex:risk a aims:Risk ; rdfs:label "A risk" ; aims:affectsSystem ex:sys .
"""


@pytest.fixture(scope="module")
def odd_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data = tmp_path_factory.mktemp("pages") / "odd.ttl"
    data.write_text(STATUS_DATA, encoding="utf-8")
    with TestClient(create_app(Settings(workers=1, data=[data]))) as running:
        yield running


def test_labels_are_escaped(odd_client: TestClient) -> None:
    for path in ("/", "/resource?iri=https://example.org/t/sys", "/resource?iri=https://example.org/t/risk"):
        html = page(odd_client, path)
        assert "<script" not in html.lower() and "<b>" not in html, path
        assert "&lt;script&gt;alert(" in html, path
    seen = read(page(odd_client, "/resource?iri=https://example.org/t/sys"))
    assert seen.h1 == ["<script>alert('x')</script> scorer"]
    assert "Tom & Jerry's <b>model</b>" in "".join(seen.text)


def test_status_names_come_from_the_graph(odd_client: TestClient) -> None:
    properties = dict(read(page(odd_client, "/resource?iri=https://example.org/t/entry")).sections["Properties"])
    assert properties["Implementation status"] == "On hold (our own status)"


def test_a_resource_without_a_label_gets_a_short_name(odd_client: TestClient) -> None:
    seen = read(page(odd_client, "/resource?iri=https://example.org/t/entry"))
    assert seen.h1 == ["entry"]


PAGES = [
    "/",
    "/queries",
    "/queries/risks-for-control",
    "/queries/risks-for-control?control=A.6.2.4",
    "/search",
    "/search?q=triage",
    "/sparql",
    "/docs",
    "/resource?iri=https://w3id.org/aims-graph/ontology",  # /ontology itself is ontospy's page (test_void)
    "/iso42001/A-6-2-4",
    "/iso42001/6-1-3",
    "/iso42001/C-3-4",
    f"/resource?iri={NW}risk-07",
    f"/resource?iri={NW}sys-triage",
    f"/resource?iri={NW}party-patients",
    f"/resource?iri={NW}ev-triage-validation",
    "/resource?iri=http://data.europa.eu/eli/reg/2024/1689/art_9",
    "/resource?iri=https://w3id.org/aims-graph/ontology%23InProgress",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_completely(client: TestClient, path: str) -> None:
    html = page(client, path)
    assert not re.search(r"\{\{|\{%|\{#", html), "a template expression was left unrendered"
    assert html.count("<main>") == 1 and html.rstrip().endswith("</html>")
    lowered = html.lower()
    assert "<script" not in lowered and "http://" not in lowered.split("<main>")[0], "no external assets"
    assert len(read(html).h1) == 1


def test_templates_escape_and_refuse_missing_values() -> None:
    html = render("query_list.html", title="<t>", queries=[])
    assert "<title>&lt;t&gt; · aims-graph</title>" in html
    with pytest.raises(UndefinedError, match="queries"):
        render("query_list.html", title="x")


def test_templates_load_by_package_name() -> None:
    """Found through the package (as in an installed wheel), not through a path relative to a checkout."""
    names = set(_environment().list_templates())
    assert {"layout.html", "_macros.html", "resource.html", "home.html", "query.html", "api_docs.html"} <= names


@pytest.fixture(scope="module")
def remote_client() -> Iterator[TestClient]:
    """The same pages over a real `oxigraph serve`: label look-ups go through the VALUES binding."""
    with oxigraph_serve() as server:
        ensure_reference_graphs(SparqlEndpointStore(server.query, server.update, server.store))
        settings = Settings(
            endpoint=server.query,
            update_endpoint=server.update,
            graph_store_endpoint=server.store,
            data=[resources.example_file(resources.CONFORMANT_EXAMPLE)],
        )
        with TestClient(create_app(settings)) as running:
            yield running


def test_labels_on_a_remote_store(remote_client: TestClient, client: TestClient) -> None:
    for path in ("/iso42001/A-6-2-4", f"/resource?iri={NW}risk-10", f"/resource?iri={NW}sys-letters"):
        remote, embedded = read(page(remote_client, path)), read(page(client, path))
        assert remote.h1 == embedded.h1
        assert remote.sections.keys() == embedded.sections.keys()
        for heading, table in embedded.sections.items():
            assert sorted(map(tuple, remote.sections[heading])) == sorted(map(tuple, table)), (path, heading)


def test_validation_results_link_to_their_clauses(odd_client: TestClient) -> None:
    html = page(odd_client, "/")
    table = read(html).sections["Validation by clause"]
    assert table[0] == ["clause", "results"] and len(table) > 1
    assert re.search(r'<td><a href="/iso42001/6-1-2">6\.1\.2</a></td><td>\d+</td>', html)


def test_query_and_search_pages_name_iris_when_given_the_service(client: TestClient) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    query = get_query("risks-for-control")
    rows = service.select(query.text, bind_params(query, {"control": "A.6.2.4"}))
    plain = read(pages.query_page(query, {"control": "A.6.2.4"}, rows)).sections["4 rows"]
    named = read(pages.query_page(query, {"control": "A.6.2.4"}, rows, service)).sections["4 rows"]
    assert "sys-letters" in column(plain, "System")
    assert "Patient letter assistant" in column(named, "System")
    assert column(named, "Control")[0] == "AI system verification and validation"
    search = get_query("search")
    found = service.select(search.text, bind_params(search, {"text": "triage"}))
    types = column(read(pages.search_page("triage", found, service)).sections[f"{len(found.rows)} found"], "Type")
    assert "AI system" in types and "Risk" not in types and "AI risk" in types


def test_every_named_value_of_the_ontology_has_a_label_to_show() -> None:
    """Pages name status values, decisions and stages by these labels, so none may be missing."""
    graph = list(ox.parse(path=str(resources.ontology_file()), format=ox.RdfFormat.TURTLE))
    individuals = {
        t.subject.value
        for t in graph
        if t.predicate.value == RDF_TYPE
        and t.object.value == OWL_NAMED_INDIVIDUAL
        and isinstance(t.subject, ox.NamedNode)
    }
    labelled = {
        t.subject.value
        for t in graph
        if t.predicate.value == RDFS_LABEL and isinstance(t.object, ox.Literal) and t.object.language == "en"
    }
    assert {
        "https://w3id.org/aims-graph/ontology#InProgress",
        "https://w3id.org/aims-graph/ontology#Modify",
    } <= individuals
    assert individuals <= labelled, sorted(individuals - labelled)
