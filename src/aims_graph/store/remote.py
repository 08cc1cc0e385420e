"""Any SPARQL 1.1 server (Oxigraph, Fuseki, Virtuoso, GraphDB, ...): queries and updates through SPARQLWrapper,
Graph Store Protocol loads over plain HTTP.

Three differences between servers are handled here rather than left to the user:

- Whether the default graph is the union of the named graphs. It is checked once, by asking for a triple known
  to be in a named graph; when it is not (``oxigraph serve`` without ``--union-default-graph``, Fuseki's
  default), or when the server keeps graphs of its own (Virtuoso), every query names its dataset: the
  protocol's ``default-graph-uri`` and ``named-graph-uri`` list our graphs.
- Blank nodes: Virtuoso refuses them in ``INSERT DATA``, so data holding them goes in ``INSERT {} WHERE {}``.
- Big loads: sent in chunks into a hidden staging graph, then moved to their graph in one operation.
"""

from __future__ import annotations

import ast
import math
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from html import unescape
from http.client import HTTPResponse
from pathlib import Path

import pyoxigraph as ox
from SPARQLWrapper import BASIC, CONSTRUCT, DESCRIBE, DIGEST, INSERT, POST, SELECT, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from .. import rdfio, resources
from ..answers import Boolean, QueryResult, Rows, Term, Triples, from_oxigraph, value_of
from ..errors import AimsGraphError, NotFoundError, QuerySyntaxError, StoreError, UserInputError
from .base import GraphInfo, LoadReport, checked_iri, graph_for_file, is_snapshot_graph
from .sparql_text import has_dataset_clause, with_values, without_comments

# Graphs a server keeps for itself; never ours, never part of an answer.
SERVER_GRAPH_PREFIXES = (
    "http://www.openlinksw.com/schemas/virtrdf#",  # Virtuoso's own mappings
    "http://www.w3.org/ns/ldp#",  # Virtuoso's copy of the LDP vocabulary
    "http://localuriqaserver/",  # Virtuoso's service description
)
# Where a big load is assembled before it is moved to its graph; hidden from every read.
STAGING_PREFIX = "urn:aims-graph:staging:"
# A graph nobody writes: naming only it makes a query see nothing (our dataset when we have no graph yet).
EMPTY_GRAPH = "urn:aims-graph:empty"
# Triples per request of a load; a bigger file goes through a staging graph. A server that refuses a request
# this big (Virtuoso's SPARQL parser runs out of memory near 5,000 lines) gets halves, down to MIN_CHUNK.
CHUNK_TRIPLES = 20_000
MIN_CHUNK_TRIPLES = 1_000
# The slowest rate at which a loaded server is still expected to move a staging graph to its target.
MOVE_TRIPLES_PER_SECOND = 1_000
# How long the list of graphs that queries name is trusted (at least); our own writes renew it at once.
SCOPE_SECONDS = 5.0
# A staging graph this old belongs to a load that was killed; the next big load removes it.
STALE_STAGING_SECONDS = 3600
# How much of a server's error message is shown.
MESSAGE_CHARS = 300

ROWS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
UPDATE_ACCEPT = "application/sparql-results+json, text/plain;q=0.9, */*;q=0.1"
FORM = "application/x-www-form-urlencoded; charset=UTF-8"

_GRAPH_FORMS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_ROWS_FORMS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
}
# The HTTP status behind each of SPARQLWrapper's exceptions (any other status arrives as urllib's HTTPError).
_STATUS = {QueryBadFormed: 400, Unauthorized: 401, EndPointNotFound: 404, URITooLong: 414, EndPointInternalError: 500}
_TAG = re.compile(r"<[^>]*>")


def is_hidden_graph(name: str) -> bool:
    return name.startswith(SERVER_GRAPH_PREFIXES) or name.startswith(STAGING_PREFIX) or name == EMPTY_GRAPH


