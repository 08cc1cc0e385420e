"""A validation report as OSCAL assessment results: one finding per clause or control the shapes check.

Each SHACL result becomes an observation (method TEST, the focus node as subject, message, severity, shape and
path as props). Each clause or control a shape checks (its ``dcterms:source``) becomes a finding whose target is
that catalog id: ``not-satisfied`` and linked to its observations when results name it, ``satisfied`` when none
do. Results whose shape names no clause stay observations without a finding. The report comes from the compiled engine
(``validate_store``, engine ``auto``), which runs inside the store without copying it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from rdflib import DCTERMS, URIRef
from trestle.oscal import assessment_results as osar
from trestle.oscal import common as oc

from .. import resources
from ..catalogue import notation_of
from ..store import Queryable
from ..validation.report import ValidationReport, ValidationResult, clause_sort_key
from ..validation.validate import load_shapes, validate_store
from .catalog import entries
from .common import DOCUMENT_BASE, FRAMEWORKS, control_id, make, metadata, one_line, prop, resource, timestamp, uuid_for
from .organisation import read_organisation

SHAPES = "https://w3id.org/aims-graph/shapes"


def _observation_iri(result: ValidationResult) -> str:
    key = "|".join((result.focus, result.shape, result.path or "", result.value or "", result.constraint))
    return DOCUMENT_BASE + "observation/" + uuid_for(key)


def _titles(store: Queryable) -> dict[str, str]:
    found: dict[str, str] = {}

    def walk(items: list[Any]) -> None:
        for item in items:
            found[item.notation] = item.title
            walk(item.children)

    walk(entries(store, FRAMEWORKS["iso42001"]))
    return found


@cache
def enforced_notations() -> tuple[str, ...]:
    """The clauses and controls our shapes check (their dcterms:source), in clause order."""
    shapes = load_shapes(resources.shape_files())
    found = {notation_of(str(source)) for source in shapes.objects(None, DCTERMS.source) if isinstance(source, URIRef)}
    return tuple(sorted((n for n in found if n), key=clause_sort_key))


def export_assessment_results(
    store: Queryable, report: ValidationReport | None = None, enforced: Iterable[str] | None = None
) -> osar.AssessmentResults:
    """Assessment results for the store's data; validates it with the compiled engine unless given a report.

    ``enforced`` are the clauses and controls the shapes check (default: our shapes'), each of which gets a
    finding: satisfied when no result names it.
    """
    report = report if report is not None else validate_store(store, None, "auto")
    org = read_organisation(store)
    start = timestamp(org.date)
    titles = _titles(store)
    prefix = FRAMEWORKS["iso42001"].prefix
    observations: list[Any] = []
    by_clause: dict[str, list[str]] = {}
    for result in report.results:
        obs_uuid = uuid_for(_observation_iri(result))
        props = [prop("severity", result.severity), prop("shape", result.shape), prop("focus", result.focus)]
        if result.path:
            props.append(prop("path", result.path))
        if result.value:
            props.append(prop("value", result.value))
        observations.append(
            make(
                oc.Observation,
                uuid=obs_uuid,
                title=one_line(result.message)[:200] or "SHACL validation result",
                description=result.message,
                methods=["TEST"],
                types=["finding"],
                subjects=[
                    make(
                        oc.SubjectReference,
                        subject_uuid=uuid_for(result.focus),
                        type="resource",
                        title=one_line(result.focus),
                    )
                ],
                props=props,
                collected=start,
            )
        )
        for notation in result.clauses:
            by_clause.setdefault(notation, []).append(obs_uuid)
    checked = set(enforced if enforced is not None else enforced_notations()) | set(by_clause)
    findings = []
    for notation in sorted(checked, key=clause_sort_key):
        related = list(dict.fromkeys(by_clause.get(notation, [])))
        status = (
            make(oc.ObjectiveStatus, state="not-satisfied", reason="fail")
            if related
            else make(oc.ObjectiveStatus, state="satisfied", reason="pass")
        )
        findings.append(
            make(
                oc.Finding,
                uuid=uuid_for(org.system + "#finding-" + notation),
                title=one_line(f"{notation} {titles.get(notation, '')}"),
                description=f"{len(related)} validation result(s) against {notation}."
                if related
                else f"The shapes that check {notation} found nothing.",
                target=make(
                    oc.FindingTarget, type="objective-id", target_id=control_id(prefix, notation), status=status
                ),
                related_observations=[make(oc.RelatedObservation, observation_uuid=u) for u in related] or None,
            )
        )
    shapes = resource(SHAPES, "aims-graph SHACL shapes (the assessment method)")
    catalog = resource(
        FRAMEWORKS["iso42001"].scheme, "ISO/IEC 42001:2023 catalog (aims-graph)", href="iso42001-catalog.json"
    )
    outcome = "conforms" if report.conforms else f"does not conform: {len(report.results)} result(s)"
    all_controls = make(oc.ControlSelectionsAll, include_all=make(oc.IncludeAll))
    outcome_result = make(
        osar.Result,
        uuid=uuid_for(org.system + "#validation"),
        title=f"SHACL validation of {one_line(org.label)}",
        description=f"The data checked against the aims-graph shapes: {outcome}.",
        start=start,
        end=start,
        props=[prop("conforms", "true" if report.conforms else "false")],
        reviewed_controls=make(oc.ReviewedControls, control_selections=[all_controls]),
        observations=observations or None,
        findings=findings or None,
    )
    return make(
        osar.AssessmentResults,
        uuid=uuid_for(org.system + "#assessment-results"),
        metadata=metadata(f"Assessment results: {org.label}", org.date),
        import_ap=make(osar.ImportAp, href=f"#{shapes.uuid}"),
        results=[outcome_result],
        back_matter=make(oc.BackMatter, resources=[shapes, catalog]),
    )
