"""Linked data: the ontology and shapes documents, and every IRI of the catalogue and the data, dereferenced
with content negotiation (HTML for browsers). Include this router last: it ends with a catch-all route."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ... import catalogue
from ...answers import Triples
from ...errors import NotFoundError
from ...formats import GRAPH_MEDIA
from ...namespaces import ISO42001
from ...ontodoc import ontology_page
from ...reference_documents import export_reference
from ...store import checked_iri
from .. import pages
from ..deps import ServiceDep, SettingsDep
from ..negotiation import choose, wants_html
from ..responses import render_result
from ..service import Service

router = APIRouter(tags=["linked data"])


def reference_document(request: Request, what: str) -> Response:
    media = choose(request.headers.get("accept"), list(GRAPH_MEDIA))
    return Response(export_reference(what, GRAPH_MEDIA[media]), media_type=media)


async def describe(request: Request, service: Service, iri: str) -> Response:
    """The resource's description; an IRI that is not one (``/foo%20bar``, ``?iri=``) is a 400, not a crash."""
    iri = checked_iri(iri).value
    if wants_html(request.headers.get("accept")):
        return await resource_page(service, iri)
    triples = await run_in_threadpool(pages.describe, service, iri)
    if not triples:
        raise NotFoundError(f"nothing is known about <{iri}>")
    return render_result(Triples(triples), request.headers.get("accept"))


async def resource_page(service: Service, iri: str) -> Response:
    html = await run_in_threadpool(pages.resource_page, service, iri)
    if html is None:
        raise NotFoundError(f"nothing is known about <{iri}>")
    return Response(html, media_type="text/html")


@router.get("/ontology")
async def ontology(request: Request) -> Response:
    """The aims-graph OWL ontology (Turtle, JSON-LD, N-Triples or RDF/XML); for browsers, its documentation."""
    if wants_html(request.headers.get("accept")):
        return Response(await run_in_threadpool(ontology_page), media_type="text/html")
    return reference_document(request, "ontology")


@router.get("/shapes")
async def shapes(request: Request) -> Response:
    """The SHACL shapes aims-graph validates with."""
    return reference_document(request, "shapes")


@router.get("/iso42001/{local}")
async def catalogue_entry(local: str, request: Request, service: ServiceDep) -> Response:
    """A catalogue entry; the notation form (A.6.2.4) redirects to the IRI form (A-6-2-4)."""
    if "." in local:
        node = catalogue.resolve_notation(local)
        if node is None:
            raise NotFoundError(f"no catalogue entry has the notation {local!r}")
        return RedirectResponse(f"/iso42001/{node.value.rsplit('/', 1)[-1]}", status_code=303)
    return await describe(request, service, str(ISO42001) + local)


@router.get("/resource")
async def any_resource(iri: str, request: Request, service: ServiceDep) -> Response:
    """Any resource of the graph by its IRI, for data whose IRIs are not under this server's base."""
    return await describe(request, service, iri)


@router.get("/{path:path}", include_in_schema=False)
async def under_base(path: str, request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Dereference data IRIs minted under the configured base IRI."""
    return await describe(request, service, settings.base_iri + path)
