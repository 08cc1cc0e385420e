"""Asking questions: the named traceability queries and ad hoc SPARQL."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserInputError
from .options import parse_params, store_options


def cmd_query(args: argparse.Namespace) -> int:
    from ..queries import get_query, named_queries, run_query
    from .common import print_result, store_from_args

    if args.list or not args.name:
        for query in named_queries().values():
            described = ", ".join(f"{p.name} ({p.kind})" for p in query.params) or "no parameters"
            print(f"{query.name}  [{described}]\n    {query.summary}")
        return 0
    get_query(args.name)
    params = parse_params(args.param)
    store = store_from_args(args, require_data=True)
    print_result(run_query(store, args.name, **params), args.format)
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    from .. import rdfio
    from .common import print_result, store_from_args

    if (args.query is None) == (args.file is None):
        raise UserInputError("give the query text or --file, not both or neither")
    text = args.query if args.query is not None else rdfio.read_bytes(args.file).decode("utf-8", "replace")
    store = store_from_args(args)
    print_result(store.query(text), args.format)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("query", help="run a named traceability query (--list shows them)")
    store_options(p)
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter: an IRI, a CURIE (iso42001:A-6-2-4) or a notation (A.6.2.4)",
    )
    p.add_argument("--format", choices=["table", "json", "xml", "csv", "tsv"], default="table")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("sparql", help="run an ad hoc SPARQL query")
    store_options(p)
    p.add_argument("query", nargs="?", metavar="QUERY")
    p.add_argument("--file", type=Path, metavar="F")
    p.add_argument(
        "--format", default="table", choices=["table", "json", "xml", "csv", "tsv", "turtle", "nt", "jsonld"]
    )
    p.set_defaults(func=cmd_sparql)
