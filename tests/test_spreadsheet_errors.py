"""Every kind of workbook mistake, each in a crafted workbook: reported with sheet, row, column and reason,
all at once, and nothing written.

The workbooks are built here with plain openpyxl (not with our writer), the way a user's own spreadsheet
would be: a small valid base workbook, then one edit per case. Each case lists exactly the problems the
importer must report, in order.
"""

from __future__ import annotations

import copy
import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import Workbook

from aims_graph.cli import main
from aims_graph.spreadsheet.importer import Problem, WorkbookError, import_workbook

Sheets = dict[str, list[list[object]]]

BASE = "https://example.org/t/"

VALID: Sheets = {
    "Settings": [["setting", "value"], ["base IRI", BASE]],
    "Roles": [["id", "name", "top management"], ["role-board", "Board", "yes"]],
    "AI systems": [
        ["id", "name", "owner", "lifecycle stage", "in scope"],
        ["sys-1", "Scorer", "role-board", "Deployment", None],
    ],
    "Interested parties": [["id", "name"], ["party-1", "Customers"]],
    "Risk criteria": [
        ["id", "acceptance threshold", "likelihood scale max", "consequence scale max"],
        ["crit", 6, 5, 5],
    ],
    "Risks": [
        [
            "id",
            "name",
            "systems",
            "parties",
            "risk source",
            "objectives",
            "likelihood",
            "consequence",
            "level",
            "owner",
            "treatment decision",
        ],
        ["risk-1", "Bias", "sys-1", "party-1", "C.3.4", "C.2.5", 3, 4, None, "role-board", "Modify"],
    ],
    "Treatments": [
        ["id", "risks", "name", "controls", "status"],
        ["trt-1", "risk-1", "Fix", "A.6.2.4; A.7.4", "Implemented"],
    ],
    "Statement of Applicability": [["id", "name"], ["soa", "SoA"]],
    "SoA entries": [
        ["id", "statement", "control", "applicable", "justification", "status"],
        [None, "soa", "A.6.2.4", "yes", "We validate models.", "Implemented"],
    ],
    "Evidence": [["id", "title", "date", "supports"], ["ev-1", "Validation report", "2026-01-15", "A.6.2.4, 9.2"]],
}


def text(term: object) -> str:
    """The lexical value of an RDF term (IRI, blank node or literal)."""
    return term.value if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal) else str(term)


def write_xlsx(path: Path, sheets: Sheets) -> Path:
    book = Workbook()
    default = book.active
    assert default is not None
    book.remove(default)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


CSV_NAMES = {
    "Settings": "settings", "Roles": "roles", "AI systems": "ai-systems", "Interested parties": "interested-parties",
    "Risk criteria": "risk-criteria", "Risks": "risks", "Treatments": "treatments",
    "Statement of Applicability": "soa", "SoA entries": "soa-entries", "Evidence": "evidence",
}  # fmt: skip


