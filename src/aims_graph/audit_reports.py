"""Auditor documents built on the named queries: Statement of Applicability, risk register, traceability."""

from __future__ import annotations

import html
from dataclasses import dataclass

from .errors import UserInputError
from .namespaces import PREFIXES
from .queries import run_query
from .results import Rows, display
from .store import Store
from .tables import cells, csv_table, html_table, markdown_table

REPORTS = ("soa", "risks", "trace")
FORMATS = ("md", "csv", "html")
REPORT_CSS = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
    "td,th{border:1px solid #bbb;padding:.3em .5em;vertical-align:top}th{background:#eee}"
)


@dataclass
class Report:
    title: str
    intro: str
    headers: list[str]
    body: list[list[str]]
    notes: list[str]


def _soa(store: Store) -> Report:
    rows = run_query(store, "statement-of-applicability")
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
            ]
        )
    notes = [f"{len(body)} Annex A controls listed."]
    notes.append(
        f"Not covered by the Statement of Applicability: {', '.join(missing)}."
        if missing
        else "Every Annex A control is covered by the Statement of Applicability."
    )
    return Report(
        "Statement of Applicability",
        "One row per ISO/IEC 42001 Annex A control.",
        ["Control", "Title", "Applicable", "Justification", "Status", "Evidence"],
        body,
        notes,
    )


def _risks(store: Store) -> Report:
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


def _trace(store: Store) -> Report:
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
    controls.sort(key=lambda n: [int(p) if p.isdigit() else p for p in n.replace("-", ".").split(".")])
    body = [[label, *("x" if (iri, c) in pairs else "" for c in controls)] for iri, label in risks.items()]
    return Report(
        "Traceability matrix",
        "Risks (rows) against the controls their treatments apply (columns).",
        ["Risk", *controls],
        body,
        [f"{len(risks)} treated risks, {len(controls)} controls applied."],
    )


def build_report(store: Store, kind: str) -> Report:
    builders = {"soa": _soa, "risks": _risks, "trace": _trace}
    if kind not in builders:
        raise UserInputError(f"unknown report {kind!r}; use one of {', '.join(REPORTS)}")
    return builders[kind](store)


def render(report: Report, fmt: str) -> str:
    if fmt == "csv":
        return csv_table(report.headers, report.body)
    if fmt == "md":
        notes = "".join(f"- {n}\n" for n in report.notes)
        return f"# {report.title}\n\n{report.intro}\n\n{notes}\n" + markdown_table(
            report.headers, report.body
        )
    if fmt == "html":
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
        title = html.escape(report.title)
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{REPORT_CSS}</style></head>\n<body><h1>{title}</h1><p>{html.escape(report.intro)}</p>"
            f"<ul>{notes}</ul>\n{html_table(report.headers, report.body)}</body></html>\n"
        )
    raise UserInputError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
