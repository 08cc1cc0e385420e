"""The W3C SHACL test suite (core and sparql) through both engines, embedded and on a real `oxigraph serve`.

Every test of ../shared/reference/w3c-shacl-tests runs three ways: pyshacl and the compiled SPARQL engine on
the same parsed graphs (validate.validate_graphs, the data exactly as the test gives it, no ontology merged),
and the compiled engine on a remote Oxigraph server that loaded the test's data file itself. Each must give
the expected report: the same ``conforms`` and the same set of (focus, path, value, constraint component,
severity, source shape). Failure tests (an invalid shapes graph) must raise a ShapesError.

Blank nodes: the expected report and the data or shapes it points into come from different parses (and the
server relabels blank nodes), so a blank node is compared by its description instead of its label: the
sorted predicate/object pairs around it, recursively, with lists written in order (``signature``). A blank
node the expected report names without describing it matches any node with an empty description.

The two engines on the same graphs must moreover agree exactly, blank node labels and messages included.
A few tests are excluded from one comparison, each with its reason below; none is skipped.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node
from servers import oxigraph_serve

from aims_graph import resources
from aims_graph.answers import Triples
from aims_graph.errors import ShapesError
from aims_graph.store import SparqlEndpointStore
from aims_graph.validation.report import ValidationReport, parse_term, render_path, render_term
from aims_graph.validation.shacl import CompiledReport
from aims_graph.validation.shacl.terms import to_ox_literal, to_rdflib
from aims_graph.validation.validate import validate_graphs, validate_store

SUITE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "w3c-shacl-tests"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

EXPECTED_REPORT_EXCLUDED = {
    "core/property/uniqueLang-002": (
        'the shapes say sh:uniqueLang "1"^^xsd:boolean, which the spec does not read as true; rdflib, the '
        'parser behind both engines, normalises it to "true" while parsing, so both engines see a switched-on '
        "constraint and report the duplicate language (they agree with each other)"
    ),
    "sparql/pre-binding/shapesGraph-001": (
        "$shapesGraph: pyshacl does not implement it (NotImplementedError) and the compiled engine hands such "
        "constraints to pyshacl, so both raise a ShapesError instead of validating"
    ),
}
"""Tests whose expected report neither engine gives, with the reason; the engines must still agree."""


FALLBACKS = {
    "core/property/datatype-ill-formed": "rewrites",
    "sparql/component/optional-001": "SPARQL-based constraint component",
    "sparql/component/propertyValidator-select-001": "SPARQL-based constraint component",
    "sparql/component/validator-001": "SPARQL-based constraint component",
}
"""Tests with shapes the compiler hands to pyshacl (named in the report), and a word of the reason; every
other test must compile completely."""

Key = tuple[str, str | None, str | None, str, str, str]


@dataclass(frozen=True)
class Case:
    name: str
    data: Path
    shapes: Path
    failure: bool
    conforms: bool | None
    expected: frozenset[Key]
    canonical: frozenset[Key]
    """The expected keys with literals as Oxigraph stores them."""


def _file(node: Node) -> Path:
    return Path(str(node).removeprefix("file://"))


def _cases() -> list[Case]:
    cases = []
    todo = [SUITE / "core" / "manifest.ttl", SUITE / "sparql" / "manifest.ttl"]
    while todo:
        manifest = todo.pop(0)
        graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        todo += [_file(m) for m in graph.objects(None, MF.include)]
        for head in graph.objects(None, MF.entries):
            for entry in Collection(graph, head):
                action = graph.value(entry, MF.action)
                result = graph.value(entry, MF.result)
                name = str(manifest.relative_to(SUITE).with_suffix(""))
                data = _file(graph.value(action, SHT.dataGraph))  # type: ignore[arg-type]
                shapes = _file(graph.value(action, SHT.shapesGraph))  # type: ignore[arg-type]
                if result == SHT.Failure:
                    cases.append(Case(name, data, shapes, True, None, frozenset(), frozenset()))
                    continue
                conforms = graph.value(result, SH.conforms)
                assert isinstance(conforms, Literal)
                results = list(graph.objects(result, SH.result))
                expected = frozenset(_key(graph, r) for r in results)
                canonical = frozenset(_key(graph, r, canonical=True) for r in results)
                cases.append(Case(name, data, shapes, False, bool(conforms.value), expected, canonical))
    return cases


def signature(graph: Graph, node: Node, canonical: bool = False, depth: int = 0) -> str:
    """A term as text, with blank nodes written as their description in ``graph``; with ``canonical``,
    literals in the form Oxigraph stores them ("4.0"^^xsd:decimal as "4"), for data a server parsed."""
    if isinstance(node, Literal) and canonical:
        return render_term(_stored(node))
    if not isinstance(node, BNode):
        return render_term(node)  # type: ignore[arg-type]
    if depth > 8:
        return "[...]"
    if (node, RDF.first, None) in graph:
        items = Collection(graph, node)
        return "(" + " ".join(signature(graph, item, canonical, depth + 1) for item in items) + ")"
    parts = sorted(f"{p} {signature(graph, o, canonical, depth + 1)}" for p, o in graph.predicate_objects(node))
    return "[" + "; ".join(parts) + "]"


def _stored(literal: Literal) -> Literal:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x-s"), ox.NamedNode("urn:x-p"), to_ox_literal(literal)))
    [quad] = list(store)
    stored = to_rdflib(quad.object)
    assert isinstance(stored, Literal)
    return stored


def _key(graph: Graph, result: Node, canonical: bool = False) -> Key:
    """An expected result; the manifest holds the report and describes the nodes it names."""
    path = graph.value(result, SH.resultPath)
    value = graph.value(result, SH.value)
    return (
        signature(graph, graph.value(result, SH.focusNode), canonical),  # type: ignore[arg-type]
        None if path is None else render_path(graph, path),
        None if value is None else signature(graph, value, canonical),
        str(graph.value(result, SH.sourceConstraintComponent)),
        str(graph.value(result, SH.resultSeverity)),
        signature(graph, graph.value(result, SH.sourceShape)),  # type: ignore[arg-type]
    )


def keys(report: ValidationReport, data: Graph, shapes: Graph, canonical: bool = False) -> frozenset[Key]:
    return frozenset(
        (
            signature(data, parse_term(r.focus), canonical),
            r.path,
            None if r.value is None else signature(data, parse_term(r.value), canonical),
            r.constraint,
            r.severity,
            signature(shapes, parse_term(r.shape)),
        )
        for r in report.results
    )


def matches_expected(case: Case, report: ValidationReport, data: Graph, shapes: Graph, canonical: bool = False) -> None:
    assert report.conforms == case.conforms
    got = keys(report, data, shapes, canonical)
    expected = case.canonical if canonical else case.expected
    missing = {k for k in expected - got if not _matched_by_undescribed(k, got)}
    extra = {k for k in got - expected if not _matched_by_undescribed(k, expected)}
    assert not missing and not extra, f"missing {missing}, unexpected {extra}"


def _matched_by_undescribed(key: Key, others: frozenset[Key]) -> bool:
    """An expected ``[]`` (a blank node without description) stands for any blank node."""
    return any(all(a == b or "[]" in (a, b) for a, b in zip(key, other, strict=True)) for other in others)


CASES = _cases() if SUITE.is_dir() else []
PARAMS = [pytest.param(case, id=case.name) for case in CASES] or [
    pytest.param(None, id="w3c-shacl-tests-missing", marks=pytest.mark.skip(reason=f"no W3C suite at {SUITE}"))
]


def parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=path.as_uri())


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    """rdflib warns about the suite's deliberately ill-typed literals; the tests look at reports instead."""
    logging.disable(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    logging.disable(logging.NOTSET)


def full(report: ValidationReport) -> Counter[tuple[str | None, ...]]:
    return Counter((r.focus, r.path, r.value, r.constraint, r.severity, r.shape, r.message) for r in report.results)


@pytest.mark.parametrize("case", PARAMS)
def test_embedded(case: Case) -> None:
    data, shapes = parse(case.data), parse(case.shapes)
    if case.failure or case.name == "sparql/pre-binding/shapesGraph-001":
        for engine in ("pyshacl", "sparql"):
            with pytest.raises(ShapesError):
                validate_graphs(data, shapes, engine)
        return
    reference = validate_graphs(data, shapes, "pyshacl")
    compiled = validate_graphs(data, shapes, "sparql")
    assert isinstance(compiled, CompiledReport)
    assert full(compiled) == full(reference), "the engines disagree"
    if case.name in FALLBACKS:
        assert compiled.fallbacks and all(FALLBACKS[case.name] in f.reason for f in compiled.fallbacks)
    else:
        assert compiled.fallbacks == [], "every shape of this test compiles"
    if case.name not in EXPECTED_REPORT_EXCLUDED:
        matches_expected(case, compiled, data, shapes)
        matches_expected(case, reference, data, shapes)


@pytest.fixture(scope="module")
def remote() -> Iterator[SparqlEndpointStore]:
    """A server of our own: queries see the union of its graphs, so no other test's data may be in it."""
    with oxigraph_serve() as server:
        yield SparqlEndpointStore(server.query, server.update, server.store)


@pytest.mark.parametrize("case", PARAMS)
def test_remote(case: Case, remote: SparqlEndpointStore) -> None:
    graph = "urn:x-w3c:" + case.name
    remote.load(case.data, graph=graph)
    try:
        shapes = parse(case.shapes)
        if case.failure or case.name == "sparql/pre-binding/shapesGraph-001":
            with pytest.raises(ShapesError):
                validate_store(remote, shapes, "sparql")
            return
        report = validate_store(remote, shapes, "sparql")
        if case.name not in EXPECTED_REPORT_EXCLUDED:
            matches_expected(case, report, _server_graph(remote), shapes, canonical=True)
    finally:
        remote.drop(graph)


def _server_graph(store: SparqlEndpointStore) -> Graph:
    """The server's data with its own blank node labels, to describe blank nodes in its results."""
    graph = Graph()
    answer = store.query(resources.internal_query("ld/graph-content.rq"))
    assert isinstance(answer, Triples)
    for triple in answer.triples:
        graph.add((to_rdflib(triple.subject), URIRef(triple.predicate.value), to_rdflib(triple.object)))
    return graph
