"""``/.well-known/void``: the VoID and DCAT description of what the service holds, in any RDF format."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...namespaces import PREFIXES
from ...results import Triples, serialize_triples
from ...void import void_description
from ..deps import get_service
from ..negotiation import GRAPH_TYPES, choose
from ..service import Service

router = APIRouter(tags=["linked data"])

VOID_PREFIXES = {
    **PREFIXES,
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}


@router.get("/.well-known/void")
async def void(request: Request, service: Annotated[Service, Depends(get_service)]) -> Response:
    """Graphs and their triple counts, vocabularies, licence, SPARQL endpoint and crosswalk linksets."""
    media = choose(request.headers.get("accept"), list(GRAPH_TYPES))
    base = str(request.base_url)
    triples = await run_in_threadpool(void_description, service.store, base)
    return Response(serialize_triples(Triples(triples), GRAPH_TYPES[media], VOID_PREFIXES), media_type=media)
