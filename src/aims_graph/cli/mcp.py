"""`aims-graph mcp`: serve the graph to AI assistants over the Model Context Protocol (stdio or HTTP)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import __version__
from ..config import Settings
from ..errors import UserInputError


def cmd_mcp(args: argparse.Namespace) -> int:
    # Imported here: the MCP SDK and the query machinery would slow every other command's start.
    from ..mcp_server import ReadOnlyGraph
    from ..mcp_server.server import serve_http, serve_stdio

    if args.query_timeout is not None and args.query_timeout <= 0:
        raise UserInputError("--query-timeout must be more than 0 seconds")
    settings = Settings.from_env(
        store=args.store,
        endpoint=args.endpoint,
        data=args.data or None,
        host=args.host,
        port=args.port,
        query_timeout=args.query_timeout,
    )
    graph = ReadOnlyGraph(settings)
    source = "the bundled example organisation" if graph.example else "the given data"
    try:
        if args.http:
            where = f"http://{settings.host}:{settings.port}/mcp"
            print(f"aims-graph {__version__}: MCP over streamable HTTP at {where}, serving {source}", file=sys.stderr)
            serve_http(graph, settings.host, settings.port)
        else:
            print(f"aims-graph {__version__}: MCP over stdio, serving {source}", file=sys.stderr)
            serve_stdio(graph)
    finally:
        graph.close()
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "mcp",
        help="serve named queries, validation, lookup and read-only SPARQL to AI assistants (Model Context Protocol)",
    )
    group = p.add_argument_group("what to serve (one of; default: the bundled example organisation, in memory)")
    group.add_argument("--store", type=Path, metavar="DIR", help="an on-disk Oxigraph store, opened read-only")
    group.add_argument("--endpoint", metavar="URL", help="a SPARQL 1.1 query endpoint")
    group.add_argument(
        "--data", type=Path, action="append", default=[], metavar="FILE", help="an RDF file to load (repeatable)"
    )
    p.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    p.add_argument("--host", default=None, help="with --http: interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="with --http: port (default 8000)")
    p.add_argument(
        "--query-timeout", type=float, default=None, metavar="S", help="stop a query after S seconds (default 30)"
    )
    p.set_defaults(func=cmd_mcp)
