"""OWL reasoning with owlready2 and HermiT: consistency checks and inferred classification.

The ontology, the catalogue and the data go into a fresh owlready2 World through N-Triples (owlready2 does
not read Turtle). HermiT then either finds the whole consistent, and we keep what it inferred about
individuals (new types such as aims:HighRisk, inverse property values such as aims:treatedBy), or finds it
inconsistent. HermiT does not say why, so ``explain`` looks for the usual causes itself, with the axioms
involved: an individual in two disjoint classes (asserted, or implied by a property's domain or range), two
values for a functional property, or a value of the wrong datatype.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import owlready2
import pyoxigraph as ox

from .. import resources
from ..answers import display
from ..errors import ReasonerUnavailableError, StoreError
from ..namespaces import AIMS, OWL, PREFIXES, RDF, RDFS, XSD

TYPE = RDF + "type"
# HermiT only knows the OWL 2 datatype map, which has no xsd:date: dates are given to it as dateTimes.
_DATE, _DATETIME = ox.NamedNode(XSD + "date"), ox.NamedNode(XSD + "dateTime")
_NUMERIC = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")}


@dataclass
class ReasoningResult:
    consistent: bool
    inferred: list[ox.Triple] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    seconds: float = 0.0
    triples_in: int = 0


def java_available() -> bool:
    return shutil.which("java") is not None


def require_java() -> None:
    if not java_available():
        raise ReasonerUnavailableError(
            "OWL reasoning runs HermiT, which needs a Java runtime; install one "
            "(Debian/Ubuntu: apt-get install default-jre-headless) and try again"
        )


def reference_triples() -> list[ox.Triple]:
    triples: list[ox.Triple] = []
    for path in resources.ontology_files():
        triples.extend(q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    return triples


def _for_hermit(triple: ox.Triple) -> ox.Triple:
    obj = triple.object
    if isinstance(obj, ox.Literal) and obj.datatype == _DATE:
        return ox.Triple(triple.subject, triple.predicate, ox.Literal(obj.value + "T00:00:00", datatype=_DATETIME))
    return triple


def reason(data: Iterable[ox.Triple]) -> ReasoningResult:
    """Classify the data with the ontology; on inconsistency, explain what clashes."""
    require_java()
    triples = list(dict.fromkeys([*reference_triples(), *data]))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.nt"
        ox.serialize((_for_hermit(t) for t in triples), str(path), ox.RdfFormat.N_TRIPLES)
        # HermiT's heap: owlready2's default 2 GB thrashes on a few hundred thousand triples.
        owlready2.reasoning.JAVA_MEMORY = max(2000, min(12000, len(triples) // 10))
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        before = set(world.as_rdflib_graph())
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            explanation = explain(triples) or [
                "HermiT found the data inconsistent, but none of the usual causes (disjoint classes, "
                "functional properties, datatypes) was found; check the axioms that involve your data."
            ]
            return ReasoningResult(False, [], explanation, time.perf_counter() - started, len(triples))
        except owlready2.OwlReadyJavaError as exc:
            raise StoreError(f"the reasoner failed: {str(exc).splitlines()[-1][:300]}") from None
        after = set(world.as_rdflib_graph())
        world.close()
    individuals = _individuals(triples)
    found = {t for t in (_to_ox(*spo) for spo in after - before) if t is not None and _worth_keeping(t, individuals)}
    inferred = sorted(found | _inverse_values(triples), key=str)
    return ReasoningResult(True, inferred, [], time.perf_counter() - started, len(triples))


def _inverse_values(triples: list[ox.Triple]) -> set[ox.Triple]:
    """Values entailed by owl:inverseOf; owlready2 answers these on access but does not store them."""
    inverse: dict[str, ox.NamedNode] = {}
    for t in triples:
        is_inverse = t.predicate.value == OWL + "inverseOf"
        if is_inverse and isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.NamedNode):
            inverse[t.object.value] = t.subject
            inverse[t.subject.value] = t.object  # owl:inverseOf holds both ways
    asserted = set(triples)
    out = set()
    for t in triples:
        prop = inverse.get(t.predicate.value)
        if prop is not None and isinstance(t.object, ox.NamedNode) and isinstance(t.subject, ox.NamedNode):
            candidate = ox.Triple(t.object, prop, t.subject)
            if candidate not in asserted:
                out.add(candidate)
    return out


def _to_ox(s: object, p: object, o: object) -> ox.Triple | None:
    from rdflib import Literal, URIRef

    if not isinstance(s, URIRef) or not isinstance(p, URIRef) or not isinstance(o, URIRef | Literal):
        return None
    if isinstance(o, URIRef):
        return ox.Triple(ox.NamedNode(str(s)), ox.NamedNode(str(p)), ox.NamedNode(str(o)))
    return None  # HermiT infers no new literal values from this ontology


def _individuals(triples: list[ox.Triple]) -> set[ox.NamedNode]:
    schema = {
        OWL + "Class",
        OWL + "ObjectProperty",
        OWL + "DatatypeProperty",
        OWL + "AnnotationProperty",
        OWL + "Ontology",
        RDFS + "Datatype",
        OWL + "Restriction",
    }
    declared = {t.subject for t in triples if t.predicate.value == TYPE and t.object.value in schema}  # type: ignore[union-attr]
    return {t.subject for t in triples if isinstance(t.subject, ox.NamedNode) and t.predicate.value == TYPE} - declared


def _worth_keeping(triple: ox.Triple, individuals: set[ox.NamedNode]) -> bool:
    """Facts about the data's individuals: new types in named classes and inferred object property values."""
    if triple.subject not in individuals:
        return False
    if triple.predicate.value == TYPE:
        return isinstance(triple.object, ox.NamedNode) and not triple.object.value.startswith(OWL)
    return triple.predicate.value.startswith(str(AIMS))


