"""pyshacl (the reference engine) with our shapes: time and peak memory against graph size.

Each size runs in a child process with a hard cap: parse the generated N-Triples into rdflib, then
``aims_graph.validation.validate.validate(graph, engine="pyshacl")`` (which merges the ontology and catalogues).
"""

from __future__ import annotations

import argparse
import sys

import harness

DESCRIPTION = "pyshacl validation with our shapes: time and peak memory at 10k, 100k, 1M triples (capped)"

CHILD = """
import json, sys, time
import rdflib
from aims_graph.validation.validate import validate
started = time.perf_counter()
graph = rdflib.Graph().parse(sys.argv[1], format="nt")
parsed = time.perf_counter() - started
report = validate(graph, engine="pyshacl")
print(json.dumps({"parse": parsed, "validate": time.perf_counter() - started - parsed,
                  "results": len(report.results), "conforms": report.conforms}))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cap", type=float, default=900.0, metavar="S", help="stop a size after S seconds")


def run(args: argparse.Namespace) -> harness.Report:
    sizes = args.sizes or ["10k", "100k", "1M"]
    report = harness.Report("pyshacl")
    table = harness.Table(
        "pyshacl with the aims-graph shapes",
        ["size", "triples", "parse s", "validate s", "results", "peak RSS MiB"],
    )
    for size in sizes:
        data = harness.dataset(harness.systems_for(size))
        child = harness.run_child([sys.executable, "-c", CHILD, str(data.path)], timeout=args.cap)
        if child.timed_out:
            table.rows.append([size, data.triples, None, f"> {args.cap:.0f} (stopped)", None, child.max_rss_kib / 1024])
            continue
        found = child.last_json()
        table.rows.append(
            [size, data.triples, found["parse"], found["validate"], found["results"], child.max_rss_kib / 1024]
        )
        harness.log(f"{size}: {child.seconds:.1f} s")
    report.tables.append(table)
    report.notes.append(
        "Peak RSS is the child's own (ru_maxrss). The results column counts validation results: the generator "
        "puts a known small share of gaps into every graph."
    )
    return report
