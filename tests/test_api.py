"""The HTTP API against a live uvicorn server on loopback: protocol, formats and security defaults."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from servers import ApiServer, HitCounter, aims_serve
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

TOKEN = "s3cret-token-for-tests-0123456789"
SKOS_NOTATION = URIRef("http://www.w3.org/2004/02/skos/core#notation")
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    env = {"AIMS_QUERY_TIMEOUT": "2", "AIMS_ROW_LIMIT": "2000", "AIMS_MAX_BODY_BYTES": "200000"}
    with aims_serve(tmp_path_factory.mktemp("api"), token=TOKEN, env=env) as server:
        yield server


def call(
    server: ApiServer,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(server.base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def sparql(server: ApiServer, query: str, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    status, _, body = call(server, "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept})
    return status, body


def error_of(status: int, body: bytes) -> dict[str, str]:
    assert 400 <= status < 500 or status == 503, status
    payload = json.loads(body)
    assert set(payload) == {"error", "message"}
    return payload  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------------- SPARQL protocol


def test_sparqlwrapper_select_in_json_xml_csv(api: ApiServer) -> None:
    query = "SELECT ?n WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n } ORDER BY ?n LIMIT 3"
    client = SPARQLWrapper(api.base + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]  # type: ignore[index,call-overload]
    assert len(rows) == 3
    client.setReturnFormat(XML)
    assert len(client.query().convert().getElementsByTagName("result")) == 3  # type: ignore[union-attr]
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines()[0] == "n"  # type: ignore[union-attr]


def test_sparqlwrapper_ask_and_construct(api: ApiServer) -> None:
    client = SPARQLWrapper(api.base + "/sparql")
    client.setQuery("ASK { ?s a <https://w3id.org/aims-graph/ontology#AISystem> }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True  # type: ignore[index,call-overload]
    client.setQuery(
        "CONSTRUCT { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n } WHERE "
        "{ ?c a <https://w3id.org/aims-graph/ontology#Control> ; "
        "<http://www.w3.org/2004/02/skos/core#notation> ?n }"
    )
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")  # type: ignore[arg-type]
    assert len(graph) >= 38


def test_post_form_and_direct(api: ApiServer) -> None:
    form = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    status, _, body = call(api, "/sparql", "POST", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = call(api, "/sparql", "POST", b"ASK {}", {"Content-Type": "application/sparql-query"})
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize(
    "accept,expected",
    [
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_select_formats_by_accept(api: ApiServer, accept: str, expected: str) -> None:
    status, headers, _ = call(
        api,
        "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201",
        headers={"Accept": accept},
    )
    assert status == 200 and headers["content-type"].startswith(expected)


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]
)
def test_construct_formats_by_accept(api: ApiServer, accept: str) -> None:
    status, headers, body = call(
        api,
        "/sparql?" + urllib.parse.urlencode({"query": "CONSTRUCT WHERE { ?s a ?t } LIMIT 5"}),
        headers={"Accept": accept},
    )
    assert status == 200 and headers["content-type"].startswith(accept)
    fmt = {
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
        "application/n-triples": "nt",
        "application/rdf+xml": "xml",
    }[accept]
    assert len(Graph().parse(data=body, format=fmt)) == 5


def test_406_for_what_it_cannot_produce(api: ApiServer) -> None:
    status, body = sparql(api, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", accept="image/png")
    assert error_of(status, body)["error"] == "NotAcceptableError" and status == 406


def test_service_description(api: ApiServer) -> None:
    status, _, body = call(api, "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and b"sparql-service-description" in body


def test_from_and_from_named_use_local_graphs(api: ApiServer) -> None:
    graphs = json.loads(call(api, "/graphs")[2])
    catalogue = next(g["graph"] for g in graphs if g["graph"].endswith("/catalogue"))
    status, body = sparql(api, f"SELECT (COUNT(*) AS ?n) FROM <{catalogue}> WHERE {{ ?c ?p ?o }}")
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 800
    status, body = sparql(api, f"SELECT DISTINCT ?g FROM NAMED <{catalogue}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]] == [catalogue]
    status, _, body = call(
        api,
        "/sparql?"
        + urllib.parse.urlencode(
            {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?c ?p ?o }", "default-graph-uri": catalogue}
        ),
    )
    assert status == 200 and int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) > 800


# ------------------------------------------------------------------------------------------- security


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }",
        "select * where { service silent <{url}/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o # comment\n SERVICE\n<{url}/x> { ?a ?b ?c } }",
    ],
)
def test_service_is_refused_and_nothing_is_fetched(api: ApiServer, query: str) -> None:
    with HitCounter() as listener:
        status, body = sparql(api, query.replace("{url}", listener.url))
        assert status == 400 and "SERVICE" in error_of(status, body)["message"]
        status, body = sparql(api, f"SELECT * FROM <{listener.url}/data.ttl> WHERE {{ ?s ?p ?o }}")
        assert status == 200 and json.loads(body)["results"]["bindings"] == []
        assert listener.hits == 0


def test_the_word_service_inside_strings_and_iris_is_fine(api: ApiServer) -> None:
    status, _ = sparql(api, 'SELECT * WHERE { ?s ?p "SERVICE" . ?s <https://example.org/SERVICE> ?o }')
    assert status == 200


@pytest.mark.parametrize(
    "text",
    [
        "LOAD <http://example.org/data.ttl>",
        "DROP ALL",
        "INSERT DATA { <https://e.org/a> <https://e.org/b> <https://e.org/c> }",
    ],
)
def test_updates_and_load_are_refused(api: ApiServer, text: str) -> None:
    status, body = sparql(api, text)
    assert status == 400
    error_of(status, body)
    form = urllib.parse.urlencode({"update": text}).encode()
    status, _, body = call(api, "/sparql", "POST", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    status, _, body = call(api, "/sparql", "POST", text.encode(), {"Content-Type": "application/sparql-update"})
    assert status == 400


def test_malformed_sparql_gets_400_with_position(api: ApiServer) -> None:
    status, body = sparql(api, "SELECT * WHERE { ?s ?p }")
    message = error_of(status, body)["message"]
    assert status == 400 and "1:" in message


def test_runaway_query_is_stopped(api: ApiServer) -> None:
    started = time.monotonic()
    status, body = sparql(api, HEAVY)
    assert status == 503 and "stopped" in error_of(status, body)["message"]
    assert time.monotonic() - started < 10
    assert busy_children(api) == 0, "a query worker is still using CPU after the time limit"
    status, _ = sparql(api, "ASK {}")
    assert status == 200


def busy_children(server: ApiServer) -> int:
    """How many child processes of the server used CPU in the last half second."""

    def cpu() -> dict[int, int]:
        times = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == server.process.pid:
                times[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
        return times

    before = cpu()
    time.sleep(0.5)
    after = cpu()
    return sum(1 for pid, used in after.items() if used - before.get(pid, used) > 5)


def test_row_cap(api: ApiServer) -> None:
    status, body = sparql(api, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 413 and "LIMIT" in error_of(status, body)["message"]


def test_large_answers_arrive_whole_to_many_clients_at_once(api: ApiServer) -> None:
    """Answers much larger than a pipe's buffer, more clients than query workers: the event loop waits for a
    free worker and reads each answer whole from its pipe."""
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1900"
    answers: list[tuple[int, bytes]] = []

    def client() -> None:
        for _ in range(3):
            answers.append(sparql(api, query))

    threads = [threading.Thread(target=client) for _ in range(4)]  # the per-client limit; two workers
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 12
    for status, body in answers:
        assert status == 200 and len(body) > 150_000
        assert len(json.loads(body)["results"]["bindings"]) == 1900


def test_slow_query_never_delays_health(api: ApiServer) -> None:
    worker = threading.Thread(target=sparql, args=(api, HEAVY))
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    status, _, body = call(api, "/health")
    elapsed = time.monotonic() - started
    worker.join()
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert elapsed < 0.5


def test_body_over_the_limit_gets_413(api: ApiServer) -> None:
    status, _, body = call(api, "/sparql", "POST", b"#" * 300_000, {"Content-Type": "application/sparql-query"})
    assert status == 413
    error_of(status, body)


TURTLE_BODY = b"<https://example.org/t/a> <https://example.org/t/p> <https://example.org/t/b> .\n"
GRAPH = "/graphs?graph=" + urllib.parse.quote("https://example.org/t/g", safe="")


def test_writes_need_the_token(api: ApiServer) -> None:
    headers = {"Content-Type": "text/turtle"}
    status, _, body = call(api, GRAPH, "PUT", TURTLE_BODY, headers)
    assert status == 401 and error_of(status, body)
    status, _, body = call(api, GRAPH, "PUT", TURTLE_BODY, {**headers, "Authorization": "Bearer wrong-token-xyz"})
    assert status == 403 and error_of(status, body)
    assert call(api, GRAPH)[0] == 404, "a refused write changed nothing"


def test_graph_store_protocol_round_trip(api: ApiServer) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert call(api, GRAPH, "PUT", TURTLE_BODY, {**auth, "Content-Type": "text/turtle"})[0] == 201
    more = b"<https://example.org/t/a> <https://example.org/t/p> <https://example.org/t/c> .\n"
    assert call(api, GRAPH, "POST", more, {**auth, "Content-Type": "application/n-triples"})[0] == 204
    status, _, body = call(api, GRAPH, headers={"Accept": "application/n-triples"})
    assert status == 200 and len(Graph().parse(data=body, format="nt")) == 2
    status, body = sparql(api, "ASK { <https://example.org/t/a> <https://example.org/t/p> <https://example.org/t/c> }")
    assert json.loads(body)["boolean"] is True, "queries see the write"
    assert call(api, GRAPH, "PUT", TURTLE_BODY, {**auth, "Content-Type": "text/turtle"})[0] == 204
    assert len(Graph().parse(data=call(api, GRAPH, headers={"Accept": "text/turtle"})[2], format="turtle")) == 1
    assert call(api, GRAPH, "DELETE", headers=auth)[0] == 204
    assert call(api, GRAPH)[0] == 404


def test_bad_writes_change_nothing(api: ApiServer) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    )
    status, _, body = call(api, GRAPH, "PUT", doctype, {**auth, "Content-Type": "application/rdf+xml"})
    assert status == 400 and "DOCTYPE" in error_of(status, body)["message"]
    status, _, body = call(api, GRAPH, "PUT", TURTLE_BODY + b"<a> <b> .", {**auth, "Content-Type": "text/turtle"})
    assert status == 400 and "line" in error_of(status, body)["message"]
    status, _, body = call(api, GRAPH, "PUT", TURTLE_BODY, {**auth, "Content-Type": "application/pdf"})
    assert status == 415
    assert call(api, GRAPH)[0] == 404


def test_writes_are_off_without_a_configured_token(tmp_path: Path) -> None:
    with aims_serve(tmp_path) as server:
        status, _, body = call(
            server,
            GRAPH,
            "PUT",
            TURTLE_BODY,
            {"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
        )
        assert status == 403 and "disabled" in error_of(status, body)["message"]


def test_cors_is_off_by_default(api: ApiServer) -> None:
    _, headers, _ = call(api, "/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in {k.lower() for k in headers}


# ------------------------------------------------------------------------------ queries and linked data


def test_named_queries(api: ApiServer) -> None:
    status, _, body = call(api, "/queries")
    names = {q["name"] for q in json.loads(body)}
    assert {"controls-for-risk", "statement-of-applicability"} <= names
    status, _, body = call(api, "/queries/statement-of-applicability")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 38
    status, _, body = call(api, "/queries/risks-for-control?control=A.6.2.4", headers={"Accept": "text/csv"})
    assert status == 200 and body.decode().startswith("control,risk")
    status, _, body = call(api, "/queries/risks-for-control?contrl=A.6.2.4")
    assert status == 400 and "control (iri)" in error_of(status, body)["message"]
    status, _, body = call(api, "/queries/nope")
    assert status == 404 and "controls-for-risk" in error_of(status, body)["message"]
    status, _, body = call(
        api, "/queries/controls-for-risk?" + urllib.parse.urlencode({"risk": "x> } ; DROP ALL ; <y"})
    )
    assert status == 400


def test_rdflib_dereferences_catalogue_iris(api: ApiServer) -> None:
    graph = Graph().parse(api.base + "/iso42001/A-6-2-4")
    assert (URIRef("https://w3id.org/aims-graph/iso42001/A-6-2-4"), SKOS_NOTATION, None) in graph
    dotted = Graph().parse(api.base + "/iso42001/A.6.2.4")
    assert len(dotted) == len(graph)


def test_ontology_and_shapes_by_negotiation(api: ApiServer) -> None:
    for path in ("/ontology", "/shapes"):
        status, headers, body = call(api, path, headers={"Accept": "application/n-triples"})
        assert status == 200 and headers["content-type"].startswith("application/n-triples")
        assert len(Graph().parse(data=body, format="nt")) > 50


def test_validate_the_store_and_an_upload(api: ApiServer) -> None:
    status, _, body = call(api, "/validate")
    assert status == 200 and json.loads(body)["conforms"] is True
    upload = Path(__file__).resolve().parents[1] / "examples" / "gaps-org.ttl"
    status, _, body = call(api, "/validate", "POST", upload.read_bytes(), {"Content-Type": "text/turtle"})
    report = json.loads(body)
    assert status == 200 and report["conforms"] is False and report["results"]
    status, _, body = call(
        api,
        "/validate",
        "POST",
        upload.read_bytes(),
        {"Content-Type": "text/turtle", "Accept": "text/turtle"},
    )
    assert b"ValidationReport" in body


def test_unknown_resource_is_404_json(api: ApiServer) -> None:
    status, _, body = call(api, "/iso42001/Z-9", headers={"Accept": "text/turtle"})
    assert status == 404
    error_of(status, body)


def test_openapi(api: ApiServer) -> None:
    status, _, body = call(api, "/openapi.json")
    assert status == 200 and "/sparql" in json.loads(body)["paths"]


def test_docs_page_needs_no_cdn(api: ApiServer) -> None:
    status, _, body = call(api, "/docs", headers={"Accept": "text/html"})
    page = body.decode()
    assert status == 200 and "/sparql" in page and "/graphs" in page
    assert "cdn" not in page.lower() and "<script" not in page.lower()


def test_on_disk_store_reads_and_writes(tmp_path: Path) -> None:
    from aims_graph.cli import main

    store = tmp_path / "store"
    assert (
        main(["load", "--store", str(store), str(Path(__file__).resolve().parents[1] / "examples" / "gaps-org.ttl")])
        == 0
    )
    with aims_serve(tmp_path, token=TOKEN, env={"AIMS_QUERY_TIMEOUT": "2"}, args=["--store", str(store)]) as server:
        status, body = sparql(
            server, "SELECT (COUNT(*) AS ?n) WHERE { ?r a <https://w3id.org/aims-graph/ontology#Risk> }"
        )
        assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "10"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for _ in range(3):  # the workers are replaced after each write and must see it
            assert call(server, GRAPH, "PUT", TURTLE_BODY, {**auth, "Content-Type": "text/turtle"})[0] in (201, 204)
            status, body = sparql(server, "ASK { <https://example.org/t/a> ?p ?o }")
            assert json.loads(body)["boolean"] is True
            assert call(server, GRAPH, "DELETE", headers=auth)[0] == 204
            status, body = sparql(server, "ASK { <https://example.org/t/a> ?p ?o }")
            assert json.loads(body)["boolean"] is False
        status, body = sparql(server, HEAVY)
        assert status == 503, "the time limit also stops queries on an on-disk store"


@pytest.mark.parametrize(
    "kind,fmt,media",
    [
        ("soa", "html", "text/html"),
        ("soa", "md", "text/markdown"),
        ("risks", "csv", "text/csv"),
        ("trace", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("coverage", "svg", "image/svg+xml"),
        ("coverage", "png", "image/png"),
    ],
)
def test_report_routes(api: ApiServer, kind: str, fmt: str, media: str) -> None:
    status, headers, body = call(api, f"/reports/{kind}?format={fmt}")
    assert status == 200 and headers["content-type"].startswith(media)
    if fmt == "png":
        assert body.startswith(b"\x89PNG")
    if kind == "soa" and fmt == "md":
        assert body.decode().count("\n| A.") == 38


def test_soa_workbook_lists_every_control(api: ApiServer) -> None:
    import io

    from openpyxl import load_workbook

    status, _, body = call(api, "/reports/soa?format=xlsx")
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    controls = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert status == 200 and len(controls) == 38 and controls[0] == "A.2.2" and controls[-1] == "A.10.4"


def test_bad_report_requests(api: ApiServer) -> None:
    status, _, body = call(api, "/reports/soa?format=pdf")
    assert status == 400 and error_of(status, body)
    status, _, body = call(api, "/reports/nope")
    assert status == 400 and error_of(status, body)
