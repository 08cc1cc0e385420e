"""Workbooks on disk: reading XLSX files and CSV folders into plain tables, and writing tables back out.

The importer and exporter never touch openpyxl or csv directly: they see ``RawWorkbook`` (what was read)
and hand over rows in the model's column order (what to write). Writing adds what makes a sheet pleasant to
fill in: a README, header notes, drop-down lists, date formats, frozen headers.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import FileFormatError, UserInputError
from ..namespaces import PREFIXES
from . import vocab
from .limits import DEFAULT_LIMITS, ReadLimits, RowCounter, check_archive, check_csv_files
from .model import (
    NO_LANGUAGE,
    README_TITLE,
    SEPARATORS,
    SETTING_BASE,
    SETTING_LANGUAGE,
    SETTINGS_TITLE,
    SHEETS,
    SHEETS_BY_KEY,
    Column,
    Kind,
    Sheet,
)

Cell = str | int | float | bool | dt.date | dt.datetime | None

SETTINGS_KEY = "settings"
README_KEY = "README"


@dataclass
class Table:
    """One sheet (or one CSV file) as read: its name, its header row and its data rows with their numbers."""

    name: str
    header: tuple[Cell, ...]
    rows: list[tuple[int, tuple[Cell, ...]]] = field(default_factory=list)


@dataclass
class RawWorkbook:
    source: str
    tables: list[Table]
    spreadsheet: bool = True
    """True for XLSX (problems then name cells like H7), False for a CSV folder."""


# ------------------------------------------------------------------------------------------------ reading


def read(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> RawWorkbook:
    """An XLSX workbook or a folder of CSV files, refused with one error when it is over ``limits``."""
    if path.is_dir():
        return read_csv_dir(path, limits)
    if not path.exists():
        raise UserInputError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path, limits)
    if suffix == ".xls":
        raise FileFormatError(f"{path}: the old .xls format cannot be read; save the workbook as .xlsx")
    if suffix == ".csv":
        raise FileFormatError(f"{path}: give the folder that holds the CSV files (one per sheet), not one file")
    raise FileFormatError(f"{path}: expected an .xlsx workbook or a folder of CSV files")


def _trim(values: Sequence[Cell]) -> tuple[Cell, ...]:
    end = len(values)
    while end and _blank(values[end - 1]):
        end -= 1
    return tuple(values[:end])


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_UNREADABLE = (InvalidFileException, zipfile.BadZipFile, zlib.error, SyntaxError, EOFError, KeyError, ValueError)
"""What openpyxl raises on a damaged archive: a bad member, a CRC that fails (a member holding more than it
declares is cut at its declared size and fails here), truncated XML (the XML parsers' errors, from
xml.etree or lxml, are SyntaxErrors)."""


def read_xlsx(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> RawWorkbook:
    check_archive(path, limits)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise FileFormatError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    tables: list[Table] = []
    try:
        for sheet in book.worksheets:
            # The declared dimension (A1:XFD1048576 costs a few bytes) would pad every row to its width and
            # the sheet to its height; sized by its cells instead, each row is as long as its last cell.
            sheet.reset_dimensions()
            counter = RowCounter(str(path), sheet.title, limits)
            rows = sheet.iter_rows(values_only=True)
            first = next(rows, ())
            counter.check(1, first)
            table = Table(sheet.title, _trim(first))
            for number, values in enumerate(rows, start=2):
                counter.check(number, values)
                trimmed = _trim(values)
                if trimmed:
                    table.rows.append((number, trimmed))
            tables.append(table)
    except _UNREADABLE as exc:
        raise FileFormatError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    finally:
        book.close()
    return RawWorkbook(str(path), tables, spreadsheet=True)


def read_csv_dir(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> RawWorkbook:
    files = sorted(path.glob("*.csv"))
    check_csv_files(path, files, limits)
    tables: list[Table] = []
    for file in files:
        counter = RowCounter(str(file), file.name, limits)
        cells: list[tuple[Cell, ...]] = []
        try:
            with file.open(encoding="utf-8-sig", newline="") as handle:
                for number, record in enumerate(csv.reader(handle), start=1):
                    counter.check(number, tuple(record))
                    cells.append(tuple(unescape_text(v) if v.strip() else None for v in record))
        except UnicodeDecodeError:
            raise FileFormatError(f"{file}: not UTF-8 text; save the CSV as UTF-8") from None
        except (OSError, csv.Error) as exc:
            raise FileFormatError(f"{file}: cannot read the CSV file ({exc})") from None
        header = _trim(cells[0]) if cells else ()
        table = Table(file.name, header)
        for number, values in enumerate(cells[1:], start=2):
            trimmed = _trim(values)
            if trimmed:
                table.rows.append((number, trimmed))
        tables.append(table)
    if not tables:
        raise UserInputError(f"{path}: no .csv files in this folder")
    return RawWorkbook(str(path), tables, spreadsheet=False)


# A text cell that starts with one of these is a formula to a spreadsheet program (=, +, - and @ start one;
# a tab or carriage return hides the character after it). CSV has no string type, so such text gets a
# leading apostrophe, as spreadsheet programs themselves do; text that already starts with apostrophes before
# one of these gets one more, so that removing one on reading gives back exactly what was written.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def escape_text(value: str) -> str:
    """Text as written to a CSV file: never read as a formula."""
    return "'" + value if _FORMULA_START.match(value) else value


def unescape_text(value: str) -> str:
    """The text ``escape_text`` was given."""
    return value[1:] if value[:1] == "'" and _ESCAPED.match(value) else value


# ------------------------------------------------------------------------------------------------ writing

Rows = Mapping[str, Sequence[Sequence[Cell]]]
"""Sheet key -> data rows, each in the sheet's column order."""

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_HEADER_FONT = Font(bold=True)
_WIDTHS = {
    Kind.ID: 22,
    Kind.LABEL: 40,
    Kind.TEXT: 50,
    Kind.DATE: 13,
    Kind.INTEGER: 12,
    Kind.BOOLEAN: 11,
    Kind.CHOICE: 24,
    Kind.TYPE: 24,
    Kind.FLAG: 11,
    Kind.REF: 26,
    Kind.MORE: 50,
}
_MIN_VALIDATED_ROWS = 1000


