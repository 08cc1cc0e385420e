"""Workbook -> RDF in the data-contract vocabulary, or a list of every problem found.

The whole workbook is checked before anything is produced: ids first (so references in any order resolve),
then the risk criteria (so likelihoods can be checked against their scales), then every cell. Problems are
collected, never raised one at a time, so a user fixes a sheet in one pass.

What is an import error and what is left to validation: the importer refuses what it cannot turn into the
data faithfully (unknown column or named value, malformed number or date, dangling or duplicate id, unknown
notation, a value off the organisation's scales). Gaps in the management system itself (a system without
owner, a risk without treatment) are not import errors: ``aims-graph validate`` reports those. With
``allow_gaps`` the two kinds of value the conformance shapes also check (off-scale numbers and notations
the catalogue lacks) become warnings and are kept as written, so a workbook with known audit gaps still
imports and validates to the same findings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from openpyxl.utils import get_column_letter

from .. import resources
from ..catalogue import looks_like_notation
from ..errors import AimsGraphError, NotFoundError, UserInputError
from ..namespaces import GRAPH_BASE, PREFIXES, XSD
from ..store import Store, checked_iri
from . import more, vocab
from .limits import DEFAULT_LIMITS, ReadLimits
from .model import (
    DEFAULT_BASE,
    DEFAULT_LANGUAGE,
    NO_LANGUAGE,
    RDF_TYPE,
    SETTING_BASE,
    SETTING_LANGUAGE,
    SHEETS,
    SHEETS_BY_KEY,
    Column,
    Kind,
    Sheet,
)
from .workbook import README_KEY, SETTINGS_KEY, Cell, RawWorkbook, Table, read

_ID = re.compile(r"[A-Za-z0-9_~][A-Za-z0-9._~/-]*")
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?")
_INTEGER = re.compile(r"[+-]?\d+")
_SPLIT_REFS = re.compile(r"[;,\s]+")
_SPLIT_CHOICES = re.compile(r"[;,\n]+")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}

_TYPE = ox.NamedNode(RDF_TYPE)
_XSD_DATE = ox.NamedNode(XSD + "date")
_XSD_INTEGER = ox.NamedNode(XSD + "integer")
_XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the workbook, where it is and why."""

    sheet: str
    row: int | None
    column: str | None
    reason: str
    cell: str | None = None

    def __str__(self) -> str:
        where = [f"sheet {self.sheet!r}"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}" + (f" ({self.cell})" if self.cell else ""))
        return ", ".join(where) + ": " + self.reason


class WorkbookError(UserInputError):
    """A workbook with problems; carries all of them. Nothing is imported."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{source}: {count} problem{'' if count == 1 else 's'} in the workbook; nothing was imported"
        super().__init__(head + "".join(f"\n  {p}" for p in self.problems))

    @property
    def summary(self) -> str:
        return str(self).split("\n", 1)[0]


@dataclass
class ImportResult:
    source: str
    triples: list[ox.Triple]
    records: int
    base: str
    language: str | None
    """The language tag of names and descriptions; None when they are plain text."""
    warnings: list[Problem] = field(default_factory=list)


def import_workbook(
    source: Path,
    base: str | None = None,
    allow_gaps: bool = False,
    language: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> ImportResult:
    """Read an XLSX workbook or a folder of CSV files and convert it; raises WorkbookError on problems and
    WorkbookTooLargeError, before reading, on a workbook over ``limits``."""
    return convert(read(source, limits), base=base, allow_gaps=allow_gaps, language=language)


def convert(
    raw: RawWorkbook, base: str | None = None, allow_gaps: bool = False, language: str | None = None
) -> ImportResult:
    return _Import(raw, base, allow_gaps, language).run()


def check_base(base: str) -> str:
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", base):
        raise UserInputError(f"the base IRI {base!r} is not absolute (it needs a scheme such as https:)")
    try:
        ox.NamedNode(base)
    except ValueError:
        raise UserInputError(f"the base IRI {base!r} is not a valid IRI") from None
    if not base.endswith(("/", "#", ":")):
        raise UserInputError(f"the base IRI {base!r} should end with / or # so that ids can follow it")
    return base


def is_absolute_iri(text: str) -> bool:
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:\S", text)) and not looks_like_notation(text)


def cell_text(value: Cell) -> str | None:
    """The text of a cell as the user sees it, or None when blank."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass
