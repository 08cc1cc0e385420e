"""The OWL 2 RL rules engine: the same inferred types and inverse values as HermiT, clashes named with their
nodes, reasoning in place on an on-disk store and on a remote server, and the list of what it leaves out."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from servers import oxigraph_serve

from aims_graph import resources
from aims_graph.cli import main
from aims_graph.reasoning import hermit
from aims_graph.reasoning.rules import Program, compile_schema
from aims_graph.reasoning.run import (
    INFERRED_GRAPH,
    RulesResult,
    compile_store,
    order,
    reason_in_store,
    reference_program,
)
from aims_graph.reasoning.schema import read_schema
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs
from aims_graph.synthetic import write as generate

AIMS = "https://w3id.org/aims-graph/ontology#"
EX = "https://example.org/x/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIXES = (
    "@prefix aims: <https://w3id.org/aims-graph/ontology#> .\n"
    "@prefix ex: <https://example.org/x/> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
    "@prefix iso42001: <https://w3id.org/aims-graph/iso42001/> .\n"
)


def store_with(path: Path | None = None, turtle: str | None = None) -> OxigraphStore:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    if path is not None:
        store.load(path)
    if turtle is not None:
        store.load_bytes((PREFIXES + turtle).encode(), ox.RdfFormat.TURTLE, EX + "graph", "test data")
    return store


def run_rules(store: OxigraphStore) -> tuple[RulesResult, Program]:
    program = compile_store(store)
    return reason_in_store(store, publish=False, collect=True), program


def data_triples(path: Path | None = None, turtle: str | None = None) -> list[ox.Triple]:
    if path is not None:
        fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES
        return [q.triple for q in ox.parse(path=str(path), format=fmt)]
    return [q.triple for q in ox.parse((PREFIXES + (turtle or "")).encode(), format=ox.RdfFormat.TURTLE)]


def as_hermit_reports(data: list[ox.Triple], inferred: list[ox.Triple], program: Program) -> set[ox.Triple]:
    """The rules' answer in the form `reason.reason` (HermiT) reports it.

    The rules write every entailed type; HermiT (through owlready2) reports, for each individual of the data,
    the most specific types it did not already assert, and the values of aims: properties. Reducing the
    rules' closure that way must give exactly HermiT's set.
    """
    everything = list(dict.fromkeys([*hermit.reference_triples(), *data]))
    individuals = hermit._individuals(everything)
    asserted: dict[ox.NamedNode | ox.BlankNode, set[str]] = defaultdict(set)
    for t in everything:
        if t.predicate.value == TYPE and isinstance(t.object, ox.NamedNode):
            asserted[t.subject].add(t.object.value)  # type: ignore[index]
    inferred_types: dict[ox.NamedNode | ox.BlankNode, set[str]] = defaultdict(set)
    out: set[ox.Triple] = set()
    for t in inferred:
        if t.predicate.value == TYPE:
            inferred_types[t.subject].add(t.object.value)  # type: ignore[index,union-attr]
        elif t.subject in individuals and t.predicate.value.startswith(AIMS):
            out.add(t)
    for node in individuals:
        types = asserted[node] | inferred_types[node]
        for cls in types - asserted[node]:
            below = any(d != cls and cls in program.ancestors(d) and d not in program.ancestors(cls) for d in types)
            if not below and not cls.startswith(hermit.OWL):
                out.add(ox.Triple(node, ox.NamedNode(TYPE), ox.NamedNode(cls)))
    return out


def types_of(store: OxigraphStore, result: RulesResult, node: str) -> set[str]:
    asserted = store.query(f"SELECT ?c WHERE {{ <{node}> a ?c }}")
    found = {row[0].value for row in asserted.rows if row[0] is not None}  # type: ignore[union-attr]
    return found | {t.object.value for t in result.triples if t.subject.value == node and t.predicate.value == TYPE}


# ------------------------------------------------------------------------------------------ same as HermiT


def assert_same_as_hermit(path: Path | None = None, turtle: str | None = None) -> RulesResult:
    result, program = run_rules(store_with(path, turtle))
    expected = hermit.reason(data_triples(path, turtle))
    assert result.consistent == expected.consistent, (result.explanation, expected.explanation)
    found = as_hermit_reports(data_triples(path, turtle), result.triples, program)
    assert found == set(expected.inferred), (
        sorted(map(str, found - set(expected.inferred)))[:10],
        sorted(map(str, set(expected.inferred) - found))[:10],
    )
    return result


@pytest.mark.slow
@pytest.mark.parametrize("example", [resources.CONFORMANT_EXAMPLE, resources.GAPS_EXAMPLE])
def test_examples_give_exactly_hermits_types_and_inverse_values(example: str) -> None:
    result = assert_same_as_hermit(path=resources.example_file(example))
    assert result.inferred > 100


@pytest.mark.slow
@pytest.mark.parametrize("systems", [85, 212], ids=["10k", "25k"])
def test_generated_graphs_give_exactly_hermits_answer(systems: int, tmp_path: Path) -> None:
    path = tmp_path / f"synthetic-{systems}.nt"
    generate(path, systems)
    assert_same_as_hermit(path=path)


# One passing and one failing small graph per defined class: (class, node, turtle, expected membership).
DEFINED_CASES = [
    ("TreatedRisk", "r", "ex:r a aims:Risk . ex:t a aims:RiskTreatment ; aims:treats ex:r .", True),
    ("TreatedRisk", "r", "ex:r a aims:Risk ; aims:treatedBy ex:t . ex:t a aims:RiskTreatment .", True),
    ("TreatedRisk", "r", "ex:r a aims:Risk . ex:t a aims:RiskTreatment ; aims:appliesControl ex:c .", False),
    ("HighRisk", "r", "ex:r a aims:Risk ; aims:riskLevel 15 .", True),
    ("HighRisk", "r", 'ex:r a aims:Risk ; aims:riskLevel "20"^^xsd:int .', True),
    ("HighRisk", "r", "ex:r a aims:Risk ; aims:riskLevel 14 .", False),
    (
        "SystemWithHighRisk",
        "s",
        "ex:s a aims:AISystem . ex:r a aims:Risk ; aims:riskLevel 16 ; aims:affectsSystem ex:s .",
        True,
    ),
    (
        "SystemWithHighRisk",
        "s",
        "ex:s a aims:AISystem . ex:r a aims:Risk ; aims:riskLevel 9 ; aims:affectsSystem ex:s .",
        False,
    ),
    ("ExcludedControlEntry", "e", "ex:e a aims:ApplicabilityEntry ; aims:applicable false .", True),
    ("ExcludedControlEntry", "e", "ex:e a aims:ApplicabilityEntry ; aims:applicable true .", False),
    ("EvidencedControl", "c", "ex:c a aims:Control . ex:v a aims:Evidence ; aims:evidenceFor ex:c .", True),
    (
        "EvidencedControl",
        "c",
        "ex:c a aims:Control . ex:l a aims:Clause . ex:v a aims:Evidence ; aims:evidenceFor ex:l .",
        False,
    ),
    ("AssessedSystem", "s", "ex:s a aims:AISystem . ex:a a aims:ImpactAssessment ; aims:assesses ex:s .", True),
    ("AssessedSystem", "s", "ex:s a aims:AISystem . ex:a a aims:ImpactAssessment ; aims:considersParty ex:p .", False),
]
CASE_IDS = [f"{cls}-{'in' if expected else 'out'}-{i}" for i, (cls, _, _, expected) in enumerate(DEFINED_CASES)]


@pytest.mark.parametrize(("cls", "node", "turtle", "expected"), DEFINED_CASES, ids=CASE_IDS)
def test_defined_classes_classify_small_graphs(cls: str, node: str, turtle: str, expected: bool) -> None:
    store = store_with(turtle=turtle)
    result, _ = run_rules(store)
    assert result.consistent, result.explanation
    assert (AIMS + cls in types_of(store, result, EX + node)) is expected


@pytest.mark.slow
@pytest.mark.parametrize(("cls", "node", "turtle", "expected"), DEFINED_CASES, ids=CASE_IDS)
def test_small_graphs_agree_with_hermit(cls: str, node: str, turtle: str, expected: bool) -> None:
    assert_same_as_hermit(turtle=turtle)


def test_an_asserted_excluded_entry_gets_its_value() -> None:
    """cls-hv1: a member of (applicable value false) has the value; checks then see it."""
    store = store_with(turtle="ex:e a aims:ExcludedControlEntry .")
    result, _ = run_rules(store)
    assert ox.Triple(ox.NamedNode(EX + "e"), ox.NamedNode(AIMS + "applicable"), ox.Literal(False)) in result.triples
    assert AIMS + "ApplicabilityEntry" in types_of(store, result, EX + "e")
    clash = store_with(turtle="ex:e a aims:ExcludedControlEntry ; aims:applicable true .")
    assert not reason_in_store(clash).consistent


# ------------------------------------------------------------------------------------------ inconsistencies


def clashes(turtle: str) -> RulesResult:
    result = reason_in_store(store_with(turtle=turtle))
    assert not result.consistent
    return result


def test_disjoint_classes_are_reported_with_the_node_and_the_axiom() -> None:
    result = clashes("ex:thing a aims:Risk, aims:Control .")
    assert any(
        "https://example.org/x/thing" in line
        and "aims:Risk: asserted" in line
        and "aims:Control: asserted" in line
        and "AllDisjointClasses" in line
        for line in result.explanation
    ), result.explanation
    assert {c.nodes for c in result.clashes} == {(EX + "thing",)}


def test_disjointness_through_a_range_says_which_range() -> None:
    result = clashes("ex:r a aims:Risk ; aims:affectsSystem ex:c .\nex:c a aims:Control .")
    line = next(line for line in result.explanation if line.startswith(EX + "c is in disjoint classes"))
    assert "aims:AISystem: implied as a value of aims:affectsSystem (rdfs:range)" in line


def test_disjointness_through_a_defined_class_is_found() -> None:
    """HighRisk is inferred, its superclass Risk is disjoint with Control: the clash goes through the rules."""
    result = clashes("ex:x a aims:Control ; aims:riskLevel 20 .")
    assert any(line.startswith(EX + "x is in disjoint classes") for line in result.explanation)


def test_two_values_of_a_functional_data_property_clash() -> None:
    result = clashes("ex:r a aims:Risk ; aims:likelihood 2, 3 .")
    assert result.explanation == [
        f'{EX}r has several values for the functional property aims:likelihood: "2"^^<http://www.w3.org/2001/'
        'XMLSchema#integer>, "3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    ]


def test_equal_values_of_a_functional_data_property_do_not_clash() -> None:
    store = store_with(turtle='ex:r a aims:Risk ; aims:likelihood 2, "02"^^xsd:integer .')
    assert reason_in_store(store).consistent


def test_values_known_to_be_different_clash_and_others_only_warn() -> None:
    result = clashes("ex:r a aims:Risk ; aims:treatmentDecision aims:Modify, aims:Accept .")
    assert any("functional property aims:treatmentDecision" in line for line in result.explanation)
    store = store_with(turtle="ex:m a aims:ManagementSystem ; aims:organization ex:o1, ex:o2 .")
    fine = reason_in_store(store)
    assert fine.consistent
    assert any("aims:organization" in w and "HermiT would take them for one individual" in w for w in fine.warnings)


@pytest.mark.parametrize(
    ("turtle", "value"),
    [
        ('ex:r a aims:Risk ; aims:riskLevel "high" .', '"high"'),
        ('ex:r a aims:Risk ; aims:riskLevel "abc"^^xsd:integer .', "abc"),
        ('ex:e a aims:ApplicabilityEntry ; aims:applicable "no" .', '"no"'),
        ("ex:s a aims:AISystem ; aims:intendedUse 3 .", "3"),
    ],
)
def test_wrong_datatypes_are_reported(turtle: str, value: str) -> None:
    result = clashes(turtle)
    assert len(result.clashes) == 1 and result.clashes[0].kind == "datatype"
    assert value in result.explanation[0] and "but the range of" in result.explanation[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    "turtle",
    [
        "ex:thing a aims:Risk, aims:Control .",
        "ex:r a aims:Risk ; aims:affectsSystem ex:c .\nex:c a aims:Control .",
        "ex:x a aims:Control ; aims:riskLevel 20 .",
        "ex:r a aims:Risk ; aims:likelihood 2, 3 .",
        "ex:r a aims:Risk ; aims:treatmentDecision aims:Modify, aims:Accept .",
        'ex:r a aims:Risk ; aims:riskLevel "high" .',
    ],
)
def test_hermit_agrees_these_are_inconsistent(turtle: str) -> None:
    assert not hermit.reason(data_triples(turtle=turtle)).consistent


def test_an_inconsistent_run_leaves_no_inferred_graph() -> None:
    """Its triples were drawn from data that no longer holds; nothing half-made is left either."""
    store = store_with(turtle="ex:r a aims:Risk ; aims:riskLevel 18 .")
    assert reason_in_store(store).consistent
    assert INFERRED_GRAPH in {g.name for g in store.graphs()}
    store.load_bytes((PREFIXES + "ex:r a aims:Control .").encode(), ox.RdfFormat.TURTLE, EX + "more", "more")
    assert not reason_in_store(store).consistent
    names = {g.name for g in store.graphs()}
    assert INFERRED_GRAPH not in names and all("pending" not in name for name in names)


def test_writing_to_a_file_leaves_the_store_alone() -> None:
    """Without publishing, an earlier inferred graph stays and is not taken for data."""
    store = store_with(turtle="ex:r a aims:Risk ; aims:riskLevel 18 .")
    first = reason_in_store(store)
    again = reason_in_store(store, publish=False, collect=True)
    assert again.inferred == first.inferred > 0
    published = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}")
    assert set(again.triples) == set(published.triples)  # type: ignore[union-attr]
    assert {g.name: g.triples for g in store.graphs()}[INFERRED_GRAPH] == first.inferred


# ------------------------------------------------------------------------------------------ in place


def test_reasoning_in_place_on_an_on_disk_store(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    assert main(["load", "--store", str(store_dir), str(resources.example_file(resources.CONFORMANT_EXAMPLE))]) == 0
    assert main(["reason", "--store", str(store_dir)]) == 0
    store = OxigraphStore(store_dir)
    first = {g.name: g.triples for g in store.graphs()}[INFERRED_GRAPH]
    assert first > 100
    answer = store.query(
        f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <https://example.org/northwind/risk-01> a <{AIMS}HighRisk> }} }}"
    )
    assert getattr(answer, "value", None) is True
    del store
    assert main(["reason", "--store", str(store_dir)]) == 0  # again: the same graph, not a growing one
    assert {g.name: g.triples for g in OxigraphStore(store_dir).graphs()}[INFERRED_GRAPH] == first


@pytest.fixture(scope="module")
def own_server() -> Iterator[SparqlEndpointStore]:
    """A server of its own: the rules read every graph of the store, so no other test's graphs may be there."""
    with oxigraph_serve() as server:
        yield SparqlEndpointStore(server.query, server.update, server.store)


