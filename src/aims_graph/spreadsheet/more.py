"""The "more" column: any statement about a record that no other column carries, one per line.

A line is ``property = value``. The property is a prefixed name (``rdfs:seeAlso``, prefixes as everywhere
in aims-graph) or a full IRI in ``<...>``. The value is written the way RDF people write terms: ``<IRI>``,
a prefixed name, ``:id`` for a record under the workbook's base IRI, or a quoted literal with its language
(``"Système"@fr``) or datatype (``"2026-03-01T10:00:00"^^xsd:dateTime``); ``42``, ``1.5``, ``true`` and
``false`` are numbers and booleans, and any other text is plain text. The exporter writes every value in
the quoted or bracketed form, so that what it writes reads back to exactly the same term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from ..namespaces import PREFIXES, XSD

_XSD_STRING = XSD + "string"
_LOCAL = re.compile(r"[A-Za-z0-9_~][A-Za-z0-9._~/-]*")
_PREFIXED = re.compile(r"([A-Za-z][A-Za-z0-9_.-]*)?:(.*)")
_BARE_IRI = re.compile(r"(?:https?://|urn:)\S+")
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d*\.\d+")
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_WRITTEN = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}

Term = ox.NamedNode | ox.Literal
Statement = tuple[ox.NamedNode, Term]


class StatementError(ValueError):
    """One line of a "more" cell that is not a statement."""


# ---------------------------------------------------------------------------------------------- writing


def _short(iri: str, base: str) -> str:
    if base and iri.startswith(base) and _LOCAL.fullmatch(iri[len(base) :]):
        return ":" + iri[len(base) :]
    best: tuple[int, str] | None = None
    for prefix, namespace in PREFIXES.items():
        fits = iri.startswith(namespace) and _LOCAL.fullmatch(iri[len(namespace) :])
        if fits and (best is None or len(namespace) > best[0]):
            best = (len(namespace), f"{prefix}:{iri[len(namespace) :]}")
    return best[1] if best else f"<{iri}>"


def _quoted(text: str) -> str:
    out = []
    for char in text:
        if char in _WRITTEN:
            out.append(_WRITTEN[char])
        elif ord(char) < 0x20 or char in "\x7f\ufffe\uffff":
            out.append(f"\\u{ord(char):04X}")  # a spreadsheet cell cannot hold these
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def write_term(term: Term, base: str) -> str:
    if isinstance(term, ox.NamedNode):
        return _short(term.value, base)
    text = _quoted(term.value)
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype.value != _XSD_STRING:
        return f"{text}^^{_short(term.datatype.value, '')}"
    return text


def statement_lines(statements: Iterable[Statement], base: str) -> list[str]:
    """One line per statement, sorted."""
    return sorted({f"{_short(p.value, '')} = {write_term(v, base)}" for p, v in statements})


def write_statements(statements: Iterable[Statement], base: str) -> str | None:
    """The cell text for these statements (sorted, one per line), or None when there are none."""
    return "\n".join(statement_lines(statements, base)) or None


# ---------------------------------------------------------------------------------------------- reading


def _iri(text: str, base: str, what: str) -> ox.NamedNode:
    if text.startswith("<"):
        if not text.endswith(">"):
            raise StatementError(f"{what} {text!r} opens < but does not close it with >")
        text = text[1:-1]
    elif text.startswith("_:"):
        raise StatementError(f"{what} {text!r} is a blank node, which has no name a workbook can keep")
    elif not _BARE_IRI.fullmatch(text):
        found = _PREFIXED.fullmatch(text)
        if found is None:
            raise StatementError(f"{what} {text!r} is neither a prefixed name (rdfs:label) nor an IRI in <...>")
        prefix, local = found.group(1) or "", found.group(2)
        namespace = base if prefix == "" else PREFIXES.get(prefix)
        if namespace is None:
            raise StatementError(
                f"unknown prefix {prefix!r} in {text!r}; known: {', '.join(PREFIXES)} (write a full IRI in <...>, "
                'and text in "quotes")'
            )
        if not _LOCAL.fullmatch(local):
            raise StatementError(f"{what} {text!r}: {local!r} is not a usable name after the prefix")
        text = namespace + local
    try:
        return ox.NamedNode(text)
    except ValueError:
        raise StatementError(f"{what} {text!r} is not a valid IRI") from None


def _string(text: str) -> tuple[str, str]:
    """The quoted string at the start of ``text`` (which starts with a quote) and what follows it."""
    out: list[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(out), text[index + 1 :]
        if char == "\\":
            code = text[index + 1 : index + 2]
            if code in _ESCAPES:
                out.append(_ESCAPES[code])
                index += 2
                continue
            width = {"u": 4, "U": 8}.get(code)
            digits = text[index + 2 : index + 2 + width] if width else ""
            if not width or not re.fullmatch(r"[0-9A-Fa-f]+", digits) or len(digits) != width:
                raise StatementError(f"unknown escape \\{code} in a quoted value (use \\\\ for a backslash)")
            try:
                out.append(chr(int(digits, 16)))
            except ValueError:
                raise StatementError(f"\\{code}{digits} is not a character") from None
            index += 2 + width
            continue
        out.append(char)
        index += 1
    raise StatementError('a quoted value without its closing "')


def read_term(text: str, base: str) -> Term:
    text = text.strip()
    if not text:
        raise StatementError("no value after =")
    if text.startswith('"'):
        value, rest = _string(text)
        rest = rest.strip()
        if not rest:
            return ox.Literal(value)
        if rest.startswith("@"):
            if not _LANGUAGE.fullmatch(rest[1:]):
                raise StatementError(f"{rest[1:]!r} is not a language tag such as en or fr-CA")
            return ox.Literal(value, language=rest[1:])
        if rest.startswith("^^"):
            return ox.Literal(value, datatype=_iri(rest[2:].strip(), base, "datatype"))
        raise StatementError(f"unexpected {rest!r} after the quoted value (a language @en or a datatype ^^xsd:date)")
    if text.startswith(("<", "_:")) or _BARE_IRI.fullmatch(text):
        return _iri(text, base, "value")
    if _INTEGER.fullmatch(text):
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "integer"))
    if _DECIMAL.fullmatch(text):
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))
    if text in ("true", "false"):
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "boolean"))
    if _PREFIXED.fullmatch(text) and " " not in text:
        return _iri(text, base, "value")
    return ox.Literal(text)


def read_statement(line: str, base: str) -> Statement:
    if line.startswith("<"):
        end = line.find(">")
        if end < 0:
            raise StatementError(f"the property {line!r} opens < but does not close it with >")
        prop, rest = line[: end + 1], line[end + 1 :].lstrip()
        if not rest.startswith("="):
            raise StatementError("expected = after the property")
        value = rest[1:]
    else:
        prop, sep, value = line.partition("=")
        if not sep:
            raise StatementError(f"{line!r} is not property = value")
    return _iri(prop.strip(), "", "property"), read_term(value, base)


def read_statements(text: str, base: str) -> tuple[list[Statement], list[tuple[int, str]]]:
    """The statements of a cell, and (line number, reason) for every line that is not one."""
    found: list[Statement] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            found.append(read_statement(line, base))
        except StatementError as exc:
            problems.append((number, str(exc)))
    return found, problems
