"""The HTTP API: SPARQL 1.1 Protocol, named queries, validation, Graph Store Protocol and linked data.

Routes are thin: each parses the request, calls one function of ``Service`` or the library, and negotiates
the response format. Every error is JSON with a 4xx status (never a 500): the error hierarchy is mapped here,
once. Blocking work runs in a thread (``run_in_threadpool``), never on the event loop.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__, catalogue, rdfio
from ..audit_reports import produce
from ..config import Settings
from ..errors import AimsGraphError, NotFoundError, TooLargeError, UserInputError
from ..export import export_reference
from ..namespaces import ISO42001, PREFIXES
from ..queries import bind_params, get_query, named_queries
from ..results import QueryResult, Rows, Triples, serialize_rows, serialize_triples
from ..snapshots import as_of, as_of_graphs, validate_as_of
from ..workers import Serialized
from . import pages
from .negotiation import GRAPH_TYPES, ROW_MEDIA, ROW_TYPES, NotAcceptableError, choose, wants_html
from .service import Service, validate_upload

FORM = "application/x-www-form-urlencoded"


def _error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"error": kind, "message": message}, status_code=status)


def client_formats(accept: str | None) -> tuple[str | None, str | None]:
    """The result and graph media types the client accepts; the worker picks by the answer's kind."""
    rows: str | None = None
    graph: str | None = None
    with suppress(NotAcceptableError):
        rows = ROW_MEDIA[ROW_TYPES[choose(accept, list(ROW_TYPES))]].split(";")[0]
    with suppress(NotAcceptableError):
        graph = choose(accept, list(GRAPH_TYPES))
    if rows is None and graph is None:
        available = ", ".join([*ROW_TYPES, *GRAPH_TYPES])
        raise NotAcceptableError(f"cannot produce any of: {accept}; available: {available}")
    return rows, graph


def render_answer(answer: QueryResult | Serialized, accept: str | None) -> Response:
    if not isinstance(answer, Serialized):
        return render_result(answer, accept)
    rows, graph = client_formats(accept)
    media = graph if answer.kind == "graph" else rows
    assert media is not None
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return Response(answer.body, media_type=media)


