"""One entry point for every OSCAL document kind, so the CLI and the API offer the same kinds and options."""

from __future__ import annotations

from trestle.core.base_model import OscalBaseModel

from ..errors import UserInputError
from ..store import Store
from .assessment import export_assessment_results
from .catalog import export_catalog
from .common import framework
from .component import export_component_definition
from .mapping import export_mapping_collection
from .poam import export_poam
from .profile import export_profile

KINDS = ("catalog", "profile", "mapping-collection", "component-definition", "assessment-results", "poam")


def export_document(
    store: Store,
    kind: str,
    *,
    framework_name: str = "iso42001",
    soa: str | None = None,
    mapping_set: str | None = None,
) -> OscalBaseModel:
    """The OSCAL document of ``kind`` for what the store holds (``framework_name`` only for catalogs)."""
    if kind == "catalog":
        return export_catalog(store, framework(framework_name))
    if kind == "profile":
        return export_profile(store, soa)
    if kind == "mapping-collection":
        return export_mapping_collection(store, mapping_set)
    if kind == "component-definition":
        return export_component_definition(store, soa)
    if kind == "assessment-results":
        return export_assessment_results(store)
    if kind == "poam":
        return export_poam(store)
    raise UserInputError(f"unknown OSCAL document kind {kind!r}; known kinds: {', '.join(KINDS)}")
