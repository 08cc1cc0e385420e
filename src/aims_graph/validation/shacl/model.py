"""A shapes graph read into typed shapes and constraints, or a ShapesError where it is not valid SHACL.

What counts as a shape, which checks make a shapes graph invalid, and the quirks of boolean parameters follow
pyshacl, the reference engine, so that both engines accept and refuse the same shapes graphs. Constructs that
are valid but that the compiler does not translate (SPARQL-based constraint components, ``$shapesGraph``) are
recorded on the shape as reasons to fall back, not refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from ...errors import ShapesError
from ...namespaces import OWL
from .paths import Path, read_path

ShapeNode = URIRef | BNode

NODE_KINDS: dict[URIRef, tuple[str, ...]] = {
    SH.IRI: ("iri",),
    SH.BlankNode: ("blank",),
    SH.Literal: ("literal",),
    SH.BlankNodeOrIRI: ("blank", "iri"),
    SH.BlankNodeOrLiteral: ("blank", "literal"),
    SH.IRIOrLiteral: ("iri", "literal"),
}

OWL_ONTOLOGY = URIRef(OWL + "Ontology")
OWL_IMPORTS = URIRef(OWL + "imports")

_TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)


@dataclass(frozen=True)
class Targets:
    nodes: tuple[Node, ...] = ()
    classes: tuple[Node, ...] = ()
    subjects_of: tuple[Node, ...] = ()
    objects_of: tuple[Node, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.nodes or self.classes or self.subjects_of or self.objects_of)


# ---------------------------------------------------------------------------------------------------------
# Constraints: one object per parameter value, as pyshacl evaluates them
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassOf:
    cls: Node
    component = SH.ClassConstraintComponent


@dataclass(frozen=True)
class Datatype:
    datatype: Node
    component = SH.DatatypeConstraintComponent


@dataclass(frozen=True)
class NodeKind:
    kind: Node
    component = SH.NodeKindConstraintComponent


@dataclass(frozen=True)
class MinCount:
    count: int
    component = SH.MinCountConstraintComponent


@dataclass(frozen=True)
class MaxCount:
    count: int
    component = SH.MaxCountConstraintComponent


@dataclass(frozen=True)
class Range:
    operator: str
    """The comparison a value must pass: ``>`` (minExclusive), ``>=``, ``<``, ``<=``."""
    bound: Literal
    component: URIRef


@dataclass(frozen=True)
class Length:
    operator: str
    """``>=`` for sh:minLength, ``<=`` for sh:maxLength."""
    length: int
    component: URIRef


@dataclass(frozen=True)
class Pattern:
    pattern: str
    flags: str
    component = SH.PatternConstraintComponent


@dataclass(frozen=True)
class LanguageIn:
    languages: tuple[str, ...]
    component = SH.LanguageInConstraintComponent


@dataclass(frozen=True)
class UniqueLang:
    component = SH.UniqueLangConstraintComponent


@dataclass(frozen=True)
class PropertyPair:
    kind: str
    """``equals``, ``disjoint``, ``lessThan`` or ``lessThanOrEquals``."""
    predicate: URIRef
    component: URIRef


@dataclass(frozen=True)
class HasValue:
    value: Node
    component = SH.HasValueConstraintComponent


@dataclass(frozen=True)
class In:
    values: tuple[Node, ...]
    component = SH.InConstraintComponent


@dataclass(frozen=True)
class Closed:
    allowed: frozenset[URIRef]
    component = SH.ClosedConstraintComponent


@dataclass(frozen=True, eq=False)
class Logical:
    kind: str
    """``not``, ``and``, ``or``, ``xone`` or ``node``; ``not`` and ``node`` have one shape."""
    shapes: tuple[Shape, ...]
    component: URIRef


@dataclass(frozen=True, eq=False)
class Qualified:
    shape: Shape
    bound: str
    """``min`` or ``max``."""
    count: int
    siblings: tuple[Shape, ...]
    component: URIRef


@dataclass(frozen=True)
class SparqlConstraint:
    node: Node
    select: str
    prefixes: tuple[tuple[str, str], ...]
    messages: tuple[Literal, ...]
    component = SH.SPARQLConstraintComponent


Constraint = (
    ClassOf
    | Datatype
    | NodeKind
    | MinCount
    | MaxCount
    | Range
    | Length
    | Pattern
    | LanguageIn
    | UniqueLang
    | PropertyPair
    | HasValue
    | In
    | Closed
    | Logical
    | Qualified
    | SparqlConstraint
)


@dataclass(eq=False)
class Shape:
    node: ShapeNode
    path_node: Node | None
    path: Path | None
    deactivated: bool = False
    severity: Node = SH.Violation
    messages: tuple[Literal, ...] = ()
    targets: Targets = field(default_factory=Targets)
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    """Why the compiler cannot translate this shape itself (nested shapes carry their own reasons)."""

    @property
    def is_property_shape(self) -> bool:
        return self.path is not None

    def __repr__(self) -> str:
        return f"<Shape {self.node}>"


@dataclass
class ShapesModel:
    graph: Graph
    shapes: dict[ShapeNode, Shape]

    def roots(self) -> list[Shape]:
        """Shapes that select their own focus nodes, in a stable order."""
        return sorted((s for s in self.shapes.values() if s.targets), key=lambda s: str(s.node))


# ---------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------

_RANGES = (
    (SH.minExclusive, ">", SH.MinExclusiveConstraintComponent),
    (SH.minInclusive, ">=", SH.MinInclusiveConstraintComponent),
    (SH.maxExclusive, "<", SH.MaxExclusiveConstraintComponent),
    (SH.maxInclusive, "<=", SH.MaxInclusiveConstraintComponent),
)
_PAIRS = (
    (SH.equals, "equals", SH.EqualsConstraintComponent),
    (SH.disjoint, "disjoint", SH.DisjointConstraintComponent),
    (SH.lessThan, "lessThan", SH.LessThanConstraintComponent),
    (SH.lessThanOrEquals, "lessThanOrEquals", SH.LessThanOrEqualsConstraintComponent),
)
_LOGICAL_LISTS = ((SH["and"], "and", SH.AndConstraintComponent), (SH["or"], "or", SH.OrConstraintComponent),
                  (SH.xone, "xone", SH.XoneConstraintComponent))  # fmt: skip
_PYTHON_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


def read_shapes(graph: Graph) -> ShapesModel:
    """Every shape of the shapes graph with its constraints; a ShapesError where the graph is not valid SHACL."""
    reader = _Reader(graph)
    return ShapesModel(graph, reader.read())


class _Reader:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.shapes: dict[ShapeNode, Shape] = {}

    def read(self) -> dict[ShapeNode, Shape]:
        for node, path_node in self._shape_nodes().items():
            path = read_path(self.g, path_node) if path_node is not None else None
            self.shapes[node] = Shape(node, path_node, path)
        components = self._custom_components()
        for shape in self.shapes.values():
            self._read_shape(shape, components)
        return self.shapes

    # -- which nodes are shapes (pyshacl's rules) --------------------------------------------------------

    def _shape_nodes(self) -> dict[ShapeNode, Node | None]:
        g = self.g
        node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
        property_shapes = set(g.subjects(RDF.type, SH.PropertyShape))
        found: dict[ShapeNode, Node | None] = {}
        for s in node_shapes:
            if (s, SH.path, None) in g:
                raise ShapesError(f"the node shape {s} has an sh:path; only property shapes have one")
            if s in property_shapes:
                raise ShapesError(f"{s} cannot be both a node shape and a property shape")
            found[_shape_node(s)] = None
        for s in property_shapes:
            paths = list(g.objects(s, SH.path))
            if len(paths) != 1:
                raise ShapesError(f"the property shape {s} must have exactly one sh:path, not {len(paths)}")
            found[_shape_node(s)] = paths[0]
        implied: set[Node] = set()
        for predicate in (*_TARGET_PREDICATES, SH.property, SH.node):
            implied.update(g.subjects(predicate, None))
        for predicate in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
            implied.update(g.objects(None, predicate))
        for predicate, _kind, _component in _LOGICAL_LISTS:
            for head in g.objects(None, predicate):
                members = self._items(head, f"the value of {predicate}")
                if not members:
                    raise ShapesError(f"{predicate} needs a non-empty list of shapes")
                implied.update(members)
        for s in implied:
            if s in found:
                continue
            paths = list(g.objects(s, SH.path))
            if len(paths) > 1:
                raise ShapesError(f"the property shape {s} has more than one sh:path")
            found[_shape_node(s)] = paths[0] if paths else None
        return found

    def _items(self, head: Node, what: str) -> list[Node]:
        if head != RDF.nil and (head, RDF.first, None) not in self.g:
            raise ShapesError(f"{what} must be an RDF list")
        try:
            return list(Collection(self.g, head))
        except (ValueError, AssertionError) as error:
            raise ShapesError(f"{what} is a malformed RDF list: {error}") from error

    def _custom_components(self) -> list[tuple[Node, list[URIRef]]]:
        """SPARQL-based constraint components: (component, mandatory parameter paths)."""
        g = self.g
        classes = {SH.ConstraintComponent}
        frontier = [SH.ConstraintComponent]
        while frontier:
            for sub in g.subjects(RDFS.subClassOf, frontier.pop()):
                if isinstance(sub, URIRef | BNode) and sub not in classes:
                    classes.add(sub)  # type: ignore[arg-type]
                    frontier.append(sub)  # type: ignore[arg-type]
        components = []
        for cls in classes:
            for component in set(g.subjects(RDF.type, cls)):
                mandatory = []
                for parameter in g.objects(component, SH.parameter):
                    optional = g.value(parameter, SH.optional)
                    path = g.value(parameter, SH.path)
                    if isinstance(path, URIRef) and not (isinstance(optional, Literal) and optional.value is True):
                        mandatory.append(path)
                components.append((component, mandatory))
        return components

    # -- one shape -----------------------------------------------------------------------------------------

    def _read_shape(self, shape: Shape, components: list[tuple[Node, list[URIRef]]]) -> None:
        g, node = self.g, shape.node
        deactivated = list(g.objects(node, SH.deactivated))
        if len(deactivated) > 1:
            raise ShapesError(f"the shape {node} has more than one sh:deactivated")
        if deactivated:
            if not isinstance(deactivated[0], Literal):
                raise ShapesError(f"sh:deactivated of {node} must be a literal")
            shape.deactivated = bool(deactivated[0].value)
        severities = list(g.objects(node, SH.severity))
        if severities:
            shape.severity = min(severities, key=str)
        shape.messages = tuple(m for m in g.objects(node, SH.message) if isinstance(m, Literal))
        shape.targets = Targets(
            nodes=_sorted(g.objects(node, SH.targetNode)),
            classes=_sorted([*g.objects(node, SH.targetClass), *self._implicit_class(node)]),
            subjects_of=_sorted(g.objects(node, SH.targetSubjectsOf)),
            objects_of=_sorted(g.objects(node, SH.targetObjectsOf)),
        )
        for component, mandatory in components:
            if all((node, path, None) in g for path in mandatory):
                shape.unsupported.append(f"the SPARQL-based constraint component {component}")
        shape.constraints = self._constraints(shape)
        for value in g.objects(node, SH.property):
            target = self.shapes[_shape_node(value)]
            if not target.is_property_shape:
                raise ShapesError(f"the value {value} of sh:property on {node} is not a property shape")
            shape.properties.append(target)

    def _implicit_class(self, node: ShapeNode) -> list[Node]:
        classes = {RDFS.Class, *self.g.subjects(RDFS.subClassOf, RDFS.Class)}
        return [node] if any(t in classes for t in self.g.objects(node, RDF.type)) else []

    def _one(self, node: Node, predicate: URIRef) -> Node | None:
        values = list(self.g.objects(node, predicate))
        if len(values) > 1:
            raise ShapesError(f"{node} has more than one {predicate}")
        return values[0] if values else None

    def _constraints(self, shape: Shape) -> list[Constraint]:
        g, node, property_shape = self.g, shape.node, shape.is_property_shape
        out: list[Constraint] = []
        out += [ClassOf(c) for c in _sorted(g.objects(node, SH["class"]))]
        datatype = self._one(node, SH.datatype)
        if datatype is not None:
            out.append(Datatype(datatype))
        kind = self._one(node, SH.nodeKind)
        if kind is not None:
            out.append(NodeKind(kind))
        for predicate, cls in ((SH.minCount, MinCount), (SH.maxCount, MaxCount)):
            value = self._one(node, predicate)
            if value is None:
                continue
            if not property_shape:
                raise ShapesError(f"{predicate} is only allowed on property shapes, not on {node}")
            if not (isinstance(value, Literal) and value.datatype == XSD.integer and isinstance(value.value, int)):
                raise ShapesError(f"{predicate} of {node} must be an xsd:integer literal")
            if value.value < 0:
                raise ShapesError(f"{predicate} of {node} must not be negative")
            out.append(cls(value.value))
        for predicate, operator, component in _RANGES:
            for value in _sorted(g.objects(node, predicate)):
                if not isinstance(value, Literal):
                    raise ShapesError(f"{predicate} of {node} must be a literal")
                out.append(Range(operator, value, component))
        for predicate, operator, component in (
            (SH.minLength, ">=", SH.MinLengthConstraintComponent),
            (SH.maxLength, "<=", SH.MaxLengthConstraintComponent),
        ):
            for value in _sorted(g.objects(node, predicate)):
                if not (isinstance(value, Literal) and isinstance(value.value, int)) or value.value < 0:
                    raise ShapesError(f"{predicate} of {node} must be a non-negative integer")
                out.append(Length(operator, value.value, component))
        out += self._patterns(node)
        languages = self._one(node, SH.languageIn)
        if languages is not None:
            tags = []
            for tag in self._items(languages, f"sh:languageIn of {node}"):
                if not (isinstance(tag, Literal) and isinstance(tag.value, str)):
                    raise ShapesError(f"sh:languageIn of {node} must list strings")
                tags.append(str(tag).lower())
            out.append(LanguageIn(tuple(tags)))
        unique = self._one(node, SH.uniqueLang)
        if unique is not None:
            if not property_shape:
                raise ShapesError(f"sh:uniqueLang is only allowed on property shapes, not on {node}")
            if not (isinstance(unique, Literal) and isinstance(unique.value, bool)):
                raise ShapesError(f"sh:uniqueLang of {node} must be a boolean")
            if unique == Literal(True):  # the spec names true; "1"^^xsd:boolean does not switch it on
                out.append(UniqueLang())
        for predicate, kind_name, component in _PAIRS:
            for value in _sorted(g.objects(node, predicate)):
                if kind_name.startswith("lessThan") and not property_shape:
                    raise ShapesError(f"{predicate} is only allowed on property shapes, not on {node}")
                if not isinstance(value, URIRef):
                    raise ShapesError(f"{predicate} of {node} must be an IRI")
                out.append(PropertyPair(kind_name, value, component))
        out += [HasValue(v) for v in _sorted(g.objects(node, SH.hasValue))]
        members = self._one(node, SH["in"])
        if members is not None:
            out.append(In(tuple(self._items(members, f"sh:in of {node}"))))
        out += self._closed(shape)
        out += self._logical(node)
        out += self._qualified(shape)
        out += self._sparql(shape)
        return out

    def _patterns(self, node: ShapeNode) -> list[Constraint]:
        flags_node = self._one(node, SH.flags)
        flags = str(flags_node) if flags_node is not None else ""
        out: list[Constraint] = []
        for value in _sorted(self.g.objects(node, SH.pattern)):
            if not isinstance(value, Literal):
                raise ShapesError(f"sh:pattern of {node} must be a literal")
            python_flags = 0
            for flag in flags:
                python_flags |= _PYTHON_FLAGS.get(flag, 0)
            try:
                re.compile(str(value), python_flags)
            except re.error as error:
                raise ShapesError(f"sh:pattern of {node} is not a valid regular expression: {error}") from error
            out.append(Pattern(str(value), flags))
        return out

    def _closed(self, shape: Shape) -> list[Constraint]:
        node = shape.node
        closed = self._one(node, SH.closed)
        ignored = list(self.g.objects(node, SH.ignoredProperties))
        if closed is None:
            if ignored:
                raise ShapesError(f"sh:ignoredProperties on {node} needs sh:closed")
            return []
        if not isinstance(closed, Literal):
            raise ShapesError(f"sh:closed of {node} must be a boolean literal")
        if not closed.value:
            return []
        allowed: set[URIRef] = set()
        for head in ignored:
            allowed.update(p for p in self._items(head, f"sh:ignoredProperties of {node}") if isinstance(p, URIRef))
        for value in self.g.objects(node, SH.property):
            path = self.g.value(value, SH.path)
            if isinstance(path, URIRef):
                allowed.add(path)
        return [Closed(frozenset(allowed))]

    def _shape(self, value: Node) -> Shape:
        return self.shapes[_shape_node(value)]

    def _logical(self, node: ShapeNode) -> list[Constraint]:
        out: list[Constraint] = []
        for value in _sorted(self.g.objects(node, SH["not"])):
            out.append(Logical("not", (self._shape(value),), SH.NotConstraintComponent))
        for value in _sorted(self.g.objects(node, SH.node)):
            target = self._shape(value)
            if target.is_property_shape:
                raise ShapesError(f"the value {value} of sh:node on {node} is a property shape, not a node shape")
            out.append(Logical("node", (target,), SH.NodeConstraintComponent))
        for predicate, kind, component in _LOGICAL_LISTS:
            for head in _sorted(self.g.objects(node, predicate)):
                members = tuple(self._shape(m) for m in self._items(head, f"{predicate} of {node}"))
                out.append(Logical(kind, members, component))
        return out

    def _qualified(self, shape: Shape) -> list[Constraint]:
        g, node = self.g, shape.node
        values = _sorted(g.objects(node, SH.qualifiedValueShape))
        if not values or not shape.is_property_shape:
            return []  # pyshacl ignores sh:qualifiedValueShape on node shapes
        counts: dict[str, int] = {}
        for predicate, bound in ((SH.qualifiedMinCount, "min"), (SH.qualifiedMaxCount, "max")):
            value = self._one(node, predicate)
            if value is None:
                continue
            if not (isinstance(value, Literal) and isinstance(value.value, int)):
                raise ShapesError(f"{predicate} of {node} must be an integer")
            counts[bound] = value.value
        if not counts:
            raise ShapesError(f"sh:qualifiedValueShape on {node} needs sh:qualifiedMinCount or sh:qualifiedMaxCount")
        disjoint = any(
            isinstance(d, Literal) and d.value is True for d in g.objects(node, SH.qualifiedValueShapesDisjoint)
        )
        out: list[Constraint] = []
        for value in values:
            siblings: set[Node] = set()
            if disjoint:
                for parent in g.subjects(SH.property, node):
                    for sibling_property in g.objects(parent, SH.property):
                        siblings.update(g.objects(sibling_property, SH.qualifiedValueShape))
                siblings.discard(value)
            sibling_shapes = tuple(self._shape(s) for s in _sorted(siblings) if _shape_node(s) in self.shapes)
            target = self._shape(value)
            if "min" in counts:
                component = SH.QualifiedMinCountConstraintComponent
                out.append(Qualified(target, "min", counts["min"], sibling_shapes, component))
            if "max" in counts:
                component = SH.QualifiedMaxCountConstraintComponent
                out.append(Qualified(target, "max", counts["max"], sibling_shapes, component))
        return out

    def _sparql(self, shape: Shape) -> list[Constraint]:
        g, node = self.g, shape.node
        out: list[Constraint] = []
        for constraint in _sorted(g.objects(node, SH.sparql)):
            selects = list(g.objects(constraint, SH.select))
            if len(selects) != 1:
                raise ShapesError(f"the SPARQL constraint {constraint} needs exactly one sh:select")
            select = selects[0]
            if not (isinstance(select, Literal) and isinstance(select.value, str)):
                raise ShapesError(f"sh:select of {constraint} must be a string")
            messages = list(g.objects(constraint, SH.message))
            for message in messages:
                if not (isinstance(message, Literal) and isinstance(message.value, str)):
                    raise ShapesError(f"sh:message of {constraint} must be a string")
            deactivated = self._one(constraint, SH.deactivated)
            if deactivated is not None:
                if not (isinstance(deactivated, Literal) and isinstance(deactivated.value, bool)):
                    raise ShapesError(f"sh:deactivated of {constraint} must be a boolean")
                if deactivated.value:
                    continue
            literals = tuple(m for m in messages if isinstance(m, Literal))
            out.append(SparqlConstraint(constraint, str(select), self._prefixes(constraint), literals))
        return out

    def _prefixes(self, constraint: Node) -> tuple[tuple[str, str], ...]:
        """rdf, rdfs and owl as pyshacl always declares them, then what sh:prefixes declares: the named
        nodes, what they import (owl:imports) within the shapes graph, and, as pyshacl adds them, the
        declarations of every owl:Ontology in the shapes graph."""
        g = self.g
        prefixes = {
            "rdf": str(RDF),
            "rdfs": str(RDFS),
            "owl": "http://www.w3.org/2002/07/owl#",
        }
        sources = list(g.objects(constraint, SH.prefixes))
        if not sources:
            return tuple(sorted(prefixes.items()))
        sources += [o for o in g.subjects(RDF.type, OWL_ONTOLOGY) if o not in sources]
        seen: set[Node] = set()
        while sources:
            source = sources.pop(0)
            if source in seen:
                continue
            seen.add(source)
            sources.extend(g.objects(source, OWL_IMPORTS))
            for declaration in g.objects(source, SH.declare):
                if isinstance(declaration, Literal):
                    raise ShapesError("the value of sh:declare must be an IRI or a blank node")
                names = list(g.objects(declaration, SH.prefix))
                namespaces = list(g.objects(declaration, SH.namespace))
                if len(names) != 1 or len(namespaces) != 1:
                    raise ShapesError("each sh:declare needs exactly one sh:prefix and one sh:namespace")
                name, namespace = names[0], namespaces[0]
                if not (isinstance(name, Literal) and isinstance(name.value, str)):
                    raise ShapesError("sh:prefix must be a string")
                if not isinstance(namespace, Literal):
                    raise ShapesError("sh:namespace must be a literal")
                prefixes[str(name)] = str(namespace)
        return tuple(sorted(prefixes.items()))


def _shape_node(node: Node) -> ShapeNode:
    if isinstance(node, URIRef | BNode):
        return node
    raise ShapesError(f"a shape must be an IRI or a blank node, not {node!r}")


def _sorted(nodes: Iterable[Node]) -> tuple[Node, ...]:
    """Parameter values in a stable order, so that generated queries and results do not depend on set order."""
    return tuple(sorted(set(nodes), key=lambda n: (type(n).__name__, str(n))))
