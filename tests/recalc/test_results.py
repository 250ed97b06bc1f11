"""``results``: defined-name values of many workbooks as one table."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.defined_name import DefinedName

from xlfuncs.cli import main
from xlfuncs.recalc.results import results
from xlfuncs.recalc.writer import write_values


def scenario(tmp_path: Path, name: str, points: float) -> Path:
    """A workbook whose formula cells hold cached values written by the writer."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Out put"
    ws["A1"] = "=1+1"
    ws["A2"], ws["A3"] = 10, 20
    ws["B1"] = "=A2*2"
    wb.defined_names["Points"] = DefinedName("Points", attr_text="'Out put'!$A$1")
    wb.defined_names["Years"] = DefinedName("Years", attr_text="'Out put'!$A$2:$A$3")
    wb.defined_names["Rate"] = DefinedName("Rate", attr_text="0.25")
    ws.defined_names["Local"] = DefinedName("Local", attr_text="'Out put'!$B$1")
    src = tmp_path / f"src_{name}"
    wb.save(src)
    dst = tmp_path / name
    write_values(src, dst, {(0, 1, 1): points, (0, 1, 2): None})
    src.unlink()
    return dst


def test_one_row_per_file_lists_for_ranges(tmp_path: Path) -> None:
    scenario(tmp_path, "a.xlsx", 400.5)
    scenario(tmp_path, "b.xlsx", 1200)
    (tmp_path / "c.xlsx").write_bytes(b"junk")
    df = results(tmp_path)
    assert list(df.columns) == ["file", "Points", "Years", "Rate", "Out put!Local", "error"]
    assert df["Points"].tolist()[:2] == [400.5, 1200] and pd.isna(df["Points"][2])
    assert df["Years"].tolist()[0] == [10, 20]  # a multi-cell name gives a list, row by row
    assert df["Rate"].tolist()[:2] == [0.25, 0.25]  # a constant name
    assert df["Out put!Local"][:2].isna().all()  # formula cell with no stored value
    assert df["error"].tolist()[2] == "not an .xlsx/.xlsm file (not a zip package)"


def test_selected_names_keep_order_and_missing_names_are_none(tmp_path: Path) -> None:
    scenario(tmp_path, "a.xlsx", 1.5)
    df = results(tmp_path / "a.xlsx", names=["Rate", "Nope", "Points"])
    assert list(df.columns) == ["file", "Rate", "Nope", "Points"]
    assert df.iloc[0].tolist()[1:] == [0.25, None, 1.5]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_results_cli_outputs(
    tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path / "in"
    d.mkdir()
    scenario(d, "a.xlsx", 3.25)
    out = tmp_path / f"table{suffix}"
    assert main(["results", str(d), "--names", "Points", "Years", "-o", str(out)]) == 0
    df = {".csv": pd.read_csv, ".xlsx": pd.read_excel, ".parquet": pd.read_parquet}[suffix](out)
    assert list(df.columns) == ["file", "Points", "Years"] and df["Points"].tolist() == [3.25]
    assert main(["results", str(d), "--names", "Points"]) == 0
    assert pd.read_csv(io.StringIO(capsys.readouterr().out))["Points"].tolist() == [3.25]
