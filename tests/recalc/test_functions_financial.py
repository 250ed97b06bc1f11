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
