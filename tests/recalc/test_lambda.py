"""LAMBDA, LET, the LAMBDA helpers and GROUPBY/PIVOTBY (xlfuncs.recalc.functions.lambdas,
xlfuncs.recalc.functions.groupby, the LAMBDA nodes of the parser and compiler).

Expected values are Excel's stored values in the golden corpus file
``vinci1it2000+formulas/test.xlsx`` (sheet and cell named at each case, the input cells
copied from that sheet), or hand calculations from Microsoft's documentation where said.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.compiler import generate
from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.model import DefinedName, FormulaCell, SheetData, WorkbookData
from xlfuncs.recalc.parser import parse_formula, split_a1
from xlfuncs.recalc.plancache import PlanCache

E = ExcelError
Cell = tuple[int, int]


def _book(values: dict[Cell, Any], formulas: dict[str, tuple[str, str | None]],
          names: list[DefinedName] | None = None) -> dict[Cell, Any]:
    sh = SheetData("S", values=dict(values))
    for a1, (text, ref) in formulas.items():
        cell = split_a1(a1)
        sh.formulas[cell] = FormulaCell(text, cell, array_ref=ref)
        if ref:
            (r1, c1), (r2, c2) = (split_a1(x) for x in (ref.split(":") * 2)[:2])
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != cell:
                        sh.array_members[(r, c)] = cell
    res = evaluate(WorkbookData([sh], names=names or []), cache=PlanCache(disk=False),
                   today=dt.date(2024, 1, 31))
    return {(r, c): v for (_, r, c), v in res.values.items()}


def one(text: str, values: dict[Cell, Any] | None = None,
        names: list[DefinedName] | None = None) -> Any:
    return _book(values or {}, {"Z100": (text, None)}, names)[(100, 26)]


def spill(text: str, ref: str, values: dict[Cell, Any] | None = None) -> list[list[Any]]:
    got = _book(values or {}, {ref.split(":")[0]: (text, ref)})
    (r1, c1), (r2, c2) = (split_a1(x) for x in (ref.split(":") * 2)[:2])
    return [[got.get((r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


def grid(top_left: str, rows: list[list[Any]]) -> dict[Cell, Any]:
    r0, c0 = split_a1(top_left)
    return {(r0 + i, c0 + j): v for i, row in enumerate(rows) for j, v in enumerate(row)
            if v is not None}


# ------------------------------------------------------------------ syntax


def test_parse_invoke_and_parameters() -> None:
    assert parse_formula("_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)(2)") == (
        "invoke",
        ("call", "LAMBDA", [("name", None, "_XLPM.X"),
                            ("bin", "+", ("name", None, "_XLPM.X"), ("num", 1.0))]),
        [("num", 2.0)],
    )
    assert parse_formula("(_xlfn.LAMBDA(1))()")[0] == "invoke"
    assert parse_formula("(1+2)*3")[0] == "bin"  # an ordinary parenthesis is unchanged


def test_plain_formulas_compile_as_before() -> None:
    # the hot path: no LAMBDA machinery in the code of an ordinary formula
    src = generate("@R[0]C[-1]*2+SUM(@R1C1:@R3C1)")
    assert "LAM" not in src and "_inv" not in src and "ETA" not in src


# ------------------------------------------------------------------ LAMBDA, LET, ISOMITTED

LOGICAL_ROW3 = {(3, 3): 0.0, (3, 4): 1.0}  # LOGICAL!C3:D3


def test_lambda_called_in_place() -> None:
    # LOGICAL!C12: 8 (= SUM(2) + SUM(1+1, 2+1+1+0))
    f = ("_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.z,SUM(_xlpm.y)+SUM(_xlpm.x+1,"
         "(_xlpm.y+_xlpm.x+D3+C3)))(1,2,3)")
    assert one(f, LOGICAL_ROW3) == 8.0
    assert one("_xlfn.LAMBDA(D3+C3)()", LOGICAL_ROW3) == 1.0  # LOGICAL!E13
    # Microsoft's LAMBDA page: too many arguments is #VALUE!; a LAMBDA left uncalled #CALC!
    assert one("_xlfn.LAMBDA(_xlpm.x,_xlpm.x)(1,2)") is E.VALUE
    assert one("_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)") is E.CALC


def test_let() -> None:
    # LOGICAL!C13: 235.3 with E10 = 2.3
    assert one("_xlfn.LET(_xlpm.x,1,_xlpm.y,E10,_xlpm.z,L11,232+_xlpm.x+_xlpm.y)",
               {(10, 5): 2.3}) == pytest.approx(235.3)
    # names see the earlier ones; a LET name holding a LAMBDA is called by its name
    assert one("_xlfn.LET(_xlpm.a,2,_xlpm.b,_xlpm.a*3,_xlpm.b+_xlpm.a)") == 8.0
    assert one("_xlfn.LET(_xlpm.f,_xlfn.LAMBDA(_xlpm.x,_xlpm.x*2),_xlpm.f(4))") == 8.0
    assert one("_xlfn.LET(_xlpm.r,A1:A3,SUM(_xlpm.r))",
               {(1, 1): 1.0, (2, 1): 2.0, (3, 1): 4.0}) == 7.0
    assert one("_xlfn.LET(_xlpm.x,1,_xlpm.y)") is E.NAME  # a parameter outside its scope


def test_isomitted() -> None:
    # Microsoft's ISOMITTED example: a parameter left out of the call
    f = '_xlfn.LAMBDA(_xlpm.a,_xlpm.b,IF(_xlfn.ISOMITTED(_xlpm.b),"missing",_xlpm.a+_xlpm.b))'
    assert one(f + "(1,)") == "missing"
    assert one(f + "(1)") == "missing"
    assert one(f + "(1,2)") == 3.0
    assert one("_xlfn.ISOMITTED(A1)") is False


def test_named_lambda() -> None:
    # LOGICAL!R12: MYLAMBDA(2,1,2) = 8 with LOGICAL!D12 = 3 (2*2 + 1*3 - 2 + 3)
    names = [DefinedName("MYLAMBDA", "_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.z,"
                                     "SUM(_xlpm.x*2,_xlpm.y*3,-_xlpm.z,S!$D$12))")]
    assert one("MYLAMBDA(2,1,2)", {(12, 4): 3.0}, names) == 8.0


def test_eta_lambda_type() -> None:
    assert one("TYPE(_xleta.SUM)") == 128.0  # INFORMATION!S24
    assert one("_xlfn.BYROW({1,2;3,4},_xleta.SUM)") == 3.0


# ------------------------------------------------------------------ helpers

ROW4 = grid("C4", [[0.0, 1.0, 2.3, 0.0, -1.0, None, 0.0, False, E.VALUE, E.NA, E.DIV0,
                    E.NAME, E.NULL, E.NUM, E.REF]])
ROW5 = grid("C5", [[0.0, 1.0, 2.3, 1.0, -1.0, None, 0.0, False, 2.0, E.NA, E.DIV0, E.NAME,
                    E.NULL, E.NUM, E.REF]])


def test_bycol_byrow() -> None:
    # LOGICAL!R4:AF4 = BYCOL(C4:Q5, LAMBDA(x, SUM(x)))
    got = spill("_xlfn.BYCOL(C4:Q5,_xlfn.LAMBDA(_xlpm.x,SUM(_xlpm.x)))", "R4:AF4", ROW4 | ROW5)
    assert got[0][:9] == [0.0, 2.0, 4.6, 1.0, -2.0, 0.0, 0.0, 0.0, E.VALUE]
    assert got[0][9:] == [E.NA, E.DIV0, E.NAME, E.NULL, E.NUM, E.REF]
    # LOGICAL!R5:R6 = BYROW(C4:J5, LAMBDA(x, SUM(x))) and S5:S6 = BYROW(C4:E5, _xleta.SUM)
    f = "_xlfn.BYROW(C4:J5,_xlfn.LAMBDA(_xlpm.x,SUM(_xlpm.x)))"
    assert spill(f, "R5:R6", ROW4 | ROW5) == [[pytest.approx(2.3)], [pytest.approx(3.3)]]
    assert spill("_xlfn.BYROW(C4:E5,_xleta.SUM)", "S5:S6", ROW4 | ROW5) == [
        [pytest.approx(3.3)], [pytest.approx(3.3)]]


def test_makearray() -> None:
    f = "_xlfn.MAKEARRAY({},1,_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.x+1+_xlpm.y))"
    row14 = grid("C14", [[0.0, 2.0, 2.3, 3.0, -1.0, None, 0.0, True]])
    # LOGICAL!S15:S16 (D14 = 2): 3, 4; R15 (C14 = 0) and T15 (E14 = 2.3): #VALUE!
    assert spill(f.format("D14"), "S15:S16", row14) == [[3.0], [4.0]]
    assert spill(f.format("C14"), "R15", row14) == [[E.VALUE]]
    assert spill(f.format("E14"), "T15", row14) == [[E.VALUE]]
    # LOGICAL!Y14: TRUE counts as 1 row
    assert spill(f.format("J14"), "Y14", row14) == [[3.0]]


def test_map_scan_reduce() -> None:
    vals = grid("C18", [[1.0, 2.0, 3.0], [None, None, None]])
    # LOGICAL!R18:T19 = MAP(C18:E19, LAMBDA(a, a^2))
    assert spill("_xlfn.MAP(C18:E19,_xlfn.LAMBDA(_xlpm.a,_xlpm.a^2))", "R18:T19", vals) == [
        [1.0, 4.0, 9.0], [0.0, 0.0, 0.0]]
    assert spill("_xlfn.MAP({1;3},_xlfn.LAMBDA(_xlpm.b,_xlpm.b^2))", "V18:V19") == [[1.0], [9.0]]
    # LOGICAL!W18: two LAMBDAs (the first is not an array) -> #VALUE!
    f = "_xlfn.MAP({1,2;3,3},_xlfn.LAMBDA(_xlpm.a,_xlpm.a+1),_xlfn.LAMBDA(_xlpm.b,_xlpm.b+3))"
    assert one(f) is E.VALUE
    # LOGICAL!X18:X19 = SCAN(H18, {1;3}, LAMBDA(a, b, a+b^2)) with H18 blank: 1, 10
    g = "_xlfn.SCAN({},{{1;3}},_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b^2))"
    assert spill(g.format("H18"), "X18:X19") == [[1.0], [10.0]]
    assert spill(g.format('"x"'), "Y18:Y19") == [[E.VALUE], [E.VALUE]]
    # LOGICAL!R22 = REDUCE(, C20:E21, LAMBDA(a, b, a+b^2)): 12.58
    c20 = grid("C20", [[0.0, 1.0, 2.3], [0.0, 1.0, 2.3]])
    h = "_xlfn.REDUCE(,C20:E21,_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b^2))"
    assert one(h, c20) == pytest.approx(12.58)
    # LOGICAL!S22:U22 = REDUCE(C22:E22, {1,2,3}, ...): an array accumulator, 15 16 17
    k = "_xlfn.REDUCE(C22:E22,{1,2,3},_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b^2))"
    assert spill(k, "S22:U22", grid("C22", [[1.0, 2.0, 3.0]])) == [[15.0, 16.0, 17.0]]


# ------------------------------------------------------------------ GROUPBY / PIVOTBY

# LOOKUP!C25:K43 of the corpus file: three row fields, three column fields, two values, a filter
_DATA = """\
row-2 row-1 row-3 col-1 col-2 col-3 val1 val2 filter
r2 r2-1 r2-1-1 b d c1-2-1 1 5 1
r2 r2-2 r2-2-2 b f c1-1-2 6 9 0
r3 r1-1 r1-1-2 b d c1-2-2 -9 8 0
r2 r2-2 r2-2-1 b d c1-2-2 -1 7 1
r3 r1-2 r1-2-2 b d c1-2-1 6 3 0
r2 r2-1 r2-1-2 b d c1-2-1 3 -7 0
r3 r1-2 r1-2-1 a e c2-1-2 7 -4 1
r2 r2-2 r2-2-2 a e c2-1-2 -4 1 0
r2 r2-1 r2-1-2 a e c2-1-2 -7 6 0
r2 r2-2 r2-2-1 a g c2-2-2 9 -9 1
r2 r2-2 r2-2-2 b d c1-2-1 7 -1 1
r2 r2-2 r2-2-1 a g c2-2-2 5 7 1
r3 r1-1 r1-1-2 b f c1-1-1 9 3 1
r2 r2-1 r2-1-2 a e c2-1-1 8 -7 1
r3 r1-2 r1-2-2 a e c2-1-2 8 -4 1
r2 r2-2 r2-2-2 a g c2-2-1 -6 -7 0
r3 r1-2 r1-2-2 b d c1-2-1 1 -1 0
r3 r1-1 r1-1-2 b d c1-2-2 -2 -2 0"""


def _data(top_left: str) -> dict[Cell, Any]:
    rows: list[list[Any]] = []
    for i, line in enumerate(_DATA.splitlines()):
        rows.append([w if i == 0 or j < 6 else float(w) for j, w in enumerate(line.split())])
    return grid(top_left, rows)


def test_groupby_subtotals_headers() -> None:
    # LOOKUP!M25:Q39 = GROUPBY(C25:E43, I25:J43, _xleta.SUM, 3, 3)
    got = spill("_xlfn.GROUPBY(C25:E43,I25:J43,_xleta.SUM,3,3)", "M25:Q39", _data("C25"))
    assert got[0] == ["row-2", "row-1", "row-3", "val1", "val2"]
    assert got[1] == ["r2", "r2-1", "r2-1-1", 1.0, 5.0]
    assert got[3] == ["r2", "r2-1", "", 5.0, -3.0]  # a subtotal row
    assert got[7] == ["r2", "", "", 21.0, 4.0]
    assert got[14] == ["Grand Total", "", "", 41.0, 7.0]


def test_groupby_percentof_and_auto() -> None:
    # LOOKUP!S26 = GROUPBY(..., _xleta.PERCENTOF, 3, 3): 1/41 of the grand total
    got = spill("_xlfn.GROUPBY(C25:E43,I25:J43,_xleta.PERCENTOF,3,3)", "S25:W39", _data("C25"))
    assert got[1][3] == pytest.approx(1 / 41) and got[14][3:] == [1.0, 1.0]
    # LOOKUP!Y25:AC32 = GROUPBY(C25:E43, I25:J43, _xleta.AVERAGE): headers found, not shown;
    # the grand total only, labelled Total
    got = spill("_xlfn.GROUPBY(C25:E43,I25:J43,_xleta.AVERAGE)", "Y25:AC32", _data("C25"))
    assert got[0] == ["r2", "r2-1", "r2-1-1", 1.0, 5.0]
    assert got[1][3:] == [pytest.approx(4 / 3), pytest.approx(-8 / 3)]
    assert got[7][0] == "Total" and got[7][3] == pytest.approx(41 / 18)
    # LOOKUP!Y34: values one row short; Z34: sort by column 6 of 5 -> #VALUE!
    assert one("_xlfn.GROUPBY(C25:E43,I25:J42,_xleta.AVERAGE)", _data("C25")) is E.VALUE
    assert one("_xlfn.GROUPBY(C25:E43,I25:J43,_xleta.AVERAGE,1,2,6)", _data("C25")) is E.VALUE


def test_groupby_filter_table() -> None:
    # LOOKUP!AE25:AI32 = GROUPBY(F25:H43, I25:J43, _xleta.AVERAGE, 3, 1, 1, K25:K43, 1)
    f = "_xlfn.GROUPBY(F25:H43,I25:J43,_xleta.AVERAGE,3,1,1,K25:K43,1)"
    got = spill(f, "AE25:AI32", _data("C25"))
    assert got[0] == ["col-1", "col-2", "col-3", "val1", "val2"]
    assert got[2] == ["a", "e", "c2-1-2", 7.5, -4.0]
    assert got[7] == ["Total", "", "", pytest.approx(53 / 9), pytest.approx(-3 / 9)]


def test_pivotby_sorted_by_values_totals_first() -> None:
    # LOOKUP!AJ92:AM95 = PIVOTBY(C93:C111, F93:F111, I93:I111, _xleta.SUM, 1, -1, 2, -1, 2,
    # K93:K111): totals first, rows and columns sorted by their totals
    f = "_xlfn.PIVOTBY(C93:C111,F93:F111,I93:I111,_xleta.SUM,1,-1,2,-1,2,K93:K111)"
    assert spill(f, "AJ92:AM95", _data("C93")) == [
        ["", "Total", "b", "a"], ["Total", 53.0, 16.0, 37.0],
        ["r3", 24.0, 9.0, 15.0], ["r2", 29.0, 7.0, 22.0]]


def test_pivotby_two_column_levels() -> None:
    # LOOKUP!AJ101:AO105: column sort {1,-2} (first field up, second down)
    f = "_xlfn.PIVOTBY(C93:C111,F93:G111,I93:I111,_xleta.SUM,1,1,1,1,{1,-2},K93:K111)"
    assert spill(f, "AJ101:AO105", _data("C93")) == [
        ["", "a", "a", "b", "b", "Total"], ["", "g", "e", "f", "d", ""],
        ["r2", 14.0, 8.0, "", 7.0, 29.0], ["r3", "", 15.0, 9.0, "", 24.0],
        ["Total", 14.0, 23.0, 9.0, 7.0, 53.0]]


@pytest.mark.parametrize(("rel", "r2a"), [(0, 22 / 37), (1, 22 / 29), (2, 22 / 53), (3, 22 / 29)])
def test_pivotby_percentof_relative_to(rel: int, r2a: float) -> None:
    # LOOKUP!AF97, AF101, AF105, AF109: r2 under a is 22; a's total 37, r2's 29, all 53
    f = ("_xlfn.PIVOTBY(C93:C111,F93:F111,I93:I111,_xleta.PERCENTOF,1,1,1,1,1,K93:K111,"
         f"{rel})")
    got = spill(f, "AE96:AH99", _data("C93"))
    assert got[1][1] == pytest.approx(r2a)


def test_pivotby_headers_parent_totals() -> None:
    # EXTRA!BD95:BK104: field headers shown, row subtotals, PERCENTOF of the parent column
    f = ('_xlfn.PIVOTBY({"r1","r2";2,1;2,2;3,1},{"c1","c2";1,1;2,1;2,2},'
         '{"v1","v2";1,3;2,5;3,2},_xleta.PERCENTOF,3,2,1,0,1,{"f";1;1;1},3)')
    got = spill(f, "BD95:BK104")
    assert got[0][:3] == ["", "", "c1, c2"]
    assert got[3] == ["r1", "r2", "v1", "v2", "v1", "v2", "v1", "v2"]
    assert got[6][:2] == [2.0, ""]  # the subtotal of r1 = 2
    assert got[9][0] == "Grand Total"
    assert got[9][4:] == [0.4, pytest.approx(5 / 7), 0.6, pytest.approx(2 / 7)]


def test_pivotby_arrays_and_errors() -> None:
    # EXTRA!H96:K99 = PIVOTBY({2;2;3}, {1;2;2}, {1;2;3}, _xleta.SUM)
    assert spill("_xlfn.PIVOTBY({2;2;3},{1;2;2},{1;2;3},_xleta.SUM)", "H96:K99") == [
        ["", 1.0, 2.0, "Total"], [2.0, 1.0, 2.0, 3.0], [3.0, "", 3.0, 3.0],
        ["Total", 1.0, 5.0, 6.0]]
    # EXTRA!H101: IF takes 2 or 3 arguments -> #VALUE! in each aggregate
    assert spill("_xlfn.PIVOTBY({2;2;3},{1;2;2},{1;2;3},_xleta.IF)", "H100:I101") == [
        ["", 1.0], [2.0, E.VALUE]]
    # EXTRA!L96: the function is an error value (LOOKUP!L91 = #N/A)
    assert one("_xlfn.PIVOTBY({2;2;3},{1;2;2},{1;2;3},A1)", {(1, 1): E.NA}) is E.NA
    # EXTRA!AX3: a total depth of 3 for one field level -> #VALUE!
    f = "_xlfn.PIVOTBY(C93:C111,F93:F111,I93:I111,_xleta.PERCENTOF,1,3,1,3,1,K93:K111,0)"
    assert one(f, _data("C93")) is E.VALUE


def test_groupby_explicit_lambda_and_empty_filter() -> None:
    # Microsoft's GROUPBY page: the function may be an explicit LAMBDA as well as an eta
    # reduced one; the same sums as LOOKUP!M25:Q39's (r2 / r2-1 / r2-1-2: 3 - 7 + 8 = 4)
    f = "_xlfn.GROUPBY(C25:E43,I25:J43,_xlfn.LAMBDA(_xlpm.x,SUM(_xlpm.x)),3,3)"
    got = spill(f, "M25:Q39", _data("C25"))
    assert got[2] == ["r2", "r2-1", "r2-1-2", 4.0, -8.0]
    # a filter that keeps nothing: #CALC! (as FILTER with no match; not in the corpus)
    g = "_xlfn.GROUPBY(C26:C28,I26:I28,_xleta.SUM,0,1,1,{0;0;0})"
    assert one(g, _data("C25")) is E.CALC
