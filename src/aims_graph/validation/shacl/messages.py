"""Result messages: the shape's sh:message, or pyshacl's generic text for the component when it has none.

The generic texts follow pyshacl word for word and write terms with pyshacl's own ``stringify_node``, so a
report reads the same whichever engine made it. pyshacl writes data terms with the data graph's prefixes;
when the data lives in a store there is no such graph, and the shapes graph's prefixes are used instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from .model import (
    ClassOf,
    Closed,
    Constraint,
    Datatype,
    HasValue,
    In,
    LanguageIn,
    Length,
    Logical,
    MaxCount,
    MinCount,
    NodeKind,
    Pattern,
    PropertyPair,
    Qualified,
    Range,
    Shape,
    UniqueLang,
)

_PAIR_SYMBOLS = {"equals": "!=", "disjoint": "==", "lessThan": "<=", "lessThanOrEquals": "<"}
_LOGICAL_TEXT = {
    "and": "must conform to all shapes in",
    "or": "must conform to one or more shapes in",
    "xone": "must conform to exactly one shape in",
}


def pick(messages: Iterable[Node]) -> str:
    """One message per result, as validate.py picks it: English or untagged first, then by tag and text."""
    literals = [m for m in messages if isinstance(m, Literal)]
    if not literals:
        return ""
    best = min(literals, key=lambda m: (m.language not in (None, "en"), m.language or "", str(m)))
    return str(best)


def generic(shape: Shape, c: Constraint, focus: Node, value: Node | None, shapes: Graph, data: Graph | None) -> str:
    """pyshacl's make_generic_messages for the component, built from the same parameter values in the same
    order (pyshacl lists some of them as Python sets, which this reproduces within one process)."""
    from pyshacl.rdfutil.stringify import stringify_node  # pyshacl is slow to import: only when messages are made

    data_graph = data if data is not None else shapes

    def s(node: Node) -> str:
        return str(stringify_node(shapes, node))

    def d(node: Node | None) -> str:
        if node is None:
            return "None"
        try:
            return str(stringify_node(data_graph, node))
        except (LookupError, ValueError, RuntimeError, AssertionError):
            return str(node)

    def values(parameter: URIRef) -> list[Node]:
        return list(shapes.objects(shape.node, parameter))

    def items(head: Node) -> str:
        return " , ".join(s(item) for item in shapes.items(head))

    path = s(shape.path_node) if shape.path_node is not None else None
    if isinstance(c, ClassOf):
        classes = values(SH["class"])
        if len(classes) < 2:
            return f"Value does not have class {s(classes[0])}"
        return f"Value class is not in classes ({', '.join(s(x) for x in classes)})"
    if isinstance(c, Datatype):
        return f"Value is not Literal with datatype {s(c.datatype)}"
    if isinstance(c, NodeKind):
        return f"Value is not of Node Kind {s(c.kind)}"
    if isinstance(c, MinCount | MaxCount):
        words = "Less than" if isinstance(c, MinCount) else "More than"
        return f"{words} {c.count} values on {d(focus)}" + (f"->{path}" if path else "")
    if isinstance(c, Range):
        bounds = values(_RANGE_PARAMETERS[c.operator])
        if len(bounds) < 2:
            return f"Value is not {c.operator} {s(bounds[0])}"
        return f"Value is not {c.operator} in ({', '.join(s(b) for b in bounds)})"
    if isinstance(c, Length):
        parameter = SH.minLength if c.operator == ">=" else SH.maxLength
        return f"String length not {c.operator} {d(values(parameter)[0])}"
    if isinstance(c, Pattern):
        patterns = values(SH.pattern)
        if len(patterns) < 2:
            return f"Value does not match pattern '{patterns[0]}'"
        return "Value does not match every pattern in ('{}')".format("', '".join(str(p) for p in patterns))
    if isinstance(c, LanguageIn):
        return f"String language is not in {s(values(SH.languageIn)[0])}"
    if isinstance(c, UniqueLang):
        return "More than one String shares the same Language"
    if isinstance(c, PropertyPair):
        compared = set(values(_PAIR_PARAMETERS[c.kind]))
        rules = ", ".join(s(p) for p in compared)
        return f"Value of {d(focus)}->{rules} {_PAIR_SYMBOLS[c.kind]} {d(value)}"
    if isinstance(c, HasValue):
        the_set = [s(v) for v in set(values(SH.hasValue))]
        if path:
            return f"Node {d(focus)}->{path} does not contain a value in the set: {the_set}"
        return f"Node {d(focus)} value is not a in the set of values: {the_set}"
    if isinstance(c, In):
        members: set[Node] = set()
        for item in shapes.items(values(SH["in"])[0]):
            members.add(item)
        return f"Value {d(value)} not in list {[s(v) for v in members]}"
    if isinstance(c, Closed):
        return f"Node {d(focus)} is closed. It cannot have value: {d(value)}"
    if isinstance(c, Logical):
        return _logical(c, shape, s, d, values, items, value)
    if isinstance(c, Qualified):
        qualified = ",".join(s(x) for x in set(values(SH.qualifiedValueShape)))
        count = ""
        for parameter, word in ((SH.qualifiedMinCount, "MinCount"), (SH.qualifiedMaxCount, "MaxCount")):
            bound = values(parameter)
            if bound and isinstance(bound[0], Literal):
                count += f" {word} {bound[0].value}"
        plural = "s" if len(set(values(SH.qualifiedValueShape))) > 1 else ""
        if plural:
            return f"Focus node does not conform to shapes{count}: ({qualified})"
        return f"Focus node does not conform to shape{count}: {qualified}"
    return ""


def _logical(
    c: Logical,
    shape: Shape,
    s: Callable[[Node], str],
    d: Callable[[Node | None], str],
    values: Callable[[URIRef], list[Node]],
    items: Callable[[Node], str],
    value: Node | None,
) -> str:
    if c.kind == "not":
        nots = values(SH["not"])
        if len(nots) == 1:
            return f"Node {d(value)} must not conform to shape {s(nots[0])}"
        return f"Node {d(value)} must not conform to any shapes in {' , '.join(s(n) for n in nots)}"
    if c.kind == "node":
        nodes = values(SH.node)
        if len(nodes) < 2:
            text = f"Value does not conform to Shape {s(nodes[0])}."
        else:
            text = "Value must conform to every Shape in ('{}').".format("', '".join(s(n) for n in nodes))
        return text + " See details for more information."
    lists = values(_LOGICAL_PARAMETERS[c.kind])
    listed = items(lists[0]) if len(lists) < 2 else " and ".join(f"({items(head)})" for head in lists)
    return f"Node {d(value)} {_LOGICAL_TEXT[c.kind]} {listed}"


_RANGE_PARAMETERS = {">": SH.minExclusive, ">=": SH.minInclusive, "<": SH.maxExclusive, "<=": SH.maxInclusive}
_PAIR_PARAMETERS = {
    "equals": SH.equals,
    "disjoint": SH.disjoint,
    "lessThan": SH.lessThan,
    "lessThanOrEquals": SH.lessThanOrEquals,
}
_LOGICAL_PARAMETERS = {"and": SH["and"], "or": SH["or"], "xone": SH.xone}


def substituted(message: Literal, bindings: Mapping[str, Node]) -> Literal:
    """``{?var}`` and ``{$var}`` in a SPARQL constraint's message replaced by the row's values."""
    text = str(message)
    for name, node in bindings.items():
        text = text.replace("{?" + name + "}", str(node)).replace("{$" + name + "}", str(node))
    return Literal(text, lang=message.language, datatype=message.datatype)
