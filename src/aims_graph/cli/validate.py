"""`aims-graph validate`: SHACL conformance by clause. Exit 0 conforms, 1 does not, 2 error."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UserInputError
from ..validation import ENGINES
from .options import records_options, store_options

if TYPE_CHECKING:
    import rdflib

    from ..store import OxigraphStore


def cmd_validate(args: argparse.Namespace) -> int:
    import rdflib

    from .. import rdfio
    from ..store import store_as_rdflib
    from ..validation.user_shapes import validate_with_shapes
    from ..validation.validate import validate_store
    from .common import expand_data, store_from_args, write_output

    using_store = args.store is not None or args.endpoint is not None
    if not args.files and not using_store:
        raise UserInputError("no data given: name RDF files or a directory, or --store DIR or --endpoint URL")
    args.files = expand_data(args.files)
    shapes = [rdfio.parse_file_to_rdflib(path) for path in args.shapes] if args.shapes else None
    if args.as_of or args.org:  # a snapshot's or one organisation's records, in the store where they are
        from ..snapshots import validate_as_of
        from ..snapshots.organisations import records_view

        base = store_from_args(args) if using_store else _memory_store(args.files)
        source, snapshot = records_view(base, args.org, args.as_of)
        if snapshot is not None:
            report = validate_as_of(snapshot, _merged(shapes), args.engine)
        elif args.engine != "pyshacl":
            report = validate_store(source, _merged(shapes), args.engine)
        else:
            report = validate_with_shapes(store_as_rdflib(source), shapes, args.engine)
    elif args.engine != "pyshacl" and not (using_store and args.files):  # in the store, copying nothing
        store = store_from_args(args) if using_store else _memory_store(args.files)
        report = validate_store(store, _merged(shapes), args.engine)
    else:
        data = rdflib.Graph()
        for path in args.files:
            parsed = rdfio.parse_file_to_rdflib(path)
            if not parsed:
                raise UserInputError(f"{path}: nothing was loaded from this file: it holds no triples")
            data += parsed
        if using_store:
            data += store_as_rdflib(store_from_args(args))
        report = validate_with_shapes(data, shapes, args.engine)
    if args.format == "json":
        write_output(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", args.out)
    elif args.format == "turtle":
        write_output(report.to_graph().serialize(format="turtle"), args.out)
    else:
        write_output(report.to_text(), args.out)
    return 0 if report.conforms else 1


def _memory_store(files: list[Path]) -> OxigraphStore:
    """The files and the reference graphs in a fresh in-memory store, parsed by Oxigraph (not rdflib)."""
    from ..store import OxigraphStore, ensure_reference_graphs
    from .common import load_files

    store = OxigraphStore()
    ensure_reference_graphs(store)
    load_files(store, files)
    return store


def _merged(shapes: list[rdflib.Graph] | None) -> rdflib.Graph | None:
    import rdflib

    if shapes is None:
        return None
    merged = rdflib.Graph()
    for graph in shapes:
        merged += graph
    return merged


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="check data against the SHACL shapes, reported by clause",
        description="Check RDF data against the SHACL shapes of ISO/IEC 42001 (or your own) and report by clause.",
        epilog="exit codes: 0 the data conforms, 1 it does not (the report says where), 2 an error "
        "(bad input, bad shapes, a store that cannot be reached)",
    )
    store_options(p, data=False)
    p.add_argument("files", nargs="*", type=Path, metavar="FILE", help="RDF data to validate")
    p.add_argument(
        "--shapes",
        type=Path,
        action="append",
        metavar="FILE",
        help="your own shapes, which replace ours (repeatable)",
    )
    p.add_argument(
        "--format",
        choices=["text", "json", "turtle"],
        default="text",
        help="text grouped by clause (default), JSON, or a standard sh:ValidationReport in Turtle",
    )
    p.add_argument(
        "--engine",
        choices=list(ENGINES),
        default="auto",
        help=(
            "auto (default): shapes compiled to SPARQL and run in the store, pyshacl only for shapes that do "
            "not compile; pyshacl: the reference engine"
        ),
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="write the report here instead of standard output")
    records_options(p)
    p.set_defaults(func=cmd_validate)
