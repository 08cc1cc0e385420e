"""The sheets of the AIMS workbook: the types that describe them, and the loader of ``sheets.toml``.

The sheets themselves are data (``sheets.toml`` in this package, read once at import): the template, the
importer, the exporter and the README sheet are all driven by that table, so a column added there appears
everywhere at once. The loader checks the file completely, so a mistake in it is one error naming the sheet
and column, never a confusing failure later in an import.

Each sheet holds one kind of record (one row = one record, whose IRI is minted from its id). Each column
maps to one property of the data contract. Child records point at their parent (an SoA entry names its
statement, an impact names its assessment): those columns are ``inverse`` and produce the parent's triple.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from importlib import resources as package_files
from pathlib import Path
from typing import Any

from ..errors import AimsGraphError
from ..namespaces import AIMS, RDF, RDFS

RDF_TYPE = RDF + "type"

LABEL = RDFS + "label"
COMMENT = RDFS + "comment"


def aims(name: str) -> str:
    return str(AIMS) + name


class Kind(Enum):
    ID = "id"
    TEXT = "text"
    """Plain text (xsd:string)."""
    LABEL = "label"
    """Text in the workbook's language (rdfs:label, rdfs:comment)."""
    DATE = "date"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    """One of a closed list of named values (an IRI of the ontology)."""
    TYPE = "type"
    """A choice whose value is the record's class."""
    FLAG = "flag"
    """yes/no: yes adds one more class to the record."""
    REF = "ref"
    """Ids of other records, or catalogue notations (A.6.2.4, 6.1.3, C.3.4) where the column allows them."""
    MORE = "more"
    """Any further statements about the record, one ``property = value`` per line (no predicate of its own)."""


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    help: str
    predicate: str | None = None
    required: bool = False
    many: bool = False
    inverse: bool = False
    """The triple runs from the referenced record to this row's record (parent -> child)."""
    targets: tuple[str, ...] = ()
    """Sheet keys whose ids the column may name; ("*",) means any sheet."""
    catalogue: tuple[str, ...] = ()
    """Catalogue classes whose notations the column accepts."""
    enumeration: str | None = None
    """For CHOICE: the ontology class whose owl:oneOf lists the values."""
    classes: tuple[str, ...] = ()
    """For TYPE: the classes to choose from; for FLAG: the class that "yes" adds."""
    minimum: int | None = None
    scale: str | None = None
    """For INTEGER: the risk criteria property (likelihoodScaleMax ...) that bounds the value."""
    product_of: tuple[str, str] | None = None
    """For INTEGER: when blank, the product of these two columns of the row."""
    example: object = None


@dataclass(frozen=True)
class Sheet:
    key: str
    """File name of the CSV variant, and a stable name for code and tests."""
    title: str
    """The tab name in the workbook (at most 31 characters)."""
    help: str
    columns: tuple[Column, ...]
    types: tuple[str, ...] = ()
    """Classes every record of the sheet gets."""
    export_classes: tuple[str, ...] = ()
    """Classes whose instances the exporter puts on this sheet (default: ``types``)."""
    shares_ids: bool = False
    """Ids may repeat ids of other sheets (the same resource is also this kind of record)."""
    default_id: tuple[str, str] | None = None
    """(prefix, header): a blank id is minted as prefix + the dashed value of that column."""
    inverse_columns: tuple[Column, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "inverse_columns", tuple(c for c in self.columns if c.inverse))

    @property
    def classes_to_export(self) -> tuple[str, ...]:
        return self.export_classes or self.types

    def column(self, header: str) -> Column:
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(header)


SETTINGS_TITLE = "Settings"
README_TITLE = "README"
SETTING_BASE = "base IRI"
SETTING_LANGUAGE = "language"
DEFAULT_BASE = "https://example.org/aims/"
DEFAULT_LANGUAGE = "en"
NO_LANGUAGE = "none"
"""The Settings language that means: names and descriptions are plain text, without a language tag."""

SEPARATORS = "; or ,"


# ---------------------------------------------------------------------------------------------- loading


class SchemaError(AimsGraphError):
    """The packaged sheet description is broken: a fault of aims-graph itself, never of the user's data."""


