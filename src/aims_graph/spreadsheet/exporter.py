"""Store -> workbook: the records of every sheet, read through queries/export/*.rq from any store.

Records are found by class (one query per class of a sheet), so the catalogue and the ontology in the same
store never end up in the sheets. Ids are written relative to one base IRI (the longest common prefix of the
records' IRIs, recorded on sheet Settings), so importing the workbook without --base gives back the same
IRIs. A cell holds only values that read back to exactly the same RDF term (a plain label stays plain,
a date stays an xsd:date); every other statement about a record (a property no column has, a second value
in a one-value column, a name in another language, a date-time in a date column) goes to the record's
"more" column, written so that it reads back exactly. The exporter then imports its own tables and
compares: the little that still cannot come back (a statement whose value is a blank node) is reported
rather than lost in silence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .. import resources
from ..answers import Rows
from ..catalogue import looks_like_notation
from ..namespaces import AIMS, ISO42001, XSD
from ..store import Store
from . import more, vocab
from .importer import Problem, WorkbookError, convert, is_absolute_iri
from .limits import DEFAULT_LIMITS
from .model import DEFAULT_BASE, DEFAULT_LANGUAGE, RDF_TYPE, SETTINGS_TITLE, SHEETS, SHEETS_BY_KEY, Column, Kind, Sheet
from .workbook import Cell, RawWorkbook, Table, settings_rows, write

_ID = re.compile(r"[A-Za-z0-9_~][A-Za-z0-9._~/-]*")
_XSD_STRING = XSD + "string"
_TYPE = ox.NamedNode(RDF_TYPE)
CELL_CHARS = DEFAULT_LIMITS.max_cell_chars
"""The most a cell holds: XLSX cuts longer text, and the importer refuses it by default."""
_REF_SEPARATOR = re.compile(r"[;,\s]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class WorkbookExport:
    """The sheets' rows, and what the workbook cannot carry back (each a line of text for people)."""

    rows: dict[str, list[list[Cell]]]
    base: str
    language: str | None
    """The language of names and descriptions; None when they are plain text."""
    records: int
    dropped: list[ox.Triple] = field(default_factory=list)
    """Triples of the store's records that the workbook does not reproduce."""
    added: list[ox.Triple] = field(default_factory=list)
    """Triples importing the workbook adds (such as a Role class a TopManagement role implies)."""
    problems: list[Problem] = field(default_factory=list)
    """What would stop the workbook from importing as it is (a reference to a record it lacks)."""
    blank_statements: int = 0
    """Statements about records without an IRI (blank nodes), which have no id to write."""

    def warnings(self, limit: int = 10) -> list[str]:
        lines: list[str] = []
        if self.blank_statements:
            count = self.blank_statements
            lines.append(
                f"{count} statement{'s' if count != 1 else ''} about records without an IRI (blank nodes) "
                "left out: a row needs an id"
            )
        for title, triples in (
            ("not carried by the workbook", self.dropped),
            ("added when the workbook is imported", self.added),
        ):
            if triples:
                lines.append(f"{len(triples)} triple{'s' if len(triples) != 1 else ''} {title}:")
                lines.extend(f"  {t}" for t in triples[:limit])
                if len(triples) > limit:
                    lines.append(f"  ... and {len(triples) - limit} more")
        if self.problems:
            lines.append(f"the workbook will not import as it is ({len(self.problems)} problems):")
            lines.extend(f"  {p}" for p in self.problems[:limit])
            if len(self.problems) > limit:
                lines.append(f"  ... and {len(self.problems) - limit} more")
        return lines


def export_workbook(store: Store, out: Path, fmt: str | None = None) -> None:
    """Write the AIMS records of ``store`` as an XLSX workbook (or, with fmt="csv", a folder of CSV files)."""
    write_export(build_export(store), out, fmt)


def write_export(export: WorkbookExport, out: Path, fmt: str | None = None) -> None:
    write(out, export.rows, export.base, export.language, fmt or "xlsx")


