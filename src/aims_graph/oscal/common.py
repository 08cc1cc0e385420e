"""What every OSCAL document kind shares: deterministic UUIDs, ids, timestamps, metadata, queries, output.

Determinism is the point: a UUID is UUIDv5 of an IRI (ours or the data's), a timestamp is a date found in the
data, so exporting the same graph twice gives byte-identical documents.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources as importlib_resources
from typing import Any, TypeVar

import pyoxigraph as ox
import yaml
from trestle.core.base_model import OscalBaseModel
from trestle.oscal import OSCAL_VERSION
from trestle.oscal import common as oc

from .. import __version__
from ..answers import Rows, Term
from ..errors import NotFoundError, UserInputError
from ..store import Queryable

OSCAL_TARGET_VERSION: str = OSCAL_VERSION
"""The OSCAL version of compliance-trestle's models (trestle 5.2: OSCAL 1.2.1); every document declares it."""

NS = "https://w3id.org/aims-graph/ns/oscal"
"""Namespace of the props aims-graph adds (``ns`` on each prop), so that tools can tell ours from OSCAL's."""

DOCUMENT_BASE = "https://w3id.org/aims-graph/oscal/"
"""Base of the IRIs the documents' own UUIDs are derived from."""

FORMATS = ("json", "yaml")
"""Output formats trestle's models serialise to. OSCAL XML is not offered: trestle has no XML serialiser."""

FALLBACK_DATE = "2023-12-18"
"""Publication date of ISO/IEC 42001:2023, used when a graph carries no date at all (never the clock)."""


@dataclass(frozen=True)
class Framework:
    """A control framework aims-graph holds as a SKOS concept scheme."""

    key: str
    scheme: str
    prefix: str


FRAMEWORKS: dict[str, Framework] = {
    f.key: f
    for f in (
        Framework("iso42001", "https://w3id.org/aims-graph/iso42001/scheme", "iso42001"),
        Framework("nist-ai-rmf", "https://w3id.org/aims-graph/nist-ai-rmf/scheme", "airmf"),
        Framework("eu-ai-act", "https://w3id.org/aims-graph/eu-ai-act/scheme", "aiact"),
        Framework("iso27001", "https://w3id.org/aims-graph/iso27001/scheme", "iso27001"),
    )
}


def framework(name: str) -> Framework:
    """A framework by key (iso42001, nist-ai-rmf, eu-ai-act, iso27001) or by the IRI of its concept scheme."""
    if name in FRAMEWORKS:
        return FRAMEWORKS[name]
    for item in FRAMEWORKS.values():
        if item.scheme == name:
            return item
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", name):
        parts = [p for p in re.split(r"[/#:]", name) if p and p != "scheme"]
        prefix = slug(parts[-1]) if parts else ""
        return Framework(name, name, prefix if prefix[:1].isalpha() else "fw-" + prefix)
    raise UserInputError(f"unknown framework {name!r}; give one of {', '.join(FRAMEWORKS)} or a concept scheme IRI")


# ------------------------------------------------------------------------------------------ identifiers


def uuid_for(iri: str) -> str:
    """UUIDv5 of an IRI: the same resource always gets the same UUID, in every document."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


def slug(text: str) -> str:
    """A lower-case OSCAL token from a notation: ``A.6.2.4`` -> ``a.6.2.4``, ``GOVERN 1.1`` -> ``govern-1.1``."""
    value = re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.").lower()
    return re.sub(r"\.-|-\.", "-", value)


def control_id(prefix: str, notation: str) -> str:
    """The OSCAL id of a catalogue entry: the framework's prefix and the notation, e.g. ``iso42001-a.6.2.4``."""
    return f"{prefix}-{slug(notation)}"


# ------------------------------------------------------------------------------------------------ time


