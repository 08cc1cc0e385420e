"""Named-query latency: the embedded store against rdflib's in-memory SPARQL engine, side by side.

For each size, one generated organisation (N-Triples) plus the ontology and catalogue:

- embedded: ``OxigraphStore()`` in memory, ``ensure_reference_graphs`` + ``store.load(file)``, then
  ``run_query(store, name, **params)`` (binding, evaluation and conversion of the rows: the library call);
- rdflib: ``rdflib.Graph`` with the same files, the same query text, parameters bound with ``initBindings``;
  run in a child process, each query in a forked grandchild that is killed at the cap.

Parameters are real IRIs picked from the data: the first treated risk, the first applied control, the first
AI system, the first interested party, clause 7.5, the first crosswalk mapping target (first = smallest IRI);
text parameters get "bias". Queries whose parameters get no value are skipped and listed in the notes.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

import harness
import pyoxigraph as ox

DESCRIPTION = "median latency of every named query: embedded Oxigraph vs rdflib's SPARQL engine (capped)"

AIMS = "https://w3id.org/aims-graph/ontology#"
ISO = "https://w3id.org/aims-graph/iso42001/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queries", default=None, help="comma-separated query names (default: all)")
    parser.add_argument(
        "--rdflib-cap",
        type=float,
        default=60.0,
        metavar="S",
        help="hard cap on one rdflib run of one query, in seconds (default 60)",
    )
    parser.add_argument(
        "--rdflib-budget",
        type=float,
        default=10.0,
        metavar="S",
        help="rdflib repeats a query only while its runs add up to less than this (default 10 s)",
    )
    parser.add_argument("--no-rdflib", action="store_true", help="time the embedded store only")


# ------------------------------------------------------------------------------------------------ params


def _first(store: ox.Store, predicate: str, obj: str | None = None, subject_side: bool = False) -> str | None:
    """The smallest IRI on one side of a predicate, read straight from the store (no SPARQL text here)."""
    p = ox.NamedNode(predicate)
    o = ox.NamedNode(obj) if obj else None
    found = []
    for quad in store.quads_for_pattern(None, p, o, None):
        term = quad.subject if subject_side else quad.object
        if isinstance(term, ox.NamedNode):
            found.append(term.value)
    return min(found) if found else None


def pick_params(store: ox.Store) -> dict[str, str]:
    picks = {
        "risk": _first(store, AIMS + "treats"),
        "control": _first(store, AIMS + "appliesControl"),
        "system": _first(store, RDF_TYPE, AIMS + "AISystem", subject_side=True),
        "party": _first(store, RDF_TYPE, AIMS + "InterestedParty", subject_side=True),
        "clause": ISO + "7-5",
        "target": _first(store, AIMS + "mappingObject"),
    }
    return {k: v for k, v in picks.items() if v is not None}


# Values for parameters that are not IRIs, by kind (a name listed here wins over the kind).
LITERALS: dict[str, str] = {"text": "bias"}
KIND_DEFAULTS: dict[str, str] = {"string": "bias", "integer": "6"}


def _term(name: str, kind: str, params: dict[str, str]) -> ox.NamedNode | ox.Literal | None:
    if kind == "iri":
        return ox.NamedNode(params[name]) if name in params else None
    value = LITERALS.get(name, KIND_DEFAULTS.get(kind))
    if value is None:
        return None
    if kind == "string":
        return ox.Literal(value)
    return ox.Literal(value, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#" + kind))


# ------------------------------------------------------------------------------------------------ suite


def run(args: argparse.Namespace) -> harness.Report:
    from aims_graph.queries import named_queries

    sizes = args.sizes or ["10k", "100k", "1M"]
    repeat = args.repeat or 5
    queries = named_queries()
    if args.queries:
        wanted = [q.strip() for q in args.queries.split(",") if q.strip()]
        unknown = sorted(set(wanted) - set(queries))
        if unknown:
            raise SystemExit(f"unknown queries {unknown}; known: {', '.join(queries)}")
        queries = {k: v for k, v in queries.items() if k in wanted}
    report = harness.Report("queries")
    summary = harness.Table(
        "Summary: median over queries of rdflib / embedded",
        [
            "size",
            "triples",
            "embedded load s",
            "rdflib parse s",
            "queries",
            "median ratio",
            "min ratio",
            "max ratio",
            "rdflib capped / errors",
        ],
    )
    for size in sizes:
        _run_size(report, summary, size, queries, repeat, args)
    report.tables.insert(0, summary)
    report.notes.append(
        f"Embedded: one untimed warm-up, then {repeat} timed runs per query "
        "(at most 3 when the warm-up took over 5 s). "
        f"rdflib: each query in a forked child killed after {args.rdflib_cap:.0f} s; it repeats a query up to "
        f"{repeat} times while its runs add up to less than {args.rdflib_budget:.0f} s, so slow queries have "
        "fewer runs (the n column)."
    )
    return report


def _run_size(
    report: harness.Report,
    summary: harness.Table,
    size: str,
    queries: dict[str, Any],
    repeat: int,
    args: argparse.Namespace,
) -> None:
    from aims_graph import resources
    from aims_graph.queries import run_query
    from aims_graph.store import OxigraphStore, ensure_reference_graphs

    ds = harness.dataset(harness.systems_for(size), "nt")
    harness.log(f"{size}: embedded store, {ds.path.name}")
    store = OxigraphStore()
    start = time.perf_counter()
    ensure_reference_graphs(store)
    store.load(ds.path)
    load_seconds = time.perf_counter() - start
    total = len(store.raw)
    params = pick_params(store.raw)

    plan: list[dict[str, Any]] = []
    embedded: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for name, query in queries.items():
        terms = {p.name: _term(p.name, p.kind, params) for p in query.params}
        missing = [k for k, v in terms.items() if v is None]
        if missing:
            skipped.append(f"{name} (no value for {', '.join(missing)})")
            continue
        bound = {k: v for k, v in terms.items() if v is not None}
        warm = time.perf_counter()
        rows = len(run_query(store, name, **bound).rows)
        warm = time.perf_counter() - warm
        runs: list[float] = []
        for _ in range(repeat if warm <= 5 else min(repeat, 3)):
            t0 = time.perf_counter()
            run_query(store, name, **bound)
            runs.append(time.perf_counter() - t0)
        embedded[name] = {"runs": runs, "rows": rows, "median": harness.median(runs)}
        plan.append({"name": name, "text": query.text, "bindings": {k: _plain(v) for k, v in bound.items()}})
        harness.log(f"  embedded {name}: {harness.fmt_ms(embedded[name]['median'])} ms, {rows} rows")
    del store
    gc.collect()

    rdf: dict[str, dict[str, Any]] = {}
    rdflib_load: float | None = None
    worker_note: str | None = None
    if not args.no_rdflib and plan:
        files = [str(p) for p in resources.ontology_files()] + [str(ds.path)]
        rdf, rdflib_load, worker_note = _rdflib(files, plan, repeat, args.rdflib_cap, args.rdflib_budget, size)

    table = harness.Table(
        f"Queries at {size}: {total:,} triples (data {ds.triples:,} + ontology and catalogue), median ms",
        ["query", "params", "rows", "embedded ms", "n", "rdflib ms", "n", "rdflib / embedded"],
    )
    ratios: list[float] = []
    capped: list[str] = []
    for name, e in embedded.items():
        r = rdf.get(name)
        n: Any
        shown_params = ", ".join(_short(plan_item["bindings"]) for plan_item in plan if plan_item["name"] == name)
        if args.no_rdflib:
            rdflib_cell, n, ratio = "not run", "", ""
        elif r is None:
            rdflib_cell, n, ratio = "not run (worker stopped)", "", ""
            capped.append(name)
        elif r.get("error"):
            rdflib_cell, n, ratio = f"error: {r['error']}", "", ""
            capped.append(name)
        elif r.get("timed_out"):
            rdflib_cell, n, ratio = f"> {r['cap']:.0f} s cap (did not finish)", 0, f"> {r['cap'] / e['median']:,.0f}"
            capped.append(name)
        else:
            med = harness.median(r["runs"])
            ratio_value = med / e["median"]
            ratios.append(ratio_value)
            rdflib_cell, n, ratio = harness.fmt_ms(med), len(r["runs"]), f"{ratio_value:,.1f}"
            if r["rows"] != e["rows"]:
                rdflib_cell += f" ({r['rows']} rows!)"
        table.rows.append(
            [name, shown_params, e["rows"], harness.fmt_ms(e["median"]), len(e["runs"]), rdflib_cell, n, ratio]
        )
    report.tables.append(table)
    summary.rows.append(
        [
            size,
            f"{total:,}",
            harness.fmt_num(load_seconds),
            harness.fmt_num(rdflib_load) if rdflib_load is not None else None,
            len(embedded),
            f"{harness.median(ratios):,.1f}" if ratios else None,
            f"{min(ratios):,.1f}" if ratios else None,
            f"{max(ratios):,.1f}" if ratios else None,
            ", ".join(capped) or "none",
        ]
    )
    if skipped:
        report.notes.append(f"{size}: skipped {', '.join(skipped)}.")
    if worker_note:
        report.notes.append(f"{size}: {worker_note}")
    mismatched = [n for n, e in embedded.items() if n in rdf and rdf[n].get("rows") not in (None, e["rows"])]
    if mismatched:
        report.notes.append(f"{size}: rdflib returned a different number of rows for {', '.join(mismatched)}.")
    report.raw.setdefault("sizes", {})[size] = {
        "file": str(ds.path),
        "data_triples": ds.triples,
        "store_triples": total,
        "params": params,
        "embedded_load_seconds": load_seconds,
        "rdflib_parse_seconds": rdflib_load,
        "embedded": embedded,
        "rdflib": rdf,
    }


def _plain(term: Any) -> dict[str, str]:
    """A term the rdflib worker can rebuild: an IRI, or a literal with its datatype."""
    if isinstance(term, ox.NamedNode):
        return {"iri": term.value}
    return {"literal": term.value, "datatype": term.datatype.value}


def _short(bindings: dict[str, dict[str, str]]) -> str:
    out = []
    for key, term in bindings.items():
        if "iri" in term:
            local = term["iri"].replace("https://example.org/synthetic/", "ex:").replace(ISO, "iso42001:")
            out.append(f"{key}={local}")
        else:
            out.append(f'{key}="{term["literal"]}"')
    return ", ".join(out)


def _rdflib(
    files: list[str], plan: list[dict[str, Any]], repeat: int, cap: float, budget: float, size: str
) -> tuple[dict[str, dict[str, Any]], float | None, str | None]:
    harness.log(f"{size}: rdflib worker ({len(plan)} queries, cap {cap:.0f} s each)")
    worker = Path(__file__).resolve().with_name("rdflib_worker.py")
    payload = json.dumps({"files": files, "queries": plan, "repeat": repeat, "cap": cap, "budget": budget})
    outer = 600 + len(plan) * (cap + budget + 5)  # parsing + every query at its cap, plus slack
    plan_path = harness.OUT_DIR / ".rdflib-plan.json"
    plan_path.write_text(payload)
    child = harness.run_child(
        ["/bin/sh", "-c", 'exec "$0" "$1" < "$2"', sys.executable, str(worker), str(plan_path)], timeout=outer
    )
    plan_path.unlink(missing_ok=True)
    results: dict[str, dict[str, Any]] = {}
    loaded: float | None = None
    for line in child.stdout.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event["event"] == "loaded":
            loaded = float(event["seconds"])
            harness.log(f"  rdflib parsed {event['triples']} triples in {loaded:.1f} s")
        elif event["event"] == "query":
            results[event["name"]] = event
            if event["runs"]:
                harness.log(f"  rdflib {event['name']}: {harness.fmt_ms(harness.median(event['runs']))} ms")
            else:
                harness.log(f"  rdflib {event['name']}: {event['error'] or 'capped'}")
    note = None
    if child.timed_out:
        note = f"the rdflib worker was killed after {outer:.0f} s."
    elif child.returncode != 0:
        note = f"the rdflib worker exited {child.returncode}: {child.stderr.strip()[-300:]}"
    note_mem = f"rdflib worker peak RSS {child.max_rss_kib / 1024:,.0f} MiB."
    return results, loaded, (note + " " + note_mem) if note else note_mem
