"""SSSOM/TSV export and import: the specification's required columns and metadata, a lossless round trip,
clear refusals, the CLI, and the reference parser (the `sssom` package)."""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from aims_graph import resources
from aims_graph.cli import main
from aims_graph.crosswalk.mappings import (
    export_sssom,
    export_turtle,
    parse_metadata,
    read_sssom,
    sssom_to_graph,
    turtle_to_graph,
)
from aims_graph.errors import FileFormatError
from aims_graph.namespaces import AIMS
from aims_graph.store import OxigraphStore, ensure_reference_graphs

CROSSWALKS = resources.resource_dir("ontology") / "crosswalks.ttl"
# Required by the SSSOM specification: mapping columns and mapping-set metadata.
REQUIRED_COLUMNS = {"subject_id", "predicate_id", "object_id", "mapping_justification"}
REQUIRED_METADATA = {"mapping_set_id", "license", "curie_map"}
ENTITY_COLUMNS = ("record_id", "subject_id", "predicate_id", "object_id", "mapping_justification",
                  "set_relation", "author_id", "object_source")  # fmt: skip


@cache
def exported() -> str:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    return export_sssom(store)


def table(text: str) -> list[dict[str, str]]:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body), delimiter="\t"))


def reference() -> Graph:
    return Graph().parse(CROSSWALKS, format="turtle")


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    if not isomorphic(expected, actual):
        _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        pytest.fail(f"missing: {sorted(only_expected)[:5]}\nextra: {sorted(only_actual)[:5]}")


