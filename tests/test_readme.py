"""The README cannot drift: every console example in it is run and its output compared with what is shown.

Shown output may leave lines out with a line of ``...``; times ("4.5 s") and the temporary folder the
commands run in are normalised. Commands run in a fresh folder holding a copy of examples/, so the tour
leaves nothing behind in the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
TIME = re.compile(r"\b\d+(\.\d+)? s\b")


@dataclass(frozen=True)
class Example:
    command: str
    shown: list[str]


def console_examples(text: str) -> list[Example]:
    examples: list[Example] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        command: str | None = None
        shown: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append(Example(command, shown))
                command, shown = line[2:], []
            else:
                shown.append(line)
        if command is not None:
            examples.append(Example(command, shown))
    return examples


def normalised(lines: list[str], folder: Path) -> list[str]:
    return [TIME.sub("N s", line.replace(str(folder), "<folder>")).rstrip() for line in lines]


def matches(shown: list[str], printed: list[str]) -> bool:
    """Shown lines in order, where ``...`` stands for any number of printed lines."""
    pattern = "".join(r"(?:.*\n)*?" if line == "..." else re.escape(line) + r"\n" for line in shown)
    return (
        re.fullmatch(
            pattern + (r"(?:.*\n)*" if shown and shown[-1] == "..." else ""), "".join(f"{p}\n" for p in printed)
        )
        is not None
    )


EXAMPLES = console_examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 6 and all(e.command.startswith("aims-graph ") for e in EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.command.split("--")[0].strip() for e in EXAMPLES])
def test_console_example_prints_what_the_readme_shows(example: Example, tmp_path: Path) -> None:
    if example.command.startswith("aims-graph reason") and shutil.which("java") is None:
        pytest.fail("the reason example needs Java (scripts/test installs it)")
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", example.command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    printed = normalised((done.stdout + done.stderr).splitlines(), tmp_path)
    shown = normalised(example.shown, tmp_path)
    assert "Traceback" not in done.stderr
    assert matches(shown, printed), "\n".join(["shown:", *shown, "printed:", *printed])
