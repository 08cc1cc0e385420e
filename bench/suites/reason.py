"""OWL reasoning time against graph size: `aims-graph reason` (owlready2 + HermiT) on generated organisations.

Each size runs in a child process, so its peak memory is its own and a run past the cap can be stopped.
The time covers what the command does: parsing, conversion to N-Triples, loading into owlready2, HermiT,
and collecting the inferred triples.
"""

from __future__ import annotations

import argparse
import sys
import time

import harness

DESCRIPTION = "OWL reasoning (owlready2 + HermiT) time and peak memory against graph size"

CHILD = """
import json, sys, time, resource
import pyoxigraph as ox
from aims_graph.reasoning.hermit import reason
started = time.perf_counter()
triples = [q.triple for q in ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)]
result = reason(triples)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "hermit_seconds": result.seconds, "consistent": result.consistent,
                  "inferred": len(result.inferred), "triples_in": result.triples_in, "peak_kib": peak}))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cap", type=float, default=1800.0, metavar="S", help="stop a run after S seconds")


def run(args: argparse.Namespace) -> harness.Report:
    sizes = args.sizes or ["10k", "100k"]
    report = harness.Report("reason")
    table = harness.Table(
        "Reasoning time against graph size (data + ontology + catalogues)",
        [
            "size",
            "data triples",
            "triples reasoned over",
            "total s",
            "reasoner s",
            "inferred",
            "peak MiB (Python + Java)",
        ],
    )
    for size in sizes:
        data = harness.dataset(harness.systems_for(size))
        started = time.perf_counter()
        child = harness.run_child([sys.executable, "-c", CHILD, str(data.path)], timeout=args.cap)
        if child.timed_out:
            table.rows.append([size, data.triples, None, f"> {args.cap:.0f} (stopped)", None, None, None])
            continue
        found = child.last_json()
        table.rows.append(
            [
                size,
                data.triples,
                found["triples_in"],
                found["seconds"],
                found["hermit_seconds"],
                found["inferred"],
                found["peak_kib"] / 1024,
            ]
        )
        harness.log(f"{size}: {time.perf_counter() - started:.1f} s")
    report.tables.append(table)
    report.notes.append(
        "Peak memory adds the Python process and its largest child (the Java reasoner), from getrusage. "
        "One run per size: reasoning is deterministic and long enough that timer noise does not matter."
    )
    return report
