"""The compiled SPARQL engine (aims_graph.validation.shacl): same reports as pyshacl on our shapes, in memory, in the
embedded store and on a real `oxigraph serve`; one query per constraint; fallbacks reported; and the pieces
(paths, the pre-binding rewrite, the shapes model) on their own."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH
from servers import oxigraph_serve

from aims_graph import resources
from aims_graph.answers import QueryResult, Rows, Term
from aims_graph.cli import main
from aims_graph.errors import ShapesError, UnsafeInputError, UserInputError
from aims_graph.rdfio import to_rdflib
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs
from aims_graph.synthetic import generate
from aims_graph.validation.report import ValidationReport, ValidationResult
from aims_graph.validation.shacl import CompiledReport, compile_shapes
from aims_graph.validation.shacl.paths import read_path, sparql_path
from aims_graph.validation.shacl.prebind import rewrite_select
from aims_graph.validation.shacl.terms import Unsupported
from aims_graph.validation.validate import ENGINES, validate, validate_graphs, validate_store

PREFIXES = """
@prefix aims: <https://w3id.org/aims-graph/ontology#> .
@prefix iso42001: <https://w3id.org/aims-graph/iso42001/> .
@prefix ex: <https://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
GENERATED_SYSTEMS = 100


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def generated(systems: int = GENERATED_SYSTEMS, seed: int = 7) -> Graph:
    triples, _stats = generate(systems, seed)
    return to_rdflib([ox.Quad(t.subject, t.predicate, t.object) for t in triples])


def results(report: ValidationReport) -> list[ValidationResult]:
    """Everything a result says, blank node labels included: the engines must agree on all of it."""
    return sorted(report.results, key=lambda r: (*r.sort_key(), tuple(r.clauses)))


@pytest.fixture(scope="module")
def examples() -> dict[str, Graph]:
    return {path.stem: Graph().parse(path) for path in resources.example_files()}


@pytest.fixture(scope="module")
def generated_graph() -> Graph:
    return generated()


@pytest.fixture(scope="module")
def server() -> Iterator[SparqlEndpointStore]:
    """A server of our own, since validation sees the union of all graphs of the store."""
    with oxigraph_serve() as running:
        yield SparqlEndpointStore(running.query, running.update, running.store)


# ---------------------------------------------------------------------------------------------------------
# Same reports as pyshacl on our shapes
# ---------------------------------------------------------------------------------------------------------


def test_engines_are_listed() -> None:
    assert ENGINES == ("auto", "sparql", "pyshacl")


@pytest.mark.parametrize("engine", ["sparql", "auto"])
@pytest.mark.parametrize("example", ["conformant-org", "gaps-org"])
def test_examples_identical_to_pyshacl(examples: dict[str, Graph], example: str, engine: str) -> None:
    reference = validate(examples[example], engine="pyshacl")
    compiled = validate(examples[example], engine=engine)
    assert isinstance(compiled, CompiledReport) and compiled.fallbacks == [], "our shapes compile completely"
    assert results(compiled) == results(reference)
    assert compiled.conforms == reference.conforms == (example == "conformant-org")
    assert compiled.to_json() == reference.to_json()


@pytest.mark.slow
def test_generated_graph_identical_to_pyshacl(generated_graph: Graph) -> None:
    reference = validate(generated_graph, engine="pyshacl")
    compiled = validate(generated_graph, engine="sparql")
    assert reference.results, "the generator plants gaps"
    assert results(compiled) == results(reference)


def _loaded(store: OxigraphStore | SparqlEndpointStore, data: Graph, graph: str) -> None:
    payload = data.serialize(format="nt", encoding="utf-8")
    store.load_bytes(payload, ox.RdfFormat.N_TRIPLES, graph, "test data")
    ensure_reference_graphs(store)


@pytest.mark.slow
def test_embedded_store_identical_to_pyshacl(examples: dict[str, Graph], generated_graph: Graph) -> None:
    for data in (examples["gaps-org"], generated_graph):
        store = OxigraphStore()
        _loaded(store, data, "urn:x-test:data")
        in_store = validate_store(store, engine="sparql")
        reference = validate(data, engine="pyshacl")
        # Blank node labels differ once the data has gone through N-Triples: compare the rest.
        assert _without_blank_labels(in_store) == _without_blank_labels(reference)


