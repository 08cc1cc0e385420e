"""An organisation's Statement of Applicability as an OSCAL profile over the ISO/IEC 42001 catalog.

Applicable controls are included and the others excluded (``include-controls`` / ``exclude-controls``). OSCAL's
control selections carry no text, so every entry's justification is kept as a metadata prop named
``soa-entry`` in aims-graph's namespace: its value is the control id, its class ``applicable`` or
``not-applicable``, its remarks the justification. Applicable controls also get their implementation status
through ``modify/alters`` (a prop ``implementation-status``). A control with entries that disagree about
applicability is included (one applicable entry is enough) and named in the metadata remarks.
"""

from __future__ import annotations

from typing import Any

from trestle.oscal import common as oc
from trestle.oscal import profile as osprof

from ..errors import UserInputError
from ..store import Queryable
from .catalog import control_ids
from .common import FRAMEWORKS, make, metadata, prop, resource, uuid_for
from .organisation import read_organisation
from .soa import STATUS, SoA, read_soa

CATALOG_FILE = "iso42001-catalog.json"
"""Where the profile expects the catalog (``aims-graph oscal export catalog --out iso42001-catalog.json``)."""


def catalog_resource() -> Any:
    scheme = FRAMEWORKS["iso42001"].scheme
    return resource(scheme, "ISO/IEC 42001:2023 catalog (aims-graph)", href=CATALOG_FILE)


def applicability(soa: SoA, ids: dict[str, str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Included ids, excluded ids, entries whose control is not in the catalog, controls with conflicting entries
    (``ids``: catalogue IRI -> control id, in catalog order)."""
    included: list[str] = []
    excluded: list[str] = []
    unknown: list[str] = []
    conflicting: list[str] = []
    for control, entries in soa.by_control().items():
        if control not in ids:
            unknown.append(control)
            continue
        says = {e.applicable for e in entries if e.applicable is not None}
        if True in says:
            included.append(ids[control])
            if False in says:
                conflicting.append(ids[control])
        elif False in says:
            excluded.append(ids[control])
    order = list(ids.values())
    return sorted(included, key=order.index), sorted(excluded, key=order.index), sorted(unknown), conflicting


def export_profile(store: Queryable, soa_iri: str | None = None) -> osprof.Profile:
    soa = read_soa(store, soa_iri)
    ids = control_ids(store, FRAMEWORKS["iso42001"])
    included, excluded, unknown, conflicting = applicability(soa, ids)
    if not included:
        raise UserInputError(f"the Statement of Applicability <{soa.iri}> marks no catalogue control applicable")
    props: list[Any] = [prop("statement-of-applicability", soa.iri)]
    alters: list[Any] = []
    seen: set[str] = set()
    order = {iri: n for n, iri in enumerate(ids)}
    for entry in sorted(soa.entries, key=lambda e: (order.get(e.control, len(order)), e.iri)):
        if entry.control not in ids or entry.applicable is None:
            continue
        oscal_id = ids[entry.control]
        props.append(
            prop(
                "soa-entry",
                oscal_id,
                cls="applicable" if entry.applicable else "not-applicable",
                remarks=entry.justification,
            )
        )
        status = STATUS.get(entry.status or "")
        if entry.applicable and status and oscal_id not in seen:
            seen.add(oscal_id)
            adds = [make(osprof.Add, position="ending", props=[prop("implementation-status", status)])]
            alters.append(make(osprof.Alter, control_id=oscal_id, adds=adds))
    notes = []
    if unknown:
        notes.append("Entries for controls that are not in the catalogue were left out: " + ", ".join(unknown) + ".")
    if conflicting:
        notes.append("Controls with entries that disagree on applicability (included): " + ", ".join(conflicting))
    catalog = catalog_resource()
    imported = make(
        osprof.Import2,
        href=f"#{catalog.uuid}",
        include_controls=[make(osprof.SelectControl, with_ids=included)],
        exclude_controls=[make(osprof.SelectControl, with_ids=excluded)] if excluded else None,
    )
    return make(
        osprof.Profile,
        uuid=uuid_for(soa.iri),
        metadata=metadata(
            f"Statement of Applicability: {soa.title}",
            soa.date or read_organisation(store).date,
            remarks="\n\n".join(notes) or None,
            props=props,
        ),
        imports=[imported],
        merge=make(osprof.Merge2, as_is=True),
        modify=make(osprof.Modify, alters=alters) if alters else None,
        back_matter=make(oc.BackMatter, resources=[catalog]),
    )
