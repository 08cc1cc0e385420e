"""pyshacl, the reference SHACL engine: run on an rdflib graph that refuses network access, its report turned
into ours. Imported only when a shape needs it, since pyshacl is slow to import."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pyshacl
from pyparsing import ParseBaseException
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph, Literal
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor, Result
from rdflib.term import Identifier, Node

from ..errors import ShapesError, UnsafeInputError
from .report import ValidationReport, ValidationResult, render_path, render_term


class PreparingGraph(Graph):
    """The data graph pyshacl queries: it parses each SPARQL text once and refuses network access.

    pyshacl runs a SPARQL-based constraint once per focus node with the same text and rdflib parses it
    every time, which dominated validation time. rdflib also follows SERVICE and fetches FROM graphs
    over the network; shapes may carry either, so such queries are refused here, whatever pyshacl checks.
    """

    def __init__(self) -> None:
        super().__init__()
        self._prepared: dict[str, Query] = {}

    def query(
        self,
        query_object: str | Query,
        processor: str | Processor = "sparql",
        result: str | type[Result] = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Identifier] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str) and not initNs:
            if query_object not in self._prepared:
                prepared = prepareQuery(query_object, initNs=dict(self.namespaces()))
                _refuse_remote_access(prepared.algebra)
                self._prepared[query_object] = prepared
            query_object = self._prepared[query_object]
        elif isinstance(query_object, str):
            _refuse_remote_access(prepareQuery(query_object, initNs=initNs).algebra)
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


def _refuse_remote_access(algebra: object) -> None:
    """Walks the query algebra for SERVICE and FROM / FROM NAMED, which rdflib would fetch."""
    if isinstance(algebra, CompValue):
        if algebra.name == "ServiceGraphPattern":
            raise UnsafeInputError("a SPARQL query in the shapes uses SERVICE, which is refused")
        if dict.get(algebra, "datasetClause"):  # CompValue.get answers the key itself when absent
            raise UnsafeInputError("a SPARQL query in the shapes uses FROM or FROM NAMED, which is refused")
        children: Iterable[object] = dict.values(algebra)
    elif isinstance(algebra, (list, tuple)):
        children = algebra
    else:
        return
    for child in children:
        _refuse_remote_access(child)


def run_pyshacl(data_graph: Graph, shapes_graph: Graph, clauses: Callable[[Node], list[str]]) -> ValidationReport:
    """Validate with pyshacl and turn its report graph into our report; ``clauses`` names each shape's clauses."""
    try:
        _conforms, report_graph, _text = pyshacl.validate(
            data_graph,
            shacl_graph=shapes_graph,
            inference="none",
            advanced=False,
            inplace=True,  # data_graph is already our own copy; keeps blank node ids of the user's data
            allow_warnings=False,
            allow_infos=False,
            do_owl_imports=False,
        )
    except ReportableRuntimeError as error:  # ShapeLoadError, ConstraintLoadError and friends
        raise ShapesError(f"the shapes are not valid SHACL: {error}") from error
    except ParseBaseException as error:  # a SPARQL-based constraint whose query does not parse
        raise ShapesError(f"a SPARQL query in the shapes does not parse: {error}") from error
    except NotImplementedError as error:  # e.g. $shapesGraph in a SPARQL-based constraint
        raise ShapesError(f"pyshacl cannot run these shapes: {error}") from error
    if not isinstance(report_graph, Graph):  # pyshacl returns a ValidationFailure instead of raising
        raise ShapesError(f"the shapes cannot be run: {report_graph}")
    results = [
        _result(report_graph, node, clauses)
        for report in report_graph.subjects(SH.conforms, None)
        for node in report_graph.objects(report, SH.result)
    ]
    return ValidationReport(conforms=not results, results=results)


def _result(graph: Graph, node: Node, clauses: Callable[[Node], list[str]]) -> ValidationResult:
    focus = graph.value(node, SH.focusNode)
    shape = graph.value(node, SH.sourceShape)
    severity = graph.value(node, SH.resultSeverity)
    constraint = graph.value(node, SH.sourceConstraintComponent)
    if focus is None or shape is None or severity is None or constraint is None:
        raise ShapesError(f"pyshacl produced an incomplete validation result for shape {shape}")
    path = graph.value(node, SH.resultPath)
    value = graph.value(node, SH.value)
    return ValidationResult(
        focus=render_term(focus),
        path=None if path is None else render_path(graph, path),
        value=None if value is None else render_term(value),
        severity=render_term(severity),
        message=_pick_message(graph.objects(node, SH.resultMessage)),
        shape=render_term(shape),
        constraint=render_term(constraint),
        clauses=clauses(shape),
    )


def _pick_message(messages: Iterable[Node]) -> str:
    """One message per result: English or untagged first, so output does not depend on set order."""
    literals = [m for m in messages if isinstance(m, Literal)]
    if not literals:
        return ""
    best = min(literals, key=lambda m: (m.language not in (None, "en"), m.language or "", str(m)))
    return str(best)
