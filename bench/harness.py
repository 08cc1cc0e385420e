"""Shared plumbing for the benchmark suites: reports, machine facts, cached data sets, child processes.

Benchmarks are not tests: nothing here asserts, it measures and writes down what it measured.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
DATA_DIR = OUT_DIR / "data"

# Named sizes -> number of generated AI systems. The generator writes ~118 triples per AI system plus a few
# hundred for the organisation and the SoA, so these land close to the round numbers (actual counts are
# always reported).
SIZES: dict[str, int] = {"10k": 85, "100k": 850, "1M": 8500}
TRIPLES_PER_SYSTEM = 117.9


# ------------------------------------------------------------------------------------------------ reports


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Report:
    """What a suite hands back: tables for people, ``raw`` for machines, notes for honesty."""

    suite: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return fmt_num(value)
    return str(value).replace("|", "\\|")


def fmt_num(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    ms = seconds * 1000
    return f"{ms:,.0f}" if ms >= 100 else (f"{ms:.1f}" if ms >= 1 else f"{ms:.2f}")


def markdown(report: Report) -> str:
    lines: list[str] = []
    for table in report.tables:
        lines.append(f"### {table.title}\n")
        lines.append("| " + " | ".join(table.columns) + " |")
        lines.append("|" + "|".join("---" for _ in table.columns) + "|")
        for row in table.rows:
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        lines.append("")
    if report.notes:
        lines.append("Notes:\n")
        lines.extend(f"- {note}" for note in report.notes)
        lines.append("")
    return "\n".join(lines)


def write_json(report: Report, argv: Sequence[str], options: dict[str, Any]) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{report.suite}.json"
    payload = {
        "suite": report.suite,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", *argv]),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in options.items()},
        "machine": machine(),
        "tables": [asdict(t) for t in report.tables],
        "notes": report.notes,
        "raw": report.raw,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------ machine


def machine() -> dict[str, Any]:
    """The facts a reader needs to judge the numbers."""
    import pyoxigraph
    import rdflib

    info: dict[str, Any] = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "rdflib": rdflib.__version__,
        "platform": platform.platform(),
    }
    try:
        meminfo = Path("/proc/meminfo").read_text()
        found = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
        if found:
            info["mem_total_gib"] = round(int(found.group(1)) / 1024 / 1024, 1)
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
        if model:
            info["cpu_model"] = model.group(1).strip()
    except OSError:
        pass
    try:
        info["oxigraph_server"] = subprocess.run(
            [oxigraph_binary(), "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError, RuntimeError):
        info["oxigraph_server"] = None
    return info


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        raise RuntimeError("the `oxigraph` command is missing: install the PyPI package `oxigraph`")
    return found


def aims_graph_command() -> list[str]:
    """The installed CLI next to this interpreter (what a user runs), else the module."""
    exe = Path(sys.executable).with_name("aims-graph")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "aims_graph.cli"]


# ------------------------------------------------------------------------------------------------ data


def parse_sizes(text: str) -> list[str]:
    sizes = [s.strip() for s in text.split(",") if s.strip()]
    for s in sizes:
        systems_for(s)
    return sizes


def systems_for(size: str) -> int:
    """A named size (10k, 100k, 1M) or any number of triples such as 250k / 2M / 50000."""
    if size in SIZES:
        return SIZES[size]
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", size)
    if not found:
        raise ValueError(f"size {size!r}: use 10k, 100k, 1M or a number of triples")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[found.group(2).lower()]
    return max(1, round(float(found.group(1)) * scale / TRIPLES_PER_SYSTEM))


@dataclass(frozen=True)
class Dataset:
    path: Path
    systems: int
    triples: int


def dataset(systems: int, ext: str = "nt") -> Dataset:
    """A generated organisation, made once with `aims-graph generate` and cached in bench/out/data."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"synthetic-{systems}.{ext}"
    meta = path.with_name(path.name + ".json")
    fingerprint = generator_fingerprint()
    if path.exists() and meta.exists():
        cached = json.loads(meta.read_text())
        if cached.get("fingerprint") == fingerprint:
            return Dataset(path, systems, int(cached["triples"]))
        log(f"{path.name} was made by another version of the generator or catalogue: making it again")
    command = [*aims_graph_command(), "generate", "--systems", str(systems), "--out", str(path)]
    log(f"generating {path.name}: {' '.join(command[-5:])}")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = re.search(r": (\d+) triples", done.stdout)
    if not found:
        raise RuntimeError(f"cannot read the triple count from: {done.stdout!r}")
    triples = int(found.group(1))
    meta.write_text(
        json.dumps(
            {"systems": systems, "triples": triples, "generator": done.stdout.strip(), "fingerprint": fingerprint}
        )
    )
    return Dataset(path, systems, triples)


def generator_fingerprint() -> str:
    """A hash of what decides the generated data: the generator module and the catalogue it reads."""
    import importlib.util

    from aims_graph import resources

    digest = hashlib.sha256()
    spec = importlib.util.find_spec("aims_graph.synthetic")
    for file in [Path(spec.origin)] if spec and spec.origin else []:
        digest.update(file.read_bytes())
    digest.update(resources.catalogue_file().read_bytes())
    return digest.hexdigest()[:16]


def warm_file_cache(path: Path) -> None:
    """Read a file once so every timed approach finds it in the page cache alike."""
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


# ------------------------------------------------------------------------------------------------ timing


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def spread(values: Sequence[float]) -> float:
    """(max - min) / median: a quick, honest variance figure for a handful of runs."""
    if len(values) < 2:
        return 0.0
    return (max(values) - min(values)) / median(values)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------ children


@dataclass
class ChildRun:
    returncode: int
    seconds: float
    max_rss_kib: int
    stdout: str
    stderr: str
    timed_out: bool = False

    def last_json(self) -> dict[str, Any]:
        for line in reversed(self.stdout.splitlines()):
            if line.startswith("{"):
                return dict(json.loads(line))
        raise RuntimeError(f"child printed no JSON (exit {self.returncode}): {self.stderr[-2000:]}")


# A small launcher between this process and the measured command. ru_maxrss of a child forked straight from a
# big benchmark process counts the parent's pages it inherited before exec; forked from this small launcher,
# the command's ru_maxrss is its own (and that of its waited-for descendants). It writes the figure to argv[1].
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_child(command: Sequence[str], timeout: float | None = None, env: dict[str, str] | None = None) -> ChildRun:
    """Run a command and get its own peak RSS (KiB, ru_maxrss via a small launcher); kill it at the timeout."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stem = OUT_DIR / f".child-{os.getpid()}"
    out_path, err_path, rss_path = (stem.with_suffix(s) for s in (".out", ".err", ".rss"))
    rss_path.unlink(missing_ok=True)
    timed_out = False
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(rss_path), *command],
            stdout=out,
            stderr=err,
            env=env,
            start_new_session=True,  # its own process group, so a timeout kills the whole tree
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        seconds = time.perf_counter() - start
    rss = int(rss_path.read_text()) if rss_path.exists() else -1
    result = ChildRun(
        process.returncode,
        seconds,
        rss,
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
        timed_out,
    )
    for path in (out_path, err_path, rss_path):
        path.unlink(missing_ok=True)
    return result


def vm_hwm_kib() -> int:
    """This process's peak resident set (VmHWM), read from inside it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def vm_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def mib(kib: int | None) -> float | None:
    return None if kib is None or kib < 0 else kib / 1024
