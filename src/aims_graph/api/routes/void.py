"""``/.well-known/void``: the VoID and DCAT description of what the service holds, in any RDF format."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ...answers import Triples
from ...formats import GRAPH_MEDIA
from ...namespaces import PREFIXES
from ...serialize import write_triples
from ...void import void_description
from ..deps import ServiceDep
from ..negotiation import choose

router = APIRouter(tags=["linked data"])

VOID_PREFIXES = {
    **PREFIXES,
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}


@router.get("/.well-known/void")
async def void(request: Request, service: ServiceDep) -> Response:
    """Graphs and their triple counts, vocabularies, licence, SPARQL endpoint and crosswalk linksets."""
    media = choose(request.headers.get("accept"), list(GRAPH_MEDIA))
    base = str(request.base_url)
    triples = await run_in_threadpool(void_description, service.store, base)
    return Response(write_triples(Triples(triples), GRAPH_MEDIA[media], VOID_PREFIXES), media_type=media)
