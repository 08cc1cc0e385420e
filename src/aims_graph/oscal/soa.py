"""The Statement of Applicability as the OSCAL documents about an organisation need it (profile, component)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import NotFoundError, UserInputError
from ..store import Queryable
from .common import one_line, select, text


@dataclass
class SoAEntry:
    iri: str
    control: str
    notation: str | None
    applicable: bool | None
    justification: str | None
    status: str | None


@dataclass
class SoA:
    iri: str
    title: str
    date: str | None
    entries: list[SoAEntry] = field(default_factory=list)

    def by_control(self) -> dict[str, list[SoAEntry]]:
        found: dict[str, list[SoAEntry]] = {}
        for entry in self.entries:
            found.setdefault(entry.control, []).append(entry)
        return found


STATUS = {
    "https://w3id.org/aims-graph/ontology#Implemented": "implemented",
    "https://w3id.org/aims-graph/ontology#InProgress": "partial",
    "https://w3id.org/aims-graph/ontology#Planned": "planned",
}
"""aims:implementationStatus -> the OSCAL implementation-status state (In progress is OSCAL's ``partial``)."""


def read_soa(store: Queryable, iri: str | None = None) -> SoA:
    """The store's Statement of Applicability (the one named by ``iri`` when the store holds several)."""
    found: dict[str, SoA] = {}
    for row in select(store, "soa"):
        soa_iri = text(row, "soa") or ""
        soa = found.setdefault(soa_iri, SoA(soa_iri, one_line(text(row, "soaTitle") or soa_iri), text(row, "soaDate")))
        entry, control = text(row, "entry"), text(row, "control")
        if entry is None or control is None:
            continue
        applicable = text(row, "applicable")
        soa.entries.append(
            SoAEntry(
                entry,
                control,
                text(row, "notation"),
                None if applicable is None else applicable in ("true", "1"),
                text(row, "justification"),
                text(row, "status"),
            )
        )
    if iri is not None:
        if iri not in found:
            raise NotFoundError(f"no aims:StatementOfApplicability <{iri}> in the store")
        return found[iri]
    if not found:
        raise NotFoundError("the store holds no aims:StatementOfApplicability")
    if len(found) > 1:
        raise UserInputError(
            f"the store holds several Statements of Applicability ({', '.join(sorted(found))}); name one"
        )
    return next(iter(found.values()))
