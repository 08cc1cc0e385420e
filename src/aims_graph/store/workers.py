"""Read queries in worker processes that can be killed, so a time limit really stops a runaway query.

pyoxigraph cannot cancel a running query, so each read runs in a child process. When the time limit passes
the child is killed (it stops using CPU at once) and replaced. Children see the data as it was when they were
started: an in-memory store is inherited by ``fork``; an on-disk store is reopened read-only. After every
write the pool is renewed so that new children see the new data.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.context import ForkProcess
from pathlib import Path

import pyoxigraph as ox

from ..answers import Boolean, QueryResult, Rows, Term, Triples
from ..errors import QuerySyntaxError, QueryTimeoutError, StoreError, TooLargeError, UserInputError
from ..serialize import write_graph, write_results
from .oxigraph import query_options

_FORK = multiprocessing.get_context("fork")

# The store a forked child inherits; set by the pool just before it forks.
_INHERITED: ox.Store | None = None


@dataclass(frozen=True)
class QueryJob:
    sparql: str
    bindings: Mapping[str, Term] | None = None
    default_graphs: Sequence[str] | None = None
    named_graphs: Sequence[str] | None = None
    row_limit: int = 100_000
    # When set, the worker answers with serialised bytes in these formats (chosen by the answer's kind)
    # instead of Python terms: pyoxigraph's own serialisers are much faster than building terms.
    # Media types, not pyoxigraph format objects: those cannot be pickled to the worker.
    rows_format: str | None = None
    graph_format: str | None = None
    prefixes: dict[str, str] | None = None


@dataclass(frozen=True)
class Serialized:
    """An answer already in the client's format."""

    body: bytes
    kind: str  # "rows" or "graph"


class NotAcceptableForAnswer(UserInputError):
    http_status = 406


def execute(store: ox.Store, job: QueryJob) -> QueryResult | Serialized:
    """Run one query to completion, refusing results larger than the row cap."""
    kwargs = query_options(job.sparql, job.bindings, job.default_graphs, job.named_graphs, store)
    answer = store.query(job.sparql, **kwargs)  # type: ignore[arg-type]
    if job.rows_format is not None or job.graph_format is not None:
        return _serialized(answer, job)
    if isinstance(answer, ox.QueryBoolean):
        return Boolean(bool(answer))
    if isinstance(answer, ox.QueryTriples):
        triples: list[ox.Triple] = []
        for triple in answer:
            triples.append(triple)
            if len(triples) > job.row_limit:
                raise TooLargeError(f"the result has more than {job.row_limit} triples; narrow the query")
        return Triples(triples)
    variables = [v.value for v in answer.variables]
    rows: list[tuple[Term | None, ...]] = []
    width = range(len(variables))
    for solution in answer:
        rows.append(tuple(solution[i] for i in width))
        if len(rows) > job.row_limit:
            raise TooLargeError(f"the result has more than {job.row_limit} rows; add a LIMIT to the query")
    return Rows(variables, rows)


def _serialized(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, job: QueryJob) -> Serialized:
    """The answer written by the one serialiser (``serialize``), in the format the client accepts for its kind."""
    if isinstance(answer, ox.QueryTriples):
        graph_format = ox.RdfFormat.from_media_type(job.graph_format) if job.graph_format else None
        if graph_format is None:
            raise NotAcceptableForAnswer("the query returns a graph, and no accepted format can hold one")
        return Serialized(write_graph(answer, graph_format, job.prefixes, job.row_limit), "graph")
    rows_format = ox.QueryResultsFormat.from_media_type(job.rows_format) if job.rows_format else None
    if rows_format is None:
        raise NotAcceptableForAnswer("the query returns results, and no accepted format can hold them")
    return Serialized(write_results(answer, rows_format, job.row_limit), "rows")


def _child(conn: multiprocessing.connection.Connection, path: str | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store = ox.Store.read_only(path) if path is not None else _INHERITED
    except (OSError, RuntimeError) as exc:
        conn.send(("failed", str(exc)))
        return
    assert store is not None
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            conn.send(("ok", execute(store, job)))
        except TooLargeError as exc:
            conn.send(("too-large", str(exc)))
        except NotAcceptableForAnswer as exc:
            conn.send(("not-acceptable", str(exc)))
        except SyntaxError as exc:
            conn.send(("syntax", str(exc)))
        except (OSError, RuntimeError, ValueError) as exc:
            conn.send(("error", str(exc)))


class _Worker:
    def __init__(self, store: ox.Store | None, path: Path | None, generation: int) -> None:
        global _INHERITED
        self.generation = generation
        parent, child = _FORK.Pipe()
        _INHERITED = store
        self.process: ForkProcess = _FORK.Process(
            target=_child, args=(child, str(path) if path is not None else None), daemon=True
        )
        self.process.start()
        _INHERITED = None
        child.close()
        self.conn = parent
        status, detail = parent.recv() if parent.poll(30) else ("failed", "no answer within 30 s")
        if status != "ready":
            self.kill()
            raise StoreError(f"a query worker could not open the store: {detail}")

    def kill(self) -> None:
        if self.process.is_alive() and self.process.pid is not None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """A fixed number of query workers; callers wait (in a thread, never on the event loop) for a free one."""

    def __init__(self, store: ox.Store, path: Path | None, size: int = 2, timeout: float = 30.0) -> None:
        self._store = store
        self._path = path
        self._size = max(1, size)
        self.timeout = timeout
        self._generation = 0
        self._lock = threading.Lock()
        self._free = threading.Condition(self._lock)
        self._idle: list[_Worker] = []
        self._closed = False
        with self._lock:
            self._idle = [self._spawn() for _ in range(self._size)]

    def _spawn(self) -> _Worker:
        return _Worker(self._store if self._path is None else None, self._path, self._generation)

    def renew(self) -> None:
        """After a write: idle workers are replaced now, busy ones when they come back."""
        with self._lock:
            self._generation += 1
            old, self._idle = self._idle, []
            for worker in old:
                worker.kill()
            self._idle = [self._spawn() for _ in old]

    def run(self, job: QueryJob) -> QueryResult | Serialized:
        with self._free:
            while not self._idle:
                if self._closed:
                    raise StoreError("the query service is shutting down")
                self._free.wait()
            worker = self._idle.pop()
        healthy = False
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                raise QueryTimeoutError(
                    f"the query ran longer than {self.timeout:g} s and was stopped; narrow it or add a LIMIT"
                )
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, BrokenPipeError, OSError) as exc:
            raise StoreError(f"the query worker failed: {exc}") from None
        finally:
            with self._free:
                if healthy and worker.generation == self._generation and not self._closed:
                    self._idle.append(worker)
                else:
                    worker.kill()
                    if not self._closed:
                        self._idle.append(self._spawn())
                self._free.notify()
        if status == "ok":
            assert isinstance(payload, Rows | Boolean | Triples | Serialized)
            return payload
        if status == "not-acceptable":
            raise NotAcceptableForAnswer(payload)
        if status == "too-large":
            raise TooLargeError(payload)
        if status == "syntax":
            raise QuerySyntaxError(f"SPARQL syntax error: {payload}")
        raise UserInputError(f"the query failed: {payload}")

    def close(self) -> None:
        with self._free:
            self._closed = True
            for worker in self._idle:
                worker.kill()
            self._idle = []
            self._free.notify_all()
