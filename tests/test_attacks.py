"""The attack run of issue 21, replayed against live servers (memory and on-disk store, write token set).

A listener on loopback counts every connection the server makes: it must stay at zero after every attack.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
from servers import ApiServer, HitCounter, aims_serve, oxigraph_serve
from test_api import HEAVY, busy_children, call, error_of

from aims_graph.errors import UserInputError
from aims_graph.namespaces import GRAPH_BASE
from aims_graph.store.workers import QueryJob, TaskJob, WorkerPool

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
AIMS = "https://w3id.org/aims-graph/ontology#"
TOKEN = "attack-run-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ENV = {
    "AIMS_QUERY_TIMEOUT": "2",
    "AIMS_WORKERS": "2",
    "AIMS_CLIENT_CONCURRENCY": "3",
    "AIMS_MAX_BODY_BYTES": str(40 * 1024 * 1024),
}

# Queries that led the old pattern-based check astray; {url} is the listener.
TRICKS = [
    "SELECT ?a WHERE { BIND(1<'>' AS ?x) SERVICE <{url}/x> { ?a ?b ?c } BIND('y' AS ?y) }",
    "PREFIX ex: <urn:x:> SELECT ?a WHERE { VALUES ?z { ex:a\\#b } SERVICE <{url}/x> { ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <{url}/x> { ?a ?b ?c } } } LIMIT 1",
    "SELECT * WHERE { { SELECT * WHERE { OPTIONAL { sErViCe SILENT <{url}/x> { ?a ?b ?c } } } } }",
]


@pytest.fixture(scope="module")
def listener() -> Iterator[HitCounter]:
    with HitCounter() as counter:
        yield counter


@pytest.fixture(autouse=True)
def nothing_fetched(listener: HitCounter) -> Iterator[None]:
    """Every attack ends with the listener never contacted."""
    yield
    assert listener.hits == 0, "the server opened a connection to the listener"


@pytest.fixture(scope="module")
def memory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with aims_serve(tmp_path_factory.mktemp("memory"), token=TOKEN, env=ENV) as server:
        yield server


@pytest.fixture(scope="module")
def disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    tmp = tmp_path_factory.mktemp("disk")
    # In a process of its own: a store opened here could still hold RocksDB's lock when the server starts.
    load = [
        sys.executable,
        "-m",
        "aims_graph.cli",
        "load",
        "--store",
        str(tmp / "store"),
        str(EXAMPLES / "gaps-org.ttl"),
    ]
    subprocess.run(load, check=True, capture_output=True)
    with aims_serve(tmp, token=TOKEN, env=ENV, args=["--store", str(tmp / "store")]) as server:
        yield server


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """The API in front of a real `oxigraph serve`, which would follow SERVICE itself: the check must hold."""
    with oxigraph_serve() as backend:
        args = ["--endpoint", backend.query, "--update-endpoint", backend.update]
        with aims_serve(tmp_path_factory.mktemp("remote"), token=TOKEN, env=ENV, args=args) as server:
            yield server


@pytest.fixture(params=["memory", "disk"])
def server(request: pytest.FixtureRequest) -> ApiServer:
    found: ApiServer = request.getfixturevalue(request.param)
    return found


def query(server: ApiServer, text: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    accept = {"Accept": "application/sparql-results+json"}
    if method == "GET":
        return call(server, "/sparql?" + urllib.parse.urlencode({"query": text}), headers=accept)
    return call(server, "/sparql", "POST", text.encode(), {**accept, "Content-Type": "application/sparql-query"})


def ask(server: ApiServer, text: str) -> bool:
    status, _, body = query(server, text)
    assert status == 200, body
    return bool(json.loads(body)["boolean"])


def graph_path(iri: str) -> str:
    return "/graphs?graph=" + urllib.parse.quote(iri, safe="")


def write(server: ApiServer, method: str, iri: str, body: bytes = b"", media: str = "text/turtle") -> int:
    headers = {**AUTH, "Content-Type": media} if body else AUTH
    return call(server, graph_path(iri), method, body or None, headers)[0]


# ---------------------------------------------------------------------------------------- 1. SERVICE


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("trick", range(len(TRICKS)))
@pytest.mark.parametrize("kind", ["memory", "disk", "remote"])
def test_service_tricks_are_refused(
    request: pytest.FixtureRequest, listener: HitCounter, kind: str, trick: int, method: str
) -> None:
    server: ApiServer = request.getfixturevalue(kind)
    status, _, body = query(server, TRICKS[trick].replace("{url}", listener.url), method)
    assert status == 400 and "SERVICE" in error_of(status, body)["message"]


def _connect_out(store: object, url: str) -> str:
    """Run inside a worker: try to reach the listener the way any code in the worker could."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError as exc:
        return f"refused: {exc}"
    return "connected"


