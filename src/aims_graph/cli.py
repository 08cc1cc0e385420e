"""The ``aims-graph`` command: thin commands that each call one library function.

Exit codes: 0 success (or "conforms"), 1 a negative answer (validation found problems), 2 an error. Errors are
one readable line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__, rdfio
from .config import Settings
from .errors import AimsGraphError, UserInputError
from .namespaces import PREFIXES
from .results import (
    GRAPH_FORMATS,
    SELECT_FORMATS,
    QueryResult,
    Rows,
    Triples,
    serialize_rows,
    serialize_triples,
)
from .store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs, open_configured_store
from .tables import text_table

Command = Callable[[argparse.Namespace], int]
AnyStore = OxigraphStore | SparqlEndpointStore


def _store_options(parser: argparse.ArgumentParser, data: bool = True) -> None:
    group = parser.add_argument_group("where the graph lives (default: a fresh in-memory store)")
    group.add_argument("--store", type=Path, metavar="DIR", help="an on-disk Oxigraph store directory")
    group.add_argument("--endpoint", metavar="URL", help="a SPARQL 1.1 query endpoint")
    group.add_argument("--update-endpoint", metavar="URL", help="the SPARQL 1.1 update endpoint")
    group.add_argument(
        "--graph-store-endpoint",
        metavar="URL",
        help="a SPARQL 1.1 Graph Store Protocol endpoint, for loading",
    )
    if data:
        group.add_argument(
            "--data",
            type=Path,
            action="append",
            default=[],
            metavar="FILE",
            help="an RDF file to load first (repeatable)",
        )


def store_from_args(args: argparse.Namespace) -> AnyStore:
    """Open the store the options name; with --data or no store at all, load the reference graphs too."""
    settings = Settings.from_env(
        store=args.store,
        endpoint=args.endpoint,
        update_endpoint=getattr(args, "update_endpoint", None),
        graph_store_endpoint=getattr(args, "graph_store_endpoint", None),
    )
    store = open_configured_store(settings)
    data: list[Path] = getattr(args, "data", [])
    if isinstance(store, OxigraphStore) or store.update_endpoint is not None:
        ensure_reference_graphs(store)
    for path in data:
        store.load(path)
    return store


# ----------------------------------------------------------------------------------------------- commands


def cmd_export(args: argparse.Namespace) -> int:
    if args.format == "xlsx":
        from .spreadsheet import export_workbook

        if args.out is None:
            raise UserInputError("--format xlsx needs --out FILE.xlsx")
        export_workbook(store_from_args(args), args.out)
        return 0
    from .export import export_reference

    payload = export_reference(args.what, args.format)
    _write_output(payload, args.out)
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if (args.store or settings.store) is None and (args.endpoint or settings.endpoint) is None:
        raise UserInputError(
            "load needs --store DIR or --endpoint URL (or AIMS_STORE / AIMS_ENDPOINT): an in-memory store would be lost"
        )
    if args.graph and len(args.files) > 1:
        raise UserInputError("--graph names one graph: give one file with it")
    if args.graph:
        from .snapshots import refuse_snapshot_write

        refuse_snapshot_write(args.graph)
    store = store_from_args(args)
    for path in args.files:
        report = store.load(path, graph=args.graph, fmt=args.format)
        print(f"{report.source}: {report.triples} triples into <{report.graph}>")
    store.close()
    return 0


def cmd_graphs(args: argparse.Namespace) -> int:
    store = store_from_args(args)
    if args.action == "list":
        for info in store.graphs():
            print(f"{info.triples:>10}  {info.name}")
    else:
        from .snapshots import refuse_snapshot_write

        refuse_snapshot_write(args.graph)  # snapshots go with `snapshot drop`, whole
        store.drop(args.graph)
        print(f"dropped <{args.graph}>")
    store.close()
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .generate import write

    if args.systems < 1:
        raise UserInputError("--systems must be at least 1")
    if not 1 <= args.organisations <= args.systems:
        raise UserInputError("--organisations must be between 1 and --systems")
    stats = write(args.out, args.systems, args.seed, organisations=args.organisations)
    print(
        f"{args.out}: {stats.triples} triples, {stats.systems} AI systems, {stats.risks} risks, "
        f"{stats.treatments} treatments; gaps: {len(stats.systems_without_owner)} systems without owner, "
        f"{len(stats.systems_without_assessment)} without impact assessment, "
        f"{len(stats.untreated_risks)} untreated risks, "
        f"{len(stats.datasets_without_provenance)} datasets without provenance"
    )
    return 0


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserInputError(f"--param takes key=value, got {pair!r}")
        params[key.strip()] = value
    return params


def _print_result(result: QueryResult, fmt: str) -> None:
    if isinstance(result, Triples):
        graph_fmt = fmt if fmt in GRAPH_FORMATS else "turtle"
        _write_output(serialize_triples(result, GRAPH_FORMATS[graph_fmt], PREFIXES), None)
    elif fmt == "table":
        print(
            text_table(result) if isinstance(result, Rows) else ("true\n" if result.value else "false\n"),
            end="",
        )
    elif fmt in SELECT_FORMATS:
        _write_output(serialize_rows(result, fmt), None)
    else:
        raise UserInputError(f"format {fmt!r} is for CONSTRUCT/DESCRIBE results; use table, json, xml, csv or tsv")


def cmd_query(args: argparse.Namespace) -> int:
    from .queries import get_query, named_queries, run_query

    if args.list or not args.name:
        for query in named_queries().values():
            described = ", ".join(f"{p.name} ({p.kind})" for p in query.params) or "no parameters"
            print(f"{query.name}  [{described}]\n    {query.summary}")
        return 0
    get_query(args.name)
    params = _parse_params(args.param)
    from .snapshots import as_of

    store = store_from_args(args)
    _print_result(run_query(as_of(store, args.as_of) if args.as_of else store, args.name, **params), args.format)
    return 0


def cmd_sparql(args: argparse.Namespace) -> int:
    if (args.query is None) == (args.file is None):
        raise UserInputError("give the query text or --file, not both or neither")
    text = args.query if args.query is not None else rdfio.read_bytes(args.file).decode("utf-8", "replace")
    store = store_from_args(args)
    _print_result(store.query(text), args.format)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .audit_reports import produce

    store = store_from_args(args)
    fmt = args.format or ("svg" if args.kind == "coverage" else "md")
    payload, _media = produce(store, args.kind, fmt)
    _write_output(payload, args.out)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .api import create_app

    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        store=args.store,
        endpoint=args.endpoint,
        update_endpoint=args.update_endpoint,
        graph_store_endpoint=args.graph_store_endpoint,
        data=args.data or None,
        token_file=args.token_file,
        base_iri=args.base_iri,
    )
    print(f"aims-graph {__version__}: serving on http://{settings.host}:{settings.port}/", file=sys.stderr)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0


def _write_output(payload: bytes | str, out: Path | None) -> None:
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    except OSError as exc:
        raise UserInputError(f"cannot write {out}: {exc.strerror or exc}") from None


# ------------------------------------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aims-graph",
        description="Knowledge graph, conformance checks and traceability queries for ISO/IEC 42001.",
    )
    parser.add_argument("--version", action="version", version=f"aims-graph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "export",
        help="write the ontology and catalogue (turtle, nt, jsonld, xml), or an organisation's data as xlsx",
    )
    _store_options(p)
    p.add_argument(
        "--what",
        choices=["ontology", "catalogue", "all"],
        default="all",
        help="for RDF formats: which reference graphs",
    )
    p.add_argument(
        "--format",
        choices=["turtle", "nt", "jsonld", "xml", "xlsx"],
        default="turtle",
        help="xlsx exports the organisation data of the store (with --store, --endpoint or --data)",
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("load", help="load RDF files into a store, each into its own named graph")
    _store_options(p, data=False)
    p.add_argument("--graph", metavar="IRI", help="the named graph (default: derived from the file name)")
    p.add_argument("--format", metavar="FORMAT", help="the RDF format (default: from the file ending)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("graphs", help="list the named graphs of a store, or drop one")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="each named graph with its number of triples")
    _store_options(listing, data=False)
    listing.set_defaults(func=cmd_graphs)
    dropping = actions.add_parser("drop", help="remove one named graph")
    _store_options(dropping, data=False)
    dropping.add_argument("graph", metavar="IRI")
    dropping.set_defaults(func=cmd_graphs)

    p = sub.add_parser("query", help="run a named traceability query (--list shows them)")
    _store_options(p)
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
    p.add_argument("--as-of", metavar="LABEL", help="answer from a snapshot's records instead of the current ones")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("sparql", help="run an ad hoc SPARQL query")
    _store_options(p)
    p.add_argument("query", nargs="?", metavar="QUERY")
    p.add_argument("--file", type=Path, metavar="F")
    p.add_argument(
        "--format", default="table", choices=["table", "json", "xml", "csv", "tsv", "turtle", "nt", "jsonld"]
    )
    p.set_defaults(func=cmd_sparql)

    p = sub.add_parser("report", help="write an auditor's report built on the named queries")
    _store_options(p)
    p.add_argument(
        "kind",
        choices=["soa", "risks", "trace", "coverage"],
        help="Statement of Applicability, risk register, traceability matrix, coverage chart",
    )
    p.add_argument(
        "--format",
        choices=["md", "csv", "html", "xlsx", "svg", "png"],
        default=None,
        help="md, csv, html or xlsx for tables; svg, png or html for the coverage chart",
    )
    p.add_argument("--out", type=Path, metavar="FILE")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("serve", help="serve the HTTP API (default: the bundled example, in memory)")
    _store_options(p)
    p.add_argument("--host", default=None, help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--token-file", type=Path, metavar="F", help="a file holding the bearer token for writes")
    p.add_argument("--base-iri", metavar="IRI", help="the base IRI under which data IRIs dereference")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("generate", help="write a deterministic synthetic organisation")
    p.add_argument("--systems", type=int, required=True, metavar="N")
    p.add_argument("--seed", type=int, default=42, metavar="S")
    p.add_argument("--organisations", type=int, default=1, metavar="N", help="organisations in one file")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.set_defaults(func=cmd_generate)

    for register in _command_modules():
        register(sub)
    return parser


def _command_modules() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    """Commands that live beside their feature; each module's ``register`` adds its subcommands."""
    from . import crosswalk_commands, reason_commands, snapshot_commands, validate_commands
    from .spreadsheet import commands as spreadsheet_commands

    return [
        validate_commands.register,
        reason_commands.register,
        spreadsheet_commands.register,
        crosswalk_commands.register,
        snapshot_commands.register,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code: int = args.func(args)
        return code
    except AimsGraphError as exc:
        print(f"aims-graph: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("aims-graph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