def server_message(body: bytes) -> str:
    """The server's own words about an error, on one line and cut short: never the request echoed back
    (Virtuoso repeats the whole query after its message), never an HTML page's markup."""
    text = body[: 64 * 1024].decode("utf-8", "replace")
    for echo in ("\nSPARQL query:", "\nSPARQL update:", "\nQuery:"):
        text = text.split(echo)[0]
    text = " ".join(unescape(_TAG.sub(" ", text)).split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def _sent_back(exc: SPARQLWrapperException) -> bytes:
    """The server's answer that SPARQLWrapper put in its exception (only as the repr of the bytes it read)."""
    _, found, body = str(exc).partition("\n\nResponse:\n")
    with suppress(ValueError, SyntaxError):
        answer = ast.literal_eval(body) if found else b""
        return answer if isinstance(answer, bytes) else b""
    return b""


def _digest_realm(exc: SPARQLWrapperException) -> str | None:
    """The realm of a 401 that asks for HTTP Digest; SPARQLWrapper keeps the response's headers only on the
    urllib error it was raised from."""
    cause = exc.__context__
    if not isinstance(exc, Unauthorized) or not isinstance(cause, urllib.error.HTTPError) or cause.headers is None:
        return None
    for challenge in cause.headers.get_all("WWW-Authenticate") or []:
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() == "digest":
            fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(params))
            return str(fields.get("realm", ""))
    return None


def _refusal(endpoint: str, what: str, status: int, message: str) -> AimsGraphError:
    if status == 400:
        return QuerySyntaxError(f"{endpoint} refused the {what}: {message}")
    return StoreError(f"{endpoint} answered HTTP {status} to the {what}: {message}")


def _bound(sparql: str, bindings: Mapping[str, Term]) -> str:
    """The query with its parameters in a VALUES block built from RDF terms, whose N-Triples form cannot
    break out of the block; a parameter name must be a plain variable name."""
    for name in bindings:
        if not name.isidentifier():
            raise UserInputError(f"not a variable name: {name!r}")
    return with_values(sparql, list(bindings), [str(term) for term in bindings.values()])


def _maybe_too_big(exc: AimsGraphError) -> bool:
    """A refusal that a smaller request may avoid: 400 (Virtuoso: "memory exhausted"), 413, 500 or a timeout;
    not a refused permission or an unreachable server."""
    text = str(exc)
    return (
        isinstance(exc, QuerySyntaxError)
        or any(f"HTTP {code}" in text for code in (413, 500, 503))
        or "timed out" in text
    )


