"""Any SPARQL server, for real: `oxigraph serve` with and without a union default graph, and Virtuoso.

The same answers whatever the server's default graph is, one readable line for a server's error, big loads
that are all or nothing, validation and the spreadsheet round trip on every server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import REMOTE_KINDS, emptied
from rdflib.compare import isomorphic
from servers import OxigraphServer, VirtuosoServer
from test_queries import params_for
from test_spreadsheet import EXAMPLES, example_graph, graph_of

from aims_graph import resources
from aims_graph.answers import Rows, value_of
from aims_graph.errors import QuerySyntaxError, StoreError, UserInputError
from aims_graph.queries import run_query
from aims_graph.spreadsheet.exporter import export_workbook
from aims_graph.spreadsheet.importer import import_workbook
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs
from aims_graph.store.remote import STAGING_PREFIX, chunks, server_message
from aims_graph.validation.validate import validate_store

EX = "https://example.org/r/"
Factory = Callable[[str], SparqlEndpointStore]


def count(store: SparqlEndpointStore | OxigraphStore, sparql: str) -> int:
    result = store.query(sparql)
    assert isinstance(result, Rows)
    return int(value_of(result.rows[0][0]))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aims_graph.cli", *args], capture_output=True, text=True, timeout=300)


# ------------------------------------------------------------------ the default graph, whatever it is


@pytest.mark.parametrize(
    "kind,union",
    [("oxigraph-union", True), ("oxigraph-plain", False), pytest.param("virtuoso", True, marks=pytest.mark.slow)],
)
def test_the_default_graph_is_checked_when_connecting(remote_store_factory: Factory, kind: str, union: bool) -> None:
    store = remote_store_factory(kind)
    assert store.default_graph_is_union is None, "an empty server cannot tell"
    store.load_bytes(f"<{EX}a> <{EX}p> <{EX}b> .".encode(), ox.RdfFormat.N_TRIPLES, EX + "g", "test")
    assert store.default_graph_is_union is union
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}a> ?p ?o }}") == 1


@pytest.mark.parametrize("kind", REMOTE_KINDS)
def test_server_graphs_are_never_part_of_an_answer(remote_store_factory: Factory, kind: str) -> None:
    """Virtuoso keeps thousands of triples of its own in graphs of its own: no answer counts them."""
    store = remote_store_factory(kind)
    store.load_bytes(f"<{EX}a> <{EX}p> <{EX}b> .".encode(), ox.RdfFormat.N_TRIPLES, EX + "g", "test")
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 1
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == 1
    assert [g.name for g in store.graphs()] == [EX + "g"]
    assert len(store.triples()) == 1


def test_the_issue_load_then_query_on_a_plain_oxigraph_serve(oxigraph_plain_server: OxigraphServer) -> None:
    """As a new user: `load` into `oxigraph serve` started without --union-default-graph, then `query`."""
    emptied(SparqlEndpointStore(oxigraph_plain_server.query, oxigraph_plain_server.update))
    endpoint = ["--endpoint", oxigraph_plain_server.query]
    example = str(resources.example_file(resources.CONFORMANT_EXAMPLE))
    loaded = cli("load", *endpoint, "--update-endpoint", oxigraph_plain_server.update, example)
    assert loaded.returncode == 0, loaded.stderr
    local = OxigraphStore()
    ensure_reference_graphs(local)
    local.load(Path(example))
    risk = params_for(local, "controls-for-risk")["risk"]
    answered = cli("query", "controls-for-risk", *endpoint, "--param", f"risk={risk}", "--format", "csv")
    assert answered.returncode == 0, answered.stderr
    expected = run_query(local, "controls-for-risk", risk=risk)
    assert isinstance(expected, Rows) and expected.rows
    assert len(answered.stdout.strip().splitlines()) == len(expected.rows) + 1  # header and the same rows


# ------------------------------------------------------------------ errors: one line, never the request


def test_server_message_drops_the_echoed_query_and_html() -> None:
    echoed = (
        b"Virtuoso 37000 Error SP030: SPARQL compiler, line 2: syntax error\n\nSPARQL query:\nSELECT * {" + b"x" * 9000
    )
    assert server_message(echoed) == "Virtuoso 37000 Error SP030: SPARQL compiler, line 2: syntax error"
    page = (
        b"<html><head><title>406</title></head><body><h1>Not Acceptable</h1><p>" + b"y" * 2000 + b"</p></body></html>"
    )
    message = server_message(page)
    assert "<" not in message and "\n" not in message and len(message) <= 300


@pytest.mark.parametrize("kind", REMOTE_KINDS)
def test_a_refused_query_is_one_line_with_the_servers_words(remote_store_factory: Factory, kind: str) -> None:
    store = remote_store_factory(kind)
    secret = "a-part-of-the-request-" + "z" * 2000
    with pytest.raises(QuerySyntaxError) as caught:
        store.query(f'SELECT * WHERE {{ ?s ?p "{secret}" ')
    message = str(caught.value)
    assert "\n" not in message and secret not in message and len(message) < 500
    assert store.query_endpoint in message


def test_an_unreachable_server_is_one_line() -> None:
    from servers import free_port

    store = SparqlEndpointStore(f"http://127.0.0.1:{free_port()}/query")
    with pytest.raises(StoreError, match="cannot reach"):
        store.graphs()


# ------------------------------------------------------------------ big loads: chunks, a staging graph, one move


def test_chunks_keep_each_blank_node_with_all_its_triples() -> None:
    nodes = [ox.BlankNode() for _ in range(50)]
    triples = [ox.Triple(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i))) for i in range(100)]
    for i, node in enumerate(nodes):  # a chain of three linked blank nodes per group of three
        triples.append(ox.Triple(node, ox.NamedNode(EX + "v"), ox.Literal(str(i))))
        if i % 3:
            triples.append(ox.Triple(nodes[i - 1], ox.NamedNode(EX + "next"), node))
    parts = list(chunks(triples, 7))
    assert sorted(map(str, (t for part in parts for t in part))) == sorted(map(str, triples))
    home: dict[ox.BlankNode, int] = {}
    for index, part in enumerate(parts):
        for triple in part:
            for term in (triple.subject, triple.object):
                if isinstance(term, ox.BlankNode):
                    assert home.setdefault(term, index) == index, "a blank node was split over two requests"
    assert max(len(p) for p in parts) <= 7 + 3


@pytest.mark.parametrize("kind", REMOTE_KINDS)
def test_a_big_load_goes_in_chunks_and_leaves_no_staging_graph(
    remote_store_factory: Factory, kind: str, tmp_path: Path
) -> None:
    store = remote_store_factory(kind)
    store.chunk_triples = 500
    path = tmp_path / "big.ttl"
    lines = [f'<{EX}s{i}> <{EX}p> "value {i}" .' for i in range(3000)]
    lines += [f"<{EX}s{i}> <{EX}list> ( <{EX}x{i}> <{EX}y{i}> ) ." for i in range(200)]  # blank nodes
    path.write_text("\n".join(lines) + "\n")
    report = store.load(path, graph=EX + "big")
    store.load(path, graph=EX + "big")  # again, into a graph that exists: added, not replaced
    assert report.triples == 3000 + 200 * 5
    assert {g.name: g.triples for g in store.graphs()} == {EX + "big": 3000 + 2 * 200 * 5}
    assert not [n for n in store._graph_names() if n.startswith(STAGING_PREFIX)]
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    two_items = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}list>/<{rdf}rest>/<{rdf}first> ?y }}"
    assert count(store, two_items) == 400


@pytest.mark.slow
def test_virtuoso_gets_smaller_chunks_when_it_refuses_a_big_update(
    remote_store_factory: Factory, tmp_path: Path
) -> None:
    """Virtuoso's SPARQL parser runs out of memory on an update of ~5,000 lines: the load goes again in halves."""
    store = remote_store_factory("virtuoso")
    path = tmp_path / "mid.nt"
    path.write_text("".join(f'<{EX}s{i}> <{EX}p> "value {i}"@en .\n' for i in range(15_000)))
    assert store.load(path, graph=EX + "mid").triples == 15_000
    assert store.chunk_triples < 15_000
    assert {g.name: g.triples for g in store.graphs()} == {EX + "mid": 15_000}
    assert not [n for n in store._graph_names() if n.startswith(STAGING_PREFIX)]


