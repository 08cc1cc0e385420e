"""The synthetic organisation: deterministic, in the contract vocabulary, with exactly the gaps it reports."""

from __future__ import annotations

from pathlib import Path

from aims_graph.answers import value_of
from aims_graph.queries import run_query
from aims_graph.store import OxigraphStore, ensure_reference_graphs
from aims_graph.synthetic import generate, write


def test_gaps_are_the_ones_reported(tmp_path: Path) -> None:
    path = tmp_path / "org.nt"
    stats = write(path, 300, seed=3)
    assert stats.untreated_risks and stats.systems_without_owner and stats.systems_without_assessment
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(path)
    untreated = {value_of(r["risk"]) for r in run_query(store, "untreated-risks").dicts()}
    assert untreated == set(stats.untreated_risks)
    ownerless = {value_of(r["system"]) for r in run_query(store, "ai-systems").dicts() if "owner" not in r}
    assert ownerless == set(stats.systems_without_owner)
    soa = list(run_query(store, "statement-of-applicability").dicts())
    assert len(soa) == 38 and all(value_of(r["inSoA"]) == "true" for r in soa)


def test_same_seed_same_graph_other_seed_other_graph() -> None:
    first, _ = generate(20, seed=1)
    again, _ = generate(20, seed=1)
    other, _ = generate(20, seed=2)
    assert first == again and first != other


def test_size_grows_linearly() -> None:
    _, small = generate(100)
    _, large = generate(1000)
    assert 9 < large.triples / small.triples < 11
    assert large.risks == 6000