class _Record:
    sheet: Sheet
    table: Table
    row: int
    values: dict[str, Cell]
    letters: dict[str, str]
    iri: ox.NamedNode


class _Import:
    def __init__(self, raw: RawWorkbook, base: str | None, allow_gaps: bool, language: str | None) -> None:
        self.raw = raw
        self.base_override = base
        self.allow_gaps = allow_gaps
        self.language_override = language
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.base = DEFAULT_BASE
        self.language: str | None = DEFAULT_LANGUAGE
        self.tables: dict[str, Table] = {}
        self.settings: Table | None = None
        self.records: list[_Record] = []
        self.ids: dict[str, dict[str, ox.NamedNode]] = {sheet.key: {} for sheet in SHEETS}
        self.owner_of_iri: dict[str, tuple[Sheet, int]] = {}
        self.scales: dict[str, list[tuple[str, int]]] = {}
        self.triples: dict[ox.Triple, None] = {}
        """Insertion-ordered and free of duplicates: the output follows the rows, one record after another."""
        self.predicates: dict[str, ox.NamedNode] = {}

    # -- driver

    def run(self) -> ImportResult:
        self._classify_tables()
        self._read_settings()
        headers = {key: self._headers(SHEETS_BY_KEY[key], table) for key, table in self.tables.items()}
        for sheet in SHEETS:
            if sheet.key in self.tables:
                self._collect_ids(sheet, self.tables[sheet.key], headers[sheet.key])
        self._read_scales()
        for record in self.records:
            self._convert(record)
        if self.problems:
            raise WorkbookError(self.raw.source, self._sorted(self.problems))
        return ImportResult(
            self.raw.source,
            list(self.triples),
            len(self.records),
            self.base,
            self.language,
            self._sorted(self.warnings),
        )

    def _sorted(self, problems: Iterable[Problem]) -> list[Problem]:
        order = {sheet.title: index for index, sheet in enumerate(SHEETS)}
        return sorted(problems, key=lambda p: (order.get(p.sheet, -1), p.row or 0))

    def _problem(self, table: Table, row: int | None, column: str | None, reason: str, letter: str = "") -> None:
        cell = f"{letter}{row}" if letter and row is not None and self.raw.spreadsheet else None
        self.problems.append(Problem(table.name, row, column, reason, cell))

    def _gap(self, record: _Record, column: Column, reason: str) -> None:
        """A value the conformance checks would also flag: an error, or a warning when gaps are allowed."""
        letter = record.letters.get(column.header, "")
        cell = f"{letter}{record.row}" if letter and self.raw.spreadsheet else None
        problem = Problem(record.table.name, record.row, column.header, reason, cell)
        (self.warnings if self.allow_gaps else self.problems).append(problem)

    # -- sheets and headers

    def _classify_tables(self) -> None:
        by_name: dict[str, str] = {}
        for sheet in SHEETS:
            by_name[vocab.normalise(sheet.key)] = sheet.key
            by_name[vocab.normalise(sheet.title)] = sheet.key
        for table in self.raw.tables:
            name = vocab.normalise(table.name if self.raw.spreadsheet else table.name.removesuffix(".csv"))
            if table.name.startswith("#") or name == vocab.normalise(README_KEY):
                continue
            if name == SETTINGS_KEY:
                self.settings = table
                continue
            key = by_name.get(name)
            if key is None:
                known = ", ".join(s.title for s in SHEETS)
                self._problem(
                    table,
                    None,
                    None,
                    f"unknown sheet; the sheets are: {known} (start a sheet's name with # to keep it out "
                    "of the import)",
                )
            elif key in self.tables:
                self._problem(table, None, None, f"a second sheet for {SHEETS_BY_KEY[key].title}")
            else:
                self.tables[key] = table

    def _headers(self, sheet: Sheet, table: Table) -> dict[int, Column]:
        by_name = {vocab.normalise(c.header): c for c in sheet.columns}
        found: dict[int, Column] = {}
        seen: dict[str, int] = {}
        for index, value in enumerate(table.header):
            text = cell_text(value)
            letter = get_column_letter(index + 1)
            if text is None:
                if any(index < len(values) and not _is_blank(values[index]) for _, values in table.rows):
                    self._problem(table, 1, f"#{index + 1}", "values in a column without a header", letter)
                continue
            if text.startswith("#"):
                continue
            column = by_name.get(vocab.normalise(text.rstrip("* ")))
            if column is None:
                known = ", ".join(c.header for c in sheet.columns)
                self._problem(table, 1, text, f"unknown column; the columns of this sheet are: {known}", letter)
            elif column.header in seen:
                self._problem(table, 1, text, f"a second {column.header!r} column", letter)
            else:
                seen[column.header] = index
                found[index] = column
        for column in sheet.columns:
            needed = column.required or (column.kind is Kind.ID and sheet.default_id is None)
            if needed and column.header not in seen:
                self._problem(table, 1, column.header, "required column is missing")
        return found

    # -- settings

    def _read_settings(self) -> None:
        base, language = self.base_override, self.language_override
        table = self.settings
        if table is not None:
            for number, values in table.rows:
                key = cell_text(values[0]) if values else None
                value = cell_text(values[1]) if len(values) > 1 else None
                if key is None:
                    continue
                name = vocab.normalise(key)
                if name == vocab.normalise(SETTING_BASE):
                    base = base or value
                elif name == vocab.normalise(SETTING_LANGUAGE):
                    language = language or value
                elif not key.startswith("#"):
                    self._problem(
                        table, number, "setting", f"unknown setting {key!r}; known: {SETTING_BASE}, {SETTING_LANGUAGE}"
                    )
        if base is not None:
            try:
                self.base = check_base(base)
            except UserInputError as exc:
                if self.base_override is not None or table is None:
                    raise
                self._problem(table, None, "value", str(exc))
        if language is not None:
            if vocab.normalise(language) == NO_LANGUAGE:
                self.language = None
            elif _LANGUAGE.fullmatch(language):
                self.language = language
            elif self.language_override is not None or table is None:
                raise UserInputError(f"{language!r} is not a language tag such as en or fr-CA, nor {NO_LANGUAGE}")
            else:
                self._problem(
                    table, None, "value", f"{language!r} is not a language tag such as en or fr-CA, nor {NO_LANGUAGE}"
                )

    # -- ids

    def _mint(self, text: str) -> ox.NamedNode | None:
        if is_absolute_iri(text):
            try:
                return ox.NamedNode(text)
            except ValueError:
                return None
        if not _ID.fullmatch(text):
            return None
        return ox.NamedNode(self.base + text)

    def _collect_ids(self, sheet: Sheet, table: Table, headers: dict[int, Column]) -> None:
        id_index = next((i for i, c in headers.items() if c.kind is Kind.ID), None)
        for number, row in table.rows:
            values: dict[str, Cell] = {}
            letters: dict[str, str] = {}
            for index, column in headers.items():
                letters[column.header] = get_column_letter(index + 1)
                if index < len(row):
                    values[column.header] = row[index]
            if all(_is_blank(v) for v in values.values()):
                continue  # a row with notes in #-columns only
            text = cell_text(row[id_index]) if id_index is not None and id_index < len(row) else None
            letter = get_column_letter(id_index + 1) if id_index is not None else ""
            if text is None and sheet.default_id is not None:
                prefix, source = sheet.default_id
                derived = cell_text(values.get(source))
                if derived is None:
                    continue  # the empty source column is reported for the row
                text = prefix + derived.replace(".", "-")
            if text is None:
                self._problem(table, number, "id", "required cell is empty: every record needs an id", letter)
                continue
            iri = self._mint(text)
            if iri is None:
                self._problem(
                    table,
                    number,
                    "id",
                    f"{text!r} is not a usable id: use letters, digits and . _ ~ - / (no spaces), or a full IRI",
                    letter,
                )
                continue
            earlier = self.owner_of_iri.get(iri.value)
            if earlier is not None:
                other, other_row = earlier
                if other is sheet:
                    self._problem(table, number, "id", f"duplicate id {text!r} (also on row {other_row})", letter)
                    continue
                if not (sheet.shares_ids or other.shares_ids):
                    self._problem(
                        table,
                        number,
                        "id",
                        f"id {text!r} is already used on sheet {other.title!r} row {other_row}; ids must be "
                        "unique across the workbook",
                        letter,
                    )
                    continue
            else:
                self.owner_of_iri[iri.value] = (sheet, number)
            self.ids[sheet.key][text] = iri
            self.records.append(_Record(sheet, table, number, values, letters, iri))

    # -- risk criteria scales

    def _read_scales(self) -> None:
        sheet = SHEETS_BY_KEY["risk-criteria"]
        for record in self.records:
            if record.sheet is not sheet:
                continue
            for column in sheet.columns:
                if column.kind is Kind.INTEGER and column.predicate:
                    number = _whole(record.values.get(column.header))
                    if isinstance(number, int) and number >= 1:
                        name = record.iri.value.removeprefix(self.base)
                        self.scales.setdefault(column.predicate, []).append((name, number))

    # -- cells

    def _convert(self, record: _Record) -> None:
        sheet = record.sheet
        subject = record.iri
        for cls in sheet.types:
            self.triples[ox.Triple(subject, _TYPE, ox.NamedNode(cls))] = None
        numbers: dict[str, int] = {}
        for column in sheet.columns:
            if column.kind is Kind.ID:
                continue
            value = record.values.get(column.header)
            if column.kind is Kind.MORE:
                self._more(record, column, value)
                continue
            if _is_blank(value):
                if column.required and column.header in record.letters:  # a missing column is reported once
                    self._cell_problem(record, column, "required cell is empty")
                elif column.product_of is not None:
                    left, right = (numbers.get(h) for h in column.product_of)
                    if left is not None and right is not None and column.predicate:
                        self._emit(record, column, [_integer(left * right)])
                continue
            terms = self._terms(record, column, value)
            if terms is None:
                continue
            if column.kind is Kind.INTEGER and terms:
                numbers[column.header] = int(terms[0].value)
            self._emit(record, column, terms)

    def _more(self, record: _Record, column: Column, value: Cell) -> None:
        text = cell_text(value)
        if text is None:
            return
        statements, problems = more.read_statements(text, self.base)
        for line, reason in problems:
            self._cell_problem(record, column, f"line {line}: {reason}")
        for predicate, term in statements:
            self.triples[ox.Triple(record.iri, predicate, term)] = None

    def _emit(self, record: _Record, column: Column, terms: Sequence[ox.NamedNode | ox.Literal]) -> None:
        assert column.predicate is not None
        predicate = self.predicates.get(column.predicate)
        if predicate is None:
            predicate = self.predicates[column.predicate] = ox.NamedNode(column.predicate)
        for term in terms:
            if column.inverse:
                assert isinstance(term, ox.NamedNode)
                self.triples[ox.Triple(term, predicate, record.iri)] = None
            else:
                self.triples[ox.Triple(record.iri, predicate, term)] = None

    def _cell_problem(self, record: _Record, column: Column, reason: str) -> None:
        self._problem(record.table, record.row, column.header, reason, record.letters.get(column.header, ""))

    def _terms(self, record: _Record, column: Column, value: Cell) -> list[ox.NamedNode | ox.Literal] | None:
        """The RDF terms of one cell, or None after reporting why there are none."""
        kind = column.kind
        text = cell_text(value)
        assert text is not None
        if kind is Kind.LABEL:
            if self.language is None:
                return [ox.Literal(t) for t in self._texts(column, text)]
            return [ox.Literal(t, language=self.language) for t in self._texts(column, text)]
        if kind is Kind.TEXT:
            return [ox.Literal(t) for t in self._texts(column, text)]
        if kind is Kind.DATE:
            return self._date(record, column, value, text)
        if kind is Kind.INTEGER:
            return self._integer(record, column, value, text)
        if kind in (Kind.BOOLEAN, Kind.FLAG):
            flag = text.lower()
            if flag not in _YES | _NO:
                self._cell_problem(record, column, f"{text!r} is not yes or no")
                return None
            if kind is Kind.FLAG:
                return [ox.NamedNode(column.classes[0])] if flag in _YES else []
            return [ox.Literal("true" if flag in _YES else "false", datatype=_XSD_BOOLEAN)]
        if kind in (Kind.CHOICE, Kind.TYPE):
            return self._choices(record, column, text)
        if kind is Kind.REF:
            return self._refs(record, column, text)
        raise AssertionError(kind)

    def _texts(self, column: Column, text: str) -> list[str]:
        if not column.many:
            return [text]
        return [line.strip() for line in text.splitlines() if line.strip()]

    def _single(self, record: _Record, column: Column, items: list[str]) -> bool:
        if len(items) > 1 and not column.many:
            self._cell_problem(record, column, f"takes one value, found {len(items)}: {', '.join(items)}")
            return False
        return True

    def _date(self, record: _Record, column: Column, value: Cell, text: str) -> list[ox.NamedNode | ox.Literal] | None:
        if isinstance(value, dt.datetime):
            return [ox.Literal(value.date().isoformat(), datatype=_XSD_DATE)]
        if isinstance(value, dt.date):
            return [ox.Literal(value.isoformat(), datatype=_XSD_DATE)]
        found = _DATE.fullmatch(text)
        if found:
            try:
                day = dt.date.fromisoformat(found.group(1))
            except ValueError:
                self._cell_problem(record, column, f"{text!r} is not a date that exists")
                return None
            return [ox.Literal(day.isoformat(), datatype=_XSD_DATE)]
        self._cell_problem(record, column, f"{text!r} is not a date: write it as YYYY-MM-DD")
        return None

    def _integer(
        self, record: _Record, column: Column, value: Cell, text: str
    ) -> list[ox.NamedNode | ox.Literal] | None:
        number = _whole(value)
        if number is None:
            self._cell_problem(record, column, f"{text!r} is not a whole number")
            return None
        if column.scale is not None:
            scale_name = column.scale.rsplit("#", 1)[-1].removesuffix("ScaleMax")
            if column.minimum is not None and number < column.minimum:
                self._gap(record, column, f"{number} is below {column.minimum}, the bottom of the {scale_name} scale")
            for criteria, top in self.scales.get(column.scale, []):
                if number > top:
                    self._gap(
                        record,
                        column,
                        f"{number} is above {top}, the top of the {scale_name} scale in risk criteria {criteria!r}",
                    )
                    break
        elif column.minimum is not None and number < column.minimum:
            self._cell_problem(record, column, f"{number} is out of range: it must be at least {column.minimum}")
            return None
        return [_integer(number)]

    def _choices(self, record: _Record, column: Column, text: str) -> list[ox.NamedNode | ox.Literal] | None:
        items = [t.strip() for t in _SPLIT_CHOICES.split(text) if t.strip()]
        if not self._single(record, column, items):
            return None
        found: list[ox.NamedNode | ox.Literal] = []
        for item in items:
            iri = vocab.choice_for(column, item)
            if iri is None:
                allowed = ", ".join(vocab.label(v) for v in vocab.choices(column))
                self._cell_problem(record, column, f"{item!r} is not one of: {allowed}")
                return None
            found.append(ox.NamedNode(iri))
        return found

    def _refs(self, record: _Record, column: Column, text: str) -> list[ox.NamedNode | ox.Literal] | None:
        items = [t for t in _SPLIT_REFS.split(text) if t]
        if not self._single(record, column, items):
            return None
        found: list[ox.NamedNode | ox.Literal] = []
        ok = True
        for item in items:
            term = self._ref(record, column, item)
            if term is None:
                ok = False
            else:
                found.append(term)
        return found if ok else None

    def _target_sheets(self, column: Column) -> tuple[str, ...]:
        return tuple(s.key for s in SHEETS) if column.targets == ("*",) else column.targets

    def _ref(self, record: _Record, column: Column, item: str) -> ox.NamedNode | None:
        targets = self._target_sheets(column)
        for key in targets:
            iri = self.ids[key].get(item)
            if iri is not None:
                return iri
        if column.catalogue and looks_like_notation(item):
            notation = item[:1].upper() + item[1:]
            entry = vocab.catalogue_entries().get(notation)
            wanted = " or ".join(vocab.kind_name((c,)) for c in column.catalogue)
            if entry is None:
                reason = f"unknown notation {item!r}: the ISO/IEC 42001 catalogue has no such entry ({wanted})"
                self._gap(record, column, reason)
                return ox.NamedNode(vocab.minted_catalogue_iri(notation)) if self.allow_gaps else None
            if not entry.types & set(column.catalogue):
                self._cell_problem(
                    record, column, f"{notation} is {vocab.kind_name(entry.types)}; this column takes {wanted}"
                )
                return None
            return ox.NamedNode(entry.iri)
        if is_absolute_iri(item):
            try:
                return ox.NamedNode(item)
            except ValueError:
                self._cell_problem(record, column, f"{item!r} is not a valid IRI")
                return None
        self._cell_problem(record, column, self._dangling(column, targets, item))
        return None

    def _dangling(self, column: Column, targets: tuple[str, ...], item: str) -> str:
        where = ", ".join(repr(SHEETS_BY_KEY[k].title) for k in targets)
        elsewhere = [s.title for s in SHEETS if item in self.ids[s.key]]
        if elsewhere:
            return f"{item!r} is an id on sheet {elsewhere[0]!r}; this column takes ids from {where}"
        if column.catalogue:
            return f"no record with id {item!r} on {where}, and it is not a catalogue notation"
        if not targets:
            return f"{item!r} is not a catalogue notation"
        return f"no record with id {item!r} on {where}"


