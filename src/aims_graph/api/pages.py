"""Server-rendered HTML for people, and the RDF descriptions behind it. No JavaScript, no external assets.

Every value is escaped; links go to this server's own pages so a reader can follow the graph from an AI
system to its risks, to the controls that treat them and to the evidence for those controls.
"""

from __future__ import annotations

import html
import urllib.parse
from collections import defaultdict
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .. import resources
from ..namespaces import AIMS, ISO42001, ONTOLOGY_IRI, PREFIXES
from ..queries import NamedQuery, get_query
from ..results import Rows, Term, Triples, display

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

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#1d2733}header{background:#17324d;color:#fff;"
    "padding:.7em 1.5em}header a{color:#fff;margin-right:1.2em;text-decoration:none}main{padding:1em 1.5em;"
    "max-width:72em}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #c9d1da;"
    "padding:.3em .6em;text-align:left;vertical-align:top}th{background:#eef2f6}.muted{color:#5b6b7b}"
    "code{background:#f3f5f7;padding:0 .2em}textarea{width:100%;font-family:monospace}"
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
    columns = [i for i, v in enumerate(rows.variables) if v != skip]
    if not rows.rows:
        return '<p class="muted">None recorded.</p>'
    head = "".join(f"<th>{html.escape(rows.variables[i])}</th>" for i in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{labels.term(r[i])}</td>" for i in columns) + "</tr>" for r in rows.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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
    str(AIMS.Clause): [("Evidence", "clause-evidence", "clause")],
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
    types = [
        t.object for t in outgoing if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)
    ]
    texts = [
        t.object.value for t in outgoing if t.predicate.value in TEXTS and isinstance(t.object, ox.Literal)
    ]
    parts = [f"<h1>{html.escape(title)}</h1>", f'<p class="muted"><code>{html.escape(iri)}</code></p>']
    if types:
        parts.append("<p>" + ", ".join(labels.term(t) for t in types) + "</p>")
    parts += [f"<p>{html.escape(text)}</p>" for text in texts]
    grouped: dict[str, list[Term]] = defaultdict(list)
    for t in outgoing:
        if t.predicate.value != RDF_TYPE:
            grouped[t.predicate.value].append(t.object)
    rows = "".join(
        f"<tr><th>{labels.term(ox.NamedNode(p))}</th>"
        f"<td>{'<br>'.join(labels.term(o) for o in objs)}</td></tr>"
        for p, objs in sorted(grouped.items())
    )
    parts.append(f"<h2>Properties</h2><table>{rows}</table>")
    for type_ in types:
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
    systems = service.select(get_query("ai-systems").text)
    parts = ["<h1>aims-graph</h1>", "<p>An ISO/IEC 42001 AI management system as a knowledge graph.</p>"]
    parts.append("<h2>AI systems</h2>" + _rows_table(systems, _Labels([]), ""))
    parts.append(
        '<ul><li><a href="/iso42001/A-6-2-4">An Annex A control: A.6.2.4</a></li>'
        '<li><a href="/queries">Named queries</a></li><li><a href="/sparql">SPARQL query page</a></li></ul>'
    )
    return page("Home", "".join(parts))


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
