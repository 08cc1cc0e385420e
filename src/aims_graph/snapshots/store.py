"""Snapshots: an immutable copy of the organisation's graphs, made and removed inside the store.

A snapshot copies every graph that is not a reference graph (ontology, catalogues, crosswalks, shapes,
inferred triples) into a graph of its own under ``SNAPSHOT_GRAPH_BASE``, with one SPARQL update, so the data
never leaves the store, embedded or remote. The snapshot-metadata graph describes each snapshot as a DCAT 3
dataset version (``dcat:version``, ``dcat:previousVersion``) with PROV-O provenance: when, by whom and from
which graphs. Readers of the current state never see snapshot graphs (``store.visible_graphs``).
"""

from __future__ import annotations

import datetime
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from .. import resources
from ..answers import QueryResult, Rows, Term, value_of
from ..errors import ImmutableGraphError, NotFoundError, UserInputError
from ..namespaces import (
    DCTERMS,
    GRAPH_BASE,
    INFERRED_GRAPH,
    PROV,
    RDF,
    RDFS,
    SNAPSHOT_GRAPH_BASE,
    SNAPSHOTS_GRAPH,
    WRITES_GRAPH,
    XSD,
)
from ..store import (
    CATALOGUE_GRAPH,
    LOADING_GRAPH,
    ONTOLOGY_GRAPH,
    Store,
    checked_iri,
    is_snapshot_graph,
)

AnyStore = Store

CURRENT = "current"
"""The label that names the store's present state wherever a snapshot label is expected."""

SHAPES_GRAPH = GRAPH_BASE + "shapes"
_SCRATCH_GRAPHS = {LOADING_GRAPH.value, "urn:x-aims-graph:validate:data"}
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

DCAT = "http://www.w3.org/ns/dcat#"
RDF_TYPE = ox.NamedNode(RDF + "type")
RDFS_LABEL = ox.NamedNode(RDFS + "label")
XSD_DATETIME = ox.NamedNode(XSD + "dateTime")


@dataclass(frozen=True)
class Snapshot:
    """One snapshot as its description says: label, IRI, when, by whom, the one before it."""

    label: str
    iri: str
    issued: str
    by: str | None
    previous: str | None
    note: str | None
    about: str | None = None
    """The organisation (or management system) it was taken for, e.g. for its audit; None: every record."""


def reference_graphs() -> set[str]:
    """The graphs every snapshot leaves out and every as-of query keeps: what the project ships, not the records.

    Named as ``store.ensure_reference_graphs`` names them, plus the inferred and shapes graphs and the trail of
    writes.
    """
    names = {ONTOLOGY_GRAPH, CATALOGUE_GRAPH, INFERRED_GRAPH, SHAPES_GRAPH, WRITES_GRAPH}
    for path in resources.ontology_files():
        if path not in (resources.ontology_file(), resources.catalogue_file()):
            names.add(GRAPH_BASE + path.stem)
    return names


def all_graphs(store: AnyStore) -> list[str]:
    """Every named graph of the store, snapshot graphs included, without counting triples."""
    return sorted(store.graph_names())


def organisation_graphs(store: AnyStore) -> list[str]:
    """The graphs that hold the organisation's records: everything but reference, snapshot and scratch graphs."""
    skip = reference_graphs() | _SCRATCH_GRAPHS
    return [g for g in all_graphs(store) if g not in skip and not is_snapshot_graph(g)]


def check_label(label: str) -> str:
    if label == CURRENT or not _LABEL.match(label):
        raise UserInputError(
            f"not a snapshot label: {label!r}; use letters, digits, '.', '_' or '-' (at most 100), not {CURRENT!r}"
        )
    return label


def snapshot_iri(label: str) -> str:
    return SNAPSHOT_GRAPH_BASE + urllib.parse.quote(check_label(label), safe="")


def copy_name(label: str, source: str) -> str:
    """The graph a source graph is copied into: readable for our own graph names, escaped for any other."""
    ours = source.startswith(GRAPH_BASE)
    tail = source[len(GRAPH_BASE) :] if ours else "iri/" + urllib.parse.quote(source, safe="")
    return checked_iri(snapshot_iri(label) + "/" + tail).value


