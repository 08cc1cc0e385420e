"""Where the graph lives: embedded Oxigraph by default, any SPARQL 1.1 server for scale-out.

Query code sees only the ``Store`` protocol. Each source sits in its own named graph and queries see the union
of all graphs as their default graph.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyoxigraph as ox
import rdflib
from SPARQLWrapper import JSON, N3, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from . import rdfio, resources
from .config import Settings
from .errors import FileFormatError, NotFoundError, QuerySyntaxError, StoreError, UserInputError
from .namespaces import GRAPH_BASE, SNAPSHOT_GRAPH_BASE, SNAPSHOTS_GRAPH
from .progress import ProgressReader
from .results import QueryResult, Rows, Term, Triples, from_oxigraph, value_of
from .sparql_text import has_dataset_clause, with_values

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


# Big files are bulk-loaded into a new graph that stays hidden until it is complete: a marker quad in this
# graph names each graph being loaded, and readers leave marked graphs out. A load killed half-way leaves its
# marker behind, and the next writable opening of the store removes the partial graph.
LOADING_GRAPH = ox.NamedNode("urn:aims-graph:loading")
LOADING = ox.NamedNode("urn:aims-graph:state")
BULK_LOAD_BYTES = 8 * 1024 * 1024


def _loading(store: ox.Store) -> set[ox.NamedNode | ox.BlankNode]:
    return {q.subject for q in store.quads_for_pattern(None, LOADING, None, LOADING_GRAPH)}  # type: ignore[misc]


def is_snapshot_graph(name: str) -> bool:
    """A snapshot copy or the snapshots' description: part of the store, not of its current state."""
    return name == SNAPSHOTS_GRAPH or name.startswith(SNAPSHOT_GRAPH_BASE)


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
    graphs still being loaded are never seen."""
    options: dict[str, object] = {}
    visible = visible_graphs(store) if store is not None and not has_dataset_clause(sparql) else None
    if default_graphs is not None:
        options["default_graph"] = [checked_iri(g) for g in default_graphs]
    elif visible is not None:
        options["default_graph"] = visible
    elif not has_dataset_clause(sparql):
        options["use_default_graph_as_union"] = True
    if named_graphs is not None:
        options["named_graphs"] = [checked_iri(g) for g in named_graphs]
    elif visible is not None:
        options["named_graphs"] = visible
    if bindings:
        options["substitutions"] = {ox.Variable(k): v for k, v in bindings.items()}
    return options


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

    def close(self) -> None: ...


def _bound(sparql: str, bindings: Mapping[str, Term]) -> str:
    """The query with its parameters in a VALUES block built from RDF terms, whose N-Triples form cannot
    break out of the block; a parameter name must be a plain variable name."""
    for name in bindings:
        if not name.isidentifier():
            raise UserInputError(f"not a variable name: {name!r}")
    return with_values(sparql, list(bindings), [str(term) for term in bindings.values()])


class OxigraphStore:
    """The embedded store: in memory, or transactional on disk in a directory."""

    def __init__(self, path: Path | str | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._store = self._open()
        if self.path is not None and not read_only:
            self._remove_abandoned_loads()

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

    def reopen(self, read_only: bool) -> None:
        """Close an on-disk store and open it again, read-only or writable (no-op in memory).

        The API keeps the directory read-only while query workers read it, and writable only during a write.
        """
        if self.path is None or read_only == self.read_only:
            return
        if not self.read_only:
            self._store.flush()
        del self._store
        self.read_only = read_only
        self._store = self._open()

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
            answer = self._store.query(sparql, **kwargs)  # type: ignore[arg-type]
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
        before = self._count(target, rdf_format)
        try:
            size = path.stat().st_size
            bulk = (
                self.path is not None
                and size >= BULK_LOAD_BYTES
                and rdf_format not in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)
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
        result = self.query(
            resources.internal_query("store/count-graph.rq"), bindings={"graph": graph}, default_graphs=[]
        )
        assert isinstance(result, Rows)
        return int(value_of(result.rows[0][1])) if result.rows else 0

    def drop(self, graph: str) -> None:
        target = checked_iri(graph)
        if not self._store.contains_named_graph(target):
            raise NotFoundError(f"no graph named {graph}")
        self._store.remove_graph(target)

    def graphs(self) -> list[GraphInfo]:
        result = self.query(resources.internal_query("store/list-graphs.rq"), default_graphs=[])
        assert isinstance(result, Rows)
        return [GraphInfo(value_of(g), int(value_of(n))) for g, n in result.rows]

    def has_graph(self, graph: str) -> bool:
        return bool(self._store.contains_named_graph(checked_iri(graph)))

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._store.flush()

    def close(self) -> None:
        self.flush()


class SparqlEndpointStore:
    """Any SPARQL 1.1 server, through SPARQLWrapper for query and update.

    The server must answer queries over the union of its named graphs (Oxigraph: ``--union-default-graph``;
    Fuseki/TDB2: ``tdb2:unionDefaultGraph true``); see docs/scale-out.md.
    """

    def __init__(
        self,
        query_endpoint: str,
        update_endpoint: str | None = None,
        graph_store_endpoint: str | None = None,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint
        self.graph_store_endpoint = graph_store_endpoint
        self._username = username
        self._password = password
        self._token = token
        self._timeout = timeout

    def _wrapper(self, endpoint: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(endpoint)
        wrapper.setMethod(POST)
        wrapper.setTimeout(int(self._timeout))
        if self._username is not None:
            wrapper.setCredentials(self._username, self._password or "")
        if self._token is not None:
            wrapper.addCustomHttpHeader("Authorization", f"Bearer {self._token}")
        return wrapper

    def _auth_headers(self) -> dict[str, str]:
        if self._token is not None:
            return {"Authorization": f"Bearer {self._token}"}
        if self._username is not None:
            pair = f"{self._username}:{self._password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return {}

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        text = _bound(sparql, bindings) if bindings else sparql
        if default_graphs is None and named_graphs is None and not has_dataset_clause(sparql):
            default_graphs = named_graphs = self._current_graphs()
        wrapper = self._wrapper(self.query_endpoint)
        wrapper.setQuery(text)
        for g in default_graphs or ():
            wrapper.addParameter("default-graph-uri", checked_iri(g).value)
        for g in named_graphs or ():
            wrapper.addParameter("named-graph-uri", checked_iri(g).value)
        graph_query = wrapper.queryType in ("CONSTRUCT", "DESCRIBE")
        wrapper.setReturnFormat(N3 if graph_query else JSON)
        if graph_query:
            wrapper.addCustomHttpHeader("Accept", "application/n-triples")
        body = self._send(wrapper)
        try:
            if graph_query:
                return Triples([q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)])
            answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"{self.query_endpoint} sent an answer that does not parse: {exc}") from None
        return from_oxigraph(answer)

    def _current_graphs(self) -> list[str] | None:
        """The graphs of the current state when the server also holds snapshots, else None (its union).

        One small query per read: the server's union default graph would otherwise include snapshot copies.
        """
        listed = self.query(resources.internal_query("store/named-graphs.rq"), default_graphs=[], named_graphs=[])
        assert isinstance(listed, Rows)
        names = [value_of(row[0]) for row in listed.rows if row[0] is not None]
        if not any(is_snapshot_graph(name) for name in names):
            return None
        return [name for name in names if not is_snapshot_graph(name)]

    def _send(self, wrapper: SPARQLWrapper) -> bytes:
        try:
            response = wrapper.query().response
            return bytes(response.read())
        except SPARQLWrapperException as exc:
            message = str(exc)
            if "QueryBadFormed" in type(exc).__name__ or "400" in message[:40]:
                raise QuerySyntaxError(f"the endpoint refused the query: {message}") from None
            raise StoreError(f"{wrapper.endpoint}: {message}") from None
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            if exc.code == 400:
                raise QuerySyntaxError(f"the endpoint refused the query: {detail}") from None
            raise StoreError(f"{wrapper.endpoint} answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach {wrapper.endpoint}: {exc}") from None

    def update(self, sparql: str) -> None:
        if self.update_endpoint is None:
            raise StoreError("this store has no update endpoint; give --update-endpoint")
        wrapper = self._wrapper(self.update_endpoint)
        wrapper.setQuery(sparql)
        self._send(wrapper)

    def load(self, path: Path, graph: str | None = None, fmt: str | None = None) -> LoadReport:
        rdf_format = rdfio.format_for(path, fmt)
        data = rdfio.read_bytes(path)
        return self.load_bytes(data, rdf_format, graph or graph_for_file(path), str(path), path.resolve().as_uri())

    def load_bytes(
        self, data: bytes, fmt: ox.RdfFormat, graph: str, source: str, base_iri: str | None = None
    ) -> LoadReport:
        """Parse locally first (so a bad file never reaches the server), then send it in one request.

        Triples go into ``graph``; quads of a dataset file (TriG, N-Quads) keep their own graph names.
        """
        target = checked_iri(graph)
        by_graph: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = {}
        for quad in rdfio.parse_quads(data, fmt, source, base_iri=base_iri):
            name = target if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name
            by_graph.setdefault(name, []).append(quad.triple)
        if self.graph_store_endpoint is not None and set(by_graph) <= {target}:
            self._post_graph(target, by_graph.get(target, []), source)
        else:
            blocks = "\n".join(
                f"GRAPH {name} {{\n{(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b'').decode()}}}"
                for name, triples in by_graph.items()
            )
            self.update(resources.internal_query("store/insert-data.ru").replace("$blocks", blocks))
        return LoadReport(source, target.value, sum(len(set(t)) for t in by_graph.values()))

    def _post_graph(self, target: ox.NamedNode, triples: list[ox.Triple], source: str) -> None:
        """Graph Store Protocol POST: one request, which the server applies as a whole."""
        assert self.graph_store_endpoint is not None
        payload = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        url = self.graph_store_endpoint + "?" + urllib.parse.urlencode({"graph": target.value})
        request = urllib.request.Request(url, data=payload, method="POST")
        request.add_header("Content-Type", "application/n-triples")
        for key, value in self._auth_headers().items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise StoreError(f"graph store answered HTTP {exc.code} for {source}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise StoreError(f"cannot reach {self.graph_store_endpoint}: {exc}") from None

    def drop(self, graph: str) -> None:
        target = checked_iri(graph)
        if all(info.name != target.value for info in self.graphs()):
            raise NotFoundError(f"no graph named {graph}")
        self.update(resources.internal_query("store/drop-graph.ru").replace("$graph", str(target)))

    def graphs(self) -> list[GraphInfo]:
        result = self.query(resources.internal_query("store/list-graphs.rq"))
        assert isinstance(result, Rows)
        return [GraphInfo(value_of(g), int(value_of(n))) for g, n in result.rows]

    def has_graph(self, graph: str) -> bool:
        return any(info.name == graph for info in self.graphs())

    def close(self) -> None:
        pass


def open_store(
    path: Path | str | None = None,
    endpoint: str | None = None,
    update_endpoint: str | None = None,
    graph_store_endpoint: str | None = None,
    username: str | None = None,
    password: str | None = None,
    token: str | None = None,
) -> OxigraphStore | SparqlEndpointStore:
    """The store the user asked for: a remote endpoint, a directory, or memory."""
    if endpoint is not None and path is not None:
        raise UserInputError("give either a store directory or an endpoint, not both")
    if endpoint is not None:
        return SparqlEndpointStore(
            endpoint, update_endpoint, graph_store_endpoint, username=username, password=password, token=token
        )
    return OxigraphStore(path)


def open_configured_store(settings: Settings) -> OxigraphStore | SparqlEndpointStore:
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


def ensure_reference_graphs(store: OxigraphStore | SparqlEndpointStore) -> None:
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


def store_as_rdflib(store: OxigraphStore | SparqlEndpointStore) -> rdflib.Graph:
    """Everything the store holds as one rdflib graph (pyshacl needs one), read through the store's API."""
    if isinstance(store, OxigraphStore):
        current = (q for q in store.raw if not is_snapshot_graph(getattr(q.graph_name, "value", "")))
        return rdfio.to_rdflib(list(current))
    result = store.query(resources.internal_query("ld/graph-content.rq"))
    assert isinstance(result, Triples)
    return rdfio.to_rdflib([ox.Quad(t.subject, t.predicate, t.object) for t in result.triples])