def build_export(store: Store) -> WorkbookExport:
    found = _Records(store)
    base = _common_base(found.all_iris())
    language = found.language()
    rows: dict[str, list[list[Cell]]] = {}
    carried: set[ox.Triple] = set()
    home: dict[str, tuple[str, int]] = {}
    """Record IRI -> (sheet key, row index) of the row whose "more" cell holds the rest of its statements."""
    context = _Context(base, language, {key: set(records) for key, records in found.by_sheet.items()})
    for sheet in SHEETS:
        records = found.by_sheet.get(sheet.key, {})
        ordered = sorted(records, key=lambda iri: _natural(_id_text(iri, base)))
        sheet_rows: list[list[Cell]] = []
        for iri in ordered:
            row, triples = _row(sheet, iri, records[iri], found.incoming, context)
            carried |= triples
            home.setdefault(iri, (sheet.key, len(sheet_rows)))
            sheet_rows.append(row)
        rows[sheet.key] = sheet_rows
    _fill_more(rows, home, found, carried, base)
    export = WorkbookExport(rows, base, language, sum(len(r) for r in rows.values()))
    export.blank_statements = found.blank_statements
    _compare(export, found.source_triples())
    return export


# ---------------------------------------------------------------------------------------------- reading


_REFERENCE = "https://w3id.org/aims-graph/"


def _excluded(iri: str) -> bool:
    """Reference data is never a record: the ontology's individuals, the ISO/IEC 42001 catalogue and every
    other catalogue or crosswalk aims-graph publishes live under its own namespace."""
    return iri.startswith((_REFERENCE, str(ISO42001), str(AIMS)))


class _Records:
    def __init__(self, store: Store) -> None:
        self.by_sheet: dict[str, dict[str, list[tuple[ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]]]] = {}
        self.incoming: dict[tuple[str, str], set[ox.NamedNode | ox.BlankNode]] = defaultdict(set)
        self.blank_statements = 0
        records_query = resources.internal_query("export/records.rq")
        incoming_query = resources.internal_query("export/incoming.rq")
        for sheet in SHEETS:
            records: dict[str, list[tuple[ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]]] = {}
            seen: set[tuple[str, ox.NamedNode, object]] = set()
            for cls in sheet.classes_to_export:
                result = store.query(records_query, bindings={"class": ox.NamedNode(cls)})
                assert isinstance(result, Rows)
                index = {name: i for i, name in enumerate(result.variables)}
                for row in result.rows:
                    record, prop, value = row[index["record"]], row[index["property"]], row[index["value"]]
                    if not isinstance(record, ox.NamedNode):
                        self.blank_statements += 1
                        continue
                    if _excluded(record.value) or not isinstance(prop, ox.NamedNode) or value is None:
                        continue
                    assert not isinstance(value, ox.Triple)
                    key = (record.value, prop, value)
                    if key in seen:
                        continue
                    seen.add(key)
                    records.setdefault(record.value, []).append((prop, value))
            for column in sheet.inverse_columns:
                assert column.predicate is not None
                for cls in sheet.classes_to_export:
                    result = store.query(
                        incoming_query,
                        bindings={"class": ox.NamedNode(cls), "property": ox.NamedNode(column.predicate)},
                    )
                    assert isinstance(result, Rows)
                    index = {name: i for i, name in enumerate(result.variables)}
                    for row in result.rows:
                        record, subject = row[index["record"]], row[index["subject"]]
                        if (
                            isinstance(record, ox.NamedNode)
                            and isinstance(subject, ox.NamedNode | ox.BlankNode)
                            and record.value in records
                        ):
                            self.incoming[(record.value, column.predicate)].add(subject)
            if records:
                self.by_sheet[sheet.key] = records

    def all_iris(self) -> set[str]:
        return {iri for records in self.by_sheet.values() for iri in records}

    def language(self) -> str | None:
        """The most common language of names and descriptions, None (no language tag) counting as one."""
        label_predicates = {
            c.predicate for s in SHEETS for c in s.columns if c.kind is Kind.LABEL and c.predicate is not None
        }
        counts: Counter[str | None] = Counter()
        for records in self.by_sheet.values():
            for statements in records.values():
                for prop, value in statements:
                    if prop.value not in label_predicates or not isinstance(value, ox.Literal):
                        continue
                    if value.language:
                        counts[value.language] += 1
                    elif value.datatype.value == _XSD_STRING:
                        counts[None] += 1
        if not counts:
            return DEFAULT_LANGUAGE
        return max(counts.items(), key=lambda item: (item[1], item[0] is None, item[0] or ""))[0]

    def statements(self) -> dict[str, set[tuple[ox.NamedNode, Term]]]:
        """Every statement about each record, whichever sheets it is on."""
        found: dict[str, set[tuple[ox.NamedNode, Term]]] = defaultdict(set)
        for records in self.by_sheet.values():
            for iri, statements in records.items():
                found[iri].update(statements)
        return found

    def source_triples(self) -> set[ox.Triple]:
        triples: set[ox.Triple] = set()
        for records in self.by_sheet.values():
            for iri, statements in records.items():
                subject = ox.NamedNode(iri)
                triples.update(ox.Triple(subject, p, v) for p, v in statements)
        for (iri, prop), subjects in self.incoming.items():
            triples.update(ox.Triple(s, ox.NamedNode(prop), ox.NamedNode(iri)) for s in subjects)
        return triples


