"""Server-rendered HTML for people, and the RDF descriptions behind it. No JavaScript, no external assets.

Every value is escaped; links go to this server's own pages so a reader can follow the graph from an AI
system to its risks, to the controls that treat them and to the evidence for those controls.
"""

from __future__ import annotations

import html
import urllib.parse
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .. import resources
from ..answers import Rows, Term, Triples, display
from ..namespaces import AIMS, ISO42001, ONTOLOGY_IRI, PREFIXES
from ..queries import NamedQuery, get_query
from ..reports.charts import coverage, to_svg
from ..validation.report import ValidationReport, clause_sort_key

if TYPE_CHECKING:
    from .service import Service

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2004/02/skos/core#notation",
)
TEXTS = ("http://www.w3.org/2004/02/skos/core#definition", "http://www.w3.org/2000/01/rdf-schema#comment")
SD = "http://www.w3.org/ns/sparql-service-description#"
RDFS_SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#1d2733}header{background:#17324d;color:#fff;"
    "padding:.7em 1.5em}header a{color:#fff;margin-right:1.2em;text-decoration:none}main{padding:1em 1.5em;"
    "max-width:72em}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #c9d1da;"
    "padding:.3em .6em;text-align:left;vertical-align:top}th{background:#eef2f6}.muted{color:#5b6b7b}"
    "code{background:#f3f5f7;padding:0 .2em}textarea{width:100%;font-family:monospace}"
    ".tiles{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}.tile{border:1px solid #c9d1da;border-radius:6px;"
    "padding:.6em 1em;min-width:10em;color:#1d2733;text-decoration:none}.tile .num{display:block;font-size:1.6em;"
    "font-weight:bold}td.heat{width:3em;height:2.2em;text-align:center}.ok{color:#2e7d32;font-weight:bold}"
)


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


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} · aims-graph"
        f'</title><meta name="viewport" content="width=device-width"><style>{STYLE}</style></head><body>'
        '<header><a href="/"><strong>aims-graph</strong></a><a href="/sparql">SPARQL</a>'
        '<a href="/queries">Queries</a><a href="/ontology">Ontology</a><a href="/docs">API</a></header>'
        f"<main>{body}</main></body></html>\n"
    )


class _Labels:
    def __init__(self, triples: list[ox.Triple]) -> None:
        self.by_iri: dict[str, str] = {}
        for predicate in reversed(LABELS):
            for t in triples:
                if t.predicate.value == predicate and isinstance(t.subject, ox.NamedNode):
                    self.by_iri[t.subject.value] = t.object.value if isinstance(t.object, ox.Literal) else ""

    def term(self, term: Term | None) -> str:
        """A term as HTML: a link with a readable name for IRIs, the escaped value for literals."""
        if term is None:
            return ""
        if isinstance(term, ox.NamedNode):
            name = self.by_iri.get(term.value) or display(term, PREFIXES)
            return f'<a href="{html.escape(href(term.value))}">{html.escape(name)}</a>'
        return html.escape(display(term, PREFIXES))


def _rows_table(rows: Rows, labels: _Labels, skip: str) -> str:
    """A result table; an IRI column's link text comes from its label column (x -> xLabel, first -> label)."""
    if not rows.rows:
        return '<p class="muted">None recorded.</p>'
    names = rows.variables
    label_for: dict[int, int] = {}
    for i, name in enumerate(names):
        partner = f"{name}Label" if f"{name}Label" in names else ("label" if i == 0 and "label" in names else None)
        if partner is not None:
            label_for[i] = names.index(partner)
    hidden = set(label_for.values()) | {names.index(skip)} if skip in names else set(label_for.values())
    columns = [i for i in range(len(names)) if i not in hidden]
    head = "".join(f"<th>{html.escape(names[i])}</th>" for i in columns)
    body = []
    for row in rows.rows:
        cells = []
        for i in columns:
            term, text = row[i], row[label_for[i]] if i in label_for else None
            if isinstance(term, ox.NamedNode) and isinstance(text, ox.Literal):
                cells.append(f'<a href="{html.escape(href(term.value))}">{html.escape(text.value)}</a>')
            else:
                cells.append(labels.term(term))
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


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
    triples = describe(service, iri)
    if not triples:
        return None
    labels = _Labels(triples)
    node = ox.NamedNode(iri)
    outgoing = [t for t in triples if t.subject == node]
    incoming = [t for t in triples if t.object == node and t.subject != node]
    if not outgoing and not incoming:
        return None
    title = labels.by_iri.get(iri) or display(node, PREFIXES)
    types = [t.object for t in outgoing if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)]
    texts = [t.object.value for t in outgoing if t.predicate.value in TEXTS and isinstance(t.object, ox.Literal)]
    parts = [f"<h1>{html.escape(title)}</h1>", f'<p class="muted"><code>{html.escape(iri)}</code></p>']
    if types:
        parts.append("<p>" + ", ".join(labels.term(t) for t in types) + "</p>")
    parts += [f"<p>{html.escape(text)}</p>" for text in texts]
    grouped: dict[str, list[Term]] = defaultdict(list)
    for t in outgoing:
        if t.predicate.value != RDF_TYPE:
            grouped[t.predicate.value].append(t.object)
    rows = "".join(
        f"<tr><th>{labels.term(ox.NamedNode(p))}</th><td>{'<br>'.join(labels.term(o) for o in objs)}</td></tr>"
        for p, objs in sorted(grouped.items())
    )
    parts.append(f"<h2>Properties</h2><table>{rows}</table>")
    for type_ in types:
        if type_.value.endswith("core#Concept") and iri.startswith(str(ISO42001)):
            continue  # catalogue entries are the sources of mappings, not their targets
        for heading, query_name, param in SECTIONS.get(type_.value, []):
            query: NamedQuery = get_query(query_name)
            found = service.select(query.text, {param: node})
            parts.append(f"<h2>{html.escape(heading)}</h2>" + _rows_table(found, _Labels(triples), param))
    if incoming:
        back = "".join(
            f"<tr><td>{labels.term(t.subject)}</td><td>{labels.term(t.predicate)}</td></tr>"
            for t in sorted(incoming, key=lambda t: (t.predicate.value, str(t.subject)))
        )
        parts.append(f"<h2>Referenced by</h2><table><tr><th>Resource</th><th>as</th></tr>{back}</table>")
    return page(title, "".join(parts))


