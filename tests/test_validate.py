"""validate() and the report model: JSON, RDF and text forms, user shapes, errors, and the examples."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from aims_graph import resources
from aims_graph.errors import ShapesError, UnsafeInputError, UserInputError
from aims_graph.validation.report import (
    SHAPES,
    ValidationReport,
    ValidationResult,
    parse_path,
    parse_term,
    render_path,
    render_term,
)
from aims_graph.validation.validate import validate

AIMS = Namespace("https://w3id.org/aims-graph/ontology#")
EX = Namespace("https://example.org/")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # rdflib's closed XSD namespace warns under pytest

PREFIXES = """
@prefix aims: <https://w3id.org/aims-graph/ontology#> .
@prefix iso42001: <https://w3id.org/aims-graph/iso42001/> .
@prefix ex: <https://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

# A few defects of different kinds: a literal value, an inverse path, a SPARQL result with a path, and a
# blank node focus.
DEFECTS = (
    PREFIXES
    + """
ex:risk a aims:Risk ;
    aims:affectsSystem ex:system ;
    aims:riskOwner ex:owner ;
    aims:treatmentDecision aims:Accept ;
    aims:likelihood "often" ;
    aims:consequence 9 ;
    aims:riskLevel 3 .
ex:criteria a aims:RiskCriteria ; aims:likelihoodScaleMax 5 ; aims:consequenceScaleMax 5 ;
    aims:acceptanceThreshold 6 .
ex:system a aims:AISystem ; aims:owner ex:owner ; aims:intendedUse "Test." ;
    aims:lifecycleStage aims:Deployment ; aims:inScope false .
ex:nc a aims:Nonconformity .
[] a aims:InterestedParty .
"""
)


