"""The W3C SPARQL 1.1 Protocol (query side) and Graph Store Protocol (indirect identification), one test per
behaviour the suites check, in process."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from aims_graph.api.app import create_app
from aims_graph.api.routes.graph_store import DEFAULT_GRAPH, POSTED_BASE
from aims_graph.config import Settings

TOKEN = "protocol-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EX = "https://example.org/p/"
TURTLE = f"<{EX}a> <{EX}p> <{EX}b> .\n".encode()
MORE = f"<{EX}a> <{EX}p> <{EX}c> .\n".encode()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    token = tmp_path_factory.mktemp("protocol") / "token"
    token.write_text(TOKEN)
    with TestClient(create_app(Settings(token_file=token, workers=1))) as client:
        yield client


def ask(client: TestClient, query: str) -> bool:
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


def triples(body: bytes) -> int:
    return len(Graph().parse(data=body, format="nt"))


def error(answer: object, status: int) -> str:
    assert getattr(answer, "status_code", None) == status, getattr(answer, "text", "")
    message = json.loads(getattr(answer, "content", b"{}"))["message"]
    assert isinstance(message, str) and "\n" not in message
    return message


# ------------------------------------------------------------------ SPARQL 1.1 Protocol, query side


def test_two_query_parameters_are_refused(client: TestClient) -> None:
    both = "query=ASK%7B%7D&query=ASK%7B%7D"
    assert "one 'query'" in error(client.get("/sparql?" + both), 400)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert "one 'query'" in error(client.post("/sparql", content=both, headers=form), 400)


def test_a_query_with_another_method_or_media_type_is_refused(client: TestClient) -> None:
    assert client.put("/sparql?query=ASK%7B%7D").status_code == 405
    assert client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.post("/sparql", content=b"query=ASK%20%7B%7D").status_code == 415, "a form needs its type"
    utf16 = "ASK {}".encode("utf-16")
    error(client.post("/sparql", content=utf16, headers={"Content-Type": "application/sparql-query"}), 400)


def test_a_query_in_the_url_of_a_post_is_refused(client: TestClient) -> None:
    answer = client.post(
        "/sparql?query=ASK%7B%7D", content=b"ASK {}", headers={"Content-Type": "application/sparql-query"}
    )
    error(answer, 400)


def test_an_update_sent_with_get_is_refused(client: TestClient) -> None:
    update = urllib.parse.quote("INSERT DATA { <a:b> <a:c> <a:d> }")
    assert "read-only" in error(client.get("/sparql?update=" + update), 400)
    assert not ask(client, "ASK { <a:b> <a:c> <a:d> }")


def test_relative_iris_resolve_against_the_endpoint(client: TestClient) -> None:
    answer = client.get(
        "/sparql",
        params={"query": "SELECT ?x WHERE { BIND (<thing/a> AS ?x) }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["bindings"][0]["x"]["value"] == "http://testserver/thing/a"


def test_a_querys_own_base_wins(client: TestClient) -> None:
    query = "BASE <https://example.org/base/>\nSELECT ?x WHERE { BIND (<a> AS ?x) }"
    answer = client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert answer.status_code == 200, answer.text
    assert b"https://example.org/base/a" in answer.content


def test_a_syntax_error_keeps_its_line_number(client: TestClient) -> None:
    message = error(client.get("/sparql", params={"query": "SELECT *\nWHERE { ?s ?p }"}), 400)
    assert "2" in message


def test_a_syntax_error_on_the_first_line_points_at_the_clients_column(client: TestClient) -> None:
    message = error(client.get("/sparql", params={"query": "ASK {"}), 400)  # a long, multi-line parser message
    assert "at 1:6:" in message, "the column in the query as sent, not in the query with our BASE in front"


def test_a_body_that_is_not_utf8_is_refused(client: TestClient) -> None:
    raw = {"Content-Type": "application/sparql-query"}
    assert "UTF-8" in error(client.post("/sparql", content=b"ASK { <a:\xff> ?p ?o }", headers=raw), 400)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert "UTF-8" in error(client.post("/sparql", content=b"query=ASK%20%7B%FF%7D", headers=form), 400)
    assert "UTF-8" in error(client.get("/sparql?query=ASK%20%7B%FF%7D"), 400)


def test_the_service_description_documents_base_and_default_graph(client: TestClient) -> None:
    answer = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert answer.status_code == 200
    assert "resolve against http://testserver/sparql" in answer.text and DEFAULT_GRAPH in answer.text


# ------------------------------------------------------------------ Graph Store Protocol, indirect identification


def test_default_graph_put_get_post_delete(client: TestClient) -> None:
    nt = {**AUTH, "Content-Type": "application/n-triples"}
    assert client.get("/graphs?default", headers={"Accept": "application/n-triples"}).status_code == 200
    assert (
        client.put("/graphs?default", content=TURTLE, headers={**AUTH, "Content-Type": "text/turtle"}).status_code
        == 204
    )
    got = client.get("/graphs?default", headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and triples(got.content) == 1
    assert client.post("/graphs?default", content=MORE, headers=nt).status_code == 204
    assert triples(client.get("/graphs?default", headers={"Accept": "application/n-triples"}).content) == 2
    assert ask(client, f"ASK {{ GRAPH <{DEFAULT_GRAPH}> {{ <{EX}a> <{EX}p> <{EX}c> }} }}")
    assert ask(client, f"ASK {{ <{EX}a> <{EX}p> <{EX}c> }}"), "queries see it in the union"
    assert client.delete("/graphs?default", headers=AUTH).status_code == 204
    assert triples(client.get("/graphs?default", headers={"Accept": "application/n-triples"}).content) == 0
    assert client.delete("/graphs?default", headers=AUTH).status_code == 204, "deleting it again is no error"


def test_post_to_the_store_creates_a_graph_with_a_location(client: TestClient) -> None:
    answer = client.post("/graphs", content=TURTLE, headers={**AUTH, "Content-Type": "text/turtle"})
    assert answer.status_code == 201
    location = answer.headers["location"]
    assert location.startswith(POSTED_BASE), "the Location is the new graph's IRI"
    got = client.get(
        "/graphs?graph=" + urllib.parse.quote(location, safe=""), headers={"Accept": "application/n-triples"}
    )
    assert got.status_code == 200 and triples(got.content) == 1
    again = client.post("/graphs", content=TURTLE, headers={**AUTH, "Content-Type": "text/turtle"})
    assert again.headers["location"] != location, "each POST makes its own graph"


def test_post_to_the_store_needs_the_token(client: TestClient) -> None:
    assert client.post("/graphs", content=TURTLE, headers={"Content-Type": "text/turtle"}).status_code == 401


def test_head_answers_headers_only(client: TestClient) -> None:
    graph = "/graphs?graph=" + urllib.parse.quote(EX + "head", safe="")
    assert client.head(graph).status_code == 404
    client.put(graph, content=TURTLE, headers={**AUTH, "Content-Type": "text/turtle"})
    head = client.head(graph, headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/turtle")
    assert int(head.headers["content-length"]) > 0 and head.content == b""


def multipart(parts: list[tuple[str, bytes, str | None]]) -> tuple[bytes, str]:
    boundary = "aims-graph-boundary-42"
    body = b""
    for name, data, media in parts:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'.encode()
        if media is not None:
            body += f"Content-Type: {media}\r\n".encode()
        body += b"\r\n" + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_multipart_post_adds_each_part(client: TestClient) -> None:
    graph = "/graphs?graph=" + urllib.parse.quote(EX + "multi", safe="")
    body, media = multipart(
        [
            ("one.ttl", b"@prefix ex: <https://example.org/p/> . ex:m ex:p [ ex:q 1 ] .", "text/turtle"),
            ("two.nt", MORE, None),  # the format from the file name
        ]
    )
    assert client.post(graph, content=body, headers={**AUTH, "Content-Type": media}).status_code == 201
    assert triples(client.get(graph, headers={"Accept": "application/n-triples"}).content) == 3


def test_multipart_with_a_bad_part_adds_nothing(client: TestClient) -> None:
    graph = "/graphs?graph=" + urllib.parse.quote(EX + "multi-bad", safe="")
    body, media = multipart([("one.ttl", TURTLE, "text/turtle"), ("two.ttl", b"<a> <b> .", "text/turtle")])
    error(client.post(graph, content=body, headers={**AUTH, "Content-Type": media}), 400)
    assert client.get(graph).status_code == 404


def test_named_graph_round_trip_still_answers_201_then_204(client: TestClient, tmp_path: Path) -> None:
    graph = "/graphs?graph=" + urllib.parse.quote(EX + "named", safe="")
    assert client.put(graph, content=TURTLE, headers={**AUTH, "Content-Type": "text/turtle"}).status_code == 201
    assert client.put(graph, content=TURTLE, headers={**AUTH, "Content-Type": "text/turtle"}).status_code == 204
    assert client.delete(graph, headers=AUTH).status_code == 204
    assert client.delete(graph, headers=AUTH).status_code == 404
