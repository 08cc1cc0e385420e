"""Load throughput: `aims-graph load` against raw pyoxigraph loading of the same generated file.

Three approaches load the same file into a fresh on-disk store directory, in one process, in alternating order:

- ``aims-graph``: what ``aims-graph load --store DIR FILE`` does: ``OxigraphStore(DIR)``, the reference graphs,
  then ``store.load(path)`` and ``store.close()`` (the timer covers load + close);
- ``bulk_load``: ``pyoxigraph.Store(DIR).bulk_load(path=..., format=..., to_graph=...)``;
- ``Store.load``: ``pyoxigraph.Store(DIR).load(path=..., format=..., to_graph=...)`` then ``flush()``.

Peak memory comes from separate child processes, one per approach and format (VmHWM read inside the child,
and ru_maxrss from wait4 outside it), plus one real ``aims-graph load`` subprocess per format for the record.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a child: python bench/suites/load.py child ...
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness
import pyoxigraph as ox

DESCRIPTION = "load throughput and peak memory: aims-graph load vs raw pyoxigraph bulk_load and Store.load"
APPROACHES = ("aims-graph", "bulk_load", "Store.load")
FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}
TARGET_RATIO = 0.8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--formats", default="nt,ttl", help="comma-separated file formats to load (nt, ttl); default both"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the child processes for peak memory")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the fresh store directories go (default: a temporary directory under bench/out)",
    )


# ------------------------------------------------------------------------------------------------ approaches


def _graph(path: Path) -> ox.NamedNode:
    from aims_graph.store import graph_for_file

    return ox.NamedNode(graph_for_file(path))


def load_aims(path: Path, directory: Path) -> tuple[float, int]:
    """Exactly the calls `aims-graph load --store DIR FILE` makes (cli.cmd_load via store_from_args)."""
    from aims_graph.store import ensure_reference_graphs, open_store

    store = open_store(path=directory)
    ensure_reference_graphs(store)  # the CLI does this for every on-disk store; not timed
    start = time.perf_counter()
    report = store.load(path, graph=None, fmt=None)
    store.close()
    seconds = time.perf_counter() - start
    del store
    gc.collect()
    return seconds, report.triples


def load_bulk(path: Path, directory: Path) -> tuple[float, int]:
    store = ox.Store(str(directory))
    fmt = FORMATS[path.suffix.lstrip(".")]
    start = time.perf_counter()
    store.bulk_load(path=str(path), format=fmt, to_graph=_graph(path))
    store.flush()
    seconds = time.perf_counter() - start
    triples = len(store)
    del store
    gc.collect()
    return seconds, triples


def load_transactional(path: Path, directory: Path) -> tuple[float, int]:
    store = ox.Store(str(directory))
    fmt = FORMATS[path.suffix.lstrip(".")]
    start = time.perf_counter()
    store.load(path=str(path), format=fmt, to_graph=_graph(path))
    store.flush()
    seconds = time.perf_counter() - start
    triples = len(store)
    del store
    gc.collect()
    return seconds, triples


LOADERS: dict[str, Callable[[Path, Path], tuple[float, int]]] = {
    "aims-graph": load_aims,
    "bulk_load": load_bulk,
    "Store.load": load_transactional,
}


def child_main(argv: list[str]) -> int:
    """In a fresh process: load once, print seconds, triples and this process's peak RSS as JSON."""
    approach, file, directory = argv
    # Import what the approach needs before measuring the baseline, so the delta is the load itself.
    import aims_graph.store  # noqa: F401

    baseline = harness.vm_rss_kib()
    seconds, triples = LOADERS[approach](Path(file), Path(directory))
    print(
        json.dumps(
            {"seconds": seconds, "triples": triples, "vmhwm_kib": harness.vm_hwm_kib(), "baseline_rss_kib": baseline}
        )
    )
    return 0


# ------------------------------------------------------------------------------------------------ suite


def run(args: argparse.Namespace) -> harness.Report:
    sizes = args.sizes or ["1M"]
    repeat = args.repeat or 3
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    for f in formats:
        if f not in FORMATS:
            raise SystemExit(f"unknown format {f!r}; use nt and/or ttl")
    workroot = args.workdir or harness.OUT_DIR
    workroot.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="load-", dir=workroot))
    report = harness.Report("load")
    try:
        for size in sizes:
            _run_size(report, size, formats, repeat, work, memory=not args.no_memory)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report


def _fresh(work: Path, label: str) -> Path:
    directory = Path(tempfile.mkdtemp(prefix=label.replace(".", "-") + "-", dir=work))
    shutil.rmtree(directory)  # the loaders create it; it must not exist, let alone hold data
    return directory