_SHEET_FIELDS = {"key", "title", "help", "types", "export_classes", "shares_ids", "default_id", "columns"}
_COLUMN_FIELDS = {
    "header",
    "kind",
    "help",
    "predicate",
    "required",
    "many",
    "inverse",
    "targets",
    "catalogue",
    "enumeration",
    "classes",
    "minimum",
    "scale",
    "product_of",
    "example",
}
_COLUMN_EXTRAS = {"use", "what"}
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_PLACEHOLDER = re.compile(r"\{(what|example)\}")


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


class _Loader:
    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        self.prefixes: dict[str, str] = {}
        self.where = ""
        self.trailing: list[dict[str, Any]] = []

    def fail(self, reason: str) -> SchemaError:
        return SchemaError(f"{self.source}: {self.where}{': ' if self.where else ''}{reason}")

    def table(self, value: object, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"{what} must be a table")
        return value

    def iri(self, text: object, name: str) -> str:
        if not isinstance(text, str) or ":" not in text:
            raise self.fail(f"{name} must be a prefixed name such as aims:Risk, not {text!r}")
        prefix, local = text.split(":", 1)
        namespace = self.prefixes.get(prefix)
        if namespace is None:
            raise self.fail(f"{name} {text!r} uses the undeclared prefix {prefix!r} (see [prefixes])")
        return namespace + local

    def iris(self, value: object, name: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(f"{name} must be a list of prefixed names")
        return tuple(self.iri(item, name) for item in value)

    def text(self, value: object, name: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{name} must be a non-empty string")
        return value

    def strings(self, value: object, name: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"{name} must be a list of strings")
        return tuple(value)

    def flag(self, value: object, name: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(f"{name} must be true or false")
        return value

    def load(self) -> tuple[Sheet, ...]:
        unknown = set(self.data) - {"prefixes", "workbook", "kinds", "patterns", "sheets"}
        if unknown:
            raise self.fail(f"unknown top-level entries: {', '.join(sorted(unknown))}")
        prefixes = self.table(self.data.get("prefixes", {}), "[prefixes]")
        for name, namespace in prefixes.items():
            self.prefixes[name] = self.text(namespace, f"prefix {name}")
        kinds = self.table(self.data.get("kinds", {}), "[kinds]")
        for name, defaults in kinds.items():
            self.where = f"[kinds.{name}]"
            self._kind(name)
            self._fields(self.table(defaults, "the defaults of a kind"), _COLUMN_FIELDS - {"header", "kind"})
        patterns = self.table(self.data.get("patterns", {}), "[patterns]")
        for name, pattern in patterns.items():
            self.where = f"[patterns.{name}]"
            self._fields(self.table(pattern, "a pattern"), _COLUMN_FIELDS)
        self.where = "[workbook]"
        workbook = self.table(self.data.get("workbook", {}), "[workbook]")
        self._fields(workbook, {"trailing_columns"})
        trailing = self.strings(workbook.get("trailing_columns", []), "trailing_columns")
        for name in trailing:
            if name not in patterns:
                raise self.fail(f"trailing_columns names the unknown pattern {name!r}")
        self.trailing = [{"use": name} for name in trailing]
        sheets_data = self.data.get("sheets")
        if not isinstance(sheets_data, list) or not sheets_data:
            self.where = ""
            raise self.fail("no [[sheets]]")
        sheets = tuple(
            self._sheet(index, self.table(s, "a sheet"), kinds, patterns) for index, s in enumerate(sheets_data)
        )
        self._check_workbook(sheets)
        return sheets

    def _fields(self, entry: Mapping[str, Any], allowed: set[str]) -> None:
        unknown = set(entry) - allowed
        if unknown:
            raise self.fail(f"unknown fields: {', '.join(sorted(unknown))} (known: {', '.join(sorted(allowed))})")

    def _kind(self, name: object) -> Kind:
        try:
            return Kind(name)
        except ValueError:
            known = ", ".join(k.value for k in Kind)
            raise self.fail(f"unknown kind {name!r} (known: {known})") from None

    def _sheet(
        self, index: int, entry: Mapping[str, Any], kinds: Mapping[str, Any], patterns: Mapping[str, Any]
    ) -> Sheet:
        self.where = f"sheet #{index + 1}"
        key = self.text(entry.get("key"), "key")
        self.where = f"sheet {key!r}"
        self._fields(entry, _SHEET_FIELDS)
        title = self.text(entry.get("title"), "title")
        if len(title) > 31 or _BAD_TITLE.search(title):
            raise self.fail(f"title {title!r} is not a usable tab name (at most 31 characters, none of []:*?/\\)")
        columns_data = entry.get("columns")
        if not isinstance(columns_data, list) or not columns_data:
            raise self.fail("a sheet needs [[sheets.columns]]")
        columns_data = [*columns_data, *self.trailing]
        columns = tuple(
            self._column(key, index, self.table(c, "a column"), kinds, patterns) for index, c in enumerate(columns_data)
        )
        self.where = f"sheet {key!r}"
        default_id: tuple[str, str] | None = None
        if "default_id" in entry:
            spec = self.table(entry["default_id"], "default_id")
            self._fields(spec, {"prefix", "column"})
            default_id = (
                self.text(spec.get("prefix"), "default_id.prefix"),
                self.text(spec.get("column"), "default_id.column"),
            )
        sheet = Sheet(
            key=key,
            title=title,
            help=self.text(entry.get("help"), "help"),
            columns=columns,
            types=self.iris(entry.get("types", []), "types"),
            export_classes=self.iris(entry.get("export_classes", []), "export_classes"),
            shares_ids=self.flag(entry.get("shares_ids", False), "shares_ids"),
            default_id=default_id,
        )
        self._check_sheet(sheet)
        return sheet

    def _column(
        self, sheet: str, index: int, entry: Mapping[str, Any], kinds: Mapping[str, Any], patterns: Mapping[str, Any]
    ) -> Column:
        named = entry.get("header", entry.get("use"))
        self.where = f"sheet {sheet!r}, column " + (repr(named) if isinstance(named, str) else f"#{index + 1}")
        self._fields(entry, _COLUMN_FIELDS | _COLUMN_EXTRAS)
        merged: dict[str, Any] = {}
        use = entry.get("use")
        if use is not None:
            if use not in patterns:
                raise self.fail(f"unknown pattern {use!r} (known: {', '.join(sorted(patterns))})")
            merged.update(patterns[use])
        merged.update({k: v for k, v in entry.items() if k not in _COLUMN_EXTRAS})
        header = self.text(merged.get("header"), "header")
        self.where = f"sheet {sheet!r}, column {header!r}"
        kind = self._kind(merged.get("kind"))
        merged = {**kinds.get(kind.value, {}), **merged}
        words = {"what": entry.get("what"), "example": merged.get("example")}

        def fill(text: str) -> str:
            def word(found: re.Match[str]) -> str:
                value = words[found.group(1)]
                if value is None:
                    raise self.fail(f"the pattern's text needs {found.group(1)!r}, which the column does not give")
                return str(value)

            return _PLACEHOLDER.sub(word, text)

        example = merged.get("example")
        if example is not None and (isinstance(example, bool) or not isinstance(example, str | int)):
            raise self.fail("example must be a string or a whole number")
        product = merged.get("product_of")
        if product is not None and (
            not isinstance(product, list) or len(product) != 2 or not all(isinstance(p, str) for p in product)
        ):
            raise self.fail("product_of must name two columns")
        minimum = merged.get("minimum")
        if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, int)):
            raise self.fail("minimum must be a whole number")
        return Column(
            header=header,
            kind=kind,
            help=fill(self.text(merged.get("help"), "help")),
            predicate=self.iri(merged["predicate"], "predicate") if "predicate" in merged else None,
            required=self.flag(merged.get("required", False), "required"),
            many=self.flag(merged.get("many", False), "many"),
            inverse=self.flag(merged.get("inverse", False), "inverse"),
            targets=self.strings(merged.get("targets", []), "targets"),
            catalogue=self.iris(merged.get("catalogue", []), "catalogue"),
            enumeration=self.iri(merged["enumeration"], "enumeration") if "enumeration" in merged else None,
            classes=self.iris(merged.get("classes", []), "classes"),
            minimum=minimum,
            scale=self.iri(merged["scale"], "scale") if "scale" in merged else None,
            product_of=(product[0], product[1]) if product is not None else None,
            example=fill(example) if isinstance(example, str) else example,
        )

    def _check_sheet(self, sheet: Sheet) -> None:
        if sheet.columns[0].kind is not Kind.ID:
            raise self.fail('the first column must be the id (kind = "id")')
        seen: set[str] = set()
        headers = {c.header for c in sheet.columns}
        for column in sheet.columns:
            self.where = f"sheet {sheet.key!r}, column {column.header!r}"
            name = _normal(column.header)
            if name in seen:
                raise self.fail("a second column with this header (headers are matched ignoring case and spacing)")
            seen.add(name)
            needs_predicate = column.kind not in (Kind.ID, Kind.MORE)
            if needs_predicate and column.predicate is None:
                raise self.fail(f"a {column.kind.value} column needs a predicate")
            if not needs_predicate and column.predicate is not None:
                raise self.fail(f"a {column.kind.value} column has no predicate")
            if column.kind is Kind.REF and not (column.targets or column.catalogue):
                raise self.fail("a ref column needs targets or catalogue")
            if column.kind is not Kind.REF and (column.targets or column.catalogue or column.inverse):
                raise self.fail("targets, catalogue and inverse are for ref columns")
            if column.inverse and not column.required:
                raise self.fail("an inverse column must be required (the row's record is a child of that parent)")
            if column.kind is Kind.CHOICE and column.enumeration is None:
                raise self.fail("a choice column needs an enumeration")
            if column.kind in (Kind.TYPE, Kind.FLAG) and not column.classes:
                raise self.fail(f"a {column.kind.value} column needs classes")
            if column.kind is Kind.FLAG and len(column.classes) != 1:
                raise self.fail("a flag column adds exactly one class")
            if column.product_of is not None and not set(column.product_of) <= headers:
                raise self.fail(f"product_of names columns the sheet lacks: {', '.join(column.product_of)}")
        self.where = f"sheet {sheet.key!r}"
        if sum(c.kind is Kind.MORE for c in sheet.columns) > 1:
            raise self.fail("a sheet has at most one more column")
        if sheet.default_id is not None and sheet.default_id[1] not in headers:
            raise self.fail(f"default_id names the column {sheet.default_id[1]!r}, which the sheet lacks")
        if not sheet.classes_to_export:
            raise self.fail("a sheet needs types or export_classes (the classes of its records)")

    def _check_workbook(self, sheets: tuple[Sheet, ...]) -> None:
        keys: set[str] = set()
        titles: set[str] = set()
        for sheet in sheets:
            self.where = f"sheet {sheet.key!r}"
            if sheet.key in keys or _normal(sheet.title) in titles:
                raise self.fail("a second sheet with this key or title")
            keys.add(sheet.key)
            titles.add(_normal(sheet.title))
        for sheet in sheets:
            for column in sheet.columns:
                self.where = f"sheet {sheet.key!r}, column {column.header!r}"
                unknown = [t for t in column.targets if t != "*" and t not in keys]
                if unknown:
                    raise self.fail(f"targets name sheets that do not exist: {', '.join(unknown)}")


SCHEMA_FILE = "sheets.toml"


def load_sheets(path: Path | None = None) -> tuple[Sheet, ...]:
    """The sheets described by ``path`` (default: the packaged ``sheets.toml``), checked in full."""
    if path is None:
        source = package_files.files(__package__).joinpath(SCHEMA_FILE)
        name = f"{__package__}/{SCHEMA_FILE}"
    else:
        source, name = path, str(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{name}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise SchemaError(f"{name}: cannot read the sheet description ({exc.strerror or exc})") from None
    return _Loader(data, name).load()


SHEETS: tuple[Sheet, ...] = load_sheets()

SHEETS_BY_KEY: dict[str, Sheet] = {sheet.key: sheet for sheet in SHEETS}