def settings_rows(base: str, language: str | None) -> list[list[Cell]]:
    return [[SETTING_BASE, base], [SETTING_LANGUAGE, NO_LANGUAGE if language is None else language]]


def write(path: Path, rows: Rows, base: str, language: str | None, fmt: str) -> None:
    if fmt == "xlsx":
        write_xlsx(path, rows, base, language)
    elif fmt == "csv":
        write_csv_dir(path, rows, base, language)
    else:
        raise UserInputError(f"unknown workbook format {fmt!r}; use xlsx or csv")


def write_xlsx(path: Path, rows: Rows, base: str, language: str | None) -> None:
    """Write atomically: the workbook appears complete or not at all."""
    book = Workbook()
    readme = book.active
    assert readme is not None
    readme.title = README_TITLE
    _fill_readme(readme)
    settings = book.create_sheet(SETTINGS_TITLE)
    settings.append(["setting", "value"])
    for row in settings_rows(base, language):
        settings.append(row)
    _style_header(settings, [True, True], ["What the setting is", ""])
    settings.column_dimensions["A"].width = 16
    settings.column_dimensions["B"].width = 50
    settings["A2"].comment = Comment(
        "Record ids are appended to this base IRI to make each record's web address.", "aims-graph"
    )
    settings["A3"].comment = Comment(
        f"The language tag of names and descriptions (en, fr, de ...), or {NO_LANGUAGE} when they are plain "
        "text without a language tag.",
        "aims-graph",
    )
    for sheet in SHEETS:
        _fill_sheet(book.create_sheet(sheet.title), sheet, rows.get(sheet.key, ()))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        book.save(tmp)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserInputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _style_header(ws: Worksheet, required: Sequence[bool], notes: Sequence[str]) -> None:
    for index, (needed, note) in enumerate(zip(required, notes, strict=True), start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if needed else _HEADER_FILL
        if note:
            cell.comment = Comment(note, "aims-graph", width=320, height=140)
    ws.freeze_panes = "B2"


def _clean(value: Cell) -> Cell:
    if isinstance(value, str):
        return str(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _fill_sheet(ws: Worksheet, sheet: Sheet, rows: Sequence[Sequence[Cell]]) -> None:
    ws.append([column.header for column in sheet.columns])
    _style_header(ws, [c.required for c in sheet.columns], [_note(c) for c in sheet.columns])
    for row in rows:
        ws.append([_clean(v) for v in row])
    last = max(len(rows) + 1, _MIN_VALIDATED_ROWS)
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = _WIDTHS[column.kind]
        body = ws[f"{letter}2:{letter}{len(rows) + 1}"] if rows else ()
        for (cell,) in body:
            if isinstance(cell.value, str) and _FORMULA_START.match(cell.value):
                # text that starts like a formula stays text, and stays text when someone edits the cell
                cell.data_type = "s"
                cell.quotePrefix = True
            if column.kind is Kind.DATE and isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif column.kind in (Kind.TEXT, Kind.LABEL, Kind.MORE):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif column.kind in (Kind.ID, Kind.REF):
                cell.number_format = "@"
        validation = _validation(column)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last}")


def _validation(column: Column) -> DataValidation | None:
    if column.kind in (Kind.BOOLEAN, Kind.FLAG):
        values = ["yes", "no"]
    elif column.kind in (Kind.CHOICE, Kind.TYPE):
        values = [vocab.label(iri) for iri in vocab.choices(column)]
    elif column.kind is Kind.REF and len(column.targets) == 1 and column.targets[0] != "*":
        target = SHEETS_BY_KEY[column.targets[0]]
        return DataValidation(
            type="list",
            formula1=f"'{target.title}'!$A$2:$A$100000",
            allow_blank=True,
            showErrorMessage=False,
            promptTitle=column.header,
            prompt=f"An id from sheet {target.title}",
            showInputMessage=True,
        )
    else:
        return None
    return DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=True,
        # A column that takes several values cannot insist on one list entry per cell.
        showErrorMessage=not column.many,
        errorTitle=column.header,
        error=f"Pick one of: {', '.join(values)}",
    )