def turtle(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def blank_nodes_hidden(text: str | None) -> str | None:
    """Blank node labels change on every parse; compare everything else."""
    return "_:" if text is not None and text.startswith("_:") else text


def by_shape(report: ValidationReport, name: str) -> list[ValidationResult]:
    return [r for r in report.results if r.shape == str(SHAPES[name])]


# ---------------------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------------------


def test_json_has_the_documented_form() -> None:
    report = validate(turtle(DEFECTS))
    data = json.loads(json.dumps(report.to_json()))
    assert set(data) == {"conforms", "results"}
    assert data["conforms"] is False
    for result in data["results"]:
        assert set(result) == {
            "focus",
            "path",
            "value",
            "severity",
            "message",
            "shape",
            "constraint",
            "clauses",
        }
        assert all(isinstance(result[k], str) for k in ("focus", "severity", "message", "shape", "constraint"))
        assert result["path"] is None or isinstance(result["path"], str)
        assert result["value"] is None or isinstance(result["value"], str)
        assert isinstance(result["clauses"], list)


def test_terms_and_paths_are_rendered_as_documented() -> None:
    report = validate(turtle(DEFECTS))
    [likelihood] = by_shape(report, "RiskLikelihood")
    assert likelihood.focus == str(EX.risk)
    assert likelihood.path == f"<{AIMS.likelihood}>"
    assert likelihood.value == '"often"'
    assert likelihood.severity == str(SH.Violation)
    assert likelihood.constraint == str(SH.DatatypeConstraintComponent)
    assert likelihood.clauses == ["6.1.2", "8.2"]
    assert likelihood.message

    [scale] = by_shape(report, "RiskOnScale")
    assert scale.path == f"<{AIMS.consequence}>"
    assert scale.value == f'"9"^^<{XSD.integer}>'
    assert scale.constraint == str(SH.SPARQLConstraintComponent)

    [corrected] = by_shape(report, "NonconformityCorrected")
    assert corrected.path == f"^<{AIMS.addresses}>"
    assert corrected.value is None
    assert corrected.clauses == ["10.2"]

    [party] = by_shape(report, "InterestedPartyRequirements")
    assert party.focus.startswith("_:")
    assert party.severity == str(SH.Warning)


def test_results_are_sorted_and_reproducible() -> None:
    data = turtle(DEFECTS)
    first = validate(data).to_json()
    second = validate(data).to_json()
    assert first == second
    keys = [(r["shape"], r["focus"], r["path"] or "", r["value"] or "") for r in first["results"]]
    assert keys == sorted(keys)


def test_conforms_means_no_results() -> None:
    report = ValidationReport(conforms=True)
    assert report.to_json() == {"conforms": True, "results": []}
    assert report.to_text().startswith("Conforms: yes")


# ---------------------------------------------------------------------------------------------------------
# RDF
# ---------------------------------------------------------------------------------------------------------


def test_turtle_report_round_trips() -> None:
    report = validate(turtle(DEFECTS))
    text = report.to_graph().serialize(format="turtle")
    graph = Graph().parse(data=text, format="turtle")
    [node] = list(graph.subjects(RDF.type, SH.ValidationReport))
    assert graph.value(node, SH.conforms) == Literal(False)
    results = list(graph.objects(node, SH.result))
    assert len(results) == len(report.results)
    round_tripped = set()
    for result in results:
        assert (result, RDF.type, SH.ValidationResult) in graph
        path = graph.value(result, SH.resultPath)
        value = graph.value(result, SH.value)
        round_tripped.add(
            (
                blank_nodes_hidden(render_term(graph.value(result, SH.focusNode))),  # type: ignore[arg-type]
                None if path is None else render_path(graph, path),
                None if value is None else render_term(value),
                render_term(graph.value(result, SH.sourceShape)),  # type: ignore[arg-type]
                render_term(graph.value(result, SH.resultSeverity)),  # type: ignore[arg-type]
                render_term(graph.value(result, SH.sourceConstraintComponent)),  # type: ignore[arg-type]
                str(graph.value(result, SH.resultMessage)),
            )
        )
    expected = {
        (blank_nodes_hidden(r.focus), r.path, r.value, r.shape, r.severity, r.constraint, r.message)
        for r in report.results
    }
    assert round_tripped == expected


@pytest.mark.parametrize(
    "term",
    [
        URIRef("https://example.org/a"),
        BNode("b0"),
        Literal("plain"),
        Literal('quote " backslash \\ newline \n return \r tab \t'),
        Literal("chat", lang="fr"),
        Literal("2025-06-30", datatype=XSD.date),
        Literal(7),
        Literal("ünïcödé ✓"),
    ],
)
def test_term_round_trip(term: URIRef | BNode | Literal) -> None:
    assert parse_term(render_term(term)) == term


def test_xsd_string_is_written_as_a_plain_literal() -> None:
    assert render_term(Literal("x", datatype=XSD.string)) == '"x"'


@pytest.mark.parametrize(
    "path",
    [
        "<https://example.org/p>",
        "^<https://example.org/p>",
        "<https://example.org/p>/<https://example.org/q>",
        "<https://example.org/p>|^<https://example.org/q>",
        "(<https://example.org/p>|<https://example.org/q>)/<https://example.org/r>",
        "<https://example.org/p>*/<https://example.org/q>+/<https://example.org/r>?",
        "^(<https://example.org/p>/<https://example.org/q>)",
        "(^<https://example.org/p>)*",
    ],
)
def test_path_round_trip(path: str) -> None:
    graph = Graph()
    node = parse_path(path, graph)
    assert render_path(graph, node) == path


def test_path_parse_matches_shacl_rdf() -> None:
    graph = Graph()
    node = parse_path("^<https://example.org/p>", graph)
    expected = Graph()
    blank = BNode()
    expected.add((blank, SH.inversePath, URIRef("https://example.org/p")))
    assert isomorphic(graph, expected)
    assert isinstance(node, BNode)


# ---------------------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------------------


def test_text_summary_groups_by_clause(tmp_path: Path) -> None:
    report = validate(turtle(DEFECTS))
    text = report.to_text()
    assert text.startswith(f"Conforms: no ({len(report.results)} results")
    summary = text.split("Results by clause:\n", 1)[1].split("\n\n", 1)[0]
    counts = {line.split()[0]: int(line.split()[-1]) for line in summary.splitlines()}
    expected: dict[str, int] = {}
    for result in report.results:
        for clause in result.clauses:
            expected[clause] = expected.get(clause, 0) + 1
    assert counts == expected
    assert list(counts) == sorted(counts, key=lambda c: [(0, int(p)) if p.isdigit() else (1, p) for p in c.split(".")])
    lines = text.split("Results:\n", 1)[1].splitlines()
    assert len(lines) == len(report.results)
    assert any("aimsh:RiskOnScale" in line and "path=aims:consequence" in line for line in lines)


def test_text_summary_has_a_no_clause_group(tmp_path: Path) -> None:
    shapes = write(
        tmp_path,
        "shapes.ttl",
        PREFIXES
        + """
ex:Unsourced a sh:NodeShape ; sh:targetClass aims:Risk ;
    sh:property [ sh:path aims:riskOwner ; sh:maxCount 0 ] .
""",
    )
    report = validate(turtle(DEFECTS), shapes=[shapes])
    assert [r.clauses for r in report.results] == [[]]
    assert "  no clause  1" in report.to_text()


# ---------------------------------------------------------------------------------------------------------
# User shapes and errors
# ---------------------------------------------------------------------------------------------------------


def test_user_shapes_replace_ours(tmp_path: Path) -> None:
    shapes = write(
        tmp_path,
        "shapes.ttl",
        PREFIXES
        + """
ex:RiskNamed a sh:NodeShape ;
    sh:targetClass aims:Risk ;
    dcterms:source iso42001:6-1-2, iso42001:A-5-2 ;
    sh:property ex:RiskLabel .
ex:RiskLabel sh:path <http://www.w3.org/2000/01/rdf-schema#label> ; sh:minCount 1 ;
    sh:message "A risk needs a label." .
""",
    )
    report = validate(turtle(DEFECTS), shapes=[shapes])
    assert [(r.shape, r.focus) for r in report.results] == [(str(EX.RiskLabel), str(EX.risk))]
    [result] = report.results
    assert result.clauses == ["6.1.2", "A.5.2"], "a property shape falls back on its parent's sources"
    assert result.message == "A risk needs a label."


def test_user_shapes_see_the_catalogue(tmp_path: Path) -> None:
    shapes = write(
        tmp_path,
        "shapes.ttl",
        PREFIXES
        + """
ex:ControlsHaveLabels a sh:NodeShape ; sh:targetClass aims:Control ;
    sh:property [ sh:path <http://www.w3.org/2004/02/skos/core#prefLabel> ; sh:minCount 1 ] .
""",
    )
    assert validate(Graph(), shapes=[shapes]).conforms


@pytest.mark.parametrize(
    "body",
    [
        'ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:property [ sh:path aims:x ; sh:minCount "x" ] .',
        "ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:property [ sh:path [ sh:noSuchPath aims:x ] ] .",
        'ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:sparql [ sh:select "SELECT $this WHERE {" ] .',
        'ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:sparql [ sh:select """SELECT $this WHERE {'
        ' $this ?p ?o . MINUS { $this ?p ?o } }""" ] .',
        "ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:property [ sh:path",
    ],
    ids=["bad-min-count", "bad-path", "sparql-syntax", "sparql-minus", "turtle-syntax"],
)
def test_invalid_shapes_raise_shapes_error(tmp_path: Path, body: str) -> None:
    shapes = write(tmp_path, "bad.ttl", PREFIXES + body + "\n")
    with pytest.raises(ShapesError):
        validate(turtle(DEFECTS), shapes=[shapes])


@pytest.mark.parametrize(
    ("select", "error"),
    [
        # pyshacl refuses this one itself.
        ("SELECT $this WHERE { SERVICE <https://example.org/sparql> { $this ?p ?o } }", ShapesError),
        # These pass pyshacl's own checks; rdflib would go to the network.
        ("SELECT $this WHERE { FILTER EXISTS { SERVICE?endpoint { $this ?p ?o } } }", UnsafeInputError),
        ("SELECT $this FROM <https://example.org/data.ttl> WHERE { $this ?p ?o }", UnsafeInputError),
    ],
    ids=["service", "service-no-space", "from"],
)
def test_queries_that_reach_the_network_are_refused(tmp_path: Path, select: str, error: type[Exception]) -> None:
    shapes = write(
        tmp_path,
        "net.ttl",
        PREFIXES + f'ex:S a sh:NodeShape ; sh:targetClass aims:Risk ; sh:sparql [ sh:select """{select}""" ] .\n',
    )
    with pytest.raises(error):
        validate(turtle(DEFECTS), shapes=[shapes], engine="pyshacl")
    with pytest.raises((ShapesError, UnsafeInputError)):
        validate(turtle(DEFECTS), shapes=[shapes], engine="auto")


def test_shapes_files_are_parsed_safely(tmp_path: Path) -> None:
    remote = write(
        tmp_path,
        "remote.jsonld",
        '{"@context": "https://example.org/context.jsonld", "@id": "https://example.org/S"}',
    )
    with pytest.raises(UnsafeInputError):
        validate(Graph(), shapes=[remote])
    entities = write(
        tmp_path,
        "entities.rdf",
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
    )
    with pytest.raises(UnsafeInputError):
        validate(Graph(), shapes=[entities])


def test_shapes_in_other_rdf_formats(tmp_path: Path) -> None:
    shapes = turtle(
        PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass aims:Nonconformity ; sh:property [ sh:path "
        "aims:against ; sh:minCount 1 ] ."
    )
    path = write(tmp_path, "shapes.nt", shapes.serialize(format="nt"))
    report = validate(turtle(DEFECTS), shapes=[path])
    assert [r.focus for r in report.results] == [str(EX.nc)]


def test_unknown_engine_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="engine"):
        validate(Graph(), engine="jena")


def test_missing_or_no_shapes_files_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserInputError):
        validate(Graph(), shapes=[tmp_path / "absent.ttl"])
    with pytest.raises(UserInputError):
        validate(Graph(), shapes=[])


