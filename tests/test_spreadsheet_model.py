"""The sheet description is data (spreadsheet/sheets.toml): it loads into the model, and a broken file is one
clear error that names the sheet and the column."""

from __future__ import annotations

from importlib import resources as package_files
from pathlib import Path

import pytest

from aims_graph.spreadsheet.model import SHEETS, Kind, SchemaError, load_sheets

PACKAGED = package_files.files("aims_graph.spreadsheet").joinpath("sheets.toml").read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in PACKAGED, old
    path = tmp_path / "sheets.toml"
    path.write_text(PACKAGED.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_packaged_file_is_the_model() -> None:
    assert load_sheets() == SHEETS
    assert len(SHEETS) == 26


def test_patterns_fill_in_the_columns_words() -> None:
    risks = next(s for s in SHEETS if s.key == "risks")
    ident = risks.column("id")
    assert ident.kind is Kind.ID and ident.required and ident.example == "risk-01"
    assert "unique name for the risk, such as risk-01." in ident.help
    assert risks.column("name").help == "A short name for the risk."
    # the kind's defaults: references take several values unless the column says otherwise
    assert risks.column("systems").many
    soa = next(s for s in SHEETS if s.key == "soa-entries")
    assert not soa.column("control").many


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('key = "risks"\ntitle = "Risks"', 'key = "risks"\ntitle = "Risks', "not valid TOML"),
        (
            'header = "likelihood"\nkind = "integer"',
            'header = "likelihood"\nkind = "number"',
            "sheet 'risks', column 'likelihood': unknown kind 'number'",
        ),
        (
            'predicate = "aims:affectsSystem"',
            'predicate = "aimz:affectsSystem"',
            "sheet 'risks', column 'systems': predicate 'aimz:affectsSystem' uses the undeclared prefix 'aimz'",
        ),
        (
            'targets = ["ai-systems"]',
            'targets = ["ai-system"]',
            "sheet 'risks', column 'systems': targets name sheets that do not exist: ai-system",
        ),
        (
            'use = "owner"\nhelp = "Id of the role (or',
            'use = "owners"\nhelp = "Id of the role (or',
            "unknown pattern 'owners'",
        ),
        (
            'header = "treatment decision"',
            'header = "treatment decision"\ncolour = "red"',
            "sheet 'risks', column 'treatment decision': unknown fields: colour",
        ),
        (
            'header = "level"',
            'header = "Likelihood"',
            "sheet 'risks', column 'Likelihood': a second column with this header",
        ),
        (
            'product_of = ["likelihood", "consequence"]',
            'product_of = ["likelihood", "impact"]',
            "product_of names columns the sheet lacks",
        ),
        (
            'title = "Statement of Applicability"',
            'title = "Statement of Applicability: the list"',
            "not a usable tab name",
        ),
        ('enumeration = "aims:TreatmentDecision"\n', "", "sheet 'risks', column 'treatment decision': a choice column"),
    ],
)
def test_a_broken_description_is_one_clear_error(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        load_sheets(broken(tmp_path, old, new))
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "sheets.toml"))
    assert "\n" not in str(caught.value)
