"""Looking for keywords in SPARQL text without being fooled by strings, IRIs, comments or prefixed names."""

from __future__ import annotations

import re

# Text that cannot hold a keyword: long and short string literals, IRIs and comments.
_NOT_KEYWORDS = re.compile(
    r"'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|<[^<>\"{}|^`\\\s]*>|#[^\n]*",
    re.DOTALL,
)


def _keyword(word: str) -> re.Pattern[str]:
    # Not part of a prefixed name (ex:service, service:x) nor of a variable (?service).
    return re.compile(rf"(?<![\w:?$]){word}(?![\w:-])", re.IGNORECASE)


_SERVICE = _keyword("SERVICE")
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


def uses_service(sparql: str) -> bool:
    return bool(_SERVICE.search(_code(sparql)))


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