def test_workers_cannot_open_connections_whatever_the_check_says(listener: HitCounter) -> None:
    """Past the text check (as if the parsers disagreed), the worker itself cannot reach the network."""
    store = ox.Store()
    pool = WorkerPool(store, None, size=1, timeout=10)
    try:
        query = f"SELECT * WHERE {{ SERVICE <{listener.url}/x> {{ ?a ?b ?c }} }}"
        with pytest.raises(UserInputError, match="not permitted"):
            pool.run(QueryJob(query))
        assert pool.run(TaskJob(_connect_out, (listener.url,))).startswith("refused")
        assert pool.run(QueryJob("ASK {}")) is not None  # the worker still answers
    finally:
        pool.close()


@pytest.mark.parametrize("trick", range(len(TRICKS)))
def test_shapes_with_service_are_refused(memory: ApiServer, listener: HitCounter, tmp_path: Path, trick: int) -> None:
    """A sh:sparql constraint with a tricked SERVICE, through /validate and through `validate --shapes`."""
    select = TRICKS[trick].replace("{url}", listener.url).replace("SELECT ?a", "SELECT $this").replace("*", "$this")
    shapes = f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:s:Shape> a sh:NodeShape ; sh:targetNode <urn:s:n> ;
  sh:sparql [ a sh:SPARQLConstraint ; sh:select \"\"\"{select}\"\"\" ] .
"""
    boundary = "attack-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="shapes"; filename="s.ttl"\r\n'
        f"Content-Type: text/turtle\r\n\r\n{shapes}\r\n--{boundary}--\r\n"
    ).encode()
    status, _, answer = call(
        memory, "/validate", "POST", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert status == 400, answer
    error_of(status, answer)

    from aims_graph.cli import main

    (tmp_path / "shapes.ttl").write_text(shapes)
    (tmp_path / "data.ttl").write_text("<urn:s:n> <urn:s:p> 1 .\n")
    assert main(["validate", str(tmp_path / "data.ttl"), "--shapes", str(tmp_path / "shapes.ttl")]) == 2


# ------------------------------------------------------------------------------- 2. reads during writes


@pytest.mark.slow
def test_no_read_fails_while_writes_run(server: ApiServer) -> None:
    """Readers see the graph before or after each write, never an error and never half of it."""
    iri = "https://example.org/attack/versions"
    versions = {
        size: "".join(f"<https://example.org/v/{size}/{i}> <https://example.org/p> {i} .\n" for i in range(size))
        for size in (100, 5000)
    }
    assert write(server, "PUT", iri, versions[100].encode()) in (201, 204)
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    seen: list[int] = []
    failures: list[tuple[int, bytes]] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            status, _, body = query(server, count)
            if status != 200:
                failures.append((status, body[:200]))
                continue
            seen.append(int(json.loads(body)["results"]["bindings"][0]["n"]["value"]))

    readers = [threading.Thread(target=reader) for _ in range(2)]  # the per-client limit is 3, the writer one
    for thread in readers:
        thread.start()
    try:
        for round_ in range(8):
            size = 5000 if round_ % 2 == 0 else 100
            assert write(server, "PUT", iri, versions[size].encode()) == 204
            time.sleep(0.3)
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert not failures, failures[:3]
    assert seen and set(seen) <= {100, 5000}, sorted(set(seen))
    assert {100, 5000} <= set(seen)


@pytest.mark.slow
def test_workers_forked_later_do_not_keep_client_connections_open(memory: ApiServer) -> None:
    """A kept-alive connection the server closes must reach the client as closed, even when query workers
    forked while it was open (they inherit the server's sockets); otherwise the client's next request on it
    waits forever. Found by the soak benchmark: a writer's PUT hung for minutes."""
    host, port = urllib.parse.urlsplit(memory.base).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        answer = client.makefile("rb")
        assert answer.readline().startswith(b"HTTP/1.1 200")
        headers = dict(line.decode().strip().lower().split(": ", 1) for line in iter(answer.readline, b"\r\n"))
        answer.read(int(headers["content-length"]))  # the whole answer, so nothing is left to read
        graph = "https://example.org/attack/fork"
        assert write(memory, "PUT", graph, b"<urn:a> <urn:b> <urn:c> .") in (201, 204)  # new workers fork now
        time.sleep(6)  # past uvicorn's keep-alive timeout (5 s): the server closes the connection
        client.settimeout(3)
        assert answer.read(1) == b"", "the connection stayed open after the server closed it"
    assert write(memory, "DELETE", graph) == 204


# ------------------------------------------------------------------------------------ 3. /validate


@pytest.mark.parametrize("kind", ["memory", "remote"])
def test_validation_is_stopped_by_the_time_limit(request: pytest.FixtureRequest, kind: str) -> None:
    """pyshacl on a posted graph big enough to run past the limit: stopped, in a worker, leaving no CPU."""
    memory: ApiServer = request.getfixturevalue(kind)
    systems = "".join(f"<https://example.org/sys/{i}> <{RDF_TYPE}> <{AIMS}AISystem> .\n" for i in range(20000))
    started = time.monotonic()
    status, _, body = call(
        memory, "/validate?engine=pyshacl", "POST", systems.encode(), {"Content-Type": "application/n-triples"}
    )
    assert status == 503 and "stopped" in error_of(status, body)["message"], body
    assert time.monotonic() - started < 6
    assert busy_children(memory) == 0
    assert call(memory, "/health")[0] == 200


def test_a_huge_literal_in_validate_is_bounded(memory: ApiServer) -> None:
    literal = b"x" * (15 * 1024 * 1024)
    data = b'<https://example.org/a> <http://www.w3.org/2000/01/rdf-schema#label> "' + literal + b'" .\n'
    started = time.monotonic()
    status, _, body = call(memory, "/validate", "POST", data, {"Content-Type": "text/turtle"})
    assert status in (200, 503), body[:300]
    assert time.monotonic() - started < 8
    assert busy_children(memory) == 0


# ------------------------------------------------------------------------------------ 4. bounded waits


@pytest.mark.slow
def test_waiting_for_a_worker_counts_against_the_limit(memory: ApiServer) -> None:
    """Both workers busy with runaway queries: a trivial ASK is answered within the time limit."""
    runaways = [threading.Thread(target=query, args=(memory, HEAVY)) for _ in range(2)]
    for thread in runaways:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    status, headers, body = query(memory, "ASK {}")
    elapsed = time.monotonic() - started
    for thread in runaways:
        thread.join()
    assert elapsed < 2 + 1.0, elapsed
    assert status == 200 or (status == 503 and "retry-after" in {k.lower() for k in headers}), (status, body)


@pytest.mark.slow
def test_too_many_expensive_requests_from_one_client_get_429(memory: ApiServer) -> None:
    answers: list[int] = []
    runaways = [threading.Thread(target=lambda: answers.append(query(memory, HEAVY)[0])) for _ in range(3)]
    for thread in runaways:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    status, headers, body = query(memory, "ASK {}")
    assert time.monotonic() - started < 0.5
    for thread in runaways:
        thread.join()
    assert status == 429 and {k.lower(): v for k, v in headers.items()}.get("retry-after") == "1"
    error_of(status, body)
    assert call(memory, "/health")[0] == 200


# ------------------------------------------------------------------------------------- 5. no orphans


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendants_of(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        children = children_of(pending.pop())
        found += children
        pending += children
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("on_disk", [False, True])
def test_workers_die_with_the_server(tmp_path: Path, on_disk: bool) -> None:
    args = ["--store", str(tmp_path / "store")] if on_disk else []
    with aims_serve(tmp_path, token=TOKEN, env=ENV, args=args) as server:
        assert write(server, "PUT", "https://example.org/attack/g", b"<urn:a> <urn:b> <urn:c> .") == 201
        workers = descendants_of(server.process.pid)  # on disk, workers are children of a fork server
        assert len(workers) >= 2
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if alive(pid)], "query workers outlived the server"


# ---------------------------------------------------------------------------- 6, 7. graphs and writes


def test_json_ld_body_cannot_leave_its_target_graph(server: ApiServer) -> None:
    ontology = GRAPH_BASE + "ontology"
    target = "https://example.org/attack/g1"
    body = json.dumps(
        {"@id": ontology, "@graph": [{"@id": "https://example.org/attack/x", "https://example.org/p": "v"}]}
    ).encode()
    for method in ("POST", "PUT"):
        assert write(server, method, target, body, "application/ld+json") in (201, 204)
        assert not ask(server, f"ASK {{ GRAPH <{ontology}> {{ <https://example.org/attack/x> ?p ?o }} }}")
        assert ask(server, f"ASK {{ GRAPH <{target}> {{ <https://example.org/attack/x> ?p ?o }} }}")
    assert write(server, "DELETE", target) == 204


@pytest.mark.parametrize(
    "graph",
    [
        "urn:aims-graph:loading",
        "urn:aims-graph:state",
        GRAPH_BASE + "ontology",
        GRAPH_BASE + "catalogue",
        GRAPH_BASE + "crosswalks",
        GRAPH_BASE + "shapes",
    ],
)
def test_reserved_graphs_refuse_writes(server: ApiServer, graph: str) -> None:
    before = call(server, "/graphs")[2]
    for method in ("PUT", "POST", "DELETE"):
        body = b"<https://example.org/a> <https://example.org/b> <https://example.org/c> ."
        status, _, answer = call(
            server,
            graph_path(graph),
            method,
            body if method != "DELETE" else None,
            {**AUTH, "Content-Type": "text/turtle"},
        )
        assert status == 403, (method, status)
        error_of(status, answer)
    assert call(server, "/graphs")[2] == before


# ------------------------------------------------------------------------------------- 8. no 500s


@pytest.mark.parametrize("path", ["/graphs-put", "/graphs-post", "/validate"])
def test_a_literal_over_16_mib_is_a_413(memory: ApiServer, path: str) -> None:
    data = b'<https://example.org/a> <https://example.org/b> "' + b"x" * (17 * 1024 * 1024) + b'" .\n'
    headers = {**AUTH, "Content-Type": "text/turtle"}
    if path == "/validate":
        status, _, body = call(memory, "/validate", "POST", data, headers)
    else:
        method = path.rsplit("-", 1)[1].upper()
        status, _, body = call(memory, graph_path("https://example.org/attack/big"), method, data, headers)
    assert status == 413, body[:300]
    error_of(status, body)


@pytest.mark.parametrize(
    "path",
    ["/foo%20bar", "/resource?iri=", "/resource?iri=x%20y", "/iso42001/%3Cscript%3E", "/resource?iri=%3Ca%3E"],
)
@pytest.mark.parametrize("accept", ["text/turtle", "text/html"])
def test_invalid_iris_are_4xx_json(memory: ApiServer, path: str, accept: str) -> None:
    status, _, body = call(memory, path, headers={"Accept": accept})
    assert 400 <= status < 500, (status, body[:200])
    error_of(status, body)


@pytest.mark.parametrize(
    "query,media,body",
    [
        ("engine=nope", "text/turtle", b"<urn:a> <urn:b> <urn:c> ."),
        ("", "application/x-nonsense", b"<urn:a> <urn:b> <urn:c> ."),
        ("", "text/turtle", b"<urn:a> <urn:b> ."),
        ("", "application/rdf+xml", b'<!DOCTYPE x [<!ENTITY a "b">]><x/>'),
        ("", "multipart/form-data; boundary=zz", b"--zz--\r\n"),
        ("", "multipart/form-data", b"garbage"),
    ],
)
def test_bad_validate_requests_are_4xx_json(memory: ApiServer, query: str, media: str, body: bytes) -> None:
    status, _, answer = call(memory, "/validate?" + query, "POST", body, {"Content-Type": media})
    if status == 200:  # an empty multipart form validates the store
        assert media.startswith("multipart") and "conforms" in json.loads(answer)
        return
    error_of(status, answer)


def test_multipart_validate_works(memory: ApiServer) -> None:
    boundary = "b0undary"
    data = (EXAMPLES / "gaps-org.ttl").read_text()
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"; filename="gaps.ttl"\r\n'
        f"Content-Type: text/turtle\r\n\r\n{data}\r\n--{boundary}--\r\n"
    ).encode()
    status, _, answer = call(
        memory, "/validate", "POST", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert status == 200, answer[:300]
    assert json.loads(answer)["conforms"] is False


# ---------------------------------------------------------------------------------- 10. formula cells

FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://127.0.0.1:9/x","open")', "+1+1", "-2+3", "@SUM(1)"]


def formula_data() -> bytes:
    lines = []
    for number, text in enumerate(FORMULAS):
        risk, treatment = f"<https://example.org/attack/risk{number}>", f"<https://example.org/attack/t{number}>"
        label = json.dumps(text)
        lines += [
            f"{risk} a <{AIMS}Risk> ; <http://www.w3.org/2000/01/rdf-schema#label> {label} ;",
            f"  <{AIMS}riskLevel> 9 ; <{AIMS}treatmentDecision> <{AIMS}Modify> .",
            f"{treatment} a <{AIMS}RiskTreatment> ; <{AIMS}treats> {risk} ;",
            f"  <{AIMS}appliesControl> <https://w3id.org/aims-graph/iso42001/A-6-2-4> .",
        ]
    return "\n".join(lines).encode()


@pytest.mark.parametrize("kind", ["risks", "trace"])
def test_report_cells_are_never_formulas(memory: ApiServer, kind: str) -> None:
    assert write(memory, "PUT", "https://example.org/attack/formulas", formula_data()) in (201, 204)
    try:
        status, _, body = call(memory, f"/reports/{kind}?format=xlsx")
        assert status == 200
        book = openpyxl.load_workbook(io.BytesIO(body))
        texts = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                    texts.append(str(cell.value))
        assert any(text == FORMULAS[0] for text in texts)  # kept as text, not dropped
        status, _, body = call(memory, f"/reports/{kind}?format=csv")
        if status == 200:
            for row in csv.reader(io.StringIO(body.decode())):
                assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
            assert "'" + FORMULAS[0] in body.decode()
    finally:
        assert write(memory, "DELETE", "https://example.org/attack/formulas") == 204


# ---------------------------------------------------------------------------------- 11. headers


@pytest.mark.parametrize("path", ["/", "/sparql", "/iso42001/A-6-2-4", "/docs"])
def test_html_pages_carry_the_security_headers(memory: ApiServer, path: str) -> None:
    status, headers, _ = call(memory, path, headers={"Accept": "text/html"})
    lower = {k.lower(): v for k, v in headers.items()}
    assert status == 200 and lower["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in lower["content-security-policy"]
    assert lower["x-content-type-options"] == "nosniff"
    assert lower["x-frame-options"] == "DENY"
