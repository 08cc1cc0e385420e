"""Which validation checks can tell two sides of a diff apart: those that read a triple that differs.

A compiled check reads only triples with the predicates it names, and of ``rdf:type`` only the classes it
names (with their subclasses where it follows ``rdfs:subClassOf*``): ``store.reads.read_set``. When no triple
of that kind differs between the two sides, the check answers the same on both, so its results are neither
new nor resolved and it need not run at all. The shapes whose checks may see a difference run on both sides;
the others are left out. Results are compared by shape (and focus, path, value, message), so a shape runs
with all its checks or not at all.

The differing triples are found on the embedded store, graph by graph (each snapshot copy against the graph
it was copied from), by comparing the N-Triples the store writes for each; a remote store has no such cheap
path, and every check runs there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import pyoxigraph as ox
from rdflib.term import Node

from .. import resources
from ..answers import Rows, value_of
from ..namespaces import SNAPSHOTS_GRAPH
from ..store import OxigraphStore
from ..store.reads import RDF_TYPE, read_set, subclasses
from ..validation.shacl.compile import Check
from .store import AnyStore

_TYPE = f"<{RDF_TYPE}>".encode()


@dataclass(frozen=True)
class ChangedTriples:
    """What the triples that differ between two sides are about."""

    predicates: frozenset[str]
    types: frozenset[str]
    """The classes of differing ``rdf:type`` triples, in N-Triples form (``<iri>`` or ``_:label``)."""
    unreadable: bool = False
    """A differing line this could not read (a triple term): every check may see it."""


def copy_sources(store: AnyStore) -> dict[str, str]:
    """Every snapshot copy with the graph it was copied from."""
    answer = store.query(resources.internal_query("snapshots/graphs.rq"), default_graphs=[SNAPSHOTS_GRAPH])
    assert isinstance(answer, Rows)
    return {value_of(row["copy"]): value_of(row["source"]) for row in answer.dicts()}


def changed_triples(store: AnyStore, before: Sequence[str], after: Sequence[str]) -> ChangedTriples | None:
    """The triples that differ between the two sides, graph by graph; None where the store cannot say cheaply."""
    if not isinstance(store, OxigraphStore):
        return None
    sources = copy_sources(store)
    old = {sources.get(g, g): g for g in before}
    new = {sources.get(g, g): g for g in after}
    predicates: set[bytes] = set()
    types: set[bytes] = set()
    unreadable = False
    with ThreadPoolExecutor(2) as pool:  # pyoxigraph writes N-Triples without the GIL: both sides at once
        for source in sorted(set(old) | set(new)):
            earlier, later = pool.map(partial(_lines, store), (old.get(source), new.get(source)))
            for line in earlier ^ later:
                parts = line.split(b" ", 2)
                if len(parts) < 3 or not parts[1].startswith(b"<") or parts[0].startswith(b"<<"):
                    unreadable = True
                    continue
                predicates.add(parts[1][1:-1])
                if parts[1] == _TYPE:
                    types.add(parts[2].rstrip().removesuffix(b".").rstrip())
    return ChangedTriples(frozenset(p.decode() for p in predicates), frozenset(t.decode() for t in types), unreadable)


def _lines(store: OxigraphStore, graph: str | None) -> set[bytes]:
    if graph is None:
        return set()
    text = store.raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)) or b""
    return set(text.splitlines())


def shapes_that_see(
    checks: Iterable[Check], changed: ChangedTriples, store: OxigraphStore, graphs: Sequence[str]
) -> set[Node]:
    """The shapes with a check that may answer differently on the two sides (``graphs``: either side's, for
    the subclasses of a class; they are the same on both sides unless ``rdfs:subClassOf`` triples differ, and
    then every check that follows them runs anyway)."""
    if not changed.predicates and not changed.unreadable:
        return set()  # the same triples on both sides: no check can tell them apart
    nodes = [ox.NamedNode(g) for g in graphs]
    closures: dict[frozenset[str], set[str]] = {}

    def sees(check: Check) -> bool:
        reads = read_set(check.query)
        if reads is None or changed.unreadable:
            return True
        if (reads.predicates - {RDF_TYPE}) & changed.predicates:
            return True
        if RDF_TYPE not in reads.predicates or RDF_TYPE not in changed.predicates:
            return False
        if reads.any_type:
            return True
        if reads.with_subclasses not in closures:
            found = subclasses(reads.with_subclasses, nodes, store.raw)
            closures[reads.with_subclasses] = {str(c) for c in found}
        classes = {f"<{c}>" for c in reads.classes} | closures[reads.with_subclasses]
        return bool(classes & changed.types)

    return {check.shape.node for check in checks if sees(check)}
