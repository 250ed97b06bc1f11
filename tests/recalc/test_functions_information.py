"""Information built-ins (xlfuncs.recalc.functions.information): INFO.

Expected values follow Microsoft's INFO page: "numfile" is the number of active worksheets,
"recalc" the recalculation mode ("Automatic" or "Manual"), "system" "pcdos" on Windows and
"mac" on a Macintosh, "origin" the top-left visible cell prefixed with "$A:" ("$A:$A$1" with
the window unscrolled); the types that describe the machine are #N/A here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError
from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
from xlfuncs.recalc.plancache import PlanCache

E = ExcelError


@pytest.mark.parametrize("text, want", [
    ('INFO("numfile")', 1.0),
    ('INFO("recalc")', "Automatic"),
    ('INFO(" RECALC ")', "Automatic"),  # the type is read case-insensitively
    ('INFO("system")', "pcdos"),
    ('INFO("origin")', "$A:$A$1"),
    ('INFO("release")', "16.0"),
    ('INFO("directory")', E.NA),  # the machine's: not known here
    ('INFO("osversion")', E.NA),
    ('INFO("memavail")', E.NA),  # Excel 2007 and later: #N/A
    ('INFO("colour")', E.VALUE),  # not a type
    ("INFO(1/0)", E.DIV0),
])
def test_info(text: str, want: Any) -> None:
    assert calc(text) == want


def test_info_numfile_and_mac() -> None:
    sheets = [SheetData(n) for n in ("A", "B", "C")]
    sheets[1].formulas[(1, 1)] = FormulaCell('INFO("numfile")', (1, 1))
    res = evaluate(WorkbookData(sheets), cache=PlanCache(disk=False), today=dt.date(2024, 1, 31))
    assert res.values[(1, 1, 1)] == 3.0
    assert calc('INFO("system")', mac=True) == "mac"  # a file saved by Excel for Mac