def home_page(service: Service) -> str:
    """The AIMS at a glance: systems, risk heat map, SoA coverage, open nonconformities, validation by clause."""
    labels = _Labels([])
    systems = service.select(get_query("ai-systems").text)
    untreated = service.select(get_query("untreated-risks").text)
    nonconformities = service.select(get_query("open-nonconformities").text)
    cov = coverage(service)
    covered = cov.total - sum(row["Not in SoA"] for row in cov.counts.values())
    risks = sum(int(display(r["risks"])) for r in service.select(get_query("risk-heatmap").text).dicts())
    validation = service.validation()
    tiles = [
        ("AI systems", str(len(systems.rows)), "#systems"),
        ("Risks", str(risks), "/reports/risks?format=html"),
        ("Untreated risks above threshold", str(len(untreated.rows)), "/queries/untreated-risks"),
        ("Annex A controls in the SoA", f"{covered} / {cov.total}", "/reports/soa?format=html"),
        ("Open nonconformities", str(len(nonconformities.rows)), "#nonconformities"),
        (
            "Validation results",
            "conforms" if validation.conforms else str(len(validation.results)),
            "#validation",
        ),
    ]
    parts = [
        "<h1>AI management system at a glance</h1>",
        '<form method="get" action="/search" role="search"><input name="q" placeholder="Search by label or '
        'notation (e.g. A.6.2.4)" size="40"> <button type="submit">Search</button></form>',
        '<div class="tiles">'
        + "".join(
            f'<a class="tile" href="{link}"><span class="num">{html.escape(value)}</span>{html.escape(name)}</a>'
            for name, value, link in tiles
        )
        + "</div>",
        '<h2 id="systems">AI systems</h2>' + _rows_table(systems, labels, ""),
        "<h2>Risk heat map</h2>" + heat_map(service),
        '<h2>Statement of Applicability coverage</h2><p><a href="/reports/soa?format=html">Statement of '
        'Applicability</a> · <a href="/reports/trace?format=html">Traceability matrix</a> · '
        '<a href="/reports/risks?format=html">Risk register</a></p>' + to_svg(cov),
        '<p><a href="/ontology">Ontology documentation</a> · <a href="/.well-known/void">Dataset description '
        '(VoID, DCAT)</a> · <a href="/oscal">OSCAL documents</a></p>',
        '<h2 id="nonconformities">Open nonconformities</h2>' + _rows_table(nonconformities, labels, ""),
        '<h2 id="validation">Validation by clause</h2>' + _validation_table(validation),
    ]
    return page("Home", "".join(parts))


def heat_map(service: Service) -> str:
    """Likelihood (rows, highest first) against consequence (columns), coloured by the product."""
    cells: dict[tuple[int, int], int] = {}
    l_max = c_max = 5
    for row in service.select(get_query("risk-heatmap").text).dicts():
        cells[(int(display(row["likelihood"])), int(display(row["consequence"])))] = int(display(row["risks"]))
        if "likelihoodMax" in row:
            l_max, c_max = int(display(row["likelihoodMax"])), int(display(row["consequenceMax"]))
    l_max = max([l_max, *(lk for lk, _ in cells)])
    c_max = max([c_max, *(ck for _, ck in cells)])
    head = "".join(f"<th>{c}</th>" for c in range(1, c_max + 1))
    body = []
    for lk in range(l_max, 0, -1):
        tds = []
        for ck in range(1, c_max + 1):
            share = (lk * ck) / (l_max * c_max)
            colour = (
                "#c8e6c9" if share <= 0.25 else "#fff59d" if share <= 0.5 else "#ffcc80" if share <= 0.7 else "#ef9a9a"
            )
            count = cells.get((lk, ck), 0)
            tds.append(
                f'<td class="heat" style="background:{colour}" title="likelihood {lk}, consequence {ck}">'
                f"{count or ''}</td>"
            )
        body.append(f"<tr><th>{lk}</th>{''.join(tds)}</tr>")
    return (
        f'<table class="heatmap" aria-label="Risk heat map"><tr><th>likelihood \\ consequence</th>{head}</tr>'
        f"{''.join(body)}</table>"
    )


