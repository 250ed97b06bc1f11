"""Unit tests of Excel value semantics and built-ins (xlfuncs.recalc.values / builtins).

Expected values follow Excel's documented behaviour (hand calculations in comments).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.builtins import BUILTINS, Ctx, _add, _cat, _div, _eq, _lt, _pow, lift
from xlfuncs.recalc.values import (
    Rng,
    compare,
    date_to_serial,
    excel_round,
    general_number,
    parse_criteria,
    serial_to_date,
    serial_ymd,
    text_to_num,
    to_scalar,
    to_text,
)

E = ExcelError


def fn(name: str) -> Any:
    return BUILTINS[name][1]


CTX = Ctx(False, dt.date(2024, 1, 31))


def test_operators() -> None:
    assert _add("1,000", True) == 1001.0  # thousands text and TRUE coerce in arithmetic
    assert _add("x", 1) is E.VALUE
    assert _div(1, 0) is E.DIV0
    assert _div(E.NA, 0) is E.NA  # the first error wins
    assert _pow(0, 0) is E.NUM  # Excel: 0^0 is #NUM!
    assert _pow(0, -1) is E.DIV0
    assert _cat(1.5, None) == "1.5"
    assert _eq("a", "A") is True
    assert _lt(1e9, "") is True  # numbers before text
    assert _add([[1.0, 2.0]], 1.0) == [[2.0, 3.0]]  # arrays broadcast


def test_compare_and_text() -> None:
    assert compare(None, False) == 0
    assert compare(True, 1) == 1  # logicals sort above numbers
    assert to_text(True) == "TRUE"
    assert general_number(1e-7) == "1E-07"
    assert general_number(123456789012345678.0) == "1.23456789012346E+17"  # 15 digits
    assert text_to_num(" -1.5e3 ") == -1500.0
    assert text_to_num("inf") is E.VALUE  # Python's float() words are not numbers in Excel
    assert text_to_num("1_000") is E.VALUE


@pytest.mark.parametrize(
    ("x", "d", "want"),
    [(2.5, 0, 3.0), (-2.5, 0, -3.0), (0.125, 2, 0.13), (1234.5678, -2, 1200.0),
     (0.1 + 0.2, 1, 0.3), (-0.0001, 2, -0.0)],
)
def test_excel_round(x: float, d: int, want: float) -> None:
    assert excel_round(x, d) == want


def test_dates_1900_quirk() -> None:
    assert date_to_serial(dt.date(1900, 1, 1)) == 1
    assert date_to_serial(dt.date(1900, 2, 28)) == 59
    assert date_to_serial(dt.date(1900, 3, 1)) == 61  # 60 is Excel's fictitious 1900-02-29
    assert serial_ymd(60) == (1900, 2, 29)
    assert serial_to_date(45322) == dt.date(2024, 1, 31)
    assert date_to_serial(dt.date(1904, 1, 2), date1904=True) == 1


def test_criteria() -> None:
    p = parse_criteria("<=10")
    assert [p(v) for v in (10.0, 11.0, "5", None, True)] == [True, False, False, False, False]
    p = parse_criteria("=")
    assert [p(None), p(""), p(0.0)] == [True, False, False]  # "=" matches empty cells only
    p = parse_criteria("")
    assert [p(None), p(""), p("x")] == [True, True, False]
    p = parse_criteria("~*")
    assert [p("*"), p("a")] == [True, False]  # ~ escapes a wildcard
    p = parse_criteria("TRUE")
    assert [p(True), p(1.0)] == [True, False]
    p = parse_criteria("#N/A")
    assert p(E.NA) and not p(E.DIV0)


def test_aggregates_skip_text_and_logicals_in_ranges() -> None:
    V = {(0, 1, 1): 1.0, (0, 2, 1): "2", (0, 3, 1): True, (0, 4, 1): 4.0}
    r = Rng(V, 0, 1, 1, 4, 1)
    assert fn("SUM")(r) == 5.0
    assert fn("COUNT")(r) == 2.0
    assert fn("COUNTA")(r) == 4.0
    assert fn("AVERAGE")(r) == 2.5
    assert fn("SUM")(r, "2", True) == 8.0  # typed-in arguments are coerced
    V[(0, 5, 1)] = E.DIV0
    assert fn("SUM")(Rng(V, 0, 1, 1, 5, 1)) is E.DIV0  # errors propagate


def test_lookups() -> None:
    V = {(0, r, 1): float(r * 10) for r in range(1, 6)}
    V.update({(0, r, 2): f"v{r}" for r in range(1, 6)})
    keys = Rng(V, 0, 1, 1, 5, 1)
    table = Rng(V, 0, 1, 1, 5, 2)
    assert fn("MATCH")(35.0, keys) == 3.0  # largest <= 35 is 30, 3rd
    assert fn("MATCH")(5.0, keys) is E.NA
    assert fn("MATCH")(40.0, keys, -1.0) is E.NA  # descending search on ascending data stops
    assert fn("VLOOKUP")(50.0, table, 2.0, False) == "v5"
    assert fn("VLOOKUP")(50.0, table, 3.0, False) is E.REF
    # XLOOKUP returns a reference to the found cell, as Excel does
    assert to_scalar(fn("XLOOKUP")(25.0, keys, Rng(V, 0, 1, 2, 5, 2), None, -1.0)) == "v2"
    assert to_scalar(fn("XLOOKUP")(25.0, keys, Rng(V, 0, 1, 2, 5, 2), None, 1.0)) == "v3"
    assert to_scalar(fn("XLOOKUP")("V*", Rng(V, 0, 1, 2, 5, 2), keys, None, 2.0)) == 10.0
    assert fn("INDEX")(table, 9.0, 1.0) is E.REF
    assert fn("HLOOKUP")("v2", [["v1", "v2"], [1.0, 2.0]], 2.0, False) == 2.0


def test_text_format() -> None:
    text = fn("TEXT")
    assert text(CTX, -1234.5, "#,##0.00") == "-1,234.50"
    assert text(CTX, 0.5, "0.0%") == "50.0%"
    assert text(CTX, 3.14159, "0.##") == "3.14"
    assert text(CTX, 5.0, "0;(0);\"zero\"") == "5"
    assert text(CTX, -5.0, "0;(0)") == "(5)"
    assert text(CTX, 0.0, "0;(0);\"zero\"") == "zero"
    assert text(CTX, 45322.5, "dd/mm/yyyy hh:mm") == "31/01/2024 12:00"
    assert text(CTX, 45322.0, "mmm yyyy") == "Jan 2024"
    assert text(CTX, "abc", "0.00") == "abc"


def test_round_of_huge_values_and_places() -> None:
    # Found by the fuzz test: 1/1.4e-45 has no digit below the units, so ROUND keeps it
    # (Excel keeps 15 significant digits: 7.13623846352980E+44); 400 places is a no-op too.
    assert fn("ROUND")(1 / 1.401298464324817e-45, 0.0) == 7.1362384635298e44
    assert fn("ROUND")(1.5, 400.0) == 1.5
    assert fn("ROUNDDOWN")(-123.0, -400.0) == 0.0


def test_lift_elementwise() -> None:
    rounded = lift(fn("ROUND"))([[1.25, 2.35]], 1.0)
    assert rounded == [[1.3, 2.4]]


def test_date_functions() -> None:
    assert fn("DATE")(CTX, 2024.0, 2.0, 30.0) == 45352.0  # 2024-03-01 (Feb has 29 days)
    assert fn("DATE")(CTX, 24.0, 1.0, 1.0) == 8767.0  # year 24 means 1924
    assert fn("EDATE")(CTX, 45322.0, -1.0) == 45291.0  # 2023-12-31
    assert fn("EOMONTH")(CTX, 45322.0, 0.0) == 45322.0
    assert fn("YEAR")(CTX, -1.0) is E.NUM
    assert fn("TODAY")(CTX) == 45322.0


def test_criteria_on_errors_and_logicals() -> None:
    # vinci1it2000+formulas/test.xlsx: an error criterion matches that error
    # (STATISTICAL!Z25:AF25 COUNTIFS(I25:J25,I25) is 1 for each error); "<=TRUE" takes
    # logicals only (MATH & TRIG!Y74: SUMIFS over "ciao", TRUE picks TRUE's row: -1)
    p = parse_criteria(E.NA)
    assert p(E.NA) and not p(E.VALUE) and not p(0.0) and not p(None)
    p = parse_criteria("<=TRUE")
    assert p(True) and p(False) and not p("ciao") and not p(1.0)
    p = parse_criteria(">FALSE")
    assert p(True) and not p(False) and not p("z")


def test_day_first_dates_in_text_when_the_first_part_cannot_be_a_month() -> None:
    # vinci1it2000+formulas/test.xlsx (saved in a day-first locale): "13/01/1900" is 13 in
    # STATISTICAL!X13 (CHISQ.DIST of it), "29/02/1900" 60 (STATISTICAL!X54's #NUM!)
    assert text_to_num("13/01/1900") == 13.0
    assert text_to_num("29/02/1900") == 60.0
    assert text_to_num("1/2/2000") == 36527.0  # month first when it can be a month
    assert text_to_num("13/13/2000") is E.VALUE
