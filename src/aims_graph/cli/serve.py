"""Serving the HTTP API: the data is loaded and the port bound before "serving on" is printed, so every
mistake in the command line is one line and exit 2, never a server that starts and then falls over."""

from __future__ import annotations

import argparse
import errno
import socket
import sys
from pathlib import Path

from .. import __version__
from ..config import Settings
from ..errors import UserInputError
from .options import store_options


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or one line saying why not."""
    if not 0 <= port < 65536:
        raise UserInputError(f"--port {port} is not a port number (1-65535, or 0 for any free one)")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise UserInputError(f"--host {host!r} is not an address of this machine (try 127.0.0.1 or 0.0.0.0)") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UserInputError(
                f"port {port} on {host} is already in use; stop what uses it or choose another with --port"
            ) from None
        raise UserInputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..api import create_app
    from ..api.service import Service
    from .common import expand_data

    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        store=args.store,
        endpoint=args.endpoint,
        update_endpoint=args.update_endpoint,
        graph_store_endpoint=args.graph_store_endpoint,
        data=expand_data(args.data) or None,
        token_file=args.token_file,
        base_iri=args.base_iri,
    )
    sock = listening_socket(settings.host, settings.port)
    service = Service(settings)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, service), log_level="warning", access_log=False, lifespan="on")
    )
    port = sock.getsockname()[1]
    print(f"aims-graph {__version__}: serving on http://{settings.host}:{port}/", file=sys.stderr, flush=True)
    server.run(sockets=[sock])
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the HTTP API (default: the bundled example, in memory)")
    store_options(p)
    p.add_argument("--host", default=None, help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--token-file", type=Path, metavar="F", help="a file holding the bearer token for writes")
    p.add_argument("--base-iri", metavar="IRI", help="the base IRI under which data IRIs dereference")
    p.set_defaults(func=cmd_serve)
