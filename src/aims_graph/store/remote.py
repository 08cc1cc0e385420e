"""Any SPARQL 1.1 server, through SPARQLWrapper for query and update and the Graph Store Protocol for loads."""

from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from SPARQLWrapper import JSON, N3, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from .. import rdfio, resources
from ..answers import QueryResult, Rows, Term, Triples, from_oxigraph, value_of
from ..errors import NotFoundError, QuerySyntaxError, StoreError, UserInputError
from .base import GraphInfo, LoadReport, checked_iri, graph_for_file, is_snapshot_graph
from .sparql_text import has_dataset_clause, with_values


def _bound(sparql: str, bindings: Mapping[str, Term]) -> str:
    """The query with its parameters in a VALUES block built from RDF terms, whose N-Triples form cannot
    break out of the block; a parameter name must be a plain variable name."""
    for name in bindings:
        if not name.isidentifier():
            raise UserInputError(f"not a variable name: {name!r}")
    return with_values(sparql, list(bindings), [str(term) for term in bindings.values()])


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
        names = self.graph_names()
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

    def graph_names(self) -> list[str]:
        listed = self.query(resources.internal_query("store/named-graphs.rq"), default_graphs=[], named_graphs=[])
        assert isinstance(listed, Rows)
        return [value_of(row[0]) for row in listed.rows if row[0] is not None]

    def has_graph(self, graph: str) -> bool:
        return any(info.name == graph for info in self.graphs())

    def triples(self) -> list[ox.Triple]:
        result = self.query(resources.internal_query("ld/graph-content.rq"))
        assert isinstance(result, Triples)
        return result.triples

    @property
    def kind(self) -> str:
        return "sparql-endpoint"

    @property
    def writable(self) -> bool:
        return self.update_endpoint is not None

    @property
    def in_process(self) -> bool:
        return False

    def add_triples(self, graph: str, triples: Iterable[ox.Triple]) -> None:
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        self.load_bytes(data, ox.RdfFormat.N_TRIPLES, graph, "triples")

    def worker_pool(self, size: int, timeout: float) -> None:
        return None

    def settle(self) -> None:
        pass

    @contextmanager
    def writing(self) -> Iterator[None]:
        yield

    def close(self) -> None:
        pass
