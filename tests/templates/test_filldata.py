"""Reading fill data (xlfuncs.templates.filldata): encodings, the decimal rule, ambiguous tables.

Each case of issue 11, item 2 ("fill silently misreads data") and item 8 (tracebacks on
UTF-16 text and hostile JSON) is a test here: before, each was read silently (or crashed);
now each is read as written or refused with ``file: what is wrong``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlfuncs.errors import TemplateError
from xlfuncs.templates.filldata import decode_text, number_in, read_data

LADA = "Лада Веста 1.6 МТ, седан седьмого поколения"  # KOI8-R has no « » or —


# ---------------------------------------------------------------------- encodings
@pytest.mark.parametrize(("encoding", "name"), [
    ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8"), ("utf-16", "UTF-16"), ("cp1251", "windows-1251"),
    ("koi8_r", "KOI8-R"),
])
def test_each_encoding_is_read_and_named(tmp_path: Path, encoding: str, name: str) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(f"Model_Name,Revenue\n\"{LADA}\",100\n".encode(encoding))
    table = read_data(path)
    assert table.rows[0]["Model_Name"] == LADA
    assert bool(table.notes) == (name not in ("UTF-8",))
    if table.notes:
        assert name in table.notes[0]


def test_one_bad_byte_in_utf8_is_not_decoded_as_cp1251(tmp_path: Path) -> None:
    # before: one non-UTF-8 byte made the whole file cp1251 ("Лада" became "Р›Р°РґР°")
    path = tmp_path / "d.csv"
    path.write_bytes("Model_Name\nЛада\n".encode() + b"\xff\n")
    with pytest.raises(TemplateError, match="encoding cannot be decided"):
        read_data(path)


def test_utf16_tab_separated_unicode_text(tmp_path: Path) -> None:
    # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated (was a traceback)
    path = tmp_path / "d.txt"
    path.write_bytes("Plan_Year\tRevenue\n2024\t100\n2025\t200\n".encode("utf-16"))
    table = read_data(path)
    assert table.columns == ["Plan_Year", "Revenue"]
    assert [r["Revenue"] for r in table.rows] == ["100", "200"]


def test_utf16_without_byte_order_mark_is_refused() -> None:
    with pytest.raises(TemplateError, match="NUL bytes"):
        decode_text("Revenue\n100\n".encode("utf-16-le"), "d.csv")


#: real Russian words, from the project's Russian guide (independent of the legal text the
#: decoder counts its letter pairs in)
_GUIDE_WORDS = sorted(set(re.findall(
    r"[А-Яа-яЁё]{2,}", (Path(__file__).parents[2] / "docs" / "ru" / "README.md").read_text(encoding="utf-8")
)))
_CASED = st.tuples(st.sampled_from(_GUIDE_WORDS), st.sampled_from([str.lower, str.title, str.upper])).map(
    lambda p: p[1](p[0])
)


@given(st.lists(_CASED, min_size=1, max_size=6).map(" ".join))
def test_a_decided_encoding_is_never_the_wrong_one(text: str) -> None:
    # Russian words as people write them (lower, Capitalised or UPPER case), in either code
    # page: decoded right, or refused when the text is too short to tell; never mojibake
    # (checked with 20,000 phrases when the thresholds were set; bytes that happen to be
    # valid UTF-8 are UTF-8 by the first rule)
    for codec in ("cp1251", "koi8_r"):
        try:
            raw = text.encode(codec)
        except UnicodeEncodeError:
            continue
        if _is_utf8(raw):
            continue
        try:
            got, _ = decode_text(raw, "d.csv")
        except TemplateError as exc:
            assert "cannot be decided" in str(exc)
            continue
        assert got == text


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_ordinary_russian_text_decides_the_code_page() -> None:
    for text in ("Лада Гранта", "Модель; Выручка", "КАМАЗ седельный тягач", "ЛАДА ВЕСТА СВ КРОСС"):
        for codec, name in (("cp1251", "windows-1251"), ("koi8_r", "KOI8-R")):
            assert decode_text(text.encode(codec), "d.csv") == (text, name)


def test_too_little_russian_text_is_refused_not_guessed() -> None:
    with pytest.raises(TemplateError, match="cannot be decided"):
        decode_text("Веста".encode("cp1251"), "d.csv")


# ---------------------------------------------------------------------- numbers
def test_semicolon_csv_reads_numbers_with_a_decimal_comma(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("Plan_Year;FX_Rate;Revenue\n2024;12,5;1 200 000\n", encoding="utf-8")
    table = read_data(path)
    assert table.decimal == "comma"
    assert number_in(table.rows[0]["FX_Rate"], table.decimal) == 12.5
    assert number_in(table.rows[0]["Revenue"], table.decimal) == 1_200_000


def test_the_rule_is_per_file_not_per_cell() -> None:
    # "1,200" is 1200 in a point file and 1.2 in a comma file; "1.5" is no number in a comma
    # file (Russian Excel writes 1,5), "1,5" none in a point file
    assert number_in("1,200", "point") == 1200 and number_in("1,200", "comma") == 1.2
    assert number_in("1.5", "comma") is None and number_in("1,5", "point") is None
    assert number_in("1_5", "point") is None and number_in("１２", "comma") is None


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False).map(lambda x: round(x, 4)))
def test_a_number_written_by_russian_excel_reads_back(x: float) -> None:
    whole, _, frac = f"{abs(x):,.4f}".partition(".")
    text = ("-" if x < 0 else "") + whole.replace(",", "\u00a0") + "," + frac
    assert number_in(text, "comma") == pytest.approx(x, rel=1e-15, abs=1e-9)


# ---------------------------------------------------------------------- ambiguous tables
@pytest.mark.parametrize("header", ["Revenue;Revenue", "Revenue;REVENUE", "Revenue; revenue "])
def test_duplicate_or_case_colliding_columns_are_refused(tmp_path: Path, header: str) -> None:
    # before: the last one won, or erased the first
    path = tmp_path / "d.csv"
    path.write_text(f"{header}\n1;2\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="columns 1 and 2 both give"):
        read_data(path)


def test_duplicate_columns_of_a_dataframe_and_a_dict() -> None:
    import pandas as pd

    with pytest.raises(TemplateError, match="both give"):
        read_data(pd.DataFrame([[1, 2]], columns=["Revenue", "Revenue"]))
    with pytest.raises(TemplateError, match="both give"):
        read_data({"Revenue": 1, "REVENUE": 2})


def test_an_empty_row_inside_the_data_is_refused_trailing_ones_are_not(tmp_path: Path) -> None:
    # before: the empty row took a year column and shifted every later year
    path = tmp_path / "d.csv"
    path.write_text("Plan_Year,Revenue\n2024,1\n\n2025,2\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="row 3 is empty"):
        read_data(path)
    path.write_text("Plan_Year,Revenue\n2024,1\n2025,2\n\n,\n", encoding="utf-8")
    assert len(read_data(path).rows) == 2


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def test_an_xlsx_formula_without_a_stored_value_is_refused(tmp_path: Path) -> None:
    # openpyxl writes formulas without results: read as data they were blanks before
    path = _xlsx(tmp_path / "d.xlsx", [["Plan_Year", "Revenue"], [2024, "=1+1"]])
    with pytest.raises(TemplateError, match="B2 is a formula without a stored result"):
        read_data(path)


def test_merged_cells_are_refused(tmp_path: Path) -> None:
    # before: a merged value went to its first row only
    path = tmp_path / "d.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Plan_Year", "Category"])
    ws.append([2024, "M1"])
    ws.append([2025, None])
    ws.merge_cells("B2:B3")
    wb.save(path)
    with pytest.raises(TemplateError, match="B2:B3 is merged"):
        read_data(path)


# ---------------------------------------------------------------------- hostile JSON
def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(TemplateError, match="nested too deeply|one object per row"):
        read_data(path)


def test_a_400_digit_integer_is_read_as_a_number_too_large(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"Revenue": int("9" * 400)}), encoding="utf-8")
    table = read_data(path)
    assert table.rows[0]["Revenue"] == float("inf")  # refused when written (test_templates_fill)


def test_nan_and_infinity_in_json_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('{"Revenue": NaN}', encoding="utf-8")
    with pytest.raises(TemplateError, match="NaN is not a number a workbook can hold"):
        read_data(path)


def test_empty_rows_between_scenario_blocks_are_only_dropped(tmp_path: Path) -> None:
    # rows are grouped by scenario, so a separating empty row moves nothing
    path = tmp_path / "d.csv"
    path.write_text("scenario,Plan_Year\nA,2024\nA,2025\n\nB,2024\n", encoding="utf-8")
    assert [r["scenario"] for r in read_data(path).rows] == ["A", "A", "B"]
