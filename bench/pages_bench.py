"""HTML pages: Jinja2 templates with label look-ups against the f-string pages they replaced, side by side.

    python bench/pages_bench.py                      # the bundled example and a generated 100k-triple graph
    python bench/pages_bench.py --sizes 10k --repeat 30

Both versions render the same pages from the same Service (embedded store, query workers) in one process,
interleaved: the current ``aims_graph.api.pages`` and the f-string module of commit ``--baseline``, loaded
from git beside it. The template version does more work on purpose (a bound look-up for every IRI a page
names without a label column), so the ratio is the price of readable pages, not of Jinja2 alone.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import pyoxigraph as ox

from aims_graph.api import pages
from aims_graph.api.service import Service
from aims_graph.config import Settings
from aims_graph.queries import get_query

BASELINE = "561d0ce"  # the last commit with HTML built by f-strings in api/pages.py


def baseline_module(commit: str) -> ModuleType:
    """The old pages module, imported as a sibling of the current one so its relative imports resolve."""
    source = subprocess.run(
        ["git", "show", f"{commit}:src/aims_graph/api/pages.py"], capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "pages_fstring.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("aims_graph.api.pages_fstring", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def first(service: Service, query: str, column: str) -> str:
    for row in service.select(get_query(query).text).dicts():
        term = row.get(column)
        if isinstance(term, ox.NamedNode):
            return term.value
    raise RuntimeError(f"{query} has no {column}")


def timed(render: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        render()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=harness.parse_sizes, default=["100k"], metavar="LIST")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args(argv)
    old = baseline_module(args.baseline)
    print("| data | page | f-string ms | templates ms | ratio | label look-ups |")
    print("|---|---|---:|---:|---:|---:|")
    for size in ["example", *args.sizes]:
        if size == "example":
            settings, label = Settings(workers=1), "bundled example"
        else:
            data = harness.dataset(harness.systems_for(size))
            settings, label = Settings(workers=1, data=[data.path]), f"{data.triples:,} triples"
        service = Service(settings)
        try:
            service.validation()  # cached by the service for both versions; not what is measured here
            cases = {
                "home": ("home_page", ()),
                "control A.6.2.4": ("resource_page", ("https://w3id.org/aims-graph/iso42001/A-6-2-4",)),
                "AI system": ("resource_page", (first(service, "ai-systems", "system"),)),
                "risk": ("resource_page", (first(service, "risk-register", "risk"),)),
            }
            for name, (function, params) in cases.items():
                before = functools.partial(getattr(old, function), service, *params)
                after = functools.partial(getattr(pages, function), service, *params)
                before(), after()  # warm both
                olds, news = [], []
                for _ in range(args.repeat):  # interleaved, so drift hits both alike
                    olds += timed(before, 1)
                    news += timed(after, 1)
                lookups = count_lookups(service, function, params)
                o, n = harness.median(olds), harness.median(news)
                print(f"| {label} | {name} | {o * 1000:.1f} | {n * 1000:.1f} | {n / o:.2f}x | {lookups} |")
        finally:
            service.close()
    return 0


def count_lookups(service: Service, function: str, params: tuple[str, ...]) -> int:
    """How many label look-ups the template version made for one page."""
    calls = 0
    real = pages.Labels.fetch

    def counting(self: pages.Labels, iris: Iterable[str]) -> None:
        nonlocal calls
        before = self.lookups
        real(self, iris)
        calls += self.lookups - before

    pages.Labels.fetch = counting  # type: ignore[method-assign]
    try:
        getattr(pages, function)(service, *params)
    finally:
        pages.Labels.fetch = real  # type: ignore[method-assign]
    return calls


if __name__ == "__main__":
    raise SystemExit(main())
