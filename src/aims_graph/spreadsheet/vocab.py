"""What the sheets' named values and notations stand for, read from the packaged ontology and catalogue.

Nothing here is hand-listed: the lifecycle stages, statuses and decisions are the members of the ontology's
``owl:oneOf`` lists, and their display names are its ``rdfs:label``s, so the drop-down lists cannot drift
from the vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from .. import resources
from ..catalogue import notation_index
from ..namespaces import ISO42001
from .model import Column, Kind

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """The form named values and headers are matched in: case, spaces and punctuation do not matter."""
    return _NOT_WORD.sub("", text.lower())


@cache
def _ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(resources.ontology_file(), format="turtle")


@cache
def label(iri: str) -> str:
    """The ontology's English label with a capital first letter, as shown in the sheets."""
    graph = _ontology()
    for value in graph.objects(rdflib.URIRef(iri), RDFS.label):
        text = str(value)
        return text[:1].upper() + text[1:]
    return iri.rsplit("#", 1)[-1]


@cache
def members(enumeration: str) -> tuple[str, ...]:
    """The named individuals of an enumerated class, in the ontology's order."""
    graph = _ontology()
    head = graph.value(rdflib.URIRef(enumeration), OWL.oneOf)
    if head is None:
        raise KeyError(f"{enumeration} is not an enumerated class of the ontology")
    return tuple(str(item) for item in Collection(graph, head))


def choices(column: Column) -> tuple[str, ...]:
    """The IRIs a CHOICE or TYPE column may hold."""
    if column.kind is Kind.TYPE:
        return column.classes
    if column.enumeration is None:
        return ()
    return members(column.enumeration)


@cache
def _lookup(values: tuple[str, ...]) -> dict[str, str]:
    table: dict[str, str] = {}
    for iri in values:
        table[normalise(label(iri))] = iri
        table[normalise(iri.rsplit("#", 1)[-1])] = iri
    return table


def choice_for(column: Column, text: str) -> str | None:
    """The IRI a cell names, by label (Operation and monitoring) or local name (OperationAndMonitoring)."""
    return _lookup(choices(column)).get(normalise(text))


def declared(iri: str) -> bool:
    """Whether the ontology declares this class or property."""
    graph = _ontology()
    return (rdflib.URIRef(iri), RDF.type, None) in graph


@dataclass(frozen=True)
class CatalogueEntry:
    notation: str
    iri: str
    types: frozenset[str]


@cache
def catalogue_entries() -> dict[str, CatalogueEntry]:
    """Notation -> entry, with the entry's classes (to tell a control from a clause)."""
    types: dict[str, set[str]] = {}
    quads = ox.parse(path=str(resources.catalogue_file()), format=ox.RdfFormat.TURTLE)
    rdf_type = ox.NamedNode(str(RDF.type))
    for quad in quads:
        if quad.predicate == rdf_type and isinstance(quad.object, ox.NamedNode):
            types.setdefault(quad.subject.value, set()).add(quad.object.value)
    return {
        notation: CatalogueEntry(notation, node.value, frozenset(types.get(node.value, ())))
        for notation, node in notation_index().items()
    }


@cache
def notation_by_iri() -> dict[str, str]:
    return {entry.iri: notation for notation, entry in catalogue_entries().items()}


def notation_for(iri: str) -> str | None:
    """The notation to write for a catalogue IRI; an IRI in the catalogue namespace that the catalogue
    lacks (a typo such as iso42001:A-6-2-9 kept on purpose) gets the notation its name spells."""
    known = notation_by_iri().get(iri)
    if known is not None:
        return known
    namespace = str(ISO42001)
    if iri.startswith(namespace):
        local = iri[len(namespace) :]
        if re.fullmatch(r"(?:[AC]|\d+)(?:-\d+)*", local):
            return local.replace("-", ".")
    return None


def minted_catalogue_iri(notation: str) -> str:
    """The catalogue IRI a notation would have (used only when gaps are allowed)."""
    return str(ISO42001) + notation.replace(".", "-")


KIND_NAMES = {
    "https://w3id.org/aims-graph/ontology#Control": "an Annex A control",
    "https://w3id.org/aims-graph/ontology#Clause": "a clause",
    "https://w3id.org/aims-graph/ontology#ObjectiveCategory": "an Annex C objective category (C.2.x)",
    "https://w3id.org/aims-graph/ontology#RiskSourceCategory": "an Annex C risk source (C.3.x)",
    "https://w3id.org/aims-graph/ontology#ControlCategory": "a control category",
    "https://w3id.org/aims-graph/ontology#Annex": "an annex",
    "https://w3id.org/aims-graph/ontology#AnnexSection": "an annex section",
}


def kind_name(types: frozenset[str] | tuple[str, ...]) -> str:
    for iri in KIND_NAMES:
        if iri in types:
            return KIND_NAMES[iri]
    return "a catalogue entry"