def _common_base(iris: Iterable[str]) -> str:
    """The longest common prefix of the record IRIs, cut after its last / or #."""
    items = sorted(iris)
    if not items:
        return DEFAULT_BASE
    first, last = items[0], items[-1]
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    prefix = first[:size]
    cut = max(prefix.rfind("/"), prefix.rfind("#"))
    prefix = prefix[: cut + 1]
    # at least scheme://host/ so that ids stay readable; otherwise ids are written as full IRIs
    return prefix if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://[^/]+/", prefix) else DEFAULT_BASE


def _natural(text: str) -> list[tuple[int, int | str]]:
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part]


# ---------------------------------------------------------------------------------------------- cells


def _id_text(iri: str, base: str) -> str:
    if iri.startswith(base):
        local = iri[len(base) :]
        if _ID.fullmatch(local) and not is_absolute_iri(local):
            return local
    return iri


def _ref_text(term: ox.NamedNode | ox.BlankNode | ox.Literal, column: Column, base: str) -> str:
    if isinstance(term, ox.NamedNode):
        if column.catalogue:
            notation = vocab.notation_for(term.value)
            if notation is not None:
                return notation
        return _id_text(term.value, base)
    return term.value if isinstance(term, ox.Literal) else f"_:{term.value}"


def _literal_cell(term: ox.NamedNode | ox.BlankNode | ox.Literal, column: Column) -> Cell:
    if not isinstance(term, ox.Literal):
        return term.value
    datatype = term.datatype.value
    if column.kind is Kind.DATE and datatype == XSD + "date":
        try:
            return dt.date.fromisoformat(term.value)
        except ValueError:
            return term.value
    if column.kind is Kind.INTEGER and datatype == XSD + "integer":
        try:
            return int(term.value)
        except ValueError:
            return term.value
    if column.kind is Kind.BOOLEAN and datatype == XSD + "boolean":
        return {"true": "yes", "1": "yes", "false": "no", "0": "no"}.get(term.value, term.value)
    return term.value


