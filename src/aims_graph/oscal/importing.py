"""An OSCAL catalog (JSON or YAML, OSCAL 1.0 to 1.2) as a framework catalogue in the graph.

The catalog becomes a skos:ConceptScheme with one skos:Concept per group and control, in a named graph of its
own, so that crosswalks, queries and pages can use it like the bundled catalogues. Each entry keeps its OSCAL id
(dcterms:identifier), its ``label`` prop as skos:notation (the id when it has none), its title as skos:prefLabel,
its guidance or statement prose as skos:definition, its parent as skos:broader and its canonical link as
skos:exactMatch; groups are marked (dcterms:type oscal#group) so that exporting the catalog again gives the
same groups and controls. Everything is checked before anything is returned: a file that is not an OSCAL
catalog, of another OSCAL version, or with duplicate ids is refused with one line and nothing is written.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
import yaml
from pydantic import ValidationError
from trestle.oscal import catalog as oscat

from ..errors import FileFormatError, UserInputError
from ..namespaces import DCTERMS, GRAPH_BASE, OWL, RDF, RDFS, XSD
from .catalog import all_ids

SUPPORTED_VERSION = re.compile(r"^1\.[0-2]\.\d+$")
"""OSCAL versions whose catalog model trestle's (1.2.1) reads unchanged: 1.0.0 to 1.2.x."""

OSCAL_ROOTS = frozenset(
    {
        "catalog",
        "profile",
        "mapping-collection",
        "component-definition",
        "system-security-plan",
        "assessment-plan",
        "assessment-results",
        "plan-of-action-and-milestones",
    }
)
CATALOG_BASE = "https://w3id.org/aims-graph/oscal/catalog/"
GROUP_TYPE = "https://w3id.org/aims-graph/ns/oscal#group"

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = ox.NamedNode(RDF + "type")
RDFS_COMMENT = ox.NamedNode(RDFS + "comment")
OWL_VERSION = ox.NamedNode(OWL + "versionInfo")
XSD_DATE = ox.NamedNode(XSD + "date")


def _skos(name: str) -> ox.NamedNode:
    return ox.NamedNode(SKOS + name)


def _dc(name: str) -> ox.NamedNode:
    return ox.NamedNode(DCTERMS + name)


@dataclass(frozen=True)
class ImportedCatalog:
    scheme: str
    graph: str
    title: str
    entries: int
    triples: list[ox.Triple]

    def turtle(self) -> bytes:
        prefixes = {"skos": SKOS, "dcterms": DCTERMS, "owl": "http://www.w3.org/2002/07/owl#"}
        return ox.serialize(self.triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""

    def ntriples(self) -> bytes:
        return ox.serialize(self.triples, format=ox.RdfFormat.N_TRIPLES) or b""


def read_catalog(data: bytes, source: str) -> oscat.Catalog:
    """The catalog in an OSCAL JSON or YAML document, checked; any problem is one FileFormatError line."""
    document = _parse(data, source)
    if not isinstance(document, dict) or not OSCAL_ROOTS & set(document):
        raise FileFormatError(f"{source}: not an OSCAL document (no catalog, profile, ... at the top)")
    if "catalog" not in document:
        kind = sorted(OSCAL_ROOTS & set(document))[0]
        raise FileFormatError(f"{source}: an OSCAL {kind}, not a catalog")
    body = document["catalog"]
    version = body.get("metadata", {}).get("oscal-version") if isinstance(body, dict) else None
    if not isinstance(version, str) or not SUPPORTED_VERSION.match(version):
        raise FileFormatError(f"{source}: OSCAL version {version!r} is not supported (aims-graph reads 1.0.0 to 1.2.x)")
    try:
        catalog = oscat.Catalog.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(part) for part in first["loc"])
        raise FileFormatError(f"{source}: not a valid OSCAL catalog: {where}: {first['msg']}") from None
    duplicates = sorted(ident for ident, n in Counter(all_ids(catalog)).items() if n > 1)
    if duplicates:
        raise FileFormatError(f"{source}: the catalog has duplicate ids: {', '.join(duplicates[:10])}")
    return catalog


