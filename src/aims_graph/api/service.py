"""The state behind the HTTP API: the store, the query workers, the write token. No FastAPI here.

Every read that can be expensive (queries, validation) runs in a query worker (``store.workers``) that the time
limit kills and that cannot reach the network; writes run here, one at a time, and never make a read fail.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from .. import resources
from ..answers import Boolean, QueryResult, Rows, Term, Triples
from ..config import Settings
from ..errors import (
    AuthenticationError,
    PermissionDeniedError,
    TooLargeError,
    UserInputError,
)
from ..namespaces import GRAPH_BASE, PREFIXES
from ..rdfio import parse_quads, to_rdflib
from ..snapshots import GraphView, refuse_snapshot_write, validate_as_of
from ..snapshots.organisations import records_view
from ..snapshots.store import reference_graphs
from ..snapshots.trail import record_write, token_agent
from ..store import (
    OxigraphStore,
    Queryable,
    Store,
    checked_iri,
    ensure_reference_graphs,
    graph_size,
    open_configured_store,
    store_as_rdflib,
)
from ..store.sparql_text import refuse_service
from ..store.workers import QueryJob, Serialized, TaskJob, WorkerPool, execute
from ..validation.report import ValidationReport
from ..validation.user_shapes import validate_with_shapes
from ..validation.validate import validate_store

INTERNAL_GRAPH_PREFIXES = ("urn:aims-graph:", "urn:x-aims-graph:", GRAPH_BASE + "import/")
"""Graphs the store keeps for itself (load markers, validation and import staging): never written by clients."""


def refuse_reserved(graph: str) -> None:
    """A client may write its own graphs only: the reference and internal graphs answer 403."""
    if graph in reference_graphs() or graph.startswith(INTERNAL_GRAPH_PREFIXES):
        raise PermissionDeniedError(f"<{graph}> is a reference or internal graph and cannot be written here")


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


class Reads(Queryable, Protocol):
    """What pages, reports and the query routes read through: the service, or its reads of one scope."""

    def query_for_client(
        self,
        sparql: str,
        formats: tuple[str | None, str | None],
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult | Serialized: ...

    def select(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, graphs: Sequence[str] | None = None
    ) -> Rows: ...

    def validation(self, engine: str = "auto") -> ValidationReport: ...


class ScopedReads:
    """Reads of the records of one organisation and/or of a snapshot: what pages and reports are given instead of
    the service when the request names ``?org=`` or ``?as_of=``."""

    def __init__(self, service: Service, org: str | None, label: str | None) -> None:
        self.service = service
        self.org = org
        self.label = label

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        return self.query_for_client(sparql, (None, None), bindings, default_graphs, named_graphs)  # type: ignore[return-value]

    def query_for_client(
        self,
        sparql: str,
        formats: tuple[str | None, str | None],
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult | Serialized:
        job = self.service.client_job(sparql, formats, bindings, default_graphs, named_graphs)
        return self.service.scoped_query(self.service.scope(self.org, self.label), job)

    def select(
        self, sparql: str, bindings: Mapping[str, Term] | None = None, graphs: Sequence[str] | None = None
    ) -> Rows:
        result = self.query(sparql, bindings, graphs, graphs)
        assert isinstance(result, Rows)
        return result

    def validation(self, engine: str = "auto") -> ValidationReport:
        return self.service.scoped_validation(self.service.scope(self.org, self.label), engine)


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
        # The store stays open for writing here; workers read an in-memory fork or an on-disk checkpoint.
        self._validation: dict[str, ValidationReport] = {}
        self._version = 0
        self._validation_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self.pool: WorkerPool | None = self.store.worker_pool(self.settings.workers, self.settings.query_timeout)
        # A remote store's server runs the queries under its own limits, but posted data is parsed and validated
        # here: that work goes to workers over an empty store, under the same limit and sandbox.
        self.upload_pool = self.pool or WorkerPool(ox.Store(), None, settings.workers, settings.query_timeout)

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
        answer = self.pool.query(job)
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
        return self.pool.query(self.client_job(sparql, formats, bindings, default_graphs, named_graphs))

    async def query_for_client_async(
        self,
        sparql: str,
        formats: tuple[str | None, str | None],
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult | Serialized:
        """``query_for_client`` for the event loop: with query workers, no thread is involved (the hot path of
        /sparql and /queries); a remote store's query runs in a thread."""
        if self.pool is None:
            return await asyncio.to_thread(self.query, sparql, bindings, default_graphs, named_graphs)
        job = self.client_job(sparql, formats, bindings, default_graphs, named_graphs)
        answer = await self.pool.run_async(job)
        assert isinstance(answer, Rows | Boolean | Triples | Serialized)
        return answer

    def client_job(
        self,
        sparql: str,
        formats: tuple[str | None, str | None],
        bindings: Mapping[str, Term] | None,
        default_graphs: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
    ) -> QueryJob:
        """The worker job for a client's read: SERVICE refused, graph IRIs checked, the row cap and the
        client's answer formats set."""
        refuse_service(sparql)
        graphs = [checked_iri(g).value for g in default_graphs] if default_graphs else None
        names = [checked_iri(g).value for g in named_graphs] if named_graphs else None
        return QueryJob(
            sparql, dict(bindings) if bindings else None, graphs, names, self.settings.row_limit, *formats, PREFIXES
        )

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

    def validation(self, engine: str = "auto") -> ValidationReport:
        """The store validated against our shapes (the home page's summary)."""
        return self.validate(None, None, engine)

    def validate(
        self, data: tuple[bytes, str] | None, shapes: tuple[bytes, str] | None, engine: str
    ) -> ValidationReport:
        """Posted data (or, when None, the store) against our shapes or posted ones (media types name formats).

        Parsing and validation both run in a worker under the time limit, so a body crafted to be slow is
        stopped. The store against our shapes is cached until the next write.
        """
        store_only = data is None and shapes is None
        with self._validation_lock:
            version, cached = self._version, self._validation.get(engine) if store_only else None
        if cached is not None:
            return cached
        if self.pool is not None:
            report = self.pool.run(TaskJob(validation_task, (data, shapes, engine)))
        elif data is not None:  # remote store: the posted data alone is validated, in a worker
            report = self.upload_pool.run(TaskJob(validation_task, (data, shapes, engine)))
        else:  # remote store: the compiled checks run on its server
            report = validation_task(self.store, data, shapes, engine)
        assert isinstance(report, ValidationReport)
        if store_only:
            with self._validation_lock:
                if self._version == version:
                    self._validation[engine] = report
        return report

    def scoped(self, org: str | None, label: str | None) -> ScopedReads:
        """The reads of one organisation's records and/or a snapshot's, for routes and pages alike."""
        return ScopedReads(self, org or None, label or None)

    def scoped_query(self, scope: Scope, job: QueryJob) -> QueryResult | Serialized:
        """A read of the records ``scope`` names (``job`` from ``client_job``), in a worker, which keeps the
        view for its generation."""
        if self.pool is None:
            return scoped_query_task(self.store, scope, job)
        return self.pool.run(TaskJob(scoped_query_task, (scope, job)))  # type: ignore[no-any-return]

    def scoped_validation(self, scope: Scope, engine: str) -> ValidationReport:
        if self.pool is None:
            return scoped_validation_task(self.store, scope, engine)
        report = self.pool.run(TaskJob(scoped_validation_task, (scope, engine)))
        assert isinstance(report, ValidationReport)
        return report

    def scope(self, org: str | None, label: str | None) -> Scope:
        with self._validation_lock:
            return Scope(org, label, self._version)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write at a time, here; afterwards a new generation of workers sees it, while the old one keeps
        answering reads until then (``WorkerPool.renew``)."""
        with self._write_lock:
            try:
                if self.pool is None:  # a remote store: the server orders its own writes
                    yield
                else:
                    with self.pool.frozen():
                        yield
            finally:
                self._forget_validation()
                if self.pool is not None:
                    self.pool.renew()
                    self._forget_validation()  # a validation begun during renew() read the old generation

    def _forget_validation(self) -> None:
        with self._validation_lock:
            self._validation = {}
            self._version += 1

    def replace_graph(self, graph: str, data: bytes, fmt: ox.RdfFormat) -> bool:
        """PUT: the graph's content becomes the body, in one transaction. True when the graph is new."""
        return self._write_triples(graph, data, fmt, replace=True)

    def add_to_graph(self, graph: str, data: bytes, fmt: ox.RdfFormat) -> bool:
        """POST: the body is added to the graph, all or nothing. True when the graph is new."""
        return self._write_triples(graph, data, fmt, replace=False)

    def _write_triples(self, graph: str, data: bytes, fmt: ox.RdfFormat, replace: bool) -> bool:
        """The body's triples into the one target graph: graph names inside the body (JSON-LD ``@id`` with
        ``@graph``) are dropped, so a body can never write into another graph."""
        refuse_snapshot_write(graph)
        target = checked_iri(graph)
        refuse_reserved(target.value)
        quads = _parse_upload(data, fmt)
        triples = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b""
        with self._writing():
            existed = self.store.has_graph(target.value)
            before = graph_size(self.store, target.value) if existed else 0
            if replace:  # drop and insert in one update: one transaction
                insert = resources.internal_query("store/insert-data.ru").replace(
                    "$blocks", f"GRAPH {target} {{\n{triples.decode('utf-8')}}}"
                )
                drop = resources.internal_query("store/drop-graph.ru").replace("$graph", str(target))
                self.store.update(drop + " ;\n" + insert)
            else:  # one load is one transaction too, and much faster than parsing an update
                self.store.load_bytes(triples, ox.RdfFormat.N_TRIPLES, target.value, "request body")
            self._record(target.value, "PUT" if replace else "POST", before)
        return not existed

    def drop_graph(self, graph: str) -> None:
        refuse_snapshot_write(graph)
        refuse_reserved(checked_iri(graph).value)
        with self._writing():
            before = graph_size(self.store, graph)
            self.store.drop(graph)
            self._record(graph, "DELETE", before)

    def _record(self, graph: str, action: str, before: int) -> None:
        """The write in the trail of writes (a PROV activity readers can query)."""
        assert self.token is not None  # writes are refused without a token
        source = self.settings.token_file.name if self.settings.token_file else "the configured token"
        after = graph_size(self.store, graph)
        record_write(self.store, graph, action, token_agent(self.token, source), before, after)

    def graph_triples(self, graph: str | None) -> list[ox.Triple]:
        """The triples of one named graph, or of the union default graph when ``graph`` is None."""
        query = resources.internal_query("ld/graph-content.rq")
        result = self.query(query, default_graphs=None if graph is None else [checked_iri(graph).value])
        assert isinstance(result, Triples)
        return result.triples

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if self.upload_pool is not self.pool:
            self.upload_pool.close()
        self.store.close()


