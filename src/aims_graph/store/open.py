"""Opening the store the user or the settings name, and the reference graphs every store holds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import rdfio, resources
from ..config import Settings
from ..errors import UserInputError
from ..namespaces import GRAPH_BASE
from .base import CATALOGUE_GRAPH, ONTOLOGY_GRAPH, Store
from .oxigraph import OxigraphStore
from .remote import SparqlEndpointStore

if TYPE_CHECKING:
    import rdflib


def open_store(
    path: Path | str | None = None,
    endpoint: str | None = None,
    update_endpoint: str | None = None,
    graph_store_endpoint: str | None = None,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
) -> Store:
    """The store the user asked for: a remote endpoint, a directory, or memory."""
    if endpoint is not None and path is not None:
        raise UserInputError("give either a store directory or an endpoint, not both")
    if endpoint is not None:
        return SparqlEndpointStore(
            endpoint, update_endpoint, graph_store_endpoint, username=username, password=password, token=token
        )
    return OxigraphStore(path)


def open_configured_store(settings: Settings) -> Store:
    """The store that a Settings object names, with its credentials."""
    return open_store(
        path=settings.store,
        endpoint=settings.endpoint,
        update_endpoint=settings.update_endpoint,
        graph_store_endpoint=settings.graph_store_endpoint,
        username=settings.endpoint_user,
        password=settings.endpoint_password,
        token=settings.endpoint_token,
    )


def ensure_reference_graphs(store: Store) -> None:
    """Load the ontology and the catalogues once, each into its own graph."""
    present = {info.name for info in store.graphs()}
    for path in resources.ontology_files():
        graph = (
            ONTOLOGY_GRAPH
            if path == resources.ontology_file()
            else (CATALOGUE_GRAPH if path == resources.catalogue_file() else GRAPH_BASE + path.stem)
        )
        if graph not in present:
            store.load(path, graph=graph)


def store_as_rdflib(store: Store) -> rdflib.Graph:
    """Everything the store holds as one rdflib graph (pyshacl needs one), read through the store's API."""
    return rdfio.to_rdflib(store.triples())
