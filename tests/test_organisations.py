"""Several organisations in one store: records name their management system, and a shape checks they do."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from aims_graph import resources
from aims_graph.cli import main
from aims_graph.queries import run_query
from aims_graph.snapshots import GraphView, create_snapshot
from aims_graph.snapshots.diff import diff
from aims_graph.store import OxigraphStore, ensure_reference_graphs
from aims_graph.synthetic import generate
from aims_graph.validation.validate import validate_store

AIMS = "https://w3id.org/aims-graph/ontology#"
SHAPE = "https://w3id.org/aims-graph/shapes#RecordManagementSystem"


def store_with(organisations: int, systems: int = 6) -> OxigraphStore:
    triples, _ = generate(systems, 3, organisations=organisations)
    store = OxigraphStore()
    ensure_reference_graphs(store)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    store.load_bytes(data, ox.RdfFormat.N_TRIPLES, "urn:x-test:organisations", "generated")
    return store


def results_of(store: OxigraphStore, shape: str = SHAPE) -> set[str]:
    return {r.focus for r in validate_store(store, engine="sparql").results if r.shape == shape}


def test_one_organisation_names_no_management_system_and_nothing_is_flagged() -> None:
    triples, _ = generate(6, 3)
    assert not any(t.predicate.value == AIMS + "managementSystem" for t in triples)
    assert results_of(store_with(1)) == set()


def test_several_organisations_in_one_file_each_with_its_own_records() -> None:
    triples, stats = generate(7, 3, organisations=3)
    systems = {t.subject.value for t in triples if t.object.value == AIMS + "AISystem"}
    assert len(systems) == stats.systems == 7
    prefixes = {s.split("/system/")[0] for s in systems}
    assert prefixes == {f"https://example.org/synthetic/org-{k}" for k in range(3)}
    links = {(t.subject.value, t.object.value) for t in triples if t.predicate.value == AIMS + "managementSystem"}
    for subject, system in links:
        assert subject.split("/org-")[1][0] == system.split("/org-")[1][0], "each record names its own system"
    linked = {subject for subject, _ in links}
    for k in range(3):  # the records the shape asks about, and AI systems, which no other link ties to one
        org = f"https://example.org/synthetic/org-{k}/"
        assert {org + "policy/ai", org + "risk-criteria", org + "soa"} <= linked
    assert systems <= linked
    assert results_of(store_with(3, 7)) == set()


def test_a_record_of_no_organisation_or_of_two_is_flagged() -> None:
    store = store_with(2)
    base = "https://example.org/synthetic/"
    store.update(
        f"DELETE DATA {{ GRAPH <urn:x-test:organisations> {{ <{base}org-0/policy/ai> <{AIMS}managementSystem>"
        f" <{base}org-0/aims> }} }} ;"
        f"INSERT DATA {{ GRAPH <urn:x-test:organisations> {{ <{base}org-1/soa> <{AIMS}managementSystem>"
        f" <{base}org-0/aims> }} }}"
    )
    assert results_of(store) == {f"{base}org-0/policy/ai", f"{base}org-1/soa"}


def test_the_generator_command_takes_a_number_of_organisations(tmp_path: Path) -> None:
    out = tmp_path / "two.ttl"
    assert main(["generate", "--systems", "4", "--organisations", "2", "--out", str(out)]) == 0
    assert "org-1/" in out.read_text(encoding="utf-8")
    assert main(["generate", "--systems", "2", "--organisations", "3", "--out", str(out)]) == 2
    with pytest.raises(ValueError):
        generate(2, organisations=0)


def test_two_organisations_in_one_store_each_get_their_own_answers() -> None:
    """Both examples in one store, each in its own graph: one snapshot and one diff cover both, and a view of
    each organisation's graph answers as that organisation alone would."""
    changes = Path(__file__).parent / "data" / "changes"
    golden = Path(__file__).parent / "golden" / "diff"
    store = OxigraphStore()
    ensure_reference_graphs(store)
    for name in ("conformant-org", "gaps-org"):
        store.load(resources.example_file(name))
    create_snapshot(store, "before", "test")
    for name in ("conformant-org", "gaps-org"):
        store.update((changes / f"{name}.ru").read_text(encoding="utf-8"))
    both = {
        (c["category"], c["change"], c["item"]) for c in diff(store, "before", validation=False).to_json()["changes"]
    }
    expected: set[tuple[str, str, str]] = set()
    for name in ("conformant-org", "gaps-org"):
        alone = json.loads((golden / f"{name}.json").read_text(encoding="utf-8"))["changes"]
        expected |= {(c["category"], c["change"], c["item"]) for c in alone}
    assert both == expected
    for name, prefix in (
        ("conformant-org", "https://example.org/northwind/"),
        ("gaps-org", "https://example.org/brightline/"),
    ):
        view = GraphView(store, [f"https://w3id.org/aims-graph/graph/file/{name}.ttl"])
        risks = {r["risk"].value for r in run_query(view, "risk-register").dicts()}
        assert risks and all(r.startswith(prefix) for r in risks)
        single = OxigraphStore()
        ensure_reference_graphs(single)
        single.load(resources.example_file(name))
        single.update((changes / f"{name}.ru").read_text(encoding="utf-8"))
        assert risks == {r["risk"].value for r in run_query(single, "risk-register").dicts()}
