"""What every command shares: the store options, opening the store they name, and writing answers out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..answers import QueryResult, Rows, Triples
from ..config import Settings
from ..errors import UserInputError
from ..formats import GRAPH_FORMATS, RESULT_NAMES
from ..namespaces import PREFIXES
from ..reports.tables import text_table
from ..serialize import write_rows, write_triples
from ..store import Store, ensure_reference_graphs, open_configured_store


def store_options(parser: argparse.ArgumentParser, data: bool = True) -> None:
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


def store_from_args(args: argparse.Namespace) -> Store:
    """Open the store the options name; with --data or no store at all, load the reference graphs too."""
    settings = Settings.from_env(
        store=args.store,
        endpoint=args.endpoint,
        update_endpoint=getattr(args, "update_endpoint", None),
        graph_store_endpoint=getattr(args, "graph_store_endpoint", None),
    )
    store = open_configured_store(settings)
    data: list[Path] = getattr(args, "data", [])
    if store.writable:
        ensure_reference_graphs(store)
    for path in data:
        store.load(path)
    return store


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserInputError(f"--param takes key=value, got {pair!r}")
        params[key.strip()] = value
    return params


def print_result(result: QueryResult, fmt: str) -> None:
    if isinstance(result, Triples):
        graph_fmt = fmt if fmt in GRAPH_FORMATS else "turtle"
        write_output(write_triples(result, GRAPH_FORMATS[graph_fmt], PREFIXES), None)
    elif fmt == "table":
        print(
            text_table(result) if isinstance(result, Rows) else ("true\n" if result.value else "false\n"),
            end="",
        )
    elif fmt in RESULT_NAMES:
        write_output(write_rows(result, fmt), None)
    else:
        raise UserInputError(f"format {fmt!r} is for CONSTRUCT/DESCRIBE results; use table, json, xml, csv or tsv")


def write_output(payload: bytes | str, out: Path | None) -> None:
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
