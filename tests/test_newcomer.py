"""The mistakes a new user makes in the first hour: each is one readable line and exit 2, never a traceback,
and nothing is printed as if it had worked."""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from aims_graph import resources

EXAMPLE = str(resources.example_file(resources.CONFORMANT_EXAMPLE))
README = Path(__file__).resolve().parents[1] / "README.md"


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aims_graph", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("aims-graph: error: ")
    for word in words:
        assert word in lines[0], lines[0]
    assert "serving on" not in done.stderr


@pytest.mark.parametrize("data", ["nosuch.ttl", str(README)])
def test_serve_with_a_bad_data_file(data: str) -> None:
    one_line_error(run("serve", "--port", "0", "--data", data), Path(data).name)


def test_serve_on_a_busy_port_names_the_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        one_line_error(run("serve", "--port", str(port)), str(port), "--port")


def test_serve_on_a_host_that_is_not_here() -> None:
    one_line_error(run("serve", "--host", "no-such-host.invalid", "--port", "8123"), "--host")


@pytest.mark.parametrize(
    "args",
    [
        ("query", "untreated-risks"),
        ("report", "soa"),
        ("export", "--format", "xlsx", "--out", "x.xlsx"),
    ],
    ids=["query", "report", "export"],
)
def test_commands_about_an_organisation_need_its_data(args: tuple[str, ...], tmp_path: Path) -> None:
    one_line_error(run(*args), "no data given")


@pytest.mark.parametrize(
    ("name", "content"), [("empty.ttl", ""), ("not-json-ld.json", '{"name": "just JSON"}')], ids=["empty", "json"]
)
def test_a_file_with_no_triples_is_said_so(tmp_path: Path, name: str, content: str) -> None:
    data = tmp_path / name
    data.write_text(content, encoding="utf-8")
    one_line_error(run("validate", str(data)), name, "nothing was loaded")
    one_line_error(run("query", "untreated-risks", "--data", str(data)), "nothing was loaded")


def test_a_directory_loads_every_rdf_file_in_it(tmp_path: Path) -> None:
    (tmp_path / "org.ttl").write_bytes(Path(EXAMPLE).read_bytes())
    (tmp_path / "notes.txt").write_text("not RDF", encoding="utf-8")
    done = run("query", "ai-systems", "--data", str(tmp_path), "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert "loading 1 RDF file" in done.stderr
    assert len(done.stdout.splitlines()) > 2


def test_an_empty_directory_is_said_so(tmp_path: Path) -> None:
    one_line_error(run("validate", str(tmp_path)), "no RDF files")


def test_a_typo_in_a_query_name_gets_the_closest_name() -> None:
    one_line_error(run("query", "controls-for-rsk", "--data", EXAMPLE), "did you mean 'controls-for-risk'")


@pytest.mark.parametrize(
    "args", [("report", "soa", "--format", "xlsx"), ("report", "coverage", "--format", "png")], ids=["xlsx", "png"]
)
def test_binary_output_is_refused_on_a_terminal(args: tuple[str, ...]) -> None:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "aims_graph", *args, "--data", EXAMPLE],
            stdout=follower,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=60,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2 and "--out" in done.stderr and "Traceback" not in done.stderr


def test_version_is_quick_and_plain() -> None:
    done = run("--version")
    assert done.returncode == 0 and done.stdout.startswith("aims-graph ")
