"""The ontology parses, loads in owlready2, documents every term and declares every IRI it uses."""

from __future__ import annotations

import subprocess
from pathlib import Path

import owlready2
import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from aims_graph import resources
from aims_graph.namespaces import AIMS, ISO42001, ONTOLOGY_IRI
from aims_graph.reference_documents import export_reference

TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(resources.ontology_file(), format="turtle")


def declared_terms(graph: Graph) -> set[URIRef]:
    return {s for s, _, t in graph.triples((None, RDF.type, None)) if isinstance(s, URIRef) and t in TERM_TYPES}


def test_ontology_header(ontology: Graph) -> None:
    onto = URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in ontology
    for p in (
        "http://www.w3.org/2002/07/owl#versionIRI",
        "http://purl.org/dc/terms/license",
        "http://purl.org/dc/terms/title",
        "http://purl.org/vocab/vann/preferredNamespacePrefix",
        "http://purl.org/vocab/vann/preferredNamespaceUri",
    ):
        assert ontology.value(onto, URIRef(p)) is not None, p


def test_every_term_has_label_comment_and_is_defined_by(ontology: Graph) -> None:
    terms = [t for t in declared_terms(ontology) if str(t).startswith(str(AIMS))]
    assert len(terms) > 100
    for term in terms:
        assert ontology.value(term, RDFS.label) is not None, f"{term} has no rdfs:label"
        assert ontology.value(term, RDFS.comment) is not None, f"{term} has no rdfs:comment"
        assert ontology.value(term, RDFS.isDefinedBy) == URIRef(ONTOLOGY_IRI), f"{term} has no rdfs:isDefinedBy"


def test_no_undeclared_iri_in_our_namespace(ontology: Graph) -> None:
    declared = declared_terms(ontology)
    used = {n for triple in ontology for n in triple if isinstance(n, URIRef) and str(n).startswith(str(AIMS))}
    assert used - declared == set()


def test_data_contract_terms_exist(ontology: Graph) -> None:
    contract = [
        "Organization",
        "ManagementSystem",
        "organization",
        "scopeStatement",
        "AISystem",
        "owner",
        "intendedUse",
        "lifecycleStage",
        "inScope",
        "Role",
        "InterestedParty",
        "Risk",
        "affectsSystem",
        "affectsParty",
        "riskSource",
        "threatensObjective",
        "likelihood",
        "consequence",
        "riskLevel",
        "riskOwner",
        "treatmentDecision",
        "Modify",
        "Accept",
        "Avoid",
        "Share",
        "RiskTreatment",
        "treats",
        "appliesControl",
        "ImpactAssessment",
        "assesses",
        "considersParty",
        "StatementOfApplicability",
        "entry",
        "ApplicabilityEntry",
        "control",
        "applicable",
        "justification",
        "implementationStatus",
        "Evidence",
        "evidenceFor",
        "Nonconformity",
        "CorrectiveAction",
        "against",
        "addresses",
        "RiskCriteria",
        "acceptanceThreshold",
        "Inception",
        "DesignAndDevelopment",
        "VerificationAndValidation",
        "Deployment",
        "OperationAndMonitoring",
        "ContinuousValidation",
        "ReEvaluation",
        "Retirement",
        "Planned",
        "InProgress",
        "Implemented",
        "Clause",
        "ControlCategory",
        "Control",
        "ObjectiveCategory",
        "RiskSourceCategory",
        "Policy",
        "AIPolicy",
        "Objective",
        "Dataset",
        "InternalAudit",
        "AuditFinding",
        "ManagementReview",
        "Incident",
        "SupplierRelationship",
        "CustomerRelationship",
    ]
    declared = declared_terms(ontology)
    assert [t for t in contract if AIMS[t] not in declared] == []


def test_alignment_with_airo_and_dpv(ontology: Graph) -> None:
    assert (AIMS.AISystem, RDFS.subClassOf, URIRef("https://w3id.org/airo#AISystem")) in ontology
    assert (AIMS.Risk, RDFS.subClassOf, URIRef("https://w3id.org/airo#Risk")) in ontology
    assert (AIMS.InterestedParty, RDFS.subClassOf, URIRef("https://w3id.org/airo#Stakeholder")) in ontology
    assert (AIMS.Evidence, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in ontology


def test_alignment_targets_exist_in_reference_vocabularies(ontology: Graph, shared_reference: Path) -> None:
    vocab = Graph()
    for path in (shared_reference / "vocab").glob("*.ttl"):
        vocab.parse(path, format="turtle")
    # DPV core terms are only referenced (not defined) by the DPV extensions we hold, so any mention counts.
    known = {n for triple in vocab for n in triple if isinstance(n, URIRef)}
    aligned = {
        o
        for p in (RDFS.subClassOf, URIRef("http://www.w3.org/2004/02/skos/core#closeMatch"))
        for o in ontology.objects(None, p)
        if isinstance(o, URIRef) and str(o).startswith(("https://w3id.org/airo#", "https://w3id.org/dpv"))
    }
    assert aligned and aligned <= known, sorted(map(str, aligned - known))


def test_loads_in_owlready2_and_is_consistent(tmp_path: Path) -> None:
    if subprocess.run(["java", "-version"], capture_output=True).returncode != 0:
        pytest.fail("a Java runtime is needed for HermiT; .ci/run installs one")
    nt = tmp_path / "aims.nt"
    nt.write_bytes(export_reference("all", "nt"))
    world = owlready2.World()
    onto = world.get_ontology(nt.as_uri()).load(format="ntriples")
    assert world["https://w3id.org/aims-graph/ontology#AISystem"] is not None
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
    assert world[str(ISO42001) + "A-6-2-4"] is not None
