"""Lets AI assistants ask the graph questions over the Model Context Protocol: named queries, validation by
clause, catalogue lookup and read-only SPARQL, each answer naming the IRIs it rests on."""

from __future__ import annotations

from .answers import Answer
from .graph import ReadOnlyGraph

__all__ = ["Answer", "ReadOnlyGraph"]
