"""Open nonconformities and their corrective actions as an OSCAL plan of action and milestones.

Each open aims:Nonconformity becomes a risk (status ``open``, or ``remediating`` once a corrective action is
under way) and a POA&M item pointing at it; each aims:CorrectiveAction that addresses it becomes a remediation
(lifecycle ``planned``, or ``completed`` when Implemented) with its target date as a milestone task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trestle.oscal import common as oc
from trestle.oscal import poam as ospoam

from ..errors import NotFoundError
from ..store import Queryable
from .common import FRAMEWORKS, control_id, make, metadata, one_line, prop, select, text, timestamp, uuid_for
from .organisation import read_organisation
from .soa import STATUS


@dataclass
class Action:
    iri: str
    label: str
    status: str | None
    target: str | None
    owner: str | None


@dataclass
class Nonconformity:
    iri: str
    label: str
    comment: str | None
    against: str | None
    notation: str | None
    raised: str | None
    actions: dict[str, Action] = field(default_factory=dict)


def read_nonconformities(store: Queryable) -> list[Nonconformity]:
    found: dict[str, Nonconformity] = {}
    for row in select(store, "nonconformities"):
        iri = text(row, "nonconformity") or ""
        nc = found.setdefault(
            iri,
            Nonconformity(
                iri,
                one_line(text(row, "label") or iri),
                text(row, "comment"),
                text(row, "against"),
                text(row, "againstNotation"),
                text(row, "raised"),
            ),
        )
        action = text(row, "action")
        if action is not None and action not in nc.actions:
            nc.actions[action] = Action(
                action,
                one_line(text(row, "actionLabel") or action),
                text(row, "actionStatus"),
                text(row, "actionTarget"),
                text(row, "actionOwnerLabel") or text(row, "actionOwner"),
            )
    return list(found.values())


def _remediation(action: Action) -> Any:
    status = STATUS.get(action.status or "")
    props = [prop("implementation-status", status)] if status else []
    if action.owner:
        props.append(prop("owner", action.owner))
    tasks = None
    if action.target:
        tasks = [
            make(
                oc.Task,
                uuid=uuid_for(action.iri + "#target"),
                type="milestone",
                title="Target date",
                timing=make(oc.TimingOnDate, on_date=make(oc.OnDate, date=timestamp(action.target))),
            )
        ]
    return make(
        oc.Response,
        uuid=uuid_for(action.iri),
        lifecycle="completed" if status == "implemented" else "planned",
        title=action.label,
        description=f"Corrective action: {action.label}.",
        props=props or None,
        links=[make(oc.Link, href=action.iri, rel="canonical")],
        tasks=tasks,
    )


def export_poam(store: Queryable) -> ospoam.PlanOfActionAndMilestones:
    nonconformities = read_nonconformities(store)
    if not nonconformities:
        raise NotFoundError("the store holds no open aims:Nonconformity: a POA&M would have no items")
    org = read_organisation(store)
    prefix = FRAMEWORKS["iso42001"].prefix
    risks: list[Any] = []
    items: list[Any] = []
    for nc in nonconformities:
        against = f"{nc.notation}" if nc.notation else (nc.against or "no recorded requirement")
        props = [prop("against", control_id(prefix, nc.notation))] if nc.notation else []
        under_way = any(STATUS.get(a.status or "") in ("partial", "implemented") for a in nc.actions.values())
        risks.append(
            make(
                oc.Risk,
                uuid=uuid_for(nc.iri),
                title=nc.label,
                description=nc.comment or nc.label,
                statement=f"Nonconformity against {against}, not yet closed.",
                status=make(oc.RiskStatus, "remediating" if under_way else "open"),
                props=props or None,
                links=[make(oc.Link, href=nc.iri, rel="canonical")],
                remediations=[_remediation(a) for a in nc.actions.values()] or None,
            )
        )
        items.append(
            make(
                ospoam.PoamItem,
                uuid=uuid_for(nc.iri + "#poam-item"),
                title=nc.label,
                description=f"Close the nonconformity against {against}.",
                props=props or None,
                related_risks=[make(oc.AssociatedRisk, risk_uuid=uuid_for(nc.iri))],
                remarks=None if nc.actions else "No corrective action addresses this nonconformity yet.",
            )
        )
    return make(
        ospoam.PlanOfActionAndMilestones,
        uuid=uuid_for(org.system + "#poam"),
        metadata=metadata(f"Plan of action and milestones: {org.label}", org.date),
        system_id=make(oc.SystemId, identifier_type="https://ietf.org/rfc/rfc4122", id=uuid_for(org.system)),
        risks=risks,
        poam_items=items,
    )
