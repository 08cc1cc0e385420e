"""Child process for the queries suite: rdflib's in-memory SPARQL engine, with a hard time cap per query.

Reads a JSON plan on stdin ({"files": [...], "queries": [{"name", "text", "bindings": {var: iri}}],
"repeat": N, "cap": seconds, "budget": seconds}), parses the files into one ``rdflib.Graph``, then runs each
query in a forked child so a query that overruns its cap is really stopped (killed), not just abandoned.
Prints one JSON object per line on stdout.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

import rdflib
from rdflib import Literal, URIRef, Variable
from rdflib.term import Identifier

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".jsonld": "json-ld"}


def emit(obj: dict[str, Any]) -> None:
    print(json.dumps(obj), flush=True)


def _literal(value: dict[str, str]) -> Literal:
    if value["datatype"] == XSD_STRING:
        return Literal(value["literal"])
    return Literal(value["literal"], datatype=URIRef(value["datatype"]))


def _run_query(graph: rdflib.Graph, query: dict[str, Any], repeat: int, budget: float, conn: Connection) -> None:
    bindings: dict[str, Identifier] = {
        Variable(k): URIRef(v["iri"]) if "iri" in v else _literal(v) for k, v in query["bindings"].items()
    }
    spent = 0.0
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            rows = len(list(graph.query(query["text"], initBindings=bindings)))
            seconds = time.perf_counter() - start
            spent += seconds
            conn.send({"seconds": seconds, "rows": rows})
            if spent >= budget:
                break
        conn.send({"done": True})
    except Exception as exc:  # noqa: BLE001 - rdflib raises many kinds; the benchmark reports them all
        conn.send({"error": f"{type(exc).__name__}: {exc}"[:300]})


def main() -> int:
    plan = json.load(sys.stdin)
    graph = rdflib.Graph()
    start = time.perf_counter()
    for file in plan["files"]:
        suffix = "." + file.rsplit(".", 1)[-1]
        graph.parse(file, format=FORMATS[suffix])
    emit({"event": "loaded", "seconds": time.perf_counter() - start, "triples": len(graph)})

    ctx = multiprocessing.get_context("fork")
    cap, budget, repeat = float(plan["cap"]), float(plan["budget"]), int(plan["repeat"])
    for query in plan["queries"]:
        receiver, sender = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_run_query, args=(graph, query, repeat, budget, sender), daemon=True)
        child.start()
        sender.close()
        runs: list[float] = []
        rows: int | None = None
        error: str | None = None
        timed_out = False
        # The first run gets the full cap; the child stops repeating once it has spent the budget.
        deadline = time.perf_counter() + max(cap, budget + cap)
        first_deadline = time.perf_counter() + cap
        while True:
            limit = (first_deadline if not runs else deadline) - time.perf_counter()
            if limit <= 0 or not receiver.poll(limit):
                timed_out = True
                break
            try:
                message = receiver.recv()
            except EOFError:
                error = error or "the child died"
                break
            if "seconds" in message:
                runs.append(message["seconds"])
                rows = message["rows"]
            elif "error" in message:
                error = message["error"]
                break
            elif message.get("done"):
                break
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
        emit(
            {
                "event": "query",
                "name": query["name"],
                "runs": runs,
                "rows": rows,
                "error": error,
                "timed_out": timed_out and not runs,
                "stopped_early": timed_out and bool(runs),
                "cap": cap,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
