"""A deterministic synthetic organisation of any size, in the data-contract vocabulary.

It feeds tests, benchmarks and demos. Proportions follow what a mid-sized AIMS looks like: per AI system two
datasets, six risks, a treatment for every risk above the threshold, one impact assessment and some evidence;
one Statement of Applicability over the 38 Annex A controls. A small, known share of records carries the gaps
auditors find (counted in ``GenerationStats``), so checks have something real to find.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import catalogue, rdfio
from .namespaces import AIMS, DCTERMS, ISO42001, RDF, RDFS, XSD

RDF_TYPE = ox.NamedNode(RDF + "type")
RDFS_LABEL = ox.NamedNode(RDFS + "label")
DCT_DATE = ox.NamedNode(DCTERMS + "date")
DCT_TITLE = ox.NamedNode(DCTERMS + "title")

STAGES = [
    "Inception",
    "DesignAndDevelopment",
    "VerificationAndValidation",
    "Deployment",
    "OperationAndMonitoring",
    "ContinuousValidation",
    "ReEvaluation",
    "Retirement",
]
ROLES_FOR_SYSTEM = ["AIProvider", "AIProducer", "AICustomer", "AIPartner"]
SYSTEM_KINDS = [
    "credit scoring model",
    "document classifier",
    "chat assistant",
    "demand forecaster",
    "fraud detector",
    "image triage model",
    "recommendation engine",
    "speech transcriber",
]
RISK_THEMES = [
    "biased outcomes",
    "data drift",
    "unexplained decisions",
    "privacy leak",
    "model inversion",
    "over-reliance by staff",
    "unsafe output",
    "supplier model change",
    "logging gaps",
]
THRESHOLD = 6
RISKS_PER_SYSTEM = 6
PARTIES = 20


def catalogue_iri(notation: str) -> ox.NamedNode:
    return ox.NamedNode(str(ISO42001) + notation.replace(".", "-"))


def _aims(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(AIMS) + name)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def _date(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))


def _bool(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))


@dataclass
class GenerationStats:
    """What was generated, including the deliberate gaps, so tests can check answers against it."""

    systems: int = 0
    risks: int = 0
    treatments: int = 0
    triples: int = 0
    systems_without_owner: list[str] = field(default_factory=list)
    systems_without_assessment: list[str] = field(default_factory=list)
    untreated_risks: list[str] = field(default_factory=list)
    datasets_without_provenance: list[str] = field(default_factory=list)


class _Generator:
    def __init__(self, systems: int, seed: int, base: str, linked: bool = False) -> None:
        self.controls = catalogue.notations_of(AIMS.Control)
        self.risk_sources = catalogue.notations_of(AIMS.RiskSourceCategory)
        self.objectives = catalogue.notations_of(AIMS.ObjectiveCategory)
        self.n = systems
        self.rng = random.Random(seed)
        self.base = base
        # With several organisations in one file, each record names its management system.
        self.linked = linked
        self.stats = GenerationStats(systems=systems)
        # Gap shares: about 2 % of systems, 3 % of risks needing treatment, 1 % of datasets.
        self.gap_every = 50

    def iri(self, local: str) -> ox.NamedNode:
        return ox.NamedNode(self.base + local)

    def triples(self) -> Iterator[ox.Triple]:
        yield from self._organisation()
        for i in range(self.n):
            yield from self._system(i)
        yield from self._statement_of_applicability()

    def _organisation(self) -> Iterator[ox.Triple]:
        t = ox.Triple
        org, ms = self.iri("org"), self.iri("aims")
        yield t(org, RDF_TYPE, _aims("Organization"))
        yield t(org, RDFS_LABEL, ox.Literal("Synthetic Organisation", language="en"))
        yield t(ms, RDF_TYPE, _aims("ManagementSystem"))
        yield t(ms, _aims("organization"), org)
        yield t(ms, _aims("scopeStatement"), ox.Literal(f"All {self.n} AI systems of the organisation."))
        yield t(ms, _aims("asOf"), _date("2026-11-01"))
        board, gov = self.iri("role/board"), self.iri("role/ai-governance")
        yield t(board, RDF_TYPE, _aims("TopManagement"))
        yield t(board, RDFS_LABEL, ox.Literal("Executive board", language="en"))
        yield t(gov, RDF_TYPE, _aims("Role"))
        yield t(gov, RDFS_LABEL, ox.Literal("Head of AI governance", language="en"))
        if self.linked:
            yield t(gov, _aims("managementSystem"), ms)
        for k in range(10):
            role = self.iri(f"role/risk-owner-{k}")
            yield t(role, RDF_TYPE, _aims("Role"))
            yield t(role, RDFS_LABEL, ox.Literal(f"Risk owner {k}", language="en"))
            if self.linked:
                yield t(role, _aims("managementSystem"), ms)
        policy = self.iri("policy/ai")
        yield t(policy, RDF_TYPE, _aims("AIPolicy"))
        yield t(policy, RDFS_LABEL, ox.Literal("AI policy", language="en"))
        yield t(policy, _aims("approvedBy"), board)
        yield t(policy, _aims("approvedOn"), _date("2025-01-15"))
        yield t(policy, _aims("lastReviewed"), _date("2026-03-01"))
        yield t(policy, _aims("reviewIntervalMonths"), _int(12))
        criteria = self.iri("risk-criteria")
        if self.linked:
            yield t(policy, _aims("managementSystem"), ms)
            yield t(criteria, _aims("managementSystem"), ms)
        yield t(criteria, RDF_TYPE, _aims("RiskCriteria"))
        yield t(criteria, RDFS_LABEL, ox.Literal("Risk criteria", language="en"))
        yield t(criteria, _aims("acceptanceThreshold"), _int(THRESHOLD))
        yield t(criteria, _aims("likelihoodScaleMax"), _int(5))
        yield t(criteria, _aims("consequenceScaleMax"), _int(5))
        for k in range(PARTIES):
            party, req = self.iri(f"party/{k}"), self.iri(f"party/{k}/requirement")
            yield t(party, RDF_TYPE, _aims("InterestedParty"))
            yield t(party, RDFS_LABEL, ox.Literal(f"Interested party {k}", language="en"))
            yield t(party, _aims("hasRequirement"), req)
            if self.linked:
                yield t(party, _aims("managementSystem"), ms)
            yield t(req, RDF_TYPE, _aims("Requirement"))
            yield t(req, RDFS_LABEL, ox.Literal(f"Requirement of party {k}", language="en"))

    def _system(self, i: int) -> Iterator[ox.Triple]:
        t, rng = ox.Triple, self.rng
        sys_ = self.iri(f"system/{i}")
        kind = SYSTEM_KINDS[i % len(SYSTEM_KINDS)]
        yield t(sys_, RDF_TYPE, _aims("AISystem"))
        yield t(sys_, RDFS_LABEL, ox.Literal(f"{kind.capitalize()} {i}", language="en"))
        if self.linked:
            yield t(sys_, _aims("managementSystem"), self.iri("aims"))
        if i % self.gap_every == 7:
            self.stats.systems_without_owner.append(sys_.value)
        else:
            yield t(sys_, _aims("owner"), self.iri(f"role/risk-owner-{i % 10}"))
        yield t(sys_, _aims("intendedUse"), ox.Literal(f"Supports staff with a {kind}."))
        yield t(sys_, _aims("lifecycleStage"), _aims(STAGES[rng.randrange(len(STAGES))]))
        yield t(sys_, _aims("organizationRole"), _aims(ROLES_FOR_SYSTEM[i % len(ROLES_FOR_SYSTEM)]))
        yield t(sys_, _aims("deploymentContext"), ox.Literal(f"Business unit {i % 12}"))
        for d in range(2):
            ds, qr = self.iri(f"system/{i}/dataset/{d}"), self.iri(f"system/{i}/dataset/{d}/quality")
            yield t(sys_, _aims("usesDataset"), ds)
            yield t(ds, RDF_TYPE, _aims("Dataset"))
            yield t(ds, RDFS_LABEL, ox.Literal(f"Dataset {d} of system {i}", language="en"))
            if d == 1 and i % (self.gap_every * 2) == 13:
                self.stats.datasets_without_provenance.append(ds.value)
            else:
                yield t(ds, _aims("provenance"), ox.Literal("Collected from internal records under contract."))
            yield t(ds, _aims("qualityRecord"), qr)
            yield t(qr, RDF_TYPE, _aims("Evidence"))
            yield t(qr, DCT_TITLE, ox.Literal(f"Data quality report {i}-{d}"))
            yield t(qr, _aims("evidenceFor"), catalogue_iri("A.7.4"))
            yield t(qr, DCT_DATE, _date("2026-05-01"))
        if i % self.gap_every == 21:
            self.stats.systems_without_assessment.append(sys_.value)
        else:
            ia = self.iri(f"system/{i}/impact-assessment")
            yield t(ia, RDF_TYPE, _aims("ImpactAssessment"))
            yield t(ia, _aims("assesses"), sys_)
            yield t(ia, DCT_DATE, _date(f"2026-{1 + i % 9:02d}-15"))
            for p in rng.sample(range(PARTIES), 2):
                yield t(ia, _aims("considersParty"), self.iri(f"party/{p}"))
            impact = self.iri(f"system/{i}/impact")
            yield t(ia, _aims("identifiesImpact"), impact)
            yield t(impact, RDF_TYPE, _aims("Impact"))
            yield t(impact, _aims("impactScope"), _aims(["Individuals", "Groups", "Society"][i % 3]))
            yield t(impact, _aims("severity"), _int(1 + i % 5))
        for r in range(RISKS_PER_SYSTEM):
            yield from self._risk(i, r, sys_)

    def _risk(self, i: int, r: int, sys_: ox.NamedNode) -> Iterator[ox.Triple]:
        t, rng = ox.Triple, self.rng
        risk = self.iri(f"system/{i}/risk/{r}")
        self.stats.risks += 1
        likelihood, consequence = rng.randint(1, 5), rng.randint(1, 5)
        level = likelihood * consequence
        decision = "Accept" if level <= THRESHOLD else ("Share" if rng.random() < 0.1 else "Modify")
        yield t(risk, RDF_TYPE, _aims("Risk"))
        yield t(
            risk,
            RDFS_LABEL,
            ox.Literal(f"{RISK_THEMES[(i + r) % len(RISK_THEMES)]} in system {i}", language="en"),
        )
        yield t(risk, _aims("affectsSystem"), sys_)
        yield t(risk, _aims("affectsParty"), self.iri(f"party/{rng.randrange(PARTIES)}"))
        yield t(risk, _aims("riskSource"), catalogue_iri(self.risk_sources[rng.randrange(len(self.risk_sources))]))
        yield t(risk, _aims("threatensObjective"), catalogue_iri(self.objectives[rng.randrange(len(self.objectives))]))
        yield t(risk, _aims("likelihood"), _int(likelihood))
        yield t(risk, _aims("consequence"), _int(consequence))
        yield t(risk, _aims("riskLevel"), _int(level))
        yield t(risk, _aims("riskOwner"), self.iri(f"role/risk-owner-{(i + r) % 10}"))
        yield t(risk, _aims("treatmentDecision"), _aims(decision))
        if level <= THRESHOLD:
            return
        if rng.random() < 0.03:
            self.stats.untreated_risks.append(risk.value)
            return
        treatment = self.iri(f"system/{i}/risk/{r}/treatment")
        self.stats.treatments += 1
        yield t(treatment, RDF_TYPE, _aims("RiskTreatment"))
        yield t(treatment, RDFS_LABEL, ox.Literal(f"Treatment of risk {r} of system {i}", language="en"))
        yield t(treatment, _aims("treats"), risk)
        for notation in rng.sample(self.controls, rng.randint(1, 3)):
            yield t(treatment, _aims("appliesControl"), catalogue_iri(notation))
        yield t(
            treatment,
            _aims("implementationStatus"),
            _aims("Implemented" if rng.random() < 0.8 else "InProgress"),
        )

    def _statement_of_applicability(self) -> Iterator[ox.Triple]:
        t = ox.Triple
        soa = self.iri("soa")
        yield t(soa, RDF_TYPE, _aims("StatementOfApplicability"))
        yield t(soa, RDFS_LABEL, ox.Literal("Statement of Applicability", language="en"))
        if self.linked:
            yield t(soa, _aims("managementSystem"), self.iri("aims"))
        for k, notation in enumerate(self.controls):
            entry, control = self.iri(f"soa/{notation}"), catalogue_iri(notation)
            applicable = notation != "A.10.4"
            yield t(soa, _aims("entry"), entry)
            yield t(entry, RDF_TYPE, _aims("ApplicabilityEntry"))
            yield t(entry, _aims("control"), control)
            yield t(entry, _aims("applicable"), _bool(applicable))
            yield t(
                entry,
                _aims("justification"),
                ox.Literal(
                    f"Control {notation} is needed for the organisation's AI risks."
                    if applicable
                    else "The organisation has no customers for its AI systems."
                ),
            )
            if not applicable:
                continue
            status = "Implemented" if k % 7 else "InProgress"
            yield t(entry, _aims("implementationStatus"), _aims(status))
            evidence = self.iri(f"evidence/{notation}")
            yield t(evidence, RDF_TYPE, _aims("Evidence"))
            yield t(evidence, DCT_TITLE, ox.Literal(f"Operating record for {notation}"))
            yield t(evidence, _aims("evidenceFor"), control)
            yield t(evidence, DCT_DATE, _date("2026-09-30"))
            if self.linked:
                yield t(evidence, _aims("managementSystem"), self.iri("aims"))


def generate(
    systems: int, seed: int = 42, base: str = "https://example.org/synthetic/", organisations: int = 1
) -> tuple[list[ox.Triple], GenerationStats]:
    """The synthetic organisation as triples, with what it contains.

    With ``organisations`` above 1, that many organisations share the AI systems (each under its own IRI
    prefix ``<base>org-<k>/``, with its own management system), and every record names its management system.
    """
    if organisations < 1 or organisations > systems:
        raise ValueError(f"organisations must be between 1 and the number of systems ({systems})")
    if organisations == 1:
        generator = _Generator(systems, seed, base)
        triples = list(generator.triples())
        generator.stats.triples = len(triples)
        return triples, generator.stats
    triples = []
    stats = GenerationStats()
    for k in range(organisations):
        share = systems // organisations + (1 if k < systems % organisations else 0)
        part = _Generator(share, seed + k, f"{base}org-{k}/", linked=True)
        triples += part.triples()
        for name in ("systems", "risks", "treatments"):
            setattr(stats, name, getattr(stats, name) + getattr(part.stats, name))
        stats.systems_without_owner += part.stats.systems_without_owner
        stats.systems_without_assessment += part.stats.systems_without_assessment
        stats.untreated_risks += part.stats.untreated_risks
        stats.datasets_without_provenance += part.stats.datasets_without_provenance
    stats.triples = len(triples)
    return triples, stats


def write(out: Path, systems: int, seed: int = 42, fmt: str | None = None, organisations: int = 1) -> GenerationStats:
    """Generate and write to a file whose format follows its name (or ``fmt``)."""
    rdf_format = rdfio.format_for(out, fmt)
    triples, stats = generate(systems, seed, organisations=organisations)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    if rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        ox.serialize((ox.Quad(t.subject, t.predicate, t.object) for t in triples), str(tmp), rdf_format)
    else:
        ox.serialize(triples, str(tmp), rdf_format, prefixes={"aims": str(AIMS), "iso42001": str(ISO42001)})
    tmp.replace(out)
    return stats
