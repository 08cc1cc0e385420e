"""Validation: our shapes compiled to SPARQL and run in the store, against pyshacl, on generated graphs.

    python bench/validate_bench.py                       # 100k and 1M triples, pyshacl capped at 600 s
    python bench/validate_bench.py --sizes 100k --repeat 5 --pyshacl-timeout 300 --no-remote

For each size it times, on the same generated organisation (bench/out/data, made once by `aims-graph
generate`):

- the compiled engine in the embedded store: validate_store() on an Oxigraph store that holds the data and the
  reference graphs, in memory and on disk (RocksDB, as `--store DIR` keeps it); loads are timed apart;
- the compiled engine against a real `oxigraph serve` holding the same data, in memory (the file POSTed to its
  Graph Store endpoint) and on disk (`oxigraph load` into its directory), through validate_store() over HTTP;
- pyshacl, the reference, through validate(engine="pyshacl") in a child process that is killed at the cap
  (the rdflib parse is timed apart).

It then compares the result sets (every field; blank node labels aside, which differ between parses) and
reports the speedup of the embedded compiled engine over pyshacl (a lower bound when pyshacl hit the cap).
Also usable as a suite of bench/run.py (DESCRIPTION, add_arguments, run). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

DESCRIPTION = "SHACL validation: compiled SPARQL (embedded and oxigraph serve) against pyshacl"
DEFAULT_SIZES = ["100k", "1M"]
DATA_GRAPH = "urn:x-aims-graph:bench:data"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pyshacl-timeout", type=float, default=600.0, metavar="S", help="cap for pyshacl")
    parser.add_argument("--no-remote", action="store_true", help="skip the oxigraph serve measurements")
    parser.add_argument("--no-pyshacl", action="store_true", help="skip pyshacl (no speedup, no comparison)")


def run(args: argparse.Namespace) -> harness.Report:
    sizes = args.sizes or DEFAULT_SIZES
    repeat = args.repeat or 3
    report = harness.Report("validate")
    times = harness.Table(
        "Our shapes: seconds to validate, compiled SPARQL in the store vs pyshacl (loading apart)",
        [
            "size",
            "triples",
            "results",
            *BACKENDS,
            "backends agree",
            "pyshacl",
            "speedup (memory / disk)",
            "identical to pyshacl",
        ],
    )
    loads = harness.Table(
        "Loading the same data (seconds), not part of the validation times",
        ["size", *(f"load {b}" for b in BACKENDS), "rdflib parse (pyshacl)", "pyshacl peak RSS (MiB)"],
    )
    report.tables += [times, loads]
    for size in sizes:
        data = harness.dataset(harness.systems_for(size))
        harness.warm_file_cache(data.path)
        raw = _measure(data, repeat, args)
        report.raw[size] = raw
        medians = [raw["backends"].get(b, {}).get("median_s") for b in BACKENDS]
        agree = all(b["identical_to_embedded_memory"] for b in raw["backends"].values())
        row = [size, f"{data.triples:,}", raw["results"], *medians, "yes" if agree else "NO"]
        times.rows.append([*row, *_versus_pyshacl(raw, args)])
        loads.rows.append(
            [
                size,
                *(raw["backends"].get(b, {}).get("load_s") for b in BACKENDS),
                raw.get("pyshacl", {}).get("parse_s"),
                raw.get("pyshacl", {}).get("max_rss_mib"),
            ]
        )
    report.notes += [
        f"Compiled engine: median of {repeat} runs of validate_store(); every constraint is one SELECT over all "
        "focus nodes (76 for our shapes), at most 2 in flight; nothing but the violations leaves the store. "
        "Remote: the same queries over HTTP to `oxigraph serve --union-default-graph` on loopback.",
        "Memory vs disk is Oxigraph's storage (in-memory vs RocksDB), not HTTP: the embedded disk store and the "
        "remote disk server take about the same time.",
        f"pyshacl: one run of validate(engine='pyshacl') (data merged with the ontology, inference off) in a "
        f"child process killed at {args.pyshacl_timeout:.0f} s; '>' marks a run that hit the cap, and the "
        "speedup is then a lower bound.",
        "Identical: the result lists as multisets of (focus, path, value, severity, message, shape, component, "
        "clauses), blank node labels aside; every backend of the compiled engine is also compared with the "
        "embedded in-memory one.",
    ]
    return report


BACKENDS = ["embedded memory", "embedded disk", "remote memory", "remote disk"]


def _versus_pyshacl(raw: dict[str, Any], args: argparse.Namespace) -> list[Any]:
    outcome = raw.get("pyshacl")
    if outcome is None:
        return ["-", "-", "-"]
    memory = raw["backends"]["embedded memory"]["median_s"]
    disk = raw["backends"].get("embedded disk", {}).get("median_s")
    if outcome["timed_out"]:
        cap = args.pyshacl_timeout
        ratio = f">{cap / memory:,.0f}x" + (f" / >{cap / disk:,.0f}x" if disk else "")
        return [f">{cap:.0f} (cap)", ratio, "pyshacl did not finish"]
    if "validate_s" not in outcome:
        return [f"failed ({outcome.get('error')})", "-", "-"]
    seconds = outcome["validate_s"]
    ratio = f"{seconds / memory:,.0f}x" + (f" / {seconds / disk:,.0f}x" if disk else "")
    same = f"yes ({raw['results']} results)" if outcome["identical"] else "NO"
    return [round(seconds, 1), ratio, same]


def _measure(data: harness.Dataset, repeat: int, args: argparse.Namespace) -> dict[str, Any]:
    raw: dict[str, Any] = {"triples": data.triples, "systems": data.systems, "file": str(data.path), "backends": {}}
    reference = None
    with tempfile.TemporaryDirectory(dir=harness.OUT_DIR) as tmp:
        for backend in BACKENDS:
            if backend.startswith("remote") and args.no_remote:
                continue
            location = None if backend.endswith("memory") else Path(tmp) / backend.replace(" ", "-")
            with _opened(backend, data.path, location) as (store, load_s):
                runs, keys, count = _timed(store, repeat)
            median = harness.median(runs)
            raw["backends"][backend] = {"median_s": round(median, 3), "runs_s": runs, "load_s": round(load_s, 2)}
            if reference is None:
                reference, raw["results"] = keys, count
            raw["backends"][backend]["identical_to_embedded_memory"] = keys == reference
            harness.log(f"{data.path.name}: sparql {backend} {median:.2f} s (load {load_s:.1f} s), {count} results")
    if not args.no_pyshacl:
        outcome = _pyshacl(data.path, args.pyshacl_timeout)
        report = outcome.pop("report", None)
        if report is not None:
            outcome["identical"] = _keys(report) == reference
        raw["pyshacl"] = outcome
        harness.log(f"{data.path.name}: pyshacl {outcome}")
    return raw


def _timed(store: Any, repeat: int) -> tuple[list[float], Counter[tuple[str, ...]], int]:
    from aims_graph.validation.validate import validate_store

    runs = []
    report = None
    for _ in range(repeat):
        started = time.perf_counter()
        report = validate_store(store, engine="sparql")
        runs.append(round(time.perf_counter() - started, 3))
    assert report is not None
    return runs, _keys(report.to_json()), len(report.results)


@contextmanager
def _opened(backend: str, path: Path, location: Path | None) -> Iterator[tuple[Any, float]]:
    """The store for a backend with the data and the reference graphs loaded, and the load time."""
    from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs

    started = time.perf_counter()
    if backend.startswith("embedded"):
        store = OxigraphStore(location)
        store.load(path, graph=DATA_GRAPH)
        ensure_reference_graphs(store)
        yield store, time.perf_counter() - started
        return
    if location is not None:
        load = [harness.oxigraph_binary(), "load", "--location", str(location), "--file", str(path)]
        subprocess.run([*load, "--graph", DATA_GRAPH], check=True, capture_output=True)
    with _server(location) as base:
        if location is None:
            _post(base + "/store", path)
        remote = SparqlEndpointStore(base + "/query", base + "/update", base + "/store", timeout=600)
        ensure_reference_graphs(remote)
        yield remote, time.perf_counter() - started


def _post(endpoint: str, path: Path) -> None:
    """The N-Triples file as it is to the Graph Store endpoint: the server parses it."""
    url = endpoint + "?" + urllib.parse.urlencode({"graph": DATA_GRAPH})
    request = urllib.request.Request(url, data=path.read_bytes(), method="POST")
    request.add_header("Content-Type", "application/n-triples")
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()


def _keys(report: dict[str, Any]) -> Counter[tuple[str, ...]]:
    def hide(text: str | None) -> str:
        return "_:" if text is not None and text.startswith("_:") else (text or "")

    return Counter(
        (
            hide(r["focus"]),
            r["path"] or "",
            hide(r["value"]),
            r["severity"],
            r["message"],
            hide(r["shape"]),
            r["constraint"],
            ",".join(r["clauses"]),
        )
        for r in report["results"]
    )


# ------------------------------------------------------------------------------------------ oxigraph serve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(location: Path | None) -> Iterator[str]:
    """`oxigraph serve` on a free loopback port, over a directory or in memory."""
    port = _free_port()
    command = [harness.oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    if location is not None:
        command += ["--location", str(location)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("oxigraph serve did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


# ------------------------------------------------------------------------------------------------ pyshacl


def _pyshacl(path: Path, timeout: float) -> dict[str, Any]:
    """pyshacl in a child process, killed at ``timeout``; its report comes back through a file."""
    with tempfile.TemporaryDirectory(dir=harness.OUT_DIR) as tmp:
        out = Path(tmp) / "report.json"
        command = [str(Path(__file__).resolve()), "--pyshacl-worker", str(path), str(out)]
        child = harness.run_child([sys.executable, *command], timeout=timeout)
        if child.timed_out:
            return {
                "timed_out": True,
                "seconds": round(child.seconds, 1),
                "max_rss_mib": harness.mib(child.max_rss_kib),
            }
        if child.returncode != 0 or not out.exists():
            return {"timed_out": False, "error": child.stderr.strip().splitlines()[-1:] or ["?"]}
        figures = child.last_json()
        return {
            "timed_out": False,
            "parse_s": figures["parse_s"],
            "validate_s": figures["validate_s"],
            "max_rss_mib": harness.mib(child.max_rss_kib),
            "report": json.loads(out.read_text(encoding="utf-8")),
        }


def _pyshacl_worker(path: Path, out: Path) -> int:
    from aims_graph.rdfio import parse_file_to_rdflib
    from aims_graph.validation.validate import validate

    started = time.perf_counter()
    graph = parse_file_to_rdflib(path)
    parse_s = time.perf_counter() - started
    started = time.perf_counter()
    report = validate(graph, engine="pyshacl")
    validate_s = time.perf_counter() - started
    out.write_text(json.dumps(report.to_json()), encoding="utf-8")
    print(json.dumps({"parse_s": round(parse_s, 2), "validate_s": round(validate_s, 2)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--pyshacl-worker"]:
        return _pyshacl_worker(Path(argv[1]), Path(argv[2]))
    parser = argparse.ArgumentParser(prog="bench/validate_bench.py", description=DESCRIPTION)
    parser.add_argument("--sizes", type=harness.parse_sizes, default=None, help="e.g. 100k,1M (default)")
    parser.add_argument("--repeat", type=int, default=None, metavar="N", help="timed runs of the compiled engine")
    parser.add_argument("--no-json", action="store_true", help="do not write bench/out/validate.json")
    add_arguments(parser)
    args = parser.parse_args(argv)
    report = run(args)
    print(harness.markdown(report))
    if not args.no_json:
        harness.log(f"wrote {harness.write_json(report, ['bench/validate_bench.py', *argv], vars(args))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
