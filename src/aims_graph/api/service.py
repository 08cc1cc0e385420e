"""The state behind the HTTP API: the store, the query workers, the write token. No FastAPI here."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from .. import resources
from ..answers import QueryResult, Rows, Term, Triples
from ..config import Settings
from ..errors import (
    AuthenticationError,
    PermissionDeniedError,
    UnsafeInputError,
    UserInputError,
)
from ..namespaces import PREFIXES
from ..rdfio import parse_quads, to_rdflib
from ..snapshots import refuse_snapshot_write
from ..store import (
    Store,
    checked_iri,
    ensure_reference_graphs,
    open_configured_store,
    store_as_rdflib,
)
from ..store.sparql_text import uses_service
from ..store.workers import QueryJob, Serialized, WorkerPool
from ..validation.report import ValidationReport
from ..validation.user_shapes import validate_with_shapes
from ..validation.validate import validate_store


def refuse_service(sparql: str) -> None:
    """Federated queries would make the server fetch from the network; they are refused before parsing."""
    if uses_service(sparql):
        raise UnsafeInputError("SERVICE is not allowed: this endpoint never queries other servers")


def read_token(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UserInputError(f"cannot read the token file {path}: {exc.strerror or exc}") from None
    if len(token) < 16:
        raise UserInputError(f"the token in {path} is too short: use at least 16 characters")
    return token


class Service:
    """Opens the store, loads the data, runs reads in killable workers and writes in this process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.token = read_token(settings.token_file)
        self.store: Store = open_configured_store(settings)
        if self.store.writable:
            ensure_reference_graphs(self.store)
        data = list(settings.data)
        if not data and settings.store is None and settings.endpoint is None:
            data = [resources.example_file(resources.CONFORMANT_EXAMPLE)]
        for path in data:
            self.store.load(path)
        # Nobody writes while workers read: an on-disk store stays read-only between writes.
        self.store.settle()
        self._validation: ValidationReport | None = None
        self._validation_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.pool: WorkerPool | None = self._new_pool()

    def _new_pool(self) -> WorkerPool | None:
        return self.store.worker_pool(self.settings.workers, self.settings.query_timeout)

    @property
    def kind(self) -> str:
        return self.store.kind

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        """A read, in a worker that the time limit can kill (embedded store) or on the remote server."""
        refuse_service(sparql)
        graphs = [checked_iri(g).value for g in default_graphs] if default_graphs else None
        names = [checked_iri(g).value for g in named_graphs] if named_graphs else None
        if self.pool is None:
            return self.store.query(sparql, bindings, graphs, names)
        job = QueryJob(sparql, dict(bindings) if bindings else None, graphs, names, self.settings.row_limit)
        answer = self.pool.run(job)
        assert not isinstance(answer, Serialized)
        return answer

    def query_for_client(
        self,
        sparql: str,
        formats: tuple[str | None, str | None],
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult | Serialized:
        """A read whose answer goes straight to an HTTP client: serialised in the worker when it can be."""
        if self.pool is None:
            return self.query(sparql, bindings, default_graphs, named_graphs)
        refuse_service(sparql)
        graphs = [checked_iri(g).value for g in default_graphs] if default_graphs else None
        names = [checked_iri(g).value for g in named_graphs] if named_graphs else None
        job = QueryJob(
            sparql, dict(bindings) if bindings else None, graphs, names, self.settings.row_limit, *formats, PREFIXES
        )
        return self.pool.run(job)

    def select(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, graphs: Sequence[str] | None = None
    ) -> Rows:
        """A SELECT over the current state, or over ``graphs`` alone (a snapshot's, for ?as_of=)."""
        result = self.query(sparql, bindings, graphs, graphs)
        assert isinstance(result, Rows)
        return result

    def check_write(self, authorization: str | None) -> None:
        """Writes need the configured bearer token; without one configured, writes are off."""
        if self.token is None:
            raise PermissionDeniedError("writes are disabled: start the server with --token-file to enable them")
        if not authorization or not authorization.lower().startswith("bearer "):
            raise AuthenticationError("this write needs an Authorization: Bearer token")
        given = authorization[7:].strip().encode("utf-8")
        if not hmac.compare_digest(given, self.token.encode("utf-8")):
            raise PermissionDeniedError("the bearer token is not valid")

    def validation(self) -> ValidationReport:
        """The store validated against our shapes; cached until the next write."""
        with self._validation_lock:
            if self._validation is None:
                self._validation = validate_store(self.store, None, "auto")
            return self._validation

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write at a time. On disk the workers are stopped and the directory opened writable for the
        write alone; afterwards new workers (or, in memory, re-forked ones) see the new data."""
        with self._write_lock:
            on_disk = self.store.kind == "oxigraph-disk"
            if on_disk and self.pool is not None:
                self.pool.close()
            try:
                with self.store.writing():
                    yield
            finally:
                with self._validation_lock:
                    self._validation = None
                if on_disk:
                    self.pool = self._new_pool()
                elif self.pool is not None:
                    self.pool.renew()

    def replace_graph(self, graph: str, data: bytes, fmt: ox.RdfFormat) -> bool:
        """PUT: the graph's content becomes the body, in one transaction. True when the graph is new."""
        refuse_snapshot_write(graph)
        target = checked_iri(graph)
        quads = _parse_upload(data, fmt)
        triples = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b""
        drop = resources.internal_query("store/drop-graph.ru").replace("$graph", str(target))
        insert = resources.internal_query("store/insert-data.ru").replace(
            "$blocks", f"GRAPH {target} {{\n{triples.decode('utf-8')}}}"
        )
        with self._writing():
            existed = self.store.has_graph(target.value)
            self.store.update(drop + " ;\n" + insert)
        return not existed

    def add_to_graph(self, graph: str, data: bytes, fmt: ox.RdfFormat) -> bool:
        """POST: the body is added to the graph, all or nothing. True when the graph is new."""
        refuse_snapshot_write(graph)
        target = checked_iri(graph)
        _parse_upload(data, fmt)
        with self._writing():
            existed = self.store.has_graph(target.value)
            self.store.load_bytes(data, fmt, target.value, "request body")
        return not existed

    def drop_graph(self, graph: str) -> None:
        refuse_snapshot_write(graph)
        with self._writing():
            self.store.drop(graph)

    def graph_triples(self, graph: str | None) -> list[ox.Triple]:
        """The triples of one named graph, or of the union default graph when ``graph`` is None."""
        query = resources.internal_query("ld/graph-content.rq")
        result = self.query(query, default_graphs=None if graph is None else [checked_iri(graph).value])
        assert isinstance(result, Triples)
        return result.triples

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.store.close()


def _parse_upload(data: bytes, fmt: ox.RdfFormat) -> list[ox.Quad]:
    return parse_quads(data, fmt, "request body")


def validate_upload(
    store: Store,
    data: tuple[bytes, ox.RdfFormat] | None,
    shapes: tuple[bytes, ox.RdfFormat] | None,
    engine: str,
) -> ValidationReport:
    """Validate posted data (or the whole store) against our shapes or posted ones; all parsing is ours.

    The store itself is validated where it is by the compiled engines (sparql, auto), copied for pyshacl.
    """
    user_shapes = [to_rdflib(_parse_upload(*shapes))] if shapes is not None else None
    if data is None and engine != "pyshacl":
        return validate_store(store, user_shapes[0] if user_shapes else None, engine)
    graph = to_rdflib(_parse_upload(*data)) if data is not None else store_as_rdflib(store)
    return validate_with_shapes(graph, user_shapes, engine)
