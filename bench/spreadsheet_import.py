"""Benchmark: importing a workbook with 10,000 risks (and everything around them).

The workbook is the synthetic organisation of ``aims_graph.synthetic`` (six risks per AI system, so 1,667
systems give 10,002 risks, with their datasets, evidence, treatments, impact assessments and SoA) loaded into
an embedded store and written out by the exporter, i.e. exactly what `aims-graph export-xlsx` produces.
Import is timed end to end (read the file, check every cell, build the triples), median of N runs, for the
XLSX workbook and for the same records as a folder of CSV files.

    python bench/spreadsheet_import.py [--risks 10000] [--repeat 3] [--out bench/out/spreadsheet_import.json]

Not a test: nothing is asserted, the figures are printed as a Markdown section for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from aims_graph.spreadsheet.exporter import build_export, write_export  # noqa: E402
from aims_graph.spreadsheet.importer import import_workbook, serialize  # noqa: E402
from aims_graph.spreadsheet.workbook import read  # noqa: E402
from aims_graph.store import OxigraphStore  # noqa: E402
from aims_graph.synthetic import RISKS_PER_SYSTEM, generate  # noqa: E402

T = TypeVar("T")


def _timed(func: Callable[[], T], repeat: int) -> tuple[float, list[float], T]:
    runs: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs, result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--risks", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "spreadsheet_import.json")
    args = parser.parse_args()

    systems = math.ceil(args.risks / RISKS_PER_SYSTEM)
    start = time.perf_counter()
    triples, stats = generate(systems)
    store = OxigraphStore()
    store.load_bytes(
        ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"",
        ox.RdfFormat.N_TRIPLES,
        "https://example.org/graphs/synthetic",
        "generated",
    )
    export = build_export(store)
    export_seconds = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        book, folder = Path(tmp) / "synthetic.xlsx", Path(tmp) / "synthetic-csv"
        start = time.perf_counter()
        write_export(export, book, "xlsx")
        write_xlsx_seconds = time.perf_counter() - start
        write_export(export, folder, "csv")
        size = book.stat().st_size
        rows = sum(len(r) for r in export.rows.values())
        risk_rows = len(export.rows["risks"])

        read_median, read_runs, _ = _timed(lambda: read(book), args.repeat)
        xlsx_median, xlsx_runs, result = _timed(lambda: import_workbook(book), args.repeat)
        csv_median, csv_runs, _ = _timed(lambda: import_workbook(folder), args.repeat)
        ttl_median, _, _ = _timed(lambda: serialize(result), args.repeat)

    imported = len(result.triples)
    figures = {
        "risks": risk_rows,
        "rows": rows,
        "systems": systems,
        "triples_generated": stats.triples,
        "triples_imported": imported,
        "xlsx_bytes": size,
        "export_build_s": export_seconds,
        "write_xlsx_s": write_xlsx_seconds,
        "read_xlsx_median_s": read_median,
        "read_xlsx_runs_s": read_runs,
        "import_xlsx_median_s": xlsx_median,
        "import_xlsx_runs_s": xlsx_runs,
        "import_csv_median_s": csv_median,
        "import_csv_runs_s": csv_runs,
        "serialize_turtle_median_s": ttl_median,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")

    print("## Spreadsheet import\n")
    print(
        f"Workbook: the synthetic organisation of `aims_graph.synthetic` with {systems:,} AI systems, written "
        f"by the exporter: {risk_rows:,} risks in {rows:,} rows over all sheets, {size / 1e6:.1f} MB as "
        f"XLSX, {imported:,} triples when imported. Median of {args.repeat} runs; Python {figures['python']}, "
        f"{figures['machine']}.\n"
    )
    print("| step | median | rows/s | risks/s |")
    print("|---|---:|---:|---:|")
    for label, seconds in (
        ("import XLSX (read + check + build triples)", xlsx_median),
        ("  of which reading the XLSX with openpyxl", read_median),
        ("import the same records as CSV files", csv_median),
    ):
        print(f"| {label} | {seconds:.2f} s | {rows / seconds:,.0f} | {risk_rows / seconds:,.0f} |")
    print(f"| write Turtle of the imported graph | {ttl_median:.2f} s | | |")
    print(f"| export: query the store and build the sheets | {export_seconds:.2f} s | | |")
    print(f"| export: write the XLSX | {write_xlsx_seconds:.2f} s | | |")
    print(f"\nCommand: `python bench/spreadsheet_import.py --risks {args.risks} --repeat {args.repeat}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