@cache
def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@dataclass(frozen=True)
class _Context:
    base: str
    language: str | None
    records: dict[str, set[str]]
    """Sheet key -> the IRIs of its records (what an id in a reference column can name)."""

    def resolves(self, column: Column, term: ox.NamedNode, text: str) -> bool:
        """Whether the importer reads ``text`` in this reference column back as ``term``: an id of a record
        on one of the column's sheets, a notation of the right kind, or a full IRI."""
        if _REF_SEPARATOR.search(text):
            return False
        targets = tuple(self.records) if column.targets == ("*",) else column.targets
        if any(term.value in self.records.get(key, ()) for key in targets):
            return True
        if column.catalogue and looks_like_notation(text):
            entry = vocab.catalogue_entries().get(text)
            if entry is None:  # a notation the catalogue lacks: kept as written when gaps are allowed
                return vocab.minted_catalogue_iri(text) == term.value
            return entry.iri == term.value and bool(entry.types & set(column.catalogue))
        return text == term.value and is_absolute_iri(text)


def _row(
    sheet: Sheet,
    iri: str,
    statements: list[tuple[ox.NamedNode, Term]],
    incoming: dict[tuple[str, str], set[ox.NamedNode | ox.BlankNode]],
    context: _Context,
) -> tuple[list[Cell], set[ox.Triple]]:
    """The record's row, and the triples its cells give back exactly when imported."""
    subject = ox.NamedNode(iri)
    values: dict[str, list[Term]] = defaultdict(list)
    for prop, value in statements:
        values[prop.value].append(value)
    carried = {ox.Triple(subject, _TYPE, _node(cls)) for cls in sheet.types}
    row: list[Cell] = []
    for column in sheet.columns:
        if column.kind is Kind.ID:
            row.append(_id_text(iri, context.base))
            continue
        if column.kind is Kind.MORE:
            row.append(None)  # filled in once every sheet has said what it carries
            continue
        assert column.predicate is not None
        predicate = _node(column.predicate)
        if column.inverse:
            terms: list[Term] = list(incoming.get((iri, column.predicate), ()))
        else:
            terms = list(values.get(column.predicate, ()))
        cell, kept = _cell(column, terms, context)
        row.append(cell)
        for term in kept:
            if column.inverse:
                assert isinstance(term, ox.NamedNode)
                carried.add(ox.Triple(term, predicate, subject))
            else:
                carried.add(ox.Triple(subject, predicate, term))
    return row, carried


def _plain_text(value: str, many: bool) -> bool:
    """Text a cell gives back unchanged: the importer trims cells, splits many-valued ones into lines, and
    XLSX cannot hold control characters."""
    if not value or len(value) > CELL_CHARS or value != value.strip() or "\r" in value:
        return False
    if ILLEGAL_CHARACTERS_RE.search(value):
        return False
    return not many or value.splitlines() == [value]


def _fits(column: Column, term: Term, context: _Context) -> bool:
    """Whether the cell of this (non-reference) column gives back exactly this term."""
    kind = column.kind
    language = context.language
    if kind is Kind.CHOICE:
        return isinstance(term, ox.NamedNode) and term.value in vocab.choices(column)
    if not isinstance(term, ox.Literal):
        return False
    datatype = term.datatype.value
    if kind is Kind.LABEL:
        same = term.language == language if language else not term.language and datatype == _XSD_STRING
        return same and _plain_text(term.value, column.many)
    if kind is Kind.TEXT:
        return not term.language and datatype == _XSD_STRING and _plain_text(term.value, column.many)
    if kind is Kind.DATE:
        if datatype != XSD + "date" or not _DATE.fullmatch(term.value):
            return False
        try:
            dt.date.fromisoformat(term.value)
        except ValueError:
            return False
        return True
    if kind is Kind.INTEGER:
        if datatype != XSD + "integer" or not re.fullmatch(r"-?(?:0|[1-9]\d*)", term.value):
            return False
        below = column.minimum is not None and int(term.value) < column.minimum
        return column.scale is not None or not below  # off-scale values are gaps the importer can keep
    if kind is Kind.BOOLEAN:
        return datatype == XSD + "boolean" and term.value in ("true", "false")
    return False


