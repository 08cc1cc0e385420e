"""Diffs between audit cycles: golden answers on both examples after a scripted change set, on every store.

Each example is loaded, snapshotted, changed by ``tests/data/changes/<example>.ru`` (a re-rated risk, a
closed nonconformity, an expired piece of evidence, a new AI system and more), and the diff from the
snapshot to the current state is compared with ``tests/golden/diff/<example>.json`` and ``.ttl``.
Regenerate with AIMS_UPDATE_GOLDEN=1 after checking the change by hand.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic
from servers import oxigraph_serve

from aims_graph import resources
from aims_graph.api import create_app
from aims_graph.cli import main
from aims_graph.config import Settings
from aims_graph.errors import NotFoundError
from aims_graph.snapshots import create_snapshot
from aims_graph.snapshots.diff import Diff, diff
from aims_graph.snapshots.organisations import latest_snapshot_for
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs
from aims_graph.synthetic import write

CHANGES = Path(__file__).parent / "data" / "changes"
GOLDEN = Path(__file__).parent / "golden" / "diff"
UPDATE = os.environ.get("AIMS_UPDATE_GOLDEN") == "1"
EXAMPLES = ["conformant-org", "gaps-org"]

Any = OxigraphStore | SparqlEndpointStore


@pytest.fixture(scope="module")
def server_store() -> Iterator[SparqlEndpointStore]:
    with oxigraph_serve() as server:
        yield SparqlEndpointStore(server.query, server.update, server.store)


def changed(store: Any, example: str) -> Any:
    """The example snapshotted as ``before``, then changed by its scripted change set."""
    ensure_reference_graphs(store)
    store.load(resources.example_file(example))
    create_snapshot(store, "before", "test")
    store.update((CHANGES / f"{example}.ru").read_text(encoding="utf-8"))
    return store


@pytest.fixture(params=["embedded", "remote"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def store_of(kind: str, server: SparqlEndpointStore) -> Any:
    if kind == "embedded":
        return OxigraphStore()
    server.update("DROP ALL")
    return server


@pytest.mark.parametrize("example", EXAMPLES)
def test_golden_diff(kind: str, server_store: SparqlEndpointStore, example: str) -> None:
    store = changed(store_of(kind, server_store), example)
    result = diff(store, "before", "current")
    answer = result.to_json()
    golden = GOLDEN / f"{example}.json"
    graph = rdflib.Graph().parse(data=result.to_turtle(), format="turtle")
    if UPDATE and kind == "embedded":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(answer, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (GOLDEN / f"{example}.ttl").write_bytes(result.to_turtle())
        (GOLDEN / f"{example}.txt").write_text(result.to_text(), encoding="utf-8")
    assert answer == json.loads(golden.read_text(encoding="utf-8"))
    assert isomorphic(graph, rdflib.Graph().parse(GOLDEN / f"{example}.ttl"))
    assert result.to_text() == (GOLDEN / f"{example}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_change_set_is_found(example: str) -> None:
    """The four changes every change set makes, checked by meaning rather than against the golden file."""
    result = diff(changed(OxigraphStore(), example), "before")
    found = {(c.category, c.change) for c in result.changes}
    assert {
        ("risks", "re-rated"),
        ("nonconformities", "closed"),
        ("evidence", "expired"),
        ("systems", "added"),
    } <= found
    (rerated,) = [c for c in result.changes if c.change == "re-rated"]
    assert rerated.before is not None and rerated.after is not None
    assert rerated.before.value != rerated.after.value
    assert result.validation is not None
    assert any(
        v.change == "new" and v.result["shape"].endswith("ImplementedControlEvidenceCurrent") for v in result.validation
    )


def test_nothing_changed_is_an_empty_diff(kind: str, server_store: SparqlEndpointStore) -> None:
    store = store_of(kind, server_store)
    ensure_reference_graphs(store)
    store.load(resources.example_file("gaps-org"))
    create_snapshot(store, "before", "test")
    result = diff(store, "before", "current")
    assert result.changes == [] and result.validation == []
    assert "Changes from before to current: 0" in result.to_text()
    assert result.to_triples() == []


def test_the_diff_goes_both_ways() -> None:
    store = changed(OxigraphStore(), "gaps-org")
    create_snapshot(store, "after", "test")
    forward, backward = diff(store, "before", "after"), diff(store, "after", "before")
    pairs = {"added": "removed", "re-rated": "re-rated", "closed": "reopened"}
    for change in forward.changes:
        if change.change in pairs and change.category != "evidence":
            mirror = [c for c in backward.changes if c.item == change.item and c.change == pairs[change.change]]
            assert mirror, change
            assert (mirror[0].before, mirror[0].after) == (change.after, change.before) or change.change == "added"
    assert diff(store, "after", "current").changes == []


def test_unknown_labels_are_not_found() -> None:
    store = changed(OxigraphStore(), "gaps-org")
    with pytest.raises(NotFoundError):
        diff(store, "nope", "current")
    assert latest_snapshot_for(store, None) == "before"


def test_cli_diff_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "store"
    store = changed(OxigraphStore(directory), "gaps-org")
    store.close()
    del store
    assert main(["diff", "--store", str(directory)]) == 0
    text = capsys.readouterr().out
    assert text == (GOLDEN / "gaps-org.txt").read_text(encoding="utf-8")
    out = tmp_path / "diff.json"
    assert main(["diff", "before", "current", "--store", str(directory), "--format", "json", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads((GOLDEN / "gaps-org.json").read_text("utf-8"))
    assert main(["diff", "before", "--store", str(directory), "--format", "turtle", "--no-validation"]) == 0
    assert "cs:ChangeSet" in capsys.readouterr().out
    assert main(["diff", "nope", "--store", str(directory)]) == 2
    assert capsys.readouterr().err.startswith("aims-graph: error: no snapshot labelled 'nope'")


def test_diff_of_a_generated_organisation(tmp_path: Path) -> None:
    """Ids of the generator are stable, so a re-rating in a bigger graph is found as one change."""
    path = tmp_path / "org.ttl"
    write(path, 20, 7)
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(path)
    create_snapshot(store, "before", "test")
    graph = "https://w3id.org/aims-graph/graph/file/org.ttl"
    store.update(
        f"PREFIX aims: <https://w3id.org/aims-graph/ontology#> DELETE {{ GRAPH <{graph}> {{ ?r aims:riskLevel ?l }} }}"
        f" INSERT {{ GRAPH <{graph}> {{ ?r aims:riskLevel 25 }} }}"
        f" WHERE {{ {{ SELECT ?r ?l WHERE {{ GRAPH <{graph}> {{ ?r aims:riskLevel ?l }} FILTER (?l != 25) }}"
        " ORDER BY ?r LIMIT 1 } }"
    )
    result: Diff = diff(store, "before", validation=False)
    assert [(c.category, c.change) for c in result.changes] == [("risks", "re-rated")]


# ----------------------------------------------------------------------------------------------------- API


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API over an on-disk store that holds gaps-org, a snapshot of it and the changes since."""
    directory = tmp_path_factory.mktemp("api") / "store"
    store = changed(OxigraphStore(directory), "gaps-org")
    store.close()
    del store
    with TestClient(create_app(Settings(store=directory, workers=1))) as test_client:
        yield test_client


