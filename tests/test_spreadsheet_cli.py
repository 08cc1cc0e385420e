"""The spreadsheet commands through ``aims_graph.cli.main``: template, import, export --format xlsx.

Exit codes: 0 on success, 2 on any error, and on error nothing is written (no file, no graph).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from servers import OxigraphServer
from test_spreadsheet_errors import VALID, write_xlsx

from aims_graph import resources
from aims_graph.cli import main

GAPS = str(resources.example_file("gaps-org"))
CONFORMANT = str(resources.example_file("conformant-org"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_commands_are_registered(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("template", "import", "export"):
        assert command in out


def test_template_xlsx_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "template", "--out", str(tmp_path / "t.xlsx"))[0] == 0
    assert (tmp_path / "t.xlsx").stat().st_size > 0
    assert run(capsys, "template", "--format", "csv", "--out", str(tmp_path / "csv"))[0] == 0
    assert (tmp_path / "csv" / "risks.csv").exists()


def test_template_needs_a_format_it_can_tell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "template", "--out", str(tmp_path / "t.ods"))
    assert code == 2 and "--format csv" in err
    assert not (tmp_path / "t.ods").exists()


def test_import_writes_turtle_to_stdout_or_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", VALID)
    code, out, err = run(capsys, "import", str(book))
    assert code == 0 and "9 records" in err
    from_stdout = rdflib.Graph().parse(data=out, format="turtle")
    assert run(capsys, "import", str(book), "--out", str(tmp_path / "book.nt"))[0] == 0
    from_file = rdflib.Graph().parse(tmp_path / "book.nt", format="nt")
    assert isomorphic(from_stdout, from_file) and len(from_file) > 30


def test_import_base_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", VALID)
    code, out, _ = run(capsys, "import", str(book), "--base", "urn:acme:")
    assert code == 0 and "urn:acme:risk-1" in out
    code, _, err = run(capsys, "import", str(book), "--base", "https://acme.example/aims")
    assert code == 2 and "should end with / or #" in err


def test_import_into_a_store_and_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", VALID)
    store = str(tmp_path / "store")
    graph = "https://example.org/graphs/aims"
    for _ in range(2):
        code, _, err = run(capsys, "import", str(book), "--store", store, "--graph", graph)
        assert code == 0 and f"into <{graph}>" in err
    code, out, _ = run(capsys, "graphs", "list", "--store", store)
    line = next(line for line in out.splitlines() if graph in line)
    assert int(line.split()[0]) == len(rdflib.Graph().parse(data=run(capsys, "import", str(book))[1]))


def test_import_refuses_two_destinations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", VALID)
    code, _, err = run(capsys, "import", str(book), "--out", str(tmp_path / "x.ttl"), "--store", str(tmp_path / "s"))
    assert code == 2 and "not --out and --store" in err
    assert not (tmp_path / "x.ttl").exists() and not (tmp_path / "s").exists()


def test_import_of_a_missing_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import", str(tmp_path / "nope.xlsx"))
    assert code == 2 and "no such file" in err


def test_export_then_import_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book, turtle = tmp_path / "nw.xlsx", tmp_path / "nw.ttl"
    code, _, err = run(capsys, "export", "--format", "xlsx", "--data", CONFORMANT, "--out", str(book))
    assert code == 0 and "189 records" in err and "warning" not in err
    assert run(capsys, "import", str(book), "--out", str(turtle))[0] == 0
    assert isomorphic(rdflib.Graph().parse(turtle), rdflib.Graph().parse(CONFORMANT))


def test_export_csv_from_an_on_disk_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, folder = str(tmp_path / "store"), tmp_path / "csv"
    assert run(capsys, "load", "--store", store, CONFORMANT)[0] == 0
    assert run(capsys, "export", "--format", "xlsx", "--store", store, "--format", "csv", "--out", str(folder))[0] == 0
    code, out, _ = run(capsys, "import", str(folder))
    assert code == 0
    assert isomorphic(rdflib.Graph().parse(data=out, format="turtle"), rdflib.Graph().parse(CONFORMANT))


def test_gaps_workbook_fails_then_imports_with_allow_gaps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book, out = tmp_path / "gaps.xlsx", tmp_path / "gaps.ttl"
    assert run(capsys, "export", "--format", "xlsx", "--data", GAPS, "--out", str(book))[0] == 0
    code, _, err = run(capsys, "import", str(book), "--out", str(out))
    assert code == 2 and not out.exists()
    assert err.splitlines()[1:] == [
        f"{book}: sheet 'Risks', row 5, column 'likelihood' (H5): 7 is above 5, the top of the likelihood scale "
        "in risk criteria 'risk-criteria'",
        f"{book}: sheet 'Treatments', row 6, column 'controls' (D6): unknown notation 'A.6.2.9': the ISO/IEC "
        "42001 catalogue has no such entry (an Annex A control)",
    ]
    code, _, err = run(capsys, "import", str(book), "--allow-gaps", "--out", str(out))
    assert code == 0 and err.count("aims-graph: warning:") == 2
    assert isomorphic(rdflib.Graph().parse(out), rdflib.Graph().parse(GAPS))


def test_export_warns_about_what_it_cannot_carry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "extra.ttl"
    data.write_text(
        "<https://example.org/a/sys-1> a <https://w3id.org/aims-graph/ontology#AISystem> ;\n"
        '  <https://example.org/a/note> "outside the sheets" ;\n'
        '  <https://example.org/a/part> [ <https://example.org/a/note> "a record without an IRI" ] .\n'
    )
    code, _, err = run(capsys, "export", "--format", "xlsx", "--data", str(data), "--out", str(tmp_path / "x.xlsx"))
    assert code == 0
    assert "aims-graph: warning: 1 triple not carried by the workbook:" in err
    assert "<https://example.org/a/part>" in err and "outside the sheets" not in err


def test_import_then_query_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The imported graph answers the named queries like loaded Turtle does."""
    book, store = tmp_path / "nw.xlsx", str(tmp_path / "store")
    assert run(capsys, "export", "--format", "xlsx", "--data", CONFORMANT, "--out", str(book))[0] == 0
    assert run(capsys, "import", str(book), "--store", store)[0] == 0
    code, out, _ = run(capsys, "query", "controls-for-risk", "--store", store, "--format", "csv",
                       "--param", "risk=https://example.org/northwind/risk-08")  # fmt: skip
    assert code == 0
    controls = {row.split(",")[1] for row in out.strip().splitlines()[1:]}
    assert controls == {
        "https://w3id.org/aims-graph/iso42001/A-10-3",
        "https://example.org/northwind/ctl-phi-redaction",
    }


