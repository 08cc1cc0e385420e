"""The embedded store: pyoxigraph in memory, or transactional on disk in a directory.

Each source sits in its own named graph and queries see the union of all graphs as their default graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .. import rdfio, resources
from ..answers import QueryResult, Rows, Term, from_oxigraph, value_of
from ..errors import FileFormatError, NotFoundError, QuerySyntaxError, StoreError
from ..namespaces import SNAPSHOTS_GRAPH
from .base import GraphInfo, LoadReport, checked_iri, graph_for_file, graph_size, is_snapshot_graph
from .progress import ProgressReader
from .reads import graphs_read
from .sparql_text import has_dataset_clause, with_values

if TYPE_CHECKING:
    from .workers import WorkerPool

# Big files are bulk-loaded into a new graph that stays hidden until it is complete: a marker quad in this
# graph names each graph being loaded, and readers leave marked graphs out. A load killed half-way leaves its
# marker behind, and the next writable opening of the store removes the partial graph.
LOADING_GRAPH = ox.NamedNode("urn:aims-graph:loading")
LOADING = ox.NamedNode("urn:aims-graph:state")
BULK_LOAD_BYTES = 8 * 1024 * 1024


def _loading(store: ox.Store) -> set[ox.NamedNode | ox.BlankNode]:
    return {q.subject for q in store.quads_for_pattern(None, LOADING, None, LOADING_GRAPH)}  # type: ignore[misc]


_SNAPSHOTS_NODE = ox.NamedNode(SNAPSHOTS_GRAPH)


def visible_graphs(store: ox.Store) -> list[ox.NamedNode | ox.BlankNode] | None:
    """The graphs a reader may see while a load is running or snapshots exist, or None for the plain union.

    Graphs are listed before markers are read: a graph in the list was marked before it got any data, so
    its marker is seen, unless its load has finished by then, and then the graph is complete. When nothing is
    loading, readers use the union directly: a new bulk load marks its graph long before the first part of
    its data (8 MiB of input at least) can land in the store. Snapshot graphs are always left out: the
    current state is everything but them.
    """
    loading = store.contains_named_graph(LOADING_GRAPH)
    snapshots = store.contains_named_graph(_SNAPSHOTS_NODE)
    if not loading and not snapshots:
        return None
    graphs = list(store.named_graphs())
    hidden = _loading(store) | {LOADING_GRAPH} if loading else set()
    if not snapshots and hidden == {LOADING_GRAPH}:
        return None
    return [g for g in graphs if g not in hidden and not (isinstance(g, ox.NamedNode) and is_snapshot_graph(g.value))]


def query_options(
    sparql: str,
    bindings: Mapping[str, Term] | None,
    default_graphs: Sequence[str] | None,
    named_graphs: Sequence[str] | None,
    store: ox.Store | None = None,
) -> dict[str, object]:
    """pyoxigraph query arguments: the union of all graphs is the default graph unless the query names one;
    graphs still being loaded are never seen. A list of default graphs is cut down to the graphs that hold
    what the query reads (``reads.graphs_read``): the same answer, without a lookup in every graph."""
    options: dict[str, object] = {}
    visible = visible_graphs(store) if store is not None and not has_dataset_clause(sparql) else None
    if default_graphs is not None:
        listed: list[ox.NamedNode] = [checked_iri(g) for g in default_graphs]
        options["default_graph"] = graphs_read(sparql, listed, store) if store is not None else listed
    elif visible is not None:
        named = [g for g in visible if isinstance(g, ox.NamedNode)]
        whole = store is None or len(named) < len(visible)
        options["default_graph"] = visible if store is None or whole else graphs_read(sparql, named, store)
    elif not has_dataset_clause(sparql):
        options["use_default_graph_as_union"] = True
    if named_graphs is not None:
        options["named_graphs"] = [checked_iri(g) for g in named_graphs]
    elif visible is not None:
        options["named_graphs"] = visible
    if bindings and any(isinstance(v, ox.BlankNode) for v in bindings.values()):
        options["substitutions"] = {ox.Variable(k): v for k, v in bindings.items()}
    return options


def bound(sparql: str, bindings: Mapping[str, Term] | None) -> str:
    """The query with its parameters in a VALUES block, as every store gets them.

    Oxigraph's own substitutions give the same answers but can be several times slower (the search query: 56
    against 20 ms at 100k triples), so they are left for blank nodes, which a VALUES block cannot name.
    """
    if not bindings or any(isinstance(v, ox.BlankNode) for v in bindings.values()):
        return sparql
    return with_values(sparql, list(bindings), [str(v) for v in bindings.values()])


class OxigraphStore:
    """The embedded store: in memory, or transactional on disk in a directory."""

    def __init__(self, path: Path | str | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._store = self._open()
        if self.path is not None and not read_only:
            self._remove_abandoned_loads()

    @classmethod
    def wrapping(cls, raw: ox.Store | None) -> OxigraphStore:
        """A read-only view of a pyoxigraph store opened elsewhere (a query worker's inherited or checkpoint
        store), so library code written for a Store (validation) runs on it unchanged."""
        if raw is None:
            raise StoreError("no store to read")
        view = cls.__new__(cls)
        view.path = None
        view.read_only = True
        view._store = raw
        return view

    def _remove_abandoned_loads(self) -> None:
        """Drop what a bulk load killed half-way left behind (its graph is still marked as loading)."""
        for graph in _loading(self._store):
            self._store.remove_graph(graph)
            self._store.remove(ox.Quad(graph, LOADING, ox.Literal("loading"), LOADING_GRAPH))

    def _open(self) -> ox.Store:
        try:
            if self.path is None:
                return ox.Store()
            if self.read_only:
                return ox.Store.read_only(str(self.path))
            self.path.mkdir(parents=True, exist_ok=True)
            return ox.Store(str(self.path))
        except (OSError, RuntimeError) as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from None

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for code that runs inside this process (validation engine, benchmarks)."""
        return self._store

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        kwargs = query_options(sparql, bindings, default_graphs, named_graphs, self._store)
        try:
            answer = self._store.query(bound(sparql, bindings), **kwargs)  # type: ignore[arg-type]
            return from_oxigraph(answer)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from None

    def update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
        except SyntaxError as exc:
            raise QuerySyntaxError(f"SPARQL update syntax error: {exc}") from None
        except OSError as exc:
            raise StoreError(f"update failed: {exc}") from None

    def load(self, path: Path, graph: str | None = None, fmt: str | None = None) -> LoadReport:
        """Load one file into one named graph: all of it, or nothing.

        Into a new graph of an on-disk store, a big file is bulk-loaded (fast, and hidden until complete);
        otherwise the file is loaded in one transaction.
        """
        rdf_format = rdfio.format_for(path, fmt)
        rdfio.check_file_safe(path, rdf_format)
        target = checked_iri(graph or graph_for_file(path))
        dataset = rdf_format in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)
        before = self._count(target, rdf_format) if dataset or self._store.contains_named_graph(target) else 0
        try:
            size = path.stat().st_size
            bulk = (
                self.path is not None
                and size >= BULK_LOAD_BYTES
                and not dataset
                and not self._store.contains_named_graph(target)
            )
            with path.open("rb") as raw:
                reader = ProgressReader(raw, size, f"loading {path.name}")
                if bulk:
                    self._bulk_load(reader, rdf_format, path, target)
                else:
                    self._store.load(
                        reader,  # type: ignore[arg-type]  # any object with read() is accepted
                        format=rdf_format,
                        base_iri=path.resolve().as_uri(),
                        to_graph=target,
                    )
        except (SyntaxError, ValueError) as exc:
            raise rdfio.syntax_error(str(path), exc) from None
        except OSError as exc:
            raise FileFormatError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
        return LoadReport(str(path), target.value, self._count(target, rdf_format) - before)

    def _bulk_load(self, reader: ProgressReader, fmt: ox.RdfFormat, path: Path, target: ox.NamedNode) -> None:
        marker = ox.Quad(target, LOADING, ox.Literal("loading"), LOADING_GRAPH)
        self._store.add(marker)
        try:
            self._store.bulk_load(
                reader,  # type: ignore[arg-type]
                format=fmt,
                base_iri=path.resolve().as_uri(),
                to_graph=target,
            )
        except (SyntaxError, ValueError, OSError):
            self._store.remove_graph(target)
            self._store.remove(marker)
            raise
        self._store.remove(marker)

    def load_bytes(self, data: bytes, fmt: ox.RdfFormat, graph: str, source: str) -> LoadReport:
        rdfio.check_safe(data, fmt, source)
        target = checked_iri(graph)
        before = self._count(target, fmt)
        try:
            self._store.load(data, format=fmt, to_graph=target)
        except (SyntaxError, ValueError) as exc:
            raise rdfio.syntax_error(source, exc) from None
        return LoadReport(source, target.value, self._count(target, fmt) - before)

    def _count(self, graph: ox.NamedNode, fmt: ox.RdfFormat) -> int:
        """Triples in the target graph; for dataset formats, which spread over graphs, the whole store."""
        if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
            return len(self._store)
        return graph_size(self, graph.value)

    def drop(self, graph: str) -> None:
        target = checked_iri(graph)
        if not self._store.contains_named_graph(target):
            raise NotFoundError(f"no graph named {graph}")
        self._store.remove_graph(target)

    def graphs(self) -> list[GraphInfo]:
        result = self.query(resources.internal_query("store/list-graphs.rq"), default_graphs=[])
        assert isinstance(result, Rows)
        return [GraphInfo(value_of(g), int(value_of(n))) for g, n in result.rows]

    def graph_names(self) -> list[str]:
        return [g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]

    def has_graph(self, graph: str) -> bool:
        return bool(self._store.contains_named_graph(checked_iri(graph)))

    def triples(self) -> Iterator[ox.Triple]:
        visible = visible_graphs(self._store)
        if visible is None:
            for quad in self._store:
                yield quad.triple
            return
        for graph in visible:
            for quad in self._store.quads_for_pattern(None, None, None, graph):
                yield quad.triple

    @property
    def kind(self) -> str:
        return "oxigraph-memory" if self.path is None else "oxigraph-disk"

    @property
    def writable(self) -> bool:
        return not self.read_only

    @property
    def answers_compiled_checks(self) -> bool:
        return True

    @property
    def in_process(self) -> bool:
        return True

    def add_triples(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        target = checked_iri(graph)
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object, target) for t in triples)

    def worker_pool(self, size: int, timeout: float) -> WorkerPool:
        from .workers import WorkerPool

        return WorkerPool(self._store, self.path, size=size, timeout=timeout, checkpoints=not self.read_only)

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()

    def close(self) -> None:
        self.flush()
