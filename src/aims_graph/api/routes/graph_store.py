"""The SPARQL 1.1 Graph Store HTTP Protocol: read any graph; writes need the bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ...answers import Triples
from ...config import Settings
from ...errors import NotFoundError, UserInputError
from ..deps import ServiceDep, SettingsDep
from ..responses import rdf_format_of, read_body, render_result
from ..service import Service

router = APIRouter(tags=["graph store"])


def graph_param(request: Request) -> str | None:
    params = request.query_params
    if "graph" in params and "default" in params:
        raise UserInputError("give either ?graph=IRI or ?default, not both")
    if "graph" in params:
        return params["graph"]
    if "default" in params:
        return None
    raise UserInputError("the Graph Store Protocol needs ?graph=IRI or ?default")


@router.get("/graphs")
async def graphs_get(request: Request, service: ServiceDep) -> Response:
    """Without parameters, the named graphs and their sizes; with ?graph= or ?default, their content."""
    if not request.query_params:
        infos = await run_in_threadpool(service.store.graphs)
        return JSONResponse([{"graph": g.name, "triples": g.triples} for g in infos])
    graph = graph_param(request)
    if graph is not None and not await run_in_threadpool(service.store.has_graph, graph):
        raise NotFoundError(f"no graph named {graph}")
    triples = await run_in_threadpool(service.graph_triples, graph)
    return render_result(Triples(triples), request.headers.get("accept"))


async def write(request: Request, service: Service, settings: Settings, action: str) -> Response:
    service.check_write(request.headers.get("authorization"))
    graph = graph_param(request)
    if graph is None:
        raise UserInputError("aims-graph keeps data in named graphs: write with ?graph=IRI")
    if action == "delete":
        await run_in_threadpool(service.drop_graph, graph)
        return Response(status_code=204)
    fmt = rdf_format_of(request.headers.get("content-type"))
    body = await read_body(request, settings.max_body_bytes)
    operation = service.replace_graph if action == "put" else service.add_to_graph
    created = await run_in_threadpool(operation, graph, body, fmt)
    return Response(status_code=201 if created else 204)


@router.put("/graphs")
async def graphs_put(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Replace a named graph with the body (bearer token required)."""
    return await write(request, service, settings, "put")


@router.post("/graphs")
async def graphs_post(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Add the body to a named graph (bearer token required)."""
    return await write(request, service, settings, "post")


@router.delete("/graphs")
async def graphs_delete(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Drop a named graph (bearer token required)."""
    return await write(request, service, settings, "delete")
