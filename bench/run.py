"""The one entry point for aims-graph benchmarks.

    python bench/run.py SUITE [options]        # e.g. load, queries
    python bench/run.py --list

Each suite prints a Markdown table and writes the same figures as JSON to bench/out/<suite>.json (git-ignored).
A suite is a module under bench/suites/ with ``DESCRIPTION``, ``add_arguments(parser)`` and
``run(args) -> harness.Report``; register it in ``SUITES`` below. Benchmarks are not tests: they assert nothing.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

# name -> module under bench/suites/. Add a line here to register a new suite.
SUITES: dict[str, str] = {
    "load": "suites.load",
    "queries": "suites.queries",
    "api": "suites.api",
    "reason": "suites.reason",
    "reason-engines": "suites.reason_engines",
    "pyshacl-sizes": "suites.pyshacl_sizes",
    "oscal": "suites.oscal",
}


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the suites")
    sub = parser.add_subparsers(dest="suite", metavar="SUITE")
    modules: dict[str, ModuleType] = {}
    for name, module_name in SUITES.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:  # one broken suite must not take the others down
            harness.log(f"suite {name!r} is unavailable: {exc}")
            continue
        modules[name] = module
        p = sub.add_parser(name, help=module.DESCRIPTION, description=module.DESCRIPTION)
        p.add_argument("--repeat", type=int, default=None, metavar="N", help="timed repetitions per case")
        p.add_argument(
            "--sizes",
            type=harness.parse_sizes,
            default=None,
            metavar="LIST",
            help="comma-separated graph sizes in triples: 10k,100k,1M (or e.g. 250k)",
        )
        p.add_argument("--no-json", action="store_true", help="do not write bench/out/<suite>.json")
        module.add_arguments(p)
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    if args.list or not args.suite:
        for name, module in modules.items():
            print(f"{name:14} {module.DESCRIPTION}")
        return 0
    module = modules[args.suite]
    started = time.perf_counter()
    report = module.run(args)
    elapsed = time.perf_counter() - started
    report.raw["suite_seconds"] = round(elapsed, 1)
    report.notes.append(f"Suite wall time: {elapsed / 60:.1f} min.")
    print(markdown_header(args.suite))
    print(harness.markdown(report))
    if not args.no_json:
        path = harness.write_json(report, ["bench/run.py", *argv], vars(args))
        harness.log(f"wrote {path.relative_to(harness.REPO)}")
    return 0


def markdown_header(suite: str) -> str:
    info = harness.machine()
    return (
        f"## {suite} — {time.strftime('%Y-%m-%d')}\n\n"
        f"Machine: {info['nproc']} cores ({info.get('cpu_model', '?')}), {info.get('mem_total_gib', '?')} GiB RAM; "
        f"Python {info['python']}, pyoxigraph {info['pyoxigraph']}, rdflib {info['rdflib']}.\n"
    )


if __name__ == "__main__":
    sys.exit(main())
