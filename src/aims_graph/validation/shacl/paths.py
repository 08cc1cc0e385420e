"""SHACL property paths: read from the shapes graph, written as SPARQL 1.1 property paths.

SPARQL property paths have exactly the semantics SHACL gives its paths (SHACL defines them that way), so a
value-node lookup is one triple pattern with the path in predicate position. Duplicates that sequence and
alternative paths produce are removed by the DISTINCT of every generated query.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from ...errors import ShapesError
from .terms import iri_text

_MAX_DEPTH = 20


@dataclass(frozen=True)
class Predicate:
    iri: URIRef


@dataclass(frozen=True)
class Inverse:
    path: Path


@dataclass(frozen=True)
class Sequence:
    steps: tuple[Path, ...]


@dataclass(frozen=True)
class Alternative:
    options: tuple[Path, ...]


@dataclass(frozen=True)
class Repeat:
    path: Path
    operator: str
    """``*`` (zero or more), ``+`` (one or more) or ``?`` (zero or one)."""


Path = Predicate | Inverse | Sequence | Alternative | Repeat

_REPEATS = ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?"))


def read_path(graph: Graph, node: Node, depth: int = 0) -> Path:
    """The path a shape's sh:path names; a ShapesError for anything that is not a well-formed SHACL path.

    The order of the checks follows pyshacl and report.render_path: an RDF list is a sequence path even when
    the same node also carries another path predicate.
    """
    if depth > _MAX_DEPTH:
        raise ShapesError(f"the property path at {node} is nested too deeply or is cyclic")
    if isinstance(node, URIRef):
        return Predicate(node)
    if isinstance(node, Literal) or not isinstance(node, BNode):
        raise ShapesError(f"a property path must be an IRI or a blank node, not {node!r}")
    if (node, RDF.first, None) in graph:
        items = _list(graph, node)
        if len(items) < 2 and depth == 0:
            raise ShapesError("a sequence path must list at least two paths")
        steps = tuple(read_path(graph, item, depth + 1) for item in items)
        return steps[0] if len(steps) == 1 else Sequence(steps)
    inverse = graph.value(node, SH.inversePath)
    if inverse is not None:
        return Inverse(read_path(graph, inverse, depth + 1))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        options = _list(graph, alternatives)
        if len(options) < 2:
            raise ShapesError("an alternative path must list at least two paths")
        return Alternative(tuple(read_path(graph, item, depth + 1) for item in options))
    for key, operator in _REPEATS:
        inner = graph.value(node, key)
        if inner is not None:
            return Repeat(read_path(graph, inner, depth + 1), operator)
    raise ShapesError(f"{node} is not a SHACL property path")


def _list(graph: Graph, head: Node) -> list[Node]:
    if head != RDF.nil and (head, RDF.first, None) not in graph:
        raise ShapesError(f"expected an RDF list of paths at {head}")
    try:
        return list(Collection(graph, head))
    except (ValueError, AssertionError) as error:  # rdflib's own signals for broken lists
        raise ShapesError(f"a malformed RDF list of paths at {head}: {error}") from error


# Binding strength: alternative < sequence < unary (^ * + ?) < primary (IRI).
_ALT, _SEQ, _UNARY, _PRIMARY = range(4)


def sparql_path(path: Path) -> str:
    """The path in SPARQL property path syntax, with full IRIs."""
    return _text(path)[0]


def _text(path: Path) -> tuple[str, int]:
    if isinstance(path, Predicate):
        return iri_text(path.iri), _PRIMARY
    if isinstance(path, Inverse):
        return "^" + _wrap(path.path, _PRIMARY), _UNARY
    if isinstance(path, Sequence):
        return "/".join(_wrap(step, _UNARY) for step in path.steps), _SEQ
    if isinstance(path, Alternative):
        return "|".join(_wrap(option, _SEQ) for option in path.options), _ALT
    return _wrap(path.path, _PRIMARY) + path.operator, _UNARY


def _wrap(path: Path, needed: int) -> str:
    text, strength = _text(path)
    return text if strength >= needed else f"({text})"


def predicate_of(path: Path) -> URIRef | None:
    """The IRI of a predicate path, else None (sh:closed only counts predicate paths)."""
    return path.iri if isinstance(path, Predicate) else None
