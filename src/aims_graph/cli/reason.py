"""`aims-graph reason`: OWL consistency check and inferred classification from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UserInputError
from .options import store_options


def cmd_reason(args: argparse.Namespace) -> int:
    if args.engine == "rules":
        return cmd_reason_rules(args)
    import pyoxigraph as ox

    from .. import rdfio, resources
    from ..answers import Triples
    from ..namespaces import INFERRED_GRAPH, PREFIXES
    from ..reasoning.hermit import reason
    from .common import store_from_args, write_output

    inferred_graph = INFERRED_GRAPH
    using_store = args.store is not None or args.endpoint is not None
    if not args.files and not using_store:
        args.files = [resources.example_file(resources.CONFORMANT_EXAMPLE)]
    data: list[ox.Triple] = []
    for path in args.files:
        fmt = rdfio.format_for(path)
        data.extend(
            q.triple for q in rdfio.parse_quads(rdfio.read_bytes(path), fmt, str(path), path.resolve().as_uri())
        )
    store = store_from_args(args) if using_store else None
    if store is not None:
        answer = store.query(resources.internal_query("ld/graph-content.rq"))
        assert isinstance(answer, Triples)
        data.extend(t for t in answer.triples)
    result = reason(data)
    if not result.consistent:
        print("inconsistent: the data contradicts the ontology", file=sys.stderr)
        for line in result.explanation:
            print(f"- {line}")
        return 1
    payload = ox.serialize(result.inferred, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
    if store is not None and args.out is None:
        if store.has_graph(inferred_graph):
            store.drop(inferred_graph)
        store.load_bytes(payload, ox.RdfFormat.TURTLE, inferred_graph, "inferred triples")
        store.close()
        where = f"graph <{inferred_graph}>"
    else:
        write_output(payload, args.out)
        where = str(args.out) if args.out else "standard output"
    print(
        f"consistent: {len(result.inferred)} inferred triples written to {where} "
        f"({result.triples_in} triples reasoned over in {result.seconds:.1f} s)",
        file=sys.stderr,
    )
    return 0


def cmd_reason_rules(args: argparse.Namespace) -> int:
    """The rules engine: in the store itself (in place), or in memory for files; see aims_graph.reasoning."""
    import pyoxigraph as ox

    from .. import resources
    from ..namespaces import INFERRED_GRAPH, PREFIXES
    from ..reasoning.run import RulesResult, reason_in_store, reference_program
    from ..store import OxigraphStore, ensure_reference_graphs
    from .common import store_from_args, write_output

    using_store = args.store is not None or args.endpoint is not None
    if args.unsupported:
        program = reference_program(store_from_args(args) if using_store else None)
        print("\n".join(f"- {line}" for line in program.unsupported))
        return 0
    if using_store and args.files:
        raise UserInputError(
            "--engine rules reasons over the store in place: load the files first (aims-graph load), "
            "or give the files without --store/--endpoint"
        )
    store = store_from_args(args) if using_store else OxigraphStore()
    if not using_store:
        ensure_reference_graphs(store)
        for path in args.files or [resources.example_file(resources.CONFORMANT_EXAMPLE)]:
            store.load(path)
    in_place = using_store and args.out is None
    result: RulesResult = reason_in_store(store, publish=in_place, collect=not in_place)
    store.close()
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not result.consistent:
        print("inconsistent: the data contradicts the ontology", file=sys.stderr)
        for line in result.explanation:
            print(f"- {line}")
        return 1
    if in_place:
        where = f"graph <{INFERRED_GRAPH}>"
    else:
        payload = ox.serialize(result.triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b""
        write_output(payload, args.out)
        where = str(args.out) if args.out else "standard output"
    print(
        f"consistent: {result.inferred} inferred triples written to {where} "
        f"({result.triples_in} triples reasoned over in {result.seconds:.1f} s, OWL 2 RL rules; "
        f"{len(result.unsupported)} axioms or parts of axioms are left to --engine hermit, see --unsupported)",
        file=sys.stderr,
    )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("reason", help="check OWL consistency and write the inferred triples (OWL 2 RL rules or HermiT)")
    store_options(p, data=False)
    p.add_argument("files", nargs="*", type=Path, metavar="FILE", help="RDF data (default: the bundled example)")
    p.add_argument("--out", type=Path, metavar="FILE", help="write inferred triples here (Turtle)")
    p.add_argument(
        "--engine",
        choices=["rules", "hermit"],
        default="rules",
        help="rules: OWL 2 RL rules run inside the store, in place (default); hermit: full OWL 2 DL with "
        "owlready2 and HermiT, on a copy of the data, for what the rules leave out",
    )
    p.add_argument(
        "--unsupported",
        action="store_true",
        help="list the axioms (or parts of axioms) the rules cannot express, and exit",
    )
    p.set_defaults(func=cmd_reason)