def _is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole(value: Cell) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_XSD_INTEGER)


# ---------------------------------------------------------------------------------------------- output


def serialize(result: ImportResult, rdf_format: ox.RdfFormat = ox.RdfFormat.TURTLE) -> bytes:
    """The imported records as RDF; Turtle gets the usual prefixes and the base as the empty prefix."""
    if rdf_format == ox.RdfFormat.TURTLE:
        used = _iris(result.triples)
        prefixes = {
            name: namespace
            for name, namespace in {**PREFIXES, "": result.base}.items()
            if any(iri.startswith(namespace) for iri in used)
        }
        return ox.serialize(result.triples, format=rdf_format, prefixes=prefixes) or b""
    if rdf_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        quads = [ox.Quad(t.subject, t.predicate, t.object) for t in result.triples]
        return ox.serialize(quads, format=rdf_format) or b""
    return ox.serialize(result.triples, format=rdf_format) or b""


def _iris(triples: Iterable[ox.Triple]) -> set[str]:
    """The distinct namespaces-to-be: every IRI and datatype, cut after its last / or #."""
    found: set[str] = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.Literal):
                term = term.datatype
            if isinstance(term, ox.NamedNode):
                iri = term.value
                found.add(iri[: max(iri.rfind("/"), iri.rfind("#")) + 1])
    return found


def replace_graph(store: Store, result: ImportResult, graph: str) -> int:
    """Put the records into one named graph, replacing what it held, all or nothing.

    The data goes into a fresh graph first (a failed load leaves the target untouched), then one SPARQL
    update moves it over the target, which replaces the target's content atomically.
    """
    target = checked_iri(graph)
    if not store.writable:
        raise UserInputError("this store takes no updates (an endpoint needs --update-endpoint): nothing imported")
    if not result.triples:
        with contextlib.suppress(NotFoundError):
            store.drop(target.value)
        return 0
    staging = checked_iri(f"{GRAPH_BASE}import/{uuid.uuid4().hex}")
    data = ox.serialize(result.triples, format=ox.RdfFormat.N_TRIPLES) or b""
    try:
        store.load_bytes(data, ox.RdfFormat.N_TRIPLES, staging.value, result.source)
        move = resources.internal_query("import/replace-graph.ru")
        store.update(move.replace("$from", str(staging)).replace("$to", str(target)))
    except AimsGraphError:
        with contextlib.suppress(AimsGraphError):
            store.drop(staging.value)
        raise
    return len(result.triples)
