"""OWL reasoning, the two engines side by side: OWL 2 RL rules inside the store against owlready2 + HermiT.

Each engine and size runs in a child process of its own, so its peak memory (ru_maxrss, the Java reasoner
included for HermiT) is its own and a run past the cap can be stopped. The rules run as a user runs them: the
data loaded into a store first (`aims-graph load`), then reasoning in place (`aims-graph reason --store`); both
times are reported, on an on-disk store and in memory. HermiT's time covers what `--engine hermit` does:
parsing, conversion, owlready2, HermiT and collecting the inferred triples.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

import harness

DESCRIPTION = "OWL reasoning: OWL 2 RL rules in the store against owlready2 + HermiT (time and peak memory)"

RULES_CHILD = """
import json, sys, time
from pathlib import Path
from aims_graph.store import OxigraphStore, ensure_reference_graphs
from aims_graph.reasoning.run import reason_in_store
store = OxigraphStore(sys.argv[2] if sys.argv[2] != "-" else None)
started = time.perf_counter()
ensure_reference_graphs(store)
store.load(Path(sys.argv[1]))
loaded = time.perf_counter()
result = reason_in_store(store)
done = time.perf_counter()
print(json.dumps({"load_seconds": loaded - started, "reason_seconds": done - loaded, "consistent": result.consistent,
                  "inferred": result.inferred, "triples_in": result.triples_in, "requests": result.rounds}))
"""

HERMIT_CHILD = """
import json, sys, time
import pyoxigraph as ox
from aims_graph.reasoning.hermit import reason
started = time.perf_counter()
triples = [q.triple for q in ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)]
result = reason(triples)
print(json.dumps({"seconds": time.perf_counter() - started, "consistent": result.consistent,
                  "inferred": len(result.inferred), "triples_in": result.triples_in}))
"""

REASONABLE_CHILD = """
import json, os, sys, tempfile, time
import reasonable
started = time.perf_counter()
reasoner = reasonable.PyReasoner()
links = tempfile.mkdtemp()
for path in sys.argv[1:]:
    if path.endswith(".nt"):  # N-Triples is Turtle, but load_file goes by the extension (.ttl or .n3 only)
        os.symlink(path, os.path.join(links, os.path.basename(path) + ".ttl"))
        path = os.path.join(links, os.path.basename(path) + ".ttl")
    reasoner.load_file(path)
loaded = time.perf_counter()
triples = reasoner.reason()
print(json.dumps({"load_seconds": loaded - started, "reason_seconds": time.perf_counter() - loaded,
                  "triples_out": len(triples)}))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cap", type=float, default=1800.0, metavar="S", help="stop a HermiT run after S seconds")
    parser.add_argument(
        "--hermit-max",
        type=harness.parse_sizes,
        default=["100k"],
        metavar="SIZE",
        help="largest size HermiT is run on (default 100k: at 1M it needs hours and more memory than the machine)",
    )
    parser.add_argument(
        "--reasonable-python",
        metavar="PYTHON",
        help="also run the `reasonable` OWL 2 RL reasoner (PyPI) with this interpreter, which must have it "
        "installed (it is not a dependency of aims-graph)",
    )
    parser.add_argument("--no-hermit", action="store_true", help="leave HermiT out")
    parser.add_argument("--no-rules", action="store_true", help="leave the rules engine out")


