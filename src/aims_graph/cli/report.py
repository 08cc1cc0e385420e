"""Auditor documents: the SoA, the risk register, the traceability matrix and the coverage chart."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import records_options, store_options


def cmd_report(args: argparse.Namespace) -> int:
    from ..reports.documents import produce
    from .common import records_from_args, store_from_args, write_output

    store = store_from_args(args, require_data=True)
    fmt = args.format or ("svg" if args.kind == "coverage" else "md")
    payload, _media = produce(records_from_args(args, store), args.kind, fmt)
    write_output(payload, args.out)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="write an auditor's report built on the named queries")
    store_options(p)
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
    p.add_argument("--out", type=Path, metavar="FILE", help="write here (needed for xlsx and png)")
    records_options(p)
    p.set_defaults(func=cmd_report)
