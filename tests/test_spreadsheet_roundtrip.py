"""Data written by someone else comes back from a workbook exactly as it was written: plain labels stay plain,
and every statement no column holds travels in the "more" column (issue 15)."""

from __future__ import annotations

import copy
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic
from rdflib.namespace import OWL, RDF
from rdflib.namespace import RDFS as RDFS_NS
from test_spreadsheet_errors import VALID, Sheets, text, write_csv, write_xlsx

from aims_graph import resources
from aims_graph.namespaces import AIMS
from aims_graph.rdfio import to_rdflib
from aims_graph.spreadsheet.exporter import WorkbookExport, build_export, write_export
from aims_graph.spreadsheet.importer import ImportResult, WorkbookError, import_workbook
from aims_graph.spreadsheet.more import StatementError, read_statement, read_term, write_statements, write_term
from aims_graph.store import OxigraphStore, ensure_reference_graphs

OTHER = Path(__file__).parent / "data" / "spreadsheet" / "other-org.ttl"
BASE = "https://example.org/kestrel/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
AIMS_NS = str(AIMS)


def graph_of(result: ImportResult) -> rdflib.Graph:
    return to_rdflib([ox.Quad(t.subject, t.predicate, t.object) for t in result.triples])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_organisation_written_by_someone_else_comes_back_as_written(tmp_path: Path, fmt: str) -> None:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(OTHER)
    export = build_export(store)
    assert export.base == BASE and export.language is None
    assert not export.warnings(), export.warnings()
    out = tmp_path / ("other.xlsx" if fmt == "xlsx" else "other")
    write_export(export, out, fmt)
    result = import_workbook(out)
    expected = rdflib.Graph().parse(OTHER, format="turtle")
    back = graph_of(result)
    if not isomorphic(back, expected):
        _, only_back, only_source = graph_diff(back, expected)
        pytest.fail(f"added {sorted(only_back)[:5]}; lost {sorted(only_source)[:5]}")
    assert result.language is None
    # what the sheets show: a plain name in its column, everything else in "more"
    (evidence,) = [row for row in export.rows["evidence"] if row[0] == "ev-rest-log"]
    assert evidence[1] == "Rest-time check log"
    assert evidence[-1] == 'dcterms:date = "2026-09-14T06:30:00Z"^^xsd:dateTime'
    (party,) = [row for row in export.rows["interested-parties"] if row[0] == "party-works-council"]
    assert party[1:] == [
        None,
        None,
        'rdfs:comment = "Conseil d\'entreprise de Kestrel"@fr\nrdfs:label = "Betriebsrat"@de',
    ]


def test_a_workbook_in_a_language_keeps_names_in_others_apart(tmp_path: Path) -> None:
    """Most names in French: the sheet's language is fr; the one English name goes to "more"."""
    data = (
        b"@prefix aims: <https://w3id.org/aims-graph/ontology#> .\n"
        b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        b'<https://example.org/fr/r-1> a aims:Role ; rdfs:label "Direction"@fr , "Board"@en .\n'
        b'<https://example.org/fr/r-2> a aims:Role ; rdfs:label "Juridique"@fr ; rdfs:comment "Sans langue" .\n'
    )
    store = OxigraphStore()
    store.load_bytes(data, ox.RdfFormat.TURTLE, "https://example.org/g", "fr")
    export = build_export(store)
    assert export.language == "fr" and not export.warnings()
    assert [row[1:3] + row[-1:] for row in export.rows["roles"]] == [
        ["Direction", None, 'rdfs:label = "Board"@en'],
        ["Juridique", None, 'rdfs:comment = "Sans langue"'],
    ]
    write_export(export, tmp_path / "fr.xlsx")
    assert set(import_workbook(tmp_path / "fr.xlsx").triples) == {
        q.triple for q in store.raw.quads_for_pattern(None, None, None)
    }


# ------------------------------------------------------------------------------------------------ hand-filled


def _labels(result: ImportResult) -> set[ox.Literal]:
    return {
        t.object for t in result.triples if t.predicate.value == RDFS + "label" and isinstance(t.object, ox.Literal)
    }