@pytest.mark.slow
def test_remote_store_identical_to_pyshacl(server: SparqlEndpointStore, examples: dict[str, Graph]) -> None:
    for name in ("gaps-org", "conformant-org"):
        graph = f"urn:x-test:{name}"
        _loaded(server, examples[name], graph)
        try:
            remote = validate_store(server, engine="auto")
            reference = validate(examples[name], engine="pyshacl")
            assert _without_blank_labels(remote) == _without_blank_labels(reference)
            assert remote.conforms == (name == "conformant-org")
        finally:
            server.drop(graph)


@pytest.mark.slow
def test_remote_generated_identical_to_pyshacl(server: SparqlEndpointStore, generated_graph: Graph) -> None:
    _loaded(server, generated_graph, "urn:x-test:generated")
    try:
        remote = validate_store(server, engine="sparql")
        assert _without_blank_labels(remote) == _without_blank_labels(validate(generated_graph, engine="pyshacl"))
    finally:
        server.drop("urn:x-test:generated")


def _without_blank_labels(report: ValidationReport) -> list[tuple[str, ...]]:
    def hide(text: str | None) -> str:
        return "_:" if text is not None and text.startswith("_:") else (text or "")

    return sorted(
        (hide(r.focus), r.path or "", hide(r.value), r.severity, r.message, hide(r.shape), r.constraint, *r.clauses)
        for r in report.results
    )


def test_store_without_reference_graphs_is_refused_for_our_shapes() -> None:
    store = OxigraphStore()
    with pytest.raises(UserInputError, match="ontology"):
        validate_store(store, engine="sparql")


# ---------------------------------------------------------------------------------------------------------
# Set-based: one query per constraint, whatever the number of focus nodes, and no data copied
# ---------------------------------------------------------------------------------------------------------


class CountingStore:
    """A Queryable that counts the queries it answers and refuses to hand out the data."""

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store
        self.queries: list[str] = []

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        self.queries.append(sparql)
        answer = self.store.query(sparql, bindings, default_graphs, named_graphs)
        assert isinstance(answer, Rows), "only SELECT queries: no triples leave the store"
        return answer


@pytest.mark.parametrize("systems", [3, 30])
def test_one_query_per_constraint_whatever_the_focus_nodes(systems: int) -> None:
    store = OxigraphStore()
    _loaded(store, generated(systems), "urn:x-test:data")
    counting = CountingStore(store)
    shapes = Graph()
    for path in resources.shape_files():
        shapes.parse(path)
    compiled = compile_shapes(shapes)
    report = validate_store(counting, shapes, engine="sparql")
    assert len(counting.queries) == len(compiled.checks) > 40
    assert all(q.lstrip().startswith(("SELECT", "PREFIX")) for q in counting.queries)
    assert isinstance(report, CompiledReport)


def test_cli_validates_a_store_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = str(tmp_path / "store")
    examples = Path(__file__).resolve().parents[1] / "examples"
    assert main(["load", "--store", store, str(examples / "gaps-org.ttl")]) == 0

    def no_copy(*_args: object) -> Graph:
        raise AssertionError("the sparql engine must not copy the store")

    monkeypatch.setattr("aims_graph.store.store_as_rdflib", no_copy)
    monkeypatch.setattr("aims_graph.store.oxigraph.OxigraphStore.triples", no_copy)
    out = tmp_path / "report.json"
    code = main(["validate", "--store", store, "--engine", "sparql", "--format", "json", "--out", str(out)])
    report = json.loads(out.read_text())
    assert code == 1 and report["conforms"] is False and report["results"]
    reference = validate(Graph().parse(examples / "gaps-org.ttl"), engine="pyshacl").to_json()
    assert [(r["focus"], r["shape"]) for r in report["results"]] == [
        (r["focus"], r["shape"]) for r in reference["results"]
    ]


