"""Auditor reports: built on the named queries, in Markdown, CSV and HTML."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from test_catalogue import ANNEX_A

from aims_graph import resources
from aims_graph.cli import main
from aims_graph.errors import UserInputError
from aims_graph.reports.documents import build_report, render
from aims_graph.store import OxigraphStore, ensure_reference_graphs


def store_with(example: str) -> OxigraphStore:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(resources.example_file(example))
    return store


def test_soa_report_lists_all_controls_and_marks_the_uncovered() -> None:
    report = build_report(store_with(resources.GAPS_EXAMPLE), "soa")
    assert [row[0] for row in report.body] == ANNEX_A
    uncovered = {row[0] for row in report.body if row[2] == "NOT IN SoA"}
    assert uncovered == {"A.4.4", "A.8.3"}
    markdown = render(report, "md")
    assert "Not covered by the Statement of Applicability: A.4.4, A.8.3." in markdown
    rows = list(csv.reader(io.StringIO(render(report, "csv"))))
    assert len(rows) == 39 and rows[0][0] == "Control"
    html = render(report, "html")
    assert html.startswith("<!DOCTYPE html>") and html.count("<tr>") == 39


def test_conformant_soa_covers_everything() -> None:
    report = build_report(store_with(resources.CONFORMANT_EXAMPLE), "soa")
    assert "Every Annex A control is covered" in " ".join(report.notes)
    assert all(row[2] in ("yes", "no") for row in report.body)


def test_soa_report_shows_each_controls_evidence_with_its_date_and_currency() -> None:
    """Each control's evidence with its date and whether it still counts at the records' as-of date: after
    the next cycle's change set, the roles chart (the only evidence for A.3.2) expired on 2026-08-31."""
    store = store_with(resources.GAPS_EXAMPLE)
    before = {row[0]: row[6] for row in build_report(store, "soa").body}
    assert "current" in before["A.3.2"] and "expired" not in before["A.3.2"]
    changes = Path(__file__).parent / "data" / "changes" / "gaps-org.ru"
    store.update(changes.read_text(encoding="utf-8"))
    report = build_report(store, "soa")
    after = {row[0]: row[6] for row in report.body}
    assert after["A.3.2"] == "AI roles and responsibilities chart (2026-03-01, expired on 2026-08-31)"
    assert after["A.2.2"] == before["A.2.2"] and "current" in after["A.2.2"]
    assert after["A.4.4"] == ""  # not in the SoA, no evidence
    assert any("judged current or expired at 2026-" in note for note in report.notes)
    assert "expired on 2026-08-31" in render(report, "md")


def test_risk_register_and_traceability_matrix() -> None:
    store = store_with(resources.GAPS_EXAMPLE)
    risks = build_report(store, "risks")
    assert len(risks.body) == 10
    assert "1 risks above the acceptance threshold have no treatment." in risks.notes
    trace = build_report(store, "trace")
    assert trace.headers[0] == "Risk" and "A.6.2.4" in trace.headers
    assert all(set(row[1:]) <= {"", "x"} for row in trace.body)


def test_unknown_report_or_format() -> None:
    store = store_with(resources.CONFORMANT_EXAMPLE)
    with pytest.raises(UserInputError):
        build_report(store, "nope")
    with pytest.raises(UserInputError):
        render(build_report(store, "soa"), "pdf")


def test_cli_report_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "soa.md"
    example = str(resources.example_file(resources.CONFORMANT_EXAMPLE))
    assert main(["report", "soa", "--data", example, "--format", "md", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("\n| A.") == 38
