"""CLI commands for spreadsheets: ``template``, ``import``, and the workbook half of ``export``.

Registered by cli.py through ``register``. Each command calls one library function; a workbook with
problems prints every problem, one per line, and exits 2 with nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UserInputError
from .options import store_options

# The workbook modules (openpyxl, the ontology) load only when a spreadsheet command runs, so that
# registering these commands costs every other command nothing.


def _workbook_format(out: Path, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    if out.suffix.lower() == ".xlsx":
        return "xlsx"
    raise UserInputError(f"{out}: name an .xlsx file, or give --format csv to write a folder of CSV files")


def cmd_template(args: argparse.Namespace) -> int:
    from ..spreadsheet.template import write_template

    fmt = _workbook_format(args.out, args.format)
    write_template(args.out, fmt)
    print(f"{args.out}: template written ({fmt})", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    import pyoxigraph as ox

    from .. import rdfio
    from ..spreadsheet.importer import WorkbookError, check_base, import_workbook, replace_graph, serialize
    from ..store import graph_for_file
    from .common import store_from_args, write_output

    targets = [
        name for name, value in (("--out", args.out), ("--store", args.store), ("--endpoint", args.endpoint)) if value
    ]
    if len(targets) > 1:
        raise UserInputError(f"give one of --out, --store or --endpoint, not {' and '.join(targets)}")
    if args.graph and not (args.store or args.endpoint):
        raise UserInputError("--graph names a graph in a store: give it with --store or --endpoint")
    rdf_format = rdfio.format_for(args.out) if args.out else None
    base = check_base(args.base) if args.base else None
    try:
        result = import_workbook(args.source, base=base, allow_gaps=args.allow_gaps)
    except WorkbookError as exc:
        print(f"aims-graph: error: {exc.summary}", file=sys.stderr)
        for problem in exc.problems:
            print(f"{exc.source}: {problem}", file=sys.stderr)
        return exc.exit_code
    for warning in result.warnings:
        print(f"aims-graph: warning: {result.source}: {warning}", file=sys.stderr)
    summary = f"{result.source}: {result.records} records, {len(result.triples)} triples"
    if args.store or args.endpoint:
        graph = args.graph or graph_for_file(args.source)
        store = store_from_args(args)
        replace_graph(store, result, graph)
        store.close()
        print(f"{summary} into <{graph}>", file=sys.stderr)
    else:
        write_output(serialize(result, rdf_format or ox.RdfFormat.TURTLE), args.out)
        print(f"{summary}{f' written to {args.out}' if args.out else ''}", file=sys.stderr)
    return 0


def cmd_export_workbook(args: argparse.Namespace) -> int:
    """``export --format xlsx|csv``: the organisation's records as a workbook (or a folder of CSV files)."""
    from ..spreadsheet.exporter import build_export, write_export
    from .common import store_from_args

    fmt = _workbook_format(args.out, args.format)
    if args.out is None:
        raise UserInputError(f"--format {args.format} needs --out FILE.xlsx (or a folder for csv)")
    store = store_from_args(args, require_data=True)
    export = build_export(store)
    write_export(export, args.out, fmt)
    for line in export.warnings():
        print(f"aims-graph: warning: {line}", file=sys.stderr)
    print(f"{args.out}: {export.records} records (base IRI {export.base})", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "template",
        help="write a workbook to fill in: one sheet per kind of record, a worked example row, drop-down lists",
    )
    p.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx|DIR", help="the workbook, or a folder for csv")
    p.add_argument(
        "--format", choices=["xlsx", "csv"], help="xlsx (default for a .xlsx name) or csv: a folder of CSV files"
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "import",
        help="turn a filled-in workbook (or a folder of CSV files) into RDF; every problem is reported at once",
    )
    p.add_argument(
        "source", type=Path, metavar="FILE.xlsx|DIR", help="the filled-in workbook, or a folder of CSV files"
    )
    p.add_argument(
        "--base", metavar="IRI", help="base IRI for the records' ids (default: sheet Settings, else example.org)"
    )
    p.add_argument(
        "--allow-gaps",
        action="store_true",
        help="keep values the conformance checks flag (a likelihood off the scale, a control notation the "
        "catalogue lacks) as warnings instead of refusing the workbook, so that validate reports them",
    )
    p.add_argument(
        "--out", type=Path, metavar="FILE", help="write RDF here (format from the ending; default Turtle on stdout)"
    )
    p.add_argument(
        "--graph", metavar="IRI", help="the named graph to replace in the store (default: from the file name)"
    )
    store_options(p, data=False)
    p.set_defaults(func=cmd_import)
