"""A wheel carries the ontology, shapes, queries and examples, and the installed package finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("aims_graph-*.whl")
    return found


def test_wheel_contains_the_data_folders(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("ontology", "shapes", "queries", "examples"):
        inside = [n for n in names if n.startswith(f"aims_graph/_data/{folder}/")]
        source = [p for p in (REPO / folder).rglob("*") if p.is_file()]
        assert len(inside) == len(source) > 0, folder
    assert "aims_graph/py.typed" in names
    assert "aims_graph/spreadsheet/sheets.toml" in names


def test_installed_package_finds_its_resources(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "import aims_graph, aims_graph.resources as r;"
        "print(aims_graph.__file__);"
        "print(r.ontology_file().is_file(), r.catalogue_file().is_file(), len(r.shape_files()) > 0,"
        " len(r.query_names()) > 0, len(r.example_files()) >= 2)"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=env, cwd=tmp_path
    )
    location, flags = done.stdout.strip().splitlines()
    assert location.startswith(str(target))
    assert flags == "True True True True True"
