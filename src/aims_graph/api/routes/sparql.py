"""The SPARQL 1.1 Protocol endpoint (query only) and its service description.

Relative IRIs in a query resolve against the endpoint's own URL (``http://host/sparql``), as if the query
began with ``BASE <http://host/sparql>``; a query's own BASE still wins. The service description says so.
"""

from __future__ import annotations

import re
import urllib.parse

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...errors import QuerySyntaxError, UserInputError
from ...formats import GRAPH_MEDIA
from ...namespaces import PREFIXES, RDFS
from ...queries import named_queries
from ...serialize import write_graph
from .. import pages
from ..deps import ServiceDep, SettingsDep
from ..negotiation import choose, wants_html
from ..responses import FORM, UnsupportedMediaError, client_formats, read_body, render_answer
from ..service import Service

router = APIRouter(tags=["sparql"])

RDFS_COMMENT = ox.NamedNode(RDFS + "comment")
LINE_ONE = re.compile(r"(\bat 1:)(\d+)")


def endpoint_url(request: Request) -> str:
    return str(request.url).split("?")[0]


def described(endpoint: str) -> list[ox.Triple]:
    """The service description, with what a client cannot guess: the base of relative IRIs and where the
    Graph Store Protocol's ?default writes (graph_store.DEFAULT_GRAPH)."""
    from .graph_store import DEFAULT_GRAPH

    triples = pages.service_description(endpoint)
    service = triples[0].subject
    for note in (
        f"Relative IRIs in a query resolve against {endpoint}.",
        f"The Graph Store Protocol's ?default reads and writes the named graph <{DEFAULT_GRAPH}>; "
        "queries see the union of all graphs as their default graph.",
    ):
        triples.append(ox.Triple(service, RDFS_COMMENT, ox.Literal(note)))
    return triples


def form_fields(raw: bytes, where: str) -> dict[str, list[str]]:
    """URL-encoded fields, refused with 400 when a value is not UTF-8 (the protocol requires it)."""
    try:
        return urllib.parse.parse_qs(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise UserInputError(f"the {where} is not UTF-8") from None


def one_query(values: list[str]) -> str | None:
    if len(values) > 1:
        raise UserInputError("give one 'query' parameter, not several")
    return values[0] if values else None


async def answer_query(
    request: Request, service: Service, query: str | None, default: list[str], named: list[str]
) -> Response:
    accept = request.headers.get("accept")
    endpoint = endpoint_url(request)
    if query is None:
        if wants_html(accept):
            return Response(pages.sparql_page(named_queries()), media_type="text/html")
        media = choose(accept, list(GRAPH_MEDIA))
        return Response(write_graph(described(endpoint), GRAPH_MEDIA[media], PREFIXES), media_type=media)
    base = f"BASE <{endpoint}> "  # on the query's first line: error line numbers stay right
    try:
        answer = await service.query_for_client_async(
            base + query, client_formats(accept), None, default or None, named or None
        )
    except QuerySyntaxError as exc:
        raise as_sent(exc, len(base)) from None
    return render_answer(answer, accept)


def as_sent(error: QuerySyntaxError, shift: int) -> QuerySyntaxError:
    """The parser's complaint about the query as the client wrote it: a position on the first line moved back
    past the BASE we put in front (``QuerySyntaxError`` keeps messages on one line)."""
    return QuerySyntaxError(
        LINE_ONE.sub(lambda m: f"{m.group(1)}{max(1, int(m.group(2)) - shift)}", str(error), count=1)
    )


@router.get("/sparql")
async def sparql_get(request: Request, service: ServiceDep) -> Response:
    """SPARQL 1.1 Protocol query via GET; with no query, the service description. Updates are refused."""
    params = form_fields(request.scope.get("query_string", b""), "query string")
    if "update" in params:
        raise UserInputError("updates are not accepted on /sparql: this endpoint is read-only (and never via GET)")
    return await answer_query(
        request,
        service,
        one_query(params.get("query", [])),
        params.get("default-graph-uri", []),
        params.get("named-graph-uri", []),
    )


@router.post("/sparql")
async def sparql_post(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """SPARQL 1.1 Protocol query via POST (form or application/sparql-query). Updates are refused."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    body = await read_body(request, settings.max_body_bytes)
    params = form_fields(request.scope.get("query_string", b""), "query string")
    default, named = params.get("default-graph-uri", []), params.get("named-graph-uri", [])
    if "query" in params or "update" in params:
        raise UserInputError("a POST carries its query in the body, not in the URL")
    if media == FORM:
        form = form_fields(body, "form body")
        if "update" in form:
            raise UserInputError("updates are not accepted on /sparql: this endpoint is read-only")
        query = one_query(form.get("query", []))
        if not query:
            raise UserInputError("the form has no 'query' field")
        default += form.get("default-graph-uri", [])
        named += form.get("named-graph-uri", [])
    elif media == "application/sparql-query":
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            raise UserInputError("the query is not UTF-8") from None
    elif media == "application/sparql-update":
        raise UserInputError("updates are not accepted on /sparql: this endpoint is read-only")
    else:
        raise UnsupportedMediaError(f"POST /sparql takes {FORM} or application/sparql-query, not {media!r}")
    return await answer_query(request, service, query, default, named)
