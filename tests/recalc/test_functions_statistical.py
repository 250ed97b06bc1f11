"""Statistical built-ins (xlfuncs.recalc.functions.statistical) against Excel's values.

Expected values are Excel's stored values in vinci1it2000+formulas/test.xlsx (the golden
corpus, ``../shared/corpus/files``), sheet STATISTICAL, cells named beside each case.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError

E = ExcelError

# STATISTICAL!D69:H69 moved to B1:F1: 0.1, 0.1, 0.3, -0.1, (blank)
ROW69 = {(1, 2): 0.1, (1, 3): 0.1, (1, 4): 0.3, (1, 5): -0.1}


@pytest.mark.parametrize("text, want", [
    ("HYPGEOM.DIST(0,,,,)", 1.0),  # R54
    ("HYPGEOM.DIST(0,0,4,4,1)", 1.0),  # W54
    ("HYPGEOM.DIST(0,2,3,3,1)", 0.0),  # AG54: below the least possible count
    ("HYPGEOM.DIST(5,3,2,30,1)", 1.0),  # AI54: above the largest
    ("HYPGEOM.DIST(0,3,2,30,1)", 0.806896551724138),  # AH54
    ("HYPGEOM.DIST(5,10,30,7,FALSE)", E.NUM),  # S54: successes above the population
    ("HYPGEOM.DIST(3,-1,3,5,TRUE)", E.NUM),  # U54
    ('MODE.MULT(B1:C1,C1:D1,D1:E1,"")', 0.1),  # S69: typed text is skipped
    ('INDEX(MODE.MULT(C1:D1,D1:E1,E1:F1,"29/02/1900"),2)', -0.1),  # T69:T70
    ("MODE.MULT(B1:C1,C1:D1,)", E.VALUE),  # AG69: an empty argument
    ('MODE.SNGL(C1:D1,D1:E1,E1:F1,"29/02/1900")', 0.3),  # T71 (row 71 as row 69)
])
def test_statistical_edge_cases(text: str, want: Any) -> None:
    got = calc(text, values=ROW69)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-12)
    else:
        assert got == want


@pytest.mark.parametrize("text, want", [
    # STATISTICAL!R17: C16:D17 (10, 0.1; 10, 3.2) against E14:E17 (0.7 four times)
    ("CHISQ.TEST({10,0.1;10,3.2},{0.7;0.7;0.7;0.7})", 9.66041305483331e-58),
    ("CHISQ.TEST({0.7,2},{4,3,1})", E.NA),  # S17: different counts
    ("CHISQ.TEST({\"a\",TRUE},{#VALUE!,#N/A})", E.VALUE),  # X17: the first error
    ("CHISQ.TEST({#N/A,#DIV/0!},{#NAME?,#NULL!})", E.NA),  # AA17
    ("CHISQ.TEST({\"a\",TRUE},{TRUE,\"b\"})", E.DIV0),  # V17: no numeric pair
])
def test_chisq_test(text: str, want: Any) -> None:
    got = calc(text)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9)
    else:
        assert got == want


@pytest.mark.parametrize("text, want", [
    ("CONFIDENCE.T(0.9,7,1)", E.DIV0),  # STATISTICAL!V19
    ("CONFIDENCE.T(0,0,1)", E.NUM),  # W19: the alpha error comes first
    ("CONFIDENCE.T(0.32,10,3)", 7.572401854185358),  # S19
])
def test_confidence_t(text: str, want: Any) -> None:
    got = calc(text)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9)
    else:
        assert got == want


@pytest.mark.parametrize("text, want", [
    # STATISTICAL!R57:AK57 (data 0.1, -10, 0.9, 2.2, -0.1) and AG95:AK95 (0, -10, 0.9,
    # 2.2, -0.1)
    ("LARGE({0.1,-10,0.9,2.2,-0.1},0.9)", E.NUM),  # AG57: k below 1
    ("LARGE({0.1,-10,0.9,2.2,-0.1},2.2)", 0.1),  # AK57: rounded up
    ('LARGE({0.1,-10,0.9,2.2,-0.1},"1")', 2.2),  # R57
    ("SMALL({0,-10,0.9,2.2,-0.1},0.9)", E.NUM),  # AG95
    ("SMALL({0,-10,0.9,2.2,-0.1},2.2)", -0.1),  # AK95: cut down
])
def test_large_small_fractional_k(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    ("QUARTILE({2.2,-0.1},-0.1)", E.NUM),  # COMPATIBILITY!U32: below 0 before truncation
    ("QUARTILE({#REF!,-5},-5)", E.REF),  # COMPATIBILITY!AF32: the data's error first
    ("QUARTILE.EXC({#REF!,1},5)", E.REF),  # STATISTICAL!AF87
    ('QUARTILE({0,-10},"2")', -5.0),  # COMPATIBILITY!R32
])
def test_quartile_errors(text: str, want: Any) -> None:
    assert calc(text) == want
