"""Queries and validation as of a snapshot: exactly its graphs plus the reference graphs, in the store."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

from .. import rdfio, resources
from ..answers import Triples
from ..validation.report import ValidationReport
from ..validation.validate import load_shapes, validate_graphs, validate_store
from .store import CURRENT, AnyStore, GraphView, dataset_graphs


def as_of(store: AnyStore, label: str) -> GraphView:
    """The store seen as of a snapshot (or ``current``): what every named query and validation can run on."""
    return GraphView(store, dataset_graphs(store, label or CURRENT))


def validate_as_of(view: GraphView, shapes: rdflib.Graph | None, engine: str) -> ValidationReport:
    """Validate a snapshot's records: in the store with the compiled engines, from a copy for pyshacl."""
    if engine != "pyshacl":
        return validate_store(view, shapes, engine)
    answer = view.query(resources.internal_query("ld/graph-content.rq"))
    assert isinstance(answer, Triples)
    data = rdfio.to_rdflib([ox.Quad(t.subject, t.predicate, t.object) for t in answer.triples])
    return validate_graphs(data, shapes if shapes is not None else load_shapes(resources.shape_files()), engine)
