"""Validation of the store, or of posted data, against our shapes or posted ones."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ... import rdfio
from ...formats import GRAPH_MEDIA, rdflib_name
from ..deps import ServiceDep, SettingsDep
from ..negotiation import choose
from ..responses import rdf_format_of, read_body

router = APIRouter(tags=["validation"])


@router.post("/validate")
async def validate_post(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Validate the posted RDF (or, with an empty body, the store or ?as_of= a snapshot) against our shapes
    or uploaded ones. The work runs in a query worker under the query time limit (parsing included)."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    engine = request.query_params.get("engine", "auto")
    media_out = choose(request.headers.get("accept"), ["application/json", *GRAPH_MEDIA])
    parts: dict[str, tuple[bytes, str]] = {}
    if media == "multipart/form-data":
        async with request.form(max_part_size=settings.max_body_bytes) as form:
            for field in ("data", "shapes"):
                item = form.get(field)
                if item is None or isinstance(item, str):
                    continue
                if item.content_type in (None, "", "application/octet-stream"):
                    fmt = rdfio.format_for(Path(item.filename or "upload.ttl"))
                else:
                    fmt = rdf_format_of(item.content_type)
                parts[field] = (await item.read(), fmt.media_type)
    elif request.method == "POST":
        body = await read_body(request, settings.max_body_bytes)
        if body:
            parts["data"] = (body, rdf_format_of(media).media_type)
    label = request.query_params.get("as_of")
    org = request.query_params.get("org")
    if (org or label) and not parts:  # one organisation's records and/or a snapshot's, in the store
        report = await run_in_threadpool(service.scoped(org, label).validation, engine)
    else:
        report = await run_in_threadpool(service.validate, parts.get("data"), parts.get("shapes"), engine)
    if media_out == "application/json":
        return JSONResponse(report.to_json())
    graph = report.to_graph()
    return Response(graph.serialize(format=rdflib_name(GRAPH_MEDIA[media_out])), media_type=media_out)


@router.get("/validate")
async def validate_store(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Validate the whole store against our shapes."""
    return await validate_post(request, service, settings)
