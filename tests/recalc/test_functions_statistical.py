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


@pytest.mark.parametrize("text, want", [
    # STATISTICAL!AB..AF of rows 17-112: the two-sample functions pass over #NULL! when
    # another error follows (pairs: a pair's error is its first one)
    ("SLOPE({#NULL!,#NUM!,#REF!},{#REF!,1,2})", E.NUM),  # AD94
    ("SLOPE({#DIV/0!,#NAME?},{#NULL!,#NUM!})", E.DIV0),  # AB94
    ("PEARSON({#NULL!,#NUM!},{#REF!,1})", E.NUM),  # AD77
    ("INTERCEPT({#NULL!,#NUM!,#REF!,1,2},{#VALUE!,#N/A,#DIV/0!,#NAME?,#NULL!})", E.NUM),  # AD55
    ("COVARIANCE.P({#NULL!,#NUM!},{#REF!,1})", E.NUM),  # AD26
    ("F.TEST({#NULL!,#NUM!},{#REF!,1})", E.NUM),  # AD34
    ("CHISQ.TEST({#NULL!,#NUM!},{#REF!,1})", E.NUM),  # AD17
    ("T.TEST({#NULL!,#NUM!},{#REF!,1},1,1)", E.NUM),  # AD107
    ("T.TEST({#NULL!,#NUM!},{#REF!,1},2,3)", E.NUM),  # AD112
    # Y107:Y112: paired, the pair (TRUE, #N/A) comes first; unpaired, a's #VALUE!
    ("T.TEST({TRUE,#VALUE!},{#N/A,#DIV/0!},1,1)", E.NA),  # Y107
    ("T.TEST({TRUE,#VALUE!},{#N/A,#DIV/0!},1,2)", E.VALUE),  # Y108
    ("SLOPE({1,#NULL!},{2,3})", E.NULL),  # the only error (hand: nothing else to return)
])
def test_two_sample_error_order(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    # an error among the data is #VALUE! (STATISTICAL!AB58:AF58, AB59:AF59, AA51:AF51,
    # AA113:AF113 of vinci1it2000+formulas/test.xlsx)
    ("LINEST({#N/A,1,2},{1,2,3},0,0)", E.VALUE),
    ("LOGEST({1,2,3},{1,#DIV/0!,3},0,0)", E.VALUE),
    ("TREND({2;3;4;21;2},{2,1;2,2;5,3;2,4;4,1},{#NAME?,1})", E.VALUE),
    ("GROWTH({2;3;4;21;2},{2,1;2,2;5,3;2,4;4,1},{#REF!,1})", E.VALUE),
    # shapes first: LinestArrayExp!B29 of dgorissen+pycel/stats.xlsx (13 y, 12 x rows)
    ('LINEST({1;2;""},{1;2})', E.REF),
])
def test_least_squares_errors(text: str, want: Any) -> None:
    assert calc(text) == want


def _cells(text: str, h: int, w: int) -> list[list[Any]]:
    """The ``h`` x ``w`` cells of an array result, through INDEX."""
    return [[calc(f"INDEX({text},{r},{c})") for c in range(1, w + 1)] for r in range(1, h + 1)]


def test_linest_stats_exact_and_collinear() -> None:
    # dgorissen+pycel/stats.xlsx LinestArrayExp!F21:H25: y 1,2,3 against two constant
    # columns (2 and 3): both dropped (0), b = 2; df = 0 and Excel reports an exact fit
    got = _cells("LINEST({1;2;3},{2,3;2,3;2,3},,TRUE)", 5, 3)
    want = [[0, 0, 2], [0, 0, 0], [1, 0, E.NA], [E.NUM, 0, E.NA], [2, 0, E.NA]]
    assert [[v if isinstance(v, ExcelError) else pytest.approx(v, abs=1e-12) for v in r]
            for r in got] == want
    # Stats!D45:E49: y = x - 1 exactly; se, sey and ss_resid 0, F #NUM!
    got = _cells("LINEST({1;2;3},{2;3;4},TRUE,TRUE)", 5, 2)
    assert got[1] == [0, 0] and got[2][1] == 0 and got[3][0] is E.NUM and got[4][1] == 0
    assert got[0][0] == pytest.approx(1.0) and got[0][1] == pytest.approx(-1.0)


