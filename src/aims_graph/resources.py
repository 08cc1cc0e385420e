"""The only code that knows where the ontology, shapes, queries and examples live.

In a checkout they sit at the top of the repository; in an installed wheel they are packaged under
``aims_graph/_data``. Everything else asks this module by name.
"""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path

from .errors import NotFoundError, UnknownQueryError

_KINDS = ("ontology", "shapes", "queries", "examples")


@cache
def data_root() -> Path:
    """The folder holding ontology/, shapes/, queries/ and examples/."""
    packaged = Path(__file__).resolve().parent / "_data"
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology").is_dir():
        return checkout
    raise NotFoundError("aims-graph data files not found: the installation is incomplete")


def resource_dir(kind: str) -> Path:
    if kind not in _KINDS:
        raise ValueError(f"unknown resource kind {kind!r}")
    return data_root() / kind


def ontology_file() -> Path:
    """The aims-graph OWL ontology."""
    return resource_dir("ontology") / "aims.ttl"


def catalogue_file() -> Path:
    """The ISO/IEC 42001 catalogue of clauses, controls and Annex C items."""
    return resource_dir("ontology") / "iso42001.ttl"


def ontology_files() -> list[Path]:
    """Every Turtle file in ontology/: the ontology, the catalogue and any crosswalk catalogues."""
    return sorted(resource_dir("ontology").glob("*.ttl"))


def shape_files() -> list[Path]:
    return sorted(resource_dir("shapes").glob("*.ttl"))


def query_names() -> list[str]:
    return sorted(p.stem for p in resource_dir("queries").glob("*.rq"))


def query_file(name: str) -> Path:
    path = resource_dir("queries") / f"{name}.rq"
    if not path.is_file() or "/" in name or "\\" in name:
        known = query_names()
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise UnknownQueryError(f"unknown query {name!r}; {hint}known queries: {', '.join(known)}")
    return path


def example_files() -> list[Path]:
    return sorted(resource_dir("examples").glob("*.ttl"))


def example_file(name: str) -> Path:
    path = resource_dir("examples") / f"{name}.ttl"
    if not path.is_file():
        known = ", ".join(p.stem for p in example_files())
        raise NotFoundError(f"unknown example {name!r}; known examples: {known}")
    return path


CONFORMANT_EXAMPLE = "conformant-org"
GAPS_EXAMPLE = "gaps-org"


def internal_query(name: str) -> str:
    """A SPARQL text the library itself uses (queries/store/, queries/ld/), not a named query.

    Comment lines are dropped: SPARQLWrapper guesses query or update from the text and a leading comment
    makes it guess wrong.
    """
    text = (resource_dir("queries") / name).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
