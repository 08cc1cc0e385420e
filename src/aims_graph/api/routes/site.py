"""The service itself: liveness, the home page (or a JSON index), and the API documentation page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ... import __version__
from ...snapshots import get_snapshot
from ...snapshots.organisations import chosen_systems, list_organisations, snapshots_for
from .. import pages
from ..negotiation import wants_html
from ..service import Service

router = APIRouter()


@router.get("/health", tags=["service"])
async def health(request: Request) -> dict[str, Any]:
    """Liveness: answered on the event loop without touching the store, so slow queries never delay it."""
    current = getattr(request.app.state, "service", None)
    return {
        "status": "ok" if current else "starting",
        "version": __version__,
        "store": current.kind if current else None,
    }


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> Response:
    """The OpenAPI description as a page, with no external scripts."""
    return Response(pages.api_docs_page(request.app.openapi()), media_type="text/html")


def home_page_for(service: Service, org: str | None, as_of: str | None) -> str:
    """The home page of every record, or of one organisation's (``?org=``), now or as of a snapshot
    (``?as_of=``), listing the organisations and the snapshots to switch between."""
    organisations = list_organisations(service)
    if org:
        chosen_systems(organisations, org)
    snapshots = [s.label for s in snapshots_for(service.store, org)]
    if as_of and as_of not in snapshots:
        get_snapshot(service.store, as_of)  # refuses an unknown label (404) with the way to list them
    scoped = (org and len(organisations) > 1) or as_of
    reads = service.scoped(org if len(organisations) > 1 else None, as_of) if scoped else service
    return pages.home_page(reads, organisations, org, snapshots, as_of)


@router.get("/", include_in_schema=False)
async def home(request: Request) -> Response:
    if wants_html(request.headers.get("accept")):
        service = request.app.state.service
        org = request.query_params.get("org") or None
        as_of = request.query_params.get("as_of") or None
        html = await run_in_threadpool(home_page_for, service, org, as_of)
        return Response(html, media_type="text/html")
    return JSONResponse(
        {
            "name": "aims-graph",
            "version": __version__,
            "sparql": "/sparql",
            "queries": "/queries",
            "validate": "/validate",
            "graphs": "/graphs",
            "ontology": "/ontology",
            "oscal": "/oscal",
            "void": "/.well-known/void",
            "docs": "/docs",
        }
    )