# STATISTICAL!R38:AW41 of vinci1it2000+formulas/test.xlsx: values and timeline below; after
# sorting and averaging the repeated time stamps (3 and 7), completing 2 as the mean of its
# neighbours, the series 1,2,3,2,1,2,3,2,1 on step 1 repeats every 4 points exactly
ETS = "{3,3,1,2,3,2,1,3,2,1},{3,7,5,6,7,8,1,3,4,9}"


@pytest.mark.parametrize("text, want", [
    (f"FORECAST.ETS(10,{ETS},4)", 2.0),  # R38
    (f"FORECAST.ETS(100,{ETS},4,1)", 2.0),  # U38
    (f'FORECAST.ETS("29/02/1900",{ETS},4,1)', 2.0),  # X38: day 60
    (f"FORECAST.ETS(TRUE,{ETS},4,1)", 1.0),  # Y38: the first point
    (f"FORECAST.ETS(0.1,{ETS},4,1,4)", 0.09999999999999964),  # S38
    (f"FORECAST.ETS(0.7,{ETS},4,1)", 0.6999999999999993),  # T38
    (f"FORECAST.ETS(-1,{ETS},4,1)", E.NUM),  # V38
    (f"FORECAST.ETS(0,{ETS},4,1)", E.NUM),  # W38 (a blank target)
    (f"FORECAST.ETS(#DIV/0!,{ETS},4,1)", E.DIV0),  # AB38
    (f"FORECAST.ETS.CONFINT(50,{ETS},0.1,4,1,)", 0.0),  # S39: an exact fit
    (f"FORECAST.ETS.CONFINT(50,{ETS},0,4,1,)", 0.0),  # W39
    (f"FORECAST.ETS.CONFINT(50,{ETS},1,4,1,)", E.NUM),  # Y39
    (f"FORECAST.ETS.CONFINT(50,{ETS},10,4,1,)", E.NUM),  # R39
    (f"FORECAST.ETS.SEASONALITY({ETS},1)", 0.0),  # R40: too short to detect
    (f"FORECAST.ETS.SEASONALITY({ETS},0)", 0.0),  # U40
    (f"FORECAST.ETS.SEASONALITY({ETS},2)", E.NUM),  # S40
    (f"FORECAST.ETS.SEASONALITY({ETS},-1)", E.NUM),  # V40
    (f"FORECAST.ETS.STAT({ETS},4,4,1,)", 0.0),  # R41: MASE
    (f"FORECAST.ETS.STAT({ETS},7,4,1,)", 0.0),  # U41: RMSE
    (f"FORECAST.ETS.STAT({ETS},8,4,1,)", 1.0),  # V41: the step
    (f"FORECAST.ETS.STAT({ETS},0,4,1,)", E.NUM),  # W41
    (f"FORECAST.ETS.STAT({ETS},60,4,1,)", E.NUM),  # X41
])
def test_forecast_ets(text: str, want: Any) -> None:
    got = calc(text)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
    else:
        assert got == want


@pytest.mark.parametrize("text, want", [
    # documented (Microsoft's FORECAST.ETS page): a size mismatch is #N/A, seasonality
    # above 8760 is #NUM!; hand: a straight line is continued exactly
    ("FORECAST.ETS(13,{1,2,3},{1,2})", E.NA),
    ("FORECAST.ETS(5,{1,2,3},{1,2,3},8761)", E.NUM),
    ('FORECAST.ETS(5,{1,2,"a"},{1,2,3})', E.VALUE),
    ("FORECAST.ETS(13,{1,2,3,4,5,6,7,8,9,10,11,12},{1,2,3,4,5,6,7,8,9,10,11,12})", 13.0),
    # hand: 5,7,9 repeated four times is detected as a season of 3
    ("FORECAST.ETS.SEASONALITY({5,7,9,5,7,9,5,7,9,5,7,9},{1,2,3,4,5,6,7,8,9,10,11,12})", 3.0),
])
def test_forecast_ets_rules(text: str, want: Any) -> None:
    got = calc(text)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9)
    else:
        assert got == want