@pytest.mark.slow
def test_virtuoso_graph_store_endpoint_loads_blank_nodes(virtuoso_server: VirtuosoServer) -> None:
    store = emptied(SparqlEndpointStore(virtuoso_server.query, virtuoso_server.update, virtuoso_server.store))
    ensure_reference_graphs(store)
    local = OxigraphStore()
    ensure_reference_graphs(local)
    assert {g.name: g.triples for g in store.graphs()} == {g.name: g.triples for g in local.graphs()}


@pytest.mark.slow
def test_virtuoso_authenticated_endpoints_with_digest(virtuoso_server: VirtuosoServer) -> None:
    """/sparql-auth and /sparql-graph-crud-auth ask for HTTP Digest; a wrong password is one line."""
    auth = virtuoso_server.base + "/sparql-auth"
    crud = virtuoso_server.base + "/sparql-graph-crud-auth"
    store = emptied(SparqlEndpointStore(virtuoso_server.query, auth, crud, username="dba", password="dba"))
    store.load_bytes(f"<{EX}a> <{EX}p> _:b .\n_:b <{EX}q> <{EX}c> .".encode(), ox.RdfFormat.N_TRIPLES, EX + "g", "t")
    assert {g.name: g.triples for g in store.graphs()} == {EX + "g": 2}
    wrong = SparqlEndpointStore(virtuoso_server.query, auth, username="dba", password="not-the-password")
    with pytest.raises(StoreError, match="HTTP 401") as caught:
        wrong.drop(EX + "g")
    assert "\n" not in str(caught.value)
    emptied(store)


