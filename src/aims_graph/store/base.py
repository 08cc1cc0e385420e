"""What every store offers (the ``Store`` protocol) and the small types stores share."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import pyoxigraph as ox

from .. import resources
from ..answers import QueryResult, Rows, Term, value_of
from ..errors import UserInputError
from ..namespaces import GRAPH_BASE, SNAPSHOT_GRAPH_BASE, SNAPSHOTS_GRAPH

if TYPE_CHECKING:
    from .workers import WorkerPool

ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
CATALOGUE_GRAPH = GRAPH_BASE + "catalogue"


@dataclass(frozen=True)
class GraphInfo:
    name: str
    triples: int


@dataclass(frozen=True)
class LoadReport:
    source: str
    graph: str
    triples: int


def graph_size(store: Queryable, graph: str) -> int:
    """Triples in one named graph (0 when it does not exist)."""
    answer = store.query(
        resources.internal_query("store/count-graph.rq"), bindings={"graph": checked_iri(graph)}, default_graphs=[]
    )
    assert isinstance(answer, Rows)
    return int(value_of(answer.rows[0][1])) if answer.rows else 0


def is_snapshot_graph(name: str) -> bool:
    """A snapshot copy or the snapshots' description: part of the store, not of its current state."""
    return name == SNAPSHOTS_GRAPH or name.startswith(SNAPSHOT_GRAPH_BASE)


def graph_for_file(path: Path) -> str:
    """The named graph a file goes into when the user names none: derived from the file name."""
    return GRAPH_BASE + "file/" + urllib.parse.quote(path.name)


def checked_iri(value: str) -> ox.NamedNode:
    """An absolute IRI as a term, or a clear error; the only way a user string becomes an IRI in a query."""
    try:
        node = ox.NamedNode(value)
    except ValueError:
        raise UserInputError(f"not a valid IRI: {value!r}") from None
    if ":" not in value:
        raise UserInputError(f"not an absolute IRI: {value!r}")
    return node


class Queryable(Protocol):
    """Anything that answers SPARQL queries: a store, or the API's pool of query workers."""

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult: ...


@runtime_checkable
class Store(Queryable, Protocol):
    """What every store offers; implementations differ only in where the data lives."""

    def update(self, sparql: str) -> None: ...

    def load(self, path: Path, graph: str | None = None, fmt: str | None = None) -> LoadReport: ...

    def load_bytes(self, data: bytes, fmt: ox.RdfFormat, graph: str, source: str) -> LoadReport: ...

    def drop(self, graph: str) -> None: ...

    def graphs(self) -> list[GraphInfo]: ...

    def has_graph(self, graph: str) -> bool: ...

    def graph_names(self) -> list[str]:
        """Every named graph, hidden ones (snapshots, loads in progress) included, without counting triples."""
        ...

    def triples(self) -> Iterable[ox.Triple]:
        """Every triple of the union of the visible graphs, for the few consumers that need a copy (pyshacl)."""
        ...

    @property
    def kind(self) -> str:
        """``oxigraph-memory``, ``oxigraph-disk`` or ``sparql-endpoint``: for status pages and logs."""
        ...

    @property
    def writable(self) -> bool:
        """Whether updates can be sent (a remote store needs an update endpoint)."""
        ...

    @property
    def answers_compiled_checks(self) -> bool:
        """Whether the compiled SHACL checks get right answers here (Virtuoso 7.2 gets some wrong)."""
        ...

    @property
    def in_process(self) -> bool:
        """Queries run in this process (embedded): a CONSTRUCT and an add is cheaper than an update."""
        ...

    def add_triples(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        """Add triples to a named graph, all or nothing."""
        ...

    def worker_pool(self, size: int, timeout: float) -> WorkerPool | None:
        """Killable reader processes for this store (embedded stores), or None where the server has its own
        limits (remote stores)."""
        ...

    def close(self) -> None: ...
