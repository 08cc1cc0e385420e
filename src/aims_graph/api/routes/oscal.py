"""OSCAL documents of what the service holds: ``/oscal`` lists the kinds, ``/oscal/{kind}`` writes one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...oscal.common import FORMATS, FRAMEWORKS, OSCAL_TARGET_VERSION, serialize
from ...oscal.documents import KINDS, export_document
from ..deps import ServiceDep

router = APIRouter(tags=["oscal"])

MEDIA = {"json": "application/json", "yaml": "application/yaml"}


@router.get("/oscal")
async def oscal_kinds() -> dict[str, Any]:
    """The OSCAL document kinds, formats and frameworks the service exports, and the OSCAL version."""
    return {
        "oscal-version": OSCAL_TARGET_VERSION,
        "kinds": {kind: f"/oscal/{kind}" for kind in KINDS},
        "formats": list(FORMATS),
        "frameworks": list(FRAMEWORKS),
    }


@router.get("/oscal/{kind}")
async def oscal_document(
    kind: str,
    service: ServiceDep,
    format: str = "json",
    framework: str = "iso42001",
    soa: str | None = None,
    mapping_set: str | None = None,
) -> Response:
    """One OSCAL document (catalog, profile, mapping-collection, component-definition, assessment-results, poam)."""
    document = await run_in_threadpool(
        export_document, service.store, kind, framework_name=framework, soa=soa, mapping_set=mapping_set
    )
    body = await run_in_threadpool(serialize, document, format)
    return Response(body, media_type=MEDIA[format])
