"""Workbooks that would cost too much to read are refused before reading (zip bombs, huge sheets, huge
cells), and text that a spreadsheet program would run as a formula is written so that it stays text."""

from __future__ import annotations

import csv
import re
import time
import zipfile
from pathlib import Path

import pyoxigraph as ox
import pytest
from openpyxl import Workbook, load_workbook
from test_spreadsheet_errors import VALID, text, write_csv, write_xlsx

from aims_graph.cli import main
from aims_graph.errors import FileFormatError, TooLargeError
from aims_graph.spreadsheet.exporter import build_export, write_export
from aims_graph.spreadsheet.importer import import_workbook
from aims_graph.spreadsheet.limits import ReadLimits, WorkbookTooLargeError
from aims_graph.spreadsheet.workbook import escape_text, unescape_text
from aims_graph.store import OxigraphStore

MIB = 1024 * 1024
ROW = b'<row><c t="inlineStr"><is><t>Bias</t></is></c></row>'


def inflate_to(path: Path, out: Path, size: int, declared: int | None = None) -> Path:
    """A copy of the workbook whose first sheet is ``size`` bytes of rows once inflated (a few hundred KB
    compressed). With ``declared``, the archive claims that member is only that big."""
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info))
                continue
            head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            chunk = ROW * (MIB // len(ROW))
            with target.open(member, "w") as sheet:
                sheet.write(head)
                written = len(head)
                while written < size:
                    sheet.write(chunk)
                    written += len(chunk)
                sheet.write(b"</sheetData></worksheet>")
    if declared is not None:
        data = bytearray(out.read_bytes())
        name = member.encode()
        start = 0
        while (found := data.find(name, start)) >= 0:
            start = found + 1
            if data[found - 46 : found - 42] == b"PK\x01\x02":  # central directory entry
                data[found - 46 + 24 : found - 46 + 28] = declared.to_bytes(4, "little")
            elif data[found - 30 : found - 26] == b"PK\x03\x04":  # local file header
                data[found - 30 + 22 : found - 30 + 26] = declared.to_bytes(4, "little")
        out.write_bytes(bytes(data))
    return out


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bomb")
    return inflate_to(write_xlsx(folder / "valid.xlsx", VALID), folder / "bomb.xlsx", 300 * MIB)


def test_a_zip_bomb_is_refused_at_once_and_nothing_is_stored(
    bomb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bomb.stat().st_size < 2 * MIB
    started = time.perf_counter()
    with pytest.raises(WorkbookTooLargeError) as caught:
        import_workbook(bomb)
    assert time.perf_counter() - started < 2.0
    assert re.search(r"unpacks to 30\d\.\d MB, more than the 200\.0 MB allowed", str(caught.value))
    assert isinstance(caught.value, TooLargeError)

    store = tmp_path / "store"
    started = time.perf_counter()
    assert main(["import", str(bomb), "--store", str(store)]) == 2
    assert time.perf_counter() - started < 3.0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nothing was imported" in err and "Traceback" not in err
    assert not store.exists() or not list(OxigraphStore(store).graphs())


def test_a_member_compressed_beyond_belief_is_refused_below_the_total_cap(bomb: Path) -> None:
    with pytest.raises(WorkbookTooLargeError, match=r"sheet1.xml is compressed [\d,]+ to 1"):
        import_workbook(bomb, limits=ReadLimits(max_bytes=1024 * MIB))


def test_an_archive_of_many_files_is_refused(tmp_path: Path) -> None:
    valid = write_xlsx(tmp_path / "valid.xlsx", VALID)
    crowded = tmp_path / "crowded.xlsx"
    with zipfile.ZipFile(valid) as source, zipfile.ZipFile(crowded, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for number in range(30):
            target.writestr(f"xl/media/extra{number}.bin", b"")
    import_workbook(crowded)
    with pytest.raises(WorkbookTooLargeError, match=r"holds 48 files, more than the 40 allowed"):
        import_workbook(crowded, limits=ReadLimits(max_members=40))


def test_a_member_larger_than_it_declares_is_cut_at_the_declared_size(tmp_path: Path) -> None:
    """The central directory says 2 KB; the reader stops there and the CRC check fails: an unreadable file."""
    valid = write_xlsx(tmp_path / "valid.xlsx", VALID)
    liar = inflate_to(valid, tmp_path / "liar.xlsx", 100 * MIB, declared=2048)
    assert sum(i.file_size for i in zipfile.ZipFile(liar).infolist()) < 200 * MIB
    started = time.perf_counter()
    with pytest.raises(FileFormatError, match=r"not a readable \.xlsx workbook"):
        import_workbook(liar)
    assert time.perf_counter() - started < 3.0


def _book(path: Path, cells: dict[tuple[int, int], str]) -> Path:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Roles"
    ws.append(["id", "name"])
    for (row, column), value in cells.items():
        ws.cell(row=row, column=column, value=value)
    book.save(path)
    return path


def test_a_tiny_sheet_that_claims_a_million_rows_is_refused(tmp_path: Path) -> None:
    path = _book(tmp_path / "tall.xlsx", {(1_048_576, 1): "role-last"})
    assert path.stat().st_size < 20_000
    started = time.perf_counter()
    with pytest.raises(WorkbookTooLargeError, match="sheet 'Roles' has more than 1,000,000 rows"):
        import_workbook(path)
    assert time.perf_counter() - started < 10.0


def test_rows_columns_and_cells_have_caps(tmp_path: Path) -> None:
    with pytest.raises(WorkbookTooLargeError, match="sheet 'Roles' has more than 3 rows"):
        import_workbook(
            _book(tmp_path / "rows.xlsx", {(r, 1): f"r{r}" for r in range(2, 6)}), limits=ReadLimits(max_rows=3)
        )
    with pytest.raises(WorkbookTooLargeError, match="row 2 has 16,384 columns, more than the 1,000 allowed"):
        import_workbook(_book(tmp_path / "wide.xlsx", {(2, 16_384): "far"}))
    # openpyxl itself cuts what it writes at 32,767 characters, the default cap: a lower cap shows the check
    long = _book(tmp_path / "long.xlsx", {(2, 1): "role-1", (2, 2): "x" * 5_000})
    with pytest.raises(WorkbookTooLargeError, match="row 2 column 2 holds 5,000 characters, more than the 4,000"):
        import_workbook(long, limits=ReadLimits(max_cell_chars=4_000))


def test_csv_folders_have_the_same_caps(tmp_path: Path) -> None:
    folder = write_csv(tmp_path / "csv", VALID)
    import_workbook(folder)
    with pytest.raises(WorkbookTooLargeError, match=r"the CSV files hold [\d,]+ bytes, more than the 100 bytes"):
        import_workbook(folder, limits=ReadLimits(max_bytes=100))
    with pytest.raises(WorkbookTooLargeError, match=r"sheet 'ai-systems\.csv' has more than 1 rows"):
        import_workbook(folder, limits=ReadLimits(max_rows=1))
    with (folder / "roles.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(["role-2", "y" * 40_000])
    with pytest.raises(WorkbookTooLargeError, match=r"'roles\.csv' row 3 column 2 holds 40,000 characters"):
        import_workbook(folder)


# ------------------------------------------------------------------------------------------------ formulas


def test_escaping_is_undone_exactly() -> None:
    for value in ["=1+1", "+x", "-1 risk", "@sum", "\tx", "\rx", "'=x", "''-y", "'tis", "plain", "", "'", "a=b"]:
        escaped = escape_text(value)
        assert unescape_text(escaped) == value
        assert escaped[:1] not in ("=", "+", "-", "@", "\t", "\r")


FORMULA_LABELS = ['=HYPERLINK("http://x","y")', "-1 risk", "+44 20 7946 0000", "@risk", "'=kept as typed"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_text_that_looks_like_a_formula_is_exported_inert_and_imported_as_it_was(tmp_path: Path, fmt: str) -> None:
    subject = "https://example.org/f/sys-{}"
    data = "\n".join(
        f"<{subject.format(n)}> a <https://w3id.org/aims-graph/ontology#AISystem> ; "
        f'<http://www.w3.org/2000/01/rdf-schema#label> "{label.replace(chr(34), chr(92) + chr(34))}" .'
        for n, label in enumerate(FORMULA_LABELS)
    ).encode()
    store = OxigraphStore()
    store.load_bytes(data, ox.RdfFormat.TURTLE, "https://example.org/g", "formulas")
    out = tmp_path / ("f.xlsx" if fmt == "xlsx" else "f")
    write_export(build_export(store), out, fmt)
    if fmt == "csv":
        written = (out / "ai-systems.csv").read_text(encoding="utf-8-sig")
        assert "'=HYPERLINK(" in written and "'-1 risk" in written and "''=kept as typed" in written
        assert not any(line.startswith(("=", "+", "-", "@")) for line in written.splitlines())
        assert ',"=' not in written and ",=" not in written
    else:
        ws = load_workbook(out)["AI systems"]
        labels = [row[1] for row in ws.iter_rows(min_row=2)]
        assert {c.value for c in labels} == set(FORMULA_LABELS)
        assert all(c.data_type == "s" for c in labels)
        assert all(c.quotePrefix for c in labels if c.value[0] in "=+-@")
    back = {text(t.object) for t in import_workbook(out).triples if t.predicate.value.endswith("#label")}
    assert back == set(FORMULA_LABELS)