@pytest.mark.parametrize("engine", ["sparql", "auto"])
def test_cli_engines_on_files(engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    assert main(["validate", str(examples / "conformant-org.ttl"), "--engine", engine]) == 0
    assert capsys.readouterr().out.startswith("Conforms: yes")
    assert main(["validate", str(examples / "gaps-org.ttl"), "--engine", engine, "--format", "json"]) == 1


def test_api_validates_the_store_with_the_compiled_engine() -> None:
    from fastapi.testclient import TestClient

    from aims_graph.api.app import create_app
    from aims_graph.config import Settings

    gaps = Path(__file__).resolve().parents[1] / "examples" / "gaps-org.ttl"
    with TestClient(create_app(Settings(data=[gaps], workers=1))) as client:
        reports = {engine: client.get("/validate", params={"engine": engine}).json() for engine in ENGINES}
        assert reports["sparql"]["conforms"] is False
        assert reports["sparql"] == reports["auto"] == reports["pyshacl"]
        posted = client.post(
            "/validate?engine=sparql", content=gaps.read_bytes(), headers={"Content-Type": "text/turtle"}
        )
        assert posted.status_code == 200 and posted.json()["results"] == reports["pyshacl"]["results"]
        assert client.get("/validate", params={"engine": "jena"}).status_code == 400


# ---------------------------------------------------------------------------------------------------------
# Fallbacks are reported, never silent
# ---------------------------------------------------------------------------------------------------------

CUSTOM_COMPONENT = """
ex:HasPrefix a sh:ConstraintComponent ;
    sh:parameter [ sh:path ex:prefix ] ;
    sh:validator [ a sh:SPARQLAskValidator ; sh:ask "ASK { FILTER (STRSTARTS(STR($value), $prefix)) }" ] .
ex:SystemIris a sh:NodeShape ; sh:targetClass aims:AISystem ; ex:prefix "https://example.org/" .
ex:SystemsOwned a sh:NodeShape ; sh:targetClass aims:AISystem ;
    sh:property [ sh:path aims:owner ; sh:minCount 1 ] .
"""

DATA = """
ex:good a aims:AISystem ; aims:owner ex:someone .
<https://elsewhere.org/bad> a aims:AISystem .
"""


def test_uncompilable_shapes_fall_back_to_pyshacl_and_say_so(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(PREFIXES + CUSTOM_COMPONENT, encoding="utf-8")
    data = turtle(DATA)
    reference = validate(data, [shapes], engine="pyshacl")
    report = validate(data, [shapes], engine="sparql")
    assert isinstance(report, CompiledReport)
    assert [f.shape for f in report.fallbacks] == ["https://example.org/SystemIris"]
    assert "constraint component" in report.fallbacks[0].reason
    assert _without_blank_labels(report) == _without_blank_labels(reference)  # two parses of the shapes
    assert {r.shape for r in report.results} >= {"https://example.org/SystemIris"}
    assert report.to_json()["fallbacks"] == [f.to_json() for f in report.fallbacks]
    assert "Validated by pyshacl, not in the store:" in report.to_text()


def test_a_queryable_that_cannot_be_copied_refuses_to_fall_back(tmp_path: Path) -> None:
    shapes = Graph().parse(data=PREFIXES + CUSTOM_COMPONENT, format="turtle")
    store = OxigraphStore()
    _loaded(store, turtle(DATA), "urn:x-test:data")
    with pytest.raises(ShapesError, match="SystemIris"):
        validate_store(CountingStore(store), shapes, engine="sparql")


def test_recursive_shapes_fall_back() -> None:
    shapes = turtle("""
ex:Person a sh:NodeShape ; sh:targetClass ex:Human ;
    sh:property [ sh:path ex:knows ; sh:node ex:Person ] .
""")
    data = turtle("ex:a a ex:Human ; ex:knows ex:b . ex:b ex:knows ex:a .")
    report = validate_graphs(data, shapes, "sparql")
    assert isinstance(report, CompiledReport)
    assert report.fallbacks and "recursive" in report.fallbacks[0].reason


# ---------------------------------------------------------------------------------------------------------
# Invalid shapes are ShapesErrors, as with pyshacl
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        'ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:property [ sh:path aims:x ; sh:minCount "x" ] .',
        "ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:property [ sh:path [ sh:noSuchPath aims:x ] ] .",
        'ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:sparql [ sh:select "SELECT $this WHERE {" ] .',
        'ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:sparql [ sh:select """SELECT $this WHERE {'
        ' $this ?p ?o . MINUS { $this ?p ?o } }""" ] .',
        "ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:minCount 1 .",
        "ex:S a sh:PropertyShape ; sh:targetClass aims:Risk .",
        "ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:node [ sh:path aims:x ] .",
        'ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:sparql [ sh:select """SELECT $this WHERE {'
        ' SERVICE <https://example.org/sparql> { $this ?p ?o } }""" ] .',
    ],
    ids=["bad-min-count", "bad-path", "sparql-syntax", "sparql-minus", "node-min-count", "no-path", "node-path",
         "service"],
)  # fmt: skip
def test_invalid_shapes_raise_shapes_error(tmp_path: Path, body: str) -> None:
    shapes = tmp_path / "bad.ttl"
    shapes.write_text(PREFIXES + body + "\n", encoding="utf-8")
    with pytest.raises(ShapesError):
        validate(turtle("ex:r a aims:Risk ."), [shapes], engine="sparql")


