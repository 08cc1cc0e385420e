"""Getting data in and out: load files into a store, list or drop graphs, export, generate a synthetic organisation."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserInputError
from .options import store_options


def cmd_export(args: argparse.Namespace) -> int:
    from .common import write_output

    if args.format in ("xlsx", "csv"):
        from .spreadsheet import cmd_export_workbook

        return cmd_export_workbook(args)
    from ..reference_documents import export_reference

    payload = export_reference(args.what, args.format)
    write_output(payload, args.out)
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from ..config import Settings
    from .common import store_from_args

    settings = Settings.from_env()
    if (args.store or settings.store) is None and (args.endpoint or settings.endpoint) is None:
        raise UserInputError(
            "load needs --store DIR or --endpoint URL (or AIMS_STORE / AIMS_ENDPOINT): an in-memory store would be lost"
        )
    if args.graph and len(args.files) > 1:
        raise UserInputError("--graph names one graph: give one file with it")
    if args.graph:
        from ..snapshots import refuse_snapshot_write

        refuse_snapshot_write(args.graph)
    store = store_from_args(args)
    for path in args.files:
        report = store.load(path, graph=args.graph, fmt=args.format)
        print(f"{report.source}: {report.triples} triples into <{report.graph}>")
    store.close()
    return 0


def cmd_graphs(args: argparse.Namespace) -> int:
    from .common import store_from_args

    store = store_from_args(args)
    if args.action == "list":
        for info in store.graphs():
            print(f"{info.triples:>10}  {info.name}")
    else:
        from ..snapshots import refuse_snapshot_write

        refuse_snapshot_write(args.graph)  # snapshots go with `snapshot drop`, whole
        store.drop(args.graph)
        print(f"dropped <{args.graph}>")
    store.close()
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from ..synthetic import write

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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="write the ontology and catalogue (turtle, nt, jsonld, xml), or an organisation's data as xlsx",
    )
    store_options(p)
    p.add_argument(
        "--what",
        choices=["ontology", "catalogue", "all"],
        default="all",
        help="for RDF formats: which reference graphs",
    )
    p.add_argument(
        "--format",
        choices=["turtle", "nt", "jsonld", "xml", "xlsx", "csv"],
        default="turtle",
        help="turtle, nt, jsonld or xml: the reference graphs (--what); xlsx or csv (a folder of CSV files): "
        "the organisation's records as a workbook that imports back (needs --store, --endpoint or --data)",
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("load", help="load RDF files into a store, each into its own named graph")
    store_options(p, data=False)
    p.add_argument("--graph", metavar="IRI", help="the named graph (default: derived from the file name)")
    p.add_argument("--format", metavar="FORMAT", help="the RDF format (default: from the file ending)")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="RDF files (format from the name ending)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("graphs", help="list the named graphs of a store, or drop one")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="each named graph with its number of triples")
    store_options(listing, data=False)
    listing.set_defaults(func=cmd_graphs)
    dropping = actions.add_parser("drop", help="remove one named graph")
    store_options(dropping, data=False)
    dropping.add_argument("graph", metavar="IRI", help="the named graph to remove (see graphs list)")
    dropping.set_defaults(func=cmd_graphs)

    p = sub.add_parser("generate", help="write a deterministic synthetic organisation")
    p.add_argument(
        "--systems", type=int, required=True, metavar="N", help="how many AI systems (about 300 triples each)"
    )
    p.add_argument("--seed", type=int, default=42, metavar="S", help="the same seed gives the same file (default 42)")
    p.add_argument("--organisations", type=int, default=1, metavar="K", help="organisations in one file (default 1)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="the Turtle file to write")
    p.set_defaults(func=cmd_generate)
