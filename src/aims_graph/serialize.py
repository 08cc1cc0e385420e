"""One serialiser per answer kind, for every store: pyoxigraph's writers, whatever store answered.

Rows that come from a remote server or from Python code are handed to pyoxigraph as SPARQL TSV (the terms'
own N-Triples form, so nothing is lost) and written by the same writer as the embedded store's answers, so the
same data gives the same bytes whichever store holds it. Graphs are written sorted by subject, so Turtle groups
each subject's statements under one heading.
"""

from __future__ import annotations

import csv
import io
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
    """SELECT or ASK results in a SPARQL results format; more rows than ``row_limit`` is refused.

    The answer is written once, in the client's format, and its rows are bounded from above by counting one
    byte sequence that every row holds at least once. Only an answer whose bound passes the cap is counted
    exactly, on its line-based form (TSV has one line per solution)."""
    body = answer.serialize(format=fmt) or b""
    if isinstance(answer, ox.QueryBoolean) or row_limit is None or _most_rows(body, fmt) <= row_limit:
        return body
    if _rows(body, fmt) > row_limit:
        raise TooLargeError(f"the result has more than {row_limit} rows; add a LIMIT to the query")
    return body


def _most_rows(body: bytes, fmt: ox.QueryResultsFormat) -> int:
    """At least as many as the rows in ``body``: each JSON solution opens an object (three more open the
    document, its head and its results), each XML one a ``<result`` element (as ``<results>`` does once),
    each CSV or TSV one ends a line (as the header does). Text inside values only adds to the count."""
    if fmt == ox.QueryResultsFormat.JSON:
        return body.count(b"{") - 3
    if fmt == ox.QueryResultsFormat.XML:
        return body.count(b"<result") - 1
    return body.count(b"\n") - 1


def _rows(body: bytes, fmt: ox.QueryResultsFormat) -> int:
    """The exact number of rows: CSV (which pyoxigraph does not read back) through the csv module, the others
    on their TSV form, which has one line per solution and the header."""
    if fmt == ox.QueryResultsFormat.CSV:
        return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1
    if fmt != ox.QueryResultsFormat.TSV:
        parsed = ox.parse_query_results(body, format=fmt)
        assert isinstance(parsed, ox.QuerySolutions)
        body = parsed.serialize(format=ox.QueryResultsFormat.TSV) or b""
    return body.count(b"\n") - 1


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
