"""Asking questions: the named traceability queries and ad hoc SPARQL."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserInputError
from .options import add_help_epilog, parse_params, records_options, store_options


def cmd_query(args: argparse.Namespace) -> int:
    from ..queries import get_query, run_query
    from .common import print_result, records_from_args, store_from_args

    if args.list or not args.name:
        print(query_listing(), end="")
        return 0
    get_query(args.name)
    params = parse_params(args.param)
    store = store_from_args(args, require_data=True)
    print_result(run_query(records_from_args(args, store), args.name, **params), args.format)
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


def query_listing() -> str:
    from ..queries import named_queries

    lines = ["named queries:"]
    for query in named_queries().values():
        described = ", ".join(f"{p.name} ({p.kind})" for p in query.params) or "no parameters"
        lines.append(f"  {query.name}  [{described}]\n      {query.summary}")
    return "\n".join(lines) + "\n"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("query", help="run a named traceability query (--list shows them)")
    store_options(p)
    p.add_argument("name", nargs="?", metavar="NAME", help="the named query (listed below)")
    p.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter: an IRI, a CURIE (iso42001:A-6-2-4) or a notation (A.6.2.4)",
    )
    p.add_argument(
        "--format",
        choices=["table", "json", "xml", "csv", "tsv"],
        default="table",
        help="a text table (default) or a SPARQL results format",
    )
    records_options(p)
    p.set_defaults(func=cmd_query)
    add_help_epilog(p, query_listing)

    p = sub.add_parser("sparql", help="run an ad hoc SPARQL query")
    store_options(p)
    p.add_argument("query", nargs="?", metavar="QUERY", help="the SPARQL query text (or --file)")
    p.add_argument("--file", type=Path, metavar="F", help="read the query from this file")
    p.add_argument(
        "--format",
        default="table",
        choices=["table", "json", "xml", "csv", "tsv", "turtle", "nt", "jsonld"],
        help="table, json, xml, csv or tsv for SELECT and ASK; turtle, nt or jsonld for CONSTRUCT and DESCRIBE",
    )
    p.set_defaults(func=cmd_sparql)
