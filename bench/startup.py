"""Start-up times a new user feels, side by side with the Python floor and (optionally) an older checkout.

    python bench/startup.py [--repeat 7] [--before PATH_TO_OLD_CHECKOUT/src]

Measures, as whole processes: ``aims-graph --version``; a named query on the small example file; and
``aims-graph serve`` from launch until its first answer (``/health``, then a named query). Prints medians.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "gaps-org.ttl"


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_until_first_answer(module: str, env: dict[str, str]) -> tuple[float, float]:
    port = free_port()
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        health = None
        while time.perf_counter() - start < 60:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                health = time.perf_counter() - start
                break
            except OSError:
                time.sleep(0.01)
        assert health is not None, "serve did not answer within 60 s"
        urllib.request.urlopen(f"http://127.0.0.1:{port}/queries/untreated-risks", timeout=10).read()
        return health, time.perf_counter() - start
    finally:
        process.terminate()
        process.wait(timeout=10)


def median(samples: list[float]) -> str:
    return f"{statistics.median(samples):.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--before", type=Path, help="the src/ folder of an older checkout, measured alongside")
    args = parser.parse_args()
    variants = {"now": (str(REPO / "src"), "aims_graph")}
    if args.before:
        variants["before"] = (str(args.before), "aims_graph.cli")
    rows = [
        (
            "python -c pass (floor)",
            [timed([sys.executable, "-c", "pass"], dict(os.environ)) for _ in range(args.repeat)],
        )
    ]
    for label, (path, module) in variants.items():
        env = {**os.environ, "PYTHONPATH": path}
        rows.append(
            (
                f"{label}: --version",
                [timed([sys.executable, "-m", module, "--version"], env) for _ in range(args.repeat)],
            )
        )
        query = [sys.executable, "-m", module, "query", "untreated-risks", "--data", str(EXAMPLE)]
        rows.append((f"{label}: query untreated-risks on the example", [timed(query, env) for _ in range(args.repeat)]))
        serves = [serve_until_first_answer(module, env) for _ in range(max(3, args.repeat // 2))]
        rows.append((f"{label}: serve, first /health answer", [s[0] for s in serves]))
        rows.append((f"{label}: serve, first named query answer", [s[1] for s in serves]))
    print("| what | median | min | max |\n|---|---|---|---|")
    for label, samples in rows:
        print(f"| {label} | {median(samples)} | {min(samples):.2f} s | {max(samples):.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
