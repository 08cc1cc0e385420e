"""`aims-graph load --store DIR FILE` as a whole process against a fresh process running pyoxigraph's
`bulk_load` of the same file, interleaved so that both see the same machine.

    python bench/load_process.py [--systems 5000] [--repeat 3]

Prints the median wall time of each and their ratio (bulk_load time / aims-graph time: 1.0 is parity).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BULK = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:bench:g"))
store.flush()
"""


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", type=int, default=5000, help="synthetic organisation size (118 triples each)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "org.ttl"
        subprocess.run(
            [sys.executable, "-m", "aims_graph", "generate", "--systems", str(args.systems), "--out", str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        ours: list[float] = []
        raw: list[float] = []
        for i in range(args.repeat):
            for label, samples in (("ours", ours), ("raw", raw)):
                store = Path(tmp) / f"{label}-{i}"
                if label == "ours":
                    command = [sys.executable, "-m", "aims_graph", "load", "--store", str(store), str(data)]
                else:
                    command = [sys.executable, "-c", BULK, str(store), str(data)]
                samples.append(timed(command))
                shutil.rmtree(store)
        size = data.stat().st_size
    ratio = statistics.median(raw) / statistics.median(ours)
    print(f"file: {size / 1e6:.1f} MB, {args.systems} systems")
    print(f"aims-graph load (process): median {statistics.median(ours):.2f} s  {sorted(round(x, 2) for x in ours)}")
    print(f"bulk_load (process):       median {statistics.median(raw):.2f} s  {sorted(round(x, 2) for x in raw)}")
    print(f"ratio bulk_load / aims-graph load: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
