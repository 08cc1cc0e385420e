"""Keeps the AIMS over time: immutable, dated snapshots of an organisation's graphs and what changed between them."""

from __future__ import annotations

from .asof import as_of, validate_as_of
from .store import (
    CURRENT,
    GraphView,
    Snapshot,
    create_snapshot,
    dataset_graphs,
    drop_snapshot,
    get_snapshot,
    list_snapshots,
    organisation_graphs,
    refuse_snapshot_write,
)

__all__ = [
    "CURRENT",
    "GraphView",
    "Snapshot",
    "as_of",
    "create_snapshot",
    "dataset_graphs",
    "drop_snapshot",
    "get_snapshot",
    "list_snapshots",
    "organisation_graphs",
    "refuse_snapshot_write",
    "validate_as_of",
]
