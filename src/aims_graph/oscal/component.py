"""The organisation's implemented ISO/IEC 42001 controls as an OSCAL component definition.

The AI management system is one component (type ``process-procedure``); its control implementation has one
implemented requirement per applicable control of the Statement of Applicability, with the justification as
description, the implementation status as a prop (aims:Implemented -> implemented, aims:InProgress -> partial,
aims:Planned -> planned) and a link (rel ``evidence``) to a back-matter resource for each aims:Evidence recorded
for the control, whose rlink is the evidence's IRI.
"""

from __future__ import annotations

from typing import Any

from trestle.oscal import common as oc
from trestle.oscal import component as oscomp

from ..errors import UserInputError
from ..store import Queryable
from .catalog import control_ids
from .common import FRAMEWORKS, make, metadata, one_line, prop, select, text, uuid_for
from .organisation import read_organisation
from .profile import catalog_resource
from .soa import STATUS, read_soa


def evidence_by_target(store: Queryable) -> dict[str, list[tuple[str, str, str | None]]]:
    found: dict[str, list[tuple[str, str, str | None]]] = {}
    for row in select(store, "evidence"):
        iri = text(row, "evidence") or ""
        found.setdefault(text(row, "target") or "", []).append((iri, text(row, "title") or iri, text(row, "date")))
    return found


def export_component_definition(store: Queryable, soa_iri: str | None = None) -> oscomp.ComponentDefinition:
    org = read_organisation(store)
    soa = read_soa(store, soa_iri)
    ids = control_ids(store, FRAMEWORKS["iso42001"])
    evidence = evidence_by_target(store)
    resources: dict[str, Any] = {}
    requirements: list[Any] = []
    for control, entries in sorted(
        soa.by_control().items(), key=lambda item: list(ids).index(item[0]) if item[0] in ids else len(ids)
    ):
        applicable = [e for e in entries if e.applicable]
        if control not in ids or not applicable:
            continue
        entry = applicable[0]
        status = STATUS.get(entry.status or "")
        links = []
        for iri, title, date in evidence.get(control, []):
            if iri not in resources:
                resources[iri] = make(
                    oc.Resource,
                    uuid=uuid_for(iri),
                    title=one_line(title),
                    props=[prop("date", date)] if date else None,
                    rlinks=[make(oc.Rlink, href=iri)],
                )
            links.append(make(oc.Link, href=f"#{uuid_for(iri)}", rel="evidence", text=one_line(title)))
        requirements.append(
            make(
                oscomp.ImplementedRequirement,
                uuid=uuid_for(entry.iri),
                control_id=ids[control],
                description=entry.justification or "Applicable; the Statement of Applicability gives no reason.",
                props=[prop("implementation-status", status)] if status else None,
                links=links or None,
            )
        )
    if not requirements:
        raise UserInputError(f"the Statement of Applicability <{soa.iri}> marks no catalogue control applicable")
    catalog = catalog_resource()
    implementation = make(
        oscomp.ControlImplementation,
        uuid=uuid_for(soa.iri + "#implementation"),
        source=f"#{catalog.uuid}",
        description=f"Controls of ISO/IEC 42001 Annex A applicable under {soa.title}, as implemented.",
        implemented_requirements=requirements,
    )
    component = make(
        oscomp.DefinedComponent,
        uuid=uuid_for(org.system),
        type="process-procedure",
        title=one_line(org.label),
        description=org.scope or f"The AI management system of {org.name or 'the organisation'}.",
        control_implementations=[implementation],
    )
    return make(
        oscomp.ComponentDefinition,
        uuid=uuid_for(org.system + "#component-definition"),
        metadata=metadata(f"{org.label}: implemented ISO/IEC 42001 controls", org.date or soa.date),
        components=[component],
        back_matter=make(oc.BackMatter, resources=[catalog, *resources.values()]),
    )
