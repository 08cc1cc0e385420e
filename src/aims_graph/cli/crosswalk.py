"""``aims-graph crosswalk export|import``: mapping sets as SSSOM/TSV or Turtle; each command calls one function."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserInputError
from .options import store_options


def cmd_crosswalk_export(args: argparse.Namespace) -> int:
    from ..crosswalk import mappings as crosswalk
    from .common import store_from_args, write_output

    store = store_from_args(args)
    if args.format == "sssom":
        write_output(crosswalk.export_sssom(store, args.mapping_set), args.out)
    else:
        write_output(crosswalk.export_turtle(store), args.out)
    store.close()
    return 0


def cmd_crosswalk_import(args: argparse.Namespace) -> int:
    from .. import rdfio
    from ..crosswalk import mappings as crosswalk
    from .common import write_output

    data = rdfio.read_bytes(args.file)
    if args.format == "sssom":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UserInputError(f"{args.file}: SSSOM/TSV must be UTF-8") from None
        graph = crosswalk.sssom_to_graph(text, str(args.file))
    else:
        graph = crosswalk.turtle_to_graph(data, str(args.file))
    write_output(crosswalk.graph_to_turtle(graph), args.out)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("crosswalk", help="export or import crosswalk mapping sets (SSSOM/TSV or Turtle)")
    actions = parser.add_subparsers(dest="crosswalk_action", metavar="ACTION", required=True)

    p = actions.add_parser("export", help="write the mapping set(s) of the store (default: the bundled crosswalks)")
    store_options(p)
    p.add_argument("--format", choices=["sssom", "turtle"], default="sssom", help="SSSOM/TSV (default) or Turtle")
    p.add_argument("--mapping-set", metavar="IRI", help="the set to export when the store holds several")
    p.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    p.set_defaults(func=cmd_crosswalk_export)

    p = actions.add_parser("import", help="read a mapping set and write its aims-graph RDF form as Turtle")
    p.add_argument(
        "--format", choices=["sssom", "turtle"], default="sssom", help="the file's format (default SSSOM/TSV)"
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    p.add_argument("file", type=Path, metavar="FILE", help="the mapping set to read")
    p.set_defaults(func=cmd_crosswalk_import)
