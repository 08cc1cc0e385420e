"""What changed between two moments of the AIMS, in the terms a governance lead reads.

Each side is a set of graphs: a snapshot's copies, or the current organisation graphs. The queries in
``queries/diff/`` compare the two sets inside the store (embedded or remote), each fact read from one side
only; the validation results of both sides are compared as well (the compiled engine, in the store). The
answer renders as text, as JSON, and as RDF: one Changeset (``cs:ChangeSet``) per changed item, with the
statements removed and added where the change is one triple.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from .. import resources
from ..answers import Rows, Term, display
from ..namespaces import PREFIXES
from ..store import OxigraphStore, checked_iri
from ..validation.shacl import compile_shapes
from ..validation.shacl.compile import Check
from ..validation.validate import load_shapes, validate_store
from .changes import changed_triples, shapes_that_see
from .store import (
    CURRENT,
    AnyStore,
    GraphView,
    all_graphs,
    dataset_graphs,
    get_snapshot,
    reference_graphs,
)

CATEGORIES: dict[str, str] = {
    "risks": "Risks",
    "treatments": "Risk treatments and their controls",
    "soa": "Statement of Applicability",
    "evidence": "Evidence",
    "nonconformities": "Nonconformities",
    "systems": "AI systems",
}
"""The diff queries (queries/diff/<name>.rq), in the order a report shows them, with their headings."""

_CLASSES = {
    "risks": "Risk",
    "treatments": "RiskTreatment",
    "nonconformities": "Nonconformity",
    "systems": "AISystem",
    "evidence": "Evidence",
}
_VALUE_NAMES = {"risks": "level", "systems": "stage"}
"""What the value shown with an added or removed item is."""
_NO_STATEMENTS = {"soa"}
"""Categories whose changes are not single triples about the item (an SoA change is about its entry)."""

AIMS = PREFIXES["aims"]
CS = "http://purl.org/vocab/changeset/schema#"
RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
PROV = PREFIXES["prov"]
RDF_TYPE = RDF + "type"


@dataclass(frozen=True)
class Change:
    """One change to one item: its category, what happened, and the values before and after."""

    category: str
    change: str
    item: Term
    label: str | None
    property: ox.NamedNode
    before: Term | None
    after: Term | None
    context: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "change": self.change,
            "item": _json_term(self.item),
            "label": self.label,
            "property": _json_term(self.property),
            "before": _json_term(self.before),
            "after": _json_term(self.after),
            "context": self.context,
        }

    def sentence(self) -> str:
        name = self.label or display(self.item, PREFIXES)
        if self.category == "soa":
            name = f"{self.label or display(self.item, PREFIXES)} {self.context or ''}".strip()
        text = f"{self.change}: {name}"
        if self.property.value != RDF_TYPE and self.before is not None and self.after is not None:
            before, after = display(self.before, PREFIXES), display(self.after, PREFIXES)
            text += f" ({_short(self.property)} {before} → {after})"
        elif self.property.value != RDF_TYPE and self.after is not None:
            text += f" ({_short(self.property)} {display(self.after, PREFIXES)})"
        elif self.property.value != RDF_TYPE and self.before is not None:
            text += f" ({_short(self.property)} was {display(self.before, PREFIXES)})"
        elif self.after is not None or self.before is not None:
            value = display(self.after if self.after is not None else self.before, PREFIXES)
            text += f" ({_VALUE_NAMES.get(self.category, 'value')} {value})"
        if self.context and self.category != "soa":
            text += f" [{self.context}]"
        return text


@dataclass(frozen=True)
class ValidationChange:
    """A validation result present on one side only: new since the earlier records, or resolved since."""

    change: str
    result: dict[str, Any]

    def sentence(self) -> str:
        clauses = ", ".join(self.result.get("clauses") or [])
        where = f" [{clauses}]" if clauses else ""
        focus = display(ox.NamedNode(self.result["focus"]), PREFIXES) if ":" in self.result["focus"] else ""
        return f"{self.change}: {focus}: {self.result['message']}{where}"


@dataclass
class Diff:
    """The changes from one side to the other, with the labels of both sides."""

    from_label: str
    to_label: str
    changes: list[Change] = field(default_factory=list)
    validation: list[ValidationChange] | None = None
    from_iri: str | None = None
    to_iri: str | None = None

    def counts(self) -> dict[str, int]:
        counts = {name: 0 for name in CATEGORIES}
        for change in self.changes:
            counts[change.category] += 1
        if self.validation is not None:
            counts["validation"] = len(self.validation)
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.from_label,
            "to": self.to_label,
            "counts": self.counts(),
            "changes": [c.to_json() for c in self.changes],
            "validation": None
            if self.validation is None
            else [{"change": v.change, **v.result} for v in self.validation],
        }

    def sections(self) -> list[tuple[str, list[str]]]:
        """Headings with their lines, in report order; what text and HTML both show."""
        sections: list[tuple[str, list[str]]] = []
        for name, title in CATEGORIES.items():
            lines = [c.sentence() for c in self.changes if c.category == name]
            sections.append((title, lines))
        if self.validation is not None:
            sections.append(("Validation results", [v.sentence() for v in self.validation]))
        return sections

    def to_text(self) -> str:
        total = len(self.changes) + len(self.validation or [])
        lines = [f"Changes from {self.from_label} to {self.to_label}: {total}"]
        for title, items in self.sections():
            lines += ["", f"{title} ({len(items)})"]
            lines += [f"  - {item}" for item in items] or ["  (no change)"]
        return "\n".join(lines) + "\n"

    def to_triples(self) -> list[ox.Triple]:
        """One cs:ChangeSet per change: the item, a sentence, and the statements removed and added."""
        triples: list[ox.Triple] = []
        for number, change in enumerate(self.changes, start=1):
            node = ox.BlankNode(f"change{number}")  # stable labels: the same diff serialises the same way
            triples += [
                ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(CS + "ChangeSet")),
                ox.Triple(node, ox.NamedNode(CS + "subjectOfChange"), _subject(change.item)),
                ox.Triple(node, ox.NamedNode(CS + "changeReason"), ox.Literal(change.sentence())),
                ox.Triple(node, ox.NamedNode(RDFS + "label"), ox.Literal(_title(change))),
            ]
            for side in (self.from_iri, self.to_iri):
                if side is not None:
                    triples.append(ox.Triple(node, ox.NamedNode(PROV + "wasDerivedFrom"), ox.NamedNode(side)))
            for part, (kind, obj) in enumerate(_statements(change), start=1):
                statement = ox.BlankNode(f"change{number}-{part}")
                triples += [
                    ox.Triple(node, ox.NamedNode(CS + kind), statement),
                    ox.Triple(statement, ox.NamedNode(RDF_TYPE), ox.NamedNode(RDF + "Statement")),
                    ox.Triple(statement, ox.NamedNode(RDF + "subject"), _subject(change.item)),
                    ox.Triple(statement, ox.NamedNode(RDF + "predicate"), _predicate(change.property)),
                    ox.Triple(statement, ox.NamedNode(RDF + "object"), obj),
                ]
        return triples

    def to_turtle(self) -> bytes:
        prefixes = {**PREFIXES, "cs": CS}
        return ox.serialize(self.to_triples(), format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


def _statements(change: Change) -> list[tuple[str, Term]]:
    if change.category in _NO_STATEMENTS or change.change == "expired":
        return []
    if change.property.value == RDF_TYPE:
        kind = "removal" if change.change == "removed" else "addition"
        return [(kind, ox.NamedNode(AIMS + _CLASSES[change.category]))]
    found: list[tuple[str, Term]] = []
    if change.before is not None:
        found.append(("removal", change.before))
    if change.after is not None:
        found.append(("addition", change.after))
    return found


def _subject(term: Term) -> ox.NamedNode | ox.BlankNode:
    assert isinstance(term, ox.NamedNode | ox.BlankNode)
    return term


def _predicate(term: Term) -> ox.NamedNode:
    if not isinstance(term, ox.NamedNode):
        raise ValueError(f"a diff query returned a property that is not an IRI: {term}")
    return term


def _title(change: Change) -> str:
    return f"{CATEGORIES[change.category]}: {change.change}"


def _short(term: Term) -> str:
    return display(term, PREFIXES).removeprefix("aims:")


def _json_term(term: Term | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _joined(context: Term | None) -> str | None:
    """The context names in a stable order: GROUP_CONCAT's order is up to the engine."""
    if not isinstance(context, ox.Literal) or not context.value:
        return None
    return "; ".join(sorted(set(context.value.split("; "))))


