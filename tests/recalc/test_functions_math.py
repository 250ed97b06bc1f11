"""Math built-ins (xlfuncs.recalc.functions.math) against Excel's stored values.

Expected values are Excel's, from vinci1it2000+formulas/test.xlsx of the golden corpus
(``../shared/corpus/files``), sheet MATH & TRIG, cells named beside each case.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError

E = ExcelError


def test_percentof_errors_are_num() -> None:
    # W49:AF49: an error in either range is #NUM!, whichever error it is
    assert calc("PERCENTOF({1,2},{#N/A,3})") is E.NUM
    assert calc("PERCENTOF({#DIV/0!,2},{1,3})") is E.NUM
    # R49: PERCENTOF(C49:E49,D49:G49) over 0, 2, 2.3, -0.2, -2 is 2.047619...
    assert calc("PERCENTOF({0,2,2.3},{2,2.3,-0.2,-2})") == 2.047619047619048


def test_gcd_lcm_refuse_blanks_text_and_logicals() -> None:
    # MATH & TRIG!R34:Y34 and R37:Y37: C:J hold 0, 5.7, 15.7, 63, -0.4, (blank), "ciao", TRUE
    vals = {(2, 3): 0.0, (2, 4): 5.7, (2, 5): 15.7, (2, 6): 63.0, (2, 7): -0.4,
            (2, 9): "ciao", (2, 10): True}
    assert calc("GCD(E2,F2)", values=vals) == 3.0  # T34
    assert calc("GCD(G2)", values=vals) is E.NUM  # U34
    assert calc("GCD(H2)", values=vals) is E.VALUE  # W34: a blank cell
    assert calc("GCD(I2)", values=vals) is E.VALUE  # X34: text
    assert calc("GCD(G2,J2)", values=vals) is E.VALUE  # Y34: #VALUE! before #NUM!
    assert calc("GCD(G2:Q2)", values=vals) is E.VALUE  # AR34
    assert calc("LCM(E2,F2)", values=vals) == 315.0  # T37
    assert calc("LCM(C2,F2,E2)", values=vals) == 0.0  # V37
    assert calc("LCM(H2)", values=vals) is E.VALUE  # W37


@pytest.mark.parametrize("text, want", [
    # MATH & TRIG!R31:W31 of vinci1it2000+formulas/test.xlsx: -1.1 is checked before it is
    # truncated, -1 gives 1
    ("FACTDOUBLE(-1.1)", E.NUM),  # T31
    ("FACTDOUBLE(-1)", 1.0),  # V31
    ("FACTDOUBLE(5)", 15.0),  # U31
    ('FACTDOUBLE("2.3")', 2.0),  # S31
])
def test_factdouble(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # MATH & TRIG!AD75:AF75 of vinci1it2000+formulas/test.xlsx
    ("SUMPRODUCT({#NUM!,#REF!},{1,2},{1,2,3})", E.NUM),  # AE75: error before the sizes
    ("SUMPRODUCT({#REF!,1},{1,2,3},{1,2,3})", E.REF),  # AF75
    ("SUMPRODUCT({1,2},{1,2,3})", E.VALUE),  # documented: sizes differ
    ("SUMPRODUCT({0,2},{2,1.2},{1.2,-4})", -9.6),  # R75
])
def test_sumproduct_errors(text: str, want: Any) -> None:
    got = calc(text)
    assert got == (pytest.approx(want) if isinstance(want, float) else want)


@pytest.mark.parametrize("text, want", [
    # ECMA.CEILING is CEILING (Microsoft documents no page of its own; the remarks published
    # for it are CEILING's): the examples of Microsoft's CEILING page
    ("ECMA.CEILING(2.5,1)", 3.0),
    ("ECMA.CEILING(-2.5,-2)", -4.0),
    ("ECMA.CEILING(-2.5,2)", -2.0),  # a negative number, positive significance: toward zero
    ("ECMA.CEILING(1.5,0.1)", 1.5),
    ("ECMA.CEILING(0.234,0.01)", 0.24),
    ("ECMA.CEILING(2.5,-2)", E.NUM),  # a positive number with a negative significance
    ('ECMA.CEILING("x",1)', E.VALUE),
    ("_xlfn.ECMA.CEILING(4.42,0.05)", 4.45),  # the page's nickel example, as a file stores it
])
def test_ecma_ceiling(text: str, want: Any) -> None:
    assert calc(text) == want


def _round_by_decimal_text(x: float, digits: int) -> float:
    # the definition: Excel rounds the 15-significant-digit decimal text, half away from zero
    from decimal import ROUND_HALF_UP, Decimal

    d = Decimal(f"{x:.15g}")
    if d.as_tuple().exponent >= -digits:  # type: ignore[operator]
        return float(d)
    return float(d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


@given(
    st.one_of(
        st.floats(-1e10, 1e10, allow_nan=False),
        # decimals written with a few places, and halves at the rounding place
        st.builds(lambda n, k: n / 10**k, st.integers(-10**9, 10**9), st.integers(0, 9)),
        st.builds(lambda n, k: (n + 0.5) / 10**k, st.integers(-10**7, 10**7), st.integers(0, 9)),
    ),
    st.integers(0, 9),
)
@settings(max_examples=2000, deadline=None)
def test_round_is_the_decimal_rounding_of_the_15_digit_text(x: float, digits: int) -> None:
    from xlfuncs.recalc.values import excel_round

    got, want = excel_round(x, digits), _round_by_decimal_text(x, digits)
    assert got == want and math.copysign(1, got) == math.copysign(1, want), (x, digits)
