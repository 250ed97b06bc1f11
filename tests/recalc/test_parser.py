"""Tests of formula normalisation, tokenising and parsing (xlfuncs.recalc.parser)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.parser import (
    FormulaSyntaxError,
    _normalize_slow,
    col_number,
    normalize,
    parse,
    parse_formula,
    split_a1,
)


def test_relative_refs_share_one_shape() -> None:
    # the same formula copied along a row of years: one shape
    shapes = {normalize(f"{c}2*INDEX(Weights,1,MATCH({c}$1,Years,0))", (5, col_number(c)))
              for c in "CDEFGHIJKL"}
    assert shapes == {"@R[-3]C[0]*INDEX(Weights,1,MATCH(@R1C[0],Years,0))"}


def test_absolute_and_mixed_refs() -> None:
    assert normalize("$A$1+A$1+$A1", (3, 2)) == "@R1C1+@R1C[-1]+@R[-2]C1"


def test_sheet_prefixes_kept() -> None:
    s = normalize("'My Sheet'!A1:B2+Sheet2!$C$3", (1, 1))
    assert s == "'My Sheet'!@R[0]C[0]:@R[1]C[1]+Sheet2!@R3C3"
    node = parse(s)
    assert node[2] == ("area", "My Sheet", (True, 0), (True, 0), (True, 1), (True, 1))
    assert node[3] == ("ref", "Sheet2", (False, 3), (False, 3))


def test_quoted_sheet_with_digits_and_escaped_quote() -> None:
    node = parse_formula("'Q1 2024'!B2+'O''Brien'!A1", (1, 1))
    assert node[2][1] == "Q1 2024"
    assert node[3][1] == "O'Brien"


def test_whole_columns_and_rows() -> None:
    node = parse_formula("SUM(A:B,3:3)", (1, 1))
    assert node == ("call", "SUM", [
        ("area", None, None, (True, 0), None, (True, 1)),
        ("area", None, (True, 2), None, (True, 2), None),
    ])


def test_strings_functions_and_numbers_are_not_refs() -> None:
    # "A1" in a string, LOG10( a function, 1E5 a number, R2D2 a name
    assert normalize('"A1"&LOG10(B1)*1E5+R2D2', (1, 1)) == '"A1"&LOG10(@R[0]C[1])*1E5+R2D2'


def test_out_of_bounds_tokens_stay_names() -> None:
    assert normalize("XFE1+A0", (1, 1)) == "XFE1+A0"
    assert normalize("A1048577", (1, 1)) == "A1048577"


def test_precedence_excel_rules() -> None:
    # Excel: negation binds tighter than ^, so -2^2 = 4; ^ is left-associative; & below +
    assert parse("-2^2") == ("bin", "^", ("neg", ("num", 2.0)), ("num", 2.0))
    assert parse("2^3^2") == ("bin", "^", ("bin", "^", ("num", 2.0), ("num", 3.0)), ("num", 2.0))
    assert parse('1+2&"x"') == ("bin", "&", ("bin", "+", ("num", 1.0), ("num", 2.0)), ("str", "x"))
    assert parse("1=1+1") == ("bin", "=", ("num", 1.0), ("bin", "+", ("num", 1.0), ("num", 1.0)))
    assert parse("50%") == ("pct", ("num", 50.0))


def test_literals() -> None:
    assert parse('"say ""hi"""') == ("str", 'say "hi"')
    assert parse("TRUE") == ("bool", True)
    assert parse("#N/A") == ("err", ExcelError.NA)
    assert parse("Sheet1!#REF!") == ("err", ExcelError.REF)
    assert parse("{1,-2;\"a\",TRUE}") == ("arr", [[1.0, -2.0], ["a", True]])


def test_calls_omitted_args_and_prefixes() -> None:
    assert parse("f(1,,3)") == ("call", "F", [("num", 1.0), ("omit",), ("num", 3.0)])
    assert parse("NOW()") == ("call", "NOW", [])
    assert parse("_xlfn.XLOOKUP(1,2,3)")[1] == "XLOOKUP"
    assert parse("_xlfn._xlws.SORT(1)")[1] == "SORT"
    # our own functions keep their stored spelling for the registry to resolve
    assert parse("_xldudf_XLFUNCS_LOCPOINTS(1)")[1] == "_XLDUDF_XLFUNCS_LOCPOINTS"
    assert parse("_xll.LOCPOINTS(1)")[1] == "_XLL.LOCPOINTS"


def test_names() -> None:
    assert parse("Rate*2")[2] == ("name", None, "RATE")
    assert parse("Params!PointsCap")[0:3] == ("name", "Params", "POINTSCAP")


@pytest.mark.parametrize("bad", ["", "1+", "SUM(1", "(1", "1 2", "{1,2;3}", "Table1[Col]"])
def test_syntax_errors(bad: str) -> None:
    with pytest.raises(FormulaSyntaxError):
        parse_formula(bad)


def test_helpers() -> None:
    assert col_number("XFD") == 16384  # Excel's last column
    assert split_a1("$AA$10") == (10, 27)


_cols = st.sampled_from(["A", "B", "Z", "AA", "XFD", "$C", "$AB"])
_rows = st.sampled_from(["1", "2", "99", "1048576", "$5", "$1"])
_ref = st.builds(lambda c, r: c + r, _cols, _rows)
_piece = st.one_of(
    _ref,
    st.builds(lambda a, b: f"{a}:{b}", _ref, _ref),
    st.sampled_from(['"A1 x"', "1.5", "LOG10(2)", "Rate", "'My 2 Sheet'!B7", "Sh3!A1", "A:C", "3:4"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_piece, min_size=1, max_size=5), st.tuples(st.integers(1, 50), st.integers(1, 30)))
def test_fast_normalize_matches_reference(pieces: list[str], anchor: tuple[int, int]) -> None:
    # the template fast path must give exactly what the plain regex rewrite gives
    text = "+".join(pieces)
    assert normalize(text, anchor) == _normalize_slow(text, anchor)
    parse(normalize(text, anchor))


def test_reference_operators_intersection_and_union() -> None:
    from xlfuncs.recalc.parser import parse_formula

    # a space between references is the intersection operator; ":" binds tighter
    assert parse_formula("ROW(A1:B2 B2:C3)")[2][0][0] == "isect"
    t = parse_formula("ROW(C114:E114:G113:I114 E113:F113)", (112, 33))[2][0]
    assert t[0] == "isect" and t[1][0] == "rangeop"
    # a comma inside parentheses is the union operator; in an argument list it separates
    assert parse_formula("AREAS((A1,B2:C3))")[2][0][0] == "union"
    assert len(parse_formula("SUM(A1 , B1)")[2]) == 2
    # spaces around other operators and before ")" stay formatting
    assert parse_formula("IF(A1 = 1, B1 , C1 )")[0] == "call"
    assert parse_formula("A1 & TRUE")[0] == "bin"
