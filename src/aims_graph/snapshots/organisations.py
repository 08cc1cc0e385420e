"""Several organisations in one store: whose record is whose, and the records of one organisation as a store.

A record belongs to the management system it is linked to, directly or through its parts: a Statement of
Applicability through ``aims:managementSystem``, its entries through the statement, a risk through the AI
system it affects, a treatment through the risk it treats. Concretely, ownership spreads from each management
system along the links between records, in both directions, and each record goes to the management system
nearest to it (to all of them at equal distance: a record they share). It spreads through records only:
never through the ontology, the catalogue or other reference resources, never along ``rdf:type``, and never
through another management system. A record no link reaches belongs to the management system of its graph,
when its graphs hold exactly one (one file per organisation). With one management system in the store every
record is its own, and a view of it is the store itself.

An organisation's view is an in-memory store with the reference graphs and the triples of that organisation's
records (and of records they point to), under their own graph names, so every named query, validation and
report runs on it unchanged.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from .. import resources
from ..answers import Rows, Triples, value_of
from ..errors import NotFoundError
from ..namespaces import INFERRED_GRAPH, RDF, SNAPSHOTS_GRAPH, WRITES_GRAPH
from ..store import OxigraphStore, Queryable, Store
from .asof import as_of
from .store import CURRENT, GraphView, Snapshot, dataset_graphs, list_snapshots, newest, reference_graphs

_ABOUT_RECORDS = {INFERRED_GRAPH, WRITES_GRAPH}
"""Reference graphs that speak of records too: their subjects are not shipped resources."""
RDF_TYPE = ox.NamedNode(RDF + "type")


@dataclass(frozen=True)
class Organisation:
    """One management system in the records, with the organisation that runs it (when the data says)."""

    system: str
    label: str
    organization: str | None
    organization_label: str | None

    @property
    def name(self) -> str:
        """What a person reads: the organisation's name, else the management system's label, else its IRI."""
        return self.organization_label or self.label or self.system

    @property
    def iri(self) -> str:
        """The IRI that names it for ``--org``: the organisation's, else the management system's."""
        return self.organization or self.system

    def matches(self, iri: str) -> bool:
        return iri in (self.system, self.organization)


def list_organisations(source: Queryable) -> list[Organisation]:
    """Every management system in the records, in IRI order."""
    answer = source.query(resources.internal_query("organisations/list.rq"))
    assert isinstance(answer, Rows)
    found = []
    for row in answer.dicts():
        org = row.get("organization")
        found.append(
            Organisation(
                system=value_of(row["system"]),
                label=value_of(row["systemLabel"]) if "systemLabel" in row else "",
                organization=value_of(org) if org is not None else None,
                organization_label=value_of(row["organizationLabel"]) if "organizationLabel" in row else None,
            )
        )
    return found


def chosen_systems(organisations: Sequence[Organisation], iri: str) -> list[str]:
    """The management systems ``iri`` names: itself, or those the organisation it names runs."""
    systems = [o.system for o in organisations if o.matches(iri)]
    if not systems:
        known = ", ".join(f"<{o.organization or o.system}>" for o in organisations) or "none"
        raise NotFoundError(f"no organisation or management system <{iri}> in the records; known: {known}")
    return systems


Statement = tuple[bytes, bytes, bytes, bytes]
"""One triple as N-Triples terms (subject, predicate, object) and its whole line. Records are read and sorted as
bytes: pyoxigraph serialises and parses in Rust, while building a Python object for each term costs more than
all the rest of the work."""

RDF_TYPE_TERM = b"<" + RDF_TYPE.value.encode() + b">"


def term(node: ox.NamedNode) -> bytes:
    return str(node).encode("utf-8")


def graph_statements(source: Queryable, graph: str) -> list[Statement]:
    """Every triple of one graph, from an embedded store's own serialiser or through a CONSTRUCT."""
    if isinstance(source, OxigraphStore):
        data = source.raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)) or b""
    else:
        answer = source.query(resources.internal_query("ld/graph-content.rq"), default_graphs=[graph])
        assert isinstance(answer, Triples)
        data = ox.serialize(answer.triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return statements(data)


def statements(data: bytes) -> list[Statement]:
    """N-Triples lines cut into terms. IRIs and blank node labels hold no spaces, so the first two spaces end
    the subject and the predicate; RDF-star lines (a quoted triple as subject) are kept whole, never owned."""
    found: list[Statement] = []
    for line in data.splitlines():
        if not line:
            continue
        if line.startswith(b"<<"):
            found.append((line, b"", b"", line))
            continue
        subject, predicate, rest = line.split(b" ", 2)
        found.append((subject, predicate, rest[:-2], line))
    return found


def owners(
    records: Mapping[str, Sequence[Statement]], systems: Iterable[str], reference_subjects: set[bytes]
) -> dict[bytes, frozenset[str]]:
    """Each record node (a subject in the record graphs, as an N-Triples term) with the management systems
    it belongs to. Records no management system reaches, by links or by their graph, are left out."""
    described = {s for statements in records.values() for s, _, _, _ in statements if not s.startswith(b"<<")}
    described -= reference_subjects
    neighbours: dict[bytes, list[bytes]] = {}
    for statements in records.values():
        for s, p, o, _ in statements:
            if p == RDF_TYPE_TERM or o not in described or s == o or s not in described:
                continue
            neighbours.setdefault(s, []).append(o)
            neighbours.setdefault(o, []).append(s)
    roots = {term(ox.NamedNode(s)): s for s in systems}
    roots = {node: iri for node, iri in roots.items() if node in described}
    owned: dict[bytes, frozenset[str]] = {}
    _spread(neighbours, {node: frozenset({iri}) for node, iri in roots.items()}, owned, set(roots))

    by_graph: dict[bytes, set[str | None]] = {}
    for statements in records.values():
        in_graph = {roots[s] for s, _, _, _ in statements if s in roots}
        only = next(iter(in_graph)) if len(in_graph) == 1 else None
        for s, _, _, _ in statements:
            if s in described and s not in owned:
                by_graph.setdefault(s, set()).add(only)
    seeds = {n: frozenset({g}) for n, gs in by_graph.items() if len(gs) == 1 and (g := next(iter(gs))) is not None}
    _spread(neighbours, seeds, owned, set(roots))
    return owned


def _spread(
    neighbours: Mapping[bytes, Sequence[bytes]],
    seeds: Mapping[bytes, frozenset[str]],
    owned: dict[bytes, frozenset[str]],
    roots: set[bytes],
) -> None:
    """Breadth first from the seeds over unowned nodes: each takes the owners of its nearest seeds."""
    distance: dict[bytes, int] = {}
    queue: deque[bytes] = deque()
    for node, systems in seeds.items():
        if node not in owned:
            owned[node] = systems
            distance[node] = 0
            queue.append(node)
    while queue:
        node = queue.popleft()
        if distance[node] > 0 and node in roots:
            continue  # another management system: its records are its own
        step = distance[node] + 1
        for other in neighbours.get(node, ()):
            if other not in distance:
                if other in owned:
                    continue  # claimed in an earlier pass
                distance[other] = step
                owned[other] = owned[node]
                queue.append(other)
            elif distance[other] == step and not owned[node] <= owned[other]:
                owned[other] = owned[other] | owned[node]


def records_of(
    records: Mapping[str, Sequence[Statement]],
    organisations: Sequence[Organisation],
    systems: set[str],
    shipped: set[bytes],
) -> set[bytes]:
    """The record nodes of the chosen management systems, and the records they point to."""
    owned = owners(records, (o.system for o in organisations), shipped)
    mine = {n for n, belongs in owned.items() if belongs & systems}
    pointed = {o for statements in records.values() for s, p, o, _ in statements if s in mine and p != RDF_TYPE_TERM}
    return mine | (owned.keys() & pointed)


def organisation_view(store: Store, iri: str | None, labels: Sequence[str] = (CURRENT,)) -> Store:
    """The store as one organisation sees it, in the datasets ``labels`` names (``current`` and snapshots).

    Without an organisation, or when no dataset holds another management system, that is ``store`` itself.
    Otherwise it is an in-memory store with the reference graphs, the description of the snapshots, and the
    organisation's records in each dataset under their own graph names: ``as_of`` and ``diff`` work on it as
    on the store.
    """
    if not iri:
        return store
    per_label = {label: dataset_graphs(store, label) for label in dict.fromkeys(labels)}
    found = {label: list_organisations(GraphView(store, graphs)) for label, graphs in per_label.items()}
    systems = set(chosen_systems([o for organisations in found.values() for o in organisations], iri))
    if all({o.system for o in organisations} <= systems for organisations in found.values()):
        return store
    reference_names = sorted(reference_graphs() & set(store.graph_names()))
    reference = {g: graph_statements(store, g) for g in reference_names}
    shipped = {s for g, statements in reference.items() if g not in _ABOUT_RECORDS for s, _, _, _ in statements}
    quads: list[bytes] = []  # one load at the end: blank nodes keep their identity across graphs
    described: set[bytes] = set()
    kept: set[bytes] = set()
    for label, graphs in per_label.items():
        records = {g: graph_statements(store, g) for g in graphs}
        keep = records_of(records, found[label], systems, shipped)
        for graph, statements in records.items():
            quads += _in_graph((line for s, _, _, line in statements if s in keep), graph)
            described.update(s for s, _, _, _ in statements)
        kept |= keep
    for graph, statements in reference.items():
        quads += _in_graph((line for s, _, _, line in statements if s in kept or s not in described), graph)
    if any(label != CURRENT for label in per_label):
        quads += _in_graph((line for _, _, _, line in graph_statements(store, SNAPSHOTS_GRAPH)), SNAPSHOTS_GRAPH)
    view = OxigraphStore()
    view.raw.load(b"\n".join(quads), format=ox.RdfFormat.N_QUADS)
    return view


def _in_graph(lines: Iterable[bytes], graph: str) -> list[bytes]:
    """N-Triples lines as N-Quads lines of ``graph``."""
    name = b" " + term(ox.NamedNode(graph)) + b" ."
    return [line[:-2] + name for line in lines]


def records_view(store: Store, iri: str | None, label: str | None) -> tuple[Store, GraphView | None]:
    """One organisation's records (or every one's) now or as of a snapshot: the store to read, which is
    ``store`` itself without an organisation, and, with ``label``, the view of that snapshot's graphs in it."""
    view = organisation_view(store, iri, [label or CURRENT])
    return view, as_of(view, label) if label else None


def canonical(store: Store, iri: str) -> str:
    """The IRI an organisation is recorded under (its own, else its management system's); refuses one the
    current records do not hold."""
    organisations = list_organisations(store)
    chosen_systems(organisations, iri)
    return next(o.iri for o in organisations if o.matches(iri))


def snapshots_for(store: Store, iri: str | None) -> list[Snapshot]:
    """The snapshots taken for an organisation, or for every record (``about`` unset); all without ``iri``."""
    found = list_snapshots(store)
    if not iri:
        return found
    organisations = list_organisations(store)
    names = {name for o in organisations if o.matches(iri) for name in (o.system, o.organization) if name} or {iri}
    return [s for s in found if s.about is None or s.about in names]


def latest_snapshot_for(store: Store, iri: str | None) -> str | None:
    """The label of the organisation's last snapshot: "since its last audit" when a diff names no start."""
    latest = newest(snapshots_for(store, iri))
    return latest.label if latest else None
