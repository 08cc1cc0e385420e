"""Looking for keywords in SPARQL text: SERVICE with a real SPARQL grammar, FROM and WHERE by a lexical scan.

Whether a query is federated decides whether the server may reach the network, so it is decided by rdflib's
SPARQL parser (a grammar, not a pattern) and fails closed: a query that rdflib cannot parse is refused if the
word SERVICE appears in it anywhere, even inside a string. The query workers cannot open network connections
either (``sandbox``), so a disagreement between rdflib's parser and pyoxigraph's never becomes a request.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from ..errors import UnsafeInputError

# Text that cannot hold a keyword: long and short string literals, IRIs and comments.
_NOT_KEYWORDS = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|<[^<>\"{}|^`\\\s]*>|#[^\n]*",
    re.DOTALL,
)


def _keyword(word: str) -> re.Pattern[str]:
    # Not part of a prefixed name (ex:service, service:x) nor of a variable (?service).
    return re.compile(rf"(?<![\w:?$]){word}(?![\w:-])", re.IGNORECASE)


_FROM = _keyword("FROM")


def _code(sparql: str) -> str:
    """The query with strings, IRIs and comments blanked out, keeping every other character's position."""
    return _NOT_KEYWORDS.sub(lambda found: " " * len(found.group(0)), sparql)


_WHERE = _keyword("WHERE")


def with_values(sparql: str, names: list[str], values: list[str]) -> str:
    """The query with a VALUES block first in its outermost WHERE group.

    There, unlike in a trailing VALUES clause, the bound variables are visible to the group's FILTERs and
    BINDs, so the answer is the same as with pyoxigraph's substitutions.
    """
    code = _code(sparql)
    where = _WHERE.search(code)
    brace = code.find("{", where.end() if where else 0)
    if brace < 0:
        raise ValueError("the query has no group pattern to bind values in")
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(values)}) }} "
    return sparql[: brace + 1] + block + sparql[brace + 1 :]


# The word anywhere, in any case: what a fail-closed check looks for when no grammar can tell what it is.
_SERVICE_WORD = re.compile(r"(?<![A-Za-z0-9_])service(?![A-Za-z0-9_])", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

_LEXEME = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$](?:\w|\u00B7)+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>\d+\.\d*[eE][+-]?\d+|\.?\d+[eE][+-]?\d+|\d*\.\d+|\d+)
  | (?P<blank>_:(?:[\w-]|\.(?=[\w-]))+)
  | (?P<pname>(?:[^\W\d_](?:[\w-]|\.(?=[\w-]))*)?:(?:[\w:%-]|\\.|\.(?=[\w:%-]))*)
  | (?P<word>[^\W\d](?:\w|-(?=\w))*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*/|^!=<>+\-?])
    """,
    re.VERBOSE | re.UNICODE,
)


def lexemes(text: str) -> tuple[list[tuple[str, str, int]], int | None]:
    """SPARQL text cut into (kind, text, start) lexemes, without white space and comments, and the position
    where no lexeme fits (None when the whole text was read). Kinds: string, iri, var, lang, number, blank,
    pname, word, punct."""
    found: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        match = _LEXEME.match(text, position)
        if match is None:
            return found, position
        kind = match.lastgroup or ""
        if kind not in ("ws", "comment"):
            found.append((kind, match.group(), position))
        position = match.end()
    return found, None


def unescaped(sparql: str) -> str:
    """The text with SPARQL's \\u and \\U escapes decoded, which the grammar allows anywhere in a query."""

    def decode(found: re.Match[str]) -> str:
        code = int(found.group(1) or found.group(2), 16)
        return chr(code) if code <= 0x10FFFF else found.group(0)

    return _ESCAPE.sub(decode, sparql)


def refuse_service(sparql: str) -> None:
    """Federated queries would make the server fetch from the network; every read face refuses them first."""
    if uses_service(sparql):
        raise UnsafeInputError("SERVICE is not allowed: this endpoint never queries other servers")


def uses_service(sparql: str) -> bool:
    """Whether the query may be federated: SERVICE in its parse, or, where rdflib cannot parse it, in its text."""
    if "\\" not in sparql and not _SERVICE_WORD.search(sparql):
        return False  # without a backslash no escape can spell the word: one scan is enough
    if not (_SERVICE_WORD.search(sparql) or _SERVICE_WORD.search(unescaped(sparql))):
        return False  # no such token at all, however the text is read
    return _parsed_uses_service(sparql)


@lru_cache(maxsize=512)
def _parsed_uses_service(sparql: str) -> bool:
    try:
        tree = parseQuery(sparql)
    except (ParseBaseException, ValueError, TypeError, RecursionError):
        return True  # fail closed: the word is there and no grammar says what it is
    return _has_service(tree)


def _has_service(node: object) -> bool:
    """Walk rdflib's parse tree for a SERVICE pattern, at any depth (EXISTS, sub-selects, OPTIONAL, ...)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == "ServiceGraphPattern":
                return True
            stack.extend(dict.values(item))
        elif isinstance(item, ParseResults | list | tuple):
            stack.extend(item)
    return False


# The SPARQL 1.1 Update operations; none of these words is a keyword of the query language.
_UPDATE = re.compile(
    r"(?<![\w:?$@-])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)(?![\w:-])", re.IGNORECASE
)


def update_keyword(sparql: str) -> str | None:
    """The first update operation in the text (LOAD, INSERT, ...), for refusing it by name before parsing."""
    found = _UPDATE.search(_code(sparql))
    return found.group(1).upper() if found else None


def has_dataset_clause(sparql: str) -> bool:
    """FROM or FROM NAMED: the query names its own dataset, which the union default must not override."""
    return bool(_FROM.search(_code(sparql)))


def without_comments(sparql: str) -> str:
    """The text without its comments (strings and IRIs that hold a ``#`` kept): SPARQLWrapper reads the
    operation from the first keyword it finds and removes only one leading comment line itself."""
    return _NOT_KEYWORDS.sub(lambda found: "" if found.group(0).startswith("#") else found.group(0), sparql)
