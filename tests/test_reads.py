"""Cutting a default graph list down to the graphs a query reads: the same answers, from fewer graphs."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from aims_graph import resources
from aims_graph.snapshots import create_snapshot
from aims_graph.snapshots.store import GraphView, dataset_graphs
from aims_graph.store import OxigraphStore, ensure_reference_graphs
from aims_graph.store.oxigraph import query_options, visible_graphs
from aims_graph.store.reads import graphs_read, read_set
from aims_graph.synthetic import write
from aims_graph.validation.shacl import compile_shapes
from aims_graph.validation.validate import load_shapes

CHANGES = Path(__file__).parent / "data" / "changes"
AIMS = "https://w3id.org/aims-graph/ontology#"
PREFIXES = (
    "PREFIX aims: <https://w3id.org/aims-graph/ontology#>\n"
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        "SELECT * WHERE { <urn:x:s> ?p 1 }",
        "SELECT * WHERE { ?s aims:riskLevel ?l ; ?p ?o }",
        "SELECT * WHERE { [] ?p ?o }",
        "SELECT * WHERE { ?s !aims:riskLevel ?o }",
        "SELECT * WHERE { ?s !(aims:riskLevel|^aims:treats) ?o }",
        "SELECT * WHERE { GRAPH ?g { ?s aims:riskLevel ?o } }",
        "DESCRIBE <urn:x:s>",
        "SELECT * FROM <urn:x:g> WHERE { ?s aims:riskLevel ?o }",
        "BASE <urn:x:> SELECT * WHERE { ?s <riskLevel> ?o }",
        "SELECT * WHERE { ?s <riskLevel> ?o }",
        "SELECT * WHERE { ?s unknown:riskLevel ?o }",
        "SELECT * WHERE { ?s aims:riskLevel ?o ; ?\\u0070 ?q }",
    ],
)
def test_what_a_scan_cannot_be_sure_of_keeps_every_graph(query: str) -> None:
    assert read_set(PREFIXES + query) is None


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (COUNT(*) AS ?n) WHERE { ?a <urn:x:p>* ?b }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a <urn:x:p>? ?b }",
        "SELECT ?a WHERE { ?a <urn:x:p>* <urn:x:c> }",
        "SELECT ?a WHERE { ?a (<urn:x:p>|<urn:x:q>)* ?b }",
        "SELECT ?a WHERE { ?a rdfs:subClassOf* <urn:x:c> }",
    ],
)
def test_paths_of_length_zero_keep_every_graph(query: str) -> None:
    """A path that may match with no triple pairs terms with themselves wherever they occur: pruning a graph
    that holds none of its predicates would drop terms, and rows with them."""
    store = ox.Store()
    one, two = ox.NamedNode("urn:x:g1"), ox.NamedNode("urn:x:g2")
    store.add(ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:b"), one))
    store.add(ox.Quad(ox.NamedNode("urn:x:c"), ox.NamedNode("urn:x:other"), ox.NamedNode("urn:x:d"), two))
    text = PREFIXES + query
    assert read_set(text) is None
    kept = graphs_read(text, [one, two], store)
    assert kept == [one, two]
    assert sorted(map(str, store.query(text, default_graph=kept))) == sorted(
        map(str, store.query(text, default_graph=[one, two]))
    )


def test_the_classes_a_query_reads() -> None:
    reads = read_set(
        PREFIXES + "SELECT * WHERE { ?r a aims:Risk ; aims:riskLevel ?l . "
        "?t rdf:type/rdfs:subClassOf* aims:RiskTreatment . "
        "FILTER NOT EXISTS { ?r aims:treatmentDecision aims:Accept } }"
    )
    assert reads is not None and not reads.any_type
    assert reads.classes == {AIMS + "Risk"}
    assert reads.with_subclasses == {AIMS + "RiskTreatment"}
    assert {AIMS + "riskLevel", AIMS + "treatmentDecision"} <= reads.predicates
    for loose in ("?r a ?class", "?r ^rdf:type ?class", "?r a aims:Risk, aims:Control"):
        found = read_set(PREFIXES + f"SELECT * WHERE {{ {loose} }}")
        assert found is not None and found.any_type, loose
    assert read_set(PREFIXES + "SELECT * WHERE { ?r rdf:type* aims:Risk }") is None  # may match with no triple


def test_collections_read_rdf_first_and_rest() -> None:
    lists = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#first", "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"}
    for pattern in ("?s aims:steps (1 2)", "(1 2) aims:steps ?o", "?s aims:steps ?o , (1)"):
        found = read_set(PREFIXES + f"SELECT * WHERE {{ {pattern} }}")
        assert found is not None and lists <= found.predicates, pattern
    plain = read_set(PREFIXES + "SELECT * WHERE { ?s aims:riskLevel ?l FILTER (?l IN (1, 2) && STR(?l) != '') }")
    assert plain is not None and not lists & plain.predicates


def test_projections_and_orderings_are_no_triple_patterns() -> None:
    query = PREFIXES + (
        "SELECT ?r ?l (COUNT(?t) AS ?n) WHERE { ?r aims:riskLevel ?l . OPTIONAL { ?t aims:treats ?r } }"
        " GROUP BY ?r ?l ORDER BY DESC(?l) ?r"
    )
    assert read_set(query) is not None


def _store_with_history(tmp_path: Path) -> OxigraphStore:
    """A generated organisation and an example in graphs of their own, a snapshot, then changes since.

    A class of the organisation's own (a blank node and an IRI, each a subclass of aims:Risk, declared in a
    third graph) types one risk each, so the subclass closure has to reach outside the ontology."""
    path = tmp_path / "org.ttl"
    write(path, 12, 3)
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(path)
    store.load(resources.example_file("conformant-org"))
    extra = (
        "_:kind <http://www.w3.org/2000/01/rdf-schema#subClassOf> <https://w3id.org/aims-graph/ontology#Risk> .\n"
        "<urn:x:SupplierRisk> <http://www.w3.org/2000/01/rdf-schema#subClassOf> _:kind .\n"
    )
    store.load_bytes(extra.encode(), ox.RdfFormat.N_TRIPLES, "urn:x:classes", "classes")
    typed = (
        "<urn:x:risk-a> a <urn:x:SupplierRisk> ; <https://w3id.org/aims-graph/ontology#riskLevel> 30 .\n"
        "<urn:x:risk-b> a <urn:x:Unrelated> ; <https://w3id.org/aims-graph/ontology#riskLevel> 2 .\n"
    )
    store.load_bytes(typed.encode(), ox.RdfFormat.TURTLE, "urn:x:typed", "typed")
    create_snapshot(store, "before", "test")
    store.update((CHANGES / "conformant-org.ru").read_text(encoding="utf-8"))
    return store


def _answers(store: ox.Store, query: str, graphs: list[ox.NamedNode]) -> list[str]:
    return sorted(map(str, store.query(query, default_graph=graphs)))  # type: ignore[arg-type]


def test_every_check_and_named_query_answers_the_same_from_fewer_graphs(tmp_path: Path) -> None:
    store = _store_with_history(tmp_path)
    raw = store.raw
    checks = [c.query for c in compile_shapes(load_shapes(resources.shape_files())).checks]
    named = [
        resources.query_file(name).read_text(encoding="utf-8")
        for name in ("risk-register", "untreated-risks", "statement-of-applicability", "ai-systems", "risk-heatmap")
    ]
    probe = PREFIXES + "SELECT ?r WHERE { ?r rdf:type/rdfs:subClassOf* aims:Risk ; aims:riskLevel ?l }"
    current = visible_graphs(raw)
    assert current is not None  # a snapshot exists: the current state is a list of graphs
    sides = [
        [g for g in current if isinstance(g, ox.NamedNode)],
        [ox.NamedNode(g) for g in GraphView(store, dataset_graphs(store, "before")).graphs],
    ]
    fewer = 0
    for graphs in sides:
        for query in [*checks, *named, probe]:
            kept = graphs_read(query, graphs, raw)
            rest = [g for g in graphs if g not in kept]  # same order: SAMPLE may pick another value otherwise
            assert _answers(raw, query, kept) == _answers(raw, query, kept + rest), query
            fewer += len(kept) < len(graphs)
    assert fewer > len(checks), "most queries read fewer graphs"
    found = str(_answers(raw, probe, graphs_read(probe, sides[0], raw)))
    assert "value=urn:x:risk-a>" in found and "value=urn:x:risk-b>" not in found
    options = query_options(probe, None, None, None, raw)
    assert ox.NamedNode("urn:x:classes") in options["default_graph"]  # type: ignore[operator]
    assert ox.NamedNode("urn:x:typed") in options["default_graph"]  # type: ignore[operator]