def test_import_into_an_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], oxigraph_server: OxigraphServer
) -> None:
    book = write_xlsx(tmp_path / "book.xlsx", VALID)
    graph = f"https://example.org/graphs/{tmp_path.name}"
    endpoint = ["--endpoint", oxigraph_server.query, "--update-endpoint", oxigraph_server.update]
    code, _, err = run(capsys, "import", str(book), *endpoint, "--graph", graph)
    assert code == 0 and f"into <{graph}>" in err
    code, out, _ = run(capsys, "graphs", "list", *endpoint)
    assert graph in out
    code, _, err = run(capsys, "import", str(book), "--endpoint", oxigraph_server.query, "--graph", graph + "-2")
    assert code == 2 and "--update-endpoint" in err


def test_export_format_xlsx_round_trips(tmp_path: Path) -> None:
    """`aims-graph export --format xlsx` (the issue's spelling) writes the workbook that imports back."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from aims_graph.cli import main as cli_main

    example = Path(__file__).resolve().parents[1] / "examples" / "conformant-org.ttl"
    book, back = tmp_path / "org.xlsx", tmp_path / "back.ttl"
    assert cli_main(["export", "--format", "xlsx", "--data", str(example), "--out", str(book)]) == 0
    assert cli_main(["import", str(book), "--base", "https://example.org/northwind/", "--out", str(back)]) == 0
    assert isomorphic(Graph().parse(example), Graph().parse(back))