def _note(column: Column) -> str:
    text = column.help
    if column.required:
        text = "Required. " + text
    allowed = allowed_values(column)
    if allowed:
        text += f" Values: {allowed}."
    return text


def allowed_values(column: Column) -> str:
    if column.kind in (Kind.BOOLEAN, Kind.FLAG):
        return "yes, no"
    if column.kind in (Kind.CHOICE, Kind.TYPE):
        return ", ".join(vocab.label(iri) for iri in vocab.choices(column))
    return ""


def _format(column: Column) -> str:
    many = f"; several separated by {SEPARATORS}" if column.many and column.kind is not Kind.TEXT else ""
    if column.many and column.kind is Kind.TEXT:
        many = "; one per line"
    base = {
        Kind.ID: "id",
        Kind.TEXT: "text",
        Kind.LABEL: "text (in the workbook's language)",
        Kind.DATE: "date YYYY-MM-DD",
        Kind.INTEGER: "whole number",
        Kind.BOOLEAN: "yes or no",
        Kind.CHOICE: "one of the list",
        Kind.TYPE: "one of the list",
        Kind.FLAG: "yes or no",
        Kind.REF: _ref_format(column),
        Kind.MORE: "property = value, one per line",
    }[column.kind]
    return base + many


def _ref_format(column: Column) -> str:
    parts = []
    if column.catalogue:
        parts.append("notation")
    if column.targets == ("*",):
        parts.append("id of any record")
    elif column.targets:
        parts.append("id from " + ", ".join(SHEETS_BY_KEY[t].title for t in column.targets))
    return " or ".join(parts)