@pytest.mark.parametrize("text, want", [
    ("CHISQ.INV(0,3)", 0.0),  # W15: a probability of 0 (documented: only < 0 is #NUM!)
    ("F.INV(0,3,2.22)", 0.0),  # W32
    ("GAMMA.INV(0,3,2.22)", 0.0),  # W46
    ('NEGBINOM.DIST("29/02/1900","29/02/1900",,1)', E.NUM),  # X72: p = 0
    ("T.DIST(10,,)", E.DIV0),  # R102: the density at 0 degrees of freedom
    ("T.DIST(0,0,1)", E.NUM),  # W102: the distribution there
    ("Z.TEST({3.2,0.7},2,0)", E.NUM),  # U121: sigma 0
    ('Z.TEST({4,"",""},0,2)', E.DIV0),  # V121: one number (G121:I121 holds 4, blank, text)
    ("Z.TEST({2,4},TRUE)", 0.02275013194817919),  # W121 (J121 holds TRUE)
])
def test_distribution_edges(text: str, want: Any) -> None:
    got = calc(text)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-15)
    else:
        assert got == want


def test_frequency_blank_bins() -> None:
    # STATISTICAL!W43 and EXTRA!J50:J51: bins with no number count as the one bin 0
    vals = {(1, 2): 1.0, (1, 3): 2.0, (1, 4): 3.0, (1, 5): 0.0, (1, 6): -1.0}
    assert calc("INDEX(FREQUENCY(B1:F1,H1),1)", values=vals) == 2.0
    assert calc("INDEX(FREQUENCY(B1:F1,H1),2)", values=vals) == 3.0
    # R43: {1,2,3,0,-1} against the bins {1,3;5,3} (hand: 1, 0, -1 are <= 1)
    assert calc("INDEX(FREQUENCY(B1:F1,{1,3;5,3}),1)", values=vals) == 3.0


@pytest.mark.parametrize("text, want", [
    # Microsoft's HYPGEOMDIST example (0.363261): C(8,1) C(12,3) / C(20,4) = 1760/4845
    ("HYPGEOMDIST(1,4,8,20)", 1760 / 4845),
    ("HYPGEOMDIST(1.9,4,8,20)", 1760 / 4845),  # arguments are truncated
    ("HYPGEOMDIST(5,4,8,20)", 0.0),  # more successes than the sample: probability 0
    ("HYPGEOMDIST(-1,4,8,20)", E.NUM),  # the page: sample_s < 0
    ("HYPGEOMDIST(1,21,8,20)", E.NUM),  # number_sample > number_pop
    ('HYPGEOMDIST("a",4,8,20)', E.VALUE),
    # Microsoft's NEGBINOMDIST example (0.055049): C(14,4) 0.25^5 0.75^10
    ("NEGBINOMDIST(10,5,0.25)", 1001 * 0.25 ** 5 * 0.75 ** 10),
    ("NEGBINOMDIST(-1,5,0.25)", E.NUM),  # the page: number_f < 0
    ("NEGBINOMDIST(1,0.5,0.25)", E.NUM),  # number_s < 1
    ("NEGBINOMDIST(1,5,1.5)", E.NUM),  # probability_s > 1
    ("NEGBINOMDIST(1,5,#N/A)", E.NA),
])
def test_legacy_hypgeomdist_negbinomdist(text: str, want: Any) -> None:
    got = calc(text)
    if isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-13)
    else:
        assert got is want