def _fill(template: str, **parts: str) -> str:
    for key, value in parts.items():
        template = template.replace("$" + key, value)
    return template


def list_snapshots(store: AnyStore) -> list[Snapshot]:
    """Every snapshot, oldest first."""
    answer = store.query(resources.internal_query("snapshots/list.rq"), default_graphs=[SNAPSHOTS_GRAPH])
    assert isinstance(answer, Rows)
    snapshots: list[Snapshot] = []
    for row in answer.dicts():
        snapshots.append(
            Snapshot(
                label=value_of(row["label"]),
                iri=value_of(row["snapshot"]),
                issued=value_of(row["issued"]),
                by=value_of(row["by"]) if "by" in row else None,
                previous=value_of(row["previous"]) if "previous" in row else None,
                note=value_of(row["note"]) if "note" in row else None,
                about=value_of(row["about"]) if "about" in row else None,
            )
        )
    return snapshots


def newest(snapshots: Sequence[Snapshot]) -> Snapshot | None:
    """The most recent snapshot (the later label on a tie): "the last audit"."""
    return max(snapshots, key=lambda s: (s.issued, s.label)) if snapshots else None


def get_snapshot(store: AnyStore, label: str) -> Snapshot:
    check_label(label)
    for snapshot in list_snapshots(store):
        if snapshot.label == label:
            return snapshot
    raise NotFoundError(f"no snapshot labelled {label!r}; `aims-graph snapshot list` shows them")


def snapshot_copies(store: AnyStore, snapshot: Snapshot) -> dict[str, str]:
    """The copies that make up a snapshot, each with the graph it was copied from."""
    answer = store.query(
        resources.internal_query("snapshots/graphs.rq"),
        bindings={"snapshot": ox.NamedNode(snapshot.iri)},
        default_graphs=[SNAPSHOTS_GRAPH],
    )
    assert isinstance(answer, Rows)
    return {value_of(row["copy"]): value_of(row["source"]) for row in answer.dicts()}


def dataset_graphs(store: AnyStore, label: str) -> list[str]:
    """The graphs that hold the organisation's records as of ``label``, or now for ``current``."""
    if label == CURRENT:
        return organisation_graphs(store)
    return sorted(snapshot_copies(store, get_snapshot(store, label)))


def create_snapshot(
    store: AnyStore,
    label: str,
    by: str,
    note: str | None = None,
    now: datetime.datetime | None = None,
    about: str | None = None,
) -> Snapshot:
    """Copy the organisation's graphs into a new snapshot, in one update; a label is never reused.

    ``about`` records the organisation the snapshot is taken for (its audit, say): the copy still holds every
    record, and reads pick one organisation's records from it (``organisations.organisation_view``)."""
    iri = snapshot_iri(label)
    existing = list_snapshots(store)
    if any(s.label == label for s in existing):
        raise UserInputError(f"a snapshot labelled {label!r} exists already; snapshots never change, pick a new label")
    sources = organisation_graphs(store)
    if not sources:
        raise UserInputError("nothing to snapshot: the store holds no organisation graphs, only reference graphs")
    when = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    issued = ox.Literal(when.isoformat(timespec="microseconds").replace("+00:00", "Z"), datatype=XSD_DATETIME)
    previous = newest(existing)
    pairs = {source: copy_name(label, source) for source in sources}
    metadata = _description(iri, label, issued, by, note, previous, pairs)
    if about:
        metadata.append(ox.Triple(ox.NamedNode(iri), ox.NamedNode(DCTERMS + "subject"), checked_iri(about)))
    meta = ox.NamedNode(SNAPSHOTS_GRAPH)
    block = f"GRAPH {meta} {{\n{(ox.serialize(metadata, format=ox.RdfFormat.N_TRIPLES) or b'').decode()}}}"
    rows = " ".join(f"({checked_iri(s)} {checked_iri(c)})" for s, c in pairs.items())
    store.update(_fill(resources.internal_query("snapshots/copy.ru"), pairs=rows, metadata=block))
    return get_snapshot(store, label)


