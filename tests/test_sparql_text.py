"""Keyword detection and VALUES placement in SPARQL text."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from aims_graph.store.sparql_text import has_dataset_clause, update_keyword, uses_service, with_values


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
        "select * { service silent ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o .\n# a comment\nSERVICE\n<http://x/> {} }",
        # A "<" that is "less than" where a pattern reads an IRI, hiding what follows as a string.
        "SELECT ?a WHERE { BIND(1<'>' AS ?x) SERVICE <http://127.0.0.1:1/x> { ?a ?b ?c } BIND('y' AS ?y) }",
        # An escaped "#" in a local name, which a pattern reads as the start of a comment.
        "PREFIX ex: <urn:x:> SELECT ?a WHERE { VALUES ?z { ex:a\\#b } SERVICE <http://127.0.0.1:1/x> { ?a ?b ?c } }",
        "SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
        "SELECT * WHERE { { SELECT * { OPTIONAL { service silent ?e { ?s ?p ?o } } } } }",
        "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } } GARBAGE 'SERVICE'",
    ],
)
def test_service_found(query: str) -> None:
    assert uses_service(query)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE" }',
        "SELECT * WHERE { ?s <http://x/SERVICE> ?o }",
        "SELECT ?service WHERE { ?service ex:service ?o }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE in a comment",
        "SELECT * WHERE { ?s ?p '''multi\nSERVICE\nline''' }",
    ],
)
def test_service_not_found(query: str) -> None:
    assert not uses_service(query)


def test_dataset_clause() -> None:
    assert has_dataset_clause("SELECT * FROM <http://g> WHERE { ?s ?p ?o }")
    assert has_dataset_clause("SELECT * FROM NAMED <http://g> WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert not has_dataset_clause('SELECT * WHERE { ?s ?p "from" . ?s <http://x/from> ?o }')


def test_values_go_first_in_the_outer_group_so_filters_see_them() -> None:
    query = (
        "# a comment with WHERE { in it\nSELECT ?text ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), ?text)) "
        "{ SELECT ?x WHERE { ?x ?y ?z } } }"
    )
    bound = with_values(query, ["text"], ['"b"'])
    assert bound.index("VALUES (?text)") < bound.index("?s ?p ?o")
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://a/s"), ox.NamedNode("http://a/p"), ox.Literal("abc")))
    rows = list(store.query(bound))
    assert len(rows) == 1 and rows[0]["text"] == ox.Literal("b")


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("INSERT DATA { <http://x/s> <http://x/p> 1 }", "INSERT"),
        ("PREFIX ex: <http://x/>\ndelete where { ?s ?p ?o }", "DELETE"),
        ("LOAD <http://example.org/data.ttl>", "LOAD"),
        ("CLEAR ALL", "CLEAR"),
        ("WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
        ("SELECT * WHERE { ?s ?p ?o }", None),
        ('SELECT * WHERE { ?s ?p "INSERT DATA" } # LOAD in a comment', None),
        ("SELECT ?insert WHERE { ?insert ex:delete <http://x/LOAD> . ?x ?y _:drop }", None),
        ('SELECT * WHERE { ?s ?p "x"@en-add }', None),
    ],
)
def test_update_keyword(text: str, keyword: str | None) -> None:
    assert update_keyword(text) == keyword
