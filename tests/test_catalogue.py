"""The catalogue holds exactly the standard's clauses and Annex A controls, each properly described."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from aims_graph import resources
from aims_graph.namespaces import AIMS, ISO42001

SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")

# Used when ../shared is absent, so the check still runs; it must agree with the reference file.
ANNEX_A = [
    "A.2.2",
    "A.2.3",
    "A.2.4",
    "A.3.2",
    "A.3.3",
    "A.4.2",
    "A.4.3",
    "A.4.4",
    "A.4.5",
    "A.4.6",
    "A.5.2",
    "A.5.3",
    "A.5.4",
    "A.5.5",
    "A.6.1.2",
    "A.6.1.3",
    "A.6.2.2",
    "A.6.2.3",
    "A.6.2.4",
    "A.6.2.5",
    "A.6.2.6",
    "A.6.2.7",
    "A.6.2.8",
    "A.7.2",
    "A.7.3",
    "A.7.4",
    "A.7.5",
    "A.7.6",
    "A.8.2",
    "A.8.3",
    "A.8.4",
    "A.8.5",
    "A.9.2",
    "A.9.3",
    "A.9.4",
    "A.10.2",
    "A.10.3",
    "A.10.4",
]
CLAUSES = [
    "4",
    "4.1",
    "4.2",
    "4.3",
    "4.4",
    "5",
    "5.1",
    "5.2",
    "5.3",
    "6",
    "6.1",
    "6.1.1",
    "6.1.2",
    "6.1.3",
    "6.1.4",
    "6.2",
    "6.3",
    "7",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.5.1",
    "7.5.2",
    "7.5.3",
    "8",
    "8.1",
    "8.2",
    "8.3",
    "8.4",
    "9",
    "9.1",
    "9.2",
    "9.2.1",
    "9.2.2",
    "9.3",
    "9.3.1",
    "9.3.2",
    "9.3.3",
    "10",
    "10.1",
    "10.2",
]
KIND_CLASS = {
    "clause": AIMS.Clause,
    "control": AIMS.Control,
    "control-category": AIMS.ControlCategory,
    "annex-c-objective": AIMS.ObjectiveCategory,
    "annex-c-risk-source": AIMS.RiskSourceCategory,
    "annex-c-group": AIMS.AnnexSection,
}


@pytest.fixture(scope="module")
def catalogue() -> Graph:
    return Graph().parse(resources.catalogue_file(), format="turtle")


def iri(notation: str) -> URIRef:
    return ISO42001[notation.replace(".", "-")]


def notations(graph: Graph, cls: URIRef) -> set[str]:
    return {str(graph.value(s, SKOS.notation)) for s in graph.subjects(RDF.type, cls)}


def test_exactly_the_38_annex_a_controls(catalogue: Graph) -> None:
    assert notations(catalogue, AIMS.Control) == set(ANNEX_A)
    assert len(ANNEX_A) == 38


def test_exactly_the_clauses(catalogue: Graph) -> None:
    assert notations(catalogue, AIMS.Clause) == set(CLAUSES)


def test_matches_the_reference_file(catalogue: Graph, shared_reference: Path) -> None:
    with (shared_reference / "iso42001-structure.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert {r["notation"] for r in rows if r["kind"] == "control"} == set(ANNEX_A)
    assert {r["notation"] for r in rows if r["kind"] == "clause"} == set(CLAUSES)
    for row in rows:
        subject = iri(row["notation"])
        assert (subject, RDF.type, KIND_CLASS[row["kind"]]) in catalogue, row
        assert catalogue.value(subject, SKOS.notation) == Literal(row["notation"])
        assert catalogue.value(subject, SKOS.prefLabel) == Literal(row["title"], lang="en")
        if row["parent"]:
            assert (subject, SKOS.broader, iri(row["parent"])) in catalogue, row


def test_every_entry_is_described(catalogue: Graph) -> None:
    scheme = ISO42001.scheme
    entries = set(catalogue.subjects(RDF.type, SKOS.Concept))
    assert len(entries) == 114
    for entry in entries:
        assert catalogue.value(entry, SKOS.notation) is not None, entry
        assert catalogue.value(entry, SKOS.prefLabel) is not None, entry
        assert catalogue.value(entry, SKOS.definition) is not None, entry
        assert (entry, SKOS.inScheme, scheme) in catalogue, entry
        notation = str(catalogue.value(entry, SKOS.notation))
        assert entry == iri(notation), "local name must be the notation with dashes for dots"


def test_broader_targets_exist(catalogue: Graph) -> None:
    entries = set(catalogue.subjects(RDF.type, SKOS.Concept))
    for _, _, parent in catalogue.triples((None, SKOS.broader, None)):
        assert parent in entries, parent


def test_every_control_supports_a_clause(catalogue: Graph) -> None:
    clauses = set(catalogue.subjects(RDF.type, AIMS.Clause))
    for control in catalogue.subjects(RDF.type, AIMS.Control):
        supported = set(catalogue.objects(control, AIMS.supportsClause))
        assert supported and supported <= clauses, control
    assert (iri("A.5.2"), AIMS.supportsClause, iri("6.1.4")) in catalogue
    assert (iri("A.5.2"), AIMS.supportsClause, iri("8.4")) in catalogue


def test_catalogue_uses_only_declared_ontology_terms(catalogue: Graph) -> None:
    ontology = Graph().parse(resources.ontology_file(), format="turtle")
    declared = set(ontology.subjects())
    used = {n for t in catalogue for n in t if isinstance(n, URIRef) and str(n).startswith(str(AIMS))}
    assert used <= declared, used - declared