def _parse(data: bytes, source: str) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileFormatError(f"{source}: not an OSCAL document (not UTF-8 text)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise FileFormatError(f"{source}: not an OSCAL document (neither JSON nor YAML)") from None


def catalog_to_rdf(catalog: oscat.Catalog, scheme: str | None = None) -> ImportedCatalog:
    """The catalog as a SKOS concept scheme; entry IRIs are the scheme's base followed by the OSCAL id."""
    base = scheme.rsplit("/", 1)[0] + "/" if scheme else f"{CATALOG_BASE}{catalog.uuid}/"
    scheme_node = ox.NamedNode(scheme or base + "scheme")
    meta = catalog.metadata
    title = meta.title
    out: list[ox.Triple] = [
        ox.Triple(scheme_node, RDF_TYPE, _skos("ConceptScheme")),
        ox.Triple(scheme_node, _dc("title"), ox.Literal(title)),
        ox.Triple(scheme_node, _skos("prefLabel"), ox.Literal(title, language="en")),
        ox.Triple(scheme_node, _dc("identifier"), ox.Literal(str(catalog.uuid))),
        ox.Triple(scheme_node, OWL_VERSION, ox.Literal(str(meta.version))),
        ox.Triple(scheme_node, _dc("modified"), ox.Literal(meta.last_modified.date().isoformat(), datatype=XSD_DATE)),
    ]
    if meta.remarks:
        out.append(ox.Triple(scheme_node, RDFS_COMMENT, ox.Literal(meta.remarks)))
    count = 0

    def entry(item: Any, parent: ox.NamedNode | None, group: bool) -> ox.NamedNode:
        nonlocal count
        count += 1
        node = ox.NamedNode(base + urllib.parse.quote(item.id, safe=""))
        label = next((p.value for p in item.props or [] if p.name == "label" and p.ns is None), None)
        out.extend(
            [
                ox.Triple(node, RDF_TYPE, _skos("Concept")),
                ox.Triple(node, _skos("inScheme"), scheme_node),
                ox.Triple(node, _skos("notation"), ox.Literal(label or item.id)),
                ox.Triple(node, _skos("prefLabel"), ox.Literal(item.title, language="en")),
                ox.Triple(node, _dc("identifier"), ox.Literal(item.id)),
            ]
        )
        if group:
            out.append(ox.Triple(node, _dc("type"), ox.NamedNode(GROUP_TYPE)))
        prose = _prose(item.parts or [])
        if prose:
            out.append(ox.Triple(node, _skos("definition"), ox.Literal(prose, language="en")))
        for link in item.links or []:
            if link.rel == "canonical" and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", link.href):
                out.append(ox.Triple(node, _skos("exactMatch"), ox.NamedNode(link.href)))
        if parent is None:
            out.append(ox.Triple(node, _skos("topConceptOf"), scheme_node))
            out.append(ox.Triple(scheme_node, _skos("hasTopConcept"), node))
        else:
            out.append(ox.Triple(node, _skos("broader"), parent))
        return node

    def controls(items: list[Any] | None, parent: ox.NamedNode | None) -> None:
        for item in items or []:
            controls(item.controls, entry(item, parent, False))

    def groups(items: list[Any] | None, parent: ox.NamedNode | None) -> None:
        for item in items or []:
            if not item.id:
                raise FileFormatError(f"the group {item.title!r} has no id; aims-graph needs one to name it")
            node = entry(item, parent, True)
            groups(getattr(item, "groups", None), node)
            controls(getattr(item, "controls", None), node)

    groups(catalog.groups, None)
    controls(catalog.controls, None)
    if count == 0:
        raise UserInputError(f"the catalog {title!r} has no groups or controls")
    graph = GRAPH_BASE + "oscal/" + str(catalog.uuid)
    return ImportedCatalog(scheme_node.value, graph, title, count, out)


def _prose(parts: list[Any]) -> str | None:
    """Guidance first (our exports put the paraphrase there), else the statement, each with its sub-parts."""
    for name in ("guidance", "statement", "overview"):
        texts = [text for part in parts if part.name == name for text in _texts(part)]
        if texts:
            return "\n\n".join(texts)
    return None


def _texts(part: Any) -> list[str]:
    found = [part.prose] if part.prose else []
    for sub in part.parts or []:
        found.extend(_texts(sub))
    return found