# ------------------------------------------------------------------------------------------ explanation


class _Schema:
    """The parts of the ontology that can make data inconsistent, indexed for the checks below."""

    def __init__(self, triples: list[ox.Triple]) -> None:
        self.parents: dict[str, set[str]] = defaultdict(set)
        self.domain: dict[str, str] = {}
        self.range: dict[str, str] = {}
        self.functional: set[str] = set()
        self.disjoint: list[tuple[str, frozenset[str]]] = []
        self.different: list[frozenset[str]] = []
        lists = _rdf_lists(triples)
        for t in triples:
            s, p, o = t.subject, t.predicate.value, t.object
            if not isinstance(s, ox.NamedNode):
                if p == OWL + "members" and isinstance(o, ox.BlankNode):
                    members = frozenset(lists.get(o, []))
                    self.disjoint.append((f"AllDisjointClasses({_names(members)})", members))
                if p == OWL + "distinctMembers" and isinstance(o, ox.BlankNode):
                    self.different.append(frozenset(lists.get(o, [])))
                continue
            if p == RDFS + "subClassOf" and isinstance(o, ox.NamedNode):
                self.parents[s.value].add(o.value)
            elif p == RDFS + "domain" and isinstance(o, ox.NamedNode):
                self.domain[s.value] = o.value
            elif p == RDFS + "range" and isinstance(o, ox.NamedNode):
                self.range[s.value] = o.value
            elif p == TYPE and isinstance(o, ox.NamedNode) and o.value == OWL + "FunctionalProperty":
                self.functional.add(s.value)
            elif p == OWL + "disjointWith" and isinstance(o, ox.NamedNode):
                pair = frozenset({s.value, o.value})
                self.disjoint.append((f"{_name(s.value)} disjointWith {_name(o.value)}", pair))

    def ancestors(self, cls: str) -> set[str]:
        seen, todo = {cls}, [cls]
        while todo:
            for parent in self.parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen


def _rdf_lists(triples: list[ox.Triple]) -> dict[ox.BlankNode, list[str]]:
    first = {t.subject: t.object for t in triples if t.predicate.value == RDF + "first"}
    rest = {t.subject: t.object for t in triples if t.predicate.value == RDF + "rest"}
    lists: dict[ox.BlankNode, list[str]] = {}
    for head in first:
        if isinstance(head, ox.BlankNode):
            items, node = [], head
            while node in first:
                item = first[node]
                if isinstance(item, ox.NamedNode):
                    items.append(item.value)
                node = rest.get(node)  # type: ignore[assignment]
            lists[head] = items
    return lists


def _name(iri: str) -> str:
    return display(ox.NamedNode(iri), PREFIXES)


def _names(iris: Iterable[str]) -> str:
    return " ".join(sorted(_name(i) for i in iris))


def explain(triples: list[ox.Triple]) -> list[str]:
    """Readable causes of an inconsistency: which individuals clash, and through which axioms."""
    schema = _Schema(triples)
    why: dict[ox.NamedNode, dict[str, str]] = defaultdict(dict)  # individual -> class -> reason
    values: dict[tuple[ox.NamedNode, str], set[ox.NamedNode | ox.Literal]] = defaultdict(set)
    problems: list[str] = []
    for t in triples:
        if not isinstance(t.subject, ox.NamedNode):
            continue
        p = t.predicate.value
        if p == TYPE and isinstance(t.object, ox.NamedNode):
            why[t.subject].setdefault(t.object.value, "asserted")
            continue
        if p in schema.domain:
            why[t.subject].setdefault(schema.domain[p], f"implied by using {_name(p)} (rdfs:domain)")
        if p in schema.range and isinstance(t.object, ox.NamedNode):
            why[t.object].setdefault(schema.range[p], f"implied as a value of {_name(p)} (rdfs:range)")
        numeric_range = p in schema.range and schema.range[p] in _NUMERIC
        if numeric_range and isinstance(t.object, ox.Literal) and t.object.datatype.value not in _NUMERIC:
            problems.append(
                f"{_name(t.subject.value)} has {_name(p)} {t.object!s}, but the range of {_name(p)} is "
                f"{_name(schema.range[p])}"
            )
        if p in schema.functional and isinstance(t.object, ox.NamedNode | ox.Literal):
            values[(t.subject, p)].add(t.object)
    for individual, classes in why.items():
        closure: dict[str, str] = {}
        for cls, reason in classes.items():
            for ancestor in schema.ancestors(cls):
                closure.setdefault(ancestor, f"{_name(cls)} ({reason})" if ancestor != cls else reason)
        for axiom, members in schema.disjoint:
            clash = sorted(c for c in members if c in closure)
            if len(clash) >= 2:
                parts = "; ".join(f"{_name(c)}: {closure[c]}" for c in clash)
                problems.append(f"{_name(individual.value)} is in disjoint classes ({parts}); axiom: {axiom}")
    for (individual, prop), found in values.items():
        literals = {v for v in found if isinstance(v, ox.Literal)}
        named = {v.value for v in found if isinstance(v, ox.NamedNode)}
        distinct_named = any(len(named & group) >= 2 for group in schema.different)
        if len({(v.value, v.datatype.value) for v in literals}) >= 2 or distinct_named:
            shown = ", ".join(sorted(str(v) if isinstance(v, ox.Literal) else _name(v.value) for v in found))
            problems.append(
                f"{_name(individual.value)} has several values for the functional property {_name(prop)}: {shown}"
            )
    return sorted(set(problems))
