"""What the MCP face costs: a named query called as an MCP tool, against the same query called in-process.

    PYTHONPATH=src python bench/mcp_bench.py                        # the conformant example, 20 repeats
    PYTHONPATH=src python bench/mcp_bench.py --data FILE --repeat 50

For every named query (parameters as in tests/golden/queries/conformant-org), in one process and on the same
data, it times the median of --repeat calls after one warm-up:

- direct: run_query() on an in-memory OxigraphStore (no limits, no worker);
- worker: run_query() on the MCP server's ReadOnlyGraph, so through a killable worker process (the time limit);
- mcp: the tool call through the MCP SDK's client to `aims-graph mcp` over stdio (worker, JSON, citations).

It also times the server's start (spawn to the first tools/list answer). Prints a Markdown table with
milliseconds and the ratios worker/direct and mcp/direct. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from aims_graph import resources
from aims_graph.config import Settings
from aims_graph.mcp_server import ReadOnlyGraph
from aims_graph.queries import named_queries, run_query
from aims_graph.store import OxigraphStore, ensure_reference_graphs

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "queries" / resources.CONFORMANT_EXAMPLE


def params_for(name: str) -> dict[str, str]:
    path = GOLDEN / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))["params"] if path.exists() else {}  # type: ignore[no-any-return]


def median_ms(call: Callable[[], object], repeat: int) -> float:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=resources.example_file(resources.CONFORMANT_EXAMPLE))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    names = sorted(named_queries())

    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(args.data)
    graph = ReadOnlyGraph(Settings(data=[args.data]))
    direct = {n: median_ms(lambda n=n: run_query(store, n, **params_for(n)), args.repeat) for n in names}
    worker = {n: median_ms(lambda n=n: run_query(graph, n, **params_for(n)), args.repeat) for n in names}
    graph.close()

    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "aims_graph.cli", "mcp", "--data", str(args.data)],
        env={"PYTHONPATH": str(REPO / "src")},
        cwd=str(REPO),
    )

    async def over_mcp() -> tuple[float, dict[str, float]]:
        started = time.perf_counter()
        async with Client(server, read_timeout_seconds=120) as client:
            await client.list_tools()
            start_ms = (time.perf_counter() - started) * 1000
            out: dict[str, float] = {}
            for n in names:
                params: dict[str, Any] = dict(params_for(n))
                await client.call_tool(n, params)
                times = []
                for _ in range(args.repeat):
                    began = time.perf_counter()
                    result = await client.call_tool(n, params)
                    times.append(time.perf_counter() - began)
                    assert not result.is_error, result.content
                out[n] = statistics.median(times) * 1000
            return start_ms, out

    start_ms, mcp = anyio.run(over_mcp)
    print(
        f"data: {args.data.name}; median of {args.repeat} calls; server start to first tools/list: {start_ms:.0f} ms\n"
    )
    print("| query | direct ms | worker ms | mcp ms | worker/direct | mcp/direct |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in names:
        print(
            f"| {n} | {direct[n]:.2f} | {worker[n]:.2f} | {mcp[n]:.2f} | "
            f"{worker[n] / direct[n]:.1f}x | {mcp[n] / direct[n]:.1f}x |"
        )
    total = (sum(direct.values()), sum(worker.values()), sum(mcp.values()))
    print(
        f"| all {len(names)} | {total[0]:.1f} | {total[1]:.1f} | {total[2]:.1f} | "
        f"{total[1] / total[0]:.1f}x | {total[2] / total[0]:.1f}x |"
    )


if __name__ == "__main__":
    main()
