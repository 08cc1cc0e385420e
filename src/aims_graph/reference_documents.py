"""Writing the ontology and the catalogue in the RDF format a consumer asks for."""

from __future__ import annotations

import pyoxigraph as ox

from . import rdfio, resources
from .errors import UserInputError
from .formats import GRAPH_FORMATS
from .namespaces import PREFIXES
from .serialize import write_graph


def reference_files(what: str) -> list[str]:
    if what == "ontology":
        return [str(resources.ontology_file())]
    if what == "catalogue":
        return [str(resources.catalogue_file())]
    if what == "all":
        return [str(p) for p in resources.ontology_files()]
    if what == "shapes":
        return [str(p) for p in resources.shape_files()]
    raise UserInputError(f"unknown export {what!r}; use ontology, catalogue, shapes or all")


def export_reference(what: str, fmt: str | ox.RdfFormat) -> bytes:
    """The chosen reference graphs merged and serialised (Turtle keeps the usual prefixes)."""
    if isinstance(fmt, str) and fmt not in GRAPH_FORMATS:
        raise UserInputError(f"unknown format {fmt!r}; use one of {', '.join(GRAPH_FORMATS)}")
    triples: list[ox.Triple] = []
    for name in reference_files(what):
        with open(name, "rb") as handle:
            quads = rdfio.parse_quads(handle.read(), ox.RdfFormat.TURTLE, name)
        triples.extend(q.triple for q in quads)
    rdf_format = GRAPH_FORMATS[fmt] if isinstance(fmt, str) else fmt
    return write_graph(triples, rdf_format, PREFIXES)