def test_api_diff_in_json_turtle_and_html(client: TestClient) -> None:
    answer = client.get("/diff", params={"from": "before", "to": "current"}, headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json() == json.loads((GOLDEN / "gaps-org.json").read_text("utf-8"))
    turtle = client.get("/diff", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert isomorphic(
        rdflib.Graph().parse(data=turtle.text, format="turtle"), rdflib.Graph().parse(GOLDEN / "gaps-org.ttl")
    )
    page = client.get("/diff", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Since before: what changed up to current" in page.text
    assert "re-rated: Prioritiser sends repeated contacts" in page.text
    assert "<script" not in page.text


def test_api_lists_snapshots_and_refuses_unknown_labels(client: TestClient) -> None:
    assert [s["label"] for s in client.get("/snapshots").json()] == ["before"]
    answer = client.get("/diff", params={"from": "nope"})
    assert answer.status_code == 404 and "no snapshot labelled" in answer.json()["message"]
    assert client.get("/diff", params={"from": "bad label"}).status_code == 400
    assert client.get("/diff", headers={"Accept": "image/png"}).status_code == 406


def test_api_named_query_as_of_a_snapshot(client: TestClient) -> None:
    def level(params: dict[str, str]) -> str:
        rows = client.get("/queries/risk-register", params=params, headers={"Accept": "application/json"}).json()
        (found,) = [b for b in rows["results"]["bindings"] if b["risk"]["value"].endswith("/risk-05")]
        return str(found["level"]["value"])

    assert level({}) == "6"
    assert level({"as_of": "before"}) == "12"
    assert client.get("/queries/risk-register", params={"as_of": "nope"}).status_code == 404
    html = client.get("/queries/risk-register", params={"as_of": "before"}, headers={"Accept": "text/html"})
    assert html.status_code == 200


def test_api_validates_as_of_a_snapshot(client: TestClient) -> None:
    def shapes(params: dict[str, str]) -> set[str]:
        answer = client.get("/validate", params={"engine": "sparql", **params}, headers={"Accept": "application/json"})
        assert answer.status_code == 200
        return {(r["shape"].rsplit("#", 1)[-1], r["focus"].rsplit("/", 1)[-1]) for r in answer.json()["results"]}

    before, now = shapes({"as_of": "before"}), shapes({})
    assert ("RiskTreated", "risk-05") in before - now
    assert ("AISystemOwner", "sys-affordability") in now - before
    assert client.get("/validate", params={"as_of": "nope"}).status_code == 404


def test_the_home_page_switches_between_snapshots(client: TestClient) -> None:
    """The web view lists the snapshots, shows the records as of one (tiles, links), and links to the diff
    since the last one."""

    def tiles(page: str) -> dict[str, str]:
        return {name.strip(): value for value, name in re.findall(r'<span class="num">([^<]*)</span>([^<]*)</a>', page)}

    html = {"Accept": "text/html"}
    now = client.get("/", headers=html).text
    then = client.get("/", params={"as_of": "before"}, headers=html).text
    assert "Records as of" in now and 'href="/?as_of=before"' in now
    assert 'href="/diff?from=before"' in now
    assert "as of before" in then and 'href="/reports/risks?format=html&amp;as_of=before"' in then
    assert tiles(now)["AI systems"] == "6" and tiles(then)["AI systems"] == "5"  # the change set adds one
    assert tiles(now)["Open nonconformities"] != tiles(then)["Open nonconformities"]
    assert client.get("/", params={"as_of": "nope"}, headers=html).status_code == 404
