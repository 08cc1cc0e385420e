"""The progress bar: only for files that take a while, drawn once, finished once."""

from __future__ import annotations

import io

import pytest

from aims_graph.store import progress
from aims_graph.store.progress import ProgressReader


def read_all(reader: ProgressReader) -> None:
    while reader.read(1024):
        pass
    reader.read(1024)  # parsers read again after the end: no second line


def test_quick_files_draw_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    read_all(ProgressReader(io.BytesIO(b"x" * 10_000), 10_000, "loading a.ttl", enabled=True))
    assert capsys.readouterr().err == ""


def test_slow_files_draw_one_bar_that_ends_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "SHOW_AFTER_SECONDS", 0.0)
    read_all(ProgressReader(io.BytesIO(b"x" * 10_000), 10_000, "loading big.ttl", enabled=True))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("100.0%\n") and "loading big.ttl" in err


def test_never_drawn_off_a_terminal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "SHOW_AFTER_SECONDS", 0.0)
    read_all(ProgressReader(io.BytesIO(b"x" * 10_000), 10_000, "loading big.ttl"))
    assert capsys.readouterr().err == ""
