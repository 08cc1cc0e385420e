"""The ontology's axioms as a small model: class expressions, property characteristics, disjointness.

The model is read from the axiom triples themselves (whatever ontology the store holds), so the compiler in
``rules.py`` works for any axioms of the supported shapes and can name every axiom it cannot express.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..answers import display
from ..namespaces import OWL, PREFIXES, RDF, RDFS, XSD

TYPE = RDF + "type"
THING = OWL + "Thing"
NOTHING = OWL + "Nothing"

Node = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


# ------------------------------------------------------------------------------------------ expressions


@dataclass(frozen=True)
class Named:
    iri: str


@dataclass(frozen=True)
class Intersection:
    parts: tuple[ClassExpr, ...]


@dataclass(frozen=True)
class Union:
    parts: tuple[ClassExpr, ...]


@dataclass(frozen=True)
class OneOf:
    members: tuple[ox.NamedNode, ...]


@dataclass(frozen=True)
class Some:
    prop: str
    filler: ClassExpr | DataRange


@dataclass(frozen=True)
class AllValues:
    prop: str
    filler: ClassExpr | DataRange


@dataclass(frozen=True)
class HasValue:
    prop: str
    value: ox.NamedNode | ox.Literal


@dataclass(frozen=True)
class Other:
    """A class expression the compiler has no rule for (complement, cardinality, self restriction ...)."""

    text: str


@dataclass(frozen=True)
class Datatype:
    iri: str


@dataclass(frozen=True)
class Facet:
    name: str
    value: ox.Literal


@dataclass(frozen=True)
class DatatypeRestriction:
    base: str
    facets: tuple[Facet, ...]


ClassExpr = Named | Intersection | Union | OneOf | Some | AllValues | HasValue | Other
DataRange = Datatype | DatatypeRestriction


@dataclass(frozen=True)
class Disjoint:
    """Two classes that share no individual, and the axiom that says so (for messages)."""

    first: str
    second: str
    axiom: str


@dataclass
class Schema:
    """Everything the rules and the checks are compiled from."""

    sub_class: list[tuple[ClassExpr, ClassExpr, str]] = field(default_factory=list)  # (sub, super, axiom)
    domain: dict[str, list[ClassExpr]] = field(default_factory=lambda: defaultdict(list))
    range: dict[str, list[ClassExpr | DataRange]] = field(default_factory=lambda: defaultdict(list))
    sub_property: set[tuple[str, str]] = field(default_factory=set)
    inverse: set[tuple[str, str]] = field(default_factory=set)
    symmetric: set[str] = field(default_factory=set)
    functional: set[str] = field(default_factory=set)
    object_properties: set[str] = field(default_factory=set)
    datatype_properties: set[str] = field(default_factory=set)
    disjoint: list[Disjoint] = field(default_factory=list)
    different: list[tuple[ox.NamedNode, ...]] = field(default_factory=list)
    enumerations: dict[str, tuple[ox.NamedNode, ...]] = field(default_factory=dict)
    unsupported: list[str] = field(default_factory=list)
    """Axioms with no rule at all, each as a sentence; partly supported ones are added by the compiler."""


# Axiom predicates the model reads; any other OWL construct on a class or property is reported unsupported.
_UNSUPPORTED_PROPERTY_TYPES = {
    OWL + "TransitiveProperty": "transitive property",
    OWL + "InverseFunctionalProperty": "inverse functional property",
    OWL + "AsymmetricProperty": "asymmetric property",
    OWL + "IrreflexiveProperty": "irreflexive property",
    OWL + "ReflexiveProperty": "reflexive property",
}
_UNSUPPORTED_PREDICATES = {
    OWL + "propertyChainAxiom": "property chain",
    OWL + "propertyDisjointWith": "disjoint properties",
    OWL + "hasKey": "key",
    OWL + "disjointUnionOf": "disjoint union",
    OWL + "sameAs": "owl:sameAs",
}
_FACETS = {XSD + f for f in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive")}


class _Reader:
    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.out: dict[Node, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
        self.triples = list(dict.fromkeys(triples))  # CONSTRUCT answers may repeat triples
        for t in self.triples:
            self.out[t.subject][t.predicate.value].append(t.object)

    def one(self, node: Node, prop: str) -> Node | None:
        values = self.out.get(node, {}).get(prop, [])
        return values[0] if values else None

    def items(self, head: Node | None) -> list[Node]:
        items: list[Node] = []
        seen: set[Node] = set()
        while head is not None and isinstance(head, ox.BlankNode) and head not in seen:
            seen.add(head)
            first = self.one(head, RDF + "first")
            if first is not None:
                items.append(first)
            head = self.one(head, RDF + "rest")
        return items

    def class_expr(self, node: Node) -> ClassExpr:
        if isinstance(node, ox.NamedNode):
            return Named(node.value)
        if isinstance(node, ox.Literal | ox.Triple):
            return Other(f"the term {node}")
        props = self.out.get(node, {})
        if OWL + "intersectionOf" in props:
            return Intersection(tuple(self.class_expr(n) for n in self.items(props[OWL + "intersectionOf"][0])))
        if OWL + "unionOf" in props:
            return Union(tuple(self.class_expr(n) for n in self.items(props[OWL + "unionOf"][0])))
        if OWL + "oneOf" in props:
            members = self.items(props[OWL + "oneOf"][0])
            return OneOf(tuple(m for m in members if isinstance(m, ox.NamedNode)))
        on = self.one(node, OWL + "onProperty")
        if isinstance(on, ox.NamedNode):
            for kind, maker in ((OWL + "someValuesFrom", Some), (OWL + "allValuesFrom", AllValues)):
                filler = self.one(node, kind)
                if filler is not None:
                    return maker(on.value, self.filler(filler, on.value))
            value = self.one(node, OWL + "hasValue")
            if isinstance(value, ox.NamedNode | ox.Literal):
                return HasValue(on.value, value)
        kinds = sorted(p.rsplit("#", 1)[-1] for p in props if p.startswith(OWL) and p != OWL + "onProperty")
        return Other("a restriction or class with " + (", ".join(f"owl:{k}" for k in kinds) or "no known form"))

    def filler(self, node: Node, prop: str) -> ClassExpr | DataRange:
        if isinstance(node, ox.NamedNode):
            is_datatype = node.value.startswith(XSD) or node.value == RDFS + "Literal"
            return Datatype(node.value) if is_datatype else Named(node.value)
        on_datatype = self.one(node, OWL + "onDatatype")
        if isinstance(on_datatype, ox.NamedNode):
            facets: list[Facet] = []
            for item in self.items(self.one(node, OWL + "withRestrictions")):
                for name, values in self.out.get(item, {}).items():
                    if name in _FACETS and isinstance(values[0], ox.Literal):
                        facets.append(Facet(name, values[0]))
                    else:
                        return DatatypeRestriction(on_datatype.value, (Facet("unsupported:" + name, ox.Literal("")),))
            return DatatypeRestriction(on_datatype.value, tuple(facets))
        return self.class_expr(node)


def read_schema(triples: Iterable[ox.Triple]) -> Schema:
    """The model of the axioms among ``triples`` (other triples are ignored)."""
    reader = _Reader(triples)
    schema = Schema()
    for t in reader.triples:
        s, p, o = t.subject, t.predicate.value, t.object
        if p == RDFS + "subClassOf" and not isinstance(s, ox.Literal):
            schema.sub_class.append(
                (reader.class_expr(s), reader.class_expr(o), f"{_show(s)} rdfs:subClassOf {_show(o)}")
            )
        elif p == OWL + "equivalentClass" and not isinstance(s, ox.Literal):
            left, right = reader.class_expr(s), reader.class_expr(o)
            axiom = f"{_show(s)} owl:equivalentClass {_show(o)}"
            schema.sub_class.append((left, right, axiom))
            schema.sub_class.append((right, left, axiom))
        elif p == RDFS + "domain" and isinstance(s, ox.NamedNode):
            schema.domain[s.value].append(reader.class_expr(o))
        elif p == RDFS + "range" and isinstance(s, ox.NamedNode):
            schema.range[s.value].append(reader.filler(o, s.value))
        elif p == RDFS + "subPropertyOf" and isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
            schema.sub_property.add((s.value, o.value))
        elif p == OWL + "equivalentProperty" and isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
            schema.sub_property |= {(s.value, o.value), (o.value, s.value)}
        elif p == OWL + "inverseOf" and isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
            schema.inverse.add((s.value, o.value))
        elif p == OWL + "disjointWith" and isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
            schema.disjoint.append(Disjoint(s.value, o.value, f"{_show(s)} owl:disjointWith {_show(o)}"))
        elif p == OWL + "members" and reader.one(s, TYPE) == ox.NamedNode(OWL + "AllDisjointClasses"):
            members = [m.value for m in reader.items(o) if isinstance(m, ox.NamedNode)]
            axiom = f"AllDisjointClasses({' '.join(sorted(_show(ox.NamedNode(m)) for m in members))})"
            schema.disjoint.extend(
                Disjoint(a, b, axiom) for i, a in enumerate(members) for b in members[i + 1 :] if a != b
            )
        elif p in (OWL + "distinctMembers", OWL + "members") and reader.one(s, TYPE) == ox.NamedNode(
            OWL + "AllDifferent"
        ):
            schema.different.append(tuple(m for m in reader.items(o) if isinstance(m, ox.NamedNode)))
        elif p == OWL + "oneOf" and isinstance(s, ox.NamedNode):
            schema.enumerations[s.value] = tuple(m for m in reader.items(o) if isinstance(m, ox.NamedNode))
        elif p == TYPE and isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode):
            if o.value == OWL + "FunctionalProperty":
                schema.functional.add(s.value)
            elif o.value == OWL + "SymmetricProperty":
                schema.symmetric.add(s.value)
            elif o.value == OWL + "ObjectProperty":
                schema.object_properties.add(s.value)
            elif o.value == OWL + "DatatypeProperty":
                schema.datatype_properties.add(s.value)
            elif o.value in _UNSUPPORTED_PROPERTY_TYPES:
                schema.unsupported.append(
                    f"{_show(s)} is a {_UNSUPPORTED_PROPERTY_TYPES[o.value]}: no rule draws its consequences"
                )
        elif p in _UNSUPPORTED_PREDICATES:
            schema.unsupported.append(f"{_show(s)} {_show(t.predicate)} {_show(o)}: {_UNSUPPORTED_PREDICATES[p]}")
    return schema


def _show(node: Node) -> str:
    if isinstance(node, ox.BlankNode):
        return "[…]"
    return str(node) if isinstance(node, ox.Triple) else display(node, PREFIXES)
