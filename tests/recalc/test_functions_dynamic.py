"""Dynamic-array built-ins (xlfuncs.recalc.functions.dynamic) against Excel's stored values.

Expected values are Excel's, from vinci1it2000+formulas/test.xlsx of the golden corpus
(``../shared/corpus/files``), sheet LOOKUP, cells named beside each case; the source cells are
rebuilt here at the same addresses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
from xlfuncs.recalc.plancache import PlanCache

E = ExcelError

# LOOKUP!C117:G119 and C120:G122 (the same numbers); F140:Q140
ROWS = {
    117: [1.0, 3.0, 2.0, 2.0, 1.0], 118: [2.0, 2.0, None, 0.0], 119: [3.0, 1.0, None, 0.0],
    120: [1.0, 3.0, 2.0, 2.0, 1.0], 121: [2.0, 2.0, None, 0.0], 122: [3.0, 1.0, None, 0.0],
}
LINE = [2.0, 1.0, None, "b", True, E.VALUE, E.NA, E.DIV0, E.NAME, E.NULL, E.NUM, E.REF]


def spill(text: str, ref: str) -> list[list[Any]]:
    """The values an array formula ``text`` entered over ``ref`` (at R..) gives."""
    from xlfuncs.recalc.parser import split_a1

    vals: dict[tuple[int, int], Any] = {}
    for r, row in ROWS.items():
        for j, v in enumerate(row):
            if v is not None:
                vals[(r, 3 + j)] = v
    for j, v in enumerate(LINE):
        if v is not None:
            vals[(140, 6 + j)] = v
    sh = SheetData("LOOKUP", values=vals)
    a, _, b = ref.partition(":")
    (r1, c1), (r2, c2) = split_a1(a), split_a1(b)
    sh.formulas[(r1, c1)] = FormulaCell(text, (r1, c1), ref)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            if (r, c) != (r1, c1):
                sh.array_members[(r, c)] = (r1, c1)
    res = evaluate(WorkbookData([sh]), cache=PlanCache(disk=False), today=dt.date(2024, 1, 31))
    return [[res.values.get((0, r, c)) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]


@pytest.mark.parametrize("text, ref, want", [
    # blanks sort last (R120:S122), then the next key (T120:U122)
    ("SORTBY(C120:D122,E120:E122,1)", "R120:S122", [[1, 3], [2, 2], [3, 1]]),
    ("SORTBY(C120:D122,E120:E122,1,D120:D122,1)", "T120:U122", [[1, 3], [3, 1], [2, 2]]),
    # row vectors sort the columns (W120:X122, Y121:AA122)
    ("SORTBY(D120:E122,F120:G120,1,C120:D120,1)", "W120:X122", [[2, 3], [0, 2], [0, 1]]),
    ("SORTBY({1,2,3;4,5,6},{3,2,2},1,{5,1,4},-1)", "Y121:AA122", [[3, 2, 1], [6, 5, 4]]),
    # a blank is not 0 (AN117:AQ119), TRUE is not 1 (U140:AF140)
    ("UNIQUE(D117:G119,-1)", "AN117:AQ119", [[3, 2, 2, 1], [2, 0, 0, 0], [1, 0, 0, 0]]),
    ("UNIQUE(F140:Q140,1)", "U140:AF140",
     [[2, 1, 0, "b", True, E.VALUE, E.NA, E.DIV0, E.NAME, E.NULL, E.NUM, E.REF]]),
])
def test_sortby_and_unique(text: str, ref: str, want: list[list[Any]]) -> None:
    got = spill(text, ref)
    assert got == want
    assert [[type(v) for v in r] for r in got] == [[type(v) if type(v) is not int else float
                                                     for v in r] for r in want]


def test_tocol_torow_ignore_outside_0_to_3_is_value() -> None:
    from tests.recalc._calc import calc

    # LOOKUP!R126 TOCOL({1,2;3,4},-3.9), U126 TOCOL(...,4), R130 TOROW({1,2;3,4},-3.9)
    assert calc("TOCOL({1,2;3,4},-3.9)") is E.VALUE
    assert calc("TOCOL({1,2;3,4},4)") is E.VALUE
    assert calc("TOROW({1,2;3,4},-3.9)") is E.VALUE
    assert calc("INDEX(TOCOL({1,2;3,4},2.9),2)") == 2.0  # T126: 2.9 is 2


def test_sort_keys() -> None:
    from tests.recalc._calc import calc

    # LOOKUP!AR118 of vinci1it2000+formulas/test.xlsx: two orders for one key are #VALUE!
    assert calc("SORT({2,1,2,1},1,{1;-1})") is E.VALUE
    # AT117: a blank sort_index is 0, #VALUE!; an empty argument is the default 1
    assert calc("SORT({3;1;2},B9)") is E.VALUE
    assert calc("INDEX(SORT({3;1;2},,-1),1,1)") == 3.0
    # Microsoft's SORT page: several keys, one order each (hand: by column 1 up, then 2 down)
    assert [calc(f"INDEX(SORT({{3,1;1,2;1,1}},{{1,2}},{{1,-1}}),{i},2)") for i in (1, 2, 3)] \
        == [2.0, 1.0, 1.0]
