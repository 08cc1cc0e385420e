"""Snapshots and diffs: `snapshot create` and `diff` inside the store, against copying the data out.

    python bench/snapshots_bench.py                          # 1M triples, embedded and `oxigraph serve`
    python bench/snapshots_bench.py --sizes 100k --repeat 3 --no-remote
    python bench/snapshots_bench.py --sizes 1M --repeat 1 --no-remote --stores memory,disk

For each size, on the same generated organisation (bench/out/data, made once by `aims-graph generate`), in one
process and side by side:

- snapshot: create_snapshot() (one SPARQL update that copies the organisation graph inside the store and
  writes its description) against the alternative of reading every quad out through the Python API and
  inserting it into the snapshot graph (what a tool without SPARQL Update copy would do);
- diff: after a change set that re-rates one risk in 50, closes every open nonconformity and adds ten AI
  systems, diff() with its queries in the store (queries/diff/*.rq) and, apart, the comparison of
  validation results (the compiled engine run on both sides), against the alternative of reading both
  sides out and taking Python set differences of their triples (which gives raw triples, not the
  governance view: a floor for any copy-out approach);
- the same create and diff against a real `oxigraph serve` (in memory, data POSTed to its Graph Store
  endpoint), through SparqlEndpointStore, where copying out would go over HTTP;
- on the embedded store (in memory, and on disk with --stores), the validation diff and the reads of the
  current state as the code did before (every check, over the full list of graphs: store.reads.PRUNE off,
  compare_validation(only_changed=False)) and as it does now, side by side in one process.

Reports medians with spread, and ratios. Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import harness
import pyoxigraph as ox

from aims_graph.queries import run_query
from aims_graph.snapshots import create_snapshot, drop_snapshot
from aims_graph.snapshots.diff import compare_graphs, compare_validation, dataset_graphs
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs, graph_for_file, reads
from aims_graph.validation.validate import validate_store

CHANGE_SET = """
PREFIX aims: <https://w3id.org/aims-graph/ontology#>
DELETE { GRAPH $g { ?risk aims:riskLevel ?level } }
INSERT { GRAPH $g { ?risk aims:riskLevel ?higher } }
WHERE { GRAPH $g { ?risk aims:riskLevel ?level }
        FILTER (MD5(STR(?risk)) < "05")
        BIND (IF(?level < 25, ?level + 1, ?level - 1) AS ?higher) } ;
