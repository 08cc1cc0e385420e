"""The named traceability queries, and search by label or notation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...errors import UserInputError
from ...queries import bind_params, get_query, named_queries
from .. import pages
from ..deps import ServiceDep
from ..negotiation import wants_html
from ..responses import client_formats, render_answer, render_result
from ..service import Reads

router = APIRouter(tags=["queries"])


@router.get("/queries")
async def list_queries(request: Request) -> Any:
    """The named traceability queries with their parameters."""
    if wants_html(request.headers.get("accept")):
        return Response(pages.query_list_page(named_queries()), media_type="text/html")
    return [
        {
            "name": q.name,
            "summary": q.summary,
            "params": [{"name": p.name, "type": p.kind} for p in q.params],
            "returns": list(q.returns),
            "href": f"/queries/{q.name}",
        }
        for q in named_queries().values()
    ]


@router.get("/queries/{name}")
async def run_named(name: str, request: Request, service: ServiceDep) -> Response:
    """Run a named query; parameters are query-string values (IRI, CURIE or notation)."""
    query = get_query(name)
    values = dict(request.query_params)
    as_of = values.pop("as_of", None)  # a snapshot label: its graphs and the reference graphs only
    org = values.pop("org", None)  # one organisation's records, when the store holds several
    reads: Reads = service.scoped(org, as_of) if org or as_of else service
    if wants_html(request.headers.get("accept")):
        ready = all(values.get(p.name) for p in query.params)
        rows = await run_in_threadpool(reads.select, query.text, bind_params(query, values)) if ready else None
        scope = {"org": org, "as_of": as_of}
        html = await run_in_threadpool(pages.query_page, query, values, rows, reads, scope)
        return Response(html, media_type="text/html")
    bindings = bind_params(query, values)
    accept = request.headers.get("accept")
    formats = client_formats(accept)
    if org or as_of:  # the scope's view, built and kept in the worker
        answer = await run_in_threadpool(reads.query_for_client, query.text, formats, bindings)
    else:  # the hot path: no thread between the event loop and the query worker
        answer = await service.query_for_client_async(query.text, formats, bindings)
    return render_answer(answer, accept)


@router.get("/search")
async def search(request: Request, service: ServiceDep, q: str = "") -> Response:
    """Resources whose label, title or notation contains the text."""
    rows = None
    if q.strip():
        query = get_query("search")
        rows = await run_in_threadpool(service.select, query.text, bind_params(query, {"text": q.strip()}))
    if wants_html(request.headers.get("accept")):
        return Response(await run_in_threadpool(pages.search_page, q, rows, service), media_type="text/html")
    if rows is None:
        raise UserInputError("give the text to search for as ?q=")
    return render_result(rows, request.headers.get("accept"))
