"""What each tool and resource answers, as JSON-ready dictionaries that cite the IRIs they rest on.

No MCP here: these functions take the graph and plain arguments, so they are the same whatever transport
carries them. Every answer has a ``cited`` list (IRIs in order of first appearance) so that an assistant can
point at the records and catalogue entries behind what it says.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pyoxigraph as ox
from rdflib import DCTERMS, URIRef

from .. import catalogue, resources
from ..answers import Boolean, Rows, Term, Triples
from ..errors import NotFoundError, ParameterError
from ..namespaces import PREFIXES
from ..queries import NamedQuery, get_query, parse_iri, run_query
from ..serialize import write_rows, write_triples
from ..store import Queryable
from ..validation.report import ValidationResult, clause_sort_key
from ..validation.validate import load_shapes, validate_store
from .graph import refuse_unsafe

FRAMEWORKS = {
    "iso42001": PREFIXES["iso42001"] + "scheme",
    "eu-ai-act": "https://w3id.org/aims-graph/eu-ai-act/scheme",
    "nist-ai-rmf": PREFIXES["airmf"] + "scheme",
    "iso27001": PREFIXES["iso27001"] + "scheme",
}
"""The frameworks whose catalogues lookup searches, by the short name a caller may restrict it with."""

DETAILED = 5
"""Lookup describes this many entries in full; further matches are listed by notation and label."""

SKOS_PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


@dataclass(frozen=True)
class Answer:
    """A tool's answer: the structured content (with ``cited``) and one line that says what it found."""

    content: dict[str, Any]
    headline: str

    def text(self) -> str:
        """The content as JSON text, for clients that read text blocks only."""
        return json.dumps(self.content, ensure_ascii=False)


# ----------------------------------------------------------------------------------------------- citations


class Citations:
    """IRIs in the order they were first met, without repeats."""

    def __init__(self) -> None:
        self._seen: dict[str, None] = {}

    def add(self, *iris: str | None) -> None:
        for iri in iris:
            if iri:
                self._seen.setdefault(iri, None)

    def add_terms(self, terms: Iterable[Term | None]) -> None:
        for term in terms:
            if isinstance(term, ox.NamedNode):
                self.add(term.value)
            elif isinstance(term, ox.Triple):
                self.add_terms((term.subject, term.predicate, term.object))

    def add_rows(self, rows: Rows) -> None:
        for row in rows.rows:
            self.add_terms(row)

    def listed(self) -> list[str]:
        return list(self._seen)


def plain(rows: Rows) -> list[dict[str, str]]:
    """Rows as name -> lexical value, unbound names left out: what a caller reads, not how RDF spells it."""
    return [{name: term.value for name, term in row.items() if not isinstance(term, ox.Triple)} for row in rows.dicts()]


def _select(graph: Queryable, name: str, **bindings: Term) -> Rows:
    result = graph.query(resources.internal_query(f"mcp/{name}.rq"), bindings or None)
    assert isinstance(result, Rows), f"mcp/{name}.rq must be a SELECT query"
    return result


# ------------------------------------------------------------------------------------------- named queries


def argument_text(query: NamedQuery, name: str, value: object) -> str:
    """A JSON argument as the text the named query's parameter parser reads; other JSON values are refused."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    kinds = {p.name: p.kind for p in query.params}
    raise ParameterError(f"parameter {name!r} of {query.name!r} needs a {kinds.get(name, 'value')}, got {value!r}")


def named_query(graph: Queryable, name: str, arguments: Mapping[str, object]) -> Answer:
    """One named query with its parameters bound as RDF terms; the rows in SPARQL JSON results form."""
    query = get_query(name)
    params = {key: argument_text(query, key, value) for key, value in arguments.items()}
    rows = run_query(graph, name, **params)
    cited = Citations()
    kinds = {p.name: p.kind for p in query.params}
    cited.add(*(parse_iri(value).value for key, value in params.items() if kinds.get(key) == "iri"))
    cited.add_rows(rows)
    content = {
        "query": name,
        "summary": query.summary,
        "params": params,
        "results": json.loads(write_rows(rows, "json")),
        "cited": cited.listed(),
    }
    return Answer(content, f"{name}: {len(rows.rows)} rows")


# ----------------------------------------------------------------------------------------------- validation


@cache
def checked_clauses() -> tuple[str, ...]:
    """The notations our shapes enforce (their dcterms:source), in the standard's order."""
    shapes = load_shapes(resources.shape_files())
    notations = {
        notation
        for source in shapes.objects(None, DCTERMS.source)
        if isinstance(source, URIRef) and (notation := catalogue.notation_of(str(source))) is not None
    }
    return tuple(sorted(notations, key=clause_sort_key))


