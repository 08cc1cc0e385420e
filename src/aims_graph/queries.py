"""Named SPARQL queries (queries/*.rq) with typed, safely bound parameters.

Each file describes itself in a header (``#+ summary``, ``#+ params``, ``#+ returns``). Parameter values are
turned into RDF terms and bound as terms (pyoxigraph substitutions, or a VALUES block on remote stores); no
user text is ever pasted into the query, so no value can change the query's shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from . import catalogue, resources
from .answers import Rows, Term
from .errors import ParameterError
from .namespaces import PREFIXES, XSD
from .store import Queryable

PARAM_KINDS = ("iri", "string", "integer", "decimal", "boolean", "date")
_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s*\((\w+)\)$")
_CURIE = re.compile(r"^([A-Za-z][\w.-]*)?:([^\s<>\"{}|^`\\]*)$")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    summary: str
    params: tuple[Param, ...]
    returns: tuple[str, ...]
    text: str


def parse_header(name: str, text: str) -> NamedQuery:
    """Read the self-description at the top of a .rq file."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        found = _HEADER.match(line.strip())
        if found:
            fields[found.group(1)] = found.group(2).strip()
    params: list[Param] = []
    declared = fields.get("params", "none")
    if declared and declared != "none":
        for chunk in declared.split(","):
            found = _PARAM.match(chunk.strip())
            if not found or found.group(2) not in PARAM_KINDS:
                raise ValueError(f"{name}.rq: bad parameter declaration {chunk.strip()!r}")
            params.append(Param(found.group(1), found.group(2)))
    returns = tuple(v.strip() for v in fields.get("returns", "").split(",") if v.strip())
    return NamedQuery(name, fields.get("summary", ""), tuple(params), returns, text)


@cache
def named_queries() -> dict[str, NamedQuery]:
    """The catalogue of named queries, by name."""
    return {
        name: parse_header(name, resources.query_file(name).read_text(encoding="utf-8"))
        for name in resources.query_names()
    }


def get_query(name: str) -> NamedQuery:
    found = named_queries().get(name)
    if found is None:
        resources.query_file(name)  # raises UnknownQueryError listing the known ones
        raise AssertionError(f"{name}.rq exists but is not in the catalogue")  # pragma: no cover
    return found


def parse_iri(raw: str) -> ox.NamedNode:
    """An IRI from what a user typed: <iri>, an absolute IRI, a CURIE with a known prefix, or a notation."""
    text = raw.strip()
    if catalogue.looks_like_notation(text):
        node = catalogue.resolve_notation(text)
        if node is None:
            raise ParameterError(f"no catalogue entry has the notation {text!r}")
        return node
    other = catalogue.framework_notation_index().get(text)
    if other is not None:
        return other
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    found = _CURIE.match(text)
    if found and found.group(1) in PREFIXES and not text.startswith(("http:", "https:", "urn:")):
        text = PREFIXES[found.group(1)] + found.group(2)
    elif not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
        known = ", ".join(sorted(PREFIXES))
        raise ParameterError(f"{raw!r} is not an IRI, a CURIE with a known prefix ({known}) or a notation")
    try:
        return ox.NamedNode(text)
    except ValueError:
        raise ParameterError(f"{raw!r} is not a valid IRI") from None


def parse_value(param: Param, raw: str | Term) -> Term:
    """Turn a user value into an RDF term of the parameter's declared kind."""
    if not isinstance(raw, str):
        return raw
    if param.kind == "iri":
        return parse_iri(raw)
    if param.kind == "string":
        return ox.Literal(raw)
    try:
        if param.kind == "integer":
            return ox.Literal(str(int(raw)), datatype=ox.NamedNode(XSD + "integer"))
        if param.kind == "decimal":
            return ox.Literal(str(float(raw)), datatype=ox.NamedNode(XSD + "decimal"))
        if param.kind == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return ox.Literal(raw.lower(), datatype=ox.NamedNode(XSD + "boolean"))
        if param.kind == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError(raw)
            return ox.Literal(raw, datatype=ox.NamedNode(XSD + "date"))
    except ValueError:
        pass
    raise ParameterError(f"parameter {param.name!r} needs a {param.kind}, got {raw!r}")


def bind_params(query: NamedQuery, params: Mapping[str, str | Term]) -> dict[str, Term]:
    known = {p.name: p for p in query.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        valid = ", ".join(f"{p.name} ({p.kind})" for p in query.params) or "none"
        raise ParameterError(f"query {query.name!r} has no parameter {', '.join(unknown)}; valid: {valid}")
    missing = [p.name for p in query.params if p.name not in params]
    if missing:
        wanted = ", ".join(f"{p.name} ({p.kind})" for p in query.params)
        raise ParameterError(f"query {query.name!r} needs {', '.join(missing)}; parameters: {wanted}")
    return {name: parse_value(known[name], value) for name, value in params.items()}


def run_query(store: Queryable, name: str, **params: str | Term) -> Rows:
    """Run a named query with its parameters bound as RDF terms."""
    query = get_query(name)
    result = store.query(query.text, bindings=bind_params(query, params))
    assert isinstance(result, Rows), f"{name}.rq must be a SELECT query"
    return result
