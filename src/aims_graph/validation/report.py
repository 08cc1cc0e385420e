"""The validation report model that every engine fills in, and its JSON, RDF and text forms.

Results hold plain strings, not rdflib terms, so that pyshacl and the SPARQL engine produce reports that
compare equal and serialise the same way. IRIs are bare IRI strings, blank nodes ``_:id``, literals their
N-Triples form, and paths SPARQL property path syntax; the RDF form is rebuilt from those strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from ..namespaces import PREFIXES, SHAPES

"""The namespace of aims-graph's own shapes."""

NO_CLAUSE = "no clause"

_TEXT_PREFIXES: dict[str, str] = {**PREFIXES, "aimsh": str(SHAPES)}

_PATH_KEYS = {
    SH.inversePath: "^",
    SH.zeroOrMorePath: "*",
    SH.oneOrMorePath: "+",
    SH.zeroOrOnePath: "?",
}


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult, engine-neutral."""

    focus: str
    path: str | None
    value: str | None
    severity: str
    message: str
    shape: str
    constraint: str
    clauses: list[str] = field(default_factory=list)

    def sort_key(self) -> tuple[str, ...]:
        return (
            self.shape,
            self.focus,
            self.path or "",
            self.value or "",
            self.constraint,
            self.severity,
            self.message,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "path": self.path,
            "value": self.value,
            "severity": self.severity,
            "message": self.message,
            "shape": self.shape,
            "constraint": self.constraint,
            "clauses": list(self.clauses),
        }


@dataclass
class ValidationReport:
    """The outcome of one validation run; results are kept sorted so output is reproducible."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Extra prefix -> namespace bindings (usually the data's own) for the text and Turtle forms."""

    def __post_init__(self) -> None:
        self.results = sorted(self.results, key=ValidationResult.sort_key)

    def to_json(self) -> dict[str, Any]:
        """The JSON form ARCHITECTURE.md fixes for the CLI and the API."""
        return {"conforms": self.conforms, "results": [r.to_json() for r in self.results]}

    def to_graph(self) -> Graph:
        """A standard sh:ValidationReport, for tools that read SHACL reports."""
        graph = Graph()
        graph.bind("sh", SH)
        for prefix, namespace in self._prefixes().items():
            graph.bind(prefix, namespace, override=False)
        report = BNode()
        graph.add((report, RDF.type, SH.ValidationReport))
        graph.add((report, SH.conforms, Literal(self.conforms)))
        for result in self.results:
            node = BNode()
            graph.add((report, SH.result, node))
            graph.add((node, RDF.type, SH.ValidationResult))
            graph.add((node, SH.focusNode, parse_term(result.focus)))
            if result.path is not None:
                graph.add((node, SH.resultPath, parse_path(result.path, graph)))
            if result.value is not None:
                graph.add((node, SH.value, parse_term(result.value)))
            graph.add((node, SH.resultSeverity, URIRef(result.severity)))
            if result.message:
                graph.add((node, SH.resultMessage, Literal(result.message)))
            graph.add((node, SH.sourceShape, parse_term(result.shape)))
            graph.add((node, SH.sourceConstraintComponent, URIRef(result.constraint)))
        return graph

    def _prefixes(self) -> dict[str, str]:
        return {**_TEXT_PREFIXES, **self.prefixes}

    def to_text(self) -> str:
        """A summary for people: counts per clause, then one line per result."""
        compact = _Compactor(self._prefixes())
        lines = [_headline(self, compact)]
        if not self.results:
            return lines[0] + "\n"
        counts: dict[str, int] = {}
        for result in self.results:
            for clause in result.clauses or [NO_CLAUSE]:
                counts[clause] = counts.get(clause, 0) + 1
        width = max(len(clause) for clause in counts)
        lines += ["", "Results by clause:"]
        for clause in sorted(counts, key=_clause_group_key):
            lines.append(f"  {clause.ljust(width)}  {counts[clause]}")
        lines += ["", "Results:"]
        for result in self.results:
            lines.append("  " + _result_line(result, compact))
        return "\n".join(lines) + "\n"