def _validation_table(report: ValidationReport) -> str:
    if report.conforms:
        return '<p class="ok">The data conforms to every shape.</p>'
    counts: dict[str, int] = defaultdict(int)
    for result in report.results:
        for clause in result.clauses or ["(no clause)"]:
            counts[clause] += 1
    rows = "".join(
        f'<tr><td><a href="/iso42001/{html.escape(c.replace(".", "-"))}">{html.escape(c)}</a></td><td>{n}</td></tr>'
        if c != "(no clause)"
        else f"<tr><td>{c}</td><td>{n}</td></tr>"
        for c, n in sorted(counts.items(), key=lambda item: clause_sort_key(item[0]))
    )
    return f"<table><tr><th>clause</th><th>results</th></tr>{rows}</table>"


def query_page(query: NamedQuery, values: dict[str, str], rows: Rows | None) -> str:
    """A named query as a form with its parameters, and its answer as a table."""
    inputs = "".join(
        f'<label>{html.escape(p.name)} ({p.kind}) <input name="{html.escape(p.name)}" '
        f'value="{html.escape(values.get(p.name, ""))}" size="50"></label><br>'
        for p in query.params
    )
    form = (
        f'<form method="get" action="/queries/{html.escape(query.name)}">{inputs}'
        '<button type="submit">Run</button></form>'
    )
    body = [f"<h1>{html.escape(query.name)}</h1>", f"<p>{html.escape(query.summary)}</p>", form]
    if rows is not None:
        body.append(f"<h2>{len(rows.rows)} rows</h2>" + _rows_table(rows, _Labels([]), ""))
    body.append(f"<details><summary>SPARQL</summary><pre>{html.escape(query.text)}</pre></details>")
    return page(query.name, "".join(body))


def query_list_page(queries: dict[str, NamedQuery]) -> str:
    items = "".join(
        f'<li><a href="/queries/{html.escape(q.name)}">{html.escape(q.name)}</a>: {html.escape(q.summary)}</li>'
        for q in queries.values()
    )
    return page("Named queries", f"<h1>Named queries</h1><ul>{items}</ul>")


def search_page(text: str, rows: Rows | None) -> str:
    form = (
        f'<form method="get" action="/search"><input name="q" value="{html.escape(text)}" size="40"> '
        '<button type="submit">Search</button></form>'
    )
    result = "" if rows is None else f"<h2>{len(rows.rows)} found</h2>" + _rows_table(rows, _Labels([]), "text")
    return page("Search", f"<h1>Search</h1>{form}{result}")


def sparql_page(queries: dict[str, NamedQuery]) -> str:
    examples = "".join(
        f"<li><strong>{html.escape(q.name)}</strong>: {html.escape(q.summary)}"
        '<form method="get" action="/sparql"><textarea name="query" rows="4">'
        f"{html.escape(_strip_header(q.text))}"
        '</textarea><button type="submit">Run</button></form></li>'
        for q in queries.values()
        if not q.params
    )
    body = (
        "<h1>SPARQL</h1><p>Read-only SPARQL 1.1 endpoint over the whole graph.</p>"
        '<form method="get" action="/sparql"><textarea name="query" rows="8">'
        'SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10</textarea><br><button type="submit">Run</button></form>'
        f"<h2>Named queries</h2><ul>{examples}</ul>"
    )
    return page("SPARQL", body)


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
    rows = []
    for path, operations in sorted(spec.get("paths", {}).items()):
        for method, operation in operations.items():
            params = ", ".join(
                f"{p.get('name')} ({p.get('in')})" for p in operation.get("parameters", []) if isinstance(p, dict)
            )
            rows.append(
                f"<tr><td><code>{html.escape(method.upper())}</code></td><td><code>{html.escape(path)}</code></td>"
                f'<td>{html.escape(operation.get("summary", ""))}<br><span class="muted">'
                f"{html.escape(operation.get('description', ''))}</span></td><td>{html.escape(params)}</td></tr>"
            )
    info = spec.get("info", {})
    body = (
        f"<h1>{html.escape(info.get('title', 'API'))} {html.escape(info.get('version', ''))}</h1>"
        f"<p>{html.escape(info.get('description', ''))}</p>"
        '<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3).</p>'
        "<table><tr><th>method</th><th>path</th><th>what it does</th><th>parameters</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return page("API", body)