def test_settings_language_none_means_plain_names(tmp_path: Path) -> None:
    sheets: Sheets = copy.deepcopy(VALID)
    assert all(label.language == "en" for label in _labels(import_workbook(write_xlsx(tmp_path / "en.xlsx", sheets))))
    sheets["Settings"].append(["language", "none"])
    plain = _labels(import_workbook(write_xlsx(tmp_path / "plain.xlsx", sheets)))
    assert plain and all(label.language is None and label.datatype.value == XSD + "string" for label in plain)
    assert all(label.language is None for label in _labels(import_workbook(write_csv(tmp_path / "csv", sheets))))


def test_people_can_write_more_statements_by_hand(tmp_path: Path) -> None:
    sheets: Sheets = copy.deepcopy(VALID)
    sheets["AI systems"][0].append("More")
    sheets["AI systems"][1].append(
        "rdfs:seeAlso = https://example.org/docs/scorer\n"
        "# a note for the reader, ignored\n"
        "aims:affectedBy = :risk-1\n"
        "skos:note = Checked by legal, twice\n"
        "<https://example.org/x#weight> = 1.5\n"
        'rdfs:label = "Notation"@fr\n'
    )
    result = import_workbook(write_xlsx(tmp_path / "more.xlsx", sheets))
    system = f"{sheets['Settings'][1][1]}sys-1"
    found = {(t.predicate.value, text(t.object)) for t in result.triples if t.subject.value == system}
    assert {
        (RDFS + "seeAlso", "https://example.org/docs/scorer"),
        ("https://w3id.org/aims-graph/ontology#affectedBy", f"{sheets['Settings'][1][1]}risk-1"),
        ("http://www.w3.org/2004/02/skos/core#note", "Checked by legal, twice"),
        ("https://example.org/x#weight", "1.5"),
        (RDFS + "label", "Notation"),
    } <= found


def test_statements_that_do_not_read_are_problems_with_their_line(tmp_path: Path) -> None:
    sheets: Sheets = copy.deepcopy(VALID)
    sheets["Roles"][0].append("more")
    sheets["Roles"][1].append('skos:note = "fine"\nex:thing = 1\nrdfs:label "no equals"\nrdfs:comment = "open')
    with pytest.raises(WorkbookError) as caught:
        import_workbook(write_xlsx(tmp_path / "bad.xlsx", sheets))
    found = [(p.sheet, p.row, p.column, p.cell, p.reason.split(";")[0]) for p in caught.value.problems]
    assert found == [
        ("Roles", 2, "more", "D2", "line 2: unknown prefix 'ex' in 'ex:thing'"),
        ("Roles", 2, "more", "D2", "line 3: 'rdfs:label \"no equals\"' is not property = value"),
        ("Roles", 2, "more", "D2", 'line 4: a quoted value without its closing "'),
    ]


# ------------------------------------------------------------------------------------------------ statement text


TERMS = [
    ox.Literal("plain"),
    ox.Literal('quote " backslash \\ tab \t newline \n return \r bell \x07 del \x7f'),
    ox.Literal("Système", language="fr-CA"),
    ox.Literal("2026-09-14T06:30:00Z", datatype=ox.NamedNode(XSD + "dateTime")),
    ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("x", datatype=ox.NamedNode("https://example.org/types#custom-type")),
    ox.Literal("=SUM(A1:A2)"),
    ox.NamedNode(BASE + "risk-1"),
    ox.NamedNode(BASE + "system/3/risk/2"),
    ox.NamedNode("https://w3id.org/aims-graph/iso42001/A-6-2-4"),
    ox.NamedNode("https://example.org/other?a=b&c=d;e"),
    ox.NamedNode("urn:uuid:1234"),
]


@pytest.mark.parametrize("term", TERMS, ids=str)
def test_every_term_reads_back_as_written(term: ox.NamedNode | ox.Literal) -> None:
    written = write_term(term, BASE)
    assert "\n" not in written and "\r" not in written
    assert read_term(written, BASE) == term
    predicate = ox.NamedNode("https://example.org/p#q")
    assert read_statement(write_statements([(predicate, term)], BASE) or "", BASE) == (predicate, term)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("rdfs:label = _:b1", "blank node"),
        ("rdfs:label", "is not property = value"),
        ("<https://example.org/p = 1", "does not close it with >"),
        ('rdfs:label = "x" junk', "unexpected 'junk'"),
        ('rdfs:label = "x"@not a tag', "not a language tag"),
        ('rdfs:label = "\\q"', "unknown escape \\q"),
        ("rdfs:label = rdfs:", "is not a usable name after the prefix"),
        ("rdfs:label =", "no value after ="),
    ],
)
def test_malformed_statements_say_why(line: str, reason: str) -> None:
    with pytest.raises(StatementError, match=None) as caught:
        read_statement(line, BASE)
    assert reason in str(caught.value)