@pytest.fixture(scope="module")
def server_without_union() -> Iterator[SparqlEndpointStore]:
    """`oxigraph serve` whose default graph is its own graph: the rules name the graphs with USING there."""
    with oxigraph_serve(union=False) as server:
        yield SparqlEndpointStore(server.query, server.update, server.store)


@pytest.mark.parametrize("server", ["own_server", "server_without_union"])
def test_reasoning_on_a_remote_server_gives_the_embedded_answer(server: str, request: pytest.FixtureRequest) -> None:
    remote_store: SparqlEndpointStore = request.getfixturevalue(server)
    example = resources.example_file(resources.GAPS_EXAMPLE)
    ensure_reference_graphs(remote_store)
    remote_store.load(example)
    remote = reason_in_store(remote_store)
    local, _ = run_rules(store_with(example))
    assert remote.consistent and remote.inferred == local.inferred
    answer = remote_store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}")
    assert set(answer.triples) == set(local.triples)  # type: ignore[union-attr]
    clash = PREFIXES + "ex:x a aims:Risk, aims:Control ."
    remote_store.load_bytes(clash.encode(), ox.RdfFormat.TURTLE, EX + "clash", "clash")
    found = reason_in_store(remote_store)
    assert not found.consistent and found.clashes[0].nodes == (EX + "x",)
    remote_store.drop(EX + "clash")


