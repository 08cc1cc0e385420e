"""Real servers on loopback for tests: `oxigraph serve` from the PyPI package, and a hit-counting listener."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        raise RuntimeError("the `oxigraph` command is missing: install the PyPI package `oxigraph`")
    return found


@dataclass
class OxigraphServer:
    base: str

    @property
    def query(self) -> str:
        return self.base + "/query"

    @property
    def update(self) -> str:
        return self.base + "/update"

    @property
    def store(self) -> str:
        return self.base + "/store"


@contextmanager
def oxigraph_serve(location: Path | None = None, union: bool = True) -> Iterator[OxigraphServer]:
    """Start `oxigraph serve` on a free loopback port (by default with a union default graph), and stop it after."""
    port = free_port()
    command = [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"]
    if union:
        command.append("--union-default-graph")
    if location is not None:
        command += ["--location", str(location)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"oxigraph serve did not start: {process.stderr.read()!r}") from None
                time.sleep(0.1)
        yield OxigraphServer(base)
    finally:
        process.terminate()
        process.wait(timeout=10)


def virtuoso_binaries() -> tuple[str, str] | None:
    """`virtuoso-t` and its `isql` (Debian names it isql-vt), or None when Virtuoso is not installed."""
    server = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt") or shutil.which("isql")
    return (server, isql) if server and isql else None


# The settings docs/scale-out.md documents: loopback only, a result cap far above the default 10,000 rows
# (Virtuoso cuts longer answers short without an error), and room for big updates.
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 4
MaxClientConnections = 4
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryExecutionTime = 600
MaxQueryCostEstimationTime = 0
"""


@dataclass
class VirtuosoServer:
    base: str
    isql_port: int

    @property
    def query(self) -> str:
        return self.base + "/sparql"

    @property
    def update(self) -> str:
        return self.base + "/sparql"

    @property
    def store(self) -> str:
        """Virtuoso's Graph Store Protocol endpoint (anonymous writes once SPARQL_UPDATE is granted)."""
        return self.base + "/sparql-graph-crud"


@contextmanager
def virtuoso_serve(folder: Path, buffers: int = 20_000) -> Iterator[VirtuosoServer]:
    """Start Virtuoso Open Source on free loopback ports with its own ini and database folder, let the anonymous
    SPARQL user update (GRANT SPARQL_UPDATE TO "SPARQL"), and stop it after."""
    found = virtuoso_binaries()
    if found is None:
        raise RuntimeError("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)")
    server, isql = found
    folder.mkdir(parents=True, exist_ok=True)
    http_port, isql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            folder=folder, http_port=http_port, isql_port=isql_port, buffers=buffers, dirty=buffers * 3 // 4
        )
    )
    process = subprocess.Popen(
        [server, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/sparql?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "virtuoso.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"Virtuoso did not start: {log}") from None
                time.sleep(0.2)
        grant = subprocess.run(
            [isql, f"127.0.0.1:{isql_port}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if grant.returncode != 0:
            raise RuntimeError(f"isql could not grant SPARQL_UPDATE: {grant.stdout}{grant.stderr}")
        yield VirtuosoServer(base, isql_port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class HitCounter:
    """A local HTTP listener that counts every request it receives; used to prove nothing is fetched."""

    def __init__(self) -> None:
        self.hits = 0
        counter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                counter.hits += 1
                body = b'{"@context": {"name": "http://schema.org/name"}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HitCounter:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class ApiServer:
    base: str
    process: subprocess.Popen[bytes]
    token: str | None


@contextmanager
def aims_serve(
    tmp: Path, token: str | None = None, env: dict[str, str] | None = None, args: list[str] | None = None
) -> Iterator[ApiServer]:
    """Run `aims-graph serve` (real uvicorn) on a free loopback port until the block ends."""
    import os

    port = free_port()
    command = [sys.executable, "-m", "aims_graph.cli", "serve", "--port", str(port), *(args or [])]
    if token is not None:
        token_file = tmp / "token"
        token_file.write_text(token)
        command += ["--token-file", str(token_file)]
    process = subprocess.Popen(
        command, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"aims-graph serve did not start: {process.stderr.read()!r}") from None
                time.sleep(0.2)
        yield ApiServer(base, process, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
