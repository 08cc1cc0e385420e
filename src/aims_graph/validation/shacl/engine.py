"""Runs compiled shapes on a store, embedded or remote, and builds the engine-neutral validation report.

Only the generated queries travel to the store and only violations come back; the data is never copied to
the client. Shapes the compiler cannot translate are validated by pyshacl instead (the caller says how to get
the data for that) and named in the report's ``fallbacks``: nothing is skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from ...answers import Rows, Term
from ...errors import ShapesError, UnsafeInputError
from ...store import Queryable
from ...store.sparql_text import uses_service
from ..report import ValidationReport, ValidationResult, render_path, render_term
from . import messages
from .compile import Check, compile_model
from .model import Shape, ShapesModel, read_shapes
from .terms import quads_of, to_ox_literal, to_rdflib

ClauseLookup = Callable[[Node], list[str]]
"""Shape -> the clause notations it enforces (validate.py's clause index)."""

FallbackRunner = Callable[[Graph], list[ValidationResult]]
"""Runs pyshacl with the given shapes graph over the data and returns its results."""

WORKERS = 2
"""Checks in flight at once: pyoxigraph evaluates without the GIL, and a remote server answers in parallel."""

REGEX_PROBE = 'SELECT (REGEX("", {pattern}{flags}) AS ?ok) WHERE {{}}'


@dataclass(frozen=True)
class Fallback:
    """A shape validated by pyshacl rather than in the store, and why."""

    shape: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"shape": self.shape, "reason": self.reason}


