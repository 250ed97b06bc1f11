"""Date built-ins (xlfuncs.recalc.functions.date) against Excel's stored values.

Expected values are Excel's, from vinci1it2000+formulas/test.xlsx of the golden corpus
(``../shared/corpus/files``), sheet DATE & TIME, cells named beside each case, and
Microsoft's documented example.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError


@pytest.mark.parametrize("text, want", [
    ("ISOWEEKNUM(1987)", 23.0),  # R12
    ("ISOWEEKNUM(8)", 1.0),  # S12: 1900-01-08, a Sunday on Excel's calendar
    ("ISOWEEKNUM(1)", 52.0),  # T12: 1900-01-01, Excel's Sunday, in 1899's last week
    ("ISOWEEKNUM(0.7)", 52.0),  # U12
    ("ISOWEEKNUM(TRUE)", 52.0),  # Y12
    ("ISOWEEKNUM(DATE(2012,3,9))", 10.0),  # Microsoft's ISOWEEKNUM example
])
def test_isoweeknum_on_excels_calendar(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    ('HOUR("1.25")', 6.0),  # dgorissen+pycel/date-time.xlsx Sheet1!F14 (F2 holds "1.25")
    ('MINUTE("1.25")', 0.0),  # Sheet1!F16
    ('HOUR("3")', 0.0),  # vinci1it2000+formulas/test.xlsx DATE & TIME!X11
    ('HOUR("6:45 PM")', 18.0),
    ('HOUR("x")', ExcelError.VALUE),
])
def test_time_parts_of_numeric_text(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # DATE & TIME!V9:W10 of vinci1it2000+formulas/test.xlsx: serial 0 is 0 January 1900
    ("EDATE(0,0)", 0.0),  # V9
    ("EOMONTH(0,0)", 31.0),  # V10
    ('EDATE(0.7,"1/1/1987 02:00 AM")', 967223.0),  # W9: 31778 months on
    ('EOMONTH(0.7,"1/1/1987 02:00 AM")', 967254.0),  # W10
    ('DATEDIF(TRUE,"-1","YD")', ExcelError.NUM),  # X4: a logical is a number in DATEDIF
    ("DATEDIF(TRUE,3,\"D\")", 2.0),  # hand: TRUE is day 1
])
def test_day_zero_and_logical_dates(text: str, want: Any) -> None:
    assert calc(text) == want
