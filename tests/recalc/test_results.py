"""``results``: defined-name values of many workbooks as one table."""

from __future__ import annotations

import io
import os
import subprocess
import sys
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
    # xlsx spreads a multi-cell name over numbered columns; CSV and parquet keep one column
    years = ["Years[1]", "Years[2]"] if suffix == ".xlsx" else ["Years"]
    assert list(df.columns) == ["file", "Points", *years] and df["Points"].tolist() == [3.25]
    assert main(["results", str(d), "--names", "Points"]) == 0
    assert pd.read_csv(io.StringIO(capsys.readouterr().out))["Points"].tolist() == [3.25]


def russian_book(tmp_path: Path, name: str = "ru.xlsx") -> Path:
    """A workbook with Cyrillic text, a fraction, a flag, an error and a row of seven years."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Программа"
    ws["A1"] = "Хэтчбек 1,6 МКПП"
    ws["A2"] = 0.015
    ws["A3"] = True
    ws["A4"] = "=1/0"
    for i in range(7):
        ws.cell(row=5, column=1 + i, value=1600 + 100 * i)
    wb.defined_names["Model_Name"] = DefinedName("Model_Name", attr_text="'Программа'!$A$1")
    wb.defined_names["RnD_Share"] = DefinedName("RnD_Share", attr_text="'Программа'!$A$2")
    wb.defined_names["Eligible"] = DefinedName("Eligible", attr_text="'Программа'!$A$3")
    wb.defined_names["Broken"] = DefinedName("Broken", attr_text="'Программа'!$A$4")
    wb.defined_names["Score_Total"] = DefinedName("Score_Total", attr_text="'Программа'!$A$5:$G$5")
    src = tmp_path / f"src_{name}"
    wb.save(src)
    dst = tmp_path / name
    from xlfuncs.errors import ExcelError

    write_values(src, dst, {(0, 4, 1): ExcelError.DIV0})
    src.unlink()
    return dst


NAMES = ["Model_Name", "RnD_Share", "Eligible", "Broken", "Score_Total"]


def test_xlsx_stores_per_year_numbers_as_numbers(tmp_path: Path) -> None:
    book = russian_book(tmp_path)
    out = tmp_path / "table.xlsx"
    assert main(["results", str(book), "--names", *NAMES, "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header == ["file", *NAMES[:4], *(f"Score_Total[{i}]" for i in range(1, 8))]
    years = list(ws[2])[5:]
    assert [c.value for c in years] == [1600, 1700, 1800, 1900, 2000, 2100, 2200]
    assert {c.data_type for c in years} == {"n"}  # numbers Excel can sum, not "1600; 1700; ..."
    assert ws["C2"].value == 0.015 and ws["D2"].value is True and ws["B2"].value == "Хэтчбек 1,6 МКПП"
    assert (ws["E2"].value, ws["E2"].data_type) == ("#DIV/0!", "e")  # an error cell stays an error


def test_unknown_name_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = russian_book(tmp_path)
    out = tmp_path / "t.csv"
    assert main(["results", str(book), "--names", "Model_Name", "Score_Totl", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'Score_Totl'" in err and "did you mean 'Score_Total'" in err
    assert not out.exists()
    assert main(["results", str(book), "--names", "Nope", "Nada"]) == 2
    assert "names 'Nope', 'Nada'" in capsys.readouterr().err
    # the library keeps its default: a column of None
    assert results(book, ["Nope"])["Nope"].tolist() == [None]
    with pytest.raises(ValueError, match="Score_Totl"):
        results(book, ["Score_Totl"], missing="raise")
    # a name that some file defines is not an error; files that cannot be read prove nothing
    other = tmp_path / "other"
    other.mkdir()
    scenario(other, "a.xlsx", 1.0)
    assert main(["results", str(book), str(other / "a.xlsx"), "--names", "Points"]) == 0
    (tmp_path / "junk.xlsx").write_bytes(b"junk")
    assert main(["results", str(tmp_path / "junk.xlsx"), "--names", "Nope"]) == 1


def test_parquet_without_pyarrow_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = russian_book(tmp_path)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    out = tmp_path / "t.parquet"
    assert main(["results", str(book), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs pyarrow" in err and "Traceback" not in err
    assert not out.exists()


def test_excel_csv_file(tmp_path: Path) -> None:
    book = russian_book(tmp_path)
    out = tmp_path / "t.csv"
    assert main(["results", str(book), "--names", *NAMES, "-o", str(out), "--excel"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Cyrillic right
    lines = data[3:].decode("utf-8").split("\r\n")
    assert lines[0] == "file;Model_Name;RnD_Share;Eligible;Broken;" + ";".join(
        f"Score_Total[{i}]" for i in range(1, 8)
    )
    assert lines[1].endswith(";Хэтчбек 1,6 МКПП;0,015;ИСТИНА;#DIV/0!;1600;1700;1800;1900;2000;2100;2200")
    back = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
    assert back["RnD_Share"].tolist() == [0.015] and back["Score_Total[7]"].tolist() == [2200]


def test_excel_csv_on_stdout_is_bytes_with_bom(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    book = russian_book(tmp_path)
    assert main(["results", str(book), "--names", "Model_Name", "RnD_Share", "--excel"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"\xef\xbb\xbf") and "Хэтчбек 1,6 МКПП;0,015".encode() in out


def test_excel_flag_refuses_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = russian_book(tmp_path)
    assert main(["results", str(book), "--excel", "-o", str(tmp_path / "t.parquet")]) == 2
    assert "--excel writes CSV" in capsys.readouterr().err


def _run_cli(args: list[str], encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    env.pop("PYTHONUTF8", None)
    return subprocess.run(
        [sys.executable, "-m", "xlfuncs", *args], capture_output=True, env=env, check=False
    )


def test_narrow_console_code_page_never_crashes(tmp_path: Path) -> None:
    """``PYTHONIOENCODING=cp1252 xlfuncs results file.xlsx > out.csv`` with Cyrillic content."""
    book = russian_book(tmp_path, "Программа.xlsx")
    done = _run_cli(["results", str(book), "--names", "Model_Name", "RnD_Share"], "cp1252")
    err = done.stderr.decode("cp1252", errors="replace")
    assert done.returncode == 0, err
    assert "UnicodeEncodeError" not in err and "Traceback" not in err
    assert "cp1252 cannot show some characters" in err and "-o table.csv" in err
    out = done.stdout.decode("cp1252")
    assert out.splitlines()[0] == "file,Model_Name,RnD_Share"
    assert "??????? 1,6 ????" in out and out.rstrip().endswith(",0.015")
    # --excel on stdout is UTF-8 bytes whatever the console encoding, so '>' keeps the text
    done = _run_cli(["results", str(book), "--names", "Model_Name", "--excel"], "cp1252")
    assert done.returncode == 0 and done.stdout.startswith(b"\xef\xbb\xbf")
    assert "Хэтчбек 1,6 МКПП" in done.stdout.decode("utf-8-sig")
    # an error message naming a Cyrillic file does not crash either
    done = _run_cli(["results", str(tmp_path / "нет.xlsx")], "cp1252")
    assert done.returncode in (1, 2) and b"Traceback" not in done.stderr
    # a console that can encode everything gets the text unchanged and no warning
    done = _run_cli(["results", str(book), "--names", "Model_Name"], "utf-8")
    assert done.returncode == 0 and "Хэтчбек 1,6 МКПП" in done.stdout.decode("utf-8")
    assert b"cannot show" not in done.stderr
