"""Which graphs a query can read: the default graph list cut down to the graphs that hold what it asks for.

Oxigraph evaluates a query over an explicit list of default graphs by looking up every triple pattern in every
listed graph, several times slower than over its union default graph; the embedded store needs such lists
once snapshots exist (the union would include them) and to read a snapshot. Most of those lookups are in
vain: a reference graph (a catalogue, a crosswalk) holds none of the properties a risk check reads.

A query whose every triple pattern has a constant predicate reads only triples with the predicates it names,
so a listed graph that holds no triple with any of them adds nothing to any solution, and leaving it out gives
the same answer (the default graph is the multiset union of the listed graphs). ``rdf:type`` is narrowed
further when every use of it names its class: ``?x a C`` reads only ``rdf:type C`` triples, and
``?x rdf:type/rdfs:subClassOf* C`` only those whose class is C or one of its subclasses (the subclasses are
found in the listed graphs, and the graphs holding ``rdfs:subClassOf`` triples are always kept for such a
query). The query is read by a lexical scan, which stays on the safe side: variable predicates, negated
property sets, GRAPH, SERVICE, DESCRIBE, FROM, BASE, relative IRIs, unknown prefixes or text it cannot
tokenise mean "keep every graph".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from ..namespaces import RDF, RDFS
from .sparql_text import lexemes, unescaped

Term = ox.NamedNode | ox.BlankNode

RDF_TYPE = RDF + "type"
SUBCLASS_OF = RDFS + "subClassOf"
LIST_PREDICATES = frozenset({RDF + "first", RDF + "rest"})
"""Collection syntax ``( ... )`` in a pattern reads these without naming them: looked for wherever a ``(``
may open a collection."""

_REFUSED_WORDS = {"GRAPH", "SERVICE", "DESCRIBE", "FROM", "BASE", "LOAD"}
_SUBJECT_ENDS = {"var", "iri", "pname", "blank"}
_SUBJECT_END_PUNCT = {"]", ")", ";", "[", ">"}
_OBJECT_STARTS = {"var", "iri", "pname", "blank", "string", "number"}
_MODIFIER_WORDS = {"LIMIT", "OFFSET", "HAVING", "VALUES", "ORDER", "GROUP"}


@dataclass(frozen=True)
class ReadSet:
    """What a query can read: triples with these predicates, and of ``rdf:type`` only these classes."""

    predicates: frozenset[str]
    """Every IRI the query names (a superset of its predicates: classes and values are harmless here)."""
    classes: frozenset[str]
    """Classes read as ``rdf:type C``."""
    with_subclasses: frozenset[str]
    """Classes read as ``rdf:type/rdfs:subClassOf* C``: C and every subclass of it."""
    any_type: bool
    """Some use of ``rdf:type`` does not name its class: every ``rdf:type`` triple may matter."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokens(text: str) -> list[_Token] | None:
    found, stopped = lexemes(text)
    return None if stopped is not None else [_Token(kind, lexeme) for kind, lexeme, _ in found]


_CACHED_LENGTH = 20_000
"""Longer texts are scanned each time: a cache of any text a client sends would hold whatever it sends."""


def read_set(sparql: str) -> ReadSet | None:
    """What ``sparql`` can read, or None when a lexical scan cannot be sure (then every graph is kept)."""
    return _cached_read_set(sparql) if len(sparql) <= _CACHED_LENGTH else _read_set(sparql)


@lru_cache(maxsize=1024)
def _cached_read_set(sparql: str) -> ReadSet | None:
    return _read_set(sparql)


def _read_set(sparql: str) -> ReadSet | None:
    tokens = _tokens(unescaped(sparql))
    if not tokens:
        return None
    prefixes: dict[str, str] = {}
    names: list[str | None] = [None] * len(tokens)
    skipping = ""  # "select", "values" or "modifiers": lists of variables that are no triple patterns
    for index, token in enumerate(tokens):
        word = token.upper
        if word in _REFUSED_WORDS:
            return None
        if word == "PREFIX":
            if index + 2 >= len(tokens) or tokens[index + 1].kind != "pname" or tokens[index + 2].kind != "iri":
                return None
            namespace = tokens[index + 2].text[1:-1]
            if ":" not in namespace:
                return None
            prefixes[tokens[index + 1].text[:-1]] = namespace
            continue
        if token.kind == "iri":
            if ":" not in token.text:
                return None  # a relative IRI: what it names depends on a base this scan does not follow
            names[index] = token.text[1:-1]
        elif token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix not in prefixes:
                if index > 0 and tokens[index - 1].upper == "PREFIX":
                    continue
                return None
            names[index] = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        elif token.kind == "word" and token.text == "a":
            names[index] = RDF_TYPE
        if word in ("SELECT", "CONSTRUCT"):
            skipping = "select"
        elif word == "VALUES":
            skipping = "values"
        elif word == "BY" and index > 0 and tokens[index - 1].upper in ("ORDER", "GROUP"):
            skipping = "modifiers"
        elif token.text == "{" or word == "WHERE" or (skipping == "modifiers" and _ends_modifiers(token)):
            skipping = ""
        if token.text == "!" and _negated_set(tokens, index):
            return None
        if token.kind == "var" and not skipping and _verb_position(tokens, index):
            return None  # a variable where a predicate goes: any triple may match
        if token.text in ("*", "?") and _zero_length_path(tokens, names, index):
            return None  # a path of length zero matches terms wherever they occur, in any graph
    return _classes(tokens, names)


def _zero_length_path(tokens: list[_Token], names: list[str | None], index: int) -> bool:
    """Whether ``*`` or ``?`` at ``index`` lets a path match with no triple (``?a :p* ?b`` pairs every term of
    the dataset with itself), other than in ``rdf:type/rdfs:subClassOf* C``, whose class C occurs in the
    graphs kept for its ``rdf:type`` and ``rdfs:subClassOf`` triples."""
    if index == 0:
        return False
    before = tokens[index - 1]
    if not (before.kind in ("iri", "pname") or before.text in ("a", ")")):
        return False  # SELECT *, COUNT(*), a multiplication
    return not (
        names[index - 1] == SUBCLASS_OF
        and index >= 3
        and tokens[index - 2].text == "/"
        and names[index - 3] == RDF_TYPE
        and index + 1 < len(tokens)
        and tokens[index + 1].kind in ("iri", "pname")
    )


def _ends_modifiers(token: _Token) -> bool:
    return token.text == "}" or token.upper in _MODIFIER_WORDS


def _verb_position(tokens: list[_Token], index: int) -> bool:
    """Whether the variable at ``index`` may be a predicate: it follows what can end a subject and precedes
    what can begin an object (``?s ?p ?o``, ``[] ?p 1``, ``; ?p ?o``); an object is followed by ``.``, ``;``,
    ``,``, ``}`` or a keyword instead. Lists of variables (``(?a ?b)``) count too, which only keeps graphs."""
    if index == 0 or index + 1 >= len(tokens):
        return False
    before, after = tokens[index - 1], tokens[index + 1]
    subject_end = before.kind in _SUBJECT_ENDS or (before.kind == "punct" and before.text in _SUBJECT_END_PUNCT)
    object_start = after.kind in _OBJECT_STARTS or after.text in ("[", "(", "<") or after.upper in ("TRUE", "FALSE")
    return subject_end and object_start


def _negated_set(tokens: list[_Token], index: int) -> bool:
    """``!p`` or ``!(p|^q)`` in a path, as opposed to a logical not in an expression."""
    following = tokens[index + 1 : index + 3]
    if not following:
        return False
    first = following[0]
    if first.kind in ("iri", "pname") or first.text in ("a", "^"):
        return True
    if first.text == "(" and len(following) > 1:
        second = following[1]
        return second.kind in ("iri", "pname") or second.text in ("a", "^")
    return False


def _classes(tokens: list[_Token], names: list[str | None]) -> ReadSet:
    classes: set[str] = set()
    with_subclasses: set[str] = set()
    any_type = False
    for index, name in enumerate(names):
        if name != RDF_TYPE:
            continue
        if index > 0 and tokens[index - 1].text == "^":
            any_type = True
            continue
        after = tokens[index + 1 : index + 6]
        texts = [t.text for t in after]
        ends = ("}", ".", ";")
        if (
            len(after) >= 4
            and texts[0] == "/"
            and names[index + 2] == SUBCLASS_OF
            and texts[2] == "*"
            and names[index + 4] is not None
            and tokens[index + 4].kind in ("iri", "pname")
            and (len(after) == 4 or texts[4] in ends)
        ):
            with_subclasses.add(names[index + 4] or "")
        elif (
            len(after) >= 1
            and tokens[index + 1].kind in ("iri", "pname")
            and names[index + 1] is not None
            and (len(after) == 1 or texts[1] in ends)
        ):
            classes.add(names[index + 1] or "")
        else:
            any_type = True
    predicates = frozenset(name for name in names if name is not None)
    if any(t.text == "(" and _may_start_collection(tokens[i - 1]) for i, t in enumerate(tokens) if i > 0):
        predicates |= LIST_PREDICATES
    return ReadSet(predicates, frozenset(classes), frozenset(with_subclasses), any_type)


def _may_start_collection(previous: _Token) -> bool:
    """Whether a ``(`` after this token may open a collection (``?s :p (1 2)``, ``{ (1 2) :p ?o }``) rather
    than an expression or a function's arguments; a path group or an IRI function call also counts."""
    if previous.kind in ("var", "iri", "pname", "blank"):
        return True
    return previous.text in ("a", "{", "}", ".", ";", ",", "[", "]", ")")


PRUNE = True
"""Off only to measure what pruning saves (bench/snapshots_bench.py), in the same process."""


def graphs_read(sparql: str, graphs: Sequence[ox.NamedNode], store: ox.Store) -> list[ox.NamedNode]:
    """The listed graphs that can hold a triple the query reads, those holding most of it first (all of them,
    in the given order, when unsure)."""
    if len(graphs) < 2 or not PRUNE:
        return list(graphs)
    reads = read_set(sparql)
    if reads is None:
        return list(graphs)

    def has(graph: ox.NamedNode, predicate: ox.NamedNode, obj: Term | None) -> bool:
        return next(iter(store.quads_for_pattern(None, predicate, obj, graph)), None) is not None

    type_node = ox.NamedNode(RDF_TYPE)
    predicates = [ox.NamedNode(p) for p in sorted(reads.predicates - {RDF_TYPE})]
    types: list[Term] = []
    if RDF_TYPE in reads.predicates and not reads.any_type:
        types = [ox.NamedNode(c) for c in sorted(reads.classes)]
        types += subclasses(reads.with_subclasses, graphs, store)
    scores: list[tuple[int, int, ox.NamedNode]] = []
    for position, graph in enumerate(graphs):
        score = sum(has(graph, p, None) for p in predicates)
        if RDF_TYPE in reads.predicates:
            score += has(graph, type_node, None) if reads.any_type else sum(has(graph, type_node, c) for c in types)
        if score:
            scores.append((-score, position, graph))
    # The graph that holds most of what the query reads goes first: EXISTS and OPTIONAL stop at their first
    # match, and Oxigraph looks in the listed graphs in order.
    return [graph for _score, _position, graph in sorted(scores)]


def subclasses(classes: frozenset[str], graphs: Sequence[ox.NamedNode], store: ox.Store) -> list[Term]:
    """The classes and all their subclasses (blank nodes too), by ``rdfs:subClassOf`` in the listed graphs."""
    found: list[Term] = [ox.NamedNode(c) for c in sorted(classes)]
    seen: set[Term] = set(found)
    frontier = list(found)
    subclass = ox.NamedNode(SUBCLASS_OF)
    while frontier:
        cls = frontier.pop()
        for graph in graphs:
            for quad in store.quads_for_pattern(None, subclass, cls, graph):
                subject = quad.subject
                if not isinstance(subject, ox.Triple) and subject not in seen:
                    seen.add(subject)
                    found.append(subject)
                    frontier.append(subject)
    return found
