"""The organisation and management system an OSCAL document is about, and the date its records carry."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Queryable
from .common import DOCUMENT_BASE, select, text


@dataclass(frozen=True)
class Organisation:
    system: str
    label: str
    organisation: str | None
    name: str | None
    scope: str | None
    date: str | None


def read_organisation(store: Queryable) -> Organisation:
    """The (first) aims:ManagementSystem; a stand-in IRI when the data has none, so documents still have one."""
    rows = select(store, "organisation")
    row = rows[0] if rows else {}
    system = text(row, "system") or DOCUMENT_BASE + "management-system"
    name = text(row, "organizationName")
    return Organisation(
        system,
        text(row, "systemLabel") or (f"{name} AI management system" if name else "AI management system"),
        text(row, "organization"),
        name,
        text(row, "scope"),
        text(row, "date"),
    )
