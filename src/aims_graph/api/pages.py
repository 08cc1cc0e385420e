"""Server-rendered pages for people, and the RDF descriptions behind them. No JavaScript, no external assets.

This module only gathers data (queries, labels) and hands it to the Jinja2 templates in ``templates/``,
which autoescape every value. Links go to this server's own pages, each named by its label where the graph
has one, so a reader can follow the graph from an AI system to its risks, to the controls that treat them
and to the evidence for those controls without reading an IRI.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .. import resources
from ..answers import Rows, Term, Triples, display
from ..namespaces import AIMS, ISO42001, ONTOLOGY_IRI, PREFIXES, RDF, RDFS, XSD
from ..queries import NamedQuery, get_query
from ..reports.charts import coverage, to_svg
from ..validation.report import ValidationReport, clause_sort_key

if TYPE_CHECKING:
    from ..snapshots.organisations import Organisation
    from .service import Reads, Service

RDF_TYPE = RDF + "type"
NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
# Where a name comes from, best first.
LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    NOTATION,
)
TEXTS = ("http://www.w3.org/2004/02/skos/core#definition", "http://www.w3.org/2000/01/rdf-schema#comment")
XSD_BOOLEAN = XSD + "boolean"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDFS_SEE_ALSO = RDFS + "seeAlso"
# Answer columns that name the IRI column before them (``xLabel`` columns name column ``x``).
LABEL_COLUMNS = ("label", "title")
# Label look-ups per page: each is one bound query (about 0.1 ms on the embedded store); past this many,
# a big answer table shows prefixed names instead of waiting for thousands of look-ups.
MAX_LOOKUPS = 300


@cache
def _environment() -> Environment:
    """One template environment, loaded from the package so an installed wheel finds its templates."""
    return Environment(
        loader=PackageLoader("aims_graph.api", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    """A page from its template; every value in ``context`` is escaped unless it is ``Markup``."""
    return _environment().get_template(template).render(**context)


def describe(service: Service, iri: str) -> list[ox.Triple]:
    result = service.query(resources.internal_query("ld/describe.rq"), {"resource": ox.NamedNode(iri)})
    assert isinstance(result, Triples)
    return result.triples


def href(iri: str) -> str:
    """This server's page for an IRI: catalogue entries by their path, anything else through /resource."""
    if iri.startswith(str(ISO42001)) and "/" not in iri[len(str(ISO42001)) :]:
        return "/iso42001/" + urllib.parse.quote(iri[len(str(ISO42001)) :])
    if iri == ONTOLOGY_IRI:
        return "/ontology"
    return "/resource?" + urllib.parse.urlencode({"iri": iri})


def short_name(iri: str) -> str:
    """The name of an IRI that has no label: a prefixed name where a prefix fits, else its last segment when
    that reads as a name (``soa-A-6-2-4``), else the whole IRI (``.../licenses/by/4.0/``)."""
    curie = display(ox.NamedNode(iri), PREFIXES)
    if curie != iri:
        return curie
    last = re.split(r"[/#]", iri.rstrip("/#"))[-1]
    return last if re.search(r"[A-Za-z]", last) and ":" not in last else iri


# ------------------------------------------------------------------------------------- page data


