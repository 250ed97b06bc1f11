"""Text to number: one policy (xlfuncs.textnum) for the engine's coercion and the Excel functions.

Sources: Microsoft, "VALUE function" (text in "any of the constant number, date, or time formats
recognized by Microsoft Excel"; =VALUE("$1,000") is 1000, =VALUE("16:48:00")-VALUE("12:00:00")
is 0.2); J. Walkenbach, Excel 2010 Bible, "Entering values" (sign, parentheses for a negative
value, a trailing percent sign, a leading currency symbol, thousands separators only in their
position: "4,500" is a value, "45,00" is not, scientific notation). The invariant (en-US)
locale; the choices the sources leave open are stated in the module docstring.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.builtins import BUILTINS, _add
from xlfuncs.recalc.engine import evaluate
from xlfuncs.recalc.model import FormulaCell, SheetData, WorkbookData
from xlfuncs.recalc.plancache import PlanCache
from xlfuncs.registry import REGISTRY
from xlfuncs.textnum import number_from_text


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1200", 1200.0),
        ("  1200  ", 1200.0),  # leading and trailing spaces
        ("+5", 5.0),
        ("-5", -5.0),
        ("(5)", -5.0),  # parentheses: a negative amount (Walkenbach)
        ("1,200", 1200.0),  # thousands separator in its place
        ("4,500", 4500.0),  # Walkenbach's example
        ("1,234,567.5", 1234567.5),
        ("$1,000", 1000.0),  # Microsoft VALUE example
        ("-$5", -5.0),
        ("($1,000.50)", -1000.5),
        (".5", 0.5),
        ("5.", 5.0),
        ("3.2E5", 320000.0),  # Walkenbach's example: 3.2 x 10^5
        ("1e-3", 0.001),
        ("5%", 0.05),
        ("-12.5%", -0.125),
        ("2024-01-31", 45322.0),  # 1900 date system: 31 Jan 2024 is serial 45322
        ("1/31/2024", 45322.0),  # month/day/year in en-US
        ("2/29/1900", 60.0),  # Excel's fictitious 1900-02-29
        ("16:48:00", 0.7),  # 16.8 hours / 24
        ("6:00 PM", 0.75),
        ("2024-01-31 12:00", 45322.5),
        ("-0", 0.0),
    ],
)
def test_excel_accepts(text: str, want: float) -> None:
    got = number_from_text(text)
    assert got == pytest.approx(want, rel=1e-15) and type(got) is float, text


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", ".", "-", "+", "%", "$", "()", "--5", "+-5", "(-5)", "( 5 )", "$-5", "- 5",
        "45,00",  # Walkenbach: not a value
        "1,2", "12,34", "1,2345", ",100", "1,000,00", "1,000e3",
        "1,5",  # a decimal comma is another locale's
        "1 200", "1\u00a0200", "\u00a012", "\t12", "12\n",  # only U+0020 spaces are trimmed
        "1_5", "1_000",  # Python's float() accepts underscores
        "nan", "NaN", "inf", "-inf", "Infinity", "infinity",  # and these words
        "0x10", "0b1", "0o7",
        "\uff11\uff12",  # full-width digits
        "\u0661\u0662",  # Arabic-Indic digits
        "\u0967",  # Devanagari digit one
        "1e400", "-1e400",  # too large for a double
        "$5%", "(5%)", "5%%",
        "1.2.3", "1e", "e5", "1e5.5",
        "2024-02-30", "13/1/2024", "1/1/1899", "0:60", "13:00 PM", "0:00 AM",
        "2024-01-31T12:00",
    ],
)
def test_excel_refuses(text: str) -> None:
    assert number_from_text(text) is None, text


def test_1904_date_system() -> None:
    assert number_from_text("1904-01-02", date1904=True) == 1.0
    assert number_from_text("1903-12-31", date1904=True) is None
    assert number_from_text("2/29/1900", date1904=True) is None


def _engine(formula: str, a1: Any) -> Any:
    sh = SheetData("S", values={(1, 1): a1})
    sh.formulas[(1, 2)] = FormulaCell(formula, (1, 2))
    res = evaluate(WorkbookData([sh]), cache=PlanCache(disk=False), today=dt.date(2024, 1, 31))
    return res.values[(0, 1, 2)]


def test_licensecost_reads_text_as_arithmetic_does() -> None:
    # the review's defect D3: "1,200" was 1200 in =A1+0 and 1.2 in =LICENSECOST(A1)
    assert _engine("A1+0", "1,200") == 1200.0
    assert _engine("LICENSECOST(A1)", "1,200") == 1200.0  # 1200*1/1 + 0
    assert _engine("LICENSECOST(A1)", "1,5") is ExcelError.VALUE  # as =A1+0
    assert _engine("A1+0", "1,5") is ExcelError.VALUE
    assert REGISTRY["LOCPOINTS"].invoke("15", "$1,000", None, 2025) == 600.0  # 1.5 % x 400


_TEXT = st.one_of(
    st.text(alphabet="0123456789,.+-eE%$() :/_xAPMnaif\u00a0\t\uff11\u0661", max_size=14),
    st.builds(
        lambda sign, body, tail: sign + body + tail,
        st.sampled_from(["", "-", "+", "$", "-$", "("]),
        st.from_regex(r"[0-9]{1,4}(,[0-9]{1,4}){0,3}(\.[0-9]{0,3})?", fullmatch=True),
        st.sampled_from(["", "%", ")", " ", "e3", "E-2"]),
    ),
    st.dates(dt.date(1899, 1, 1), dt.date(9999, 12, 31)).map(
        lambda d: f"{d.month}/{d.day}/{d.year}"
    ),
    st.text(max_size=8),
)


@settings(max_examples=600, deadline=None)
@given(_TEXT)
@example("1,200")
@example("1,5")
@example("1 200")
@example("1_5")
@example("\uff11")
def test_functions_and_engine_read_text_alike(text: str) -> None:
    """``=A1+0``, ``VALUE(A1)`` and an Excel function's number argument agree on any text."""
    plus = _add(text, 0.0)
    value = BUILTINS["VALUE"][1](text)
    via_function = REGISTRY["LICENSECOST"].invoke(text)  # lump_sum*1/1 + 0
    if isinstance(plus, ExcelError):
        assert plus is ExcelError.VALUE and value is ExcelError.VALUE, text
        assert via_function is ExcelError.VALUE, text
    else:
        assert value == plus, text
        if plus >= 0:
            assert via_function == plus, text
        else:  # a negative lump sum is out of the function's domain, whatever its spelling
            assert via_function is ExcelError.NUM, text
