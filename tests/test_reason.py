"""OWL reasoning with HermiT: the example stays consistent, clashes are named, defined classes classify."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from aims_graph import resources
from aims_graph.cli import main
from aims_graph.reasoning.hermit import reason
from aims_graph.store import OxigraphStore

AIMS = "https://w3id.org/aims-graph/ontology#"
NW = "https://example.org/northwind/"
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def triples_of(path: Path) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]


@pytest.fixture(scope="module")
def conformant() -> list[ox.Triple]:
    result = reason(triples_of(resources.example_file(resources.CONFORMANT_EXAMPLE)))
    assert result.consistent, result.explanation
    return result.inferred


def has_type(inferred: list[ox.Triple], subject: str, cls: str) -> bool:
    return ox.Triple(ox.NamedNode(subject), TYPE, ox.NamedNode(AIMS + cls)) in inferred


@pytest.mark.slow
def test_defined_classes_classify_the_example(conformant: list[ox.Triple]) -> None:
    assert has_type(conformant, NW + "risk-01", "HighRisk")  # level 15
    assert has_type(conformant, NW + "risk-01", "TreatedRisk")
    assert not has_type(conformant, NW + "risk-11", "HighRisk")  # level 9
    assert has_type(conformant, NW + "sys-triage", "SystemWithHighRisk")
    assert has_type(conformant, NW + "soa-A-4-5", "ExcludedControlEntry")
    assert has_type(conformant, "https://w3id.org/aims-graph/iso42001/A-6-2-4", "EvidencedControl")
    assert has_type(conformant, NW + "sys-triage", "AssessedSystem")


def test_inverse_property_values_are_inferred(conformant: list[ox.Triple]) -> None:
    treated_by = [t for t in conformant if t.predicate.value == AIMS + "treatedBy"]
    assert (
        ox.Triple(ox.NamedNode(NW + "risk-01"), ox.NamedNode(AIMS + "treatedBy"), ox.NamedNode(NW + "trt-01"))
        in treated_by
    )


def test_an_individual_typed_risk_and_control_is_caught_and_named() -> None:
    bad = [
        ox.Triple(ox.NamedNode("https://example.org/x/thing"), TYPE, ox.NamedNode(AIMS + "Risk")),
        ox.Triple(ox.NamedNode("https://example.org/x/thing"), TYPE, ox.NamedNode(AIMS + "Control")),
    ]
    result = reason(bad)
    assert not result.consistent
    assert any(
        "https://example.org/x/thing" in line
        and "aims:Risk" in line
        and "aims:Control" in line
        and "AllDisjointClasses" in line
        for line in result.explanation
    )


def test_clashes_through_range_and_functional_properties(tmp_path: Path) -> None:
    data = tmp_path / "clash.ttl"
    data.write_text(
        "@prefix aims: <https://w3id.org/aims-graph/ontology#> .\n@prefix ex: <https://example.org/x/> .\n"
        "ex:r a aims:Risk ; aims:affectsSystem ex:c ; aims:likelihood 2, 3 .\nex:c a aims:Control .\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "aims_graph.cli", "reason", "--engine", "hermit", str(data)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "https://example.org/x/c is in disjoint classes" in done.stdout and "rdfs:range" in done.stdout
    assert "functional property aims:likelihood" in done.stdout


@pytest.mark.slow
def test_inferred_triples_go_to_a_named_graph(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    assert main(["load", "--store", str(store_dir), str(resources.example_file(resources.CONFORMANT_EXAMPLE))]) == 0
    assert main(["reason", "--engine", "hermit", "--store", str(store_dir)]) == 0
    store = OxigraphStore(store_dir)
    graphs = {g.name: g.triples for g in store.graphs()}
    assert graphs["https://w3id.org/aims-graph/graph/inferred"] > 50
    answer = store.query(f"ASK {{ <{NW}risk-01> a <{AIMS}HighRisk> }}")
    assert getattr(answer, "value", None) is True


def test_no_java_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "aims_graph.cli", "reason", "--engine", "hermit"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2
    assert "Java runtime" in done.stderr and "default-jre-headless" in done.stderr and "Traceback" not in done.stderr
