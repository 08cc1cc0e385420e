"""Query answers in one engine-neutral model: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT).

Terms are pyoxigraph terms whichever store answered, so a row from the embedded store and a row from a remote
SPARQL server compare equal, and both serialise through the same code (``serialize``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


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


def from_oxigraph(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
    if isinstance(answer, ox.QueryBoolean):
        return Boolean(bool(answer))
    if isinstance(answer, ox.QueryTriples):
        return Triples(list(answer))
    variables = [v.value for v in answer.variables]
    return Rows(variables, [tuple(solution[i] for i in range(len(variables))) for solution in answer])


def _plain(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


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
