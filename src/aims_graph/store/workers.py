"""Reads in worker processes that can be killed, so a time limit really stops a runaway query or validation.

pyoxigraph cannot cancel a running query, so each read runs in a child process. When the time limit passes
the child is killed (it stops using CPU at once) and replaced. The wait for a free worker counts against the
same limit: a request that finds every worker busy until its deadline gets a 503 with Retry-After.

Workers are confined (``sandbox``): no network connection can be opened, and they die with the server.

Children see the data as it was when their *generation* started, never a write half-done: an in-memory store
is inherited by ``fork``; an on-disk store is read from a checkpoint (``Store.backup``: hard links to the
immutable table files, made after each write), which nobody ever writes. The server's own store stays open
for writing the whole time. After a write, ``renew`` starts a new generation while the old one keeps serving;
then new requests go to the new generation, and old workers are retired as they come back idle, and their
checkpoint deleted with the last of them. So no read fails, or waits, because of a write.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..answers import Boolean, QueryResult, Rows, Term, Triples
from ..errors import (
    AimsGraphError,
    QuerySyntaxError,
    QueryTimeoutError,
    ServiceBusyError,
    StoreError,
    TooLargeError,
    UserInputError,
)
from ..serialize import write_graph, write_results
from .oxigraph import OxigraphStore, bound, query_options
from .sandbox import confine

_FORK = multiprocessing.get_context("fork")
# Workers that open a directory start from a clean, single-threaded fork server instead of the server
# process: a fork of the server copies RocksDB's background threads' locks in whatever state they are, and
# a child that then opens a store can wait on one of them forever.
_SERVER = multiprocessing.get_context("forkserver")
_SERVER.set_forkserver_preload([__name__])


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
class TaskJob:
    """Any other read-only work on the store, run in a worker under the same limits as a query (validation).

    ``function`` must be a module-level function (it is sent by name) taking the worker's ``OxigraphStore``
    first; it answers with something that can be pickled.
    """

    function: Callable[..., object]
    args: tuple[object, ...] = ()


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
    answer = store.query(bound(job.sparql, job.bindings), **kwargs)  # type: ignore[arg-type]
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


def _child(
    conn: multiprocessing.connection.Connection, parent: int | None, store: ox.Store | None, path: str | None
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        confine(os.getppid() if parent is None else parent, conn.fileno())
        wrapped = OxigraphStore.wrapping(ox.Store.read_only(path) if path is not None else store)
    except (OSError, RuntimeError, StoreError) as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(_answer(wrapped, job))


def _answer(store: OxigraphStore, job: QueryJob | TaskJob) -> tuple[str, object]:
    try:
        if isinstance(job, TaskJob):
            return "ok", job.function(store, *job.args)
        return "ok", execute(store.raw, job)
    except AimsGraphError as exc:
        kind = type(exc)
        return "aims-error", (kind.__module__, kind.__qualname__, str(exc))
    except MemoryError as exc:  # pyoxigraph's parsers: a single token over their buffer limit
        return "too-large", f"a single value in the input is too large ({exc})"
    except SyntaxError as exc:
        return "syntax", str(exc)
    except (OSError, RuntimeError, ValueError) as exc:
        return "error", str(exc)


def _rebuilt(module: str, name: str, message: str) -> AimsGraphError:
    """The error a worker raised, as the same class in this process (custom constructors are bypassed)."""
    found = getattr(importlib.import_module(module), name, None)
    kind = found if isinstance(found, type) and issubclass(found, AimsGraphError) else UserInputError
    error = kind.__new__(kind)
    Exception.__init__(error, message)
    return error


@dataclass(eq=False)
class _Generation:
    """The workers that see one version of the data, and the checkpoint they read (on disk)."""

    number: int
    checkpoint: Path | None  # the directory its workers open read-only; None: they inherit the memory store
    owned: bool = True  # a checkpoint made for this generation (deleted with it), not the store itself
    alive: int = 0
    retired: bool = False

    def release(self) -> None:
        """Delete the checkpoint once the generation is retired and its last worker gone."""
        if self.retired and self.alive == 0 and self.checkpoint is not None and self.owned:
            shutil.rmtree(self.checkpoint, ignore_errors=True)
            self.checkpoint = None


class _Worker:
    def __init__(self, store: ox.Store | None, generation: _Generation, gate: threading.Lock) -> None:
        self.generation = generation
        checkpoint = str(generation.checkpoint) if generation.checkpoint is not None else None
        # A memory store is inherited by fork (nothing is pickled: the child sees it as it is at this moment);
        # a directory is opened by a child of the fork server, which dies with this process.
        context = _FORK if checkpoint is None else _SERVER
        parent, child = context.Pipe()
        args = (child, os.getpid(), store, None) if checkpoint is None else (child, None, None, checkpoint)
        self.process: BaseProcess = context.Process(target=_child, args=args, daemon=True)
        with gate:  # never fork in the middle of a write (the child would inherit half of it)
            self.process.start()
        child.close()
        self.conn = parent

    def ready(self) -> _Worker:
        """Wait until the worker has opened the store (workers forked together open it in parallel)."""
        status, detail = self.conn.recv() if self.conn.poll(30) else ("failed", "no answer within 30 s")
        if status != "ready":
            self.kill()
            raise StoreError(f"a query worker could not start: {detail}")
        return self

    def kill(self) -> None:
        if self.process.is_alive() and self.process.pid is not None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(timeout=5)
        self.conn.close()


@dataclass
class _State:
    generation: _Generation
    idle: list[_Worker] = field(default_factory=list)
    closed: bool = False


class WorkerPool:
    """A fixed number of query workers per generation; callers wait (in a thread, never on the event loop)."""

    def __init__(
        self, store: ox.Store, path: Path | None, size: int = 2, timeout: float = 30.0, checkpoints: bool = False
    ) -> None:
        """``checkpoints``: the on-disk store is written while workers read it (the API), so they read
        checkpoints; without, nothing writes it and they open the directory itself read-only (MCP)."""
        self._store = store
        self._path = path
        self._size = max(1, size)
        self.timeout = timeout
        self._checkpoints = path.parent / f".{path.name}.readers" if path is not None and checkpoints else None
        if self._checkpoints is not None:
            shutil.rmtree(self._checkpoints, ignore_errors=True)  # left by a server that was killed
            self._checkpoints.mkdir(parents=True)
        self._numbers = 0
        # Every fork happens on this one thread, which lives as long as the pool: the kernel's parent-death
        # signal fires when the *thread* that forked a worker ends, not only when the process does.
        self._forker = ThreadPoolExecutor(1, thread_name_prefix="aims-graph-forker")
        self._free = threading.Condition(threading.Lock())
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._renewing = threading.Lock()
        self._gate = threading.Lock()
        generation = self._new_generation()
        self._state = _State(generation, self._spawn_many(generation, self._size))

    # ------------------------------------------------------------------------------------------- generations

    def _new_generation(self) -> _Generation:
        self._numbers += 1
        if self._checkpoints is None:  # memory (inherited), or a directory nobody writes
            return _Generation(self._numbers, self._path, owned=False)
        checkpoint = self._checkpoints / str(self._numbers)
        try:
            self._store.backup(str(checkpoint))
        except OSError as exc:
            raise StoreError(f"cannot make a checkpoint for the query workers: {exc}") from None
        return _Generation(self._numbers, checkpoint)

    def _spawn_many(self, generation: _Generation, count: int) -> list[_Worker]:
        """``count`` workers of ``generation``, forked one after the other and started in parallel."""
        with self._free:
            generation.alive += count
        store = self._store if generation.checkpoint is None else None
        started: list[_Worker] = []
        failure: StoreError | None = None
        for _ in range(count):
            try:
                started.append(self._forker.submit(_Worker, store, generation, self._gate).result())
            except OSError as exc:  # fork() itself failed: no memory, or too many processes
                failure = StoreError(f"a query worker could not start: {exc}")
                with self._free:
                    generation.alive -= 1
        workers: list[_Worker] = []
        for worker in started:
            try:
                workers.append(worker.ready())
            except StoreError as exc:
                failure = exc
                with self._free:
                    generation.alive -= 1
        if failure is not None:
            for worker in workers:
                self._retire(worker)
            with self._free:
                generation.release()
            raise failure
        return workers

    def _spawn(self, generation: _Generation) -> _Worker:
        return self._spawn_many(generation, 1)[0]

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._free:
            worker.generation.alive -= 1
            worker.generation.release()

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """No worker is forked during the block: hold it around every write to the store."""
        with self._gate:
            yield

    def renew(self) -> None:
        """After a write: a new generation sees it; the old one serves until the new one is ready."""
        with self._renewing:
            generation = self._new_generation()
            fresh = self._spawn_many(generation, self._size)
            with self._free:
                old, idle = self._state.generation, self._state.idle
                self._state.generation, self._state.idle = generation, fresh
                old.retired = True
                self._free.notify_all()
                self._wake_async()
            for worker in idle:
                self._retire(worker)
            with self._free:
                old.release()

    def _replace(self, generation: _Generation) -> None:
        """A worker of the current generation was killed: start another in the background."""
        try:
            worker = self._spawn(generation)
        except StoreError:
            return
        with self._free:
            if generation is self._state.generation and not self._state.closed:
                self._state.idle.append(worker)
                self._free.notify()
                self._wake_async()
                return
        self._retire(worker)

    # -------------------------------------------------------------------------------------------------- jobs

    def query(self, job: QueryJob) -> QueryResult | Serialized:
        answer = self.run(job)
        assert isinstance(answer, Rows | Boolean | Triples | Serialized)
        return answer

    def run(self, job: QueryJob | TaskJob, deadline: float | None = None) -> Any:
        """The job's answer; the wait for a worker and the work itself share one time limit."""
        deadline = time.monotonic() + self.timeout if deadline is None else deadline
        with self._free:
            while not self._state.idle:
                if self._state.closed:
                    raise StoreError("the query service is shutting down")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise self._busy()
                self._free.wait(left)
            worker = self._state.idle.pop()
        healthy = False
        try:
            worker.conn.send(job)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                raise self._too_late()
            status, payload = worker.conn.recv()
            healthy = True
        except (EOFError, BrokenPipeError, OSError) as exc:
            raise StoreError(f"the query worker failed: {exc}") from None
        finally:
            self._give_back(worker, healthy)
        return _unpacked(status, payload)

    async def run_async(self, job: QueryJob) -> Any:
        """``run`` for a caller on an event loop, without a thread: the loop waits for a free worker and for
        the worker's answer on its pipe. The same time limit, errors and worker replacement as ``run``."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + self.timeout
        while True:
            with self._free:
                if self._state.closed:
                    raise StoreError("the query service is shutting down")
                if self._state.idle:
                    worker = self._state.idle.pop()
                    break
                waiter: asyncio.Future[None] = loop.create_future()
                self._async_waiters.append((loop, waiter))
            try:
                await asyncio.wait_for(waiter, max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise self._busy() from None
        healthy = False
        try:
            worker.conn.send(job)
            answered: asyncio.Future[None] = loop.create_future()
            descriptor = worker.conn.fileno()
            loop.add_reader(descriptor, _settle, answered)
            try:
                await asyncio.wait_for(answered, max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise self._too_late() from None
            finally:
                loop.remove_reader(descriptor)
                os.set_blocking(descriptor, True)  # uvloop makes a watched descriptor non-blocking
            status, payload = worker.conn.recv()  # the answer has begun to arrive; the rest follows at once
            healthy = True
        except (EOFError, BrokenPipeError, OSError) as exc:
            raise StoreError(f"the query worker failed: {exc}") from None
        finally:
            if healthy:
                self._give_back(worker, True)
            else:  # killing and replacing a worker blocks: never on the event loop
                threading.Thread(target=self._give_back, args=(worker, False), daemon=True).start()
        return _unpacked(status, payload)

    def _busy(self) -> ServiceBusyError:
        return ServiceBusyError(f"every query worker stayed busy for {self.timeout:g} s; try again in a moment")

    def _too_late(self) -> QueryTimeoutError:
        return QueryTimeoutError(
            f"the request ran longer than {self.timeout:g} s and was stopped; narrow it or add a LIMIT"
        )

    def _wake_async(self) -> None:
        """Called with ``_free`` held whenever a worker may have become free: every waiting loop looks again."""
        waiters, self._async_waiters = self._async_waiters, []
        for loop, waiter in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(_settle, waiter)

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        with self._free:
            current = worker.generation is self._state.generation and not self._state.closed
            if healthy and current:
                self._state.idle.append(worker)
                self._free.notify()
                self._wake_async()
                return
        self._retire(worker)
        if current:
            threading.Thread(target=self._replace, args=(worker.generation,), daemon=True).start()

    def close(self) -> None:
        with self._free:
            self._state.closed = True
            self._state.generation.retired = True
            idle, self._state.idle = self._state.idle, []
            self._free.notify_all()
            self._wake_async()
        for worker in idle:
            self._retire(worker)
        self._forker.shutdown(wait=False)
        if self._checkpoints is not None:
            shutil.rmtree(self._checkpoints, ignore_errors=True)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _unpacked(status: str, payload: Any) -> Any:
    if status == "ok":
        return payload
    if status == "aims-error":
        raise _rebuilt(*payload)
    if status == "too-large":
        raise TooLargeError(payload)
    if status == "syntax":
        raise QuerySyntaxError(f"SPARQL syntax error: {payload}")
    raise UserInputError(f"the query failed: {payload}")
