"""Load and named-query latency on every kind of store, side by side in one run.

    python bench/servers.py --size 1M [--repeat 3] [--skip virtuoso]

For one generated organisation (``bench/out/data``, made once by ``aims-graph generate``) plus the ontology and
catalogue, each backend starts empty on disk and gets the same work:

- ``embedded``: ``OxigraphStore(DIR)`` (what ``aims-graph load --store DIR`` does: a bulk load, hidden until
  complete);
- ``oxigraph-union``: ``oxigraph serve --location DIR --union-default-graph``, through ``SparqlEndpointStore``
  with its Graph Store endpoint (loads in chunks into a staging graph, then one MOVE);
- ``oxigraph-plain``: the same server without ``--union-default-graph``: every query names our graphs
  (``default-graph-uri`` / ``named-graph-uri``);
- ``virtuoso``: Virtuoso Open Source with the ini of tests/servers.py (buffers sized for the run), loading
  through its Graph Store endpoint ``/sparql-graph-crud`` in the same chunks.

Then every named query: one warm-up (its number of rows is compared with the embedded store's: a
different count is flagged in the table), then ``--repeat`` timed runs (median); a query whose warm-up takes over
10 s is timed by that one run, and one over 120 s (the store's timeout) is reported as an error, like a query
the server fails. Parameters are picked from the embedded store. Figures are ratios to embedded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))  # the loopback servers the tests start (tests/servers.py)

import harness  # noqa: E402  (found on the path set above)
from servers import oxigraph_serve, virtuoso_binaries, virtuoso_serve  # noqa: E402
from suites.queries import _term, pick_params  # noqa: E402

from aims_graph.answers import Rows  # noqa: E402
from aims_graph.errors import AimsGraphError  # noqa: E402
from aims_graph.store import OxigraphStore, SparqlEndpointStore, Store, ensure_reference_graphs  # noqa: E402

BACKENDS = ("embedded", "oxigraph-union", "oxigraph-plain", "virtuoso")
# A query slower than this (its warm-up run) is timed once; one over QUERY_TIMEOUT is reported as an error.
SLOW_SECONDS = 10.0
QUERY_TIMEOUT = 120.0


@contextmanager
def opened(backend: str, folder: Path, triples: int) -> Iterator[Store]:
    if backend == "embedded":
        store = OxigraphStore(folder)
        try:
            yield store
        finally:
            store.close()
    elif backend.startswith("oxigraph"):
        with oxigraph_serve(folder, union=backend == "oxigraph-union") as server:
            yield SparqlEndpointStore(server.query, server.update, server.store, timeout=QUERY_TIMEOUT)
    else:
        # Virtuoso's page buffers: about 8 KiB each; enough to hold the data set (its guide: ~2/3 of free RAM).
        buffers = max(20_000, triples // 10)
        with virtuoso_serve(folder, buffers=buffers) as server:
            yield SparqlEndpointStore(server.query, server.update, server.store, timeout=QUERY_TIMEOUT)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run_queries(
    store: Store, params: dict[str, str], repeat: int, only: set[str] | None = None
) -> dict[str, dict[str, Any]]:
    from aims_graph.queries import named_queries, run_query

    results: dict[str, dict[str, Any]] = {}
    for name, query in sorted(named_queries().items()):
        if only and name not in only:
            continue
        bound: dict[str, str] = {}
        for param in query.params:
            term = _term(param.name, param.kind, params)
            if term is not None:
                bound[param.name] = term.value
        try:
            answer = run_query(store, name, **bound)
            rows = len(answer.rows) if isinstance(answer, Rows) else None
            first = timed(lambda n=name, b=bound: run_query(store, n, **b))  # type: ignore[misc]
            if first > SLOW_SECONDS:  # one run is the figure: repeating would take the whole budget
                runs = [first]
            else:
                runs = [timed(lambda n=name, b=bound: run_query(store, n, **b)) for _ in range(repeat)]  # type: ignore[misc]
            results[name] = {"median_s": harness.median(runs), "runs": runs, "rows": rows}
        except AimsGraphError as exc:
            results[name] = {"error": str(exc)[:160]}
        harness.log(f"  {name}: {results[name].get('median_s', results[name].get('error'))}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", help="10k, 100k or 1M (default 100k)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma-separated backends to leave out")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--queries", default="", help="comma-separated named queries (default: all)")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    backends = [b for b in BACKENDS if b not in skip and (b != "virtuoso" or virtuoso_binaries() is not None)]
    data = harness.dataset(harness.systems_for(args.size))
    harness.log(f"{data.path.name}: {data.triples} triples; backends {', '.join(backends)}")
    workdir = Path(tempfile.mkdtemp(prefix="servers-", dir=args.workdir or harness.OUT_DIR))
    figures: dict[str, dict[str, Any]] = {}
    params: dict[str, str] | None = None
    try:
        for backend in backends:
            with ExitStack() as stack:
                store = stack.enter_context(opened(backend, workdir / backend, data.triples))
                reference = timed(lambda s=store: ensure_reference_graphs(s))  # type: ignore[misc]
                harness.warm_file_cache(data.path)
                load = timed(lambda s=store: s.load(data.path))  # type: ignore[misc]
                harness.log(f"{backend}: loaded in {load:.1f} s (reference graphs {reference:.1f} s)")
                if params is None:
                    assert isinstance(store, OxigraphStore)
                    params = pick_params(store.raw)
                figures[backend] = {"load_s": load, "reference_s": reference}
                only = {q.strip() for q in args.queries.split(",") if q.strip()} or None
                figures[backend]["queries"] = run_queries(store, params, args.repeat, only)
                harness.log(f"{backend}: queries done")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    out = harness.OUT_DIR / f"servers-{args.size}.json"
    out.write_text(
        json.dumps({"size": args.size, "triples": data.triples, "machine": harness.machine(), **figures}, indent=1)
    )
    print(table(figures, data.triples, args.size, args.repeat))
    harness.log(f"figures in {out}")


def table(figures: dict[str, dict[str, Any]], triples: int, size: str, repeat: int) -> str:
    backends = list(figures)
    lines = [
        f"### {size} ({triples} triples): load and named queries, ratio to embedded (median of {repeat})",
        "",
        "| | " + " | ".join(backends) + " |",
        "|---|" + "---|" * len(backends),
        "| load s | " + " | ".join(f"{figures[b]['load_s']:.1f}" for b in backends) + " |",
    ]
    base = figures.get("embedded", {}).get("queries", {})
    for name in sorted(base):
        cells = []
        for backend in backends:
            found = figures[backend]["queries"].get(name, {})
            if "error" in found:
                cells.append("error")
            elif backend == "embedded":
                cells.append(f"{found['median_s'] * 1000:.1f} ms ({found['rows']} rows)")
            else:
                ratio = found["median_s"] / max(base[name]["median_s"], 1e-9)
                differs = "" if found["rows"] == base[name]["rows"] else f" ({found['rows']} rows!)"
                cells.append(f"{ratio:.2f}x{differs}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