@dataclass(frozen=True)
class Cell:
    """One value on a page: a link named for people when ``href`` is set, plain text otherwise."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[Cell]]


@dataclass(frozen=True)
class Property:
    predicate: Cell
    values: list[Cell]


@dataclass(frozen=True)
class Reference:
    subject: Cell
    predicate: Cell


@dataclass(frozen=True)
class Section:
    heading: str
    table: Table


@dataclass(frozen=True)
class Tile:
    name: str
    value: str
    href: str


@dataclass(frozen=True)
class HeatCell:
    consequence: int
    count: int
    colour: str


@dataclass(frozen=True)
class HeatRow:
    likelihood: int
    cells: list[HeatCell]


@dataclass(frozen=True)
class HeatMap:
    consequences: list[int]
    rows: list[HeatRow]


@dataclass(frozen=True)
class ClauseCount:
    clause: Cell
    count: int


@dataclass(frozen=True)
class ValidationSummary:
    conforms: bool
    rows: list[ClauseCount]


class Labels:
    """Readable names for IRIs: from the triples at hand, else looked up in the store, else a prefixed name."""

    def __init__(self, service: Reads | None = None, triples: Iterable[ox.Triple] = ()) -> None:
        self.service = service
        self._best: dict[str, tuple[tuple[int, int], str]] = {}
        self._asked: set[str] = set()
        self.lookups = 0
        self.learn(triples)

    def learn(self, triples: Iterable[ox.Triple]) -> None:
        for t in triples:
            if isinstance(t.subject, ox.NamedNode) and isinstance(t.object, ox.Literal):
                self._offer(t.subject.value, t.predicate.value, t.object)

    def known(self, iris: Iterable[str]) -> None:
        """Mark IRIs whose labels the triples at hand already carry (if they have any): no look-up for them."""
        self._asked.update(iris)

    def _offer(self, iri: str, predicate: str, label: ox.Literal) -> None:
        if predicate not in LABELS:
            return
        language = (label.language or "").lower()
        rank = (LABELS.index(predicate), 0 if language.startswith("en") else 1 if not language else 2)
        current = self._best.get(iri)
        if current is None or rank < current[0]:
            self._best[iri] = (rank, label.value)

    def fetch(self, iris: Iterable[str]) -> None:
        """Look up, one bound query each, the labels of the IRIs this page names and does not know yet."""
        if self.service is None:
            return
        query = resources.internal_query("ld/labels.rq")
        for iri in dict.fromkeys(iris):
            if iri in self._best or iri in self._asked:
                continue
            if self.lookups >= MAX_LOOKUPS:
                return
            self._asked.add(iri)
            self.lookups += 1
            for row in self.service.select(query, {"resource": ox.NamedNode(iri)}).dicts():
                label, predicate = row.get("label"), row.get("property")
                if isinstance(label, ox.Literal) and isinstance(predicate, ox.NamedNode):
                    self._offer(iri, predicate.value, label)

    def fetch_properties(self, iri: str) -> None:
        """The labels of every property used on and towards one resource, in one query."""
        if self.service is None:
            return
        query = resources.internal_query("ld/property-labels.rq")
        for row in self.service.select(query, {"resource": ox.NamedNode(iri)}).dicts():
            prop, predicate, label = row.get("property"), row.get("labelProperty"), row.get("label")
            if isinstance(prop, ox.NamedNode) and isinstance(predicate, ox.NamedNode) and isinstance(label, ox.Literal):
                self._offer(prop.value, predicate.value, label)

    def label(self, iri: str) -> str | None:
        found = self._best.get(iri)
        return found[1] if found else None

    def name(self, iri: str) -> str:
        label = self.label(iri)
        return short_name(iri) if label is None else shown_label(iri, label)

    def cell(self, term: Term | None) -> Cell:
        if term is None:
            return Cell("")
        if isinstance(term, ox.NamedNode):
            return Cell(self.name(term.value), href(term.value))
        return Cell(literal_text(term))


def shown_label(iri: str, label: str) -> str:
    """The ontology's own labels are lower case (``in progress``); on a page they start with a capital."""
    return label[:1].upper() + label[1:] if iri.startswith(str(AIMS)) else label


def literal_text(term: Term) -> str:
    if isinstance(term, ox.Literal) and term.datatype.value == XSD_BOOLEAN:
        return {"true": "yes", "1": "yes", "false": "no", "0": "no"}.get(term.value, term.value)
    return display(term, PREFIXES)


