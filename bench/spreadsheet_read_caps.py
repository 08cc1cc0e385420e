"""Benchmark: what the workbook read caps cost on an ordinary workbook, and what they save on a zip bomb.

Side by side in one process, interleaved, median of N runs:

- reading the synthetic organisation's workbook (the exporter's output for ``--risks`` risks) with the caps
  (``workbook.read``: central-directory check, rows/columns/cell lengths counted while streaming) and with
  a reader that is the same loop without any check (the reader before the caps);
- the same for the folder of CSV files;
- a zip bomb (``--bomb-mb`` of sheet XML in a few hundred KB): refused by the caps, against openpyxl parsing
  it unchecked (run on a bomb ten times smaller, so the benchmark ends; the time scales with the size).

    python bench/spreadsheet_read_caps.py [--risks 2000] [--repeat 3] [--bomb-mb 300]

Not a test: nothing is asserted; figures are printed as Markdown, ratios first.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import math
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from openpyxl import load_workbook

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from aims_graph.errors import TooLargeError  # noqa: E402
from aims_graph.spreadsheet.exporter import build_export, write_export  # noqa: E402
from aims_graph.spreadsheet.workbook import Cell, RawWorkbook, Table, _trim, read  # noqa: E402
from aims_graph.store import OxigraphStore  # noqa: E402
from aims_graph.synthetic import RISKS_PER_SYSTEM, generate  # noqa: E402

MIB = 1024 * 1024


def unchecked_xlsx(path: Path) -> RawWorkbook:
    """The reader as it was before the caps (commit 561d0ce): the same loop without any check."""
    book = load_workbook(path, read_only=True, data_only=True)
    tables: list[Table] = []
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            table = Table(sheet.title, _trim(next(rows, ())))
            for number, values in enumerate(rows, start=2):
                trimmed = _trim(values)
                if trimmed:
                    table.rows.append((number, trimmed))
            tables.append(table)
    finally:
        book.close()
    return RawWorkbook(str(path), tables, spreadsheet=True)


def unchecked_csv(path: Path) -> RawWorkbook:
    """The CSV reader as it was before the caps (and before formula escaping)."""
    tables: list[Table] = []
    for file in sorted(path.glob("*.csv")):
        with file.open(encoding="utf-8-sig", newline="") as handle:
            records = list(csv.reader(handle))
        cells: list[tuple[Cell, ...]] = [tuple(v if v.strip() else None for v in r) for r in records]
        table = Table(file.name, _trim(cells[0]) if cells else ())
        for number, values in enumerate(cells[1:], start=2):
            trimmed = _trim(values)
            if trimmed:
                table.rows.append((number, trimmed))
        tables.append(table)
    return RawWorkbook(str(path), tables, spreadsheet=False)


def bomb(source: Path, out: Path, size: int) -> Path:
    row = b'<row><c t="inlineStr"><is><t>Bias</t></is></c></row>'
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in original.infolist():
            if info.filename != "xl/worksheets/sheet3.xml":
                target.writestr(info, original.read(info))
                continue
            with target.open(info.filename, "w") as sheet:
                sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                chunk, written = row * (MIB // len(row)), 0
                while written < size:
                    sheet.write(chunk)
                    written += len(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return out


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(TooLargeError):
        func()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--risks", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bomb-mb", type=int, default=300)
    args = parser.parse_args()

    triples, _ = generate(math.ceil(args.risks / RISKS_PER_SYSTEM))
    store = OxigraphStore()
    store.load_bytes(
        ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"",
        ox.RdfFormat.N_TRIPLES,
        "https://example.org/graphs/synthetic",
        "generated",
    )
    export = build_export(store)
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        book, folder = Path(tmp) / "synthetic.xlsx", Path(tmp) / "synthetic-csv"
        write_export(export, book, "xlsx")
        write_export(export, folder, "csv")
        for name, checked, plain in (
            (f"xlsx, {book.stat().st_size / MIB:.1f} MB", lambda: read(book), lambda: unchecked_xlsx(book)),
            ("csv folder", lambda: read(folder), lambda: unchecked_csv(folder)),
        ):
            with_caps: list[float] = []
            without: list[float] = []
            for _ in range(args.repeat):
                with_caps.append(timed(checked))
                without.append(timed(plain))
            rows.append((name, statistics.median(with_caps), statistics.median(without)))

        big = bomb(book, Path(tmp) / "bomb.xlsx", args.bomb_mb * MIB)
        small = bomb(book, Path(tmp) / "small-bomb.xlsx", args.bomb_mb * MIB // 10)
        refused = statistics.median(timed(lambda: read(big)) for _ in range(args.repeat))
        parsed_small = timed(lambda: unchecked_xlsx(small))
        big_size, small_size = big.stat().st_size / MIB, small.stat().st_size / MIB

    print(f"## Workbook read caps ({len(export.rows['risks']):,} risks, median of {args.repeat}, one process)\n")
    print("| input | with caps (s) | without (s) | with / without |")
    print("|---|---:|---:|---:|")
    for name, checked_s, plain_s in rows:
        print(f"| {name} | {checked_s:.3f} | {plain_s:.3f} | {checked_s / plain_s:.2f} |")
    print()
    print(
        f"Zip bomb: {args.bomb_mb} MB of sheet XML in {big_size:.2f} MB refused in {refused * 1000:.1f} ms; "
        f"openpyxl parsing a tenth of it ({args.bomb_mb // 10} MB in {small_size:.2f} MB) unchecked took "
        f"{parsed_small:.1f} s, so the whole bomb would take about {parsed_small * 10:.0f} s: "
        f"{parsed_small * 10 / refused:,.0f} times the refusal."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