@cache
def catalogue_labels() -> dict[str, str]:
    """Catalogue IRI -> short title, read from the packaged catalogue."""
    quads = ox.parse(path=str(resources.catalogue_file()), format=ox.RdfFormat.TURTLE)
    return {
        q.subject.value: q.object.value
        for q in quads
        if q.predicate == SKOS_PREF_LABEL and isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)
    }


def clause_notation(text: str) -> str:
    """A clause or control of ISO/IEC 42001 as its notation, from a notation, CURIE or IRI."""
    raw = text.strip()
    node = catalogue.resolve_notation(raw) if catalogue.looks_like_notation(raw) else parse_iri(raw)
    notation = catalogue.notation_of(node.value) if node is not None else None
    if notation is None:
        raise ParameterError(f"{text!r} is not a clause or control of ISO/IEC 42001 (try 6.1.3 or A.6.2.4)")
    return notation


def _within(notation: str, scope: str | None) -> bool:
    return scope is None or notation == scope or notation.startswith(scope + ".")


def validate(graph: Queryable, clause: str | None = None) -> Answer:
    """Our shapes over the whole graph with the compiled engine, summarised by clause of ISO/IEC 42001.

    Every clause a shape enforces is listed, conforming or not, so "no results" reads as "checked and met"
    rather than "not looked at". With ``clause``, only that clause, its subclauses and their results.
    """
    scope = clause_notation(clause) if clause else None
    report = validate_store(graph, engine="auto")
    results = [r for r in report.results if scope is None or any(_within(c, scope) for c in r.clauses)]
    notations = {c for c in checked_clauses() if _within(c, scope)}
    notations |= {c for r in results for c in r.clauses if _within(c, scope)}
    cited = Citations()
    by_clause: list[dict[str, Any]] = []
    failing: list[str] = []
    for notation in sorted(notations, key=clause_sort_key):
        node = catalogue.resolve_notation(notation)
        iri = node.value if node is not None else None
        hits = [r for r in results if notation in r.clauses]
        cited.add(iri)
        if hits:
            failing.append(notation)
        by_clause.append(
            {
                "clause": notation,
                "iri": iri,
                "label": catalogue_labels().get(iri or ""),
                "conforms": not hits,
                "violations": sum(1 for r in hits if r.severity.endswith("#Violation")),
                "warnings": sum(1 for r in hits if r.severity.endswith("#Warning")),
                "infos": sum(1 for r in hits if r.severity.endswith("#Info")),
            }
        )
    for result in results:
        cited.add(*_result_iris(result))
    conforms = not results
    content = {
        "conforms": conforms,
        "clause": scope,
        "engine": "auto",
        "byClause": by_clause,
        "results": [r.to_json() for r in results],
        "cited": cited.listed(),
    }
    where = f" for clause {scope}" if scope else ""
    headline = (
        f"conforms{where}" if conforms else f"does not conform{where}: {len(results)} results in {', '.join(failing)}"
    )
    return Answer(content, headline)


def _result_iris(result: ValidationResult) -> list[str]:
    """The focus node and, when it is one, the offending value: the records a result is about."""
    iris = [result.focus] if ":" in result.focus and not result.focus.startswith("_:") else []
    if result.value and result.value.startswith("<") and result.value.endswith(">"):
        iris.append(result.value[1:-1])
    return iris


# --------------------------------------------------------------------------------------------------- lookup


def lookup(graph: Queryable, text: str, framework: str | None = None) -> Answer:
    """A catalogue entry by notation, label, CURIE or IRI: what it is, its mappings and what covers it."""
    wanted = text.strip()
    if not wanted:
        raise ParameterError("lookup needs a notation (A.6.2.4, Art. 9, GOVERN 1.2), a label or an IRI")
    if framework is not None and framework not in FRAMEWORKS:
        raise ParameterError(f"unknown framework {framework!r}; known: {', '.join(FRAMEWORKS)}")
    matches = _matches(graph, wanted, framework)
    if not matches:
        where = f" in {framework}" if framework else ""
        raise NotFoundError(f"no catalogue entry{where} has the notation {wanted!r} or a label containing it")
    cited = Citations()
    entries = []
    for iri in [m["entry"] for m in matches[:DETAILED]]:
        entries.append(_entry(graph, iri, cited))
    also = [
        {key: match[key] for key in ("entry", "notation", "label", "framework") if key in match}
        for match in matches[DETAILED:]
    ]
    cited.add(*(match["entry"] for match in matches[DETAILED:]))
    content = {
        "lookup": wanted,
        "framework": framework,
        "entries": entries,
        "alsoMatched": also,
        "cited": cited.listed(),
    }
    names = ", ".join(f"{e.get('notation') or e['iri']}" for e in entries)
    return Answer(content, f"{len(matches)} entries match {wanted!r}: {names}")