def _headline(report: ValidationReport, compact: _Compactor) -> str:
    if report.conforms:
        return "Conforms: yes"
    by_severity: dict[str, int] = {}
    for result in report.results:
        name = compact.iri(result.severity).removeprefix("sh:")
        by_severity[name] = by_severity.get(name, 0) + 1
    detail = ", ".join(f"{name}: {count}" for name, count in sorted(by_severity.items()))
    total = len(report.results)
    return f"Conforms: no ({total} result{'s' if total != 1 else ''}; {detail})"


def _result_line(result: ValidationResult, compact: _Compactor) -> str:
    parts = [
        f"[{compact.iri(result.severity).removeprefix('sh:')}]",
        compact.iri(result.shape),
        f"focus={compact.term(result.focus)}",
    ]
    if result.path is not None:
        parts.append(f"path={compact.path(result.path)}")
    if result.value is not None and result.value != result.focus:
        parts.append(f"value={compact.term(result.value)}")
    parts.append(f"clauses={', '.join(result.clauses) or NO_CLAUSE}")
    return "  ".join(parts) + f": {result.message}"


def clause_sort_key(notation: str) -> tuple[tuple[int, int, str], ...]:
    """Orders notations as the standard does: 4 < 4.2 < 10 < A.2.2 < A.10.2."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in notation.split("."))


def _clause_group_key(clause: str) -> tuple[int, tuple[tuple[int, int, str], ...]]:
    return (1, ()) if clause == NO_CLAUSE else (0, clause_sort_key(clause))


# ---------------------------------------------------------------------------------------------------------
# Terms as strings and back
# ---------------------------------------------------------------------------------------------------------

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_LITERAL = re.compile(r'^"(?P<lex>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z0-9-]+)|\^\^<(?P<dt>[^<>]*)>)?$', re.S)
_UNESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)


def render_term(node: Node) -> str:
    """IRI as itself, blank node as ``_:id``, literal in N-Triples form."""
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        lexical = '"' + "".join(_ESCAPES.get(ch, ch) for ch in str(node)) + '"'
        if node.language:
            return f"{lexical}@{node.language}"
        if node.datatype is not None and node.datatype != XSD.string:
            return f"{lexical}^^<{node.datatype}>"
        return lexical
    raise TypeError(f"cannot render {node!r} as an RDF term")


def parse_term(text: str) -> URIRef | BNode | Literal:
    """The inverse of render_term."""
    if text.startswith("_:"):
        return BNode(text[2:])
    if text.startswith('"'):
        match = _LITERAL.match(text)
        if match is None:
            raise ValueError(f"not an N-Triples literal: {text!r}")
        lexical = _UNESCAPE.sub(_unescape_one, match["lex"])
        if match["lang"]:
            return Literal(lexical, lang=match["lang"])
        if match["dt"]:
            return Literal(lexical, datatype=URIRef(match["dt"]))
        return Literal(lexical)
    return URIRef(text)


def _unescape_one(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] in "uU" and len(code) > 1:
        return chr(int(code[1:], 16))
    if code in _UNESCAPES:
        return _UNESCAPES[code]
    raise ValueError(f"unknown escape \\{code}")


# ---------------------------------------------------------------------------------------------------------
# SHACL paths as SPARQL property paths and back
# ---------------------------------------------------------------------------------------------------------

# Binding strength of a rendered path: alternative < sequence < unary (^ * + ?) < primary (IRI).
_ALT, _SEQ, _UNARY, _PRIMARY = range(4)


def render_path(graph: Graph, node: Node) -> str:
    """A SHACL path (as RDF in ``graph``) in SPARQL property path syntax."""
    return _render_path(graph, node)[0]


def _render_path(graph: Graph, node: Node) -> tuple[str, int]:
    if isinstance(node, URIRef):
        return f"<{node}>", _PRIMARY
    if not isinstance(node, BNode):
        raise ValueError(f"not a SHACL path: {node!r}")
    if (node, RDF.first, None) in graph:
        items = [_wrap(graph, item, _UNARY) for item in Collection(graph, node)]
        return ("/".join(items), _SEQ) if len(items) != 1 else (items[0], _UNARY)
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_wrap(graph, item, _SEQ) for item in Collection(graph, alternatives)), _ALT
    for key, symbol in _PATH_KEYS.items():
        inner = graph.value(node, key)
        if inner is not None:
            rendered = _wrap(graph, inner, _PRIMARY)
            return (f"^{rendered}" if symbol == "^" else f"{rendered}{symbol}"), _UNARY
    raise ValueError(f"not a SHACL path: {node!r}")


def _wrap(graph: Graph, node: Node, needed: int) -> str:
    text, strength = _render_path(graph, node)
    return text if strength >= needed else f"({text})"


_PATH_TOKEN = re.compile(r"\s*(<[^<>\s]*>|[\^/|*+?()])")


def parse_path(text: str, graph: Graph) -> URIRef | BNode:
    """Writes the SHACL RDF form of a SPARQL property path into ``graph`` and returns its node."""
    tokens: list[str] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _PATH_TOKEN.match(stripped, position)
        if match is None:
            raise ValueError(f"cannot read property path {text!r} at {position}")
        tokens.append(match.group(1))
        position = match.end()
    parser = _PathParser(tokens, graph)
    node = parser.alternative()
    if parser.position != len(tokens):
        raise ValueError(f"unexpected {tokens[parser.position]!r} in property path {text!r}")
    return node


class _PathParser:
    """Recursive descent over the property path grammar of SPARQL 1.1, without negated sets."""

    def __init__(self, tokens: list[str], graph: Graph) -> None:
        self.tokens = tokens
        self.graph = graph
        self.position = 0

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise ValueError("property path ends too early")
        self.position += 1
        return token

    def _list(self, items: Iterable[URIRef | BNode]) -> BNode:
        head = BNode()
        Collection(self.graph, head, list(items))
        return head

    def alternative(self) -> URIRef | BNode:
        options = [self.sequence()]
        while self._peek() == "|":
            self._take()
            options.append(self.sequence())
        if len(options) == 1:
            return options[0]
        node = BNode()
        self.graph.add((node, SH.alternativePath, self._list(options)))
        return node

    def sequence(self) -> URIRef | BNode:
        steps = [self.element()]
        while self._peek() == "/":
            self._take()
            steps.append(self.element())
        return steps[0] if len(steps) == 1 else self._list(steps)

    def element(self) -> URIRef | BNode:
        if self._peek() == "^":
            self._take()
            node = BNode()
            self.graph.add((node, SH.inversePath, self.element()))
            return node
        primary = self.primary()
        modifier = self._peek()
        for key, symbol in _PATH_KEYS.items():
            if symbol == modifier and symbol != "^":
                self._take()
                node = BNode()
                self.graph.add((node, key, primary))
                return node
        return primary

    def primary(self) -> URIRef | BNode:
        token = self._take()
        if token == "(":
            inner = self.alternative()
            if self._take() != ")":
                raise ValueError("unbalanced parentheses in property path")
            return inner
        if token.startswith("<"):
            return URIRef(token[1:-1])
        raise ValueError(f"unexpected {token!r} in property path")


# ---------------------------------------------------------------------------------------------------------
# Compact forms for the text summary
# ---------------------------------------------------------------------------------------------------------

_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


class _Compactor:
    """IRIs as CURIEs where a prefix fits, else in angle brackets, for the text summary."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes

    def iri(self, iri: str) -> str:
        best = iri
        for prefix, namespace in self.prefixes.items():
            if namespace and iri.startswith(namespace):
                local = iri[len(namespace) :]
                if _LOCAL_NAME.match(local) and len(prefix) + 1 + len(local) < len(best):
                    best = f"{prefix}:{local}"
        return best

    def bracketed(self, iri: str) -> str:
        compact = self.iri(iri)
        return compact if compact != iri else f"<{iri}>"

    def term(self, text: str) -> str:
        if text.startswith("_:"):
            return text
        if text.startswith('"'):
            return re.sub(r"\^\^<([^<>]*)>$", lambda m: "^^" + self.bracketed(m.group(1)), text)
        return self.bracketed(text)

    def path(self, path: str) -> str:
        return re.sub(r"<([^<>\s]*)>", lambda m: self.bracketed(m.group(1)), path)
