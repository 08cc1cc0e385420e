"""Resolving what users type for a catalogue entry: a notation (A.6.2.4, 6.1.3, C.3.4) or its IRI."""

from __future__ import annotations

import re
from functools import cache

import pyoxigraph as ox

from . import resources
from .namespaces import ISO42001, RDF, SKOS

SKOS_NOTATION = ox.NamedNode(SKOS + "notation")
RDF_TYPE = ox.NamedNode(RDF + "type")
NOTATION = re.compile(r"^(?:[AC](?:\.\d+)*|\d+(?:\.\d+)*)$")


@cache
def notation_index() -> dict[str, ox.NamedNode]:
    """Notation -> IRI for every catalogue entry, read from the packaged catalogue (not from a store)."""
    path = resources.catalogue_file()
    quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    return {
        q.object.value: q.subject
        for q in quads
        if q.predicate == SKOS_NOTATION and isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)
    }


@cache
def framework_notation_index() -> dict[str, ox.NamedNode]:
    """Notation -> IRI for the other frameworks' catalogues ("Art. 9", "GOVERN 1.2"), leaving out notations
    that are ambiguous, such as ISO/IEC 27001 clause numbers, which are the same as ISO/IEC 42001's."""
    seen: dict[str, set[ox.NamedNode]] = {}
    for path in resources.ontology_files():
        if path == resources.catalogue_file():
            continue
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if (
                q.predicate == SKOS_NOTATION
                and isinstance(q.subject, ox.NamedNode)
                and isinstance(q.object, ox.Literal)
            ):
                seen.setdefault(q.object.value, set()).add(q.subject)
    ours = notation_index()
    return {n: next(iter(nodes)) for n, nodes in seen.items() if len(nodes) == 1 and n not in ours}


def looks_like_notation(text: str) -> bool:
    return bool(NOTATION.match(text.strip()))


def resolve_notation(text: str) -> ox.NamedNode | None:
    """The catalogue IRI for a notation, or None when no entry has that notation."""
    return notation_index().get(text.strip())


def notation_of(iri: str) -> str | None:
    """The notation of a catalogue IRI (iso42001:A-6-2-4 -> A.6.2.4), if it is one."""
    if not iri.startswith(str(ISO42001)):
        return None
    for notation, node in notation_index().items():
        if node.value == iri:
            return notation
    return None


@cache
def _types() -> dict[str, set[str]]:
    types: dict[str, set[str]] = {}
    for q in ox.parse(path=str(resources.catalogue_file()), format=ox.RdfFormat.TURTLE):
        if q.predicate == RDF_TYPE and isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            types.setdefault(q.subject.value, set()).add(q.object.value)
    return types


def notations_of(cls: str) -> list[str]:
    """The notations of the catalogue entries of one class, in the standard's order (A.2.2 before A.10.2)."""
    found = [n for n, node in notation_index().items() if str(cls) in _types().get(node.value, set())]
    return sorted(found, key=notation_sort_key)


def notation_sort_key(notation: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in notation.split("."))
