"""Logical built-ins (xlfuncs.recalc.functions.logical) against Excel's stored values.

Expected values are Excel's, from dgorissen+pycel/logical.xlsx of the golden corpus
(``../shared/corpus/files``), cells named beside each case.
"""

from __future__ import annotations

from typing import Any

from xlfuncs.errors import ExcelError

E = ExcelError


def _array(text: str, ref: str, values: dict[tuple[int, int], Any]) -> list[list[Any]]:
    import datetime as dt

    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
    from xlfuncs.recalc.parser import split_a1
    from xlfuncs.recalc.plancache import PlanCache

    sh = SheetData("S", values=dict(values))
    a, _, b = ref.partition(":")
    (r1, c1), (r2, c2) = split_a1(a), split_a1(b)
    sh.formulas[(r1, c1)] = FormulaCell(text, (r1, c1), ref)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if (r, c) != (r1, c1):
                sh.array_members[(r, c)] = (r1, c1)
    res = evaluate(WorkbookData([sh]), cache=PlanCache(disk=False), today=dt.date(2024, 1, 31))
    return [[res.values.get((0, r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


def test_switch_over_an_array_goes_element_by_element() -> None:
    # Switch!A44:C44 and E44:G44 over A45:C45 = FALSE, FALSE, TRUE
    vals = {(45, 1): False, (45, 2): False, (45, 3): True}
    assert _array("SWITCH(A45:C45,FALSE,0,TRUE,1)", "A44:C44", vals) == [[0.0, 0.0, 1.0]]
    assert _array("SWITCH(A45:C45,FALSE,1,TRUE,0)", "E44:G44", vals) == [[1.0, 1.0, 0.0]]


def test_ifs_over_an_array_goes_element_by_element() -> None:
    # Logical!O26:Q26 and O33:Q33: IFS(A:C,1,B,2) entered over three cells (C is ROW())
    vals = {(26, 1): E.DIV0, (26, 2): 1.0, (26, 3): 26.0}
    assert _array("IFS(A26:C26,1,B26,2)", "O26:Q26", vals) == [[E.DIV0, 1.0, 1.0]]
    vals = {(33, 1): -1.0, (33, 2): 0.0, (33, 3): 33.0}
    assert _array("IFS(A33:C33,1,B33,2)", "O33:Q33", vals) == [[1.0, E.NA, 1.0]]
