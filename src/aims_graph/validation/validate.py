"""Checks data against the SHACL shapes and reports the results by clause of ISO/IEC 42001.

pyshacl is the reference engine. The shapes need the catalogue (which controls exist) and the class
hierarchy (sh:targetClass follows rdfs:subClassOf in the data graph), so the data is validated merged
with ontology/*.ttl, with inference off: merging gives exactly the subclass-aware targeting SHACL defines
and nothing more.

The "sparql" engine (aims_graph.shacl) compiles the shapes to set-based SPARQL and runs them inside a store;
shapes it cannot compile are validated by pyshacl and named in the report. "auto" is the same engine: the
compiled queries wherever every shape compiles, pyshacl for exactly the shapes that do not.
validate_store() runs it on data that is already in a store, embedded or remote, without copying it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path

from rdflib import DCTERMS, SKOS, Graph, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import SH
from rdflib.term import Node

from .. import rdfio, resources
from ..errors import RDFSyntaxError, ShapesError, UserInputError
from ..store import CATALOGUE_GRAPH, ONTOLOGY_GRAPH, OxigraphStore, Queryable, Store
from . import ENGINES
from .report import ValidationReport, ValidationResult, clause_sort_key
from .shacl import compile_shapes, run_compiled
from .shacl.compile import Check
from .shacl.engine import load_graph

DATA_GRAPH = "urn:x-aims-graph:validate:data"
"""The named graph in-memory data goes into when the compiled engine validates it."""

__all__ = [
    "ENGINES",
    "ValidationReport",
    "ValidationResult",
    "load_shapes",
    "validate",
    "validate_graphs",
    "validate_store",
]


def validate(
    data: Graph,
    shapes: Sequence[Path] | None = None,
    engine: str = "auto",
) -> ValidationReport:
    """Validates ``data`` against our shapes, or against ``shapes`` instead of ours when given.

    ``data`` is not modified: the ontology and catalogue are merged into a copy.
    """
    _check_engine(engine)
    shapes_graph = _shapes_graph(shapes)
    data_graph = _merged_with_ontology(data)
    report = validate_graphs(data_graph, shapes_graph, engine)
    report.prefixes.update((prefix, str(namespace)) for prefix, namespace in data.namespaces() if prefix)
    return report


def validate_graphs(data_graph: Graph, shapes_graph: Graph, engine: str = "auto") -> ValidationReport:
    """``data_graph`` exactly as given (no ontology merged in) against ``shapes_graph``: the W3C suite's path.

    The compiled engine loads the data into an in-memory store first; pyshacl reads the same graph for the
    shapes that fall back.
    """
    _check_engine(engine)
    if engine == "pyshacl":
        return _run_pyshacl(data_graph, shapes_graph)
    compiled = compile_shapes(shapes_graph)
    store = OxigraphStore()
    originals = load_graph(store.raw, data_graph, DATA_GRAPH)
    clauses = _ClauseIndex(shapes_graph, _ontology_graph())
    return run_compiled(
        store,
        compiled,
        clauses.for_shape,
        lambda reduced: _run_pyshacl(data_graph, reduced).results,
        data=data_graph,
        originals=originals,
    )


def validate_store(
    store: Queryable,
    shapes: Sequence[Path] | Graph | None = None,
    engine: str = "auto",
    select: Callable[[Check], bool] | None = None,
) -> ValidationReport:
    """Validates what ``store`` holds (the union of its graphs) where it is, without copying it.

    The store must hold the ontology and catalogue graphs (store.ensure_reference_graphs) for our shapes to
    see the class hierarchy and the controls. Only what cannot run in the store is copied out: everything
    for engine="pyshacl", and, for shapes that fall back to pyshacl, the data once, through the store's API
    (a Queryable that is not a Store cannot be copied, and such shapes are a ShapesError there). ``select``
    runs only the compiled checks it accepts.
    """
    _check_engine(engine)
    shapes_graph = shapes if isinstance(shapes, Graph) else _shapes_graph(shapes)
    if shapes is None and isinstance(store, Store):
        present = {info.name for info in store.graphs()}
        if not {ONTOLOGY_GRAPH, CATALOGUE_GRAPH} <= present:
            raise UserInputError(
                "the store lacks the ontology and catalogue graphs our shapes need; "
                "load them first (store.ensure_reference_graphs, or aims-graph load)"
            )
    copy: list[Graph] = []

    def data() -> Graph:
        if copy:
            return copy[0]
        if isinstance(store, Store):
            copied = rdfio.to_rdflib(store.triples())
        else:
            raise ShapesError("this store cannot be copied for pyshacl; use the sparql engine with shapes that compile")
        copy.append(copied)
        return copied

    if isinstance(store, Store) and not store.answers_compiled_checks:  # a server that answers them wrongly
        if engine == "sparql":
            raise UserInputError("this server answers the compiled checks wrongly; use --engine pyshacl or auto")
        engine = "pyshacl"
    if engine == "pyshacl":
        return _run_pyshacl(data(), shapes_graph)
    compiled = compile_shapes(shapes_graph)
    clauses = _ClauseIndex(shapes_graph, _ontology_graph())
    copyable = isinstance(store, Store)
    fallback = (lambda reduced: _run_pyshacl(data(), reduced).results) if copyable else None
    return run_compiled(store, compiled, clauses.for_shape, fallback, select=select)


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise UserInputError(f"unknown validation engine {engine!r}; known engines: {', '.join(ENGINES)}")


def _shapes_graph(shapes: Sequence[Path] | None) -> Graph:
    shape_paths = list(resources.shape_files()) if shapes is None else [Path(p) for p in shapes]
    if not shape_paths:
        raise UserInputError("no shapes files given")
    return load_shapes(shape_paths)


def load_shapes(paths: Iterable[Path]) -> Graph:
    """One shapes graph from several files, parsed the safe way user documents are (rdfio).

    A file that does not parse is a ShapesError naming the file and line; an unreadable file, an
    unknown format or unsafe input keep their own errors.
    """
    graph = Graph()
    for path in paths:
        try:
            graph += rdfio.parse_file_to_rdflib(path)
        except RDFSyntaxError as error:
            raise ShapesError(f"shapes file does not parse: {error}") from error
    return graph


def _ontology_graph() -> Graph:
    """The ontology and catalogue, parsed again only when a file changes; callers only read it."""
    files = resources.ontology_files()
    return _parsed_ontology(tuple((path, path.stat().st_mtime_ns) for path in files))


@cache
def _parsed_ontology(files: tuple[tuple[Path, int], ...]) -> Graph:
    graph = Graph()
    for path, _modified in files:
        graph.parse(path, format="turtle")
    return graph


def _merged_with_ontology(data: Graph) -> Graph:
    from .pyshacl_engine import PreparingGraph

    merged = PreparingGraph()
    merged += _ontology_graph()
    if isinstance(data, ConjunctiveGraph):  # a Dataset: validate the union of its graphs
        merged.addN((s, p, o, merged) for s, p, o, _ in data.quads((None, None, None, None)))
    else:
        merged += data
    return merged


class _ClauseIndex:
    """Shape -> catalogue notations, from dcterms:source, falling back to the parent node shape.

    Notations come from the catalogue only, so data cannot make a shape claim a clause.
    """

    def __init__(self, shapes_graph: Graph, catalogue: Graph) -> None:
        self.shapes_graph = shapes_graph
        self.catalogue = catalogue
        self._known: dict[Node, list[str]] = {}

    def for_shape(self, shape: Node) -> list[str]:
        if shape not in self._known:
            sources = set(self.shapes_graph.objects(shape, DCTERMS.source))
            if not sources:
                for parent in self.shapes_graph.subjects(SH.property, shape):
                    sources.update(self.shapes_graph.objects(parent, DCTERMS.source))
            notations = {
                str(notation)
                for source in sources
                if isinstance(source, URIRef)
                for notation in self.catalogue.objects(source, SKOS.notation)
            }
            self._known[shape] = sorted(notations, key=clause_sort_key)
        return list(self._known[shape])


def _run_pyshacl(data_graph: Graph, shapes_graph: Graph) -> ValidationReport:
    """pyshacl, the reference engine (imported only when a shape needs it: it is slow to import)."""
    from .pyshacl_engine import run_pyshacl

    return run_pyshacl(data_graph, shapes_graph, _ClauseIndex(shapes_graph, _ontology_graph()).for_shape)
