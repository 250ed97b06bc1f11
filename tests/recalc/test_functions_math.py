"""Math built-ins (xlfuncs.recalc.functions.math) against Excel's stored values.

Expected values are Excel's, from vinci1it2000+formulas/test.xlsx of the golden corpus
(``../shared/corpus/files``), sheet MATH & TRIG, cells named beside each case.
"""

from __future__ import annotations

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError

E = ExcelError


def test_percentof_errors_are_num() -> None:
    # W49:AF49: an error in either range is #NUM!, whichever error it is
    assert calc("PERCENTOF({1,2},{#N/A,3})") is E.NUM
    assert calc("PERCENTOF({#DIV/0!,2},{1,3})") is E.NUM
    # R49: PERCENTOF(C49:E49,D49:G49) over 0, 2, 2.3, -0.2, -2 is 2.047619...
    assert calc("PERCENTOF({0,2,2.3},{2,2.3,-0.2,-2})") == 2.047619047619048
