"""Auditor documents as downloads."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...reports.documents import produce
from ..deps import ServiceDep

router = APIRouter(tags=["reports"])


@router.get("/reports/{kind}")
async def report(
    kind: str, service: ServiceDep, format: str = "html", org: str | None = None, as_of: str | None = None
) -> Response:
    """Auditor documents: soa, risks, trace (md, csv, html, xlsx) and the coverage chart (svg, png, html), of
    every record or of one organisation's (``org``), now or as of a snapshot (``as_of``)."""
    reads = service.scoped(org, as_of) if org or as_of else service
    payload, media = await run_in_threadpool(produce, reads, kind, format)
    headers = {}
    if format in ("xlsx", "csv", "md"):
        headers["Content-Disposition"] = f'attachment; filename="{kind}.{format}"'
    return Response(payload, media_type=media, headers=headers)
