"""Spreadsheets in and out: the AIMS as an XLSX workbook (or CSV files) people can fill in.

``model`` loads the sheets' description (``sheets.toml``); ``template`` writes the blank workbook;
``importer`` turns a filled-in one into RDF (or reports every problem at once), within the read caps of
``limits``; ``exporter`` writes any store's records back as a workbook that imports to the same triples,
whatever no column holds travelling in each sheet's "more" column (``more``).
The public functions are importable from here; the modules load on first use, so the CLI stays quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .exporter import WorkbookExport, build_export, export_workbook
    from .importer import ImportResult, Problem, WorkbookError, convert, import_workbook, replace_graph, serialize
    from .limits import ReadLimits, WorkbookTooLargeError
    from .template import write_template

_PUBLIC = {
    "WorkbookExport": "exporter",
    "build_export": "exporter",
    "export_workbook": "exporter",
    "ImportResult": "importer",
    "ReadLimits": "limits",
    "WorkbookTooLargeError": "limits",
    "Problem": "importer",
    "WorkbookError": "importer",
    "convert": "importer",
    "import_workbook": "importer",
    "replace_graph": "importer",
    "serialize": "importer",
    "write_template": "template",
}

__all__ = [
    "ImportResult",
    "Problem",
    "ReadLimits",
    "WorkbookError",
    "WorkbookExport",
    "WorkbookTooLargeError",
    "build_export",
    "convert",
    "export_workbook",
    "import_workbook",
    "replace_graph",
    "serialize",
    "write_template",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)