def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def chunks(triples: list[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """The triples in groups of about ``size``, every blank node with all its triples in one group: each
    request makes its own blank nodes, so a node split over two requests would become two nodes."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def root(node: ox.BlankNode) -> ox.BlankNode:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for triple in triples:
        nodes = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        for node in nodes[1:]:
            parent[root(node)] = root(nodes[0])
    groups: dict[ox.BlankNode, list[ox.Triple]] = {}
    chunk: list[ox.Triple] = []
    for triple in triples:
        if not _has_blank(triple):
            chunk.append(triple)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        else:
            first = triple.subject if isinstance(triple.subject, ox.BlankNode) else triple.object
            assert isinstance(first, ox.BlankNode)
            groups.setdefault(root(first), []).append(triple)
    for group in groups.values():
        chunk.extend(group)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class SparqlEndpointStore:
    """Any SPARQL 1.1 server: the same answers as the embedded store whatever the server's default graph is."""

    def __init__(
        self,
        query_endpoint: str,
        update_endpoint: str | None = None,
        graph_store_endpoint: str | None = None,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout: float = 60.0,
        chunk_triples: int = CHUNK_TRIPLES,
    ) -> None:
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint
        self.graph_store_endpoint = graph_store_endpoint
        self._username = username
        self._password = password
        self._token = token
        self._timeout = timeout
        self.chunk_triples = chunk_triples
        # The realm of each endpoint that asked for HTTP Digest (Virtuoso's /sparql-auth); the others get Basic.
        self._digest: dict[str, str] = {}
        # The Graph Store Protocol is not SPARQLWrapper's: plain urllib, Basic or Digest as the server asks.
        handlers: list[urllib.request.BaseHandler] = []
        if username is not None and graph_store_endpoint is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, graph_store_endpoint, username, password or "")
            handlers += [
                urllib.request.HTTPBasicAuthHandler(passwords),
                urllib.request.HTTPDigestAuthHandler(passwords),
            ]
        self._opener = urllib.request.build_opener(*handlers)
        self._union: bool | None = None
        self._scope: tuple[float, list[str] | None] | None = None
        self._software: str | None = None

    # ------------------------------------------------------------------ HTTP

    @contextmanager
    def _failing_as_one_line(self, endpoint: str, what: str) -> Iterator[None]:
        """Every failure of one request as one line: the endpoint, the HTTP status and the server's own words,
        never the request; 400 is the query's fault, anything else (an unreachable server too) the store's."""
        try:
            yield
        except SPARQLWrapperException as exc:
            cause = exc.__context__
            status = _STATUS.get(type(exc)) or (cause.code if isinstance(cause, urllib.error.HTTPError) else 0)
            said = str(cause.reason) if isinstance(cause, urllib.error.HTTPError) else exc.msg
            raise _refusal(endpoint, what, status, server_message(_sent_back(exc)) or said) from None
        except urllib.error.HTTPError as exc:
            raise _refusal(endpoint, what, exc.code, server_message(exc.read()) or str(exc.reason)) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise StoreError(f"cannot reach {endpoint}: {reason}") from None

    def _received(self, response: HTTPResponse) -> tuple[str, bytes]:
        """The answer's media type and body; its Server header says which software answers (Virtuoso?)."""
        with response:
            self._software = response.headers.get("Server") or ""
            media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            return media, bytes(response.read())

    def _sparql(self, text: str, timeout: float | None = None) -> SPARQLWrapper:
        """A SPARQLWrapper request for one query or update: POSTed URL-encoded, with our token and timeout."""
        client = SPARQLWrapper(self.query_endpoint, updateEndpoint=self.update_endpoint)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setOnlyConneg(True)  # the Accept header says what we read, no format= parameter a server may refuse
        client.setTimeout(math.ceil(timeout or self._timeout))
        with warnings.catch_warnings():  # no query form found: the server's answer says what is wrong
            warnings.simplefilter("ignore", RuntimeWarning)
            client.setQuery(without_comments(text))
        client.addCustomHttpHeader("Content-Type", FORM)
        if self._token is not None:
            client.addCustomHttpHeader("Authorization", f"Bearer {self._token}")
        return client

    def _authenticate(self, client: SPARQLWrapper, endpoint: str) -> None:
        """Basic credentials go with the request; for Digest, SPARQLWrapper installs a process-wide urllib opener
        that answers the endpoint's challenge. SPARQLWrapper sends no credentials when the password is empty."""
        if self._username is not None:
            realm = self._digest.get(endpoint)
            client.setHTTPAuth(BASIC if realm is None else DIGEST)
            client.setCredentials(self._username, self._password or "", realm or "SPARQL")

    def _ask(self, client: SPARQLWrapper, endpoint: str, what: str) -> tuple[str, bytes]:
        """Send it with Basic credentials, or Digest where the endpoint asks for it: the first 401 there sends it
        again with Digest, and the endpoint's realm is kept for the next requests."""
        with self._failing_as_one_line(endpoint, what):
            self._authenticate(client, endpoint)
            try:
                return self._received(client.query().response)
            except Unauthorized as exc:
                if self._username is None or endpoint in self._digest:
                    raise
                realm = _digest_realm(exc) or self._digest_challenge(client)
                if realm is None:
                    raise
                self._digest[endpoint] = realm
            self._authenticate(client, endpoint)
            return self._received(client.query().response)

    def _digest_challenge(self, client: SPARQLWrapper) -> str | None:
        """The Digest realm of an endpoint that refused Basic credentials without saying what it wants
        (Virtuoso's bare 401): asked again without credentials, it sends its challenge."""
        client.setCredentials(None, None)
        try:
            client.query().response.close()
        except Unauthorized as exc:
            return _digest_realm(exc)
        except (SPARQLWrapperException, OSError):
            return None
        return None

    # ------------------------------------------------------------------ reading

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        """Over our graphs: a dataset is named only when the server's default graph is not their union."""
        if default_graphs is None and named_graphs is None and not has_dataset_clause(sparql):
            scope = self._dataset()
            if scope is not None:
                default_graphs = named_graphs = scope or [EMPTY_GRAPH]
        return self._query(sparql, bindings, default_graphs, named_graphs)

    def _query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        text = _bound(sparql, bindings) if bindings else sparql
        client = self._sparql(text)
        # Rows or triples, from the query form SPARQLWrapper finds. Where it reads an update (a word of an IRI
        # it took for a keyword), the text still goes to the query endpoint, and the answer's type decides.
        graph_query: bool | None = client.queryType in (CONSTRUCT, DESCRIBE)
        if client.isSparqlUpdateRequest():
            client.queryType, graph_query = SELECT, None
        accept = {True: GRAPH_ACCEPT, False: ROWS_ACCEPT, None: f"{ROWS_ACCEPT}, {GRAPH_ACCEPT}"}[graph_query]
        client.addCustomHttpHeader("Accept", accept)
        for graph in default_graphs or ():
            client.addParameter("default-graph-uri", checked_iri(graph).value)
        for graph in named_graphs or ():
            client.addParameter("named-graph-uri", checked_iri(graph).value)
        media, body = self._ask(client, self.query_endpoint, "query")
        if graph_query is None:
            graph_query = media in _GRAPH_FORMS
        try:
            if graph_query:
                fmt = _GRAPH_FORMS.get(media, ox.RdfFormat.N_TRIPLES)
                return Triples([q.triple for q in ox.parse(body, format=fmt)])
            answer = ox.parse_query_results(body, format=_ROWS_FORMS.get(media, ox.QueryResultsFormat.JSON))
        except (SyntaxError, ValueError) as exc:
            detail = " ".join(str(exc).split())[:MESSAGE_CHARS]
            raise StoreError(
                f"{self.query_endpoint} sent a {media or 'untyped'} answer that does not parse: {detail}"
            ) from None
        return from_oxigraph(answer)

    def _dataset(self) -> list[str] | None:
        """None when the server's default graph is the union of exactly our graphs; otherwise our graphs.

        The answer is kept until a write through this store, or until it expires (``_scope[0]``)."""
        now = time.monotonic()
        if self._scope is None or now > self._scope[0]:
            names = self._graph_names()
            ours = [n for n in names if not is_hidden_graph(n) and not is_snapshot_graph(n)]
            union = self._default_is_union(ours) and len(ours) == len(names)
            # Trusted for SCOPE_SECONDS, or for 20 times what the listing took on a server where it is slow.
            self._scope = (now + max(SCOPE_SECONDS, 20 * (time.monotonic() - now)), None if union else ours)
        return self._scope[1]

    def _default_is_union(self, graphs: list[str]) -> bool:
        """Ask, without naming a dataset, for a triple of one of our named graphs; checked once per store."""
        if self._union is None:
            for graph in graphs[:5]:
                sample = self._query(
                    resources.internal_query("store/sample-triple.rq"), bindings={"graph": ox.NamedNode(graph)}
                )
                assert isinstance(sample, Rows)
                if sample.rows:
                    _, s, p, o = sample.rows[0]
                    assert s is not None and p is not None and o is not None
                    answer = self._query(resources.internal_query("store/ask-triple.rq"), {"s": s, "p": p, "o": o})
                    self._union = answer == Boolean(True)
                    break
        return bool(self._union)

    @property
    def answers_compiled_checks(self) -> bool:
        """Whether the server answers the compiled SHACL checks right. Virtuoso 7.2 does not (nested
        ``FILTER NOT EXISTS { FILTER (...) }``: hundreds of false violations), so validation copies the data
        out for pyshacl there instead (validation.validate_store)."""
        if self._software is None:
            self._graph_names()
        return "virtuoso" not in (self._software or "").lower()

    @property
    def default_graph_is_union(self) -> bool | None:
        """What the server answered (None: not known yet, no graph holds data), for status output and tests."""
        if self._union is None:
            self._dataset()
        return self._union

    def _graph_names(self) -> list[str]:
        """Every named graph, the server's and staging graphs included. The quick form is trusted only when
        it lists at least one graph and binds every row: an empty answer there could be a server that does
        not support it, and taking it at its word would empty every answer."""
        quick = self._query(resources.internal_query("store/graph-names-fast.rq"))
        if isinstance(quick, Rows) and quick.rows and all(row[0] is not None for row in quick.rows):
            return [value_of(row[0]) for row in quick.rows]
        result = self._query(resources.internal_query("store/graph-names.rq"))
        assert isinstance(result, Rows)
        return [value_of(row[0]) for row in result.rows if row[0] is not None]

    def graphs(self) -> list[GraphInfo]:
        result = self._query(resources.internal_query("store/list-graphs.rq"))
        assert isinstance(result, Rows)
        infos = [GraphInfo(value_of(g), int(value_of(n))) for g, n in result.rows]
        return sorted((i for i in infos if not is_hidden_graph(i.name)), key=lambda i: i.name)

    def graph_names(self) -> list[str]:
        return [name for name in self._graph_names() if not is_hidden_graph(name)]

    def has_graph(self, graph: str) -> bool:
        return graph in self._graph_names() and not is_hidden_graph(graph)

    def triples(self) -> list[ox.Triple]:
        result = self.query(resources.internal_query("ld/graph-content.rq"))
        assert isinstance(result, Triples)
        return result.triples

    # ------------------------------------------------------------------ writing

    def update(self, sparql: str, timeout: float | None = None) -> None:
        if self.update_endpoint is None:
            raise StoreError("this store has no update endpoint; give --update-endpoint")
        self._scope = None
        client = self._sparql(sparql, timeout)
        if not client.isSparqlUpdateRequest():
            # SPARQLWrapper took a word of an IRI or a string for a query form: an update still goes to the
            # update endpoint as an update (a query sent here is refused by the server, as it should be).
            client.queryType = INSERT
        client.addCustomHttpHeader("Accept", UPDATE_ACCEPT)
        self._ask(client, self.update_endpoint, "update")

    def load(self, path: Path, graph: str | None = None, fmt: str | None = None) -> LoadReport:
        rdf_format = rdfio.format_for(path, fmt)
        data = rdfio.read_bytes(path)
        return self.load_bytes(data, rdf_format, graph or graph_for_file(path), str(path), path.resolve().as_uri())

    def load_bytes(
        self, data: bytes, fmt: ox.RdfFormat, graph: str, source: str, base_iri: str | None = None
    ) -> LoadReport:
        """Parse locally first (so a bad file never reaches the server), then send it all or nothing.

        Triples go into ``graph``; quads of a dataset file (TriG, N-Quads) keep their own graph names. Up to
        ``chunk_triples`` go in one request; more go in chunks into staging graphs that no read sees, which
        one last update adds to their graphs.
        """
        target = checked_iri(graph)
        by_graph: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = {}
        for quad in rdfio.parse_quads(data, fmt, source, base_iri=base_iri):
            name = target if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name
            by_graph.setdefault(name, []).append(quad.triple)
        total = sum(len(t) for t in by_graph.values())
        if total <= self.chunk_triples:
            try:
                self._insert(by_graph)
            except (QuerySyntaxError, StoreError) as exc:
                if total <= MIN_CHUNK_TRIPLES or not _maybe_too_big(exc):
                    raise
                self.chunk_triples = max(MIN_CHUNK_TRIPLES, total // 2)  # too big for the server in one request
                self._staged_load(by_graph)
        else:
            self._staged_load(by_graph)
        return LoadReport(source, target.value, sum(len(set(t)) for t in by_graph.values()))

    def _insert(self, by_graph: Mapping[ox.NamedNode | ox.BlankNode, list[ox.Triple]]) -> None:
        """One request: Graph Store POST when there is one graph and a graph store, else one update."""
        if self.graph_store_endpoint is not None and len(by_graph) == 1:
            [(name, triples)] = by_graph.items()
            assert isinstance(name, ox.NamedNode)
            self._post_graph(name, triples)
            return
        blocks = "\n".join(
            f"GRAPH {name} {{\n{(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b'').decode()}}}"
            for name, triples in by_graph.items()
        )
        blank = any(_has_blank(t) for triples in by_graph.values() for t in triples)
        template = "store/insert-template.ru" if blank else "store/insert-data.ru"
        self.update(resources.internal_query(template).replace("$blocks", blocks))

    def _staged_load(self, by_graph: Mapping[ox.NamedNode | ox.BlankNode, list[ox.Triple]]) -> None:
        """Every graph's triples in chunks into a staging graph of its own, then one update moves them all."""
        self._remove_stale_staging()
        present = set(self._graph_names())
        moves: list[str] = []
        staged: list[ox.NamedNode] = []
        try:
            for name, triples in by_graph.items():
                staging = ox.NamedNode(f"{STAGING_PREFIX}{int(time.time())}-{uuid.uuid4().hex}")
                staged.append(staging)
                for chunk in chunks(triples, self.chunk_triples):
                    self._insert_chunk(staging, chunk)
                new = isinstance(name, ox.NamedNode) and name.value not in present
                template = "store/move-graph.ru" if new else "store/add-graph.ru"
                moves.append(
                    resources.internal_query(template).replace("$from", str(staging)).replace("$to", str(name))
                )
            # A server copies the staged triples (Oxigraph: ~3x the time of their POST): more time than a query.
            total = sum(len(t) for t in by_graph.values())
            self.update(" ;\n".join(moves), timeout=self._timeout + total / MOVE_TRIPLES_PER_SECOND)
        except AimsGraphError:
            for staging in staged:  # best effort: what is left is hidden, and removed by a later load
                with suppress(AimsGraphError):
                    self.update(resources.internal_query("store/drop-graph.ru").replace("$graph", str(staging)))
            raise

    def _insert_chunk(self, graph: ox.NamedNode, chunk: list[ox.Triple]) -> None:
        """One chunk into a staging graph; refused as too big, it goes again in halves."""
        try:
            self._insert({graph: chunk})
        except (QuerySyntaxError, StoreError) as exc:
            if len(chunk) <= MIN_CHUNK_TRIPLES or not _maybe_too_big(exc):
                raise
            self.chunk_triples = max(MIN_CHUNK_TRIPLES, len(chunk) // 2)
            for part in chunks(chunk, self.chunk_triples):
                self._insert_chunk(graph, part)

    def _remove_stale_staging(self) -> None:
        """Staging graphs left by loads killed more than an hour ago."""
        now = time.time()
        for name in self._graph_names():
            if name.startswith(STAGING_PREFIX):
                started = name[len(STAGING_PREFIX) :].split("-")[0]
                if started.isdigit() and now - int(started) > STALE_STAGING_SECONDS:
                    self.update(resources.internal_query("store/drop-graph.ru").replace("$graph", f"<{name}>"))

    def _post_graph(self, target: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        """Graph Store Protocol POST: one request, which the server applies as a whole."""
        assert self.graph_store_endpoint is not None
        self._scope = None
        payload = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        url = self.graph_store_endpoint + "?" + urllib.parse.urlencode({"graph": target.value})
        request = urllib.request.Request(url, data=payload, method="POST")
        request.add_header("Content-Type", "application/n-triples")
        request.add_header("Accept", "*/*")
        if self._token is not None:
            request.add_header("Authorization", f"Bearer {self._token}")
        with self._failing_as_one_line(self.graph_store_endpoint, "graph store request"):
            self._received(self._opener.open(request, timeout=self._timeout))

    def drop(self, graph: str) -> None:
        target = checked_iri(graph)
        if target.value not in self._graph_names():
            raise NotFoundError(f"no graph named {graph}")
        self.update(resources.internal_query("store/drop-graph.ru").replace("$graph", str(target)))

    # ------------------------------------------------------------------ the rest of the Store protocol

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

    def close(self) -> None:
        pass
