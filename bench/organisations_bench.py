"""Several organisations in one store: what ``--org`` costs, against a store of its own for each organisation.

    python bench/organisations_bench.py --sizes 100k 1M --organisations 4 --repeat 3

For each size, one generated file with that many organisations (``generate --organisations``) is loaded into an
in-memory store. Side by side, in one process, for the first organisation:

- view: ``organisation_view()``: reads every record, works out whose record is whose, and copies that
  organisation's records and the reference graphs into an in-memory store (the API keeps it per worker until
  the next write, so this is paid once);
- own store: the alternative of one store per organisation: a fresh store with the reference graphs, loaded with
  that organisation's records as N-Triples (what `aims-graph load` of its own file does);
- the named queries and the compiled validation on the view, against the same over the whole store.

Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import pyoxigraph as ox

from aims_graph.queries import named_queries, run_query
from aims_graph.snapshots.organisations import list_organisations, organisation_view
from aims_graph.store import OxigraphStore, ensure_reference_graphs
from aims_graph.synthetic import generate
from aims_graph.validation.validate import validate_store


def timed(work: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["100k"])
    parser.add_argument("--organisations", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    queries = [q.name for q in named_queries().values() if not q.params]
    for size in args.sizes:
        systems = harness.systems_for(size)
        triples, _ = generate(systems, 42, organisations=args.organisations)
        store = OxigraphStore()
        ensure_reference_graphs(store)
        store.add_triples("urn:x-bench:organisations", triples)
        first = list_organisations(store)[0].iri
        build = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            view = organisation_view(store, first)
            build.append(time.perf_counter() - start)
        assert isinstance(view, OxigraphStore)
        records = [q.triple for q in view.raw if q.graph_name == ox.NamedNode("urn:x-bench:organisations")]
        data = ox.serialize(records, format=ox.RdfFormat.N_TRIPLES) or b""

        def own_store(data: bytes = data) -> OxigraphStore:
            alone = OxigraphStore()
            ensure_reference_graphs(alone)
            alone.load_bytes(data, ox.RdfFormat.N_TRIPLES, "urn:x-bench:organisations", "bench")
            return alone

        own = timed(own_store, args.repeat)
        view_s = statistics.median(build)
        print(f"\n{size}: {len(triples):,} triples, {args.organisations} organisations; <{first}>: {len(records):,}")
        print(f"  organisation_view() {view_s:.2f} s, own store {own:.2f} s, ratio {view_s / own:.2f}")
        on_view = timed(lambda view=view: [run_query(view, name) for name in queries], args.repeat)
        whole = timed(lambda store=store: [run_query(store, name) for name in queries], args.repeat)
        print(f"  {len(queries)} named queries: view {on_view:.3f} s, whole store {whole:.3f} s")
        v = timed(lambda view=view: validate_store(view), 1)
        w = timed(lambda store=store: validate_store(store), 1)
        print(f"  compiled validation: view {v:.2f} s, whole store {w:.2f} s")


if __name__ == "__main__":
    main()
