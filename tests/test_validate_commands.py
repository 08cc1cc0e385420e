"""`aims-graph validate`: exit codes, formats, user shapes, and the store as input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Namespace

from aims_graph.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SH = Namespace("http://www.w3.org/ns/shacl#")


def test_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(EXAMPLES / "conformant-org.ttl")]) == 0
    assert capsys.readouterr().out.startswith("Conforms: yes")
    assert main(["validate", str(EXAMPLES / "gaps-org.ttl")]) == 1
    text = capsys.readouterr().out
    assert "Results by clause:" in text and "6.1.3" in text


def test_json_and_turtle(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert main(["validate", str(EXAMPLES / "gaps-org.ttl"), "--format", "json", "--out", str(out)]) == 1
    report = json.loads(out.read_text())
    assert report["conforms"] is False
    assert set(report["results"][0]) == {
        "focus",
        "path",
        "value",
        "severity",
        "message",
        "shape",
        "constraint",
        "clauses",
    }
    ttl = tmp_path / "report.ttl"
    assert main(["validate", str(EXAMPLES / "gaps-org.ttl"), "--format", "turtle", "--out", str(ttl)]) == 1
    graph = Graph().parse(ttl)
    assert len(list(graph.subjects(predicate=SH.conforms))) == 1


def test_user_shapes_replace_ours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shapes = tmp_path / "mine.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix aims: <https://w3id.org/aims-graph/ontology#> .\n"
        "<https://example.org/s/NeedsComment> a sh:NodeShape ; sh:targetClass aims:AISystem ;\n"
        "  sh:property [ sh:path <http://www.w3.org/2000/01/rdf-schema#comment> ; sh:minCount 1 ] .\n"
    )
    code = main(["validate", str(EXAMPLES / "gaps-org.ttl"), "--shapes", str(shapes), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {r["shape"] for r in report["results"]} != set()
    assert all("aimsh" not in r["shape"] for r in report["results"])


def test_store_as_input(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    assert main(["load", "--store", store, str(EXAMPLES / "conformant-org.ttl")]) == 0
    assert main(["validate", "--store", store]) == 0


def test_errors_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad-shapes.ttl"
    bad.write_text("this is not turtle")
    for args in (
        ["validate"],
        ["validate", str(EXAMPLES / "gaps-org.ttl"), "--shapes", str(bad)],
        ["validate", str(tmp_path / "missing.ttl")],
    ):
        done = subprocess.run([sys.executable, "-m", "aims_graph.cli", *args], capture_output=True, text=True)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr
