"""Serving the HTTP API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import __version__
from ..config import Settings
from .common import store_options


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..api import create_app

    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        store=args.store,
        endpoint=args.endpoint,
        update_endpoint=args.update_endpoint,
        graph_store_endpoint=args.graph_store_endpoint,
        data=args.data or None,
        token_file=args.token_file,
        base_iri=args.base_iri,
    )
    print(f"aims-graph {__version__}: serving on http://{settings.host}:{settings.port}/", file=sys.stderr)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the HTTP API (default: the bundled example, in memory)")
    store_options(p)
    p.add_argument("--host", default=None, help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--token-file", type=Path, metavar="F", help="a file holding the bearer token for writes")
    p.add_argument("--base-iri", metavar="IRI", help="the base IRI under which data IRIs dereference")
    p.set_defaults(func=cmd_serve)
