"""Query results in one engine-neutral model, and their standard serialisations.

Terms are pyoxigraph terms whichever store answered, so a row from the embedded store and a row from a remote
SPARQL server compare equal, and both serialise through the same code.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class Rows:
    """The answer to a SELECT query."""

    variables: list[str]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)

    def dicts(self) -> Iterator[dict[str, Term]]:
        for row in self.rows:
            yield {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}


@dataclass
class Boolean:
    """The answer to an ASK query."""

    value: bool


@dataclass
class Triples:
    """The answer to a CONSTRUCT or DESCRIBE query."""

    triples: list[ox.Triple]


QueryResult = Rows | Boolean | Triples

SELECT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}


def from_oxigraph(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
    if isinstance(answer, ox.QueryBoolean):
        return Boolean(bool(answer))
    if isinstance(answer, ox.QueryTriples):
        return Triples(list(answer))
    variables = [v.value for v in answer.variables]
    return Rows(variables, [tuple(solution[i] for i in range(len(variables))) for solution in answer])


def term_json(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": term_json(term.subject),
                "predicate": term_json(term.predicate),
                "object": term_json(term.object),
            },
        }
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def to_json(result: Rows | Boolean) -> str:
    """SPARQL 1.1 Query Results JSON."""
    if isinstance(result, Boolean):
        return json.dumps({"head": {}, "boolean": result.value})
    bindings = [{k: term_json(t) for k, t in row.items()} for row in result.dicts()]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False)


def _term_xml(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        parts = (("subject", term.subject), ("predicate", term.predicate), ("object", term.object))
        return "<triple>" + "".join(f"<{n}>{_term_xml(t)}</{n}>" for n, t in parts) + "</triple>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def to_xml(result: Rows | Boolean) -> str:
    """SPARQL Query Results XML."""
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    if isinstance(result, Boolean):
        out += ["</head>", f"<boolean>{'true' if result.value else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out)
    out += [f"<variable name={quoteattr(v)}/>" for v in result.variables]
    out += ["</head>", "<results>"]
    for row in result.dicts():
        cells = "".join(f"<binding name={quoteattr(k)}>{_term_xml(t)}</binding>" for k, t in row.items())
        out.append(f"<result>{cells}</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out)


def _plain(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def to_csv(result: Rows) -> str:
    """SPARQL 1.1 CSV: plain values, no datatypes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([_plain(t) for t in row])
    return buffer.getvalue()


def to_tsv(result: Rows) -> str:
    """SPARQL 1.1 TSV: terms in Turtle/N-Triples syntax."""
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def serialize_rows(result: Rows | Boolean, fmt: str) -> str:
    if fmt == "json":
        return to_json(result)
    if fmt == "xml":
        return to_xml(result)
    if isinstance(result, Boolean):
        return ("true" if result.value else "false") + "\n"
    return to_csv(result) if fmt == "csv" else to_tsv(result)


def serialize_triples(result: Triples, fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) and prefixes:
        return ox.serialize(result.triples, format=fmt, prefixes=prefixes) or b""
    return ox.serialize(result.triples, format=fmt) or b""


def value_of(term: Term | None) -> str:
    """The lexical value of an IRI, blank node or literal (quoted triples have none)."""
    if term is None or isinstance(term, ox.Triple):
        raise ValueError(f"expected an IRI or literal, got {term!r}")
    return term.value


def display(term: Term | None, prefixes: dict[str, str] | None = None) -> str:
    """A short human form of a term for tables: CURIEs where a prefix fits, plain literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in (prefixes or {}).items():
            if term.value.startswith(ns) and len(term.value) > len(ns):
                return f"{prefix}:{term.value[len(ns) :]}"
        return term.value
    return _plain(term)
