"""Financial built-ins (xlfuncs.recalc.functions.financial) against Excel's stored values.

Expected values are Excel's, from vinci1it2000+formulas/test.xlsx of the golden corpus
(``../shared/corpus/files``), sheet FINANCIAL, cells named beside each case.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError

E = ExcelError


@pytest.mark.parametrize("text, want", [
    # guesses far from the rate (Newton's method on the rate would jump below -1)
    ("IRR({-7,2,1,4,-3;-7,2,-1,4,4},7)", -0.021126011550541612),  # T26
    ("IRR({-7,2,-1,4,-3,7,2,1,4},4)", 0.18158629375365587),  # U26
    ("IRR({-7,2,-1,4,-3;7,2,-1,4,4},9)", 0.19086464188385688),  # AH26:AL26
    ("IRR({-0.1,2,0},6)", 18.999999999999982),  # V26
    ("IRR({7,2,-1,4,-3;7,2,-1,4,4},3)", E.NUM),  # R26
    ("IRR({-7,2,-1,4,-3;7,2,-1,4,#N/A})", E.VALUE),  # Z26
])
def test_irr(text: str, want: Any) -> None:
    got = calc(text)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9)
    else:
        assert got == want


# FINANCIAL!C54:G55 of vinci1it2000+formulas/test.xlsx: cash flows -10, 1, 5, 0.0001, 4.5
# on days 1, 99, 55, 4, 9
XF = "{-10,1,5,0.0001,4.5},{1,99,55,4,9}"


@pytest.mark.parametrize("text, want", [
    (f"XIRR({XF},1)", 0.5993197485804558),  # R54 (guess C54 = 1)
    (f"XIRR({XF})", 0.5993197500705721),  # AD54: the default guess 0.1
    (f"XIRR({XF},4)", 0.5993197485804558),  # V55
    (f'XIRR({XF},"26/08/1987")', 0.5993197540431083),  # X54: day 32015
    (f"XIRR({XF},-0.1)", E.NUM),  # S55
    ("XIRR({1,-10,5,0.0001,4.5},{99,1,55,4,9})", E.NUM),  # T54: a date before the first
    ("XIRR({-10,#N/A,1,2,7},{3,#REF!,7,4,9})", E.REF),  # U54: the date's error first
    (f"XNPV(0.5993197485804558,{XF})", 4.594164160209857e-09),  # R56
    (f"XNPV(-0.1,{XF})", E.NUM),  # S56
    (f"XNPV(0,{XF})", E.NUM),  # U56
    (f"XNPV(2,{XF})", -0.6124748432976563),  # T56
])
def test_xirr_xnpv(text: str, want: Any) -> None:
    got = calc(text)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15)
    else:
        assert got == want


def test_xirr_skips_blank_and_text_values() -> None:
    # AD54/AE54: the ranges run on over a blank pair and over the text "1" dated 32015
    vals = {(1, 2): -10.0, (1, 3): 1.0, (1, 4): 5.0, (1, 5): 0.0001, (1, 6): 4.5, (1, 8): "1",
            (2, 2): 1.0, (2, 3): 99.0, (2, 4): 55.0, (2, 5): 4.0, (2, 6): 9.0, (2, 8): 32015.0}
    assert calc("XIRR(B1:H1,B2:H2)", values=vals) == pytest.approx(0.5993197500705721,
                                                                   rel=1e-12)