def test_export_has_the_required_columns_and_metadata() -> None:
    doc = read_sssom(exported())
    assert set(doc.columns) >= REQUIRED_COLUMNS
    assert set(doc.metadata) >= REQUIRED_METADATA
    rows = table(exported())
    assert rows
    for row in rows:
        assert all(row[c] for c in REQUIRED_COLUMNS)
        assert row["mapping_justification"] == "semapv:ManualMappingCuration"
        assert row["comment"] and row["subject_label"] and row["object_label"]
        assert 0 < float(row["confidence"]) <= 1
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["mapping_date"])
    meta = doc.metadata
    assert meta["mapping_set_id"] == "https://w3id.org/aims-graph/crosswalk/iso42001-crosswalks"
    assert meta["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "own assessment" in str(meta["mapping_set_description"])
    assert meta["mapping_set_version"] and meta["mapping_set_title"]
    assert meta["extension_definitions"] == [
        {"slot_name": "set_relation", "property": "aims:setRelation", "type_hint": "linkml:Uriorcurie"}
    ]


def test_curie_map_declares_every_prefix_used() -> None:
    doc = read_sssom(exported())
    curie_map = doc.metadata["curie_map"]
    assert isinstance(curie_map, dict)
    used = set()
    for row in doc.rows:
        for column in ENTITY_COLUMNS:
            for value in row[column].split("|"):
                if value:
                    used.add(value.split(":", 1)[0])
    creators = doc.metadata["creator_id"]
    assert isinstance(creators, list)
    for value in [*creators, "aims:setRelation", "linkml:Uriorcurie"]:
        used.add(str(value).split(":", 1)[0])
    assert used <= set(curie_map), sorted(used - set(curie_map))
    assert set(curie_map) <= used, "no prefix is declared without being used"


def test_rows_match_the_mappings() -> None:
    rows = table(exported())
    mappings = {str(m) for m in reference().subjects(RDF.type, AIMS.Mapping)}
    assert len(rows) == len(mappings)
    prefix = "https://w3id.org/aims-graph/crosswalk/"
    assert {prefix + r["record_id"].removeprefix("aimsxw:") for r in rows} == mappings
    assert len({r["record_id"] for r in rows}) == len(rows)
    relations = {r["set_relation"] for r in rows}
    assert relations <= {"aims:Equal", "aims:Subset", "aims:Superset", "aims:Intersects"}
    predicates = {r["predicate_id"] for r in rows}
    assert predicates <= {f"skos:{p}Match" for p in ("exact", "close", "broad", "narrow", "related")}


def test_sssom_round_trip_is_lossless() -> None:
    assert_isomorphic(reference(), sssom_to_graph(exported(), "export"))


def test_turtle_round_trip_is_lossless() -> None:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    data = export_turtle(store)
    assert_isomorphic(reference(), Graph().parse(data=data, format="turtle"))
    assert_isomorphic(reference(), turtle_to_graph(data, "export"))


def test_turtle_import_materialises_the_skos_links() -> None:
    without = Graph()
    for triple in reference():
        if not str(triple[1]).startswith("http://www.w3.org/2004/02/skos/core#"):
            without.add(triple)
    assert len(without) < len(reference())
    data = without.serialize(format="turtle", encoding="utf-8")
    assert_isomorphic(reference(), turtle_to_graph(data, "stripped"))


def test_round_trip_through_the_cli(tmp_path: Path) -> None:
    tsv, ttl, back = tmp_path / "x.sssom.tsv", tmp_path / "x.ttl", tmp_path / "back.ttl"
    assert main(["crosswalk", "export", "--format", "sssom", "--out", str(tsv)]) == 0
    assert tsv.read_text(encoding="utf-8") == exported()
    assert main(["crosswalk", "import", "--format", "sssom", "--out", str(back), str(tsv)]) == 0
    assert_isomorphic(reference(), Graph().parse(back, format="turtle"))
    assert main(["crosswalk", "export", "--format", "turtle", "--out", str(ttl)]) == 0
    assert main(["crosswalk", "import", "--format", "turtle", "--out", str(back), str(ttl)]) == 0
    assert_isomorphic(reference(), Graph().parse(back, format="turtle"))


def test_export_from_a_store_with_extra_data_is_unchanged(tmp_path: Path) -> None:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(resources.example_file(resources.CONFORMANT_EXAMPLE))
    assert export_sssom(store) == exported()


def replace_cell(text: str, column: str, old: str, new: str) -> str:
    lines = text.splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    index = lines[header].rstrip("\n").split("\t").index(column)
    cells = lines[header + 1].rstrip("\n").split("\t")
    assert cells[index] == old or old == "*"
    cells[index] = new
    lines[header + 1] = "\t".join(cells) + "\n"
    return "".join(lines)


@pytest.mark.parametrize(
    "column,value,message",
    [
        ("predicate_id", "owl:sameAs", "not a SKOS mapping property"),
        ("set_relation", "aims:Disjoint", "set relation"),
        ("confidence", "1.5", "outside 0 to 1"),
        ("confidence", "high", "not a number"),
        ("mapping_date", "26/11/2026", "not a date"),
        ("object_id", "nowhere:x", "neither a CURIE"),
    ],
)
def test_import_refuses_bad_cells(column: str, value: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        sssom_to_graph(replace_cell(exported(), column, "*", value), "bad")


def test_import_refuses_what_it_cannot_carry() -> None:
    text = exported()
    with pytest.raises(FileFormatError, match="required SSSOM columns missing: mapping_justification"):
        sssom_to_graph(text.replace("\tmapping_justification\t", "\tjustification_kind\t", 1), "bad")
    with pytest.raises(FileFormatError, match="metadata aims-graph cannot carry: mapping_tool"):
        sssom_to_graph('#mapping_tool: "x"\n' + text, "bad")
    with pytest.raises(FileFormatError, match="no mapping_set_id"):
        sssom_to_graph(re.sub(r"(?m)^#mapping_set_id:.*\n", "", text), "bad")


def test_metadata_reader_handles_common_yaml_layouts() -> None:
    lines = [
        "curie_map:",
        "  ex: http://example.org/",
        "  skos: 'http://www.w3.org/2004/02/skos/core#'",
        "mapping_set_id: http://example.org/set  # a comment",
        'mapping_set_title: "A \\"quoted\\" title"',
        "creator_id: [ex:a, 'ex:b']",
        "creator_label:",
        "- Ann",
        "- Bo",
        "extension_definitions:",
        "  - slot_name: ext_x",
        "    property: ex:x",
    ]
    assert parse_metadata(lines) == {
        "curie_map": {"ex": "http://example.org/", "skos": "http://www.w3.org/2004/02/skos/core#"},
        "mapping_set_id": "http://example.org/set",
        "mapping_set_title": 'A "quoted" title',
        "creator_id": ["ex:a", "ex:b"],
        "creator_label": ["Ann", "Bo"],
        "extension_definitions": [{"slot_name": "ext_x", "property": "ex:x"}],
    }


@pytest.mark.parametrize("line", ["key: [unclosed", "key: 'unterminated", "a: b: c", "key: *undefined"])
def test_metadata_reader_refuses_invalid_yaml_with_the_line(line: str) -> None:
    with pytest.raises(FileFormatError, match="metadata line 1"):
        parse_metadata([line])


@pytest.mark.parametrize("line", ["- item", "just text"])
def test_metadata_reader_refuses_a_block_that_is_not_a_mapping(line: str) -> None:
    with pytest.raises(FileFormatError, match="must be a YAML mapping"):
        parse_metadata([line])


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text("#curie_map:\n#  ex: http://example.org/\nsubject_id\tpredicate_id\n", encoding="utf-8")
    assert main(["crosswalk", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "required SSSOM columns missing" in err and len(err.strip().splitlines()) == 1


def test_reference_parser_accepts_the_export(tmp_path: Path) -> None:
    """The `sssom` package (the SSSOM reference implementation) parses and validates the export."""
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    path = tmp_path / "crosswalks.sssom.tsv"
    path.write_text(exported(), encoding="utf-8")
    # strict=True is not used: sssom 0.4.21 reports every file with only standard metadata as
    # "non-standard" in strict mode (its validity flag is inverted); validate() below is the real check.
    msdf = parse_sssom_table(path)
    assert len(msdf.df) == len(table(exported()))
    assert msdf.metadata["mapping_set_id"] == "https://w3id.org/aims-graph/crosswalk/iso42001-crosswalks"
    reports = validate(msdf, fail_on_error=False)
    assert {str(kind): [r.message for r in report.results] for kind, report in reports.items()} == {
        str(kind): [] for kind in reports
    }
    assert len(reports) >= 3