@dataclass
class CompiledReport(ValidationReport):
    """A report of the compiled engine: the same results, and the shapes that fell back to pyshacl."""

    fallbacks: list[Fallback] = field(default_factory=list, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The documented form; a ``fallbacks`` list only when some shape fell back."""
        out = super().to_json()
        if self.fallbacks:
            out["fallbacks"] = [f.to_json() for f in self.fallbacks]
        return out

    def to_text(self) -> str:
        text = super().to_text()
        if not self.fallbacks:
            return text
        lines = ["", "Validated by pyshacl, not in the store:"]
        lines += [f"  {f.shape}: {f.reason}" for f in self.fallbacks]
        return text + "\n".join(lines) + "\n"


@dataclass
class CompiledShapes:
    graph: Graph
    model: ShapesModel
    checks: list[Check]
    fallbacks: list[tuple[Shape, str]]

    def fallback_graph(self) -> Graph:
        """The shapes graph with the targets of every compiled shape removed: pyshacl then validates exactly
        the shapes that fell back (shapes they refer to keep their constraints)."""
        fallen = {shape.node for shape, _reason in self.fallbacks}
        reduced = Graph()
        for prefix, namespace in self.graph.namespaces():
            reduced.bind(prefix, namespace, override=False)
        class_types = {RDFS.Class, *self.graph.subjects(RDFS.subClassOf, RDFS.Class)}
        targets = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
        for s, p, o in self.graph:
            compiled = s in self.model.shapes and s not in fallen
            if compiled and (p in targets or (p == RDF.type and o in class_types)):
                continue
            reduced.add((s, p, o))
        return reduced


def compile_shapes(shapes_graph: Graph) -> CompiledShapes:
    """The checks for a shapes graph; a ShapesError when it is not valid SHACL or a query does not parse."""
    model = read_shapes(shapes_graph)
    compiled = compile_model(model, _regex_ok)
    for check in compiled.checks:
        _check_syntax(check)
    return CompiledShapes(shapes_graph, model, compiled.checks, compiled.fallbacks)


def run_compiled(
    store: Queryable,
    compiled: CompiledShapes,
    clauses: ClauseLookup,
    fallback: FallbackRunner | None,
    data: Graph | None = None,
    originals: Mapping[Term, Node] | None = None,
    workers: int = WORKERS,
    select: Callable[[Check], bool] | None = None,
) -> CompiledReport:
    """Runs every check on ``store`` (queries see the union of its graphs) and the fallbacks through pyshacl.

    ``data`` (when the data is also in memory) and ``originals`` (stored term -> the term as written, where
    the store rewrote literals or blank node labels) only affect how results are written, never which.
    ``select`` runs only the checks it accepts (a diff leaves out those whose answer cannot have changed).
    """
    fallbacks = [Fallback(render_term(shape.node), reason) for shape, reason in compiled.fallbacks]
    if fallbacks and fallback is None:
        listed = "; ".join(f"{f.shape}: {f.reason}" for f in fallbacks)
        raise ShapesError(f"these shapes cannot run in the store and no data copy is allowed here: {listed}")
    builder = _ResultBuilder(compiled.graph, clauses, data, originals or {})

    def run(check: Check) -> Rows:
        answer = store.query(check.query)
        if not isinstance(answer, Rows):
            raise ShapesError(f"the check for {check.shape.node} did not return rows")
        return answer

    checks = [c for c in compiled.checks if select is None or select(c)]
    results: list[ValidationResult] = []
    with ThreadPoolExecutor(max(1, workers)) as pool:  # the store answers while Python reads other answers
        for check, answer in zip(checks, pool.map(run, checks), strict=True):
            results += builder.results(check, answer)
    if fallbacks and fallback is not None:
        results += fallback(compiled.fallback_graph())
    return CompiledReport(conforms=not results, results=results, fallbacks=fallbacks)


# ---------------------------------------------------------------------------------------------------------
# Rows to results
# ---------------------------------------------------------------------------------------------------------


class _ResultBuilder:
    def __init__(
        self, shapes: Graph, clauses: ClauseLookup, data: Graph | None, originals: Mapping[Term, Node]
    ) -> None:
        self.shapes = shapes
        self.clauses = clauses
        self.data = data
        self.originals = originals
        self._paths: dict[Node, str] = {}

    def term(self, term: Term) -> Node:
        original = self.originals.get(term)
        return original if original is not None else to_rdflib(term)

    def shape_path(self, shape: Shape) -> str | None:
        if shape.path_node is None:
            return None
        if shape.path_node not in self._paths:
            self._paths[shape.path_node] = render_path(self.shapes, shape.path_node)
        return self._paths[shape.path_node]

    def results(self, check: Check, answer: Rows) -> list[ValidationResult]:
        if check.sparql is not None:
            return self._sparql_results(check, answer)
        shape = check.shape
        columns = {name: i for i, name in enumerate(answer.variables)}
        out = []
        for row in answer.rows:
            focus_term = row[columns["this"]]
            if focus_term is None:
                continue
            focus = self.term(focus_term)
            value = self._cell(row, columns, check.value)
            path = self._cell(row, columns, check.path)
            if shape.messages:
                message = messages.pick(shape.messages)
            else:
                message = messages.generic(shape, check.constraint, focus, value, self.shapes, self.data)
            out.append(self._result(shape, check.component, focus, value, path, message))
        return out

    def _cell(self, row: tuple[Term | None, ...], columns: Mapping[str, int], name: str | None) -> Node | None:
        if name is None:
            return None
        term = row[columns[name]]
        return None if term is None else self.term(term)

    def _result(
        self, shape: Shape, component: Node, focus: Node, value: Node | None, path: Node | None, message: str
    ) -> ValidationResult:
        return ValidationResult(
            focus=render_term(focus),
            path=render_term_path(path) if path is not None else self.shape_path(shape),
            value=None if value is None else render_term(value),
            severity=render_term(shape.severity),
            message=message,
            shape=render_term(shape.node),
            constraint=render_term(component),
            clauses=self.clauses(shape.node),
        )

    def _sparql_results(self, check: Check, answer: Rows) -> list[ValidationResult]:
        """pyshacl's reading of a SPARQL constraint's rows: ?this, ?path and ?value name the result, every
        other variable only tells rows apart; a bound ?failure gives one result per focus node."""
        assert check.sparql is not None
        shape = check.shape
        out = []
        seen: set[tuple[tuple[str, object], ...]] = set()
        failed: set[tuple[Node | None, ...]] = set()
        for solution in answer.dicts():
            row = {name: self.term(term) for name, term in solution.items()}
            parents = tuple(row.pop(key, None) for key in check.keys)
            focus = row.pop("this", None)
            if focus is None:
                continue
            default_value = focus if shape.path is None else None
            failure = row.pop("failure", None)
            if failure is not None:
                if (focus, *parents) in failed:
                    continue
                failed.add((focus, *parents))
                bindings: dict[str, Node] = dict(row)
                path, value = None, default_value
            else:
                path, value = row.pop("path", None), row.pop("value", None)
                named = {**row, " this": focus, " path": path, " value": value, " parents": parents}
                key = tuple(sorted(named.items(), key=str))
                if key in seen:
                    continue
                seen.add(key)
                value = default_value if value is None else value
                bindings = {**row, "this": focus}
                if path is not None:
                    bindings["path"] = path
                if value is not None:
                    bindings["value"] = value
            texts = [messages.substituted(m, bindings) for m in check.sparql.messages if m not in shape.messages]
            texts += [messages.substituted(m, bindings) for m in shape.messages]
            out.append(self._result(shape, check.component, focus, value, path, messages.pick(texts)))
        return out


def render_term_path(path: Node) -> str:
    """A path that a row names (an IRI) in the report's path syntax."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    return render_term(path)


# ---------------------------------------------------------------------------------------------------------
# Query checks against an empty store: syntax, and the regex dialect
# ---------------------------------------------------------------------------------------------------------


@cache
def _probe_store() -> ox.Store:
    return ox.Store()


def _check_syntax(check: Check) -> None:
    """Parse the check by running it on an empty store; a federated query is refused before it can run."""
    if uses_service(check.query):
        raise UnsafeInputError(f"the query for {check.shape.node} uses SERVICE, which is refused")
    try:
        list(_probe_store().query(check.query, use_default_graph_as_union=True))  # type: ignore[arg-type]
    except SyntaxError as error:
        if check.sparql is not None:
            raise ShapesError(f"the SPARQL query of {check.sparql.node} does not parse: {error}") from error
        raise ShapesError(f"the query compiled for {check.shape.node} does not parse: {error}") from error


def _regex_ok(pattern: str, flags: str) -> bool:
    flag_text = f", {to_ox_literal(Literal(flags))}" if flags else ""
    probe = REGEX_PROBE.format(pattern=to_ox_literal(Literal(pattern)), flags=flag_text)
    try:
        solutions = list(_probe_store().query(probe))  # type: ignore[arg-type]
    except SyntaxError:
        return False
    return bool(solutions) and solutions[0]["ok"] is not None


# ---------------------------------------------------------------------------------------------------------
# Data held in memory, loaded into a store for the compiled engine
# ---------------------------------------------------------------------------------------------------------


def load_graph(store: ox.Store, graph: Graph, name: str) -> dict[Term, Node]:
    """Loads an rdflib graph (or the union of a dataset's graphs) into one named graph of ``store``, keeping
    blank node labels; returns stored term -> term as written, where the store rewrote a literal or had to
    relabel a blank node."""
    target = ox.NamedNode(name)
    blank_ids: dict[BNode, str] = {}
    literals: set[Literal] = set()

    def triples() -> Iterable[tuple[Node, Node, Node]]:
        for triple in _triples(graph):
            if isinstance(triple[2], Literal):
                literals.add(triple[2])
            yield triple

    store.bulk_extend(quads_of(triples(), target, blank_ids))
    originals: dict[Term, Node] = {ox.BlankNode(label): node for node, label in blank_ids.items()}
    originals.update(_originals(literals))
    return originals


def _triples(graph: Graph) -> Iterable[tuple[Node, Node, Node]]:
    if hasattr(graph, "quads"):
        for s, p, o, _g in graph.quads((None, None, None, None)):
            yield s, p, o
    else:
        yield from graph


def _originals(literals: Iterable[Literal]) -> dict[Term, Node]:
    """Where Oxigraph normalises a literal ("01" to "1", xsd:int to xsd:integer), the stored form -> the
    written one, when exactly one written literal has that stored form."""
    candidates = {lit for lit in literals if lit.language or (lit.datatype is not None and lit.datatype != XSD_STRING)}
    if not candidates:
        return {}
    scratch = ox.Store()
    order = list(candidates)
    graph = ox.DefaultGraph()
    scratch.bulk_extend(
        ox.Quad(ox.NamedNode(f"urn:x-literal:{i}"), ox.NamedNode("urn:x-p"), to_ox_literal(lit), graph)
        for i, lit in enumerate(order)
    )
    stored: dict[ox.Literal, list[Literal]] = {}
    for quad in scratch:
        original = order[int(quad.subject.value.rsplit(":", 1)[1])]
        assert isinstance(quad.object, ox.Literal)
        stored.setdefault(quad.object, []).append(original)
    return {
        term: written[0]
        for term, written in stored.items()
        if len(written) == 1 and render_term(to_rdflib(term)) != render_term(written[0])
    }


XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