def _values(graphs: Sequence[str]) -> str:
    """The graph IRIs of one side, in N-Triples form for a VALUES block; no side is ever empty."""
    return " ".join(str(checked_iri(g)) for g in graphs) or "<urn:aims-graph:no-graph>"


def compare_graphs(store: AnyStore, before: Sequence[str], after: Sequence[str]) -> list[Change]:
    """Run every diff query on two sets of graphs; the reference graphs are the default graph, for labels."""
    reference = sorted(reference_graphs() & set(all_graphs(store)))
    named = sorted(set(before) | set(after)) or ["urn:aims-graph:no-graph"]
    changes: list[Change] = []
    for name in CATEGORIES:
        text = resources.internal_query(f"diff/{name}.rq")
        text = text.replace("$from", _values(before)).replace("$to", _values(after))
        answer = store.query(text, default_graphs=reference or ["urn:aims-graph:no-graph"], named_graphs=named)
        assert isinstance(answer, Rows)
        for row in answer.dicts():
            context = row.get("contextLabel")
            label = row.get("label")
            changes.append(
                Change(
                    category=name,
                    change=row["change"].value if not isinstance(row["change"], ox.Triple) else "",
                    item=row["item"],
                    label=label.value if isinstance(label, ox.Literal) else None,
                    property=_predicate(row["property"]),
                    before=row.get("before"),
                    after=row.get("after"),
                    context=_joined(context),
                )
            )
    return changes