def _description(
    iri: str,
    label: str,
    issued: ox.Literal,
    by: str,
    note: str | None,
    previous: Snapshot | None,
    pairs: Mapping[str, str],
) -> list[ox.Triple]:
    """The snapshot as a DCAT dataset version and a PROV-O entity: when, by whom, from which graphs."""
    snapshot = ox.NamedNode(iri)
    activity = ox.NamedNode(iri + "#creation")
    agent = ox.BlankNode()
    triples = [
        ox.Triple(snapshot, RDF_TYPE, ox.NamedNode(DCAT + "Dataset")),
        ox.Triple(snapshot, RDF_TYPE, ox.NamedNode(PROV + "Entity")),
        ox.Triple(snapshot, ox.NamedNode(DCAT + "version"), ox.Literal(label)),
        ox.Triple(snapshot, ox.NamedNode(DCTERMS + "title"), ox.Literal(f"AI management system records, {label}")),
        ox.Triple(snapshot, ox.NamedNode(DCTERMS + "issued"), issued),
        ox.Triple(snapshot, ox.NamedNode(PROV + "generatedAtTime"), issued),
        ox.Triple(snapshot, ox.NamedNode(PROV + "wasGeneratedBy"), activity),
        ox.Triple(snapshot, ox.NamedNode(PROV + "wasAttributedTo"), agent),
        ox.Triple(activity, RDF_TYPE, ox.NamedNode(PROV + "Activity")),
        ox.Triple(activity, ox.NamedNode(PROV + "endedAtTime"), issued),
        ox.Triple(activity, ox.NamedNode(PROV + "wasAssociatedWith"), agent),
        ox.Triple(agent, RDF_TYPE, ox.NamedNode(PROV + "Agent")),
        ox.Triple(agent, RDFS_LABEL, ox.Literal(by)),
    ]
    if note:
        triples.append(ox.Triple(snapshot, ox.NamedNode(DCTERMS + "description"), ox.Literal(note)))
    if previous is not None:
        triples.append(ox.Triple(snapshot, ox.NamedNode(DCAT + "previousVersion"), ox.NamedNode(previous.iri)))
    for source, copy in pairs.items():
        source_node, copy_node = ox.NamedNode(source), ox.NamedNode(copy)
        triples += [
            ox.Triple(activity, ox.NamedNode(PROV + "used"), source_node),
            ox.Triple(snapshot, ox.NamedNode(PROV + "wasDerivedFrom"), source_node),
            ox.Triple(copy_node, RDF_TYPE, ox.NamedNode(PROV + "Entity")),
            ox.Triple(copy_node, ox.NamedNode(DCTERMS + "isPartOf"), snapshot),
            ox.Triple(copy_node, ox.NamedNode(PROV + "wasDerivedFrom"), source_node),
            ox.Triple(copy_node, ox.NamedNode(PROV + "wasGeneratedBy"), activity),
        ]
    return triples


def drop_snapshot(store: AnyStore, label: str) -> Snapshot:
    """Remove a snapshot's copies and description in one update; the chain of versions closes over the gap."""
    snapshot = get_snapshot(store, label)
    copies = snapshot_copies(store, snapshot)
    drop = resources.internal_query("store/drop-graph.ru")
    drops = "".join(_fill(drop, graph=str(checked_iri(c))) + " ;\n" for c in sorted(copies))
    text = _fill(
        resources.internal_query("snapshots/drop.ru"),
        drops=drops,
        meta=str(ox.NamedNode(SNAPSHOTS_GRAPH)),
        snapshot=str(checked_iri(snapshot.iri)),
    )
    store.update(text)
    return snapshot


def refuse_snapshot_write(graph: str) -> None:
    """Writes through the Graph Store Protocol never reach a snapshot or the description of snapshots."""
    if is_snapshot_graph(graph):
        raise ImmutableGraphError(
            f"<{graph}> belongs to a snapshot, and snapshots never change; `aims-graph snapshot drop` removes one"
        )


class GraphView:
    """A store seen as of a snapshot: its queries run over exactly the given graphs plus the reference graphs."""

    def __init__(self, store: AnyStore, graphs: Sequence[str]) -> None:
        self.store = store
        present = set(all_graphs(store))
        self.graphs = sorted(set(graphs) | (reference_graphs() & present))

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        return self.store.query(
            sparql,
            bindings,
            self.graphs if default_graphs is None else default_graphs,
            self.graphs if named_graphs is None else named_graphs,
        )
