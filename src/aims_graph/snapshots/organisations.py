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
from .store import CURRENT, GraphView, dataset_graphs, reference_graphs

Node = ox.NamedNode | ox.BlankNode | ox.Triple
_ABOUT_RECORDS = {INFERRED_GRAPH, WRITES_GRAPH}
"""Reference graphs that speak of records too: their subjects are not shipped resources."""
RDF_TYPE = RDF + "type"


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


def graph_triples(source: Queryable, graph: str) -> list[ox.Triple]:
    answer = source.query(resources.internal_query("ld/graph-content.rq"), default_graphs=[graph])
    assert isinstance(answer, Triples)
    return list(answer.triples)


def owners(
    records: Mapping[str, Sequence[ox.Triple]], systems: Iterable[str], reference_subjects: set[Node]
) -> dict[Node, frozenset[str]]:
    """Each record node (a subject in the record graphs) with the management systems it belongs to.

    Records no management system reaches, by links or by their graph, are left out.
    """
    described: set[Node] = set()
    neighbours: dict[Node, list[Node]] = {}
    for triples in records.values():
        for t in triples:
            described.add(t.subject)
    described -= reference_subjects
    for triples in records.values():
        for t in triples:
            o = t.object
            if t.predicate.value == RDF_TYPE or isinstance(o, ox.Literal | ox.Triple) or o not in described:
                continue
            s = t.subject
            if s not in described or s == o:
                continue
            neighbours.setdefault(s, []).append(o)
            neighbours.setdefault(o, []).append(s)
    roots: set[Node] = {ox.NamedNode(s) for s in systems}
    roots &= described
    owned: dict[Node, frozenset[str]] = {}
    _spread(neighbours, {r: frozenset({str(r)[1:-1]}) for r in roots}, owned, roots)

    by_graph: dict[Node, set[str | None]] = {}
    for triples in records.values():
        in_graph = {t.subject for t in triples if t.subject in roots}
        only = str(next(iter(in_graph)))[1:-1] if len(in_graph) == 1 else None
        for t in triples:
            if t.subject in described and t.subject not in owned:
                by_graph.setdefault(t.subject, set()).add(only)
    seeds = {n: frozenset({g}) for n, gs in by_graph.items() if len(gs) == 1 and (g := next(iter(gs))) is not None}
    _spread(neighbours, seeds, owned, roots)
    return owned


def _spread(
    neighbours: Mapping[Node, Sequence[Node]],
    seeds: Mapping[Node, frozenset[str]],
    owned: dict[Node, frozenset[str]],
    roots: set[Node],
) -> None:
    """Breadth first from the seeds over unowned nodes: each takes the owners of its nearest seeds."""
    distance: dict[Node, int] = {}
    queue: deque[Node] = deque()
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
    records: Mapping[str, Sequence[ox.Triple]],
    organisations: Sequence[Organisation],
    systems: set[str],
    shipped: set[Node],
) -> set[Node]:
    """The record nodes of the chosen management systems, and the records they point to."""
    owned = owners(records, (o.system for o in organisations), shipped)
    mine = {n for n, belongs in owned.items() if belongs & systems}
    pointed = {
        t.object
        for triples in records.values()
        for t in triples
        if t.subject in mine and t.predicate.value != RDF_TYPE and isinstance(t.object, ox.NamedNode | ox.BlankNode)
    }
    return mine | {n for n in pointed if n in owned}


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
    reference = {g: graph_triples(store, g) for g in reference_names}
    shipped = {t.subject for g, triples in reference.items() if g not in _ABOUT_RECORDS for t in triples}
    view = OxigraphStore()
    described: set[Node] = set()
    kept: set[Node] = set()
    for label, graphs in per_label.items():
        records = {g: graph_triples(store, g) for g in graphs}
        keep = records_of(records, found[label], systems, shipped)
        for graph, triples in records.items():
            view.add_triples(graph, (t for t in triples if t.subject in keep))
            described |= {t.subject for t in triples}
        kept |= keep
    for graph, triples in reference.items():
        view.add_triples(graph, (t for t in triples if t.subject in kept or t.subject not in described))
    if any(label != CURRENT for label in per_label):
        view.add_triples(SNAPSHOTS_GRAPH, graph_triples(store, SNAPSHOTS_GRAPH))
    return view


def check_organisation(source: Queryable, iri: str | None) -> None:
    """Refuse an organisation the records do not hold before any work is done (CLI exit 2, HTTP 404)."""
    if iri:
        chosen_systems(list_organisations(source), iri)