def timestamp(date: str | None, fallback: str | None = None) -> dt.datetime:
    """Midnight UTC of a date (or the start of a dateTime) from the data; the fallback date when absent."""
    text = date or fallback or FALLBACK_DATE
    try:
        if "T" in text:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return dt.datetime.combine(dt.date.fromisoformat(text[:10]), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        raise UserInputError(f"{text!r} is not a date") from None


# ----------------------------------------------------------------------------------------------- models


T = TypeVar("T")


def make(model: type[T], *args: Any, **fields: Any) -> T:
    """A trestle model built from Python field names and validated by pydantic at run time.

    trestle's models declare their fields under OSCAL's hyphenated aliases; without pydantic's mypy plugin,
    mypy would only accept the aliases as keywords, which Python cannot spell. Validation is unchanged.
    """
    return model(*args, **fields)


# ---------------------------------------------------------------------------------------------- queries


def query_text(name: str) -> str:
    """An OSCAL query from this package's queries/ folder, comment lines dropped (as resources.internal_query)."""
    path = importlib_resources.files(__package__).joinpath("queries", f"{name}.rq")
    text = path.read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def select(store: Queryable, name: str, bindings: Mapping[str, Term] | None = None) -> list[dict[str, Term]]:
    result = store.query(query_text(name), bindings)
    assert isinstance(result, Rows), f"{name}.rq must be a SELECT query"
    return list(result.dicts())


def text(row: Mapping[str, Term], name: str) -> str | None:
    term = row.get(name)
    return None if term is None or isinstance(term, ox.Triple) else term.value


def one_line(value: str) -> str:
    """OSCAL titles and prop values are one line without surrounding space."""
    return " ".join(value.split())


# ---------------------------------------------------------------------------------------------- schemes


@dataclass(frozen=True)
class SchemeInfo:
    iri: str
    title: str
    description: str | None
    comment: str | None
    license: str | None
    source: str | None
    version: str | None
    date: str | None
    members: int


def schemes(store: Queryable) -> dict[str, SchemeInfo]:
    found: dict[str, SchemeInfo] = {}
    for row in select(store, "schemes"):
        iri = text(row, "scheme") or ""
        found[iri] = SchemeInfo(
            iri,
            one_line(text(row, "title") or iri),
            text(row, "description"),
            text(row, "comment"),
            text(row, "license"),
            text(row, "source"),
            text(row, "version"),
            text(row, "date"),
            int(text(row, "members") or 0),
        )
    return found


def scheme_info(store: Queryable, fw: Framework) -> SchemeInfo:
    found = schemes(store).get(fw.scheme)
    if found is None or found.members == 0:
        raise NotFoundError(f"the store holds no concept scheme <{fw.scheme}> with members")
    return found


# --------------------------------------------------------------------------------------------- metadata


def prop(name: str, value: str, *, ours: bool = True, cls: str | None = None, remarks: str | None = None) -> Any:
    """An OSCAL prop; ours carry aims-graph's namespace, OSCAL's own (``label``, ``sort-id``) none."""
    return make(
        oc.Property, name=name, value=one_line(value), ns=NS if ours else None, class_=cls, remarks=remarks or None
    )


def metadata(
    title: str,
    date: str | None,
    version: str | None = None,
    *,
    remarks: str | None = None,
    props: Sequence[Any] = (),
    links: Sequence[Any] = (),
) -> Any:
    """The metadata block: last-modified from the data's date, the trestle OSCAL version, aims-graph as party."""
    party = make(
        oc.Parties,
        uuid=uuid_for(DOCUMENT_BASE + "party/aims-graph"),
        type="organization",
        name="aims-graph",
        links=[make(oc.Link, href="https://w3id.org/aims-graph", rel="homepage")],
    )
    return make(
        oc.Metadata,
        title=one_line(title),
        last_modified=timestamp(date),
        version=version or __version__,
        oscal_version=make(oc.OscalVersion, OSCAL_TARGET_VERSION),
        props=list(props) or None,
        links=list(links) or None,
        roles=[make(oc.Role, id="creator", title="Document creator")],
        parties=[party],
        responsible_parties=[make(oc.ResponsibleParty, role_id="creator", party_uuids=[party.uuid])],
        remarks=remarks,
    )


def resource(iri: str, title: str, *, description: str | None = None, href: str | None = None) -> Any:
    """A back-matter resource for a thing outside the document, its UUID derived from its IRI."""
    return make(
        oc.Resource,
        uuid=uuid_for(iri),
        title=one_line(title),
        description=description,
        rlinks=[make(oc.Rlink, href=href or iri)],
    )


# ---------------------------------------------------------------------------------------------- output


def serialize(document: OscalBaseModel, fmt: str = "json") -> bytes:
    """The document as OSCAL JSON or YAML (wrapped in its root key), always in the same byte order."""
    if fmt not in FORMATS:
        raise UserInputError(f"unknown OSCAL format {fmt!r}; trestle writes {', '.join(FORMATS)} (not XML)")
    data = document.oscal_serialize_json_bytes(pretty=True, wrapped=True)
    if fmt == "json":
        return data + b"\n"
    dumped: str = yaml.safe_dump(json.loads(data), sort_keys=False, allow_unicode=True, width=120)
    return dumped.encode("utf-8")