README_INTRO = (
    "How to use this workbook",
    "Each sheet holds one kind of record of your AI management system; each row is one record. Fill in "
    "the rows under the header and delete or overwrite the example row. Headers in orange are required.",
    "Every record has an id (a short name such as risk-01). Other sheets refer to a record by its id, for "
    "example a treatment lists the ids of the risks it treats. The record's web address is the base IRI of "
    "sheet Settings followed by the id.",
    "Refer to ISO/IEC 42001 clauses and controls by their numbers (notation): 6.1.3 for a clause, A.6.2.4 "
    "for an Annex A control, C.2.5 and C.3.4 for Annex C objectives and risk sources.",
    "Where a cell takes several values, separate them with ; or , (or one per line for text).",
    "Names and descriptions are in the language of sheet Settings (en unless it says otherwise); none there "
    "means plain text without a language tag. The last column of every sheet, more, holds anything else "
    "about the record, one property = value per line: rdfs:seeAlso = <https://example.org/report.pdf>, "
    'rdfs:label = "Politique IA"@fr. An exported workbook puts there whatever no other column holds, so it '
    "imports back to the same data.",
    "Run `aims-graph import FILE.xlsx --out aims.ttl` to turn the workbook into RDF. Every problem is "
    "reported with its sheet, row and column, and nothing is written until the workbook is free of them. "
    "Then `aims-graph validate aims.ttl` checks it against the ISO/IEC 42001 rules (missing owners, "
    "untreated risks, controls without evidence ...).",
    "Sheets and columns whose name starts with # are ignored, so you can keep your own notes in them.",
)
README_HEADER = ("sheet", "column", "required", "what to write", "format", "values", "RDF property")


def _curie(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def readme_rows() -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for sheet in SHEETS:
        rows.append([sheet.title, None, None, sheet.help, None, None, None])
        for column in sheet.columns:
            prop = _curie(column.predicate) if column.predicate else ""
            if column.kind in (Kind.TYPE, Kind.FLAG):
                prop = "rdf:type " + ", ".join(_curie(c) for c in column.classes)
            if column.kind is Kind.MORE:
                prop = "any property"
            if column.inverse and prop:
                prop = f"{prop} (from the referenced record to this one)"
            rows.append(
                [
                    sheet.title,
                    column.header,
                    "yes" if column.required else None,
                    column.help,
                    _format(column),
                    allowed_values(column) or None,
                    prop or None,
                ]
            )
    return rows


def _fill_readme(ws: Worksheet) -> None:
    title, *paragraphs = README_INTRO
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    for text in paragraphs:
        ws.append([text])
    ws.append([])
    start = ws.max_row + 1
    ws.append(list(README_HEADER))
    for index in range(1, len(README_HEADER) + 1):
        ws.cell(row=start, column=index).font = _HEADER_FONT
        ws.cell(row=start, column=index).fill = _HEADER_FILL
    for row in readme_rows():
        ws.append(row)
        if row[1] is None:
            ws.cell(row=ws.max_row, column=1).font = _HEADER_FONT
    for letter, width in zip("ABCDEFG", (24, 24, 9, 70, 28, 40, 50), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=start + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return escape_text(value)
    return str(value)


def write_csv_dir(path: Path, rows: Rows, base: str, language: str | None) -> None:
    """One UTF-8 CSV per sheet (named by the sheet key), plus settings.csv and README.csv."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"cannot create {path}: {exc.strerror or exc}") from None
    files: dict[str, list[Sequence[Cell]]] = {
        README_KEY: [list(README_HEADER), *readme_rows()],
        SETTINGS_KEY: [["setting", "value"], *settings_rows(base, language)],
    }
    for sheet in SHEETS:
        files[sheet.key] = [[c.header for c in sheet.columns], *rows.get(sheet.key, ())]
    for name, content in files.items():
        target = path / f"{name}.csv"
        tmp = target.with_name(target.name + ".part")
        try:
            with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                for row in content:
                    writer.writerow([_csv_text(v) for v in row])
            tmp.replace(target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise UserInputError(f"cannot write {target}: {exc.strerror or exc}") from None
