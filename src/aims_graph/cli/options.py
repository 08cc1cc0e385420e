"""What every command declares: the store options, and small helpers that need no library import, so that
building the parser (and ``--help``, ``--version``) stays quick."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import UserInputError


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
            help="an RDF file, or a directory of them, to load first (repeatable)",
        )


def records_options(parser: argparse.ArgumentParser, as_of: bool = True) -> None:
    """Which records to read: a snapshot's (--as-of) and one organisation's (--org) when the store holds several."""
    if as_of:
        parser.add_argument("--as-of", metavar="LABEL", help="read a snapshot's records instead of the current ones")
    parser.add_argument(
        "--org",
        metavar="IRI",
        help="one organisation's records (its IRI or its management system's), when the store holds several",
    )


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserInputError(f"--param takes key=value, got {pair!r}")
        params[key.strip()] = value
    return params


def note(message: str) -> None:
    """A line for the person at the terminal (stderr, so answers on stdout stay clean)."""
    print(f"aims-graph: {message}", file=sys.stderr)


def add_help_epilog(parser: argparse.ArgumentParser, text: Callable[[], str]) -> None:
    """Text appended to the parser's help, computed only when the help is printed (it may read files)."""
    plain = parser.format_help

    def format_help() -> str:
        return plain() + "\n" + text()

    parser.format_help = format_help  # type: ignore[method-assign]
