"""A framework catalogue of the graph (ISO/IEC 42001, EU AI Act, NIST AI RMF, ISO/IEC 27001) as an OSCAL catalog.

Top concepts with members and ISO/IEC 42001's Annex A categories become groups; every other entry becomes a
control (nested under its skos:broader) with its notation as the ``label`` prop, its IRI as a canonical link and
aims-graph's own paraphrase (skos:definition) as a ``guidance`` part: never the standard's text, which the graph
does not hold. Annex C of ISO/IEC 42001 (example objectives and risk sources) is not a set of requirements and is
left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from trestle.oscal import catalog as oscat
from trestle.oscal import common as oc

from ..store import Queryable
from .common import (
    Framework,
    control_id,
    make,
    metadata,
    one_line,
    prop,
    resource,
    scheme_info,
    select,
    text,
    uuid_for,
)

PARAPHRASE_NOTE = (
    "Identifiers and short titles follow the published framework so that users can refer to it. Every guidance "
    "part is aims-graph's own plain-language paraphrase, not the framework's text; read the framework itself for "
    "the authoritative wording."
)


@dataclass
class Entry:
    """One concept of the scheme, with the entries under it."""

    iri: str
    notation: str
    title: str
    definition: str | None
    broader: str | None
    group: bool
    identifier: str | None = None
    children: list[Entry] = field(default_factory=list)


def _keep(entry: Entry, examples: set[str]) -> bool:
    """Drops Annex C examples, and entries whose every descendant was dropped (Annex C and its sections)."""
    if entry.iri in examples:
        return False
    had_children = bool(entry.children)
    entry.children = [child for child in entry.children if _keep(child, examples)]
    return not had_children or bool(entry.children)


def natural_key(notation: str) -> tuple[tuple[int, int | str], ...]:
    """Sort ``Art. 9`` before ``Art. 10`` and ``A.6.2.10`` after ``A.6.2.9``; clauses (digits) before annexes."""
    parts = re.split(r"(\d+)", notation)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


def entries(store: Queryable, fw: Framework) -> list[Entry]:
    """The scheme's entries as a forest, each level in notation order."""
    nodes: dict[str, Entry] = {}
    examples: set[str] = set()
    for row in select(store, "concepts", {"scheme": ox.NamedNode(fw.scheme)}):
        iri = text(row, "concept") or ""
        if text(row, "example") in ("true", "1"):
            examples.add(iri)
        notation = text(row, "notation") or ""
        nodes[iri] = Entry(
            iri,
            notation,
            one_line(text(row, "label") or notation),
            text(row, "definition"),
            text(row, "broader"),
            text(row, "group") in ("true", "1"),
            text(row, "identifier"),
        )
    roots: list[Entry] = []
    for node in nodes.values():
        parent = nodes.get(node.broader) if node.broader else None
        (parent.children if parent is not None else roots).append(node)
    roots = [node for node in roots if _keep(node, examples)]
    for node in nodes.values():
        node.children.sort(key=lambda e: natural_key(e.notation))
    roots.sort(key=lambda e: natural_key(e.notation))
    return roots


def oscal_id(entry: Entry, fw: Framework) -> str:
    """The id an imported catalog gave the entry, else one derived from the framework prefix and notation."""
    return entry.identifier or control_id(fw.prefix, entry.notation)


def _is_group(entry: Entry) -> bool:
    return entry.group and bool(entry.children)


def _guidance(entry: Entry, ident: str) -> list[Any] | None:
    if not entry.definition:
        return None
    return [make(oc.Part, id=f"{ident}_gdn", name="guidance", prose=entry.definition)]


def _props(entry: Entry) -> list[Any]:
    return [prop("label", entry.notation, ours=False)]


def _control(entry: Entry, fw: Framework) -> Any:
    ident = oscal_id(entry, fw)
    return make(
        oscat.Control,
        id=ident,
        title=entry.title,
        props=_props(entry),
        links=[make(oc.Link, href=entry.iri, rel="canonical")],
        parts=_guidance(entry, ident),
        controls=[_control(child, fw) for child in entry.children] or None,
    )


def _group(entry: Entry, fw: Framework) -> Any:
    ident = oscal_id(entry, fw)
    common: dict[str, Any] = {
        "id": ident,
        "title": entry.title,
        "props": _props(entry),
        "links": [make(oc.Link, href=entry.iri, rel="canonical")],
        "parts": _guidance(entry, ident),
    }
    if any(_is_group(child) for child in entry.children) and all(_is_group(c) for c in entry.children):
        return make(oscat.Group1, **common, groups=[_group(child, fw) for child in entry.children])
    return make(oscat.Group2, **common, controls=[_control(child, fw) for child in entry.children])


def export_catalog(store: Queryable, fw: Framework) -> oscat.Catalog:
    """The framework's concept scheme in the store as an OSCAL catalog."""
    info = scheme_info(store, fw)
    roots = entries(store, fw)
    groups = [_group(e, fw) for e in roots if _is_group(e)]
    controls = [_control(e, fw) for e in roots if not _is_group(e)]
    parts = [info.description, info.comment]
    remarks = "\n\n".join(part for part in parts if part and PARAPHRASE_NOTE not in part)
    remarks = remarks + "\n\n" + PARAPHRASE_NOTE if remarks else PARAPHRASE_NOTE
    links = [make(oc.Link, href=info.iri, rel="canonical")]
    if info.license:
        links.append(make(oc.Link, href=info.license, rel="license"))
    back_matter = None
    if info.source:
        back_matter = make(oc.BackMatter, resources=[resource(info.source, f"Source of {info.title}")])
        links.append(make(oc.Link, href=f"#{uuid_for(info.source)}", rel="reference"))
    return make(
        oscat.Catalog,
        uuid=uuid_for(info.iri),
        metadata=metadata(info.title, info.date, info.version, remarks=remarks, links=links),
        groups=groups or None,
        controls=controls or None,
        back_matter=back_matter,
    )


def control_ids(store: Queryable, fw: Framework, groups: bool = False) -> dict[str, str]:
    """IRI -> OSCAL id for every entry the catalog writes as a control (and as a group, with ``groups``),
    in catalog order."""
    found: dict[str, str] = {}

    def walk(entry: Entry) -> None:
        if groups or not _is_group(entry):
            found[entry.iri] = oscal_id(entry, fw)
        for child in entry.children:
            walk(child)

    for root in entries(store, fw):
        walk(root)
    return found


def all_ids(document: oscat.Catalog) -> list[str]:
    """Every group and control id of a catalog, depth first, duplicates kept (for checks)."""
    found: list[str] = []

    def controls(items: list[Any] | None) -> None:
        for item in items or []:
            found.append(item.id)
            controls(item.controls)

    def groups(items: list[Any] | None) -> None:
        for item in items or []:
            if item.id:
                found.append(item.id)
            groups(getattr(item, "groups", None))
            controls(getattr(item, "controls", None))

    groups(document.groups)
    controls(document.controls)
    return found
