"""Crosswalks: the target catalogues, the mappings (none dangles, each complete and justified) and the queries."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from rdflib import DCTERMS, OWL, RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from aims_graph import resources
from aims_graph.answers import value_of
from aims_graph.namespaces import AIMS, ISO42001
from aims_graph.queries import run_query
from aims_graph.store import OxigraphStore, ensure_reference_graphs

SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")
AIACT = Namespace("http://data.europa.eu/eli/reg/2024/1689/")
AIRMF = Namespace("https://w3id.org/aims-graph/nist-ai-rmf/")
ISO27001 = Namespace("https://w3id.org/aims-graph/iso27001/")
CROSSWALK = Namespace("https://w3id.org/aims-graph/crosswalk/")
ONTOLOGY = resources.resource_dir("ontology")

AIACT_SCHEME = URIRef("https://w3id.org/aims-graph/eu-ai-act/scheme")
TARGET_SCHEMES = {AIACT_SCHEME: "eu-ai-act", AIRMF.scheme: "nist-ai-rmf", ISO27001.scheme: "iso27001"}
MATCHES = {SKOS[n] for n in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}
SET_RELATIONS = {AIMS.Equal, AIMS.Subset, AIMS.Superset, AIMS.Intersects}

# The 72 subcategories of the NIST AI RMF 1.0 Core, per category (NIST AI 100-1).
NIST_SUBCATEGORIES = {
    "GOVERN": [7, 3, 2, 3, 2, 2],
    "MAP": [6, 3, 5, 2, 2],
    "MEASURE": [3, 13, 3, 3],
    "MANAGE": [4, 4, 2, 3],
}
HARMONISED_CLAUSES = [
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
ARTICLE_HEADINGS = {
    9: "Risk management system",
    10: "Data and data governance",
    11: "Technical documentation",
    12: "Record-keeping",
    13: "Transparency and provision of information to deployers",
    14: "Human oversight",
    15: "Accuracy, robustness and cybersecurity",
    17: "Quality management system",
    26: "Obligations of deployers of high-risk AI systems",
    27: "Fundamental rights impact assessment for high-risk AI systems",
    72: "Post-market monitoring by providers and post-market monitoring plan for high-risk AI systems",
    73: "Reporting of serious incidents",
}


@cache
def graph(name: str) -> Graph:
    return Graph().parse(ONTOLOGY / f"{name}.ttl", format="turtle")


@cache
def catalogues() -> Graph:
    merged = Graph()
    for name in ("iso42001", "eu-ai-act", "nist-ai-rmf", "iso27001"):
        merged += graph(name)
    return merged


def crosswalks() -> Graph:
    return graph("crosswalks")


def mappings() -> list[Node]:
    return sorted(crosswalks().subjects(RDF.type, AIMS.Mapping), key=str)


def one(g: Graph, subject: Node, predicate: URIRef) -> Node:
    values = list(g.objects(subject, predicate))
    assert len(values) == 1, f"{subject} has {len(values)} values for {predicate}"
    return values[0]


# --------------------------------------------------------------------------------------- target catalogues


def concepts(scheme: URIRef) -> set[Node]:
    return set(catalogues().subjects(SKOS.inScheme, scheme))


@pytest.mark.parametrize("scheme", sorted(TARGET_SCHEMES), ids=lambda s: TARGET_SCHEMES[s])
def test_every_target_concept_is_described(scheme: URIRef) -> None:
    g = catalogues()
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    assert g.value(scheme, DCTERMS.license) is not None
    found = concepts(scheme)
    assert found
    notations: Counter[str] = Counter()
    for concept in found:
        assert (concept, RDF.type, SKOS.Concept) in g
        notation = one(g, concept, SKOS.notation)
        notations[str(notation)] += 1
        label, definition = one(g, concept, SKOS.prefLabel), one(g, concept, SKOS.definition)
        assert isinstance(label, Literal) and label.language == "en"
        assert isinstance(definition, Literal) and definition.language == "en" and len(definition) > 40
        parent = g.value(concept, SKOS.broader)
        top = (concept, SKOS.topConceptOf, scheme) in g
        assert top != (parent is not None), f"{concept} is either a top concept or has a parent"
        if parent is not None:
            assert parent in found
    assert max(notations.values()) == 1, "notations are unique"


def test_eu_ai_act_articles_use_eli_iris_and_official_headings() -> None:
    g = catalogues()
    articles = concepts(AIACT_SCHEME)
    for article in articles:
        found = re.fullmatch(r"http://data\.europa\.eu/eli/reg/2024/1689/art_(\d+)", str(article))
        assert found, article
        assert str(one(g, article, SKOS.notation)) == f"Art. {found.group(1)}"
    for number, heading in ARTICLE_HEADINGS.items():
        assert str(one(g, AIACT[f"art_{number}"], SKOS.prefLabel)) == heading
    assert len(articles) >= len(ARTICLE_HEADINGS)


def test_nist_ai_rmf_has_all_72_subcategories_in_a_hierarchy() -> None:
    g = catalogues()
    expected = {"GOVERN", "MAP", "MEASURE", "MANAGE"}
    for function, sizes in NIST_SUBCATEGORIES.items():
        for category, size in enumerate(sizes, start=1):
            expected.add(f"{function} {category}")
            expected |= {f"{function} {category}.{sub}" for sub in range(1, size + 1)}
    found = {str(one(g, c, SKOS.notation)): c for c in concepts(AIRMF.scheme)}
    assert set(found) == expected
    assert sum(1 for n in found if "." in n) == 72
    for notation, concept in found.items():
        assert concept == AIRMF[notation.replace(" ", "-").replace(".", "-")]
        if "." in notation:
            assert g.value(concept, SKOS.broader) == found[notation.split(".")[0]]
        elif " " in notation:
            assert g.value(concept, SKOS.broader) == found[notation.split()[0]]


def test_iso27001_has_the_harmonised_clauses() -> None:
    g = catalogues()
    found = {str(one(g, c, SKOS.notation)): c for c in concepts(ISO27001.scheme)}
    assert set(found) == set(HARMONISED_CLAUSES)
    for notation, concept in found.items():
        assert concept == ISO27001[notation.replace(".", "-")]
        if "." in notation:
            assert g.value(concept, SKOS.broader) == found[notation.rsplit(".", 1)[0]]
    assert str(g.value(found["6.1.2"], SKOS.prefLabel)) == "Information security risk assessment"


def test_dpv_alignment_targets_exist(shared_reference: Path) -> None:
    dpv = Graph().parse(shared_reference / "vocab" / "dpv-eu-aiact.ttl", format="turtle")
    subjects = set(graph("eu-ai-act").objects(None, DCTERMS.subject))
    assert subjects
    assert {s for s in subjects if (s, None, None) not in dpv} == set()


# ------------------------------------------------------------------------------------------------ mappings


def test_every_subject_and_object_exists_in_a_catalogue() -> None:
    """The dangling-mapping rule: subject in the 42001 catalogue, object in one of the target catalogues."""
    g, known = crosswalks(), catalogues()
    dangling = []
    for mapping in mappings():
        subject = one(g, mapping, AIMS.mappingSubject)
        obj = one(g, mapping, AIMS.mappingObject)
        if (subject, SKOS.inScheme, ISO42001.scheme) not in known:
            dangling.append((mapping, subject))
        if not any((obj, SKOS.inScheme, scheme) in known for scheme in TARGET_SCHEMES):
            dangling.append((mapping, obj))
    assert dangling == []


def test_every_mapping_is_complete() -> None:
    g = crosswalks()
    mapping_set = CROSSWALK["iso42001-crosswalks"]
    assert len(mappings()) >= 100
    for mapping in mappings():
        assert isinstance(mapping, URIRef) and str(mapping).startswith(str(CROSSWALK))
        assert one(g, mapping, AIMS.mappingPredicate) in MATCHES
        assert one(g, mapping, AIMS.setRelation) in SET_RELATIONS
        confidence = one(g, mapping, AIMS.confidence)
        assert isinstance(confidence, Literal) and confidence.datatype is not None
        assert str(confidence.datatype).endswith("#decimal") and Decimal(0) < Decimal(str(confidence)) <= 1
        justification = one(g, mapping, AIMS.justification)
        assert isinstance(justification, Literal) and len(justification.split()) >= 12
        assert one(g, mapping, AIMS.mappingMethod) == SEMAPV.ManualMappingCuration
        author = one(g, mapping, DCTERMS.creator)
        assert g.value(author, URIRef("http://xmlns.com/foaf/0.1/name")) is not None
        date = one(g, mapping, DCTERMS.date)
        assert isinstance(date, Literal) and str(date.datatype).endswith("#date")
        assert one(g, mapping, AIMS.inMappingSet) == mapping_set


def test_justifications_are_specific() -> None:
    texts = [str(one(crosswalks(), m, AIMS.justification)) for m in mappings()]
    assert len(set(texts)) == len(texts), "no justification is copied from another row"


def test_one_mapping_per_pair_and_skos_links_materialised() -> None:
    g = crosswalks()
    pairs: Counter[tuple[Node, Node]] = Counter()
    for mapping in mappings():
        subject, obj = one(g, mapping, AIMS.mappingSubject), one(g, mapping, AIMS.mappingObject)
        predicate = one(g, mapping, AIMS.mappingPredicate)
        pairs[(subject, obj)] += 1
        assert (subject, predicate, obj) in g
    assert max(pairs.values()) == 1
    stated = {(s, o) for p in MATCHES for s, o in g.subject_objects(p)}
    assert stated == set(pairs), "no SKOS link without its mapping resource"


def test_relations_are_consistent() -> None:
    g = crosswalks()
    for mapping in mappings():
        predicate, relation = one(g, mapping, AIMS.mappingPredicate), one(g, mapping, AIMS.setRelation)
        assert (predicate == SKOS.exactMatch) == (relation == AIMS.Equal), mapping
        if predicate == SKOS.broadMatch:
            assert relation != AIMS.Superset, mapping
        if predicate == SKOS.narrowMatch:
            assert relation != AIMS.Subset, mapping


def test_mapping_set_says_it_is_our_own_assessment() -> None:
    g = crosswalks()
    sets = list(g.subjects(RDF.type, AIMS.MappingSet))
    assert sets == [CROSSWALK["iso42001-crosswalks"]]
    description = str(one(g, sets[0], DCTERMS.description))
    assert "own assessment" in description and "not an official crosswalk" in description
    assert one(g, sets[0], DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert one(g, sets[0], OWL.versionInfo)
    assert one(g, sets[0], DCTERMS.title)


def by_framework() -> Counter[str]:
    known = catalogues()
    counts: Counter[str] = Counter()
    for mapping in mappings():
        obj = one(crosswalks(), mapping, AIMS.mappingObject)
        scheme = one(known, obj, SKOS.inScheme)
        counts[TARGET_SCHEMES[scheme]] += 1  # type: ignore[index]
    return counts


def test_each_framework_is_well_covered() -> None:
    counts = by_framework()
    assert counts["iso27001"] >= 40 and counts["eu-ai-act"] >= 40 and counts["nist-ai-rmf"] >= 40
    targets = {one(crosswalks(), m, AIMS.mappingObject) for m in mappings()}
    for number in ARTICLE_HEADINGS:
        assert AIACT[f"art_{number}"] in targets, f"Art. {number} has no mapping"


@pytest.mark.parametrize(
    "subject,predicate,obj",
    [
        # Same harmonised process, different risks: close, not exact.
        (ISO42001["6-1-2"], SKOS.closeMatch, ISO27001["6-1-2"]),
        (ISO42001["7-5-3"], SKOS.exactMatch, ISO27001["7-5-3"]),
        (ISO42001["A-6-2-7"], SKOS.closeMatch, AIACT.art_11),
        (ISO42001["A-6-2-8"], SKOS.closeMatch, AIACT.art_12),
        (ISO42001["A-8-2"], SKOS.closeMatch, AIACT.art_13),
        (ISO42001["A-6-2-4"], SKOS.relatedMatch, AIACT.art_15),
        (ISO42001["6-1-4"], SKOS.closeMatch, AIACT.art_27),
        (ISO42001["A-6-2-6"], SKOS.closeMatch, AIACT.art_72),
        (ISO42001["A-8-4"], SKOS.closeMatch, AIACT.art_73),
        (ISO42001["5-2"], SKOS.relatedMatch, AIRMF["GOVERN-1-2"]),
        (ISO42001["4-1"], SKOS.closeMatch, AIRMF["MAP-1-1"]),
    ],
)
def test_key_mappings(subject: URIRef, predicate: URIRef, obj: URIRef) -> None:
    assert (subject, predicate, obj) in crosswalks()


def test_no_mapping_for_items_without_a_counterpart() -> None:
    g = crosswalks()
    for clause in ("6-1-4", "8-4"):
        targets = set(g.objects(ISO42001[clause], SKOS.exactMatch)) | set(g.objects(ISO42001[clause], SKOS.closeMatch))
        assert not any(str(t).startswith(str(ISO27001)) for t in targets)


# -------------------------------------------------------------------------------------------------- queries


@pytest.fixture(scope="module")
def store() -> OxigraphStore:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(resources.example_file(resources.CONFORMANT_EXAMPLE))
    return store


def test_crosswalk_query_lists_every_mapping_of_a_control(store: OxigraphStore) -> None:
    rows = list(run_query(store, "crosswalk", control="A.6.2.8").dicts())
    expected = set(crosswalks().subjects(AIMS.mappingSubject, ISO42001["A-6-2-8"]))
    assert {value_of(r["mapping"]) for r in rows} == {str(m) for m in expected}
    notations = [value_of(r["targetNotation"]) for r in rows]
    assert notations[:3] == ["Art. 12", "Art. 19", "Art. 26"], "frameworks grouped, articles in number order"
    assert all(r["framework"] and r["justification"] and r["confidence"] for r in rows)


def test_crosswalk_reverse_lists_the_42001_items_for_an_article(store: OxigraphStore) -> None:
    rows = list(run_query(store, "crosswalk-reverse", target=str(AIACT.art_9)).dicts())
    notations = [value_of(r["sourceNotation"]) for r in rows]
    assert notations == ["6.1", "6.1.2", "6.1.3", "8.2", "8.3", "A.5.4", "A.6.2.4"]


def test_ai_act_coverage_counts_implemented_controls(store: OxigraphStore) -> None:
    rows = {value_of(r["notation"]): r for r in run_query(store, "ai-act-coverage").dicts()}
    assert list(rows)[:3] == ["Art. 4", "Art. 9", "Art. 10"]
    for notation, row in rows.items():
        controls, implemented = int(value_of(row["controls"])), int(value_of(row["implemented"]))
        assert 0 <= implemented <= controls
        if controls:
            assert Decimal(value_of(row["share"])) == round(Decimal(implemented) / controls, 2), notation
        else:
            assert "share" not in row
        listed = [n for key in ("implementedControls", "missingControls") if key in row
                  for n in value_of(row[key]).split(", ")]  # fmt: skip
        assert len(listed) == controls
    art12 = rows["Art. 12"]
    assert value_of(art12["controls"]) == "2"


def test_ai_act_coverage_follows_the_statement_of_applicability() -> None:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    rows = {value_of(r["notation"]): r for r in run_query(store, "ai-act-coverage").dicts()}
    assert rows["Art. 10"]["implemented"].value == "0"  # type: ignore[union-attr]
    store.update(
        "PREFIX aims: <https://w3id.org/aims-graph/ontology#> "
        "INSERT DATA { GRAPH <urn:test> { <urn:e> aims:control <https://w3id.org/aims-graph/iso42001/A-7-4> ; "
        "aims:applicable true ; aims:implementationStatus aims:Implemented . } }"
    )
    row = next(r for r in run_query(store, "ai-act-coverage").dicts() if value_of(r["notation"]) == "Art. 10")
    assert value_of(row["implemented"]) == "1"
    assert value_of(row["implementedControls"]) == "A.7.4"