def _cell(column: Column, terms: list[Term], context: _Context) -> tuple[Cell, list[Term]]:
    """The cell, and the terms it carries (the rest go to the record's "more" column)."""
    kind = column.kind
    if kind in (Kind.TYPE, Kind.FLAG):
        wanted = set(column.classes)
        chosen = sorted(t.value for t in terms if isinstance(t, ox.NamedNode) and t.value in wanted)
        if not chosen:
            return None, []
        cell = "yes" if kind is Kind.FLAG else vocab.label(chosen[0])
        return cell, [ox.NamedNode(chosen[0])]
    if kind is Kind.REF:
        texts = {}
        for term in terms:
            if isinstance(term, ox.NamedNode):
                text = _ref_text(term, column, context.base)
                if context.resolves(column, term, text):
                    texts[text] = term
        chosen_texts = sorted(texts, key=_natural) if column.many else sorted(texts, key=_natural)[:1]
        return ("; ".join(chosen_texts) or None), [texts[text] for text in chosen_texts]
    kept = [t for t in terms if _fits(column, t, context)]
    if not kept:
        return None, []
    if kind is Kind.CHOICE:
        labels = sorted((vocab.label(t.value), t) for t in kept if isinstance(t, ox.NamedNode))
        chosen_labels = labels if column.many else labels[:1]
        return "; ".join(label for label, _ in chosen_labels), [t for _, t in chosen_labels]
    kept = sorted(kept, key=str)
    if column.many and kind is Kind.TEXT:
        lines: list[Term] = []
        size = -1
        for term in kept:
            if size + 1 + len(term.value) <= CELL_CHARS:
                lines.append(term)
                size += 1 + len(term.value)
        return "\n".join(t.value for t in lines), lines
    return _literal_cell(kept[0], column), kept[:1]


def _fill_more(
    rows: dict[str, list[list[Cell]]],
    home: dict[str, tuple[str, int]],
    found: _Records,
    carried: set[ox.Triple],
    base: str,
) -> None:
    """Each record's statements that no cell carries, in its "more" cell (on the first sheet it is on)."""
    statements = found.statements()
    for iri, (key, index) in home.items():
        sheet = SHEETS_BY_KEY[key]
        position = next((i for i, c in enumerate(sheet.columns) if c.kind is Kind.MORE), None)
        if position is None:
            continue
        subject = ox.NamedNode(iri)
        rest: list[more.Statement] = [
            (prop, value)
            for prop, value in statements.get(iri, ())
            if isinstance(value, ox.NamedNode | ox.Literal) and ox.Triple(subject, prop, value) not in carried
        ]
        lines: list[str] = []
        size = -1
        for line in more.statement_lines(rest, base):
            if size + 1 + len(line) <= CELL_CHARS:  # what does not fit is reported as not carried
                lines.append(line)
                size += 1 + len(line)
        rows[key][index][position] = "\n".join(lines) or None


# ---------------------------------------------------------------------------------------------- checking


def _compare(export: WorkbookExport, source: set[ox.Triple]) -> None:
    """Import the tables just built and compare with what the store holds."""
    tables = [Table(sheet.title, tuple(c.header for c in sheet.columns)) for sheet in SHEETS]
    for table, sheet in zip(tables, SHEETS, strict=True):
        table.rows = [(number, tuple(row)) for number, row in enumerate(export.rows[sheet.key], start=2)]
    settings = Table(SETTINGS_TITLE, ("setting", "value"))
    settings.rows = [(n, tuple(r)) for n, r in enumerate(settings_rows(export.base, export.language), start=2)]
    raw = RawWorkbook("export", [settings, *tables], spreadsheet=False)
    try:
        result = convert(raw, allow_gaps=True)
    except WorkbookError as exc:
        export.problems = exc.problems
        return
    back = set(result.triples)
    key = _triple_key
    export.dropped = sorted(source - back, key=key)
    export.added = sorted(back - source, key=key)


def _triple_key(triple: ox.Triple) -> tuple[str, str, str]:
    return (str(triple.subject), str(triple.predicate), str(triple.object))
