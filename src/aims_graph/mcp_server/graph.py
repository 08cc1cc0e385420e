"""The graph an assistant reads: loaded once at start, then only queried, every query under the limits.

On the embedded store each query runs in a killable worker (aims_graph.workers), so the time limit really
stops it and the server keeps answering; a remote SPARQL server gets the same limit as its request timeout.
Nothing here writes after start-up: an on-disk store is opened read-only and a remote one without an update
endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import resources
from ..answers import QueryResult, Rows, Term, Triples
from ..config import Settings
from ..errors import TooLargeError, UnsafeInputError, UserInputError
from ..store import (
    CATALOGUE_GRAPH,
    ONTOLOGY_GRAPH,
    OxigraphStore,
    SparqlEndpointStore,
    ensure_reference_graphs,
)
from ..store.sparql_text import refuse_service, update_keyword
from ..store.workers import QueryJob, Serialized, WorkerPool


def refuse_unsafe(sparql: str) -> None:
    """What /sparql refuses, refused here by name before any parsing: federation and every update."""
    refuse_service(sparql)
    keyword = update_keyword(sparql)
    if keyword is not None:
        raise UnsafeInputError(f"{keyword} is not allowed: this server is read-only and answers queries only")


class ReadOnlyGraph:
    """The store named by the settings (memory with --data or the bundled example, a directory, an endpoint)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool: WorkerPool | None = None
        self.example = not settings.data and settings.store is None and settings.endpoint is None
        if settings.data and (settings.store is not None or settings.endpoint is not None):
            raise UserInputError("give --data, --store or --endpoint, not several: this server never writes a store")
        self.store: OxigraphStore | SparqlEndpointStore
        if settings.endpoint is not None:
            if settings.store is not None:
                raise UserInputError("give either a store directory or an endpoint, not both")
            self.store = SparqlEndpointStore(
                settings.endpoint,
                username=settings.endpoint_user,
                password=settings.endpoint_password,
                token=settings.endpoint_token,
                timeout=settings.query_timeout,
            )
            return
        if settings.store is not None:
            if not settings.store.is_dir():
                raise UserInputError(f"no store at {settings.store}: create it with `aims-graph load --store`")
            self.store = OxigraphStore(settings.store, read_only=True)
            present = {info.name for info in self.store.graphs()}
            if not {ONTOLOGY_GRAPH, CATALOGUE_GRAPH} <= present:
                raise UserInputError(
                    f"the store at {settings.store} lacks the ontology and catalogue graphs; "
                    "load data into it with `aims-graph load`, which adds them"
                )
        else:
            self.store = OxigraphStore()
            ensure_reference_graphs(self.store)
            for path in settings.data or [resources.example_file(resources.CONFORMANT_EXAMPLE)]:
                self.store.load(path)
        self.pool = self.store.worker_pool(settings.workers, settings.query_timeout)

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        """A read under the time limit and row cap; the Queryable the library's functions take."""
        limit = self.settings.row_limit
        if self.pool is None:
            result = self.store.query(sparql, bindings, default_graphs, named_graphs)
            # The server has sent it all by now; the cap still keeps an oversized answer from the assistant.
            if isinstance(result, Rows | Triples) and _size(result) > limit:
                raise TooLargeError(f"the result has more than {limit} rows; add a LIMIT to the query")
            return result
        job = QueryJob(sparql, dict(bindings) if bindings else None, default_graphs, named_graphs, limit)
        answer = self.pool.query(job)
        assert not isinstance(answer, Serialized)
        return answer

    def close(self) -> None:
        """Stop the workers; nothing to flush, since nothing was written after start-up."""
        if self.pool is not None:
            self.pool.close()
        self.store.close()


def _size(result: Rows | Triples) -> int:
    return len(result.rows) if isinstance(result, Rows) else len(result.triples)