INSERT { GRAPH $g { ?nc aims:closedOn "2026-11-15"^^<http://www.w3.org/2001/XMLSchema#date> } }
WHERE { GRAPH $g { ?nc a aims:Nonconformity } FILTER NOT EXISTS { GRAPH $g { ?nc aims:closedOn ?d } } } ;
INSERT DATA { GRAPH $g {
$systems
} }
"""
# Benchmarks may hold their SPARQL inline: they are measurements, not the library.


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def change(store: OxigraphStore | SparqlEndpointStore, graph: str) -> None:
    systems = "\n".join(
        f"<https://example.org/bench/new-system-{n}> a <https://w3id.org/aims-graph/ontology#AISystem> ."
        for n in range(10)
    )
    store.update(CHANGE_SET.replace("$g", f"<{graph}>").replace("$systems", systems))


def copy_out(store: OxigraphStore, source: str, target: str) -> int:
    """The alternative to an in-store copy: every quad read out through Python and written back."""
    quads = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(target))
             for q in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(source))]  # fmt: skip
    store.raw.extend(quads)
    return len(quads)


def set_diff(store: OxigraphStore | SparqlEndpointStore, before: list[str], after: list[str]) -> int:
    """The copy-out floor: both sides read out and compared as Python sets of triples."""
    old, new = triples_out(store, before), triples_out(store, after)
    return len(old - new) + len(new - old)


def triples_out(store: OxigraphStore | SparqlEndpointStore, graphs: list[str]) -> set[ox.Triple]:
    answer = store.query("CONSTRUCT WHERE { ?s ?p ?o }", default_graphs=graphs)
    return set(answer.triples)  # type: ignore[union-attr]


def as_before(old: bool) -> None:
    """Pruning of default graph lists off (as the code was before it) or on."""
    reads.PRUNE = not old


def current_reads(
    store: OxigraphStore | SparqlEndpointStore, validation: bool, old: bool = False
) -> tuple[float, float]:
    """What readers of the current state pay: a named query and a validation of the whole store."""
    as_before(old)
    try:
        query, _ = timed(lambda: run_query(store, "risk-register"))
        checked, _ = timed(lambda: validate_store(store, engine="sparql")) if validation else (float("nan"), None)
    finally:
        as_before(False)
    return query, checked


def validation_diff(store: OxigraphStore | SparqlEndpointStore, before: list[str], after: list[str], old: bool) -> Any:
    as_before(old)
    try:
        return compare_validation(store, before, after, only_changed=not old)
    finally:
        as_before(False)


def measure(
    store: OxigraphStore | SparqlEndpointStore,
    graph: str,
    repeat: int,
    embedded: bool,
    validation: bool,
    before_too: bool,
) -> dict[str, Any]:
    keys = ("create", "copy_out", "diff", "validation_before", "validation", "set_diff")
    result: dict[str, list[float]] = {k: [] for k in keys}
    changes = 0
    same: list[bool] = []
    reads_: dict[str, tuple[float, float]] = {"no snapshot": current_reads(store, validation)}
    for run in range(repeat):
        seconds, _ = timed(partial(create_snapshot, store, f"run-{run}", "bench"))
        result["create"].append(seconds)
        if run == 0:
            if embedded and before_too:
                reads_["one snapshot, before"] = current_reads(store, validation, old=True)
            reads_["one snapshot"] = current_reads(store, validation)
        if embedded and isinstance(store, OxigraphStore) and store.path is None:
            target = f"urn:bench:copy-out:{run}"
            seconds, _ = timed(partial(copy_out, store, graph, target))
            result["copy_out"].append(seconds)
            store.raw.remove_graph(ox.NamedNode(target))
        change(store, graph)
        before, after = dataset_graphs(store, f"run-{run}"), dataset_graphs(store, "current")
        seconds, found = timed(partial(compare_graphs, store, before, after))
        result["diff"].append(seconds)
        changes = len(found)
        if validation:
            seconds, now = timed(partial(validation_diff, store, before, after, False))
            result["validation"].append(seconds)
            if embedded and before_too:
                seconds, then = timed(partial(validation_diff, store, before, after, True))
                result["validation_before"].append(seconds)
                same.append(then == now)
        seconds, _ = timed(partial(set_diff, store, before, after))
        result["set_diff"].append(seconds)
        drop_snapshot(store, f"run-{run}")
        harness.log(f"run {run}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in result.items() if v))
    summary: dict[str, Any] = {k: (harness.median(v), harness.spread(v)) for k, v in result.items() if v}
    summary["changes"] = changes
    summary["reads"] = reads_
    summary["same_validation_diff"] = all(same) if same else None
    return summary


def _cell(pair: tuple[float, float] | None) -> str | None:
    return f"{pair[0]:.2f} ({pair[1]:.0%})" if pair else None


def _ratio(a: tuple[float, float] | None, b: tuple[float, float] | None) -> str | None:
    return f"{a[0] / b[0]:.1f}x" if a and b else None


def run(args: argparse.Namespace) -> harness.Report:
    report = harness.Report("snapshots")
    table = harness.Table(
        "Snapshot create and diff, median seconds (spread)",
        ["size", "store", "triples", "create", "copy out", "create ratio", "diff queries", "changes",
         "validation diff, before", "validation diff, now", "before / now", "diff queries + validation, now",
         "triple set diff", "set diff / diff queries"],
    )  # fmt: skip
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    for size in harness.parse_sizes(args.sizes):
        data = harness.dataset(harness.systems_for(size))
        graph = graph_for_file(data.path)
        for name in stores + ([] if args.no_remote else ["oxigraph serve"]):
            validation, before_too = not args.skip_validation, not args.skip_before
            if name in ("memory", "disk"):
                with tempfile.TemporaryDirectory(dir=harness.OUT_DIR) as directory:
                    store: OxigraphStore | SparqlEndpointStore = OxigraphStore(
                        None if name == "memory" else Path(directory) / "store"
                    )
                    ensure_reference_graphs(store)
                    store.load(data.path)
                    summary = measure(store, graph, args.repeat, True, validation, before_too)
                    store.close()
                    del store
                name = f"embedded ({name})"
            else:
                from servers import oxigraph_serve

                with oxigraph_serve() as server:
                    store = SparqlEndpointStore(server.query, server.update, server.store, timeout=600)
                    ensure_reference_graphs(store)
                    store.load(data.path)
                    summary = measure(store, graph, args.repeat, False, validation, False)
            report.raw[f"{size}/{name}"] = summary
            create, copy = summary["create"], summary.get("copy_out")
            queries, set_diff = summary["diff"], summary["set_diff"]
            then, now = summary.get("validation_before"), summary.get("validation")
            both = (queries[0] + now[0], 0.0) if now else None
            table.rows.append(
                [
                    size, name, data.triples, _cell(create), _cell(copy), _ratio(copy, create), _cell(queries),
                    summary["changes"], _cell(then), _cell(now), _ratio(then, now),
                    f"{both[0]:.2f}" if both else None, _cell(set_diff), _ratio(set_diff, queries),
                ]
            )  # fmt: skip
            if summary["same_validation_diff"] is not None:
                report.notes.append(
                    f"{size} {name}: validation diff before and now "
                    + ("equal" if summary["same_validation_diff"] else "DIFFERENT")
                )
    report.tables.append(table)
    reads_table = harness.Table(
        "Reads of the current state, seconds: without a snapshot, and with one (as before, and now)",
        ["size", "store", "risk-register, none", "with one, before", "with one, now", "now / none",
         "validation, none", "with one, before", "with one, now", "now / none"],
    )  # fmt: skip
    for key, summary in report.raw.items():
        size, name = key.split("/", 1)
        q0, v0 = summary["reads"]["no snapshot"]
        qb, vb = summary["reads"].get("one snapshot, before", (float("nan"), float("nan")))
        q1, v1 = summary["reads"]["one snapshot"]
        reads_table.rows.append(
            [size, name, f"{q0:.2f}", f"{qb:.2f}", f"{q1:.2f}", f"{q1 / q0:.1f}x",
             f"{v0:.2f}", f"{vb:.2f}", f"{v1:.2f}", f"{v1 / v0:.1f}x"]
        )  # fmt: skip
    report.tables.append(reads_table)
    report.notes.append(
        "create ratio = copy out / create; before = every check over the full list of graphs (the code before"
        " store.reads and snapshots.changes), now = only the shapes that see a change, over pruned lists"
    )
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-remote", action="store_true")
    parser.add_argument("--skip-validation", action="store_true", help="leave out every validation timing")
    parser.add_argument("--skip-before", action="store_true", help="leave out the timings of the code as before")
    parser.add_argument("--stores", default="memory", help="embedded stores to measure: memory, disk or both")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args)
    print(harness.markdown(report))
    if not args.no_json:
        harness.write_json(report, sys.argv, vars(args))


if __name__ == "__main__":
    main()
