"""A diff validates only the shapes that can see a change, and finds exactly what validating everything finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from aims_graph import resources
from aims_graph.snapshots import create_snapshot, dataset_graphs
from aims_graph.snapshots.changes import changed_triples, shapes_that_see
from aims_graph.snapshots.diff import compare_validation
from aims_graph.snapshots.store import GraphView
from aims_graph.store import OxigraphStore, ensure_reference_graphs
from aims_graph.synthetic import write
from aims_graph.validation.shacl import compile_shapes
from aims_graph.validation.validate import load_shapes

CHANGES = Path(__file__).parent / "data" / "changes"
AIMS = "https://w3id.org/aims-graph/ontology#"
GENERATED = "https://w3id.org/aims-graph/graph/file/org.ttl"
GENERATED_CHANGES = f"""
PREFIX aims: <{AIMS}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
DELETE {{ GRAPH <{GENERATED}> {{ ?risk aims:riskLevel ?level }} }}
INSERT {{ GRAPH <{GENERATED}> {{ ?risk aims:riskLevel 25 }} }}
WHERE {{ GRAPH <{GENERATED}> {{ ?risk aims:riskLevel ?level }} FILTER (MD5(STR(?risk)) < "30") }} ;
INSERT DATA {{ GRAPH <{GENERATED}> {{
  <urn:x:new-system> a aims:AISystem .
  <urn:x:VendorRisk> rdfs:subClassOf aims:Risk .
  <urn:x:vendor-risk> a <urn:x:VendorRisk> ; aims:riskLevel 99 .
}} }}
"""


def _sides(store: OxigraphStore) -> tuple[list[str], list[str]]:
    return dataset_graphs(store, "before"), dataset_graphs(store, "current")


def _example(name: str) -> OxigraphStore:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(resources.example_file(name))
    create_snapshot(store, "before", "test")
    store.update((CHANGES / f"{name}.ru").read_text(encoding="utf-8"))
    return store


def _generated(tmp_path: Path) -> OxigraphStore:
    path = tmp_path / "org.ttl"
    write(path, 30, 5)
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(path)
    store.load(resources.example_file("gaps-org"))
    create_snapshot(store, "before", "test")
    store.update(GENERATED_CHANGES)
    return store


@pytest.mark.parametrize("name", ["conformant-org", "gaps-org", "generated"])
def test_only_the_shapes_that_see_a_change_run_and_the_answer_is_the_same(name: str, tmp_path: Path) -> None:
    store = _generated(tmp_path) if name == "generated" else _example(name)
    before, after = _sides(store)
    full = compare_validation(store, before, after, only_changed=False)
    assert full, "each change set changes some validation result"
    assert compare_validation(store, before, after) == full
    changed = changed_triples(store, before, after)
    assert changed is not None and changed.predicates
    checks = compile_shapes(load_shapes(resources.shape_files())).checks
    seen = shapes_that_see(checks, changed, store, GraphView(store, after).graphs)
    assert 0 < len(seen) < len({c.shape.node for c in checks})


def test_a_subclass_in_the_data_counts_as_its_class(tmp_path: Path) -> None:
    store = _generated(tmp_path)
    before, after = _sides(store)
    changed = changed_triples(store, before, after)
    assert changed is not None and "<urn:x:VendorRisk>" in changed.types
    results = compare_validation(store, before, after)
    assert any(v.change == "new" and v.result["focus"] == "urn:x:vendor-risk" for v in results)


def test_an_unchanged_store_runs_no_check() -> None:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(resources.example_file("gaps-org"))
    create_snapshot(store, "before", "test")
    before, after = _sides(store)
    changed = changed_triples(store, before, after)
    assert changed is not None and not changed.predicates and not changed.types
    checks = compile_shapes(load_shapes(resources.shape_files())).checks
    assert shapes_that_see(checks, changed, store, GraphView(store, after).graphs) == set()
    assert compare_validation(store, before, after) == []
