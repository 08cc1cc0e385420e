"""RDF terms between rdflib (shapes, pyshacl, reports), pyoxigraph (stores, results) and query text.

Every term that goes into a generated query is written by pyoxigraph from a validated term, so no value from
the shapes graph can change a query's structure.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from ...answers import Term


class Unsupported(Exception):
    """Something the compiler cannot turn into SPARQL; the shape falls back to pyshacl with this reason."""


def iri_text(iri: URIRef | str) -> str:
    """An IRI in SPARQL syntax; Unsupported for what is not a valid IRI."""
    try:
        return str(ox.NamedNode(str(iri)))
    except ValueError:
        raise Unsupported(f"{iri!r} is not an IRI that SPARQL can write") from None


def term_text(node: Node) -> str:
    """A constant from the shapes graph in SPARQL syntax; blank nodes have no such form."""
    if isinstance(node, URIRef):
        return iri_text(node)
    if isinstance(node, Literal):
        return str(to_ox_literal(node))
    raise Unsupported(f"the blank node {node} cannot be used as a constant in a SPARQL query")


ILL_TYPED = "ill-typed:"
"""Prefix that keeps a literal ill-formed in the store where rdflib, parsing it, replaced its lexical form
with a valid one ("none"^^xsd:boolean becomes "false" but stays flagged ill-typed)."""


def to_ox_literal(node: Literal) -> ox.Literal:
    if node.datatype == XSD.boolean and getattr(node, "ill_typed", False):
        return ox.Literal(ILL_TYPED + str(node), datatype=ox.NamedNode(str(XSD.boolean)))
    if node.language:
        return ox.Literal(str(node), language=node.language)
    if node.datatype is not None and node.datatype != XSD.string:
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
    return ox.Literal(str(node))


def to_ox(node: Node, blank_ids: dict[BNode, str] | None = None) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term, keeping blank node labels where pyoxigraph accepts them."""
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        if blank_ids is not None and node in blank_ids:
            return ox.BlankNode(blank_ids[node])
        try:
            return ox.BlankNode(str(node))
        except ValueError:
            if blank_ids is None:
                raise
            blank = ox.BlankNode()
            blank_ids[node] = blank.value
            return blank
    if isinstance(node, Literal):
        return to_ox_literal(node)
    raise TypeError(f"not an RDF term: {node!r}")


def to_rdflib(term: Term) -> URIRef | BNode | Literal:
    """A pyoxigraph result term as an rdflib term (for report.render_term)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise Unsupported(f"RDF-star terms are not supported in validation results: {term}")


def quads_of(
    triples: Iterable[tuple[Node, Node, Node]], graph: ox.NamedNode, blank_ids: dict[BNode, str]
) -> Iterable[ox.Quad]:
    """rdflib triples as quads in one named graph, blank node labels kept where pyoxigraph accepts them
    (``blank_ids`` records the others)."""
    for s, p, o in triples:
        subject = to_ox(s, blank_ids)
        if isinstance(subject, ox.Literal):
            continue  # generalised RDF (a literal subject) cannot be stored; no shape can reach it either
        yield ox.Quad(subject, ox.NamedNode(str(p)), to_ox(o, blank_ids), graph)
