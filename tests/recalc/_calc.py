"""One formula evaluated by the engine, for the tests of the built-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
from xlfuncs.recalc.plancache import PlanCache


def calc(text: str, *, mac: bool = False, values: dict[tuple[int, int], Any] | None = None) -> Any:
    """The value of ``=text`` in A1 of a one-sheet workbook (``mac``: saved by Excel for Mac)."""
    sh = SheetData("S", values=dict(values or {}))
    sh.formulas[(1, 1)] = FormulaCell(text, (1, 1))
    book = WorkbookData([sh], mac=mac)
    res = evaluate(book, cache=PlanCache(disk=False), today=dt.date(2024, 1, 31))
    return res.values[(0, 1, 1)]
