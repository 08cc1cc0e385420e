"""The one table of formats: names users type, file endings, media types, and the parsers' format objects.

Everything that reads or writes RDF or query results looks formats up here, so a format is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .errors import FileFormatError


@dataclass(frozen=True)
class RdfFormatEntry:
    name: str
    """The name users type (``--format turtle``)."""
    rdf_format: ox.RdfFormat
    media_type: str
    endings: tuple[str, ...]
    aliases: tuple[str, ...]
    rdflib_name: str
    answer: bool
    """Offered for graph answers (CONSTRUCT, DESCRIBE, documents); dataset formats are not."""


RDF_FORMATS: tuple[RdfFormatEntry, ...] = (
    RdfFormatEntry("turtle", ox.RdfFormat.TURTLE, "text/turtle", (".ttl", ".turtle"), ("ttl",), "turtle", True),
    RdfFormatEntry(
        "jsonld", ox.RdfFormat.JSON_LD, "application/ld+json", (".jsonld", ".json"), ("json-ld",), "json-ld", True
    ),
    RdfFormatEntry(
        "nt", ox.RdfFormat.N_TRIPLES, "application/n-triples", (".nt", ".ntriples"), ("ntriples",), "nt", True
    ),
    RdfFormatEntry(
        "xml", ox.RdfFormat.RDF_XML, "application/rdf+xml", (".rdf", ".owl", ".xml"), ("rdfxml",), "xml", True
    ),
    RdfFormatEntry("nquads", ox.RdfFormat.N_QUADS, "application/n-quads", (".nq", ".nquads"), ("nq",), "nquads", False),
    RdfFormatEntry("trig", ox.RdfFormat.TRIG, "application/trig", (".trig",), (), "trig", False),
)


@dataclass(frozen=True)
class ResultFormatEntry:
    name: str
    results_format: ox.QueryResultsFormat
    media_type: str
    """The media type answers carry (with a charset for text formats)."""
    accepted: tuple[str, ...]
    """Media types a client may ask for to get this format."""


RESULT_FORMATS: tuple[ResultFormatEntry, ...] = (
    ResultFormatEntry(
        "json",
        ox.QueryResultsFormat.JSON,
        "application/sparql-results+json",
        ("application/sparql-results+json", "application/json"),
    ),
    ResultFormatEntry(
        "xml",
        ox.QueryResultsFormat.XML,
        "application/sparql-results+xml",
        ("application/sparql-results+xml", "application/xml"),
    ),
    ResultFormatEntry("csv", ox.QueryResultsFormat.CSV, "text/csv; charset=utf-8", ("text/csv",)),
    ResultFormatEntry(
        "tsv", ox.QueryResultsFormat.TSV, "text/tab-separated-values; charset=utf-8", ("text/tab-separated-values",)
    ),
)

GRAPH_FORMATS: dict[str, ox.RdfFormat] = {e.name: e.rdf_format for e in RDF_FORMATS if e.answer}
"""Names of the formats a graph answer can be written in, in order of preference."""
GRAPH_MEDIA: dict[str, ox.RdfFormat] = {e.media_type: e.rdf_format for e in RDF_FORMATS if e.answer}
"""Media types a graph answer can be sent as, in order of preference."""
RESULT_NAMES: dict[str, ResultFormatEntry] = {e.name: e for e in RESULT_FORMATS}
RESULT_MEDIA: dict[str, ResultFormatEntry] = {m: e for e in RESULT_FORMATS for m in e.accepted}
"""Accepted media types for SELECT/ASK answers, in order of preference."""

_BY_NAME = {n: e for e in RDF_FORMATS for n in (e.name, *e.aliases)}
_BY_ENDING = {ending: e for e in RDF_FORMATS for ending in e.endings}
_BY_RDF_FORMAT = {e.rdf_format: e for e in RDF_FORMATS}


def rdf_format_named(name: str) -> ox.RdfFormat:
    """The RDF format a user named (``turtle``, ``ttl``, ``json-ld`` …)."""
    entry = _BY_NAME.get(name.lower())
    if entry is None:
        raise FileFormatError(f"unknown RDF format {name!r}; use one of: {', '.join(sorted(_BY_NAME))}")
    return entry.rdf_format


def rdf_format_for_ending(suffix: str) -> ox.RdfFormat | None:
    entry = _BY_ENDING.get(suffix.lower())
    return entry.rdf_format if entry else None


def rdf_endings() -> list[str]:
    return sorted(_BY_ENDING)


def rdf_format_for_media(media_type: str) -> ox.RdfFormat | None:
    media = media_type.split(";")[0].strip().lower()
    for entry in RDF_FORMATS:
        if entry.media_type == media:
            return entry.rdf_format
    return ox.RdfFormat.from_media_type(media) if media else None


def rdflib_name(fmt: ox.RdfFormat) -> str:
    return _BY_RDF_FORMAT[fmt].rdflib_name
