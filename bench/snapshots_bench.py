"""Snapshots and diffs: `snapshot create` and `diff` inside the store, against copying the data out.

    python bench/snapshots_bench.py                          # 1M triples, embedded and `oxigraph serve`
    python bench/snapshots_bench.py --sizes 100k --repeat 3 --no-remote

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
  endpoint), through SparqlEndpointStore, where copying out would go over HTTP.

Reports medians with spread, and ratios. Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
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
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs, graph_for_file
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


def current_reads(store: OxigraphStore | SparqlEndpointStore, validation: bool) -> tuple[float, float]:
    """What readers of the current state pay: a named query and a validation of the whole store."""
    query, _ = timed(lambda: run_query(store, "risk-register"))
    checked, _ = timed(lambda: validate_store(store, engine="sparql")) if validation else (float("nan"), None)
    return query, checked


def measure(
    store: OxigraphStore | SparqlEndpointStore, graph: str, repeat: int, embedded: bool, validation: bool
) -> dict[str, Any]:
    result: dict[str, list[float]] = {k: [] for k in ("create", "copy_out", "diff", "validation", "set_diff")}
    changes = 0
    reads: dict[str, tuple[float, float]] = {"no snapshot": current_reads(store, validation)}
    for run in range(repeat):
        seconds, _ = timed(partial(create_snapshot, store, f"run-{run}", "bench"))
        result["create"].append(seconds)
        if run == 0:
            reads["one snapshot"] = current_reads(store, validation)
        if embedded:
            assert isinstance(store, OxigraphStore)
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
            seconds, _ = timed(partial(compare_validation, store, before, after))
            result["validation"].append(seconds)
        seconds, _ = timed(partial(set_diff, store, before, after))
        result["set_diff"].append(seconds)
        drop_snapshot(store, f"run-{run}")
        harness.log(f"run {run}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in result.items() if v))
    summary: dict[str, Any] = {k: (harness.median(v), harness.spread(v)) for k, v in result.items() if v}
    summary["changes"] = changes
    summary["reads"] = reads
    return summary


def run(args: argparse.Namespace) -> harness.Report:
    report = harness.Report("snapshots")
    table = harness.Table(
        "Snapshot create and diff, median seconds (spread)",
        ["size", "store", "triples", "create", "copy out", "create ratio", "diff queries", "changes",
         "validation diff", "triple set diff", "diff ratio"],
    )  # fmt: skip
    for size in harness.parse_sizes(args.sizes):
        data = harness.dataset(harness.systems_for(size))
        graph = graph_for_file(data.path)
        for name in ["embedded"] + ([] if args.no_remote else ["oxigraph serve"]):
            if name == "embedded":
                store: OxigraphStore | SparqlEndpointStore = OxigraphStore()
                ensure_reference_graphs(store)
                store.load(data.path)
                summary = measure(store, graph, args.repeat, True, not args.skip_validation)
            else:
                from servers import oxigraph_serve

                with oxigraph_serve() as server:
                    store = SparqlEndpointStore(server.query, server.update, server.store, timeout=600)
                    ensure_reference_graphs(store)
                    store.load(data.path)
                    summary = measure(store, graph, args.repeat, False, not args.skip_validation)
            report.raw[f"{size}/{name}"] = summary
            create, copy = summary["create"], summary.get("copy_out")
            queries, validation, set_diff = summary["diff"], summary.get("validation"), summary["set_diff"]
            table.rows.append(
                [
                    size, name, data.triples,
                    f"{create[0]:.2f} ({create[1]:.0%})",
                    f"{copy[0]:.2f} ({copy[1]:.0%})" if copy else None,
                    f"{copy[0] / create[0]:.1f}x" if copy else None,
                    f"{queries[0]:.2f} ({queries[1]:.0%})",
                    summary["changes"],
                    f"{validation[0]:.2f} ({validation[1]:.0%})" if validation else None,
                    f"{set_diff[0]:.2f} ({set_diff[1]:.0%})",
                    f"{set_diff[0] / queries[0]:.1f}x",
                ]
            )  # fmt: skip
    report.tables.append(table)
    reads = harness.Table(
        "Reads of the current state, seconds, once without and once with a snapshot in the store",
        ["size", "store", "risk-register, none", "with one", "ratio", "validation, none", "with one", "ratio"],
    )
    for key, summary in report.raw.items():
        size, name = key.split("/", 1)
        (q0, v0), (q1, v1) = summary["reads"]["no snapshot"], summary["reads"]["one snapshot"]
        reads.rows.append(
            [size, name, f"{q0:.2f}", f"{q1:.2f}", f"{q1 / q0:.1f}x", f"{v0:.2f}", f"{v1:.2f}", f"{v1 / v0:.1f}x"]
        )
    report.tables.append(reads)
    report.notes.append("create ratio = copy out / create; diff ratio = triple set diff / diff queries")
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-remote", action="store_true")
    parser.add_argument("--skip-validation", action="store_true", help="leave out every validation timing")
    parser.add_argument("--no-json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args)
    print(harness.markdown(report))
    if not args.no_json:
        harness.write_json(report, sys.argv, vars(args))


if __name__ == "__main__":
    main()
