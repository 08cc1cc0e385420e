"""The SPARQL 1.1 Protocol endpoint (query only) and its service description."""

from __future__ import annotations

import urllib.parse

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...errors import UserInputError
from ...formats import GRAPH_MEDIA
from ...namespaces import PREFIXES
from ...queries import named_queries
from ...serialize import write_graph
from .. import pages
from ..deps import ServiceDep, SettingsDep
from ..negotiation import choose, wants_html
from ..responses import FORM, UnsupportedMediaError, client_formats, read_body, render_answer
from ..service import Service

router = APIRouter(tags=["sparql"])


async def answer_query(
    request: Request, service: Service, query: str | None, default: list[str], named: list[str]
) -> Response:
    accept = request.headers.get("accept")
    if query is None:
        if wants_html(accept):
            return Response(pages.sparql_page(named_queries()), media_type="text/html")
        media = choose(accept, list(GRAPH_MEDIA))
        description = pages.service_description(str(request.url).split("?")[0])
        return Response(write_graph(description, GRAPH_MEDIA[media], PREFIXES), media_type=media)
    answer = await run_in_threadpool(
        service.query_for_client, query, client_formats(accept), None, default or None, named or None
    )
    return render_answer(answer, accept)


@router.get("/sparql")
async def sparql_get(request: Request, service: ServiceDep) -> Response:
    """SPARQL 1.1 Protocol query via GET; with no query, the service description."""
    params = request.query_params
    return await answer_query(
        request, service, params.get("query"), params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    )


@router.post("/sparql")
async def sparql_post(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """SPARQL 1.1 Protocol query via POST (form or application/sparql-query). Updates are refused."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    body = await read_body(request, settings.max_body_bytes)
    params = request.query_params
    default, named = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    if media == FORM:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        if "update" in form:
            raise UserInputError("updates are not accepted on /sparql: this endpoint is read-only")
        if not form.get("query"):
            raise UserInputError("the form has no 'query' field")
        query = form["query"][0]
        default += form.get("default-graph-uri", [])
        named += form.get("named-graph-uri", [])
    elif media == "application/sparql-query":
        query = body.decode("utf-8", "replace")
    elif media == "application/sparql-update":
        raise UserInputError("updates are not accepted on /sparql: this endpoint is read-only")
    else:
        raise UnsupportedMediaError(f"POST /sparql takes {FORM} or application/sparql-query, not {media!r}")
    return await answer_query(request, service, query, default, named)