def test_from_in_a_sparql_constraint_is_refused(tmp_path: Path) -> None:
    shapes = tmp_path / "from.ttl"
    shapes.write_text(
        PREFIXES + 'ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:sparql [ sh:select """SELECT $this '
        'FROM <https://example.org/data.ttl> WHERE { $this ?p ?o }""" ] .\n',
        encoding="utf-8",
    )
    with pytest.raises(UnsafeInputError):
        validate(turtle("ex:r a aims:Risk ."), [shapes], engine="sparql")


# ---------------------------------------------------------------------------------------------------------
# Core behaviour on small graphs, against pyshacl
# ---------------------------------------------------------------------------------------------------------

CORE_SHAPES = """
ex:Person a sh:NodeShape ; sh:targetClass ex:Person ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ;
                  sh:minLength 2 ; sh:pattern "^[A-Z]" ; sh:flags "i" ] ;
    sh:property [ sh:path ex:age ; sh:minInclusive 0 ; sh:maxExclusive 150 ] ;
    sh:property [ sh:path ex:label ; sh:uniqueLang true ; sh:languageIn ( "en" "fr" ) ] ;
    sh:property [ sh:path ex:start ; sh:lessThan ex:end ] ;
    sh:property [ sh:path ex:knows ; sh:class ex:Person ; sh:nodeKind sh:IRI ; sh:disjoint ex:dislikes ] ;
    sh:property [ sh:path ( ex:address ex:city ) ; sh:in ( ex:Paris ex:Oslo ) ] ;
    sh:property [ sh:path [ sh:inversePath ex:parent ] ; sh:qualifiedValueShape [ sh:class ex:Person ] ;
                  sh:qualifiedMaxCount 2 ] ;
    sh:property [ sh:path [ sh:zeroOrMorePath ex:manager ] ; sh:equals ex:chain ] ;
    sh:or ( [ sh:path ex:email ; sh:minCount 1 ] [ sh:path ex:phone ; sh:minCount 1 ] ) ;
    sh:xone ( [ sh:path ex:kind ; sh:hasValue ex:Staff ] [ sh:path ex:kind ; sh:hasValue ex:Guest ] ) ;
    sh:not [ sh:path ex:banned ; sh:hasValue true ] .
ex:Closed a sh:NodeShape ; sh:targetNode ex:c1 ; sh:closed true ; sh:ignoredProperties ( rdf:type ) ;
    sh:property [ sh:path ex:ok ] .
"""

CORE_DATA = """
ex:alice a ex:Person ; ex:name "Alice" ; ex:age 30 ; ex:label "A"@en, "B"@en ; ex:start 5 ; ex:end 3 ;
    ex:knows ex:bob, "carol" ; ex:dislikes ex:bob ; ex:address [ ex:city ex:Rome ] ;
    ex:email "a@example.org" ; ex:kind ex:Staff, ex:Guest ; ex:chain ex:alice .
ex:bob a ex:Person ; ex:name "b", "Bob" ; ex:age -1, "old" ; ex:label "Bob"@de ; ex:phone "1" ;
    ex:kind ex:Staff ; ex:banned true ; ex:manager ex:alice ; ex:chain ex:bob .
ex:c1 ex:ok 1 ; ex:other 2 ; a ex:Thing .
ex:k1 ex:parent ex:alice . ex:k2 ex:parent ex:alice . ex:k3 ex:parent ex:alice .
ex:k1 a ex:Person . ex:k2 a ex:Person . ex:k3 a ex:Person .
"""


def test_core_components_identical_to_pyshacl() -> None:
    shapes, data = turtle(CORE_SHAPES), turtle(CORE_DATA)
    reference = validate_graphs(data, shapes, "pyshacl")
    compiled = validate_graphs(data, shapes, "sparql")
    assert isinstance(compiled, CompiledReport) and compiled.fallbacks == []
    assert results(compiled) == results(reference)
    components = {r.constraint.rsplit("#", 1)[1] for r in compiled.results}
    assert {
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
        "MinLengthConstraintComponent",
        "MinInclusiveConstraintComponent",
        "UniqueLangConstraintComponent",
        "LanguageInConstraintComponent",
        "LessThanConstraintComponent",
        "ClassConstraintComponent",
        "NodeKindConstraintComponent",
        "DisjointConstraintComponent",
        "InConstraintComponent",
        "QualifiedMaxCountConstraintComponent",
        "EqualsConstraintComponent",
        "XoneConstraintComponent",
        "NotConstraintComponent",
        "ClosedConstraintComponent",
    } <= components


def test_written_literals_are_reported_as_written() -> None:
    """Oxigraph stores "4.0"^^xsd:decimal as "4"; results name the literal as the data wrote it."""
    shapes = turtle("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:maxInclusive 0 ] .")
    data = turtle('ex:a ex:p "4.0"^^xsd:decimal .')
    compiled = validate_graphs(data, shapes, "sparql")
    assert [r.value for r in compiled.results] == [r.value for r in validate_graphs(data, shapes, "pyshacl").results]
    assert compiled.results[0].value == '"4.0"^^<http://www.w3.org/2001/XMLSchema#decimal>'


def test_sparql_messages_are_filled_in_as_pyshacl_does() -> None:
    shapes = turtle('''
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:sparql [ sh:message "{$this} has {?value} on {?path}" ;
                sh:select """SELECT $this ?path ?value WHERE { $this ?path ?value FILTER(isLiteral(?value)) }""" ] .
''')
    data = turtle('ex:x a ex:C ; ex:p "v" .')
    compiled = validate_graphs(data, shapes, "sparql")
    assert [r.message for r in compiled.results] == ["https://example.org/x has v on https://example.org/p"]
    assert results(compiled) == results(validate_graphs(data, shapes, "pyshacl"))


# ---------------------------------------------------------------------------------------------------------
# Paths and the pre-binding rewrite
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shacl", "sparql"),
    [
        ("ex:p", "<https://example.org/p>"),
        ("[ sh:inversePath ex:p ]", "^<https://example.org/p>"),
        ("( ex:p ex:q )", "<https://example.org/p>/<https://example.org/q>"),
        ("[ sh:alternativePath ( ex:p [ sh:inversePath ex:q ] ) ]", "<https://example.org/p>|^<https://example.org/q>"),
        ("[ sh:zeroOrMorePath ( ex:p ex:q ) ]", "(<https://example.org/p>/<https://example.org/q>)*"),
        ("[ sh:oneOrMorePath [ sh:inversePath ex:p ] ]", "(^<https://example.org/p>)+"),
        ("( [ sh:alternativePath ( ex:p ex:q ) ] [ sh:zeroOrOnePath ex:r ] )",
         "(<https://example.org/p>|<https://example.org/q>)/<https://example.org/r>?"),
    ],
)  # fmt: skip
def test_paths(shacl: str, sparql: str) -> None:
    graph = turtle(f"ex:S sh:path {shacl} .")
    path_node = graph.value(URIRef("https://example.org/S"), SH.path)
    assert path_node is not None
    assert sparql_path(read_path(graph, path_node)) == sparql


FOCUS = "{ FOCUS }"


def rewrite(select: str, path: str | None = None) -> str:
    return rewrite_select(select, (), FOCUS, (), path, "<https://example.org/S>")


def test_focus_goes_into_every_group_on_the_way_to_this() -> None:
    text = rewrite(
        "SELECT $this WHERE { { FILTER (false) } UNION { FILTER ($this = <x:a>) } "
        "OPTIONAL { ?a ?b ?c } { { SELECT $this WHERE { FILTER bound($this) } } } "
        "FILTER NOT EXISTS { { FILTER ($this = <x:b>) } } }"
    )
    assert text.count(FOCUS) == 4  # WHERE, the second union branch, the group around the sub-select, its WHERE
    assert "{ FILTER (false) }" in text, "a group without $this is left alone"
    assert "NOT EXISTS { { FILTER ($this = <x:b>) } }" in text, "EXISTS substitutes the outer binding"


