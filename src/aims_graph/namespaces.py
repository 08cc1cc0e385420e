"""The namespaces of the data contract and the prefixes users may write CURIEs with."""

from __future__ import annotations

from rdflib import Namespace

AIMS = Namespace("https://w3id.org/aims-graph/ontology#")
ISO42001 = Namespace("https://w3id.org/aims-graph/iso42001/")
ONTOLOGY_IRI = "https://w3id.org/aims-graph/ontology"
GRAPH_BASE = "https://w3id.org/aims-graph/graph/"
SHAPES = Namespace("https://w3id.org/aims-graph/shapes#")
CROSSWALK = "https://w3id.org/aims-graph/crosswalk/"
SEMAPV = "https://w3id.org/semapv/vocab/"

# The standard vocabularies, as plain namespace strings (terms are namespace + local name).
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
SH = "http://www.w3.org/ns/shacl#"
INFERRED_GRAPH = GRAPH_BASE + "inferred"
"""Where reasoning writes what it infers."""
WRITES_GRAPH = GRAPH_BASE + "writes"
"""The trail of writes made through the API (PROV activities)."""
SNAPSHOTS_GRAPH = GRAPH_BASE + "snapshots"
"""The graph that describes every snapshot (DCAT versions with PROV-O provenance)."""
SNAPSHOT_GRAPH_BASE = GRAPH_BASE + "snapshot/"
"""Snapshot copies live in graphs under this prefix; the current view of a store leaves them out."""

PREFIXES: dict[str, str] = {
    "aims": str(AIMS),
    "iso42001": str(ISO42001),
    "airo": "https://w3id.org/airo#",
    "dpv": "https://w3id.org/dpv#",
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "foaf": FOAF,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "sh": SH,
    "aiact": "http://data.europa.eu/eli/reg/2024/1689/",
    "airmf": "https://w3id.org/aims-graph/nist-ai-rmf/",
    "iso27001": "https://w3id.org/aims-graph/iso27001/",
    "aimsxw": CROSSWALK,
}
