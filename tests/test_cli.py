"""The command line: version, export, and error handling without tracebacks."""

from __future__ import annotations

import json
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


CONFORMANT = Path(__file__).resolve().parents[1] / "examples" / "conformant-org.ttl"


def test_query_list_and_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--list"]) == 0
    assert "controls-for-risk  [risk (iri)]" in capsys.readouterr().out
    assert (
        main(
            [
                "query",
                "risks-for-control",
                "--data",
                str(CONFORMANT),
                "--param",
                "control=A.6.2.4",
                "--format",
                "json",
            ]
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["head"]["vars"][:2] == ["control", "risk"] and payload["results"]["bindings"]


@pytest.mark.parametrize("fmt,first", [("csv", "control,risk"), ("tsv", "?control\t?risk"), ("table", "control")])
def test_query_formats(fmt: str, first: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "query",
                "risks-for-control",
                "--data",
                str(CONFORMANT),
                "--param",
                "control=A.6.2.4",
                "--format",
                fmt,
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith(first)


def test_query_errors_exit_2() -> None:
    for args in (
        ["query", "nope"],
        ["query", "controls-for-risk", "--param", "risk=x> } ; DROP ALL ; <y"],
        ["query", "controls-for-risk", "--param", "nokey"],
        ["sparql", "SELECT * WHERE { ?s ?p }"],
        ["sparql"],
    ):
        done = run(*args)
        assert done.returncode == 2, args
        assert "Traceback" not in done.stderr and done.stderr.startswith("aims-graph: error:"), done.stderr


def test_sparql_ask_and_construct(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sparql", "ASK { ?s a <https://w3id.org/aims-graph/ontology#Control> }"]) == 0
    assert capsys.readouterr().out == "true\n"
    query = (
        "CONSTRUCT { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n } WHERE { "
        "?c <http://www.w3.org/2004/02/skos/core#notation> ?n ; "
        "<http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/aims-graph/iso42001/scheme> }"
    )
    assert main(["sparql", query, "--format", "nt"]) == 0
    assert len(Graph().parse(data=capsys.readouterr().out, format="nt")) == 114


def test_load_list_and_drop_on_disk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "store")
    assert main(["load", "--store", store, str(CONFORMANT)]) == 0
    assert "triples into <https://w3id.org/aims-graph/graph/file/conformant-org.ttl>" in capsys.readouterr().out
    assert main(["graphs", "list", "--store", store]) == 0
    listed = capsys.readouterr().out
    assert "graph/ontology" in listed and "conformant-org.ttl" in listed
    assert main(["graphs", "drop", "--store", store, "https://w3id.org/aims-graph/graph/file/conformant-org.ttl"]) == 0
    capsys.readouterr()
    assert main(["query", "ai-systems", "--store", store, "--format", "csv"]) == 0
    assert capsys.readouterr().out.strip() == "system,label,owner,ownerLabel,stage,stageLabel,inScope,risks"


def test_load_needs_a_lasting_store() -> None:
    done = run("load", str(CONFORMANT))
    assert done.returncode == 2 and "--store" in done.stderr


def test_generate_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    assert main(["generate", "--systems", "60", "--seed", "7", "--out", str(first)]) == 0
    assert main(["generate", "--systems", "60", "--seed", "7", "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    graph = Graph().parse(first, format="nt")
    assert 60 * 80 < len(graph) < 60 * 200