def test_graph_groups_keep_this_joined_from_outside() -> None:
    """A focus sub-select inside GRAPH would read only that graph; the type triples may live elsewhere."""
    text = rewrite("SELECT $this WHERE { GRAPH ?g { $this <x:p> ?o } }")
    assert text.count(FOCUS) == 1 and "GRAPH ?g { $this" in text


def test_projection_and_grouping_get_this() -> None:
    text = " ".join(rewrite("SELECT ?value WHERE { $this <x:p> ?value }").split())
    assert text.startswith("SELECT ?this ?value WHERE")
    grouped = rewrite("SELECT ?n (COUNT(*) AS ?c) WHERE { $this <x:p> ?n } GROUP BY ?n HAVING (COUNT(*) > 1)")
    assert "GROUP BY ?n ?this HAVING" in " ".join(grouped.split())


def test_path_and_current_shape_are_filled_in() -> None:
    text = rewrite("SELECT $this WHERE { $this $PATH ?v . $currentShape <x:q> ?v }", path="<x:p>/<x:q>")
    assert "$this (<x:p>/<x:q>) ?v" in text and "<https://example.org/S> <x:q> ?v" in text
    with pytest.raises(ShapesError):
        rewrite("SELECT $this WHERE { $this $PATH ?v }")


@pytest.mark.parametrize(
    "select",
    [
        "SELECT $this WHERE { $this ?p ?o MINUS { $this ?p 1 } }",
        "SELECT $this WHERE { VALUES ?x { 1 } }",
        "SELECT $this WHERE { BIND (true AS $this) }",
        "SELECT $this WHERE { { SELECT ?o WHERE { ?s ?p ?o } } }",
        "SELECT $this WHERE { { SELECT * WHERE { ?s ?p ?o } } }",
        "SELECT $this WHERE { SERVICE <x:s> { $this ?p ?o } }",
    ],
    ids=["minus", "values", "as-this", "subselect-without-this", "subselect-star", "service"],
)
def test_what_shacl_forbids_is_refused(select: str) -> None:
    with pytest.raises(ShapesError):
        rewrite(select)


@pytest.mark.parametrize(
    "select",
    [
        "SELECT $this WHERE { $this ?p ?o } LIMIT 1",
        "SELECT $this (COUNT(?o) AS ?n) WHERE { $this ?p ?o }",
        "SELECT $this WHERE { GRAPH $shapesGraph { $this ?p ?o } }",
    ],
    ids=["limit", "aggregate-without-group-by", "shapes-graph"],
)
def test_what_would_mix_focus_nodes_is_unsupported(select: str) -> None:
    with pytest.raises(Unsupported):
        rewrite(select)


def test_exists_bodies_are_split_from_the_bound_variables_outwards() -> None:
    text = rewrite(
        "SELECT $this WHERE { FILTER NOT EXISTS { ?t <x:treats> $this ; a <x:T> . ?t <x:by> ?who "
        'FILTER (?who != "x") } }'
    )
    assert "?t <x:treats> $this . FILTER EXISTS { ?t a <x:T> . ?t <x:by> ?who . FILTER (?who" in text


def test_split_exists_means_the_same(tmp_path: Path) -> None:
    """The rewritten query and one-query-per-focus-node pre-binding give the same answers."""
    data = turtle("""
ex:r1 a ex:Risk . ex:r2 a ex:Risk . ex:r3 a ex:Risk .
ex:t1 ex:treats ex:r1 ; a ex:Treatment ; ex:by ex:alice .
ex:t2 ex:treats ex:r2 ; a ex:Other .
ex:t3 ex:treats ex:r3 ; a ex:Treatment ; ex:by ex:nobody .
""")
    shapes = turtle('''
ex:S a sh:NodeShape ; sh:targetClass ex:Risk ;
    sh:sparql [ sh:select """SELECT $this WHERE { FILTER NOT EXISTS {
        ?t <https://example.org/treats> $this ; a <https://example.org/Treatment> .
        ?t <https://example.org/by> ?who FILTER (?who != <https://example.org/nobody>) } }""" ] .
''')
    compiled = validate_graphs(data, shapes, "sparql")
    assert sorted(r.focus for r in compiled.results) == ["https://example.org/r2", "https://example.org/r3"]
    assert results(compiled) == results(validate_graphs(data, shapes, "pyshacl"))
