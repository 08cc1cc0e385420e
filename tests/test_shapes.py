"""The shapes in shapes/: their metadata, their test graphs, and SHACL-SHACL.

Every rule shape has tests/data/valid/<Shape>.ttl and tests/data/invalid/<Shape>.ttl. An invalid file
starts with ``# expect: aimsh:<Shape> <focus>`` lines that list exactly the (shape, focus) pairs its
validation must produce; a valid file must produce no result at all.

Small graphs can conform to every shape only if they also carry a Statement of Applicability that covers
all 38 Annex A controls of the catalogue (validate() always merges the catalogue). So each test graph is
validated together with a generated SoA, one "not applicable" entry per catalogue control, unless its
header says ``# generated-soa: no`` (the files that test SoA coverage itself). Test graphs use the
organisation's own controls wherever they need applicability entries, so they never collide with it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pyoxigraph as ox
import pytest
from rdflib import DCTERMS, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH

from aims_graph import resources
from aims_graph.validation.report import SHAPES
from aims_graph.validation.validate import validate

DATA = Path(__file__).parent / "data"
SHACL_SHACL = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "reference"
    / "w3c-shacl-tests"
    / "core"
    / "complex"
    / "shacl-shacl.ttl"
)
AIMS = Namespace("https://w3id.org/aims-graph/ontology#")
ISO42001 = Namespace("https://w3id.org/aims-graph/iso42001/")
EX = Namespace("https://example.org/")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

REQUIRED_SHAPES = {
    "AISystemOwner", "AISystemIntendedUse", "AISystemLifecycleStage", "AISystemImpactAssessed",
    "ImpactAssessmentParties", "RiskLikelihood", "RiskConsequence", "RiskLevel", "RiskOwner",
    "RiskTreatmentDecision", "RiskAffectsSystem", "RiskOnScale", "RiskTreated", "TreatmentAppliesControl",
    "SoACoversEveryControl", "SoAEntryApplicable", "SoAEntryJustification", "SoAEntryStatus",
    "ImplementedControlEvidence", "AIPolicyExists", "AIPolicyApproved", "AIPolicyReviewed",
    "InterestedPartiesRecorded", "InterestedPartyRequirements", "NonconformityCorrected",
    "AuditFindingReference", "DatasetProvenance", "DatasetQualityRecord", "MappingTargetExists",
    "MappingSubjectInCatalogue", "MappingObjectInCatalogue", "MappingRelation", "MappingSetRelation",
    "MappingConfidence", "MappingJustification", "MappingAuthor", "MappingDate", "MappingInSet",
}  # fmt: skip

WARNING_SHAPES = {"InterestedPartyRequirements"}
"""The only rules that are warnings; each says why in its rdfs:comment."""

# Predicates that describe or target a shape without constraining anything.
_NON_CONSTRAINT = {
    SH.property, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target,
    SH.severity, SH.message, SH.deactivated, SH.name, SH.description, SH.order, SH.group,
}  # fmt: skip


@cache
def shapes_graph() -> Graph:
    graph = Graph()
    for path in resources.shape_files():
        graph.parse(path)
    return graph


@cache
def catalogue() -> Graph:
    return Graph().parse(resources.catalogue_file())


def named_shapes(graph: Graph) -> set[URIRef]:
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    return {s for s in shapes if isinstance(s, URIRef)}


def is_grouping(graph: Graph, shape: URIRef) -> bool:
    """A node shape that only targets and holds property shapes: it produces no results itself."""
    predicates = {p for p in graph.predicates(shape, None) if str(p).startswith(str(SH))}
    return SH.property in predicates and not (predicates - _NON_CONSTRAINT)


def rule_shapes(graph: Graph) -> set[URIRef]:
    return {s for s in named_shapes(graph) if not is_grouping(graph, s)}


# ---------------------------------------------------------------------------------------------------------
# Test graphs
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    path: Path
    shape: URIRef
    expected: frozenset[tuple[str, str]]
    generated_soa: bool


_EXPECT = re.compile(r"^#\s*expect:\s*(\S+)\s+(\S+)\s*$")


def read_case(path: Path) -> Case:
    graph = Graph().parse(path)
    expected: set[tuple[str, str]] = set()
    generated_soa = True
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = _EXPECT.match(line)
        if match:
            shape, focus = (expand(graph, curie) for curie in match.groups())
            expected.add((shape, focus))
        elif re.match(r"^#\s*generated-soa:\s*no\s*$", line):
            generated_soa = False
    return Case(path, SHAPES[path.stem], frozenset(expected), generated_soa)


def expand(graph: Graph, curie: str) -> str:
    if curie.startswith("<") and curie.endswith(">"):
        return curie[1:-1]
    prefix, _, local = curie.partition(":")
    if prefix == "aimsh":
        return str(SHAPES[local])
    return str(graph.namespace_manager.expand_curie(curie))


@cache
def generated_soa() -> Graph:
    graph = Graph()
    soa = EX["generated-soa"]
    graph.add((soa, RDF.type, AIMS.StatementOfApplicability))
    for control in catalogue().subjects(SKOS.inScheme, ISO42001.scheme):
        if (control, RDF.type, AIMS.Control) not in catalogue():
            continue
        entry = EX["generated-soa-" + str(control).rsplit("/", 1)[-1]]
        graph.add((soa, AIMS.entry, entry))
        graph.add((entry, RDF.type, AIMS.ApplicabilityEntry))
        graph.add((entry, AIMS.control, control))
        graph.add((entry, AIMS.applicable, Literal(False)))
        graph.add((entry, AIMS.justification, Literal("Not applicable to this test graph.")))
    return graph


def case_graph(case: Case) -> Graph:
    graph = Graph().parse(case.path)
    if case.generated_soa:
        graph += generated_soa()  # a copy: the cached graph stays untouched
    return graph


VALID = sorted((DATA / "valid").glob("*.ttl"))
INVALID = sorted((DATA / "invalid").glob("*.ttl"))


def pairs(graph: Graph) -> set[tuple[str, str]]:
    return {(r.shape, r.focus) for r in validate(graph).results}


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_graph_conforms(path: Path) -> None:
    case = read_case(path)
    assert not case.expected, "valid files list no expectations"
    report = validate(case_graph(case))
    assert [r for r in report.results if r.shape == str(case.shape)] == []
    assert report.results == [], "a valid test graph conforms to every shape"
    assert report.conforms


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_graph_fails_exactly_as_expected(path: Path) -> None:
    case = read_case(path)
    assert case.expected, f"{path.name} lists no '# expect:' lines"
    assert {shape for shape, _ in case.expected} == {str(case.shape)}, "each file tests its own shape"
    report = validate(case_graph(case))
    assert {(r.shape, r.focus) for r in report.results} == set(case.expected)
    assert not report.conforms


def test_soa_generator_conforms_on_its_own() -> None:
    assert validate(generated_soa()).results == []


# ---------------------------------------------------------------------------------------------------------
# The shapes themselves
# ---------------------------------------------------------------------------------------------------------


def test_required_shapes_exist_as_rule_shapes() -> None:
    names = {str(s).removeprefix(str(SHAPES)) for s in rule_shapes(shapes_graph())}
    assert names >= REQUIRED_SHAPES, f"missing: {sorted(REQUIRED_SHAPES - names)}"


def test_every_rule_shape_has_valid_and_invalid_graphs() -> None:
    names = {str(s).removeprefix(str(SHAPES)) for s in rule_shapes(shapes_graph())}
    assert {p.stem for p in VALID} == names
    assert {p.stem for p in INVALID} == names


def test_every_shape_that_reports_is_named_in_our_namespace() -> None:
    """Targeted shapes and the property shapes they hold are IRIs, so sh:sourceShape is stable.

    Anonymous shapes appear only nested inside sh:or, sh:not or sh:qualifiedValueShape, where their
    failures are reported under the named shape that holds them.
    """
    graph = shapes_graph()
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    targeted = {shape for predicate in targets for shape in graph.subjects(predicate, None)}
    held = {member for shape in targeted for member in graph.objects(shape, SH.property)}
    for shape in targeted | held | named_shapes(graph):
        assert isinstance(shape, URIRef) and str(shape).startswith(str(SHAPES)), shape


@pytest.mark.parametrize("shape", sorted(rule_shapes(shapes_graph())), ids=lambda s: s.fragment)
def test_rule_shape_metadata(shape: URIRef) -> None:
    graph = shapes_graph()
    known = catalogue()
    messages = list(graph.objects(shape, SH.message))
    assert messages and all(isinstance(m, Literal) and str(m).strip() for m in messages)
    assert list(graph.objects(shape, RDFS.comment)), "rdfs:comment states the rule"
    severities = set(graph.objects(shape, SH.severity))
    expected = SH.Warning if shape.fragment in WARNING_SHAPES else SH.Violation
    assert severities == {expected}
    sources = set(graph.objects(shape, DCTERMS.source))
    assert sources, "dcterms:source names the clause or control"
    for source in sources:
        assert (source, SKOS.notation, None) in known, f"{source} is not in the catalogue"


@pytest.mark.parametrize(
    "shape",
    sorted(s for s in named_shapes(shapes_graph()) if is_grouping(shapes_graph(), s)),
    ids=lambda s: s.fragment,
)
def test_grouping_shape_metadata(shape: URIRef) -> None:
    graph = shapes_graph()
    assert list(graph.objects(shape, RDFS.comment))
    for source in graph.objects(shape, DCTERMS.source):
        assert (source, SKOS.notation, None) in catalogue()
    for member in graph.objects(shape, SH.property):
        assert member in rule_shapes(graph), f"{member} is a property shape without its own rule metadata"


def shacl_shacl_shapes() -> Path:
    """The SHACL-SHACL shapes graph, found through the W3C suite's shacl-shacl.ttl test manifest.

    shacl-shacl.ttl is the manifest of the test, not the shapes: they are its sht:shapesGraph.
    """
    if not SHACL_SHACL.is_file():
        pytest.skip(f"SHACL-SHACL not found at {SHACL_SHACL} (the shared reference folder is not checked out)")
    manifest = Graph().parse(SHACL_SHACL, format="turtle")
    [shapes] = set(manifest.objects(None, SHT.shapesGraph))
    path = Path(url2pathname(urlparse(str(shapes)).path))
    assert path.is_file(), f"the manifest names {path}, which is missing"
    return path


def test_shapes_validate_against_shacl_shacl() -> None:
    report = validate(shapes_graph(), shapes=[shacl_shacl_shapes()])
    assert report.results == [], report.to_text()


def test_shacl_shacl_check_is_not_vacuous() -> None:
    """A broken copy of our shapes must fail, or the test above proves nothing."""
    broken = Graph()
    broken += shapes_graph()
    broken.set((SHAPES.RiskOwner, SH.minCount, Literal("one")))
    report = validate(broken, shapes=[shacl_shacl_shapes()])
    assert str(SHAPES.RiskOwner) in {r.focus for r in report.results}


# ---------------------------------------------------------------------------------------------------------
# The SPARQL-based constraints run unchanged in Oxigraph, and agree with pyshacl.
# ---------------------------------------------------------------------------------------------------------

_TARGETS = {
    SH.targetClass: "SELECT DISTINCT ?this WHERE {{ ?this a/<{rdfs}subClassOf>* <{node}> }}",
    SH.targetSubjectsOf: "SELECT DISTINCT ?this WHERE {{ ?this <{node}> ?o }}",
    SH.targetObjectsOf: "SELECT DISTINCT ?this WHERE {{ ?s <{node}> ?this }}",
}


def sparql_constraints(graph: Graph) -> list[tuple[URIRef, str]]:
    """(shape, query with PREFIX lines) for every sh:sparql constraint."""
    found = []
    for shape, constraint in graph.subject_objects(SH.sparql):
        assert isinstance(shape, URIRef)
        prefixes = []
        for declarer in graph.objects(constraint, SH.prefixes):
            for declaration in graph.objects(declarer, SH.declare):
                prefix = graph.value(declaration, SH.prefix)
                namespace = graph.value(declaration, SH.namespace)
                prefixes.append(f"PREFIX {prefix}: <{namespace}>")
        select = graph.value(constraint, SH.select)
        found.append((shape, "\n".join(sorted(prefixes)) + "\n" + str(select)))
    return found


@cache
def ontology_ntriples() -> str:
    graph = Graph()
    for path in resources.ontology_files():
        graph.parse(path)
    return graph.serialize(format="nt")


def oxigraph_pairs(data: Graph, graph: Graph) -> set[tuple[str, str]]:
    store = ox.Store()
    store.load(ontology_ntriples(), ox.RdfFormat.N_TRIPLES)
    store.load(data.serialize(format="nt"), ox.RdfFormat.N_TRIPLES)
    found: set[tuple[str, str]] = set()
    for shape, query in sparql_constraints(graph):
        focus_nodes: set[ox.NamedNode | ox.BlankNode] = set()
        for predicate, template in _TARGETS.items():
            for node in graph.objects(shape, predicate):
                target_query = template.format(node=node, rdfs=RDFS)
                focus_nodes |= {row["this"] for row in store.query(target_query)}  # type: ignore[union-attr]
        for focus in focus_nodes:
            solutions = store.query(query, substitutions={ox.Variable("this"): focus})
            for _row in solutions:  # type: ignore[union-attr]
                found.add((str(shape), focus.value))
    return found


CASES = VALID + INVALID


@pytest.mark.slow  # a cross-check of two engines on every case (20 s); the cases' own tests stay in the quick run
@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}-{p.stem}" for p in CASES])
def test_sparql_constraints_agree_in_oxigraph(path: Path) -> None:
    graph = shapes_graph()
    sparql_shapes = {str(shape) for shape, _ in sparql_constraints(graph)}
    data = case_graph(read_case(path))
    expected = {pair for pair in pairs(data) if pair[0] in sparql_shapes}
    assert oxigraph_pairs(data, graph) == expected


@pytest.mark.parametrize("name", [resources.CONFORMANT_EXAMPLE, resources.GAPS_EXAMPLE])
def test_sparql_constraints_agree_in_oxigraph_on_the_examples(name: str) -> None:
    graph = shapes_graph()
    sparql_shapes = {str(shape) for shape, _ in sparql_constraints(graph)}
    data = Graph().parse(resources.example_file(name))
    expected = {pair for pair in pairs(data) if pair[0] in sparql_shapes}
    assert oxigraph_pairs(data, graph) == expected


def test_policy_review_against_today_agrees_in_oxigraph() -> None:
    """Without an aims:asOf date the reference date is NOW() in both engines."""
    today = datetime.date.today()
    data = Graph()
    board = EX.board
    data.add((board, RDF.type, AIMS.TopManagement))
    reviews = {
        "recent": today - datetime.timedelta(days=30),
        "stale": today.replace(year=today.year - 2, day=1),
        "dueToday": today.replace(year=today.year - 1) if (today.month, today.day) != (2, 29) else None,
    }
    for name, reviewed in reviews.items():
        if reviewed is None:
            continue
        policy = EX[name]
        data.add((policy, RDF.type, AIMS.AIPolicy))
        data.add((policy, AIMS.approvedBy, board))
        data.add((policy, AIMS.lastReviewed, Literal(reviewed.isoformat(), datatype=XSD_DATE)))
        data.add((policy, AIMS.reviewIntervalMonths, Literal(12)))
    reviewed_shape = str(SHAPES.AIPolicyReviewed)
    expected = {pair for pair in pairs(data) if pair[0] == reviewed_shape}
    assert expected == {(reviewed_shape, str(EX.stale))}
    assert {pair for pair in oxigraph_pairs(data, shapes_graph()) if pair[0] == reviewed_shape} == expected
