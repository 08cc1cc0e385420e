"""Where the graph lives: the ``Store`` protocol, embedded Oxigraph (memory or disk), any SPARQL 1.1 server,
and the killable workers that read an embedded store."""

from .base import (
    CATALOGUE_GRAPH,
    ONTOLOGY_GRAPH,
    GraphInfo,
    LoadReport,
    Queryable,
    Store,
    checked_iri,
    graph_for_file,
    graph_size,
    is_snapshot_graph,
)
from .open import ensure_reference_graphs, open_configured_store, open_store, store_as_rdflib
from .oxigraph import LOADING_GRAPH, OxigraphStore
from .remote import SparqlEndpointStore

__all__ = [
    "CATALOGUE_GRAPH",
    "LOADING_GRAPH",
    "ONTOLOGY_GRAPH",
    "GraphInfo",
    "LoadReport",
    "OxigraphStore",
    "Queryable",
    "SparqlEndpointStore",
    "Store",
    "checked_iri",
    "ensure_reference_graphs",
    "graph_for_file",
    "graph_size",
    "is_snapshot_graph",
    "open_configured_store",
    "open_store",
    "store_as_rdflib",
]
