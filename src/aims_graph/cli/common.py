"""What commands share once they run: opening the store the options name, loading data, writing answers out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import formats, rdfio
from ..answers import QueryResult, Rows, Triples
from ..config import Settings
from ..errors import UserInputError
from ..formats import GRAPH_FORMATS, RESULT_NAMES
from ..namespaces import PREFIXES
from ..reports.tables import text_table
from ..serialize import write_rows, write_triples
from ..store import Queryable, Store, ensure_reference_graphs, open_configured_store
from .options import note


def expand_data(paths: list[Path]) -> list[Path]:
    """The files the user named, with each directory replaced by the RDF files inside it."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = rdfio.rdf_files_in(path)
            if not found:
                raise UserInputError(f"{path}: the directory holds no RDF files ({', '.join(formats.rdf_endings())})")
            note(f"{path}: loading {len(found)} RDF file{'s' if len(found) != 1 else ''}")
            files.extend(found)
        elif not path.exists():
            raise UserInputError(f"{path}: no such file")
        else:
            files.append(path)
    return files


def store_from_args(args: argparse.Namespace, require_data: bool = False) -> Store:
    """Open the store the options name; with --data or no store at all, load the reference graphs too.

    ``require_data``: the command answers questions about an organisation, so a fresh store with nothing
    loaded is a mistake to report, not an empty answer."""
    settings = Settings.from_env(
        store=args.store,
        endpoint=args.endpoint,
        update_endpoint=getattr(args, "update_endpoint", None),
        graph_store_endpoint=getattr(args, "graph_store_endpoint", None),
    )
    store = open_configured_store(settings)
    data = expand_data(getattr(args, "data", []))
    if require_data and not data and settings.store is None and settings.endpoint is None:
        raise UserInputError(
            "no data given: name the organisation's RDF files with --data FILE (or a directory), "
            "or a store with --store DIR or --endpoint URL"
        )
    if store.writable:
        ensure_reference_graphs(store)
    load_files(store, data)
    return store


def records_from_args(args: argparse.Namespace, store: Store) -> Queryable:
    """The records a reading command works on: the store's, or as of a snapshot, of one organisation or all."""
    label = getattr(args, "as_of", None)
    org = getattr(args, "org", None)
    if not label and not org:
        return store
    from ..snapshots.organisations import records_view

    view, snapshot = records_view(store, org, label)
    return snapshot or view


def load_files(store: Store, files: list[Path]) -> None:
    """Each file into its own graph; a file that yields no triples is a mistake worth one line."""
    for path in files:
        if store.load(path).triples == 0:
            raise UserInputError(
                f"{path}: nothing was loaded from this file: it holds no triples "
                "(empty, or not RDF in the format its name ending says)"
            )


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


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def write_output(payload: bytes | str, out: Path | None) -> None:
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    if out is None and sys.stdout.isatty() and not _is_text(data):
        raise UserInputError("this output is binary (a workbook or an image): write it to a file with --out FILE")
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
