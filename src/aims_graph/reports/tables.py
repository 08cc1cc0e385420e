"""Rendering rows for people: a plain-text table for terminals, Markdown, CSV and HTML for reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ..answers import Rows, display
from ..namespaces import PREFIXES


def cells(rows: Rows) -> list[list[str]]:
    return [[display(term, PREFIXES) for term in row] for row in rows.rows]


def text_table(rows: Rows, max_width: int = 60) -> str:
    body = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells(rows)]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(rows.variables)]
    line = "  ".join(h.ljust(w) for h, w in zip(rows.variables, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    out.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(out) + "\n"


def markdown_table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(esc(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in body]
    return "\n".join(out) + "\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell that starts with one of these as a formula (or, for tab and CR, may do so after
trimming), so a value taken from the data could run a command or open a link when the report is opened."""


def inert(text: str) -> str:
    """The cell's text as a spreadsheet will show it and never evaluate it (the OWASP CSV-injection advice)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([inert(h) for h in headers])
    writer.writerows([inert(c) for c in row] for row in body)
    return buffer.getvalue()
