"""Reading RDF files safely: format detection, refusal of unsafe input, and errors that name file and line.

Every user document is parsed by pyoxigraph, never by rdflib: pyoxigraph has no way to fetch a remote JSON-LD
context, and we refuse RDF/XML with a DOCTYPE before any parser sees it, so no entity is ever expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import formats
from .errors import FileFormatError, RDFSyntaxError, UnsafeInputError
from .namespaces import XSD

if TYPE_CHECKING:
    import rdflib
    import rdflib.term

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_LINE = re.compile(r"line (\d+)")


def format_for(path: Path, name: str | None = None) -> ox.RdfFormat:
    """The RDF format named by the user, or guessed from the file name ending."""
    if name is not None:
        return formats.rdf_format_named(name)
    fmt = formats.rdf_format_for_ending(path.suffix)
    if fmt is None:
        raise FileFormatError(
            f"{path}: cannot tell the RDF format from the ending {path.suffix.lower() or '(none)'!r}; "
            f"use one of {', '.join(formats.rdf_endings())} or name the format"
        )
    return fmt


def rdf_files_in(directory: Path) -> list[Path]:
    """The RDF files under a directory (by their name endings), in a stable order; hidden ones left out."""
    return sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and formats.rdf_format_for_ending(p.suffix) is not None
        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )


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


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> rdflib.term.Identifier:
    """One pyoxigraph term as rdflib's; blank nodes keep their labels."""
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == XSD + "string":
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise FileFormatError(f"quoted triples (RDF-star) cannot be copied to rdflib: {term}")


def to_rdflib(items: Iterable[ox.Triple | ox.Quad]) -> rdflib.Graph:
    """Triples (or quads, graph names dropped) as one rdflib graph, for pyshacl and rdflib's serialisers.

    The one copy from our terms to rdflib's: blank node labels are kept, so results computed in a store and
    results pyshacl computes on the copy name the same blank nodes.
    """
    import rdflib

    graph = rdflib.Graph()
    add = graph.add
    for item in items:
        add((rdflib_term(item.subject), rdflib_term(item.predicate), rdflib_term(item.object)))
    return graph


def parse_file_to_rdflib(path: Path, name: str | None = None) -> rdflib.Graph:
    fmt = format_for(path, name)
    return to_rdflib(parse_quads(read_bytes(path), fmt, str(path), base_iri=path.resolve().as_uri()))