def _parse_upload(data: bytes, fmt: ox.RdfFormat) -> list[ox.Quad]:
    try:
        return parse_quads(data, fmt, "request body")
    except MemoryError:  # pyoxigraph's parsers refuse a single token over 16 MiB this way
        raise TooLargeError("the request body holds a single value (literal or IRI) larger than 16 MiB") from None


def validation_task(
    store: Store, data: tuple[bytes, str] | None, shapes: tuple[bytes, str] | None, engine: str
) -> ValidationReport:
    """What a worker runs for /validate (formats as media types: pyoxigraph's format objects do not pickle)."""
    return validate_upload(store, _with_format(data), _with_format(shapes), engine)


@dataclass(frozen=True)
class Scope:
    """Which records a read sees: one organisation's (``org``), as of a snapshot (``label``), at a write count."""

    org: str | None
    label: str | None
    version: int


_VIEWS: OrderedDict[tuple[int, Scope], tuple[Store, GraphView | None]] = OrderedDict()
_VIEWS_LOCK = threading.Lock()


def scoped_view(store: Store, scope: Scope) -> tuple[Store, GraphView | None]:
    """The store as ``scope`` sees it, and, as of a snapshot, the view of its graphs (``records_view``).

    Views are kept, a few at a time: a worker's store never changes, and in the server process (a remote
    store) the write count in the scope tells a stale view from a fresh one.
    """
    key = (id(store), scope)
    with _VIEWS_LOCK:
        if key in _VIEWS:
            _VIEWS.move_to_end(key)
            return _VIEWS[key]
    found = records_view(store, scope.org, scope.label)
    with _VIEWS_LOCK:
        _VIEWS[key] = found
        while len(_VIEWS) > 8:
            _VIEWS.popitem(last=False)
    return found


def scoped_query_task(store: Store, scope: Scope, job: QueryJob) -> QueryResult | Serialized:
    """What a worker runs for a read with ?org= (and ?as_of=): the query over the scope's view."""
    view, snapshot = scoped_view(store, scope)
    if snapshot is not None:
        job = replace(job, default_graphs=snapshot.graphs, named_graphs=snapshot.graphs)
    if isinstance(view, OxigraphStore):
        return execute(view.raw, job)
    return view.query(job.sparql, job.bindings, job.default_graphs, job.named_graphs)  # rendered by the route


def scoped_validation_task(store: Store, scope: Scope, engine: str) -> ValidationReport:
    view, snapshot = scoped_view(store, scope)
    if snapshot is not None:
        return validate_as_of(snapshot, None, engine)
    return validate_store(view, None, engine)


def _with_format(part: tuple[bytes, str] | None) -> tuple[bytes, ox.RdfFormat] | None:
    if part is None:
        return None
    fmt = ox.RdfFormat.from_media_type(part[1])
    if fmt is None:
        raise UserInputError(f"cannot read {part[1]!r}")
    return part[0], fmt


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