LOADER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from aims_graph.store import SparqlEndpointStore
    store = SparqlEndpointStore(sys.argv[1], sys.argv[2], chunk_triples=2000)
    print("loading", flush=True)
    store.load(Path(sys.argv[3]), graph="https://example.org/r/big")
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("kind", ["oxigraph-union", "oxigraph-plain"])
def test_a_killed_remote_load_leaves_nothing_visible(remote_store_factory: Factory, kind: str, tmp_path: Path) -> None:
    store = remote_store_factory(kind)
    path = tmp_path / "big.nt"
    path.write_text("".join(f'<{EX}s{i}> <{EX}p> "value {i}" .\n' for i in range(200_000)))
    process = subprocess.Popen(
        [sys.executable, "-c", LOADER, store.query_endpoint, str(store.update_endpoint), str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "loading"
    deadline = time.monotonic() + 60
    while not [n for n in store._graph_names() if n.startswith(STAGING_PREFIX)]:  # the first chunk has landed
        assert time.monotonic() < deadline and process.poll() is None, "no staging graph was ever seen"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    store._scope = None
    assert [n for n in store._graph_names() if n.startswith(STAGING_PREFIX)], "the kill left a staging graph"
    assert store.graphs() == []
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 0
    assert store.triples() == []


# ------------------------------------------------------------------ validation and the spreadsheet, on every server


def local_store(example: str) -> OxigraphStore:
    local = OxigraphStore()
    ensure_reference_graphs(local)
    local.load(resources.example_file(example))
    return local


@pytest.mark.parametrize(
    "kind,example",
    [(kind, example) for kind in ("oxigraph-union", "oxigraph-plain") for example in EXAMPLES],
)
def test_compiled_validation_is_the_same_on_every_server(
    remote_store_factory: Factory, kind: str, example: str
) -> None:
    store = remote_store_factory(kind)
    ensure_reference_graphs(store)
    store.load(resources.example_file(example))
    expected = validate_store(local_store(example), None, "sparql")
    assert validate_store(store, None, "sparql").to_json() == expected.to_json()


@pytest.mark.slow
def test_validation_of_a_virtuoso_store_copies_the_data_for_pyshacl(remote_store_factory: Factory) -> None:
    """Virtuoso 7.2 answers the compiled checks wrongly (nested FILTER NOT EXISTS): the default engine copies
    the data out (one CONSTRUCT) for pyshacl and gives the embedded store's pyshacl report; asking for the
    compiled engine there is refused in one line."""
    store = remote_store_factory("virtuoso")
    assert not store.answers_compiled_checks
    ensure_reference_graphs(store)
    store.load(resources.example_file("gaps-org"))
    expected = validate_store(local_store("gaps-org"), None, "pyshacl")
    assert validate_store(store, None, "auto").to_json() == expected.to_json()
    with pytest.raises(UserInputError, match="--engine pyshacl"):
        validate_store(store, None, "sparql")


@pytest.mark.parametrize("kind", REMOTE_KINDS)
def test_spreadsheet_round_trip_on_every_server(remote_store_factory: Factory, kind: str, tmp_path: Path) -> None:
    store = remote_store_factory(kind)
    ensure_reference_graphs(store)
    for name in EXAMPLES:
        store.load(resources.example_file(name))
    export_workbook(store, tmp_path / "both.xlsx")
    result = import_workbook(tmp_path / "both.xlsx", allow_gaps=True)
    assert isomorphic(graph_of(result), example_graph("conformant-org") + example_graph("gaps-org"))


# ------------------------------------------------------------------ the HTTP API on a server without a union default


def test_api_answers_and_reports_are_the_same_on_a_plain_server(oxigraph_plain_server: OxigraphServer) -> None:
    """`aims-graph serve --endpoint` on `oxigraph serve` without --union-default-graph: named queries, the
    statement of applicability report and the home page as on the embedded store."""
    from fastapi.testclient import TestClient

    from aims_graph.api.app import create_app
    from aims_graph.config import Settings

    server = oxigraph_plain_server
    emptied(SparqlEndpointStore(server.query, server.update))
    example = resources.example_file(resources.GAPS_EXAMPLE)  # one untreated risk
    remote = Settings(endpoint=server.query, update_endpoint=server.update, data=[example], workers=1)
    answers = []
    for settings in (remote, Settings(data=[example], workers=1)):
        with TestClient(create_app(settings)) as client:
            rows = client.get("/queries/untreated-risks", headers={"Accept": "text/csv"})
            soa = client.get("/reports/soa", params={"format": "csv"})
            home = client.get("/", headers={"Accept": "text/html"})
            assert rows.status_code == soa.status_code == home.status_code == 200
            answers.append((rows.text, soa.text))
    assert answers[0] == answers[1]
    assert len(answers[0][0].splitlines()) == 2, "the header and the one untreated risk"
    assert len(answers[0][1].splitlines()) > 38, "the statement of applicability lists every control"