# ------------------------------------------------------------------------------------------ the compiler


def test_the_rules_are_compiled_from_the_axioms_not_written_per_class() -> None:
    """A class defined in a user's own ontology is classified too."""
    extra = (
        "ex:BigRisk owl:equivalentClass [ a owl:Class ; owl:intersectionOf ( aims:Risk [ a owl:Restriction ; "
        "owl:onProperty aims:likelihood ; owl:hasValue 5 ] ) ] .\n"
        "ex:partOf a owl:ObjectProperty ; owl:inverseOf ex:hasPart ; rdfs:subPropertyOf ex:relatedTo .\n"
        "ex:r a aims:Risk ; aims:likelihood 5 ; ex:partOf ex:whole .\n"
    )
    store = store_with(turtle="@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + extra)
    result, _ = run_rules(store)
    assert EX + "BigRisk" in types_of(store, result, EX + "r")
    assert ox.Triple(ox.NamedNode(EX + "whole"), ox.NamedNode(EX + "hasPart"), ox.NamedNode(EX + "r")) in result.triples
    assert (
        ox.Triple(ox.NamedNode(EX + "r"), ox.NamedNode(EX + "relatedTo"), ox.NamedNode(EX + "whole")) in result.triples
    )


def test_rules_run_in_dependency_order() -> None:
    names = [group[0].name for group in order(reference_program().rules)]
    assert names.index("members of aims:HighRisk") < names.index("members of aims:SystemWithHighRisk")
    assert names.index("values of aims:affectsSystem") < names.index("members of aims:SystemWithHighRisk")


def test_what_the_rules_leave_out_is_listed_in_the_docs() -> None:
    """docs/reasoning.md lists, word for word, what the compiler reports for the bundled ontology."""
    unsupported = reference_program().unsupported
    assert any("aims:owner rdfs:range (aims:Role or foaf:Agent)" in line for line in unsupported)
    assert any("aims:LifecycleStage owl:oneOf" in line for line in unsupported)
    docs = (Path(__file__).resolve().parents[1] / "docs" / "reasoning.md").read_text(encoding="utf-8")
    listed = [line[2:] for line in docs.splitlines() if line.startswith("- ")]
    assert [line for line in listed if line in unsupported] == unsupported


def test_unsupported_axioms_are_named() -> None:
    schema = read_schema(
        data_triples(
            turtle="@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            "ex:p a owl:TransitiveProperty .\n"
            "ex:C rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:p ; owl:maxCardinality 1 ] .\n"
        )
    )
    unsupported = compile_schema(schema).unsupported
    assert any("ex:p" in line or "https://example.org/x/p" in line for line in unsupported)
    assert any("maxCardinality" in line for line in unsupported)


# ------------------------------------------------------------------------------------------ command line


def test_cli_default_engine_is_rules_and_writes_turtle(tmp_path: Path) -> None:
    out = tmp_path / "inferred.ttl"
    assert main(["reason", str(resources.example_file(resources.CONFORMANT_EXAMPLE)), "--out", str(out)]) == 0
    triples = data_triples(path=out)
    assert (
        ox.Triple(
            ox.NamedNode("https://example.org/northwind/risk-01"), ox.NamedNode(TYPE), ox.NamedNode(AIMS + "HighRisk")
        )
        in triples
    )


def test_cli_reports_clashes_like_hermit(tmp_path: Path) -> None:
    data = tmp_path / "clash.ttl"
    data.write_text(
        PREFIXES + "ex:r a aims:Risk ; aims:affectsSystem ex:c ; aims:likelihood 2, 3 .\nex:c a aims:Control .\n"
    )
    done = subprocess.run([sys.executable, "-m", "aims_graph.cli", "reason", str(data)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "https://example.org/x/c is in disjoint classes" in done.stdout and "rdfs:range" in done.stdout
    assert "functional property aims:likelihood" in done.stdout


def test_cli_lists_what_the_rules_leave_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reason", "--unsupported"]) == 0
    assert "aims:owner rdfs:range" in capsys.readouterr().out


def test_cli_refuses_files_with_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = str(resources.example_file(resources.CONFORMANT_EXAMPLE))
    assert main(["reason", "--store", str(tmp_path / "store"), example]) == 2
    assert "load the files first" in capsys.readouterr().err
