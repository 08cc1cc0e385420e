"""aims-graph's crosswalks as an OSCAL mapping collection: one mapping per target catalogue.

Each aims:Mapping becomes a ``map`` whose relationship is its NIST IR 8477 set relation (aims:Equal ->
equal-to, aims:Subset -> subset-of, aims:Superset -> superset-of, aims:Intersects -> intersects-with; a mapping
without one falls back on its SKOS predicate: exact -> equivalent-to, broad -> subset-of, narrow -> superset-of,
close and related -> intersects-with). Mappings from Annex C items (not in the catalog) are listed in the
metadata remarks instead. The SKOS predicate, the SEMAPV method and the mapping's IRI travel as
props in aims-graph's namespace, the justification as remarks, the confidence as confidence-score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trestle.oscal import common as oc
from trestle.oscal import mapping as osmap

from .. import resources
from ..answers import Rows
from ..crosswalk.mappings import read_sets
from ..errors import NotFoundError, UserInputError
from ..store import Queryable, Store
from .catalog import control_ids
from .common import FRAMEWORKS, Framework, framework, make, metadata, prop, resource, schemes, text, uuid_for

AIMS = "https://w3id.org/aims-graph/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SET_RELATIONSHIPS = {
    AIMS + "Equal": "equal-to",
    AIMS + "Subset": "subset-of",
    AIMS + "Superset": "superset-of",
    AIMS + "Intersects": "intersects-with",
}
SKOS_RELATIONSHIPS = {
    SKOS + "exactMatch": "equivalent-to",
    SKOS + "broadMatch": "subset-of",
    SKOS + "narrowMatch": "superset-of",
    SKOS + "closeMatch": "intersects-with",
    SKOS + "relatedMatch": "intersects-with",
}


@dataclass(frozen=True)
class _Ids:
    by_iri: dict[str, str]
    framework: dict[str, Framework]


def _ids(store: Queryable) -> _Ids:
    """Control ids of every framework the store holds: ours first, then imported ones (by scheme IRI)."""
    by_iri: dict[str, str] = {}
    owner: dict[str, Framework] = {}
    held = [iri for iri, info in schemes(store).items() if info.members]
    ours = [fw for fw in FRAMEWORKS.values() if fw.scheme in held]
    others = [framework(iri) for iri in held if iri not in {fw.scheme for fw in ours}]
    for fw in [*ours, *others]:
        for iri, oscal_id in control_ids(store, fw, groups=True).items():
            by_iri.setdefault(iri, oscal_id)
            owner.setdefault(iri, fw)
    return _Ids(by_iri, owner)


def _name(fw: Framework) -> str:
    return fw.key if fw.key in FRAMEWORKS else fw.prefix


def catalog_file(fw: Framework) -> str:
    """Where a mapping expects a catalog: the file ``oscal export catalog --framework KEY`` is meant for."""
    return f"{_name(fw)}-catalog.json"


def export_mapping_collection(store: Store, mapping_set: str | None = None) -> osmap.MappingCollection:
    sets = read_sets(store)
    if mapping_set is not None:
        sets = [s for s in sets if s.iri == mapping_set]
    if not sets:
        raise NotFoundError("no aims:MappingSet in the store" + (f" named {mapping_set}" if mapping_set else ""))
    if len(sets) > 1:
        raise UserInputError(f"the store holds several mapping sets ({', '.join(s.iri for s in sets)}); name one")
    info = sets[0]
    ids = _ids(store)
    result = store.query(resources.internal_query("crosswalk/mappings.rq"))
    assert isinstance(result, Rows)
    by_pair: dict[tuple[str, str], list[Any]] = {}
    seen: set[str] = set()
    skipped: list[str] = []
    frameworks: dict[str, Framework] = {}
    for row in result.dicts():
        iri = text(row, "mapping")
        subject, obj = text(row, "subject"), text(row, "object")
        if text(row, "set") != info.iri or iri is None or iri in seen or subject is None or obj is None:
            continue
        seen.add(iri)
        if subject not in ids.by_iri or obj not in ids.by_iri:
            skipped.append(iri)  # an end outside the exported catalogs (Annex C) has no OSCAL id to point at
            continue
        source_fw, target_fw = ids.framework[subject], ids.framework[obj]
        frameworks.setdefault(source_fw.key, source_fw)
        frameworks.setdefault(target_fw.key, target_fw)
        by_pair.setdefault((source_fw.key, target_fw.key), []).append(_map(row, iri, ids))
    if not by_pair:
        raise NotFoundError(f"the mapping set {info.iri} has no mapping between catalogues aims-graph exports")
    order = [*FRAMEWORKS, *sorted(k for k in frameworks if k not in FRAMEWORKS)]
    back = {
        key: resource(
            frameworks[key].scheme, f"{_name(frameworks[key])} catalog (aims-graph)", href=catalog_file(frameworks[key])
        )
        for key in order
        if key in frameworks
    }
    mappings = [
        make(
            osmap.Mapping,
            uuid=uuid_for(f"{info.iri}#{source}--{target}"),
            source_resource=make(osmap.MappingResourceReference, type="catalog", href=f"#{back[source].uuid}"),
            target_resource=make(osmap.MappingResourceReference, type="catalog", href=f"#{back[target].uuid}"),
            maps=maps,
        )
        for (source, target), maps in sorted(
            by_pair.items(), key=lambda item: (order.index(item[0][0]), order.index(item[0][1]))
        )
    ]
    links = [make(oc.Link, href=info.iri, rel="canonical")]
    if info.license:
        links.append(make(oc.Link, href=info.license, rel="license"))
    return make(
        osmap.MappingCollection,
        uuid=uuid_for(info.iri),
        metadata=metadata(
            info.title or info.iri, info.issued, info.version, remarks=_remarks(info.comment, skipped), links=links
        ),
        provenance=make(
            osmap.MappingProvenance,
            method="human",
            matching_rationale="semantic",
            status="complete",
            mapping_description=make(osmap.MappingDescription, info.description or info.title or info.iri),
        ),
        mappings=mappings,
        back_matter=make(oc.BackMatter, resources=list(back.values())),
    )


def _map(row: dict[str, Any], iri: str, ids: _Ids) -> Any:
    subject, obj = text(row, "subject") or "", text(row, "object") or ""
    predicate = text(row, "predicate") or ""
    relation = SET_RELATIONSHIPS.get(text(row, "setRelation") or "") or SKOS_RELATIONSHIPS.get(predicate)
    if relation is None:
        raise UserInputError(f"the mapping {iri} has neither a set relation nor a SKOS mapping predicate")
    props = [prop("mapping", iri), prop("skos-relation", "skos:" + predicate.removeprefix(SKOS))]
    method = text(row, "method")
    if method:
        props.append(prop("mapping-method", method))
    confidence = text(row, "confidence")
    return make(
        osmap.Map,
        uuid=uuid_for(iri),
        relationship=relation,
        sources=[make(osmap.MappingItem, type="control", id_ref=ids.by_iri[subject])],
        targets=[make(osmap.MappingItem, type="control", id_ref=ids.by_iri[obj])],
        confidence_score=make(osmap.ConfidenceScore, make(osmap.ConfidenceScore2, percentage=float(confidence)))
        if confidence
        else None,
        props=props,
        remarks=text(row, "justification"),
    )


def _remarks(comment: str | None, skipped: list[str]) -> str | None:
    note = None
    if skipped:
        note = (
            f"{len(skipped)} mapping(s) of the set have an end that is not in the exported catalogs (ISO/IEC 42001 "
            "Annex C objectives and risk sources are not requirements) and are left out: " + ", ".join(skipped) + "."
        )
    return "\n\n".join(part for part in (comment, note) if part) or None
