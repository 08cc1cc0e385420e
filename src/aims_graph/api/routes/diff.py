"""Snapshots over HTTP: the list of snapshots and what changed since one (JSON, Turtle, or a page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ...errors import UserInputError
from ...snapshots import CURRENT
from ...snapshots.diff import Diff, diff
from ...snapshots.organisations import latest_snapshot_for, organisation_view, snapshots_for
from .. import pages
from ..deps import get_service
from ..negotiation import choose
from ..service import Service

router = APIRouter()

_OFFERED = ["application/json", "text/turtle", "text/html"]


def diff_page(result: Diff) -> str:
    return pages.render("diff.html", diff=result, sections=result.sections())


@router.get("/snapshots", tags=["snapshots"])
async def snapshots(
    service: Annotated[Service, Depends(get_service)],
    org: Annotated[str | None, Query(description="only those taken for this organisation or for all")] = None,
) -> JSONResponse:
    """The snapshots of the store, oldest first: label, IRI, when, by whom, the one before, whom it is for."""
    found = await run_in_threadpool(snapshots_for, service.store, org)
    return JSONResponse([vars(s) for s in found])


@router.get("/diff", tags=["snapshots"])
async def diff_route(
    request: Request,
    service: Annotated[Service, Depends(get_service)],
    start: Annotated[str | None, Query(alias="from", description="a snapshot label (default: the latest)")] = None,
    end: Annotated[str, Query(alias="to", description="a snapshot label, or 'current'")] = CURRENT,
    validation: Annotated[bool, Query(description="compare validation results too")] = True,
    org: Annotated[str | None, Query(description="one organisation's records (its IRI or its system's)")] = None,
) -> Response:
    """What changed from one snapshot to another or to the current records: "since the last audit"."""
    media = choose(request.headers.get("accept"), _OFFERED)
    label = start or await run_in_threadpool(latest_snapshot_for, service.store, org)
    if label is None:
        raise UserInputError("the store has no snapshot to compare with; create one first")
    store = await run_in_threadpool(organisation_view, service.store, org, [label, end]) if org else service.store
    result = await run_in_threadpool(diff, store, label, end, validation)
    if media == "text/turtle":
        return Response(result.to_turtle(), media_type="text/turtle")
    if media == "text/html":
        return Response(diff_page(result), media_type="text/html")
    return JSONResponse(result.to_json())
