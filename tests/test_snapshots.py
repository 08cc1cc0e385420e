"""Snapshots: made in the store, described with DCAT and PROV-O, never changed, invisible to the current state."""

from __future__ import annotations

import datetime
import gc
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from servers import oxigraph_serve

from aims_graph import resources
from aims_graph.answers import Rows
from aims_graph.api import create_app
from aims_graph.cli import main
from aims_graph.config import Settings
from aims_graph.errors import ImmutableGraphError, NotFoundError, UserInputError
from aims_graph.namespaces import SNAPSHOTS_GRAPH
from aims_graph.queries import run_query
from aims_graph.snapshots import (
    GraphView,
    create_snapshot,
    dataset_graphs,
    drop_snapshot,
    list_snapshots,
    organisation_graphs,
    refuse_snapshot_write,
)
from aims_graph.snapshots.store import all_graphs, reference_graphs, snapshot_copies
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs, store_as_rdflib

CHANGES = Path(__file__).parent / "data" / "changes"
EXAMPLE_GRAPH = "https://w3id.org/aims-graph/graph/file/conformant-org.ttl"
TOKEN = "s3cret-token-for-tests-0123456789"
WHEN = datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC)

Any = OxigraphStore | SparqlEndpointStore


def with_example(store: Any, name: str = "conformant-org") -> Any:
    ensure_reference_graphs(store)
    store.load(resources.example_file(name))
    return store


@pytest.fixture
def embedded() -> OxigraphStore:
    store = with_example(OxigraphStore())
    assert isinstance(store, OxigraphStore)
    return store


@pytest.fixture(scope="module")
def server_store() -> Iterator[SparqlEndpointStore]:
    """A server of its own: snapshots are store-wide and would show in other modules' shared server."""
    with oxigraph_serve() as server:
        yield SparqlEndpointStore(server.query, server.update, server.store)


@pytest.fixture(params=["embedded", "remote"])
def store(request: pytest.FixtureRequest, server_store: SparqlEndpointStore) -> Iterator[Any]:
    if request.param == "embedded":
        yield with_example(OxigraphStore())
        return
    server_store.update("DROP ALL")
    yield with_example(server_store)
    server_store.update("DROP ALL")


def triples_of(store: Any, graph: str) -> set[ox.Triple]:
    answer = store.query(resources.internal_query("ld/graph-content.rq"), default_graphs=[graph])
    return set(answer.triples)  # type: ignore[union-attr]


def levels(store: Any, risk: str) -> list[str]:
    rows = run_query(store, "risk-register")
    return [r["level"].value for r in rows.dicts() if r["risk"].value == risk]


# ------------------------------------------------------------------------------------------ create, list, drop


def test_reference_graphs_are_named_as_the_store_names_them(embedded: OxigraphStore) -> None:
    assert set(all_graphs(embedded)) - reference_graphs() == {EXAMPLE_GRAPH}
    assert organisation_graphs(embedded) == [EXAMPLE_GRAPH]


def test_a_snapshot_copies_the_organisation_graphs_and_nothing_else(store: Any) -> None:
    before = triples_of(store, EXAMPLE_GRAPH)
    snapshot = create_snapshot(store, "2026-surveillance", "Ada", note="Surveillance audit 1", now=WHEN)
    copies = snapshot_copies(store, snapshot)
    assert list(copies.values()) == [EXAMPLE_GRAPH]
    (copy,) = copies
    assert copy.startswith(snapshot.iri + "/")
    assert triples_of(store, copy) == before
    assert (snapshot.label, snapshot.by, snapshot.note) == ("2026-surveillance", "Ada", "Surveillance audit 1")
    assert snapshot.issued.startswith("2026-11-02T09:30:00")
    assert dataset_graphs(store, "2026-surveillance") == [copy]


