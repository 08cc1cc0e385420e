"""One serialiser per answer kind, for every store: pyoxigraph's writers, whatever store answered.

Rows that come from a remote server or from Python code are handed to pyoxigraph as SPARQL TSV (the terms'
own N-Triples form, so nothing is lost) and written by the same writer as the embedded store's answers, so the
same data gives the same bytes whichever store holds it. Graphs are written sorted by subject, so Turtle groups
each subject's statements under one heading.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from .answers import Boolean, Rows, Triples
from .errors import TooLargeError
from .formats import RESULT_NAMES


def solutions_from_rows(result: Rows | Boolean) -> ox.QuerySolutions | ox.QueryBoolean:
    """Our rows as pyoxigraph query results (the one writer's input)."""
    if isinstance(result, Boolean):
        return ox.parse_query_results(b"true" if result.value else b"false", format=ox.QueryResultsFormat.TSV)
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in result.rows]
    table = ("\n".join(lines) + "\n").encode("utf-8")
    return ox.parse_query_results(table, format=ox.QueryResultsFormat.TSV)


def write_results(
    answer: ox.QuerySolutions | ox.QueryBoolean, fmt: ox.QueryResultsFormat, row_limit: int | None = None
) -> bytes:
    """SELECT or ASK results in a SPARQL results format; more rows than ``row_limit`` is refused."""
    if isinstance(answer, ox.QueryBoolean) or row_limit is None:
        return answer.serialize(format=fmt) or b""
    # Count on the line-based form first: TSV has one line per solution.
    table = answer.serialize(format=ox.QueryResultsFormat.TSV) or b""
    if table.count(b"\n") - 1 > row_limit:
        raise TooLargeError(f"the result has more than {row_limit} rows; add a LIMIT to the query")
    if fmt == ox.QueryResultsFormat.TSV:
        return table
    return ox.parse_query_results(table, format=ox.QueryResultsFormat.TSV).serialize(format=fmt) or b""


def write_rows(result: Rows | Boolean, fmt: str) -> bytes:
    """Rows or a boolean in a results format named ``json``, ``xml``, ``csv`` or ``tsv``."""
    return write_results(solutions_from_rows(result), RESULT_NAMES[fmt].results_format)


def _subject_key(triple: ox.Triple) -> tuple[int, str]:
    subject = triple.subject
    return (1 if isinstance(subject, ox.BlankNode) else 0, str(subject))


def write_graph(
    triples: Iterable[ox.Triple],
    fmt: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
    row_limit: int | None = None,
) -> bytes:
    """Triples in an RDF format; Turtle with the given prefixes and one block per subject."""
    ordered = sorted(triples, key=_subject_key)
    if row_limit is not None and len(ordered) > row_limit:
        raise TooLargeError(f"the result has more than {row_limit} triples; narrow the query")
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) and prefixes:
        return ox.serialize(ordered, format=fmt, prefixes=prefixes) or b""
    return ox.serialize(ordered, format=fmt) or b""


def write_triples(result: Triples, fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    return write_graph(result.triples, fmt, prefixes)