# ---------------------------------------------------------------------------------------------------------
# Data handling
# ---------------------------------------------------------------------------------------------------------


def test_data_is_not_modified() -> None:
    data = turtle(DEFECTS)
    before = len(data)
    validate(data)
    assert len(data) == before


def test_a_dataset_is_validated_as_the_union_of_its_graphs() -> None:
    data = Dataset()
    data.graph(URIRef("https://example.org/graph/a")).add((EX.nc, RDF.type, AIMS.Nonconformity))
    report = validate(data)
    assert [r.focus for r in by_shape(report, "NonconformityCorrected")] == [str(EX.nc)]


def _policy(last_reviewed: datetime.date) -> Graph:
    return turtle(
        PREFIXES
        + f"""
ex:board a aims:TopManagement .
ex:policy a aims:AIPolicy ; aims:approvedBy ex:board ;
    aims:lastReviewed "{last_reviewed.isoformat()}"^^xsd:date ; aims:reviewIntervalMonths 12 .
"""
    )


def test_policy_review_is_judged_at_today_without_an_as_of_date() -> None:
    today = datetime.date.today()
    recent = today - datetime.timedelta(days=60)
    stale = today.replace(year=today.year - 2, day=1)
    assert by_shape(validate(_policy(recent)), "AIPolicyReviewed") == []
    assert [r.focus for r in by_shape(validate(_policy(stale)), "AIPolicyReviewed")] == [str(EX.policy)]


# ---------------------------------------------------------------------------------------------------------
# The bundled examples
# ---------------------------------------------------------------------------------------------------------

_GAP = re.compile(r"^#\s*gap:\s*(\S+)\s+(\S+)\s+--")


def test_conformant_example_conforms() -> None:
    graph = Graph().parse(resources.example_file(resources.CONFORMANT_EXAMPLE))
    report = validate(graph)
    assert report.results == [], report.to_text()
    assert report.conforms


def test_gaps_example_fails_exactly_on_its_documented_gaps() -> None:
    path = resources.example_file(resources.GAPS_EXAMPLE)
    graph = Graph().parse(path)
    expected = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _GAP.match(line)
        if match:
            focus, shape = match.groups()
            expected.add((str(graph.namespace_manager.expand_curie(focus)), str(SHAPES[shape.removeprefix("aimsh:")])))
    assert expected, "the gaps example documents its gaps in '# gap:' lines"
    report = validate(graph)
    assert {(r.focus, r.shape) for r in report.results} == expected
