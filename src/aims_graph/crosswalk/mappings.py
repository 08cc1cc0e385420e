"""Crosswalk mapping sets between RDF (aims:Mapping resources) and SSSOM/TSV, without loss either way.

The RDF form is what aims-graph stores, queries and serves; SSSOM/TSV is what mapping tools and regulators'
crosswalk tools read. Export reads a store (so user-loaded mapping sets export too) through the internal
queries in queries/crosswalk/; import builds the RDF from the TSV alone, so that RDF -> SSSOM -> RDF gives back
an isomorphic graph. Labels, sources and entity types in the TSV are derived from the catalogues on export
and ignored on import.

SSSOM has no predicate for the NIST IR 8477 set-theory relations, so they travel in the extension column
``set_relation`` (declared in ``extension_definitions``), as CURIEs of aims:Equal, aims:Subset, aims:Superset
and aims:Intersects. The metadata block is YAML, written and read with PyYAML's safe dumper and loader.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
import rdflib
import yaml
from rdflib import DCTERMS, FOAF, OWL, RDF, RDFS, XSD, BNode, Literal, URIRef

from .. import rdfio, resources
from ..answers import Rows, Term, Triples
from ..errors import FileFormatError, UserInputError
from ..namespaces import AIMS, CROSSWALK, PREFIXES, SEMAPV, SKOS
from ..store import Store

SSSOM_VERSION = "1.1"
SET_RELATION_COLUMN = "set_relation"

# Prefixes for the crosswalk's namespaces, on top of the data contract's (namespaces.PREFIXES).
CROSSWALK_PREFIXES: dict[str, str] = {
    "aimsxw": CROSSWALK,
    "aiact": "http://data.europa.eu/eli/reg/2024/1689/",
    "aimsaiact": "https://w3id.org/aims-graph/eu-ai-act/",
    "airmf": "https://w3id.org/aims-graph/nist-ai-rmf/",
    "iso27001": "https://w3id.org/aims-graph/iso27001/",
    "semapv": SEMAPV,
    "linkml": "https://w3id.org/linkml/",
}
ALL_PREFIXES: dict[str, str] = {**PREFIXES, **CROSSWALK_PREFIXES}

MAPPING_PREDICATES = frozenset(
    SKOS + name for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)
SET_RELATIONS = frozenset(str(AIMS[name]) for name in ("Equal", "Subset", "Superset", "Intersects"))

# Columns in the order they are written. Labels, sources and types are derived, not imported.
COLUMNS = (
    "record_id",
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    SET_RELATION_COLUMN,
    "confidence",
    "author_id",
    "author_label",
    "mapping_date",
    "object_source",
    "comment",
)
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
DERIVED_COLUMNS = frozenset(
    {"subject_label", "object_label", "subject_source", "object_source", "subject_type", "object_type",
     "predicate_label", "subject_category", "object_category"}
)  # fmt: skip
DERIVED_METADATA = frozenset({"subject_type", "object_type", "subject_source", "object_source", "sssom_version"})
METADATA_KEYS = frozenset(
    {"curie_map", "mapping_set_id", "mapping_set_version", "mapping_set_title", "mapping_set_description",
     "license", "creator_id", "creator_label", "publication_date", "comment", "extension_definitions"}
) | DERIVED_METADATA  # fmt: skip

EXTENSION_DEFINITION = {
    "slot_name": SET_RELATION_COLUMN,
    "property": "aims:setRelation",
    "type_hint": "linkml:Uriorcurie",
}


# ------------------------------------------------------------------------------------------- data model


@dataclass
class MappingSetInfo:
    iri: str
    title: str | None = None
    description: str | None = None
    comment: str | None = None
    version: str | None = None
    license: str | None = None
    issued: str | None = None
    creators: dict[str, str | None] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------- CURIEs


class CurieMap:
    """Contracts IRIs with known prefixes, inventing ``nsN`` prefixes for namespaces it does not know."""

    def __init__(self, known: Mapping[str, str]) -> None:
        # Longest namespace first, so that the most specific prefix wins.
        self._known = sorted(known.items(), key=lambda item: -len(item[1]))
        self.used: dict[str, str] = {}

    def curie(self, iri: str) -> str:
        for prefix, namespace in self._known:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and _LOCAL.fullmatch(local):
                self.used[prefix] = namespace
                return f"{prefix}:{local}"
        namespace, local = _split(iri)
        found = next((p for p, ns in self.used.items() if ns == namespace), None)
        if found is None:
            found = f"ns{sum(1 for p in self.used if _INVENTED.fullmatch(p)) + 1}"
            self.used[found] = namespace
        return f"{found}:{local}"


_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_INVENTED = re.compile(r"ns\d+")


def _split(iri: str) -> tuple[str, str]:
    for i in range(len(iri) - 1, 0, -1):
        if iri[i] in "/#:" and _LOCAL.fullmatch(iri[i + 1 :]):
            return iri[: i + 1], iri[i + 1 :]
    raise UserInputError(f"cannot write {iri!r} as a CURIE for SSSOM")


def expand(value: str, curie_map: Mapping[str, str]) -> str:
    """An IRI from a CURIE with a declared prefix, or from an absolute IRI written out."""
    prefix, sep, local = value.partition(":")
    if sep and prefix in curie_map:
        return curie_map[prefix] + local
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value) or value.startswith("urn:"):
        return value
    raise FileFormatError(f"{value!r} is neither a CURIE with a prefix in the curie_map nor an absolute IRI")


# --------------------------------------------------------------------------------------------- export


def _value(term: Term | None) -> str | None:
    return None if term is None else term.value  # type: ignore[union-attr]


def _select(store: Store, name: str) -> Rows:
    result = store.query(resources.internal_query(f"crosswalk/{name}.rq"))
    assert isinstance(result, Rows), f"crosswalk/{name}.rq must be a SELECT query"
    return result


def read_sets(store: Store) -> list[MappingSetInfo]:
    sets: dict[str, MappingSetInfo] = {}
    for row in _select(store, "sets").dicts():
        iri = row["set"].value  # type: ignore[union-attr]
        info = sets.setdefault(iri, MappingSetInfo(iri))
        info.title = _value(row.get("title")) or info.title
        info.description = _value(row.get("description")) or info.description
        info.comment = _value(row.get("comment")) or info.comment
        info.version = _value(row.get("version")) or info.version
        info.license = _value(row.get("license")) or info.license
        info.issued = _value(row.get("issued")) or info.issued
        creator = _value(row.get("creator"))
        if creator is not None:
            info.creators[creator] = _value(row.get("creatorLabel")) or info.creators.get(creator)
    return list(sets.values())


def export_sssom(store: Store, mapping_set: str | None = None) -> str:
    """The mapping set in the store as SSSOM/TSV with its metadata block (one set per file)."""
    sets = read_sets(store)
    if mapping_set is not None:
        sets = [s for s in sets if s.iri == mapping_set]
    if not sets:
        raise UserInputError("no aims:MappingSet in the store" + (f" named {mapping_set}" if mapping_set else ""))
    if len(sets) > 1:
        names = ", ".join(s.iri for s in sets)
        raise UserInputError(f"the store holds several mapping sets ({names}); name the one to export")
    info = sets[0]
    curies = CurieMap(ALL_PREFIXES)
    rows = _mapping_rows(store, info.iri, curies)
    if not rows:
        raise UserInputError(f"the mapping set {info.iri} has no mappings")
    body = io.StringIO()
    writer = csv.writer(body, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in COLUMNS])
    metadata = _metadata(info, curies)
    return metadata + body.getvalue()


def _mapping_rows(store: Store, set_iri: str, curies: CurieMap) -> list[dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    authors: dict[str, list[tuple[str, str]]] = {}
    for row in _select(store, "mappings").dicts():
        if _value(row.get("set")) != set_iri:
            continue
        mapping = row["mapping"]
        if not isinstance(mapping, ox.NamedNode):
            raise UserInputError("a mapping without an IRI cannot be exported losslessly; give it an IRI")
        key = mapping.value
        if key not in merged:
            merged[key] = _row(row, curies, key)
        author = _value(row.get("author"))
        if author is not None and all(a != author for a, _ in authors.setdefault(key, [])):
            authors[key].append((author, _value(row.get("authorLabel")) or ""))
    for key, values in merged.items():
        pairs = authors.get(key, [])
        if pairs:
            values["author_id"] = "|".join(curies.curie(a) for a, _ in pairs)
            values["author_label"] = "|".join(label for _, label in pairs)
    return list(merged.values())


def _row(row: Mapping[str, Term], curies: CurieMap, key: str) -> dict[str, str]:
    def iri(name: str) -> str:
        return curies.curie(row[name].value) if name in row else ""  # type: ignore[union-attr]

    def text(name: str) -> str:
        value = _value(row.get(name)) or ""
        if "\t" in value or "\n" in value or "\r" in value:
            raise UserInputError(f"{key}: {name} holds a tab or line break, which SSSOM/TSV cannot carry")
        return value

    for name in ("subject", "predicate", "object"):
        if name not in row:
            raise UserInputError(f"the mapping {key} has no {name}")
    return {
        "record_id": curies.curie(key),
        "subject_id": iri("subject"),
        "subject_label": text("subjectLabel"),
        "predicate_id": iri("predicate"),
        "object_id": iri("object"),
        "object_label": text("objectLabel"),
        "mapping_justification": iri("method") or "semapv:UnspecifiedMatching",
        SET_RELATION_COLUMN: iri("setRelation"),
        "confidence": text("confidence"),
        "mapping_date": text("date"),
        "object_source": iri("objectSource"),
        "comment": text("justification"),
    }


def _metadata(info: MappingSetInfo, curies: CurieMap) -> str:
    # Make sure every prefix the metadata itself uses is declared, then write the curie_map first.
    creator_ids = [curies.curie(c) for c in info.creators]
    curies.curie(str(AIMS.setRelation))
    curies.curie(CROSSWALK_PREFIXES["linkml"] + "Uriorcurie")
    meta: dict[str, object] = {
        "curie_map": dict(sorted(curies.used.items())),
        "sssom_version": SSSOM_VERSION,
        "mapping_set_id": info.iri,
    }
    for key, value in (
        ("mapping_set_version", info.version),
        ("mapping_set_title", info.title),
        ("mapping_set_description", info.description),
        ("license", info.license),
    ):
        if value is not None:
            meta[key] = value
    if creator_ids:
        meta["creator_id"] = creator_ids
        meta["creator_label"] = [label or "" for label in info.creators.values()]
    if info.issued is not None:
        meta["publication_date"] = _date(info.issued)
    if info.comment is not None:
        meta["comment"] = info.comment
    meta["subject_type"] = "skos concept"
    meta["object_type"] = "skos concept"
    meta["extension_definitions"] = [dict(EXTENSION_DEFINITION)]
    text = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1 << 20)
    return "".join(f"#{line}\n" for line in text.splitlines())


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise UserInputError(f"publication date {value!r} is not an xsd:date") from None


def export_turtle(store: Store) -> bytes:
    """Every mapping set in the store as Turtle, with the SKOS links materialised."""
    result = store.query(resources.internal_query("crosswalk/graph.rq"))
    assert isinstance(result, Triples), "crosswalk/graph.rq must be a CONSTRUCT query"
    if not result.triples:
        raise UserInputError("no aims:Mapping or aims:MappingSet in the store")
    return ox.serialize(result.triples, format=ox.RdfFormat.TURTLE, prefixes=_turtle_prefixes()) or b""


def _turtle_prefixes() -> dict[str, str]:
    return {**ALL_PREFIXES, "foaf": PREFIXES["foaf"]}


# --------------------------------------------------------------------------------------------- import


@dataclass
class SSSOMDocument:
    metadata: dict[str, object]
    columns: list[str]
    rows: list[dict[str, str]]


def read_sssom(text: str, source: str = "<sssom>") -> SSSOMDocument:
    """Split an SSSOM/TSV text into its metadata block and its table."""
    header = [line[1:] for line in text.splitlines() if line.startswith("#")]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#") and line.strip())
    metadata = parse_metadata(header, source)
    reader = csv.reader(io.StringIO(body), delimiter="\t")
    table = list(reader)
    if not table:
        raise FileFormatError(f"{source}: no table after the metadata block")
    columns = [c.strip() for c in table[0]]
    rows = []
    for number, values in enumerate(table[1:], start=2):
        if len(values) != len(columns):
            raise FileFormatError(f"{source}: row {number} has {len(values)} cells for {len(columns)} columns")
        rows.append(dict(zip(columns, values, strict=True)))
    return SSSOMDocument(metadata, columns, rows)


def sssom_to_graph(text: str, source: str = "<sssom>") -> rdflib.Graph:
    """The RDF form of an SSSOM/TSV mapping set: aims:MappingSet, aims:Mapping and the SKOS links."""
    doc = read_sssom(text, source)
    meta = doc.metadata
    unknown_meta = sorted(set(meta) - METADATA_KEYS)
    if unknown_meta:
        raise FileFormatError(f"{source}: metadata aims-graph cannot carry: {', '.join(unknown_meta)}")
    extension_columns = _extension_columns(meta, source)
    missing = [c for c in REQUIRED_COLUMNS if c not in doc.columns]
    if missing:
        raise FileFormatError(f"{source}: required SSSOM columns missing: {', '.join(missing)}")
    known_columns = set(COLUMNS) | DERIVED_COLUMNS
    unknown = sorted(set(doc.columns) - known_columns - extension_columns)
    if unknown:
        raise FileFormatError(f"{source}: columns aims-graph cannot carry: {', '.join(unknown)}")
    curie_map = _curie_map(meta, source)
    graph = rdflib.Graph()
    for prefix, namespace in {**_turtle_prefixes(), **curie_map}.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    set_id = meta.get("mapping_set_id")
    if not isinstance(set_id, str) or not set_id:
        raise FileFormatError(f"{source}: the metadata has no mapping_set_id")
    mapping_set = URIRef(expand(set_id, curie_map))
    _set_triples(graph, mapping_set, meta, curie_map, source)
    for number, row in enumerate(doc.rows, start=2):
        _mapping_triples(graph, mapping_set, row, curie_map, f"{source}, row {number}")
    return graph


def _extension_columns(meta: Mapping[str, object], source: str) -> set[str]:
    definitions = meta.get("extension_definitions", [])
    if not isinstance(definitions, list):
        raise FileFormatError(f"{source}: extension_definitions must be a list")
    names = set()
    for definition in definitions:
        if not isinstance(definition, dict) or not isinstance(definition.get("slot_name"), str):
            raise FileFormatError(f"{source}: each extension definition needs a slot_name")
        if definition["slot_name"] != SET_RELATION_COLUMN or definition.get("property") != "aims:setRelation":
            raise FileFormatError(f"{source}: unknown extension slot {definition['slot_name']!r}")
        names.add(definition["slot_name"])
    return names


def _curie_map(meta: Mapping[str, object], source: str) -> dict[str, str]:
    declared = meta.get("curie_map", {})
    if not isinstance(declared, dict) or not all(isinstance(v, str) for v in declared.values()):
        raise FileFormatError(f"{source}: curie_map must map prefixes to namespaces")
    # SSSOM's built-in prefixes hold even when a file does not declare them.
    builtin = {
        "owl": str(OWL),
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "semapv": SEMAPV,
        "skos": SKOS,
        "sssom": "https://w3id.org/sssom/",
    }
    return {**builtin, **{str(k): str(v) for k, v in declared.items()}}


def _set_triples(
    graph: rdflib.Graph, node: URIRef, meta: Mapping[str, object], curie_map: Mapping[str, str], source: str
) -> None:
    graph.add((node, RDF.type, AIMS.MappingSet))
    for key, predicate in (
        ("mapping_set_title", DCTERMS.title),
        ("mapping_set_description", DCTERMS.description),
        ("comment", RDFS.comment),
        ("mapping_set_version", OWL.versionInfo),
    ):
        value = meta.get(key)
        if value is not None:
            graph.add((node, predicate, Literal(str(value))))
    license_ = meta.get("license")
    if isinstance(license_, str):
        graph.add((node, DCTERMS.license, URIRef(expand(license_, curie_map))))
    issued = meta.get("publication_date")
    if issued is not None:
        graph.add((node, DCTERMS.issued, _date_literal(str(issued), source)))
    ids = _as_list(meta.get("creator_id"))
    labels = _as_list(meta.get("creator_label"))
    for agent in _agents(graph, ids, labels, curie_map, source):
        graph.add((node, DCTERMS.creator, agent))


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _agents(
    graph: rdflib.Graph, ids: Sequence[str], labels: Sequence[str], curie_map: Mapping[str, str], source: str
) -> Iterable[URIRef]:
    if labels and len(labels) != len(ids):
        raise FileFormatError(f"{source}: {len(ids)} author or creator ids but {len(labels)} labels")
    for i, value in enumerate(ids):
        agent = URIRef(expand(value.strip(), curie_map))
        graph.add((agent, RDF.type, FOAF.Agent))
        if labels and labels[i].strip():
            graph.add((agent, FOAF.name, Literal(labels[i].strip())))
        yield agent


def _mapping_triples(
    graph: rdflib.Graph, mapping_set: URIRef, row: Mapping[str, str], curie_map: Mapping[str, str], where: str
) -> None:
    def iri(column: str) -> URIRef | None:
        value = row.get(column, "").strip()
        return URIRef(expand(value, curie_map)) if value else None

    record = iri("record_id")
    node: URIRef | BNode = record if record is not None else BNode()
    subject, predicate, obj = iri("subject_id"), iri("predicate_id"), iri("object_id")
    if subject is None or predicate is None or obj is None:
        raise FileFormatError(f"{where}: subject_id, predicate_id and object_id are required")
    if str(predicate) not in MAPPING_PREDICATES:
        raise FileFormatError(f"{where}: predicate {predicate} is not a SKOS mapping property")
    graph.add((node, RDF.type, AIMS.Mapping))
    graph.add((node, AIMS.inMappingSet, mapping_set))
    graph.add((node, AIMS.mappingSubject, subject))
    graph.add((node, AIMS.mappingPredicate, predicate))
    graph.add((node, AIMS.mappingObject, obj))
    graph.add((subject, predicate, obj))
    method = iri("mapping_justification")
    if method is None:
        raise FileFormatError(f"{where}: mapping_justification is required")
    graph.add((node, AIMS.mappingMethod, method))
    relation = iri(SET_RELATION_COLUMN)
    if relation is not None:
        if str(relation) not in SET_RELATIONS:
            raise FileFormatError(f"{where}: {relation} is not a NIST IR 8477 set relation of aims-graph")
        graph.add((node, AIMS.setRelation, relation))
    confidence = row.get("confidence", "").strip()
    if confidence:
        graph.add((node, AIMS.confidence, _confidence(confidence, where)))
    comment = row.get("comment", "")
    if comment.strip():
        graph.add((node, AIMS.justification, Literal(comment)))
    date = row.get("mapping_date", "").strip()
    if date:
        graph.add((node, DCTERMS.date, _date_literal(date, where)))
    ids = [v for v in row.get("author_id", "").split("|") if v.strip()]
    labels = row.get("author_label", "").split("|") if row.get("author_label", "").strip() else []
    for agent in _agents(graph, ids, labels, curie_map, where):
        graph.add((node, DCTERMS.creator, agent))


def _confidence(text: str, where: str) -> Literal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FileFormatError(f"{where}: confidence {text!r} is not a number") from None
    if not Decimal(0) <= value <= Decimal(1):
        raise FileFormatError(f"{where}: confidence {text} is outside 0 to 1")
    return Literal(text, datatype=XSD.decimal)


def _date_literal(text: str, where: str) -> Literal:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise FileFormatError(f"{where}: {text!r} is not a date (YYYY-MM-DD)")
    return Literal(text, datatype=XSD.date)


def turtle_to_graph(data: bytes, source: str) -> rdflib.Graph:
    """A crosswalk in Turtle, parsed safely, with the SKOS links of its mappings materialised."""
    graph = rdfio.to_rdflib(rdfio.parse_quads(data, ox.RdfFormat.TURTLE, source))
    if (None, RDF.type, AIMS.Mapping) not in graph:
        raise FileFormatError(f"{source}: no aims:Mapping in the file")
    for node in graph.subjects(RDF.type, AIMS.Mapping):
        subject = graph.value(node, AIMS.mappingSubject)
        predicate = graph.value(node, AIMS.mappingPredicate)
        obj = graph.value(node, AIMS.mappingObject)
        if subject is None or predicate is None or obj is None:
            raise FileFormatError(f"{source}: the mapping {node} lacks a subject, predicate or object")
        if str(predicate) not in MAPPING_PREDICATES:
            raise FileFormatError(f"{source}: predicate {predicate} is not a SKOS mapping property")
        graph.add((subject, URIRef(str(predicate)), obj))
    for prefix, namespace in _turtle_prefixes().items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def graph_to_turtle(graph: rdflib.Graph) -> bytes:
    data: bytes = graph.serialize(format="turtle", encoding="utf-8")
    return data


# ------------------------------------------------------------------------------- the YAML metadata block


def parse_metadata(lines: Sequence[str], source: str = "<sssom>") -> dict[str, object]:
    """The SSSOM metadata block (YAML, read with PyYAML's safe loader): scalars come back as strings, dates
    in ISO form, so that values compare the same whatever YAML style the file used."""
    try:
        data = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise FileFormatError(f"{source}: metadata{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FileFormatError(f"{source}: the metadata block must be a YAML mapping of keys to values")
    return {str(k): _plain(v) for k, v in data.items()}


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
