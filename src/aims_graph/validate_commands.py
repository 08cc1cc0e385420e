"""`aims-graph validate`: SHACL conformance by clause. Exit 0 conforms, 1 does not, 2 error."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import rdflib

from . import rdfio
from .cli import _store_options, _write_output, store_from_args
from .snapshots import validate_as_of
from .store import OxigraphStore, ensure_reference_graphs, store_as_rdflib
from .user_shapes import validate_with_shapes
from .validate import ENGINES, validate_store


def cmd_validate(args: argparse.Namespace) -> int:
    using_store = args.store is not None or args.endpoint is not None
    if not args.files and not using_store:
        raise_usage("give data files, --store DIR or --endpoint URL")
    shapes = [rdfio.parse_file_to_rdflib(path) for path in args.shapes] if args.shapes else None
    if args.as_of:  # a snapshot's records, in the store where they are
        from .snapshots import as_of

        report = validate_as_of(as_of(store_from_args(args), args.as_of), _merged(shapes), args.engine)
    elif args.engine != "pyshacl" and not (using_store and args.files):  # in the store, copying nothing
        store = store_from_args(args) if using_store else _memory_store(args.files)
        report = validate_store(store, _merged(shapes), args.engine)
    else:
        data = rdflib.Graph()
        for path in args.files:
            data += rdfio.parse_file_to_rdflib(path)
        if using_store:
            data += store_as_rdflib(store_from_args(args))
        report = validate_with_shapes(data, shapes, args.engine)
    if args.format == "json":
        _write_output(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", args.out)
    elif args.format == "turtle":
        _write_output(report.to_graph().serialize(format="turtle"), args.out)
    else:
        _write_output(report.to_text(), args.out)
    return 0 if report.conforms else 1


def _memory_store(files: list[Path]) -> OxigraphStore:
    """The files and the reference graphs in a fresh in-memory store, parsed by Oxigraph (not rdflib)."""
    store = OxigraphStore()
    ensure_reference_graphs(store)
    for path in files:
        store.load(path)
    return store


def _merged(shapes: list[rdflib.Graph] | None) -> rdflib.Graph | None:
    if shapes is None:
        return None
    merged = rdflib.Graph()
    for graph in shapes:
        merged += graph
    return merged


def raise_usage(message: str) -> None:
    from .errors import UserInputError

    raise UserInputError(message)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="check data against the SHACL shapes, reported by clause")
    _store_options(p, data=False)
    p.add_argument("files", nargs="*", type=Path, metavar="FILE", help="RDF data to validate")
    p.add_argument(
        "--shapes",
        type=Path,
        action="append",
        metavar="FILE",
        help="your own shapes, which replace ours (repeatable)",
    )
    p.add_argument("--format", choices=["text", "json", "turtle"], default="text")
    p.add_argument("--engine", choices=list(ENGINES), default=ENGINES[0])
    p.add_argument("--out", type=Path, metavar="FILE")
    p.add_argument("--as-of", metavar="LABEL", help="validate a snapshot's records (with --store or --endpoint)")
    p.set_defaults(func=cmd_validate)
