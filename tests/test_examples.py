"""The bundled example organisations parse and use only declared terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from aims_graph import resources
from aims_graph.namespaces import AIMS, ISO42001

EXAMPLES = resources.example_files()
# gaps-org uses one control IRI that does not exist, on purpose: a treatment pointing at a made-up control.
DELIBERATE_BAD_IRIS = {"gaps-org": {ISO42001["A-6-2-9"]}}


def declared() -> set[URIRef]:
    graph = Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    return {s for s in graph.subjects() if isinstance(s, URIRef)}


def test_both_examples_are_bundled() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {resources.CONFORMANT_EXAMPLE, resources.GAPS_EXAMPLE} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_parses_and_uses_declared_terms(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 300
    known = declared()
    ours = {n for t in graph for n in t if isinstance(n, URIRef) and str(n).startswith((str(AIMS), str(ISO42001)))}
    undeclared = ours - known - DELIBERATE_BAD_IRIS.get(path.stem, set())
    assert undeclared == set(), sorted(undeclared)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_has_a_header_saying_what_it_shows(path: Path) -> None:
    head = path.read_text(encoding="utf-8").split("@prefix", 1)[0]
    assert len(re.findall(r"^#", head, flags=re.M)) >= 3
