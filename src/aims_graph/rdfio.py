"""Reading RDF files safely: format detection, refusal of unsafe input, and errors that name file and line.

Every user document is parsed by pyoxigraph, never by rdflib: pyoxigraph has no way to fetch a remote JSON-LD
context, and we refuse RDF/XML with a DOCTYPE before any parser sees it, so no entity is ever expanded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import rdflib

from .errors import FileFormatError, RDFSyntaxError, UnsafeInputError

# File name endings and media types we accept; anything else is refused with the list below.
_EXTENSIONS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ntriples": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".nquads": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}

FORMAT_NAMES: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_LINE = re.compile(r"line (\d+)")


def format_for(path: Path, name: str | None = None) -> ox.RdfFormat:
    """The RDF format named by the user, or guessed from the file name ending."""
    if name is not None:
        try:
            return FORMAT_NAMES[name.lower()]
        except KeyError:
            raise FileFormatError(
                f"unknown RDF format {name!r}; use one of: {', '.join(sorted(FORMAT_NAMES))}"
            ) from None
    suffix = path.suffix.lower()
    if suffix not in _EXTENSIONS:
        raise FileFormatError(
            f"{path}: cannot tell the RDF format from the ending {suffix or '(none)'!r}; "
            f"use one of {', '.join(sorted(_EXTENSIONS))} or name the format"
        )
    return _EXTENSIONS[suffix]


def format_for_media_type(media_type: str) -> ox.RdfFormat | None:
    return ox.RdfFormat.from_media_type(media_type.split(";")[0].strip())


def check_safe(data: bytes, fmt: ox.RdfFormat, source: str) -> None:
    """Refuse RDF/XML that declares a DOCTYPE or entities (entity expansion attacks)."""
    if fmt == ox.RdfFormat.RDF_XML and _DOCTYPE.search(data):
        raise UnsafeInputError(f"{source}: RDF/XML with a DOCTYPE or ENTITY declaration is refused")


def check_file_safe(path: Path, fmt: ox.RdfFormat) -> None:
    if fmt == ox.RdfFormat.RDF_XML:
        check_safe(read_bytes(path), fmt, str(path))


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def syntax_error(source: str, exc: SyntaxError | ValueError) -> RDFSyntaxError | UnsafeInputError:
    """Turn a pyoxigraph parse error into our error, keeping the line number."""
    line = getattr(exc, "lineno", None)
    message = str(exc.msg) if isinstance(exc, SyntaxError) and exc.msg else str(exc)
    if "LoadDocumentCallback" in message:
        return UnsafeInputError(f"{source}: remote JSON-LD contexts are never fetched; put the context inline")
    if line is None:
        found = _LINE.search(message)
        line = int(found.group(1)) if found else None
    message = re.sub(r"\s*\([^()]*, line \d+\)$", "", message)
    return RDFSyntaxError(source, message, line)


def parse_quads(data: bytes, fmt: ox.RdfFormat, source: str, base_iri: str | None = None) -> list[ox.Quad]:
    """Parse a whole document into memory, safely; for small inputs such as uploads."""
    check_safe(data, fmt, source)
    try:
        return list(ox.parse(data, format=fmt, base_iri=base_iri))
    except (SyntaxError, ValueError) as exc:
        raise syntax_error(source, exc) from None


def to_rdflib(quads: list[ox.Quad] | ox.Store) -> rdflib.Graph:
    """Copy triples into an rdflib graph (for pyshacl and rdflib serialisers), ignoring graph names."""
    data = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    if data:
        graph.parse(data=data, format="nt")
    return graph


def parse_file_to_rdflib(path: Path, name: str | None = None) -> rdflib.Graph:
    fmt = format_for(path, name)
    return to_rdflib(parse_quads(read_bytes(path), fmt, str(path), base_iri=path.resolve().as_uri()))
