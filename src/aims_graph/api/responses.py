"""Turning answers into HTTP responses, and reading request bodies: shared by the routes."""

from __future__ import annotations

from contextlib import suppress

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from ..answers import QueryResult, Rows, Triples
from ..errors import TooLargeError, UserInputError
from ..formats import GRAPH_MEDIA, RESULT_MEDIA, rdf_format_for_media
from ..namespaces import PREFIXES
from ..serialize import write_rows, write_triples
from ..store.workers import Serialized
from .negotiation import NotAcceptableError, choose


def error_response(status: int, kind: str, message: str) -> Response:
    return JSONResponse({"error": kind, "message": message}, status_code=status)


FORM = "application/x-www-form-urlencoded"


def client_formats(accept: str | None) -> tuple[str | None, str | None]:
    """The result and graph media types the client accepts; the worker picks by the answer's kind."""
    rows: str | None = None
    graph: str | None = None
    with suppress(NotAcceptableError):
        rows = RESULT_MEDIA[choose(accept, list(RESULT_MEDIA))].media_type.split(";")[0]
    with suppress(NotAcceptableError):
        graph = choose(accept, list(GRAPH_MEDIA))
    if rows is None and graph is None:
        available = ", ".join([*RESULT_MEDIA, *GRAPH_MEDIA])
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
        media = choose(accept, list(GRAPH_MEDIA))
        body = write_triples(result, GRAPH_MEDIA[media], PREFIXES)
        return Response(body, media_type=media)
    offered = (
        list(RESULT_MEDIA)
        if isinstance(result, Rows)
        else [
            "application/sparql-results+json",
            "application/json",
            "application/sparql-results+xml",
            "application/xml",
        ]
    )
    entry = RESULT_MEDIA[choose(accept, offered)]
    return Response(write_rows(result, entry.name), media_type=entry.media_type)


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
    fmt = rdf_format_for_media(media) if media else None
    if fmt is None or media in ("application/n-quads", "application/trig", "text/n3"):
        raise UnsupportedMediaError(
            f"cannot read Content-Type {media or '(none)'!r}; send one of {', '.join(GRAPH_MEDIA)}"
        )
    return fmt


class UnsupportedMediaError(UserInputError):
    http_status = 415