def _matches(graph: Queryable, text: str, framework: str | None) -> list[dict[str, str]]:
    """Exact notations when any entry has one, otherwise entries whose label contains the text."""
    if ":" in text and " " not in text:  # an IRI or a CURIE names its entry
        node = parse_iri(text)
        if not _select(graph, "entry", entry=node).rows:
            raise NotFoundError(f"nothing in the catalogues is known as <{node.value}>")
        return [{"entry": node.value}]
    found = plain(_select(graph, "find-entries", text=ox.Literal(text)))
    if framework is not None:
        found = [row for row in found if row.get("scheme") == FRAMEWORKS[framework]]
    exact = [row for row in found if row.get("exact") == "true"]
    return exact + [row for row in found if row.get("exact") != "true"] if exact else found


def _entry(graph: Queryable, iri: str, cited: Citations) -> dict[str, Any]:
    node = ox.NamedNode(iri)
    described = _select(graph, "entry", entry=node)
    entry: dict[str, Any] = {"iri": iri, **(plain(described)[0] if described.rows else {})}
    entry.pop("entry", None)
    cited.add(iri)
    cited.add(entry.get("broader"))
    outgoing = run_query(graph, "crosswalk", control=node)
    incoming = run_query(graph, "crosswalk-reverse", target=node)
    mappings = [{"direction": "to", **{k: v for k, v in row.items() if k != "control"}} for row in plain(outgoing)] + [
        {"direction": "from", **{k: v for k, v in row.items() if k != "target"}} for row in plain(incoming)
    ]
    covered = _select(graph, "covered-by", entry=node)
    entry["mappings"] = mappings
    entry["coveredBy"] = [{k: v for k, v in row.items() if k != "entry"} for row in plain(covered)]
    cited.add_rows(outgoing)
    cited.add_rows(incoming)
    cited.add_rows(covered)
    return entry


# --------------------------------------------------------------------------------------------------- SPARQL


def sparql(graph: Queryable, text: str) -> Answer:
    """An ad hoc read: SELECT and ASK as SPARQL JSON results, CONSTRUCT and DESCRIBE as Turtle."""
    refuse_unsafe(text)
    result = graph.query(text)
    cited = Citations()
    if isinstance(result, Triples):
        for triple in result.triples:
            cited.add_terms((triple.subject, triple.object))
        turtle = write_triples(result, ox.RdfFormat.TURTLE, PREFIXES).decode("utf-8")
        return Answer({"turtle": turtle, "cited": cited.listed()}, f"{len(result.triples)} triples")
    if isinstance(result, Boolean):
        return Answer(
            {"results": json.loads(write_rows(result, "json")), "cited": []}, f"answer: {str(result.value).lower()}"
        )
    cited.add_rows(result)
    return Answer(
        {"results": json.loads(write_rows(result, "json")), "cited": cited.listed()}, f"{len(result.rows)} rows"
    )


# ------------------------------------------------------------------------------------------------ resources

RESOURCE_FORMATS = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
}


def describe(graph: Queryable, iri: str, fmt: str) -> tuple[str, str]:
    """What the graph says about one IRI (and what points at it), as (media type, text)."""
    if fmt not in RESOURCE_FORMATS:
        raise ParameterError(f"unknown format {fmt!r}; use {' or '.join(RESOURCE_FORMATS)}")
    node = parse_iri(iri)
    result = graph.query(resources.internal_query("ld/describe.rq"), {"resource": node})
    assert isinstance(result, Triples)
    if not result.triples:
        raise NotFoundError(f"nothing is known about <{node.value}>")
    media, rdf_format = RESOURCE_FORMATS[fmt]
    return media, write_triples(result, rdf_format, PREFIXES).decode("utf-8")


def catalogue_entries(graph: Queryable) -> list[dict[str, str]]:
    """Every catalogue entry with its notation, label and framework, for listing them as resources."""
    return plain(_select(graph, "catalogue-entries"))
