"""Named queries through the aims-graph HTTP API against the same queries sent to `oxigraph serve`.

Both servers run on loopback and hold the same data (a generated organisation plus the ontology and the
catalogues). For every named query, the API is asked ``GET /queries/{name}?param=...`` and Oxigraph server is
sent the same SPARQL text with the parameters bound in a VALUES block (what aims-graph itself sends to a remote
store), both for SPARQL JSON results over a kept-alive connection; requests alternate between the servers.
Then throughput: N client threads send a fixed mix of queries for a fixed time to each server in turn.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import threading
import time
import urllib.parse

import harness
import pyoxigraph as ox

from suites.queries import _term, pick_params

DESCRIPTION = "named-query latency and throughput: aims-graph API vs oxigraph serve on the same data"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", default="1,4,8", help="concurrent clients for throughput (default 1,4,8)")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each throughput run (default 8)")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int, path: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited: {process.stderr.read() if process.stderr else b''!r}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start")


class Client:
    """One kept-alive HTTP connection; returns the seconds a GET took, the body read in full."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> float:
        started = time.perf_counter()
        self.connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
        response = self.connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path[:80]} answered {response.status}")
        return time.perf_counter() - started


def run(args: argparse.Namespace) -> harness.Report:
    from aims_graph import resources
    from aims_graph.queries import named_queries
    from aims_graph.store.sparql_text import with_values

    size = (args.sizes or ["100k"])[0]
    repeat = args.repeat or 30
    data = harness.dataset(harness.systems_for(size))

    tmp = harness.OUT_DIR / "api-bench"
    tmp.mkdir(parents=True, exist_ok=True)
    combined = tmp / "all.nt"
    with combined.open("wb") as out:
        for path in resources.ontology_files():
            out.write(
                ox.serialize(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_QUADS) or b""
            )
        out.write(data.path.read_bytes())
    store = ox.Store()
    store.load(path=str(combined), format=ox.RdfFormat.N_TRIPLES)
    params = pick_params(store)
    del store

    api_port, ox_port = _free_port(), _free_port()
    # Every benchmark client comes from 127.0.0.1: the per-client limit would count them as one client.
    env = {**os.environ, "AIMS_QUERY_TIMEOUT": "120", "AIMS_ROW_LIMIT": "10000000", "AIMS_CLIENT_CONCURRENCY": "64"}
    api = subprocess.Popen(
        [*harness.aims_graph_command(), "serve", "--port", str(api_port), "--data", str(data.path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    oxi = subprocess.Popen(  # in memory, like the API's default store
        [harness.oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{ox_port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    report = harness.Report("api")
    try:
        _wait(api_port, "/health", api)
        _wait(ox_port, "/query?query=ASK%7B%7D", oxi)
        upload = http.client.HTTPConnection("127.0.0.1", ox_port, timeout=600)
        upload.request(
            "POST", "/store?default", body=combined.read_bytes(), headers={"Content-Type": "application/n-triples"}
        )
        if upload.getresponse().status not in (200, 201, 204):
            raise RuntimeError("oxigraph serve refused the data")
        latency = harness.Table(
            f"Median latency per named query, {data.triples:,} triples + reference graphs ({repeat} runs each)",
            ["query", "API ms", "oxigraph serve ms", "ratio API/oxigraph"],
        )
        requests: dict[str, tuple[str, str]] = {}
        for name, query in named_queries().items():
            bindings = {p.name: _term(p.name, p.kind, params) for p in query.params}
            if any(v is None for v in bindings.values()):
                report.notes.append(f"{name}: skipped, no parameter value in the data")
                continue
            api_path = f"/queries/{name}"
            if bindings:
                api_path += "?" + urllib.parse.urlencode({k: v.value for k, v in bindings.items() if v is not None})
            text = query.text
            if bindings:
                text = with_values(text, list(bindings), [str(v) for v in bindings.values()])
            requests[name] = (api_path, "/query?" + urllib.parse.urlencode({"query": text}))
        api_client, ox_client = Client(api_port), Client(ox_port)
        ratios = []
        for name, (api_path, ox_path) in requests.items():
            api_client.get(api_path)
            ox_client.get(ox_path)
            api_times, ox_times = [], []
            for _ in range(repeat):
                api_times.append(api_client.get(api_path))
                ox_times.append(ox_client.get(ox_path))
            a, o = statistics.median(api_times), statistics.median(ox_times)
            ratios.append(a / o)
            latency.rows.append([name, a * 1000, o * 1000, a / o])
        latency.rows.append(["median over queries", None, None, statistics.median(ratios)])
        report.tables.append(latency)

        throughput = harness.Table(
            f"Throughput with concurrent clients ({args.seconds:g} s per run, the same query mix)",
            ["clients", "API req/s", "oxigraph serve req/s", "ratio API/oxigraph"],
        )
        mix = list(requests.values())
        for clients in [int(c) for c in args.clients.split(",") if c.strip()]:
            api_rate = _throughput(api_port, [p for p, _ in mix], clients, args.seconds)
            ox_rate = _throughput(ox_port, [p for _, p in mix], clients, args.seconds)
            throughput.rows.append([clients, api_rate, ox_rate, api_rate / ox_rate])
        report.tables.append(throughput)
        report.notes.append(
            "API: `aims-graph serve --data FILE` (embedded in-memory store, 2 query worker processes, the default). "
            "Oxigraph: `oxigraph serve --union-default-graph`, in memory, the same triples posted to /store. "
            "Same machine (2 cores) for servers and clients, so client threads compete with the servers for CPU."
        )
    finally:
        for process in (api, oxi):
            process.terminate()
            process.wait(timeout=20)
    return report


def _throughput(port: int, paths: list[str], clients: int, seconds: float) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def work(index: int) -> None:
        client = Client(port)
        i = index
        while time.monotonic() < stop:
            client.get(paths[i % len(paths)])
            done[index] += 1
            i += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)
