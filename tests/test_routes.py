"""Route logic in process: each route with the service injected through ``dependency_overrides``.

The service is a real one over a small organisation written for these tests; only HTTP and process
behaviour (killable workers, limits, streaming) is tested against a live server, in test_api.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aims_graph.api import create_app
from aims_graph.api.deps import get_service
from aims_graph.api.service import Service
from aims_graph.config import Settings

ORGANISATION = """\
@prefix aims: <https://w3id.org/aims-graph/ontology#> .
@prefix iso42001: <https://w3id.org/aims-graph/iso42001/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/tiny/> .

ex:chatbot a aims:AISystem ; rdfs:label "Tiny chatbot" .
ex:leak a aims:Risk ; rdfs:label "Prompt leaks customer data" ; aims:affectsSystem ex:chatbot ;
    aims:likelihood 4 ; aims:consequence 5 ; aims:riskLevel 20 ; aims:treatmentDecision aims:Modify .
ex:filter a aims:RiskTreatment ; rdfs:label "Output filter" ; aims:treats ex:leak ;
    aims:appliesControl iso42001:A-6-2-4 .
ex:unheeded a aims:Risk ; rdfs:label "Model drifts unnoticed" ; aims:affectsSystem ex:chatbot ;
    aims:riskLevel 12 .
ex:criteria a aims:RiskCriteria ; aims:acceptanceThreshold 8 .
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data = tmp_path_factory.mktemp("tiny") / "tiny.ttl"
    data.write_text(ORGANISATION, encoding="utf-8")
    service = Service(Settings(data=[data], workers=1))
    yield service
    service.close()


@pytest.fixture(scope="module")
def client(tiny: Service) -> Iterator[TestClient]:
    app = create_app(Settings(workers=1))
    app.dependency_overrides[get_service] = lambda: tiny
    with TestClient(app) as client:
        yield client


def test_named_query_answers_from_the_injected_service(client: TestClient) -> None:
    answer = client.get("/queries/controls-for-risk", params={"risk": "https://example.org/tiny/leak"})
    assert answer.status_code == 200
    rows = answer.json()["results"]["bindings"]
    assert [row["notation"]["value"] for row in rows] == ["A.6.2.4"]


def test_untreated_risks_name_only_the_untreated_one(client: TestClient) -> None:
    rows = client.get("/queries/untreated-risks").json()["results"]["bindings"]
    assert {row["risk"]["value"] for row in rows} == {"https://example.org/tiny/unheeded"}


def test_csv_answer_and_its_media_type(client: TestClient) -> None:
    answer = client.get("/queries/ai-systems", headers={"Accept": "text/csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.text)))
    assert any("Tiny chatbot" in cell for row in table[1:] for cell in row)


def test_search_finds_the_organisation_s_labels(client: TestClient) -> None:
    rows = client.get("/search", params={"q": "chatbot"}).json()["results"]["bindings"]
    assert any(row.get("label", {}).get("value") == "Tiny chatbot" for row in rows)


def test_search_without_text_is_a_400(client: TestClient) -> None:
    answer = client.get("/search")
    assert answer.status_code == 400 and answer.json()["error"] == "UserInputError"


def test_data_iris_dereference_from_the_injected_store(client: TestClient) -> None:
    answer = client.get("/resource", params={"iri": "https://example.org/tiny/leak"}, headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and "Prompt leaks customer data" in answer.text


def test_validation_route_reports_the_gaps(client: TestClient) -> None:
    report = client.get("/validate").json()
    assert report["conforms"] is False
    assert any(r["focus"] == "https://example.org/tiny/unheeded" for r in report["results"])


def test_writes_are_refused_without_a_configured_token(client: TestClient) -> None:
    answer = client.put(
        "/graphs", params={"graph": "https://example.org/g"}, content=b"", headers={"Content-Type": "text/turtle"}
    )
    assert answer.status_code == 403


def test_html_pages_carry_the_security_headers(client: TestClient) -> None:
    answer = client.get("/", headers={"Accept": "text/html"})
    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_report_route_writes_the_soa_as_csv(client: TestClient, tmp_path: Path) -> None:
    answer = client.get("/reports/soa", params={"format": "csv"})
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]


def test_writes_leave_a_trail_readers_can_query(tmp_path: Path) -> None:
    token = tmp_path / "token.txt"
    token.write_text("a-write-token-long-enough", encoding="utf-8")
    auth = {"Authorization": "Bearer a-write-token-long-enough", "Content-Type": "text/turtle"}
    graph = {"graph": "https://example.org/g1"}
    with TestClient(create_app(Settings(token_file=token, workers=1))) as client:
        assert (
            client.put("/graphs", params=graph, content=b"<urn:a> <urn:b> <urn:c>, <urn:d> .", headers=auth).status_code
            == 201
        )
        assert (
            client.post("/graphs", params=graph, content=b"<urn:a> <urn:b> <urn:e> .", headers=auth).status_code == 204
        )
        assert client.delete("/graphs", params=graph, headers=auth).status_code == 204
        trail = client.get(
            "/sparql",
            params={
                "query": "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX void: <http://rdfs.org/ns/void#> "
                "PREFIX dcterms: <http://purl.org/dc/terms/> "
                "SELECT ?action ?before ?after ?agent WHERE { GRAPH <https://w3id.org/aims-graph/graph/writes> { "
                "?a dcterms:type ?action ; prov:endedAtTime ?t ; prov:wasAssociatedWith ?agent ; "
                "prov:used/void:triples ?before ; prov:generated/void:triples ?after ; "
                "prov:used/prov:specializationOf <https://example.org/g1> } } ORDER BY ?t"
            },
            headers={"Accept": "application/sparql-results+json"},
        ).json()["results"]["bindings"]
        assert [(r["action"]["value"], int(r["before"]["value"]), int(r["after"]["value"])) for r in trail] == [
            ("PUT", 0, 2),
            ("POST", 2, 3),
            ("DELETE", 3, 0),
        ]
        assert "a-write-token" not in trail[0]["agent"]["value"]  # the token is named by a digest, never shown
        refused = client.put(
            "/graphs", params={"graph": "https://w3id.org/aims-graph/graph/writes"}, content=b"", headers=auth
        )
        assert refused.status_code == 403
