"""The command line: version, export, and error handling without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from aims_graph import __version__
from aims_graph.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aims_graph.cli", *args], capture_output=True, text=True)


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"aims-graph {__version__}"


@pytest.mark.parametrize(
    "fmt,rdflib_format", [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("xml", "xml")]
)
def test_export_formats(fmt: str, rdflib_format: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["export", "--what", "catalogue", "--format", fmt, "--out", str(out)]) == 0
    graph = Graph().parse(out, format=rdflib_format)
    assert len(graph) > 800


def test_export_all_is_ontology_plus_catalogue(tmp_path: Path) -> None:
    sizes = {}
    for what in ("ontology", "catalogue", "all"):
        out = tmp_path / f"{what}.nt"
        assert main(["export", "--what", what, "--format", "nt", "--out", str(out)]) == 0
        sizes[what] = len(Graph().parse(out, format="nt"))
    assert sizes["all"] >= sizes["ontology"] + sizes["catalogue"]


def test_bad_option_exits_2_without_traceback() -> None:
    done = run("export", "--format", "yaml")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_library_error_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a:b> <a:c> .\n")
    done = run("load", "--store", str(tmp_path / "store"), str(bad))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "bad.ttl" in done.stderr
