"""The ``aims-graph`` command: thin commands that each call one library function.

Exit codes: 0 success (or "conforms"), 1 a negative answer (validation found problems), 2 an error. Errors are
one readable line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import AimsGraphError
from . import crosswalk, data, mcp, oscal, query, reason, report, serve, snapshot, spreadsheet, validate

COMMAND_GROUPS = (data, query, validate, reason, report, snapshot, serve, mcp, spreadsheet, crosswalk, oscal)
"""Each module's ``register`` adds its subcommands, in this order in the help."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aims-graph",
        description="Knowledge graph, conformance checks and traceability queries for ISO/IEC 42001.",
    )
    parser.add_argument("--version", action="version", version=f"aims-graph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


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
