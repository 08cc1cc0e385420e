"""OSCAL documents of what the service holds: ``/oscal`` lists the kinds, ``/oscal/{kind}`` writes one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..deps import ServiceDep
from ..service import Service

router = APIRouter(tags=["oscal"])

MEDIA = {"json": "application/json", "yaml": "application/yaml"}


@router.get("/oscal")
def oscal_kinds() -> dict[str, Any]:  # plain def: FastAPI runs it in a thread, where the import may block
    """The OSCAL document kinds, formats and frameworks the service exports, and the OSCAL version."""
    from ...oscal.common import FORMATS, FRAMEWORKS, OSCAL_TARGET_VERSION  # trestle's models load on first use
    from ...oscal.documents import KINDS

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
    body = await run_in_threadpool(_write, service, kind, format, framework, soa, mapping_set)
    return Response(body, media_type=MEDIA[format])


def _write(service: Service, kind: str, fmt: str, framework: str, soa: str | None, mapping_set: str | None) -> bytes:
    from ...oscal.common import serialize  # trestle's models load on first use, in the worker thread
    from ...oscal.documents import export_document

    document = export_document(service.store, kind, framework_name=framework, soa=soa, mapping_set=mapping_set)
    return serialize(document, fmt)
