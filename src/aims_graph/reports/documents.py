"""Auditor documents built on the named queries: Statement of Applicability, risk register, traceability."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from .. import resources
from ..answers import Rows, display
from ..catalogue import notation_sort_key
from ..errors import UserInputError
from ..namespaces import PREFIXES
from ..queries import run_query
from ..store import Queryable
from .charts import coverage, to_png, to_svg
from .tables import cells, csv_table, markdown_table

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

REPORTS = ("soa", "risks", "trace", "coverage")
FORMATS = ("md", "csv", "html", "xlsx")
CHART_FORMATS = ("svg", "png", "html")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "svg": "image/svg+xml",
    "png": "image/png",
}


@dataclass
class Report:
    title: str
    intro: str
    headers: list[str]
    body: list[list[str]]
    notes: list[str]


def _evidence_by_control(store: Queryable) -> tuple[dict[str, list[str]], str | None]:
    """Each control's evidence as "title (date, current)" or "(date, expired on D)", judged at the records'
    as-of date (the latest ``aims:asOf``) or today; and that date."""
    answer = store.query(resources.internal_query("reports/soa-evidence.rq"))
    assert isinstance(answer, Rows)
    found: dict[str, list[str]] = {}
    reference = None
    for row in answer.dicts():
        reference = display(row.get("reference")) or reference
        when = display(row.get("date")) or display(row.get("from")) or "no date"
        until, starts = display(row.get("until")), display(row.get("from"))
        if until and reference and until < reference:
            status = f"expired on {until}"
        elif starts and reference and starts[:10] > reference:
            status = f"counts from {starts[:10]}"
        else:
            status = f"current, until {until}" if until else "current"
        found.setdefault(display(row["control"]), []).append(f"{display(row.get('title'))} ({when}, {status})")
    return found, reference


def _soa(store: Queryable) -> Report:
    rows = run_query(store, "statement-of-applicability")
    evidence, reference = _evidence_by_control(store)
    body, missing = [], []
    for row in rows.dicts():
        covered = display(row.get("inSoA")) == "true"
        applicable = display(row.get("applicable"))
        if not covered:
            missing.append(display(row["notation"]))
        body.append(
            [
                display(row["notation"]),
                display(row["label"]),
                {"true": "yes", "false": "no"}.get(applicable, "") if covered else "NOT IN SoA",
                display(row.get("justification")),
                display(row.get("status"), PREFIXES).removeprefix("aims:"),
                display(row.get("evidenceCount")),
                "; ".join(evidence.get(display(row["control"]), [])),
            ]
        )
    notes = [f"{len(body)} Annex A controls listed."]
    notes.append(
        f"Not covered by the Statement of Applicability: {', '.join(missing)}."
        if missing
        else "Every Annex A control is covered by the Statement of Applicability."
    )
    if reference:
        notes.append(f"Evidence is judged current or expired at {reference}, the records' as-of date (or today).")
    return Report(
        "Statement of Applicability",
        "One row per ISO/IEC 42001 Annex A control.",
        ["Control", "Title", "Applicable", "Justification", "Status", "Evidence", "Evidence items (date, currency)"],
        body,
        notes,
    )


def _risks(store: Queryable) -> Report:
    rows = run_query(store, "risk-register")
    body = [[c for c in row] for row in cells(rows)]
    untreated = run_query(store, "untreated-risks")
    notes = [
        f"{len(body)} risks.",
        f"{len(untreated.rows)} risks above the acceptance threshold have no treatment.",
    ]
    return Report(
        "Risk register",
        "Every AI risk with its assessment, decision and the controls applied to it.",
        rows.variables,
        body,
        notes,
    )


def _trace(store: Queryable) -> Report:
    rows: Rows = run_query(store, "risk-control-matrix")
    risks: dict[str, str] = {}
    controls: list[str] = []
    pairs: set[tuple[str, str]] = set()
    for row in rows.dicts():
        risk = display(row.get("riskLabel")) or display(row["risk"])
        risks.setdefault(display(row["risk"]), risk)
        notation = display(row["notation"])
        if notation not in controls:
            controls.append(notation)
        pairs.add((display(row["risk"]), notation))
    controls.sort(key=notation_sort_key)
    body = [[label, *("x" if (iri, c) in pairs else "" for c in controls)] for iri, label in risks.items()]
    return Report(
        "Traceability matrix",
        "Risks (rows) against the controls their treatments apply (columns).",
        ["Risk", *controls],
        body,
        [f"{len(risks)} treated risks, {len(controls)} controls applied."],
    )


def build_report(store: Queryable, kind: str) -> Report:
    builders = {"soa": _soa, "risks": _risks, "trace": _trace}
    if kind not in builders:
        if kind == "coverage":
            raise UserInputError("coverage is a chart: ask for it as svg, png or html")
        raise UserInputError(f"unknown report {kind!r}; use one of {', '.join(REPORTS)}")
    return builders[kind](store)


def to_xlsx(report: Report) -> bytes:
    """The report as a workbook: a sheet with the table, a second with the notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = report.title[:31]
    sheet.append(report.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in report.body:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("Notes")
    for line in [report.title, report.intro, *report.notes]:
        notes.append([line])
    for each in (sheet, notes):
        _as_text(each)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _as_text(sheet: Worksheet) -> None:
    """Every text cell stored as a string: openpyxl turns text that starts with "=" into a live formula, and a
    formula taken from the data (``=HYPERLINK(...)``, ``=cmd|...``) would run when the report is opened."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def produce(store: Queryable, kind: str, fmt: str) -> tuple[bytes, str]:
    """One report in one format, with its media type: what both the CLI and the API hand out."""
    if kind == "coverage":
        if fmt not in CHART_FORMATS:
            raise UserInputError(f"the coverage chart comes as {', '.join(CHART_FORMATS)}, not {fmt!r}")
        cov = coverage(store)
        if fmt == "png":
            return to_png(cov), MEDIA_TYPES["png"]
        svg = to_svg(cov)
        if fmt == "svg":
            return svg.encode("utf-8"), MEDIA_TYPES["svg"]
        page = _html_page("Control coverage", chart=Markup(svg))  # to_svg escapes every text it writes
        return page.encode("utf-8"), MEDIA_TYPES["html"]
    report = build_report(store, kind)
    if fmt == "xlsx":
        return to_xlsx(report), MEDIA_TYPES["xlsx"]
    if fmt not in FORMATS:
        raise UserInputError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
    return render(report, fmt).encode("utf-8"), MEDIA_TYPES[fmt]


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("aims_graph.reports", "templates"), autoescape=True)


def _html_page(
    title: str,
    intro: str | None = None,
    notes: list[str] | None = None,
    headers: list[str] | None = None,
    body: list[list[str]] | None = None,
    chart: Markup | None = None,
) -> str:
    """A report as a page of its own (autoescaped template: no text of the data can become markup)."""
    return (
        _templates()
        .get_template("report.html")
        .render(title=title, intro=intro, notes=notes or [], headers=headers or [], body=body or [], chart=chart)
    )


def render(report: Report, fmt: str) -> str:
    if fmt == "csv":
        return csv_table(report.headers, report.body)
    if fmt == "md":
        notes = "".join(f"- {n}\n" for n in report.notes)
        table = markdown_table(report.headers, report.body)
        return f"# {report.title}\n\n{report.intro}\n\n{notes}\n{table}"
    if fmt == "html":
        return _html_page(report.title, report.intro, report.notes, report.headers, report.body)
    raise UserInputError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