def run(args: argparse.Namespace) -> harness.Report:
    sizes = args.sizes or ["10k", "100k", "1M"]
    hermit_max = harness.systems_for(args.hermit_max[0])
    report = harness.Report("reason-engines")
    table = harness.Table(
        "Reasoning, rules in the store against HermiT (data + ontology + catalogues)",
        [
            "size",
            "data triples",
            "engine",
            "load s",
            "reason s",
            "inferred triples",
            "consistent",
            "peak MiB",
            "HermiT s / rules s",
        ],
    )
    raw: dict[str, dict[str, object]] = {}
    for size in sizes:
        systems = harness.systems_for(size)
        data = harness.dataset(systems)
        harness.warm_file_cache(data.path)
        rows: list[list[object]] = []
        rules_seconds: float | None = None
        modes = [] if args.no_rules else [("rules, on-disk store", "disk"), ("rules, in-memory store", "-")]
        for label, where in modes:
            with tempfile.TemporaryDirectory() as tmp:
                target = tmp if where == "disk" else "-"
                child = harness.run_child([sys.executable, "-c", RULES_CHILD, str(data.path), target])
            found = child.last_json()
            if rules_seconds is None:
                rules_seconds = float(found["reason_seconds"])
            raw[f"{size} {label}"] = {**found, "peak_kib": child.max_rss_kib}
            rows.append(
                [
                    size,
                    data.triples,
                    label,
                    found["load_seconds"],
                    found["reason_seconds"],
                    found["inferred"],
                    found["consistent"],
                    harness.mib(child.max_rss_kib),
                    None,
                ]
            )
            harness.log(f"{size} {label}: reason {found['reason_seconds']:.1f} s")
        if args.reasonable_python:
            from aims_graph import resources

            files = [str(data.path), *(str(p) for p in resources.ontology_files())]
            child = harness.run_child([args.reasonable_python, "-c", REASONABLE_CHILD, *files], timeout=args.cap)
            if child.timed_out or child.returncode != 0:
                why = f"> {args.cap:.0f} (stopped)" if child.timed_out else f"failed (exit {child.returncode})"
                rows.append(
                    [size, data.triples, "reasonable", None, why, None, None, harness.mib(child.max_rss_kib), None]
                )
            else:
                found = child.last_json()
                raw[f"{size} reasonable"] = {**found, "peak_kib": child.max_rss_kib}
                rows.append(
                    [
                        size,
                        data.triples,
                        "reasonable (in process)",
                        found["load_seconds"],
                        found["reason_seconds"],
                        f"{found['triples_out']} (all)",
                        None,
                        harness.mib(child.max_rss_kib),
                        None,
                    ]
                )
                harness.log(f"{size} reasonable: {found['reason_seconds']:.1f} s")
        if args.no_hermit:
            pass
        elif systems > hermit_max:
            rows.append(
                [size, data.triples, "HermiT", None, f"not run (above {args.hermit_max[0]})", None, None, None, None]
            )
        else:
            child = harness.run_child([sys.executable, "-c", HERMIT_CHILD, str(data.path)], timeout=args.cap)
            if child.timed_out:
                rows.append([size, data.triples, "HermiT", None, f"> {args.cap:.0f} (stopped)", None, None, None, None])
            else:
                found = child.last_json()
                raw[f"{size} HermiT"] = {**found, "peak_kib": child.max_rss_kib}
                ratio = float(found["seconds"]) / rules_seconds if rules_seconds else None
                rows.append(
                    [
                        size,
                        data.triples,
                        "HermiT",
                        None,
                        found["seconds"],
                        found["inferred"],
                        found["consistent"],
                        harness.mib(child.max_rss_kib),
                        f"{ratio:,.0f}" if ratio else None,
                    ]
                )
                harness.log(f"{size} HermiT: {found['seconds']:.1f} s")
        table.rows.extend(rows)
    report.tables.append(table)
    report.raw["runs"] = raw
    report.notes.extend(
        [
            "The ratio compares HermiT's time with the rules' reasoning time on the on-disk store (loading is a "
            "separate step a store has already done; it is reported in the load column).",
            "Inferred triples differ in kind: the rules write every entailed type (all named superclasses), HermiT's "
            "report only the most specific new ones; reduced to HermiT's form the two answers are identical "
            "(tests/test_reasoning_rules.py, on both examples and on 10k and 25k generated graphs).",
            "Peak memory is ru_maxrss of the child (for HermiT, the Python process and the Java reasoner).",
            "One run per engine and size: reasoning is deterministic and the HermiT runs are long.",
        ]
    )
    return report
