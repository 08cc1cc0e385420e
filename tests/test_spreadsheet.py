"""Spreadsheets: the sheet model, the template, and the round trip store -> workbook -> RDF.

Round trip: each example is loaded into a store (with the ontology and catalogue beside it), exported as a
workbook, imported again, and compared with the example file by graph isomorphism. No normalisation is
needed: the exporter records the example's base IRI on sheet Settings, and every triple of both examples
has a column. The gaps example imports with ``allow_gaps`` (its off-scale likelihood and its typo'd control
A.6.2.9 are the gaps it documents) and must then validate to exactly the findings of the Turtle file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from openpyxl import load_workbook
from rdflib.compare import isomorphic
from servers import OxigraphServer, oxigraph_serve
from test_spreadsheet_errors import VALID, cell, text, write_xlsx

from aims_graph import resources
from aims_graph.answers import Rows
from aims_graph.namespaces import AIMS
from aims_graph.rdfio import to_rdflib
from aims_graph.spreadsheet import vocab
from aims_graph.spreadsheet.exporter import build_export, export_workbook, write_export
from aims_graph.spreadsheet.importer import ImportResult, WorkbookError, import_workbook, replace_graph, serialize
from aims_graph.spreadsheet.model import RDF_TYPE, README_TITLE, SETTINGS_TITLE, SHEETS, SHEETS_BY_KEY, Kind
from aims_graph.spreadsheet.template import write_template
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs
from aims_graph.synthetic import generate
from aims_graph.validation.validate import validate

EXAMPLES = {"conformant-org": "https://example.org/northwind/", "gaps-org": "https://example.org/brightline/"}
ALLOW_GAPS = {"conformant-org": False, "gaps-org": True}

# Terms the sheets emit that live outside aims:, all of them used by the examples.
EXTERNAL_TERMS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://purl.org/dc/terms/title",
    "http://purl.org/dc/terms/date",
    "http://xmlns.com/foaf/0.1/name",
    "http://xmlns.com/foaf/0.1/Person",
    "http://www.w3.org/ns/prov#wasDerivedFrom",
}


def graph_of(result: ImportResult) -> rdflib.Graph:
    return to_rdflib([ox.Quad(t.subject, t.predicate, t.object) for t in result.triples])


def example_graph(name: str) -> rdflib.Graph:
    return rdflib.Graph().parse(resources.example_file(name), format="turtle")


def store_with(name: str) -> OxigraphStore:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(resources.example_file(name))
    return store


# ------------------------------------------------------------------------------------------------ model


def test_every_term_the_sheets_emit_is_declared() -> None:
    terms: set[str] = set()
    for sheet in SHEETS:
        terms.update(sheet.types + sheet.classes_to_export)
        for column in sheet.columns:
            terms.update(t for t in (column.predicate, column.enumeration, column.scale) if t)
            terms.update(column.classes)
            terms.update(vocab.choices(column))
    undeclared = {t for t in terms if t not in EXTERNAL_TERMS and not vocab.declared(t)}
    assert not undeclared


def test_the_sheets_cover_every_property_and_class_of_the_examples() -> None:
    predicates = {c.predicate for s in SHEETS for c in s.columns if c.predicate}
    classes = {cls for s in SHEETS for cls in s.types + s.classes_to_export}
    classes |= {cls for s in SHEETS for c in s.columns for cls in c.classes}
    for name in EXAMPLES:
        graph = example_graph(name)
        assert {str(p) for p in graph.predicates()} <= predicates
        assert {str(o) for o in graph.objects(None, rdflib.RDF.type)} <= classes


def test_sheet_model_is_well_formed() -> None:
    assert len({s.key for s in SHEETS}) == len({s.title.lower() for s in SHEETS}) == len(SHEETS)
    for sheet in SHEETS:
        assert len(sheet.title) <= 31 and not set(sheet.title) & set("[]:*?/\\")
        assert sheet.columns[0].kind is Kind.ID
        headers = [vocab.normalise(c.header) for c in sheet.columns]
        assert len(set(headers)) == len(headers), sheet.title
        for column in sheet.columns:
            assert column.help.endswith("."), (sheet.title, column.header)
            assert all(t == "*" or t in SHEETS_BY_KEY for t in column.targets)
            if column.kind is Kind.REF:
                assert column.targets or column.catalogue
            if column.kind in (Kind.CHOICE, Kind.TYPE):
                assert vocab.choices(column)
            if column.inverse:
                assert column.kind is Kind.REF and column.required


# ------------------------------------------------------------------------------------------------ template


def test_template_has_readme_settings_and_one_sheet_per_record_kind(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    book = load_workbook(path)
    assert book.sheetnames == [README_TITLE, SETTINGS_TITLE, *(s.title for s in SHEETS)]
    for sheet in SHEETS:
        ws = book[sheet.title]
        assert [c.value for c in ws[1]] == [c.header for c in sheet.columns]
        assert ws.max_row == 2, "one worked example row"
        assert ws["A2"].value, "the example row has an id"
        assert all(c.comment is not None for c in ws[1]), "every header explains itself"
    readme = "\n".join(str(v) for row in book[README_TITLE].iter_rows(values_only=True) for v in row if v)
    for sheet in SHEETS:
        for column in sheet.columns:
            assert column.help in readme


def _lists(ws: object) -> dict[str, list[str]]:
    """Column letter -> drop-down values, for the inline lists of a sheet."""
    found: dict[str, list[str]] = {}
    for validation in ws.data_validations.dataValidation:  # type: ignore[attr-defined]
        if validation.type == "list" and validation.formula1.startswith('"'):
            for cell_range in validation.sqref.ranges:
                found[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation.formula1.strip('"').split(",")
    return found


@pytest.mark.parametrize(
    ("sheet", "header", "values"),
    [
        ("AI systems", "lifecycle stage", ["Inception", "Design and development", "Verification and validation",
                                           "Deployment", "Operation and monitoring", "Continuous validation",
                                           "Re-evaluation", "Retirement"]),
        ("AI systems", "organisation role", ["AI provider", "AI producer", "AI customer", "AI partner", "AI subject"]),
        ("AI systems", "in scope", ["yes", "no"]),
        ("Risks", "treatment decision", ["Modify", "Accept", "Avoid", "Share"]),
        ("Treatments", "status", ["Planned", "In progress", "Implemented"]),
        ("SoA entries", "applicable", ["yes", "no"]),
        ("SoA entries", "status", ["Planned", "In progress", "Implemented"]),
        ("Impacts", "scope", ["Individuals", "Groups of individuals", "Society"]),
        ("Policies", "kind", ["AI policy", "Topic-specific policy"]),
        ("Roles", "top management", ["yes", "no"]),
    ],
)  # fmt: skip
def test_template_offers_drop_down_lists_for_named_values(
    tmp_path: Path, sheet: str, header: str, values: list[str]
) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    ws = load_workbook(path)[sheet]
    letter = next(c.column_letter for c in ws[1] if c.value == header)
    assert _lists(ws)[letter] == values


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_imports_cleanly(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / ("template.xlsx" if fmt == "xlsx" else "template")
    write_template(path, fmt)
    result = import_workbook(path)
    assert result.records == len(SHEETS) and not result.warnings
    if fmt == "csv":
        assert sorted(p.stem for p in path.glob("*.csv")) == sorted(["README", "settings", *SHEETS_BY_KEY])


# ------------------------------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("name", EXAMPLES)
def test_round_trip_gives_the_example_back(tmp_path: Path, name: str, fmt: str) -> None:
    store = store_with(name)
    export = build_export(store)
    assert export.base == EXAMPLES[name]
    assert not export.warnings(), export.warnings()
    out = tmp_path / ("book.xlsx" if fmt == "xlsx" else "book")
    write_export(export, out, fmt)
    result = import_workbook(out, allow_gaps=ALLOW_GAPS[name])
    assert isomorphic(graph_of(result), example_graph(name))
    # the same with the base given explicitly, as `import --base` does
    again = import_workbook(out, base=EXAMPLES[name], allow_gaps=ALLOW_GAPS[name])
    assert again.triples == result.triples


def test_round_trip_from_a_remote_store(tmp_path: Path) -> None:
    """A fresh `oxigraph serve` holding only the example and the reference graphs."""
    with oxigraph_serve() as server:
        store = SparqlEndpointStore(server.query, server.update, server.store)
        ensure_reference_graphs(store)
        for name in EXAMPLES:
            store.load(resources.example_file(name))
        export_workbook(store, tmp_path / "both.xlsx")
    result = import_workbook(tmp_path / "both.xlsx", allow_gaps=True)
    both = example_graph("conformant-org") + example_graph("gaps-org")
    assert isomorphic(graph_of(result), both)
    assert result.base == "https://example.org/"  # two organisations: ids carry the rest of the path


def test_gaps_example_refuses_to_import_without_allow_gaps(tmp_path: Path) -> None:
    export_workbook(store_with("gaps-org"), tmp_path / "gaps.xlsx")
    with pytest.raises(WorkbookError) as caught:
        import_workbook(tmp_path / "gaps.xlsx")
    found = [(p.sheet, p.column, p.reason.split(":")[0]) for p in caught.value.problems]
    assert found == [
        ("Risks", "likelihood", "7 is above 5, the top of the likelihood scale in risk criteria 'risk-criteria'"),
        ("Treatments", "controls", "unknown notation 'A.6.2.9'"),
    ]


# ------------------------------------------------------------------------------------------------ validation


def _findings(graph: rdflib.Graph) -> set[tuple[str, str]]:
    return {(r.focus, r.shape) for r in validate(graph).results}


@pytest.mark.parametrize("name", EXAMPLES)
def test_imported_workbook_validates_like_the_turtle_it_mirrors(tmp_path: Path, name: str) -> None:
    export_workbook(store_with(name), tmp_path / "book.xlsx")
    imported = graph_of(import_workbook(tmp_path / "book.xlsx", allow_gaps=ALLOW_GAPS[name]))
    report = validate(imported)
    expected = _findings(example_graph(name))
    assert report.conforms is (name == "conformant-org")
    assert {(r.focus, r.shape) for r in report.results} == expected
    if name == "gaps-org":
        assert len(expected) == 19


# ------------------------------------------------------------------------------------------------ export reports


def test_export_reports_what_the_workbook_cannot_carry() -> None:
    """A name in a second language and a property no column has go to column "more"; a statement whose value
    is a blank node cannot be written at all, and is reported."""
    triples, _ = generate(2)
    system = ox.NamedNode("https://example.org/synthetic/system/0")
    extra = [
        ox.Triple(system, ox.NamedNode(str(rdflib.RDFS.label)), ox.Literal("Système 0", language="fr")),
        ox.Triple(system, ox.NamedNode("https://example.org/x#note"), ox.Literal("kept outside the sheets")),
        ox.Triple(system, ox.NamedNode("https://example.org/x#part"), ox.BlankNode("part")),
        ox.Triple(system, ox.NamedNode("https://example.org/x#see"), ox.BlankNode("see")),
        ox.Triple(ox.BlankNode(), ox.NamedNode(RDF_TYPE), ox.NamedNode(str(AIMS.Risk))),
    ]
    store = OxigraphStore()
    store.load_bytes(
        ox.serialize(triples + extra, format=ox.RdfFormat.N_TRIPLES) or b"",
        ox.RdfFormat.N_TRIPLES,
        "https://example.org/g",
        "generated",
    )
    export = build_export(store)
    assert {text(t.predicate) for t in export.dropped} == {"https://example.org/x#part", "https://example.org/x#see"}
    (row,) = [r for r in export.rows["ai-systems"] if r[0] == "system/0"]
    assert row[-1] == '<https://example.org/x#note> = "kept outside the sheets"\nrdfs:label = "Système 0"@fr'
    # the generator types its board only as top management; the workbook also says it is a role
    assert [(text(t.subject), text(t.object)) for t in export.added] == [
        ("https://example.org/synthetic/role/board", str(AIMS.Role))
    ]
    assert export.blank_statements == 1
    warnings = "\n".join(export.warnings())
    assert "2 triples not carried by the workbook" in warnings and "1 triple added" in warnings
    assert "blank nodes" in warnings


def test_a_reference_to_a_record_the_store_lacks_travels_in_column_more(tmp_path: Path) -> None:
    """An id the workbook has no row for would not import; the statement goes to "more" as it is."""
    store = OxigraphStore()
    data = (
        b"<https://example.org/a/risk-1> a <https://w3id.org/aims-graph/ontology#Risk> ;"
        b" <https://w3id.org/aims-graph/ontology#affectsSystem> <https://example.org/a/sys-gone> ."
    )
    store.load_bytes(data, ox.RdfFormat.TURTLE, "https://example.org/g", "dangling")
    export = build_export(store)
    assert not export.warnings()
    (row,) = export.rows["risks"]
    assert row[3] is None and row[-1] == "aims:affectsSystem = :sys-gone"
    export_workbook(store, tmp_path / "dangling.xlsx")
    stored = {q.triple for q in store.raw.quads_for_pattern(None, None, None)}
    assert set(import_workbook(tmp_path / "dangling.xlsx").triples) == stored


def test_export_reports_what_would_stop_the_workbook_from_importing() -> None:
    """One resource that is both a risk and an AI system would have the same id on two sheets."""
    store = OxigraphStore()
    data = (
        b"<https://example.org/a/x-1> a <https://w3id.org/aims-graph/ontology#Risk> ,"
        b" <https://w3id.org/aims-graph/ontology#AISystem> ."
    )
    store.load_bytes(data, ox.RdfFormat.TURTLE, "https://example.org/g", "both")
    export = build_export(store)
    assert [(p.sheet, p.row, p.column) for p in export.problems] == [("Risks", 2, "id")]
    assert "already used on sheet 'AI systems'" in export.problems[0].reason
    assert "will not import as it is (1 problems)" in "\n".join(export.warnings())


def test_empty_store_exports_an_empty_workbook(tmp_path: Path) -> None:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    export_workbook(store, tmp_path / "empty.xlsx")
    result = import_workbook(tmp_path / "empty.xlsx")
    assert result.records == 0 and result.triples == []


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    store = OxigraphStore()
    data = (
        b"<https://example.org/a/sys-1> a <https://w3id.org/aims-graph/ontology#AISystem> ;"
        b' <https://w3id.org/aims-graph/ontology#intendedUse> "=HYPERLINK(\\"http://evil\\")" .'
    )
    store.load_bytes(data, ox.RdfFormat.TURTLE, "https://example.org/g", "formula")
    export_workbook(store, tmp_path / "f.xlsx")
    ws = load_workbook(tmp_path / "f.xlsx")["AI systems"]
    intended = next(c for c in ws[2] if ws.cell(1, c.column).value == "intended use")
    assert intended.data_type == "s"
    (value,) = [text(t.object) for t in import_workbook(tmp_path / "f.xlsx").triples if "intendedUse" in str(t)]
    assert value == '=HYPERLINK("http://evil")'


def test_dates_and_numbers_are_written_as_such(tmp_path: Path) -> None:
    export_workbook(store_with("conformant-org"), tmp_path / "nw.xlsx")
    book = load_workbook(tmp_path / "nw.xlsx")
    assert book[SETTINGS_TITLE]["B2"].value == "https://example.org/northwind/"
    risks = book["Risks"]
    header = [c.value for c in risks[1]]
    first = [c.value for c in risks[2]]
    assert first[0] == "risk-01" and first[header.index("likelihood")] == 3
    assert first[header.index("objectives")] == "C.2.9; obj-triage-safety"
    ms = book["Management system"]
    assert ms.cell(2, 5).value == dt.datetime(2026, 11, 1)


# ------------------------------------------------------------------------------------------------ stores


def _graph_triples(store: OxigraphStore | SparqlEndpointStore, graph: str) -> int:
    result = store.query(
        resources.internal_query("store/count-graph.rq"), bindings={"graph": ox.NamedNode(graph)}, default_graphs=[]
    )
    assert isinstance(result, Rows)
    return int(result.rows[0][1].value) if result.rows else 0  # type: ignore[union-attr]


def test_import_into_a_store_replaces_its_graph(tmp_path: Path) -> None:
    graph = "https://example.org/graphs/aims"
    store = OxigraphStore(tmp_path / "store")
    first = import_workbook(write_xlsx(tmp_path / "one.xlsx", VALID))
    replace_graph(store, first, graph)
    assert _graph_triples(store, graph) == len(first.triples)
    edited = {k: [list(r) for r in v] for k, v in VALID.items()}
    cell(edited, "Risks", 2, "name", "Renamed risk")
    second = import_workbook(write_xlsx(tmp_path / "two.xlsx", edited))
    replace_graph(store, second, graph)
    dumped = {q.triple for q in store.raw.quads_for_pattern(None, None, None, ox.NamedNode(graph))}
    assert dumped == set(second.triples)
    assert [g.name for g in store.graphs()] == [graph], "no staging graph is left behind"


def test_import_into_a_remote_store(tmp_path: Path, oxigraph_server: OxigraphServer) -> None:
    graph = f"https://example.org/graphs/{tmp_path.name}"
    store = SparqlEndpointStore(oxigraph_server.query, oxigraph_server.update, oxigraph_server.store)
    result = import_workbook(write_xlsx(tmp_path / "one.xlsx", VALID))
    replace_graph(store, result, graph)
    replace_graph(store, result, graph)
    assert _graph_triples(store, graph) == len(result.triples)
    assert not [g for g in store.graphs() if "/import/" in g.name]


@pytest.mark.parametrize("fmt", [ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD])
def test_written_rdf_parses_back_to_the_same_triples(tmp_path: Path, fmt: ox.RdfFormat) -> None:
    """Generated data has ids with slashes (system/3/risk/2), which Turtle cannot abbreviate."""
    triples, _ = generate(2)
    store = OxigraphStore()
    store.load_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", ox.RdfFormat.N_TRIPLES,
                     "https://example.org/g", "generated")  # fmt: skip
    export_workbook(store, tmp_path / "gen.xlsx")
    result = import_workbook(tmp_path / "gen.xlsx")
    assert result.base == "https://example.org/synthetic/"
    parsed = {q.triple for q in ox.parse(serialize(result, fmt), format=fmt)}
    assert parsed == set(result.triples)


def test_round_trip_of_urn_iris_and_another_language(tmp_path: Path) -> None:
    """No common http base: ids are written as full IRIs; names in French stay French (sheet Settings)."""
    data = (
        b"@prefix aims: <https://w3id.org/aims-graph/ontology#> .\n"
        b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        b'<urn:acme:sys-1> a aims:AISystem ; rdfs:label "Syst\xc3\xa8me de notation"@fr ; aims:owner <urn:acme:r-1> .\n'
        b'<urn:acme:r-1> a aims:Role ; rdfs:label "Direction"@fr .\n'
        b'<urn:acme:risk/1> a aims:Risk ; rdfs:label "Biais"@fr ; aims:affectsSystem <urn:acme:sys-1> .\n'
    )
    store = OxigraphStore()
    store.load_bytes(data, ox.RdfFormat.TURTLE, "https://example.org/g", "urn")
    export = build_export(store)
    assert export.language == "fr" and not export.warnings()
    assert export.rows["risks"][0][:4] == ["urn:acme:risk/1", "Biais", None, "urn:acme:sys-1"]
    write_export(export, tmp_path / "urn.xlsx")
    stored = {q.triple for q in store.raw.quads_for_pattern(None, None, None)}
    assert set(import_workbook(tmp_path / "urn.xlsx").triples) == stored