def render_result(result: QueryResult, accept: str | None) -> Response:
    """Serialise a query result in the format the client asked for (406 when we cannot)."""
    if isinstance(result, Triples):
        media = choose(accept, list(GRAPH_TYPES))
        body = serialize_triples(result, GRAPH_TYPES[media], PREFIXES)
        return Response(body, media_type=media)
    offered = (
        list(ROW_TYPES)
        if isinstance(result, Rows)
        else [
            "application/sparql-results+json",
            "application/json",
            "application/sparql-results+xml",
            "application/xml",
        ]
    )
    fmt = ROW_TYPES[choose(accept, offered)]
    return Response(serialize_rows(result, fmt), media_type=ROW_MEDIA[fmt])


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes the size limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLargeError(f"the request body is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLargeError(f"the request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def rdf_format_of(content_type: str | None) -> ox.RdfFormat:
    media = (content_type or "").split(";")[0].strip().lower()
    fmt = rdfio.format_for_media_type(media) if media else None
    if fmt is None or media in ("application/n-quads", "application/trig", "text/n3"):
        raise UnsupportedMediaError(
            f"cannot read Content-Type {media or '(none)'!r}; send one of {', '.join(GRAPH_TYPES)}"
        )
    return fmt


class UnsupportedMediaError(UserInputError):
    http_status = 415


class BodyLimit:
    """Refuse a declared body over the limit before any route runs (plain ASGI: no per-request overhead
    beyond a header look-up; bodies without a length are counted as they are read, in ``read_body``)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for key, value in scope["headers"]:
                if key == b"content-length" and value.isdigit() and int(value) > self.limit:
                    response = _error(413, "TooLargeError", f"the request body is larger than {self.limit} bytes")
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application for these settings; the store opens at start-up and closes at shutdown."""
    settings = settings or Settings.from_env()
    holder: dict[str, Service] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder["service"] = await run_in_threadpool(Service, settings)
        app.state.service = holder["service"]
        try:
            yield
        finally:
            await run_in_threadpool(holder["service"].close)

    app = FastAPI(
        title="aims-graph",
        version=__version__,
        description="ISO/IEC 42001 knowledge graph: SPARQL, traceability queries, SHACL checks, linked data.",
        lifespan=lifespan,
        docs_url=None,  # the stock pages load their scripts from a CDN; /docs below is served locally
        redoc_url=None,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
        )

    def service() -> Service:
        return holder["service"]

    @app.exception_handler(AimsGraphError)
    async def on_error(request: Request, exc: AimsGraphError) -> JSONResponse:
        status = exc.http_status if exc.http_status < 500 or exc.http_status in (502, 503) else 400
        return _error(status, type(exc).__name__, str(exc))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return _error(400, "RequestValidationError", detail)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "HTTPError", str(exc.detail))

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> JSONResponse:
        # Only a bug gets here: every refusal is an AimsGraphError and answered above with a 4xx.
        return _error(500, "InternalError", f"internal error ({type(exc).__name__}); please report it")

    # ------------------------------------------------------------------------------------------ health

    @app.get("/health", tags=["service"])
    async def health() -> dict[str, Any]:
        """Liveness: answered on the event loop without touching the store, so slow queries never delay it."""
        current = holder.get("service")
        return {
            "status": "ok" if current else "starting",
            "version": __version__,
            "store": current.kind if current else None,
        }

    # ------------------------------------------------------------------------------------------ SPARQL

    async def sparql_request(request: Request, query: str | None, default: list[str], named: list[str]) -> Response:
        if query is None:
            if wants_html(request.headers.get("accept")):
                return Response(pages.sparql_page(named_queries()), media_type="text/html")
            body = serialize_triples(
                Triples(pages.service_description(str(request.url).split("?")[0])),
                GRAPH_TYPES[choose(request.headers.get("accept"), list(GRAPH_TYPES))],
                PREFIXES,
            )
            return Response(body, media_type=choose(request.headers.get("accept"), list(GRAPH_TYPES)))
        accept = request.headers.get("accept")
        answer = await run_in_threadpool(
            service().query_for_client, query, client_formats(accept), None, default or None, named or None
        )
        return render_answer(answer, accept)

    @app.get("/sparql", tags=["sparql"])
    async def sparql_get(request: Request) -> Response:
        """SPARQL 1.1 Protocol query via GET; with no query, the service description."""
        params = request.query_params
        return await sparql_request(
            request,
            params.get("query"),
            params.getlist("default-graph-uri"),
            params.getlist("named-graph-uri"),
        )

    @app.post("/sparql", tags=["sparql"])
    async def sparql_post(request: Request) -> Response:
        """SPARQL 1.1 Protocol query via POST (form or application/sparql-query). Updates are refused."""
        media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        body = await read_body(request, settings.max_body_bytes)
        params = request.query_params
        default, named = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
        if media == FORM:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            if "update" in form:
                raise UserInputError("updates are not accepted on /sparql: this endpoint is read-only")
            if not form.get("query"):
                raise UserInputError("the form has no 'query' field")
            query = form["query"][0]
            default += form.get("default-graph-uri", [])
            named += form.get("named-graph-uri", [])
        elif media == "application/sparql-query":
            query = body.decode("utf-8", "replace")
        elif media == "application/sparql-update":
            raise UserInputError("updates are not accepted on /sparql: this endpoint is read-only")
        else:
            raise UnsupportedMediaError(f"POST /sparql takes {FORM} or application/sparql-query, not {media!r}")
        return await sparql_request(request, query, default, named)

    # ----------------------------------------------------------------------------------- named queries

    @app.get("/queries", tags=["queries"])
    async def list_queries(request: Request) -> Any:
        """The named traceability queries with their parameters."""
        if wants_html(request.headers.get("accept")):
            return Response(pages.query_list_page(named_queries()), media_type="text/html")
        return [
            {
                "name": q.name,
                "summary": q.summary,
                "params": [{"name": p.name, "type": p.kind} for p in q.params],
                "returns": list(q.returns),
                "href": f"/queries/{q.name}",
            }
            for q in named_queries().values()
        ]

    @app.get("/queries/{name}", tags=["queries"])
    async def run_named(name: str, request: Request) -> Response:
        """Run a named query; parameters are query-string values (IRI, CURIE or notation)."""
        query = get_query(name)
        values = dict(request.query_params)
        as_of = values.pop("as_of", None)  # a snapshot label: its graphs and the reference graphs only
        graphs = await run_in_threadpool(as_of_graphs, service().store, as_of) if as_of else None
        if wants_html(request.headers.get("accept")):
            ready = all(values.get(p.name) for p in query.params)
            rows = (
                await run_in_threadpool(service().query, query.text, bind_params(query, values), graphs, graphs)
                if ready
                else None
            )
            assert rows is None or isinstance(rows, Rows)
            return Response(pages.query_page(query, values, rows), media_type="text/html")
        bindings = bind_params(query, values)
        accept = request.headers.get("accept")
        answer = await run_in_threadpool(
            service().query_for_client, query.text, client_formats(accept), bindings, graphs, graphs
        )
        return render_answer(answer, accept)

    @app.get("/search", tags=["queries"])
    async def search(request: Request, q: str = "") -> Response:
        """Resources whose label, title or notation contains the text."""
        rows = None
        if q.strip():
            query = get_query("search")
            rows = await run_in_threadpool(service().select, query.text, bind_params(query, {"text": q.strip()}))
        if wants_html(request.headers.get("accept")):
            return Response(pages.search_page(q, rows), media_type="text/html")
        if rows is None:
            raise UserInputError("give the text to search for as ?q=")
        return render_result(rows, request.headers.get("accept"))

    @app.get("/reports/{kind}", tags=["reports"])
    async def report(kind: str, format: str = "html") -> Response:
        """Auditor documents: soa, risks, trace (md, csv, html, xlsx) and the coverage chart (svg, png, html)."""
        payload, media = await run_in_threadpool(produce, service(), kind, format)
        headers = {}
        if format in ("xlsx", "csv", "md"):
            headers["Content-Disposition"] = f'attachment; filename="{kind}.{format}"'
        return Response(payload, media_type=media, headers=headers)

    # ------------------------------------------------------------------------------------- validation

    @app.post("/validate", tags=["validation"])
    async def validate_post(request: Request) -> Response:
        """Validate the posted RDF (or, with an empty body, the store or ?as_of= a snapshot) against our shapes."""
        media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        body = await read_body(request, settings.max_body_bytes)
        engine = request.query_params.get("engine", "pyshacl")
        if media == "multipart/form-data":
            form = await request.form()
            parts: dict[str, tuple[bytes, ox.RdfFormat]] = {}
            for field in ("data", "shapes"):
                item = form.get(field)
                if item is None or isinstance(item, str):
                    continue
                if item.content_type in (None, "", "application/octet-stream"):
                    fmt = rdfio.format_for(Path(item.filename or "upload.ttl"))
                else:
                    fmt = rdf_format_of(item.content_type)
                parts[field] = (await item.read(), fmt)
            report = await run_in_threadpool(
                validate_upload, service().store, parts.get("data"), parts.get("shapes"), engine
            )
        elif request.query_params.get("as_of") and not body:  # a snapshot's records, in the store
            view = await run_in_threadpool(as_of, service().store, request.query_params["as_of"])
            report = await run_in_threadpool(validate_as_of, view, None, engine)
        else:
            data = (body, rdf_format_of(media)) if body else None
            report = await run_in_threadpool(validate_upload, service().store, data, None, engine)
        media_out = choose(request.headers.get("accept"), ["application/json", *GRAPH_TYPES])
        if media_out == "application/json":
            return JSONResponse(report.to_json())
        graph = report.to_graph()
        rdflib_format = {
            "text/turtle": "turtle",
            "application/ld+json": "json-ld",
            "application/n-triples": "nt",
            "application/rdf+xml": "xml",
        }[media_out]
        return Response(graph.serialize(format=rdflib_format), media_type=media_out)

    @app.get("/validate", tags=["validation"])
    async def validate_store(request: Request) -> Response:
        """Validate the whole store against our shapes."""
        return await validate_post(request)

    # -------------------------------------------------------------------------------- graph store

    def graph_param(request: Request) -> str | None:
        params = request.query_params
        if "graph" in params and "default" in params:
            raise UserInputError("give either ?graph=IRI or ?default, not both")
        if "graph" in params:
            return params["graph"]
        if "default" in params:
            return None
        raise UserInputError("the Graph Store Protocol needs ?graph=IRI or ?default")

    @app.get("/graphs", tags=["graph store"])
    async def graphs_get(request: Request) -> Response:
        """Without parameters, the named graphs and their sizes; with ?graph= or ?default, their content."""
        if not request.query_params:
            infos = await run_in_threadpool(service().store.graphs)
            return JSONResponse([{"graph": g.name, "triples": g.triples} for g in infos])
        graph = graph_param(request)
        if graph is not None and not await run_in_threadpool(service().store.has_graph, graph):
            raise NotFoundError(f"no graph named {graph}")
        triples = await run_in_threadpool(service().graph_triples, graph)
        return render_result(Triples(triples), request.headers.get("accept"))

    async def write(request: Request, action: str) -> Response:
        current = service()
        current.check_write(request.headers.get("authorization"))
        graph = graph_param(request)
        if graph is None:
            raise UserInputError("aims-graph keeps data in named graphs: write with ?graph=IRI")
        if action == "delete":
            await run_in_threadpool(current.drop_graph, graph)
            return Response(status_code=204)
        fmt = rdf_format_of(request.headers.get("content-type"))
        body = await read_body(request, settings.max_body_bytes)
        operation = current.replace_graph if action == "put" else current.add_to_graph
        created = await run_in_threadpool(operation, graph, body, fmt)
        return Response(status_code=201 if created else 204)

    @app.put("/graphs", tags=["graph store"])
    async def graphs_put(request: Request) -> Response:
        """Replace a named graph with the body (bearer token required)."""
        return await write(request, "put")

    @app.post("/graphs", tags=["graph store"])
    async def graphs_post(request: Request) -> Response:
        """Add the body to a named graph (bearer token required)."""
        return await write(request, "post")

    @app.delete("/graphs", tags=["graph store"])
    async def graphs_delete(request: Request) -> Response:
        """Drop a named graph (bearer token required)."""
        return await write(request, "delete")

    # ------------------------------------------------------------------------- ontology and shapes

    def reference_document(request: Request, what: str) -> Response:
        media = choose(request.headers.get("accept"), list(GRAPH_TYPES))
        fmt = {
            v: k
            for k, v in {
                "turtle": ox.RdfFormat.TURTLE,
                "nt": ox.RdfFormat.N_TRIPLES,
                "jsonld": ox.RdfFormat.JSON_LD,
                "xml": ox.RdfFormat.RDF_XML,
            }.items()
        }
        return Response(export_reference(what, fmt[GRAPH_TYPES[media]]), media_type=media)

    @app.get("/ontology", tags=["linked data"])
    async def ontology(request: Request) -> Response:
        """The aims-graph OWL ontology (Turtle, JSON-LD, N-Triples or RDF/XML)."""
        if wants_html(request.headers.get("accept")):
            return await resource_page(request, "https://w3id.org/aims-graph/ontology")
        return reference_document(request, "ontology")

    @app.get("/shapes", tags=["linked data"])
    async def shapes(request: Request) -> Response:
        """The SHACL shapes aims-graph validates with."""
        return reference_document(request, "shapes")

    # --------------------------------------------------------------------------------- linked data

    async def describe(request: Request, iri: str) -> Response:
        if wants_html(request.headers.get("accept")):
            return await resource_page(request, iri)
        triples = await run_in_threadpool(pages.describe, service(), iri)
        if not triples:
            raise NotFoundError(f"nothing is known about <{iri}>")
        return render_result(Triples(triples), request.headers.get("accept"))

    async def resource_page(request: Request, iri: str) -> Response:
        html = await run_in_threadpool(pages.resource_page, service(), iri)
        if html is None:
            raise NotFoundError(f"nothing is known about <{iri}>")
        return Response(html, media_type="text/html")

    @app.get("/iso42001/{local}", tags=["linked data"])
    async def catalogue_entry(local: str, request: Request) -> Response:
        """A catalogue entry; the notation form (A.6.2.4) redirects to the IRI form (A-6-2-4)."""
        if "." in local:
            node = catalogue.resolve_notation(local)
            if node is None:
                raise NotFoundError(f"no catalogue entry has the notation {local!r}")
            return RedirectResponse(f"/iso42001/{node.value.rsplit('/', 1)[-1]}", status_code=303)
        return await describe(request, str(ISO42001) + local)

    @app.get("/resource", tags=["linked data"])
    async def any_resource(iri: str, request: Request) -> Response:
        """Any resource of the graph by its IRI, for data whose IRIs are not under this server's base."""
        return await describe(request, iri)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        """The OpenAPI description as a page, with no external scripts."""
        return Response(pages.api_docs_page(app.openapi()), media_type="text/html")

    @app.get("/", include_in_schema=False)
    async def home(request: Request) -> Response:
        if wants_html(request.headers.get("accept")):
            html = await run_in_threadpool(pages.home_page, service())
            return Response(html, media_type="text/html")
        return JSONResponse(
            {
                "name": "aims-graph",
                "version": __version__,
                "sparql": "/sparql",
                "queries": "/queries",
                "validate": "/validate",
                "graphs": "/graphs",
                "ontology": "/ontology",
                "docs": "/docs",
            }
        )

    from .routes import diff as diff_routes

    app.include_router(diff_routes.router)

    @app.get("/{path:path}", include_in_schema=False)
    async def under_base(path: str, request: Request) -> Response:
        """Dereference data IRIs minted under the configured base IRI."""
        return await describe(request, settings.base_iri + path)

    return app