def write_csv(folder: Path, sheets: Sheets) -> Path:
    folder.mkdir()
    for title, rows in sheets.items():
        with (folder / f"{CSV_NAMES.get(title, title)}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
    return folder


def cell(sheets: Sheets, title: str, row: int, header: str, value: object) -> None:
    """Set one cell, by sheet title, spreadsheet row number (header = 1) and header name."""
    column = sheets[title][0].index(header)
    sheets[title][row - 1][column] = value


@dataclass
class Case:
    name: str
    edit: Callable[[Sheets], None]
    expected: list[tuple[str, int | None, str | None, str]]
    """(sheet, row, column, a fragment of the reason)"""
    gaps: list[tuple[str, int, str, str]] = field(default_factory=list)
    """Problems that --allow-gaps turns into warnings."""


def _set(title: str, row: int, header: str, value: object) -> Callable[[Sheets], None]:
    return lambda sheets: cell(sheets, title, row, header, value)


def _edits(*edits: Callable[[Sheets], None]) -> Callable[[Sheets], None]:
    def apply(sheets: Sheets) -> None:
        for edit in edits:
            edit(sheets)

    return apply


def _add_row(title: str, row: list[object]) -> Callable[[Sheets], None]:
    return lambda sheets: sheets[title].append(row)


def _rename_header(title: str, old: str, new: str) -> Callable[[Sheets], None]:
    def apply(sheets: Sheets) -> None:
        header = sheets[title][0]
        header[header.index(old)] = new

    return apply


def _drop_column(title: str, header: str) -> Callable[[Sheets], None]:
    def apply(sheets: Sheets) -> None:
        index = sheets[title][0].index(header)
        for row in sheets[title]:
            del row[index]

    return apply


CASES = [
    Case(
        "unknown-control-notation",
        _set("Treatments", 2, "controls", "A.6.2.9; A.7.4"),
        [("Treatments", 2, "controls", "unknown notation 'A.6.2.9'")],
        gaps=[("Treatments", 2, "controls", "unknown notation 'A.6.2.9'")],
    ),
    Case(
        "clause-where-control-expected",
        _set("Treatments", 2, "controls", "6.1.3"),
        [("Treatments", 2, "controls", "6.1.3 is a clause; this column takes an Annex A control")],
    ),
    Case(
        "unknown-evidence-notation",
        _set("Evidence", 2, "supports", "A.6.2.4, 9.9"),
        [("Evidence", 2, "supports", "unknown notation '9.9'")],
        gaps=[("Evidence", 2, "supports", "unknown notation '9.9'")],
    ),
    Case(
        "likelihood-above-scale",
        _set("Risks", 2, "likelihood", 7),
        [("Risks", 2, "likelihood", "7 is above 5, the top of the likelihood scale in risk criteria 'crit'")],
        gaps=[("Risks", 2, "likelihood", "7 is above 5")],
    ),
    Case(
        "consequence-below-scale",
        _set("Risks", 2, "consequence", 0),
        [("Risks", 2, "consequence", "0 is below 1, the bottom of the consequence scale")],
        gaps=[("Risks", 2, "consequence", "0 is below 1")],
    ),
    Case(
        "not-a-whole-number",
        _edits(_set("Risks", 2, "likelihood", "high"), _set("Risks", 2, "consequence", 2.5)),
        [
            ("Risks", 2, "likelihood", "'high' is not a whole number"),
            ("Risks", 2, "consequence", "'2.5' is not a whole number"),
        ],
    ),
    Case(
        "number-out-of-range",
        _set("Risk criteria", 2, "likelihood scale max", 0),
        [("Risk criteria", 2, "likelihood scale max", "0 is out of range: it must be at least 1")],
    ),
    Case(
        "missing-required-cell",
        _edits(_set("Treatments", 2, "risks", None), _set("SoA entries", 2, "statement", "  ")),
        [
            ("Treatments", 2, "risks", "required cell is empty"),
            ("SoA entries", 2, "statement", "required cell is empty"),
        ],
    ),
    Case(
        "missing-id",
        _set("Roles", 2, "id", None),
        [
            ("Roles", 2, "id", "required cell is empty: every record needs an id"),
            ("AI systems", 2, "owner", "no record with id 'role-board'"),
            ("Risks", 2, "owner", "no record with id 'role-board'"),
        ],
    ),
    Case(
        "duplicate-id-in-sheet",
        _add_row("Risks", ["risk-1", "Drift", "sys-1", None, None, None, 2, 2, None, None, "Accept"]),
        [("Risks", 3, "id", "duplicate id 'risk-1' (also on row 2)")],
    ),
    Case(
        "duplicate-id-across-sheets",
        _set("Treatments", 2, "id", "risk-1"),
        [("Treatments", 2, "id", "id 'risk-1' is already used on sheet 'Risks' row 2")],
    ),
    Case(
        "reference-to-missing-id",
        _set("Treatments", 2, "risks", "risk-1, risk-9"),
        [("Treatments", 2, "risks", "no record with id 'risk-9' on 'Risks'")],
    ),
    Case(
        "reference-to-wrong-sheet",
        _set("Risks", 2, "systems", "party-1"),
        [
            (
                "Risks",
                2,
                "systems",
                "'party-1' is an id on sheet 'Interested parties'; this column takes ids from 'AI systems'",
            )
        ],
    ),
    Case(
        "wrong-named-value",
        _edits(_set("AI systems", 2, "lifecycle stage", "Production"), _set("Treatments", 2, "status", "Done")),
        [
            ("AI systems", 2, "lifecycle stage", "'Production' is not one of: Inception, Design and development"),
            ("Treatments", 2, "status", "'Done' is not one of: Planned, In progress, Implemented"),
        ],
    ),
    Case(
        "not-yes-or-no",
        _set("SoA entries", 2, "applicable", "maybe"),
        [("SoA entries", 2, "applicable", "'maybe' is not yes or no")],
    ),
    Case(
        "bad-dates",
        _edits(_set("Evidence", 2, "date", "15/01/2026"), _add_row("Evidence", ["ev-2", "Log", "2026-02-30", "9.2"])),
        [
            ("Evidence", 2, "date", "'15/01/2026' is not a date: write it as YYYY-MM-DD"),
            ("Evidence", 3, "date", "'2026-02-30' is not a date that exists"),
        ],
    ),
    Case(
        "several-values-where-one-fits",
        _set("Risks", 2, "treatment decision", "Modify; Accept"),
        [("Risks", 2, "treatment decision", "takes one value, found 2: Modify, Accept")],
    ),
    Case(
        "unusable-id",
        _set("Risks", 2, "id", "risk 1"),
        [
            ("Risks", 2, "id", "'risk 1' is not a usable id"),
            ("Treatments", 2, "risks", "no record with id 'risk-1' on 'Risks'"),
        ],
    ),
    Case(
        "unknown-column",
        _rename_header("Risks", "likelihood", "likelyhood"),
        [("Risks", 1, "likelyhood", "unknown column; the columns of this sheet are: id, name")],
    ),
    Case(
        "missing-required-column",
        _drop_column("Treatments", "risks"),
        [("Treatments", 1, "risks", "required column is missing")],
    ),
    Case(
        "unknown-sheet",
        lambda sheets: sheets.update({"Risk": [["id"], ["risk-2"]]}),
        [("Risk", None, None, "unknown sheet; the sheets are: Organisation, Management system")],
    ),
    Case(
        "bad-base-iri",
        _set("Settings", 2, "value", "example.org/t/"),
        [("Settings", None, "value", "is not absolute")],
    ),
    Case(
        "many-problems-at-once",
        _edits(
            _set("AI systems", 2, "lifecycle stage", "Live"),
            _set("Risks", 2, "likelihood", 9),
            _set("Risks", 2, "owner", "role-cfo"),
            _set("Treatments", 2, "controls", "A.6.2.9"),
            _set("Evidence", 2, "date", "yesterday"),
        ),
        [
            ("AI systems", 2, "lifecycle stage", "'Live' is not one of"),
            ("Risks", 2, "likelihood", "9 is above 5"),
            ("Risks", 2, "owner", "no record with id 'role-cfo' on 'Roles', 'People'"),
            ("Treatments", 2, "controls", "unknown notation 'A.6.2.9'"),
            ("Evidence", 2, "date", "'yesterday' is not a date"),
        ],
        gaps=[("Risks", 2, "likelihood", "9 is above 5"), ("Treatments", 2, "controls", "unknown notation")],
    ),
]


def _sheets(case: Case) -> Sheets:
    sheets = copy.deepcopy(VALID)
    case.edit(sheets)
    return sheets


def _matches(problems: list[Problem], expected: list[tuple[str, int | None, str | None, str]]) -> None:
    found = [(p.sheet, p.row, p.column) for p in problems]
    assert found == [e[:3] for e in expected], [str(p) for p in problems]
    for problem, (*_, reason) in zip(problems, expected, strict=True):
        assert reason in problem.reason, str(problem)


def test_the_base_workbook_is_valid(tmp_path: Path) -> None:
    result = import_workbook(write_xlsx(tmp_path / "ok.xlsx", VALID))
    assert result.records == 9 and not result.warnings
    level = ox.NamedNode("https://w3id.org/aims-graph/ontology#riskLevel")
    (computed,) = [text(t.object) for t in result.triples if t.predicate == level]
    assert computed == "12"  # left blank: likelihood 3 x consequence 4


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_problems_are_reported_with_sheet_row_column_and_reason(case: Case, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", _sheets(case))
    with pytest.raises(WorkbookError) as caught:
        import_workbook(path)
    _matches(caught.value.problems, case.expected)
    # spreadsheet problems name the cell as well (H7), so it can be found with Ctrl+G
    for problem in caught.value.problems:
        if problem.row is not None and problem.column is not None and "column is missing" not in problem.reason:
            assert problem.cell is not None and problem.cell.endswith(str(problem.row))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_prints_every_problem_and_writes_nothing(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", _sheets(case))
    out, store = tmp_path / "out.ttl", tmp_path / "store"
    assert main(["import", str(path), "--out", str(out)]) == 2
    assert not out.exists() and not (tmp_path / "out.ttl.part").exists()
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith(f"aims-graph: error: {path}: {len(case.expected)} problem")
    assert lines[0].endswith("nothing was imported")
    assert len(lines) == 1 + len(case.expected)
    for line, (sheet, row, column, reason) in zip(lines[1:], case.expected, strict=True):
        assert line.startswith(f"{path}: sheet {sheet!r}")
        assert reason in line
        if row is not None:
            assert f"row {row}" in line
        if column is not None:
            assert f"column {column!r}" in line
    assert main(["import", str(path), "--store", str(store)]) == 2
    capsys.readouterr()
    assert main(["graphs", "list", "--store", str(store)]) == 0
    assert "file/book.xlsx" not in capsys.readouterr().out


@pytest.mark.parametrize("case", [c for c in CASES if c.gaps], ids=[c.name for c in CASES if c.gaps])
def test_allow_gaps_keeps_what_validation_reports_and_refuses_the_rest(case: Case, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx", _sheets(case))
    hard = [e for e in case.expected if e[:3] not in {g[:3] for g in case.gaps}]
    if hard:
        with pytest.raises(WorkbookError) as caught:
            import_workbook(path, allow_gaps=True)
        _matches(caught.value.problems, hard)
        return
    result = import_workbook(path, allow_gaps=True)
    _matches(result.warnings, [(s, r, c, reason) for s, r, c, reason in case.gaps])


def test_allow_gaps_keeps_the_values_as_written(tmp_path: Path) -> None:
    sheets = copy.deepcopy(VALID)
    cell(sheets, "Risks", 2, "likelihood", 7)
    cell(sheets, "Treatments", 2, "controls", "A.6.2.9")
    result = import_workbook(write_xlsx(tmp_path / "gaps.xlsx", sheets), allow_gaps=True)
    objects = {(t.predicate.value.rsplit("#")[-1], text(t.object)) for t in result.triples}
    assert ("likelihood", "7") in objects
    assert ("appliesControl", "https://w3id.org/aims-graph/iso42001/A-6-2-9") in objects


CSV_CASES = [
    c for c in CASES if c.name in ("likelihood-above-scale", "reference-to-missing-id", "many-problems-at-once")
]


@pytest.mark.parametrize("case", CSV_CASES, ids=[c.name for c in CSV_CASES])
def test_csv_folders_report_the_same_problems(case: Case, tmp_path: Path) -> None:
    folder = write_csv(tmp_path / "book", _sheets(case))
    with pytest.raises(WorkbookError) as caught:
        import_workbook(folder)
    expected = [(f"{CSV_NAMES[s]}.csv", r, c, reason) for s, r, c, reason in case.expected]
    _matches(caught.value.problems, expected)
    assert all(p.cell is None for p in caught.value.problems)


def test_csv_base_workbook_is_valid(tmp_path: Path) -> None:
    result = import_workbook(write_csv(tmp_path / "book", VALID))
    assert result.records == 9


def test_notes_in_hash_columns_and_sheets_are_ignored(tmp_path: Path) -> None:
    sheets = copy.deepcopy(VALID)
    sheets["Risks"][0].append("# my notes")
    sheets["Risks"][1].append("ask Sam")
    sheets["# scratch"] = [["anything"], ["at all"]]
    assert import_workbook(write_xlsx(tmp_path / "notes.xlsx", sheets)).records == 9


def test_headers_match_whatever_the_case_and_spacing(tmp_path: Path) -> None:
    sheets = copy.deepcopy(VALID)
    sheets["Risks"][0] = [str(h).upper() + " *" for h in sheets["Risks"][0]]
    sheets["risks"] = sheets.pop("Risks")
    assert import_workbook(write_xlsx(tmp_path / "caps.xlsx", sheets)).records == 9


def test_named_values_match_labels_or_local_names(tmp_path: Path) -> None:
    sheets = copy.deepcopy(VALID)
    cell(sheets, "AI systems", 2, "lifecycle stage", "operationAndMonitoring")
    cell(sheets, "Treatments", 2, "status", "in-progress")
    cell(sheets, "SoA entries", 2, "applicable", True)
    result = import_workbook(write_xlsx(tmp_path / "names.xlsx", sheets))
    objects = {text(t.object) for t in result.triples}
    assert "https://w3id.org/aims-graph/ontology#OperationAndMonitoring" in objects
    assert "https://w3id.org/aims-graph/ontology#InProgress" in objects


def test_not_a_workbook_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    assert main(["import", str(fake), "--out", str(tmp_path / "x.ttl")]) == 2
    err = capsys.readouterr().err
    assert "not a readable .xlsx workbook" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.ttl").exists()