def compare_validation(
    store: AnyStore, before: Sequence[str], after: Sequence[str], only_changed: bool = True
) -> list[ValidationChange]:
    """Validation results new on the later side, then those resolved since the earlier one.

    With ``only_changed``, the shapes none of whose checks read a triple that differs between the sides are
    left out on both (``changes.shapes_that_see``): they give the same results on both sides.
    """
    shapes = load_shapes(resources.shape_files())
    select: Callable[[Check], bool] | None = None
    changed = changed_triples(store, before, after) if only_changed else None
    if changed is not None and isinstance(store, OxigraphStore):
        seen = shapes_that_see(compile_shapes(shapes).checks, changed, store, GraphView(store, after).graphs)
        select = lambda check: check.shape.node in seen  # noqa: E731
    old = validate_store(GraphView(store, before), shapes, engine="sparql", select=select).to_json()["results"]
    new = validate_store(GraphView(store, after), shapes, engine="sparql", select=select).to_json()["results"]

    def key(result: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(result.get(k)) for k in ("shape", "focus", "path", "value", "message"))

    old_keys = {key(r) for r in old}
    new_keys = {key(r) for r in new}
    found = [ValidationChange("new", r) for r in new if key(r) not in old_keys]
    found += [ValidationChange("resolved", r) for r in old if key(r) not in new_keys]
    return sorted(found, key=lambda v: (v.change, key(v.result)))


def diff(store: AnyStore, from_label: str, to_label: str = CURRENT, validation: bool = True) -> Diff:
    """What changed from one snapshot (or ``current``) to another, computed in the store."""
    before = dataset_graphs(store, from_label)
    after = dataset_graphs(store, to_label)
    result = Diff(
        from_label,
        to_label,
        compare_graphs(store, before, after),
        from_iri=None if from_label == CURRENT else get_snapshot(store, from_label).iri,
        to_iri=None if to_label == CURRENT else get_snapshot(store, to_label).iri,
    )
    if validation:
        result.validation = compare_validation(store, before, after)
    return result
