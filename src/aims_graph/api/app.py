"""The HTTP API: SPARQL 1.1 Protocol, named queries, validation, Graph Store Protocol and linked data.

This module assembles the application: middleware, the one mapping of our error hierarchy to HTTP statuses
(every refusal is JSON with a 4xx, never a 500), and the routers of ``routes/``. Routes are thin: each parses
the request, calls one function of ``Service`` or the library, and negotiates the response format. Blocking
work runs in a thread (``run_in_threadpool``), never on the event loop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..config import Settings
from ..errors import AimsGraphError, TooManyRequestsError
from .responses import error_response
from .routes import diff, graph_store, linked_data, oscal, queries, reports, site, sparql, validation, void
from .service import Service

ROUTERS = (site, sparql, queries, reports, validation, graph_store, diff, oscal, void, linked_data)
"""Included in this order; linked_data ends with the catch-all route for data IRIs, so it comes last."""

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


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
                    response = error_response(
                        413, "TooLargeError", f"the request body is larger than {self.limit} bytes"
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


CHEAP_PATHS = frozenset({"/health", "/docs", "/openapi.json", "/shapes", "/queries"})
"""Requests that never reach a query worker; every other request (queries, validation, reports, writes,
pages and dereferenced IRIs, which run queries) counts against the per-client limit."""


class ClientLimit:
    """At most ``limit`` expensive requests per client address at once; one more is answered 429 at once,
    so one client cannot queue enough runaway requests to make everyone else wait for the time limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.running: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in CHEAP_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else ""
        if self.running[client] >= self.limit:
            error = TooManyRequestsError(
                f"this client already has {self.limit} expensive requests running; wait for one to finish"
            )
            response = error_response(429, type(error).__name__, str(error))
            response.headers["Retry-After"] = str(error.retry_after)
            await response(scope, receive, send)
            return
        self.running[client] += 1  # one event loop: no lock needed between the check and the count
        try:
            await self.app(scope, receive, send)
        finally:
            self.running[client] -= 1
            if not self.running[client]:
                del self.running[client]


class SecurityHeaders:
    """Headers that keep browsers from sniffing types, framing our pages or loading anything from elsewhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None, service: Service | None = None) -> FastAPI:
    """The application for these settings; the store opens at start-up (unless an opened ``service`` is
    given, as ``aims-graph serve`` does so that a bad data file is one line before anything listens) and
    closes at shutdown."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.service = service or await run_in_threadpool(Service, settings)
        try:
            yield
        finally:
            await run_in_threadpool(app.state.service.close)

    app = FastAPI(
        title="aims-graph",
        version=__version__,
        description="ISO/IEC 42001 knowledge graph: SPARQL, traceability queries, SHACL checks, linked data.",
        lifespan=lifespan,
        docs_url=None,  # the stock pages load their scripts from a CDN; /docs is served locally (routes/site)
        redoc_url=None,
    )
    app.state.settings = settings
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["*"],
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(ClientLimit, limit=max(1, settings.client_concurrency))
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(AimsGraphError)
    async def on_error(request: Request, exc: AimsGraphError) -> Response:
        status = exc.http_status if exc.http_status < 500 or exc.http_status in (502, 503) else 400
        response = error_response(status, type(exc).__name__, str(exc))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return error_response(400, "RequestValidationError", detail)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(exc.status_code, "HTTPError", str(exc.detail))

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> Response:
        # Only a bug gets here: every refusal is an AimsGraphError and answered above with a 4xx.
        return error_response(500, "InternalError", f"internal error ({type(exc).__name__}); please report it")

    for module in ROUTERS:
        app.include_router(module.router)
    return app
