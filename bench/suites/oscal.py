"""OSCAL export time per document kind on generated organisations, and assessment results built on the
compiled validation engine (validate_store, engine "auto") against the same document built on pyshacl.

Both assessment-results variants run in this process on the same store, one after the other, so the ratio
compares the engines and nothing else; the documents they produce are compared too (they must be equal).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import harness

DESCRIPTION = "OSCAL export per document kind, and assessment results on the compiled engine vs pyshacl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-pyshacl", action="store_true", help="skip the pyshacl side (it is slow at 100k+)")


def _timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def _measure(size: str, repeat: int, with_pyshacl: bool) -> tuple[list[Any], list[Any]]:
    """One size: the export row and the engines row."""
    from aims_graph.errors import AimsGraphError
    from aims_graph.oscal.assessment import export_assessment_results
    from aims_graph.oscal.common import serialize
    from aims_graph.oscal.documents import KINDS, export_document
    from aims_graph.store import OxigraphStore, ensure_reference_graphs
    from aims_graph.validation.validate import validate_store

    data = harness.dataset(harness.systems_for(size))
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(data.path)
    row: list[Any] = [size, data.triples]
    for kind in KINDS:
        try:
            seconds, document = _timed(lambda kind=kind: serialize(export_document(store, kind)), repeat)
            row.append(f"{seconds * 1000:.0f} ({len(document):,} B)")
        except AimsGraphError as exc:
            row.append(f"n/a: {exc}"[:60])
    auto_s, auto_doc = _timed(lambda: serialize(export_assessment_results(store)), repeat)
    engines: list[Any] = [size, auto_s * 1000, None, None, None]
    if with_pyshacl:
        pyshacl_s, pyshacl_doc = _timed(
            lambda: serialize(export_assessment_results(store, validate_store(store, None, "pyshacl"))), 1
        )
        engines = [size, auto_s * 1000, pyshacl_s * 1000, pyshacl_s / auto_s, auto_doc == pyshacl_doc]
    store.close()
    return row, engines


def run(args: argparse.Namespace) -> harness.Report:
    from aims_graph.oscal.documents import KINDS

    sizes = args.sizes or ["10k", "100k"]
    repeat = args.repeat or 3
    report = harness.Report("oscal")
    kinds = harness.Table("Export time per document kind (median ms, JSON bytes)", ["size", "triples", *KINDS])
    engines = harness.Table(
        "Assessment results: validation + export, compiled engine (auto) vs pyshacl",
        ["size", "auto ms", "pyshacl ms", "pyshacl / auto", "same document"],
    )
    for size in sizes:
        row, engine_row = _measure(size, repeat, not args.no_pyshacl)
        kinds.rows.append(row)
        engines.rows.append(engine_row)
        harness.log(f"{size}: done")
    report.tables.extend([kinds, engines])
    report.notes.append(
        f"Median of {repeat} runs per export in one process on an in-memory store; pyshacl side run once."
    )
    return report