def test_the_description_is_a_dcat_version_with_prov_provenance(store: Any) -> None:
    first = create_snapshot(store, "2025-certification", "Ada", now=WHEN - datetime.timedelta(days=365))
    second = create_snapshot(store, "2026-surveillance", "Grace", now=WHEN)
    meta = triples_of(store, SNAPSHOTS_GRAPH)

    def has(s: str, p: str, o: ox.NamedNode | ox.Literal) -> bool:
        return ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o) in meta

    dcat, prov = "http://www.w3.org/ns/dcat#", "http://www.w3.org/ns/prov#"
    assert has(second.iri, dcat + "version", ox.Literal("2026-surveillance"))
    assert has(second.iri, dcat + "previousVersion", ox.NamedNode(first.iri))
    assert has(second.iri, prov + "wasDerivedFrom", ox.NamedNode(EXAMPLE_GRAPH))
    assert any(t.predicate.value == prov + "generatedAtTime" and t.subject.value == second.iri for t in meta)
    activity = ox.NamedNode(second.iri + "#creation")
    assert has(second.iri, prov + "wasGeneratedBy", activity)
    assert has(activity.value, prov + "used", ox.NamedNode(EXAMPLE_GRAPH))
    assert [s.label for s in list_snapshots(store)] == ["2025-certification", "2026-surveillance"]
    assert list_snapshots(store)[1].by == "Grace"


def test_a_dropped_snapshot_leaves_nothing_and_the_chain_closes(store: Any) -> None:
    create_snapshot(store, "a", "x", now=WHEN)
    b = create_snapshot(store, "b", "x", now=WHEN + datetime.timedelta(hours=1))
    c = create_snapshot(store, "c", "x", now=WHEN + datetime.timedelta(hours=2))
    drop_snapshot(store, "b")
    assert [s.label for s in list_snapshots(store)] == ["a", "c"]
    assert list_snapshots(store)[1].previous == list_snapshots(store)[0].iri
    assert not any(g.startswith(b.iri) for g in all_graphs(store))
    assert not any(b.iri in str(t) for t in triples_of(store, SNAPSHOTS_GRAPH))
    drop_snapshot(store, "a")
    drop_snapshot(store, "c")
    assert list_snapshots(store) == []
    assert not any(g.startswith(c.iri) for g in all_graphs(store))
    assert triples_of(store, SNAPSHOTS_GRAPH) == set()


@pytest.mark.parametrize("label", ["", "current", "two words", "../x", "a/b", "é", "x" * 101])
def test_bad_labels_are_refused(embedded: OxigraphStore, label: str) -> None:
    with pytest.raises(UserInputError, match="not a snapshot label"):
        create_snapshot(embedded, label, "x")


def test_a_label_is_never_reused_and_unknown_labels_are_not_found(embedded: OxigraphStore) -> None:
    create_snapshot(embedded, "2026", "x")
    with pytest.raises(UserInputError, match="exists already"):
        create_snapshot(embedded, "2026", "x")
    with pytest.raises(NotFoundError, match="no snapshot labelled 'nope'"):
        drop_snapshot(embedded, "nope")
    with pytest.raises(NotFoundError):
        dataset_graphs(embedded, "nope")


def test_a_store_with_only_reference_graphs_has_nothing_to_snapshot() -> None:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    with pytest.raises(UserInputError, match="nothing to snapshot"):
        create_snapshot(store, "empty", "x")


# --------------------------------------------------------------------------- current state and immutability


def test_the_current_state_never_sees_snapshots_and_snapshots_never_see_changes(store: Any) -> None:
    risk = "https://example.org/northwind/risk-02"
    assert levels(store, risk) == ["12"]
    create_snapshot(store, "before", "x")
    store.update((CHANGES / "conformant-org.ru").read_text(encoding="utf-8"))
    assert levels(store, risk) == ["16"], "the union of the current graphs only"
    assert levels(GraphView(store, dataset_graphs(store, "before")), risk) == ["12"]
    assert levels(GraphView(store, dataset_graphs(store, "current")), risk) == ["16"]


def test_pyshacl_copies_leave_snapshots_out(embedded: OxigraphStore) -> None:
    size = len(store_as_rdflib(embedded))
    create_snapshot(embedded, "before", "x")
    assert len(store_as_rdflib(embedded)) == size


def test_writes_to_snapshot_graphs_are_refused() -> None:
    refuse_snapshot_write(EXAMPLE_GRAPH)
    for graph in (SNAPSHOTS_GRAPH, "https://w3id.org/aims-graph/graph/snapshot/x/file/a.ttl"):
        with pytest.raises(ImmutableGraphError):
            refuse_snapshot_write(graph)


