"""A VoID and DCAT description of what a store holds: its graphs and their sizes, the vocabularies, the licence,
the SPARQL endpoint and the crosswalk mapping sets (as VoID linksets), for linked-data consumers and catalogues.

Built from terms, never from RDF text, like the SPARQL service description.
"""

from __future__ import annotations

import pyoxigraph as ox

from .crosswalk.mappings import read_sets
from .namespaces import DCTERMS, ONTOLOGY_IRI, PREFIXES, RDF, XSD
from .store import Store

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode(RDF + "type")
XSD_INTEGER = ox.NamedNode(XSD + "integer")
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
VOCABULARIES = ("aims", "skos", "dcterms", "prov", "foaf", "airo", "dpv", "sh", "owl", "rdfs")


def _n(namespace: str, name: str) -> ox.NamedNode:
    return ox.NamedNode(namespace + name)


def _count(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def void_description(store: Store, base: str) -> list[ox.Triple]:
    """The description of the dataset served at ``base`` (the service's root URL, ending in a slash)."""
    dataset = ox.NamedNode(base + ".well-known/void#dataset")
    endpoint = ox.NamedNode(base + "sparql")
    graphs = sorted(store.graphs(), key=lambda g: g.name)
    out = [
        ox.Triple(dataset, RDF_TYPE, _n(VOID, "Dataset")),
        ox.Triple(dataset, RDF_TYPE, _n(DCAT, "Dataset")),
        ox.Triple(
            dataset, _n(DCTERMS, "title"), ox.Literal("aims-graph: ISO/IEC 42001 knowledge graph", language="en")
        ),
        ox.Triple(
            dataset,
            _n(DCTERMS, "description"),
            ox.Literal(
                "The aims-graph ontology, the ISO/IEC 42001 catalogue, the crosswalk catalogues and mapping sets, "
                "and the AI management system data this service holds, each source in its own named graph.",
                language="en",
            ),
        ),
        ox.Triple(dataset, _n(DCTERMS, "license"), ox.NamedNode(LICENSE)),
        ox.Triple(dataset, _n(DCTERMS, "conformsTo"), ox.NamedNode(ONTOLOGY_IRI)),
        ox.Triple(dataset, _n(VOID, "sparqlEndpoint"), endpoint),
        ox.Triple(dataset, _n(VOID, "triples"), _count(sum(g.triples for g in graphs))),
        ox.Triple(dataset, _n(VOID, "uriLookupEndpoint"), ox.NamedNode(base + "resource?iri=")),
        ox.Triple(dataset, _n(DCAT, "distribution"), endpoint),
        ox.Triple(endpoint, RDF_TYPE, _n(DCAT, "DataService")),
        ox.Triple(endpoint, RDF_TYPE, _n(SD, "Service")),
        ox.Triple(endpoint, _n(DCAT, "endpointURL"), endpoint),
        ox.Triple(endpoint, _n(DCAT, "servesDataset"), dataset),
    ]
    out.extend(ox.Triple(dataset, _n(VOID, "vocabulary"), ox.NamedNode(PREFIXES[p])) for p in VOCABULARIES)
    for info in graphs:
        subset = ox.NamedNode(info.name)
        out.extend(
            [
                ox.Triple(dataset, _n(VOID, "subset"), subset),
                ox.Triple(subset, RDF_TYPE, _n(VOID, "Dataset")),
                ox.Triple(subset, _n(SD, "name"), subset),
                ox.Triple(subset, _n(VOID, "triples"), _count(info.triples)),
            ]
        )
    for mapping_set in read_sets(store):
        linkset = ox.NamedNode(mapping_set.iri)
        out.extend(
            [
                ox.Triple(dataset, _n(VOID, "subset"), linkset),
                ox.Triple(linkset, RDF_TYPE, _n(VOID, "Linkset")),
                ox.Triple(linkset, RDF_TYPE, _n(DCAT, "Dataset")),
                ox.Triple(linkset, _n(VOID, "subjectsTarget"), ox.NamedNode(PREFIXES["iso42001"] + "scheme")),
            ]
        )
        if mapping_set.title:
            out.append(ox.Triple(linkset, _n(DCTERMS, "title"), ox.Literal(mapping_set.title)))
        if mapping_set.license:
            out.append(ox.Triple(linkset, _n(DCTERMS, "license"), ox.NamedNode(mapping_set.license)))
        for predicate in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch"):
            out.append(ox.Triple(linkset, _n(VOID, "linkPredicate"), ox.NamedNode(PREFIXES["skos"] + predicate)))
    return out
