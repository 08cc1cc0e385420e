"""`aims-graph validate`: SHACL conformance by clause. Exit 0 conforms, 1 does not, 2 error."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import rdflib

from . import rdfio
from .cli import _store_options, _write_output, store_from_args
from .store import store_as_rdflib
from .user_shapes import validate_with_shapes
from .validate import ENGINES


def cmd_validate(args: argparse.Namespace) -> int:
    using_store = args.store is not None or args.endpoint is not None
    if not args.files and not using_store:
        raise_usage("give data files, --store DIR or --endpoint URL")
    data = rdflib.Graph()
    for path in args.files:
        data += rdfio.parse_file_to_rdflib(path)
    if using_store:
        data += store_as_rdflib(store_from_args(args))
    shapes = [rdfio.parse_file_to_rdflib(path) for path in args.shapes] if args.shapes else None
    report = validate_with_shapes(data, shapes, args.engine)
    if args.format == "json":
        _write_output(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", args.out)
    elif args.format == "turtle":
        _write_output(report.to_graph().serialize(format="turtle"), args.out)
    else:
        _write_output(report.to_text(), args.out)
    return 0 if report.conforms else 1


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
    p.set_defaults(func=cmd_validate)
