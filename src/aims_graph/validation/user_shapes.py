"""Validating against shapes a user brings, parsed safely by us (never by rdflib, which would fetch remote
JSON-LD contexts), then handed to the validator as a Turtle file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import rdflib

from .report import ValidationReport
from .validate import validate


def validate_with_shapes(data: rdflib.Graph, shapes: list[rdflib.Graph] | None, engine: str) -> ValidationReport:
    """Our shapes when ``shapes`` is None; otherwise the user's shapes replace ours."""
    if shapes is None:
        return validate(data, engine=engine)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for number, graph in enumerate(shapes):
            path = Path(tmp) / f"shapes-{number}.ttl"
            path.write_text(graph.serialize(format="turtle"), encoding="utf-8")
            paths.append(path)
        return validate(data, paths, engine=engine)
