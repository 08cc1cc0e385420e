"""Soak: many readers against `aims-graph serve` on an on-disk store while a writer replaces a graph every 2 s.

The question is whether writes cost readers anything: errors (the target is none), latency or throughput.
So the same read load runs twice against the same server, side by side in one process: first with the writer
(a small PUT every ``--write-every`` seconds), then without it, and the figures are reported as ratios.

Every reader keeps one HTTP connection alive and cycles through a fixed mix: a SPARQL SELECT that counts the
triples of the graph the writer replaces (the answer must be one of the versions written, never a mixture),
two named queries, and a SPARQL ASK. All clients share the loopback address, so the per-client limit is raised
for the run (``AIMS_CLIENT_CONCURRENCY``); the query time limit stays at its default.

    PYTHONPATH=src python bench/soak.py --clients 16 --seconds 60
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOKEN = "soak-benchmark-token-0123456789"
GRAPH = "https://example.org/soak/versions"
SIZES = (10, 20)  # triples in the two versions the writer alternates between


def version(size: int, round_: int) -> bytes:
    return "".join(
        f'<https://example.org/soak/{round_}/{i}> <https://example.org/soak/p> "{i}" .\n' for i in range(size)
    ).encode()


MIX = [
    "/sparql?"
    + urllib.parse.urlencode({"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"}),
    "/queries/untreated-risks",
    "/queries/control-coverage",
    "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s a <https://w3id.org/aims-graph/ontology#Risk> }"}),
]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    counts_seen: set[int] = field(default_factory=set)
    writes: int = 0
    write_errors: int = 0
    write_latencies: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(store: Path, port: int, token_file: Path, src: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AIMS_CLIENT_CONCURRENCY": "64", "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "aims_graph.cli", "serve", "--port", str(port), "--store", str(store)]
    command += ["--token-file", str(token_file)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {process.stderr.read() if process.stderr else b''!r}") from None
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def reader(port: int, stop: threading.Event, tally: Tally, lock: threading.Lock, offset: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    turn = offset
    while not stop.is_set():
        path = MIX[turn % len(MIX)]
        turn += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            body = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            status, body = 0, b""
        elapsed = time.perf_counter() - started
        with lock:
            if 200 <= status < 300:
                tally.latencies.append(elapsed)
                if path is MIX[0]:
                    tally.counts_seen.add(int(json.loads(body)["results"]["bindings"][0]["n"]["value"]))
            else:
                tally.errors[status] = tally.errors.get(status, 0) + 1


def writer(port: int, stop: threading.Event, tally: Tally, lock: threading.Lock, every: float) -> None:
    """A new connection per write: between writes the server may close an idle kept-alive one (after 5 s),
    and this thread, starved of the GIL by the readers, can take that long to come back."""
    path = "/graphs?graph=" + urllib.parse.quote(GRAPH, safe="")
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/n-triples"}
    round_ = 0
    begun = time.monotonic()
    while not stop.wait(max(0.0, begun + (round_ + 1) * every - time.monotonic())):  # a fixed cadence
        round_ += 1
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        connection.request("PUT", path, body=version(SIZES[round_ % 2], round_), headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        with lock:
            tally.writes += 1
            tally.write_latencies.append(time.perf_counter() - started)
            if response.status not in (201, 204):
                tally.write_errors += 1


def run(port: int, clients: int, seconds: float, write_every: float | None) -> tuple[Tally, float]:
    tally, lock, stop = Tally(), threading.Lock(), threading.Event()
    threads = [threading.Thread(target=reader, args=(port, stop, tally, lock, i)) for i in range(clients)]
    if write_every is not None:
        threads.append(threading.Thread(target=writer, args=(port, stop, tally, lock, write_every)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--write-every", type=float, default=2.0)
    parser.add_argument(
        "--src", type=Path, default=REPO / "src", help="the aims_graph sources the server runs (e.g. an older one)"
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="aims-soak-"))
    try:
        store = tmp / "store"
        load = [sys.executable, "-m", "aims_graph.cli", "load", "--store", str(store)]
        subprocess.run([*load, str(REPO / "examples" / "gaps-org.ttl")], check=True, env={**os.environ})
        token_file = tmp / "token"
        token_file.write_text(TOKEN)
        port = free_port()
        server = start_server(store, port, token_file, args.src)
        try:
            path = "/graphs?graph=" + urllib.parse.quote(GRAPH, safe="")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/n-triples"}
            connection.request("PUT", path, body=version(SIZES[0], 0), headers=headers)
            connection.getresponse().read()
            run(port, args.clients, 5.0, None)  # warm-up, not reported: workers compile and cache
            results = {
                "with writer": run(port, args.clients, args.seconds, args.write_every),
                "reads only": run(port, args.clients, args.seconds, None),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"{args.clients} clients, {args.seconds:g} s per run, on-disk store, loopback; writer every "
        f"{args.write_every:g} s (PUT of {SIZES[0]} or {SIZES[1]} triples)\n"
    )
    print("| run | requests | req/s | p50 ms | p99 ms | non-2xx | writes (failed) | write p50 ms | counts seen |")
    print("|---|---|---|---|---|---|---|---|---|")
    rates = {}
    for name, (tally, elapsed) in results.items():
        rates[name] = len(tally.latencies) / elapsed
        writes = f"{tally.writes} ({tally.write_errors})" if tally.writes else "-"
        write_p50 = f"{statistics.median(tally.write_latencies) * 1000:.0f}" if tally.write_latencies else "-"
        print(
            f"| {name} | {len(tally.latencies)} | {rates[name]:.0f} | {quantile(tally.latencies, 0.5) * 1000:.1f} | "
            f"{quantile(tally.latencies, 0.99) * 1000:.1f} | {sum(tally.errors.values())} {tally.errors or ''} | "
            f"{writes} | {write_p50} | {sorted(tally.counts_seen)} |"
        )
    with_writer, reads_only = results["with writer"][0], results["reads only"][0]
    print(
        f"\nthroughput with writer / reads only: {rates['with writer'] / rates['reads only']:.2f}; "
        f"p99 ratio: {quantile(with_writer.latencies, 0.99) / quantile(reads_only.latencies, 0.99):.2f}"
    )
    failed = sum(with_writer.errors.values()) + sum(reads_only.errors.values()) + with_writer.write_errors
    torn = not with_writer.counts_seen <= set(SIZES)
    return 1 if failed or torn else 0


if __name__ == "__main__":
    sys.exit(main())
