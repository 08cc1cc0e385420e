"""The SPARQL 1.1 Graph Store HTTP Protocol (indirect identification): read any graph; writes need the token.

aims-graph keeps every source in a named graph and queries see their union, so the protocol's ``?default``
is the named graph ``DEFAULT_GRAPH`` for PUT, GET, HEAD, POST and DELETE alike (the service description at
/sparql says so). A POST without ``?graph`` or ``?default`` makes a new graph, named under ``POSTED_BASE``, and
answers 201 with the new graph's IRI as its Location (as the protocol asks: a client reads it with
``?graph=`` + that IRI). A ``multipart/form-data`` POST adds every part, all or nothing.
"""

from __future__ import annotations

import email.parser
import email.policy
import uuid
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ... import rdfio
from ...answers import Triples
from ...config import Settings
from ...errors import NotFoundError, UserInputError
from ...namespaces import GRAPH_BASE
from ..deps import ServiceDep, SettingsDep
from ..responses import UnsupportedMediaError, rdf_format_of, read_body, render_result
from ..service import Service

router = APIRouter(tags=["graph store"])

DEFAULT_GRAPH = GRAPH_BASE + "default"
POSTED_BASE = GRAPH_BASE + "posted/"
MULTIPART = "multipart/form-data"


def graph_param(request: Request) -> str | None:
    """The graph the request names: ?graph=IRI, ?default (DEFAULT_GRAPH), or None for neither."""
    params = request.query_params
    if "graph" in params and "default" in params:
        raise UserInputError("give either ?graph=IRI or ?default, not both")
    if len(params.getlist("graph")) > 1:
        raise UserInputError("give one ?graph=IRI")
    if "graph" in params:
        return params["graph"]
    if "default" in params:
        return DEFAULT_GRAPH
    return None


def named_graph(request: Request) -> str:
    graph = graph_param(request)
    if graph is None:
        raise UserInputError("the Graph Store Protocol needs ?graph=IRI or ?default")
    return graph


async def existing(service: Service, graph: str) -> None:
    """404 for a graph that is not there; the default graph always is (empty until written)."""
    if graph != DEFAULT_GRAPH and not await run_in_threadpool(service.store.has_graph, graph):
        raise NotFoundError(f"no graph named {graph}")


@router.get("/graphs")
async def graphs_get(request: Request, service: ServiceDep) -> Response:
    """Without parameters, the named graphs and their sizes; with ?graph= or ?default, their content."""
    if not request.query_params:
        infos = await run_in_threadpool(service.store.graphs)
        return JSONResponse([{"graph": g.name, "triples": g.triples} for g in infos])
    graph = named_graph(request)
    await existing(service, graph)
    triples = await run_in_threadpool(service.graph_triples, graph)
    return render_result(Triples(triples), request.headers.get("accept"))


@router.head("/graphs")
async def graphs_head(request: Request, service: ServiceDep) -> Response:
    """As GET, headers only: 200 with the media type and length for a graph that exists, else 404."""
    answer = await graphs_get(request, service)
    return Response(status_code=answer.status_code, headers=dict(answer.headers))


def multipart_parts(content_type: str, body: bytes) -> list[tuple[bytes, ox.RdfFormat]]:
    """Each part of a multipart/form-data body with its RDF format (from its Content-Type or file name)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise UserInputError("the multipart/form-data body has no parts")
    parts: list[tuple[bytes, ox.RdfFormat]] = []
    for part in message.iter_parts():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            raise UserInputError("a part of the multipart/form-data body is not a document")
        media = part.get_content_type() if part.get("Content-Type") else None
        if media is not None and media not in ("text/plain", "application/octet-stream"):
            fmt = rdf_format_of(media)
        elif part.get_filename():
            fmt = rdfio.format_for(Path(part.get_filename() or ""))
        else:
            raise UnsupportedMediaError("every part needs an RDF Content-Type or a file name with an RDF ending")
        parts.append((data, fmt))
    return parts


def merged(parts: list[tuple[bytes, ox.RdfFormat]]) -> bytes:
    """The parts as one N-Triples document (each parsed safely, blank nodes kept apart), so they are added in
    one write: all or nothing."""
    triples = [quad.triple for data, fmt in parts for quad in rdfio.parse_quads(data, fmt, "request body part")]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


async def write(request: Request, service: Service, settings: Settings, action: str) -> Response:
    service.check_write(request.headers.get("authorization"))
    graph = graph_param(request)
    location: str | None = None
    if graph is None:
        if action != "post":
            raise UserInputError("the Graph Store Protocol needs ?graph=IRI or ?default")
        graph = location = POSTED_BASE + uuid.uuid4().hex  # the Location is the new graph's IRI
    if action == "delete":
        if graph == DEFAULT_GRAPH and not await run_in_threadpool(service.store.has_graph, graph):
            return Response(status_code=204)  # the default graph exists, empty, until written
        await run_in_threadpool(service.drop_graph, graph)
        return Response(status_code=204)
    content_type = request.headers.get("content-type") or ""
    body = await read_body(request, settings.max_body_bytes)
    if content_type.split(";")[0].strip().lower() == MULTIPART:
        if action != "post":
            raise UnsupportedMediaError("multipart/form-data is for POST only")
        body, fmt = merged(multipart_parts(content_type, body)), ox.RdfFormat.N_TRIPLES
    else:
        fmt = rdf_format_of(content_type)
    operation = service.replace_graph if action == "put" else service.add_to_graph
    created = await run_in_threadpool(operation, graph, body, fmt)
    if location is not None:
        return Response(status_code=201, headers={"Location": location})
    return Response(status_code=201 if created and graph != DEFAULT_GRAPH else 204)


@router.put("/graphs")
async def graphs_put(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Replace a named graph (or ?default) with the body (bearer token required)."""
    return await write(request, service, settings, "put")


@router.post("/graphs")
async def graphs_post(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Add the body (or each part of a multipart/form-data body) to a graph; without ?graph or ?default, to a
    new graph whose IRI comes back as the Location of a 201 (bearer token required)."""
    return await write(request, service, settings, "post")


@router.delete("/graphs")
async def graphs_delete(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Drop a named graph (bearer token required)."""
    return await write(request, service, settings, "delete")
