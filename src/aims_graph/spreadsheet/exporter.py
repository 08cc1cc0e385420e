"""Store -> workbook: the records of every sheet, read through queries/export/*.rq from any store.

Records are found by class (one query per class of a sheet), so the catalogue and the ontology in the same
store never end up in the sheets. Ids are written relative to one base IRI (the longest common prefix of the
records' IRIs, recorded on sheet Settings), so importing the workbook without --base gives back the same
IRIs. The exporter then imports its own tables and compares: whatever would not come back identically
(a property no sheet has, a second value in a one-value column, a label in another language) is reported
rather than lost in silence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .. import resources
from ..answers import Rows
from ..namespaces import AIMS, ISO42001
from ..store import Store
from . import vocab
from .importer import Problem, WorkbookError, convert, is_absolute_iri
from .model import DEFAULT_BASE, DEFAULT_LANGUAGE, SETTINGS_TITLE, SHEETS, Column, Kind, Sheet
from .workbook import Cell, RawWorkbook, Table, settings_rows, write

_ID = re.compile(r"[A-Za-z0-9_~][A-Za-z0-9._~/-]*")
_XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass
class WorkbookExport:
    """The sheets' rows, and what the workbook cannot carry back (each a line of text for people)."""

    rows: dict[str, list[list[Cell]]]
    base: str
    language: str
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
    for sheet in SHEETS:
        records = found.by_sheet.get(sheet.key, {})
        ordered = sorted(records, key=lambda iri: _natural(_id_text(iri, base)))
        rows[sheet.key] = [_row(sheet, iri, records[iri], found.incoming, base, language) for iri in ordered]
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

    def language(self) -> str:
        """The most common language of names and descriptions."""
        label_predicates = {
            c.predicate for s in SHEETS for c in s.columns if c.kind is Kind.LABEL and c.predicate is not None
        }
        counts: Counter[str] = Counter()
        for records in self.by_sheet.values():
            for statements in records.values():
                for prop, value in statements:
                    if prop.value in label_predicates and isinstance(value, ox.Literal) and value.language:
                        counts[value.language] += 1
        return counts.most_common(1)[0][0] if counts else DEFAULT_LANGUAGE

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
    if column.kind is Kind.DATE and datatype == _XSD + "date":
        try:
            return dt.date.fromisoformat(term.value)
        except ValueError:
            return term.value
    if column.kind is Kind.INTEGER and datatype == _XSD + "integer":
        try:
            return int(term.value)
        except ValueError:
            return term.value
    if column.kind is Kind.BOOLEAN and datatype == _XSD + "boolean":
        return {"true": "yes", "1": "yes", "false": "no", "0": "no"}.get(term.value, term.value)
    return term.value


def _row(
    sheet: Sheet,
    iri: str,
    statements: list[tuple[ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]],
    incoming: dict[tuple[str, str], set[ox.NamedNode | ox.BlankNode]],
    base: str,
    language: str,
) -> list[Cell]:
    values: dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]] = defaultdict(list)
    for prop, value in statements:
        values[prop.value].append(value)
    row: list[Cell] = []
    for column in sheet.columns:
        if column.kind is Kind.ID:
            row.append(_id_text(iri, base))
            continue
        assert column.predicate is not None
        if column.inverse:
            terms: list[ox.NamedNode | ox.BlankNode | ox.Literal] = list(incoming.get((iri, column.predicate), ()))
        else:
            terms = list(values.get(column.predicate, ()))
        row.append(_cell(column, terms, base, language))
    return row


def _cell(column: Column, terms: list[ox.NamedNode | ox.BlankNode | ox.Literal], base: str, language: str) -> Cell:
    kind = column.kind
    if kind in (Kind.TYPE, Kind.FLAG):
        wanted = set(column.classes)
        chosen = sorted(t.value for t in terms if isinstance(t, ox.NamedNode) and t.value in wanted)
        if kind is Kind.FLAG:
            return "yes" if chosen else None
        return vocab.label(chosen[0]) if chosen else None
    if not terms:
        return None
    if kind is Kind.REF:
        texts = sorted({_ref_text(t, column, base) for t in terms}, key=_natural)
        return "; ".join(texts) if column.many else texts[0]
    if kind is Kind.CHOICE:
        allowed = set(vocab.choices(column))
        texts = sorted(
            vocab.label(t.value) if isinstance(t, ox.NamedNode) and t.value in allowed else t.value for t in terms
        )
        return "; ".join(texts) if column.many else texts[0]
    if kind is Kind.LABEL:
        # the value in the workbook's language first; any other one is reported as not carried
        terms = sorted(terms, key=lambda t: (not (isinstance(t, ox.Literal) and t.language == language), str(t)))
    else:
        terms = sorted(terms, key=str)
    if column.many and kind is Kind.TEXT:
        return "\n".join(t.value for t in terms)
    return _literal_cell(terms[0], column)


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
