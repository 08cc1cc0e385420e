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
    return _NOT_KEYWORDS.sub(" ", sparql)


def uses_service(sparql: str) -> bool:
    return bool(_SERVICE.search(_code(sparql)))


def has_dataset_clause(sparql: str) -> bool:
    """FROM or FROM NAMED: the query names its own dataset, which the union default must not override."""
    return bool(_FROM.search(_code(sparql)))