def column_header(name: str) -> str:
    """A variable name as a column heading: ``inScope`` reads "In scope"."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()
    return words[:1].upper() + words[1:]


def answer_table(rows: Rows, labels: Labels, skip: str = "") -> Table:
    """An answer as a table; an IRI column's link text comes from its label column, else from ``labels``.

    ``x`` is named by ``xLabel``; a ``label`` or ``title`` column names the nearest IRI column before it.
    ``skip`` is the query's parameter, the same on every row (the page is about it).
    """
    names = rows.variables

    def holds_iris(i: int) -> bool:
        return any(isinstance(row[i], ox.NamedNode) for row in rows.rows)

    partner: dict[int, int] = {}
    for i, name in enumerate(names):
        if f"{name}Label" in names:
            partner[i] = names.index(f"{name}Label")
    for j, name in enumerate(names):
        if name in LABEL_COLUMNS and j not in partner.values():
            owner = next(
                (i for i in range(j - 1, -1, -1) if names[i] != skip and i not in partner and holds_iris(i)),
                None,
            )
            if owner is not None:
                partner[owner] = j
    hidden = set(partner.values()) | ({names.index(skip)} if skip in names else set())
    columns = [i for i in range(len(names)) if i not in hidden]

    def named_in_row(row: tuple[Term | None, ...], i: int) -> Term | None:
        return row[partner[i]] if i in partner else None

    labels.fetch(
        term.value
        for row in rows.rows
        for i in columns
        if isinstance(term := row[i], ox.NamedNode) and not isinstance(named_in_row(row, i), ox.Literal)
    )
    body: list[list[Cell]] = []
    for row in rows.rows:
        cells = []
        for i in columns:
            value, given = row[i], named_in_row(row, i)
            if isinstance(value, ox.NamedNode) and isinstance(given, ox.Literal):
                cells.append(Cell(shown_label(value.value, given.value), href(value.value)))
            else:
                cells.append(labels.cell(value))
        body.append(cells)
    return Table([column_header(names[i]) for i in columns], body)


# ---------------------------------------------------------------------------------------- pages


# Extra traceability sections per type: (heading, named query, parameter).
SECTIONS: dict[str, list[tuple[str, str, str]]] = {
    str(AIMS.Control): [
        ("Risks this control covers", "risks-for-control", "control"),
        ("Evidence", "control-evidence", "control"),
        ("Mappings to other frameworks", "crosswalk", "control"),
    ],
    str(AIMS.Risk): [("Controls that cover this risk", "controls-for-risk", "risk")],
    str(AIMS.AISystem): [("Traceability", "system-trace", "system")],
    str(AIMS.InterestedParty): [("Exposure", "party-exposure", "party")],
    str(AIMS.Clause): [
        ("Evidence", "clause-evidence", "clause"),
        ("Mappings to other frameworks", "crosswalk", "control"),
    ],
    # Entries of the other frameworks' catalogues (EU AI Act, NIST AI RMF, ISO/IEC 27001).
    "http://www.w3.org/2004/02/skos/core#Concept": [("Mapped from ISO/IEC 42001", "crosswalk-reverse", "target")],
}


def resource_page(service: Service, iri: str) -> str | None:
    """One resource: its name once, its types, its texts, its other properties, traceability and back links."""
    triples = describe(service, iri)
    if not triples:
        return None
    node = ox.NamedNode(iri)
    outgoing = [t for t in triples if t.subject == node]
    incoming = [t for t in triples if t.object == node and t.subject != node]
    if not outgoing and not incoming:
        return None
    labels = Labels(service, triples)
    # describe.rq brings the labels of every neighbour: a neighbour without one has none to look up.
    labels.known(t.object.value for t in outgoing if isinstance(t.object, ox.NamedNode))
    labels.known(t.subject.value for t in incoming if isinstance(t.subject, ox.NamedNode))
    label = labels.label(iri)
    heading = labels.name(iri)
    notations = [t.object.value for t in outgoing if t.predicate.value == NOTATION and isinstance(t.object, ox.Literal)]
    notation = notations[0] if notations and notations[0] != heading else None
    types = [t.object for t in outgoing if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)]
    texts = list(
        dict.fromkeys(
            t.object.value for t in outgoing if t.predicate.value in TEXTS and isinstance(t.object, ox.Literal)
        )
    )
    # What the heading and the paragraphs already show is not repeated in the property table.
    shown = {value for value in (label, notations[0] if notations else None) if value is not None}
    grouped: dict[str, list[Term]] = defaultdict(list)
    for t in outgoing:
        predicate = t.predicate.value
        if predicate == RDF_TYPE:
            continue
        if isinstance(t.object, ox.Literal) and (
            (predicate in LABELS and t.object.value in shown) or (predicate in TEXTS and t.object.value in texts)
        ):
            continue
        grouped[predicate].append(t.object)
    labels.fetch_properties(iri)
    labels.known([*grouped, *(t.predicate.value for t in incoming)])
    labels.fetch(t.value for t in types)
    properties = [
        Property(labels.cell(ox.NamedNode(p)), [labels.cell(o) for o in objs])
        for p, objs in sorted(grouped.items(), key=lambda item: (labels.name(item[0]).lower(), item[0]))
    ]
    sections = []
    for type_ in types:
        if type_.value.endswith("core#Concept") and iri.startswith(str(ISO42001)):
            continue  # catalogue entries are the sources of mappings, not their targets
        for section_heading, query_name, param in SECTIONS.get(type_.value, []):
            found = service.select(get_query(query_name).text, {param: node})
            sections.append(Section(section_heading, answer_table(found, labels, param)))
    referenced_by = [
        Reference(labels.cell(t.subject), labels.cell(t.predicate))
        for t in sorted(incoming, key=lambda t: (t.predicate.value, str(t.subject)))
    ]
    return render(
        "resource.html",
        title=f"{notation} {heading}" if notation else heading,
        heading=heading,
        notation=notation,
        iri=iri,
        types=[labels.cell(t) for t in types],
        texts=texts,
        properties=properties,
        sections=sections,
        referenced_by=referenced_by,
    )


def home_page(
    service: Reads,
    organisations: Sequence[Organisation] = (),
    chosen: str | None = None,
    snapshots: Sequence[str] = (),
    as_of: str | None = None,
) -> str:
    """The AIMS at a glance: systems, risk heat map, SoA coverage, open nonconformities, validation by clause.

    ``service`` reads the records shown: all of them, one organisation's (``chosen``) and/or as of a snapshot
    (``as_of``); the page lists the organisations and the snapshots to switch between, and its links keep
    the choice."""
    labels = Labels(service)
    systems = service.select(get_query("ai-systems").text)
    untreated = service.select(get_query("untreated-risks").text)
    nonconformities = service.select(get_query("open-nonconformities").text)
    cov = coverage(service)
    covered = cov.total - sum(row["Not in SoA"] for row in cov.counts.values())
    risks = sum(int(display(r["risks"])) for r in service.select(get_query("risk-heatmap").text).dicts())
    validation = service.validation()
    scope = _scope(org=chosen, as_of=as_of)
    tiles = [
        Tile("AI systems", str(len(systems.rows)), "#systems"),
        Tile("Risks", str(risks), "/reports/risks?format=html" + scope),
        Tile("Untreated risks above threshold", str(len(untreated.rows)), "/queries/untreated-risks?" + scope[1:]),
        Tile("Annex A controls in the SoA", f"{covered} / {cov.total}", "/reports/soa?format=html" + scope),
        Tile("Open nonconformities", str(len(nonconformities.rows)), "#nonconformities"),
        Tile(
            "Validation results",
            "conforms" if validation.conforms else str(len(validation.results)),
            "#validation",
        ),
    ]
    choices = [
        OrganisationChoice(o.name, "/?" + _scope(org=o.iri, as_of=as_of)[1:], o.matches(chosen or ""))
        for o in organisations
    ]
    versions = [OrganisationChoice("Current records", "/?" + _scope(org=chosen)[1:], not as_of)] + [
        OrganisationChoice(label, "/?" + _scope(org=chosen, as_of=label)[1:], label == as_of) for label in snapshots
    ]
    return render(
        "home.html",
        title="Home",
        tiles=tiles,
        organisations=choices if len(choices) > 1 else [],
        everyone="/?" + _scope(as_of=as_of)[1:],
        chosen=next((c.name for c in choices if c.current), None),
        versions=versions if snapshots else [],
        as_of=as_of,
        since="/diff?" + _scope(**{"from": snapshots[-1], "org": chosen})[1:] if snapshots and not as_of else None,
        scope=scope,
        systems=answer_table(systems, labels),
        heat=risk_heat_map(service),
        coverage_svg=Markup(to_svg(cov)),  # built by charts.to_svg, which escapes every text it writes
        nonconformities=answer_table(nonconformities, labels),
        validation=validation_summary(validation),
    )


def _scope(**values: str | None) -> str:
    """Query-string parameters that keep a choice of records, each after an ``&`` ("" for none)."""
    return "".join(f"&{key}={urllib.parse.quote(value, safe='')}" for key, value in values.items() if value)


@dataclass(frozen=True)
class OrganisationChoice:
    """One choice of records on the home page (an organisation, or a snapshot): its name and its view."""

    name: str
    href: str
    current: bool


def risk_heat_map(service: Reads) -> HeatMap:
    """Likelihood (rows, highest first) against consequence (columns), coloured by the product."""
    counts: dict[tuple[int, int], int] = {}
    l_max = c_max = 5
    for row in service.select(get_query("risk-heatmap").text).dicts():
        counts[(int(display(row["likelihood"])), int(display(row["consequence"])))] = int(display(row["risks"]))
        if "likelihoodMax" in row:
            l_max, c_max = int(display(row["likelihoodMax"])), int(display(row["consequenceMax"]))
    l_max = max([l_max, *(lk for lk, _ in counts)])
    c_max = max([c_max, *(ck for _, ck in counts)])
    rows = []
    for lk in range(l_max, 0, -1):
        cells = []
        for ck in range(1, c_max + 1):
            share = (lk * ck) / (l_max * c_max)
            colour = (
                "#c8e6c9" if share <= 0.25 else "#fff59d" if share <= 0.5 else "#ffcc80" if share <= 0.7 else "#ef9a9a"
            )
            cells.append(HeatCell(ck, counts.get((lk, ck), 0), colour))
        rows.append(HeatRow(lk, cells))
    return HeatMap(list(range(1, c_max + 1)), rows)


def heat_map(service: Reads) -> str:
    """The heat map alone, as the home page shows it."""
    macro = _environment().get_template("_macros.html").module.heat_map  # type: ignore[attr-defined]
    return str(macro(risk_heat_map(service)))


def validation_summary(report: ValidationReport) -> ValidationSummary:
    counts: dict[str, int] = defaultdict(int)
    for result in report.results:
        for clause in result.clauses or ["(no clause)"]:
            counts[clause] += 1
    rows = [
        ClauseCount(Cell(c) if c == "(no clause)" else Cell(c, href(str(ISO42001) + c.replace(".", "-"))), n)
        for c, n in sorted(counts.items(), key=lambda item: clause_sort_key(item[0]))
    ]
    return ValidationSummary(report.conforms, rows)


def query_page(
    query: NamedQuery,
    values: dict[str, str],
    rows: Rows | None,
    service: Reads | None = None,
    scope: dict[str, str | None] | None = None,
) -> str:
    """A named query as a form with its parameters, and its answer as a table.

    With ``service``, IRIs without a label column are named by their labels (a few look-ups: run it in a
    thread); without it they show as prefixed names. ``scope`` (org, as_of) is kept by the form.
    """
    answer = None if rows is None else answer_table(rows, Labels(service))
    kept = {k: v for k, v in (scope or {}).items() if v}
    return render("query.html", title=query.name, query=query, values=values, answer=answer, scope=kept)


def query_list_page(queries: dict[str, NamedQuery]) -> str:
    return render("query_list.html", title="Named queries", queries=list(queries.values()))


def search_page(text: str, rows: Rows | None, service: Reads | None = None) -> str:
    """The search form and what it found; ``service`` names the types as ``query_page`` does."""
    found = None if rows is None else answer_table(rows, Labels(service), "text")
    return render("search.html", title="Search", text=text, found=found)


def sparql_page(queries: dict[str, NamedQuery]) -> str:
    examples = [
        {"name": q.name, "summary": q.summary, "text": _strip_header(q.text)} for q in queries.values() if not q.params
    ]
    return render("sparql.html", title="SPARQL", examples=examples)


def _strip_header(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("#+")).strip()


def service_description(endpoint: str) -> list[ox.Triple]:
    """A SPARQL 1.1 Service Description of /sparql, built from terms (no RDF text in code)."""
    service = ox.BlankNode("service")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    triples = [
        ox.Triple(service, ox.NamedNode(RDF_TYPE), sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, ox.NamedNode(RDFS_SEE_ALSO), ox.NamedNode(endpoint.rsplit("/", 1)[0] + "/.well-known/void")),
    ]
    for media in (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
    ):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.Literal(media)))
    return triples


def api_docs_page(spec: dict[str, Any]) -> str:
    """Every operation of the OpenAPI description: method, path, summary, description and parameters."""
    operations = []
    for path, methods in sorted(spec.get("paths", {}).items()):
        for method, operation in methods.items():
            parameters = ", ".join(
                f"{p.get('name')} ({p.get('in')})" for p in operation.get("parameters", []) if isinstance(p, dict)
            )
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": parameters,
                }
            )
    info = spec.get("info", {})
    heading = f"{info.get('title', 'API')} {info.get('version', '')}".strip()
    return render(
        "api_docs.html",
        title="API",
        heading=heading,
        description=info.get("description", ""),
        operations=operations,
    )
