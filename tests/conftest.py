"""Shared fixtures: where the repository and ../shared are, and ready-made stores and servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servers import OxigraphServer, VirtuosoServer, oxigraph_serve, virtuoso_binaries, virtuoso_serve

from aims_graph.store import SparqlEndpointStore
from aims_graph.store.remote import SERVER_GRAPH_PREFIXES

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "reference"

# The remote servers every store suite runs against: `oxigraph serve` with and without a union default graph,
# and Virtuoso Open Source (its tests are slow: the server takes seconds to start and to load).
REMOTE_KINDS = [
    "oxigraph-union",
    "oxigraph-plain",
    pytest.param("virtuoso", marks=pytest.mark.slow),
]


@pytest.fixture
def shared_reference() -> Path:
    """The verified reference material beside the checkout; tests that need it skip without it."""
    if not REFERENCE.is_dir():
        pytest.skip(f"../shared/reference is not beside the checkout (looked in {REFERENCE})")
    return REFERENCE


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[OxigraphServer]:
    """One real `oxigraph serve` (in memory) for the whole session; tests use their own graph names."""
    with oxigraph_serve() as server:
        yield server


@pytest.fixture(scope="session")
def oxigraph_plain_server() -> Iterator[OxigraphServer]:
    """`oxigraph serve` as it starts by default: its default graph is not the union of its named graphs."""
    with oxigraph_serve(union=False) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """Virtuoso Open Source with its own ini and database folder, started once per session."""
    if virtuoso_binaries() is None:
        pytest.skip("Virtuoso (virtuoso-t and isql) is not installed")
    with virtuoso_serve(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def emptied(store: SparqlEndpointStore) -> SparqlEndpointStore:
    """The store with every graph but the server's own dropped: a shared server, a fresh start per test."""
    for name in store._graph_names():
        if not name.startswith(SERVER_GRAPH_PREFIXES):
            store.drop(name)
    return store


@pytest.fixture
def remote_store_factory(request: pytest.FixtureRequest) -> Callable[[str], SparqlEndpointStore]:
    """An empty store on the named kind of server (see REMOTE_KINDS), the server shared by the session."""

    def make(kind: str) -> SparqlEndpointStore:
        if kind == "virtuoso":
            virtuoso: VirtuosoServer = request.getfixturevalue("virtuoso_server")
            return emptied(SparqlEndpointStore(virtuoso.query, virtuoso.update))
        name = "oxigraph_server" if kind == "oxigraph-union" else "oxigraph_plain_server"
        server: OxigraphServer = request.getfixturevalue(name)
        return emptied(SparqlEndpointStore(server.query, server.update, server.store))

    return make