def test_the_graph_store_route_refuses_to_touch_a_snapshot(tmp_path: Path) -> None:
    directory = tmp_path / "store"
    store = with_example(OxigraphStore(directory))
    snapshot = create_snapshot(store, "before", "x")
    (copy,) = snapshot_copies(store, snapshot)
    store.close()
    del store
    token = tmp_path / "token"
    token.write_text(TOKEN, encoding="utf-8")
    app = create_app(Settings(store=directory, token_file=token, workers=1))
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
    body = b"<urn:x:a> <urn:x:b> <urn:x:c> ."
    with TestClient(app) as client:
        for graph in (copy, SNAPSHOTS_GRAPH):
            for method in ("PUT", "POST", "DELETE"):
                answer = client.request(method, "/graphs", params={"graph": graph}, content=body, headers=auth)
                assert answer.status_code == 403, (method, graph)
                assert "snapshot" in answer.json()["message"]
        assert client.put("/graphs", params={"graph": "urn:x:g"}, content=body, headers=auth).status_code == 201
        content = client.get("/graphs", params={"graph": copy}, headers={"Accept": "application/n-triples"})
        assert content.status_code == 200 and b"risk-02" in content.content


# ----------------------------------------------------------------------------------------------------- CLI


def test_cli_create_list_drop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = str(tmp_path / "store")
    assert main(["load", "--store", directory, str(resources.example_file("gaps-org"))]) == 0
    assert main(["snapshot", "create", "--store", directory, "--label", "2026-surveillance", "--by", "Ada"]) == 0
    assert main(["snapshot", "list", "--store", directory]) == 0
    assert "2026-surveillance" in capsys.readouterr().out
    assert main(["snapshot", "create", "--store", directory, "--label", "2026-surveillance"]) == 2
    copy = "https://w3id.org/aims-graph/graph/snapshot/2026-surveillance/file/gaps-org.ttl"
    assert main(["graphs", "drop", "--store", directory, copy]) == 2
    example = str(resources.example_file("gaps-org"))
    assert main(["load", "--store", directory, "--graph", copy, example]) == 2
    assert "snapshots never change" in capsys.readouterr().err
    assert main(["snapshot", "drop", "--store", directory, "2026-surveillance"]) == 0
    assert main(["snapshot", "drop", "--store", directory, "2026-surveillance"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("aims-graph: error: no snapshot labelled")
    assert main(["snapshot", "list"]) == 2
    assert "need --store DIR or --endpoint URL" in capsys.readouterr().err


def test_cli_query_and_validate_as_of(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = str(tmp_path / "store")
    assert main(["load", "--store", directory, str(resources.example_file("conformant-org"))]) == 0
    assert main(["snapshot", "create", "--store", directory, "--label", "before"]) == 0
    store = OxigraphStore(directory)
    store.update((CHANGES / "conformant-org.ru").read_text(encoding="utf-8"))
    store.close()
    del store
    capsys.readouterr()
    assert main(["query", "risk-register", "--store", directory, "--format", "csv", "--as-of", "before"]) == 0
    before = capsys.readouterr().out
    assert main(["query", "risk-register", "--store", directory, "--format", "csv"]) == 0
    now = capsys.readouterr().out
    assert ",12," in before.split("risk-02")[1].splitlines()[0]
    assert ",16," in now.split("risk-02")[1].splitlines()[0]
    assert main(["validate", "--store", directory, "--as-of", "before"]) == 0
    gc.collect()  # each command leaves its store to the garbage collector; a directory has one opener
    assert main(["validate", "--store", directory]) == 1
    assert main(["validate", "--store", directory, "--as-of", "nope"]) == 2


def test_as_of_answers_come_from_the_snapshot_and_the_reference_graphs_only(embedded: OxigraphStore) -> None:
    create_snapshot(embedded, "before", "x")
    embedded.update((CHANGES / "conformant-org.ru").read_text(encoding="utf-8"))
    view = GraphView(embedded, dataset_graphs(embedded, "before"))
    systems = run_query(view, "ai-systems")
    assert isinstance(systems, Rows)
    names = {r["system"].value for r in systems.dicts()}
    assert "https://example.org/northwind/sys-coding" not in names
    current = {r["system"].value for r in run_query(embedded, "ai-systems").dicts()}
    assert "https://example.org/northwind/sys-coding" in current
