"""The empty workbook people fill in: every sheet with its header and one worked example row.

The example rows refer to each other (the risk names the example AI system, the treatment the example risk),
so the template itself imports cleanly and shows how references work.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .model import DEFAULT_BASE, DEFAULT_LANGUAGE, SHEETS, Kind
from .workbook import Cell, write


def example_rows() -> dict[str, list[list[Cell]]]:
    rows: dict[str, list[list[Cell]]] = {}
    for sheet in SHEETS:
        row: list[Cell] = []
        for column in sheet.columns:
            value = column.example
            if column.kind is Kind.DATE and isinstance(value, str):
                value = dt.date.fromisoformat(value)
            assert value is None or isinstance(value, str | int | dt.date)
            row.append(value)
        rows[sheet.key] = [row]
    return rows


def write_template(out: Path, fmt: str = "xlsx", base: str = DEFAULT_BASE, language: str = DEFAULT_LANGUAGE) -> None:
    """An XLSX workbook, or with fmt="csv" a folder of CSV files (one per sheet)."""
    write(out, example_rows(), base, language, fmt)