# ------------------------------------------------------------------------------------------------ every property


def _ontology_values() -> list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]]:
    """Each property the ontology declares, with values of its range (and a few it does not expect)."""
    graph = rdflib.Graph().parse(resources.ontology_file(), format="turtle")
    lexical = {"integer": "7", "decimal": "0.75", "boolean": "true", "string": "some text", "date": "2026-01-02"}
    pairs: list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]] = []
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        for prop in sorted(graph.subjects(RDF.type, kind)):
            if not str(prop).startswith(AIMS_NS):
                continue
            predicate = ox.NamedNode(str(prop))
            if kind == OWL.ObjectProperty:
                pairs.append((predicate, ox.NamedNode(BASE + "org")))
                pairs.append((predicate, ox.NamedNode("https://example.org/elsewhere/thing")))
                continue
            range_ = str(graph.value(prop, RDFS_NS.range) or "")
            local = range_.removeprefix(XSD)
            if local in lexical:
                pairs.append((predicate, ox.Literal(lexical[local], datatype=ox.NamedNode(range_))))
            else:
                pairs.append((predicate, ox.Literal("2026-01-02", datatype=ox.NamedNode(XSD + "date"))))
                pairs.append((predicate, ox.Literal("free text")))
    return pairs


def test_every_property_of_the_ontology_survives_on_every_kind_of_record(tmp_path: Path) -> None:
    """One record of each sheet gets every aims: property, with values of its range, of another record's id
    and of an IRI outside the workbook; exported and imported, none is lost or changed."""
    data = {q.triple for q in ox.parse(path=str(OTHER), format=ox.RdfFormat.TURTLE)}
    store = OxigraphStore()
    ensure_reference_graphs(store)
    export = build_export_of(store, data)
    records = [rows[0][0] for rows in export.rows.values() if rows]
    assert len(records) == len(export.rows) == 26, "other-org has a record on every sheet"
    extra = {ox.Triple(ox.NamedNode(BASE + r), p, v) for r in records for p, v in _ontology_values()}
    assert len(extra) > 2000
    store = OxigraphStore()
    ensure_reference_graphs(store)
    export = build_export_of(store, data | extra)
    assert not export.warnings(), export.warnings()[:5]
    for fmt, out in (("xlsx", tmp_path / "all.xlsx"), ("csv", tmp_path / "all")):
        write_export(export, out, fmt)
        assert set(import_workbook(out).triples) == data | extra, fmt


def build_export_of(store: OxigraphStore, triples: set[ox.Triple]) -> WorkbookExport:
    payload = ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.N_TRIPLES) or b""
    store.load_bytes(payload, ox.RdfFormat.N_TRIPLES, "https://example.org/g", "all")
    return build_export(store)


def test_text_longer_than_a_cell_is_reported_not_cut(tmp_path: Path) -> None:
    """XLSX cuts text at 32,767 characters and the importer refuses longer cells: such a value is left out
    and reported, and the rest of the workbook still imports."""
    long = "x" * 40_000
    data = (
        "<https://example.org/l/sys-1> a <https://w3id.org/aims-graph/ontology#AISystem> ;"
        f' <https://w3id.org/aims-graph/ontology#intendedUse> "{long}" ;'
        ' <http://www.w3.org/2000/01/rdf-schema#label> "Scorer" .'
    ).encode()
    store = OxigraphStore()
    store.load_bytes(data, ox.RdfFormat.TURTLE, "https://example.org/g", "long")
    export = build_export(store)
    assert [text(t.object) for t in export.dropped] == [long]
    for fmt, out in (("xlsx", tmp_path / "long.xlsx"), ("csv", tmp_path / "long")):
        write_export(export, out, fmt)
        assert len(import_workbook(out).triples) == 2