def _run_size(report: harness.Report, size: str, formats: list[str], repeat: int, work: Path, memory: bool) -> None:
    systems = harness.systems_for(size)
    files = {f: harness.dataset(systems, f) for f in formats}
    for ds in files.values():
        harness.warm_file_cache(ds.path)

    times: dict[tuple[str, str], list[float]] = {(f, a): [] for f in formats for a in APPROACHES}
    counts: dict[tuple[str, str], int] = {}
    order_log: list[list[str]] = []
    for rep in range(repeat):
        # Alternate: rotate the approaches every repetition, and flip the format order every other one.
        rotated = list(APPROACHES[rep % 3 :] + APPROACHES[: rep % 3])
        fmt_order = formats if rep % 2 == 0 else list(reversed(formats))
        for f in fmt_order:
            for approach in rotated:
                directory = _fresh(work, approach)
                harness.log(f"{size} rep {rep + 1}/{repeat}: {approach} {files[f].path.name}")
                seconds, triples = LOADERS[approach](files[f].path, directory)
                shutil.rmtree(directory, ignore_errors=True)
                times[(f, approach)].append(seconds)
                counts[(f, approach)] = triples
                order_log.append([f, approach])
                harness.log(f"  {seconds:.2f} s, {triples} triples")

    peaks: dict[tuple[str, str], dict[str, float]] = {}
    cli: dict[str, dict[str, Any]] = {}
    baseline_kib: int | None = None
    if memory:
        baseline_kib = _baseline_rss()
        for f in formats:
            for approach in APPROACHES:
                directory = _fresh(work, approach)
                harness.log(f"{size} peak memory: {approach} {files[f].path.name} in a child process")
                child = harness.run_child(
                    [
                        sys.executable,
                        str(Path(__file__).resolve()),
                        "child",
                        approach,
                        str(files[f].path),
                        str(directory),
                    ]
                )
                shutil.rmtree(directory, ignore_errors=True)
                answer = child.last_json()
                peaks[(f, approach)] = {
                    "seconds": answer["seconds"],
                    "vmhwm_mib": answer["vmhwm_kib"] / 1024,
                    "wait4_maxrss_mib": child.max_rss_kib / 1024,
                }
            directory = _fresh(work, "cli")
            command = [*harness.aims_graph_command(), "load", "--store", str(directory), str(files[f].path)]
            harness.log(f"{size} real CLI run: {' '.join(command)}")
            child = harness.run_child(command)
            shutil.rmtree(directory, ignore_errors=True)
            cli[f] = {
                "seconds": child.seconds,
                "maxrss_mib": child.max_rss_kib / 1024,
                "returncode": child.returncode,
                "stdout": child.stdout.strip(),
            }

    table = harness.Table(
        f"Load {size}: {files[formats[0]].triples:,} triples, fresh on-disk store, {repeat} runs each (median)",
        [
            "format",
            "approach",
            "runs (s)",
            "median s",
            "triples/s",
            "vs bulk_load",
            "peak RSS MiB (child)",
            "child run s",
        ],
    )
    ratios: dict[str, float] = {}
    for f in formats:
        bulk = harness.median(times[(f, "bulk_load")])
        for approach in APPROACHES:
            runs = times[(f, approach)]
            med = harness.median(runs)
            ratio = bulk / med  # throughput ratio = inverse time ratio
            if approach == "aims-graph":
                ratios[f] = ratio
            peak = peaks.get((f, approach))
            table.rows.append(
                [
                    f,
                    approach,
                    " / ".join(harness.fmt_num(r) for r in runs),
                    med,
                    f"{counts[(f, approach)] / med:,.0f}",
                    f"{ratio:.2f}",
                    f"{peak['vmhwm_mib']:,.0f}" if peak else None,
                    f"{peak['seconds']:.1f}" if peak else None,
                ]
            )
        if f in cli:
            c = cli[f]
            table.rows.append(
                [
                    f,
                    "`aims-graph load` subprocess (1 run)",
                    f"{c['seconds']:.1f}",
                    c["seconds"],
                    f"{files[f].triples / c['seconds']:,.0f}",
                    f"{bulk / c['seconds']:.2f}",
                    f"{c['maxrss_mib']:,.0f}",
                    "incl. start-up + reference graphs",
                ]
            )
    report.tables.append(table)

    summary = harness.Table(
        f"Load {size}: aims-graph / bulk_load throughput (target ≥ {TARGET_RATIO})",
        ["format", "ratio", "target met", "spread aims-graph", "spread bulk_load"],
    )
    for f in formats:
        summary.rows.append(
            [
                f,
                f"{ratios[f]:.2f}",
                "yes" if ratios[f] >= TARGET_RATIO else "**no**",
                f"{harness.spread(times[(f, 'aims-graph')]):.0%}",
                f"{harness.spread(times[(f, 'bulk_load')]):.0%}",
            ]
        )
    report.tables.append(summary)

    mismatched = {k: v for k, v in counts.items() if v != files[k[0]].triples}
    if mismatched:
        report.notes.append(f"Triple counts differ from the generator's: {mismatched}")
    if baseline_kib is not None:
        report.notes.append(
            f"Peak RSS is the child's VmHWM, which includes the interpreter with pyoxigraph and aims_graph "
            f"imported: {baseline_kib / 1024:.0f} MiB on its own."
        )
    report.raw.setdefault("sizes", {})[size] = {
        "files": {
            f: {"path": str(d.path), "bytes": d.path.stat().st_size, "triples": d.triples, "systems": d.systems}
            for f, d in files.items()
        },
        "times": {f"{f}/{a}": v for (f, a), v in times.items()},
        "triples": {f"{f}/{a}": v for (f, a), v in counts.items()},
        "ratio_aims_over_bulk": ratios,
        "peak": {f"{f}/{a}": v for (f, a), v in peaks.items()},
        "cli": cli,
        "baseline_rss_mib": None if baseline_kib is None else baseline_kib / 1024,
        "order": order_log,
    }


def _baseline_rss() -> int:
    child = harness.run_child(
        [
            sys.executable,
            "-c",
            "import pyoxigraph, aims_graph.store, rdflib; "
            "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0])",
        ]
    )
    return int(child.stdout.split()[1])


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "child":
        sys.exit(child_main(sys.argv[2:]))
    raise SystemExit("run the suite with: python bench/run.py load")
