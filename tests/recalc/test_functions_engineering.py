"""Engineering built-ins (xlfuncs.recalc.functions.engineering) against Excel's values.

Expected values are Excel's stored values in vinci1it2000+formulas/test.xlsx (the golden
corpus, ``../shared/corpus/files``), sheet ENGINEERING, cell named beside each case.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError

E = ExcelError


@pytest.mark.parametrize("text, want", [
    ("BESSELI(0,10000000)", 0.0),  # R3
    ("BESSELI(10000000,2.3)", E.NUM),  # S3: past the float range
    ("BESSELI(2.3,2)", 1.0054316669125958),  # T3 (exact: 1.0054316636559...)
    ("BESSELI(2,-1)", E.NUM),  # U3: negative order
    ("BESSELI(-1,)", 1.2660658480342601),  # V3: I0(-1), blank order
    ("BESSELI(,\"3.2\")", 0.0),  # W3
    ("BESSELI(\"3.2\",2)", 2.7882984611029293),  # X3: numeric text
    ("BESSELI(\"3.5\",2)", 3.83201207162936),  # X6
    ("BESSELI(TRUE,1)", E.VALUE),  # Y3: a logical is #VALUE! (Analysis ToolPak)
    ("BESSELI(\"t\",1)", E.VALUE),  # AP3
    ("BESSELI(#NULL!,{1,2})", E.NULL),  # AO3: the first error wins
    ("BESSELI(B1:C1,2.3)", E.VALUE),  # AG3: a range of two cells in the same row
    ("BESSELJ(10000000,2.3)", 8.683739567294922e-05),  # S4: order truncated to 2
    ("BESSELJ(2.3,2)", 0.41391458970875217),  # T4
    ("BESSELJ(-1,0)", 0.7651976837548592),  # V4
    ("BESSELJ(0,10000000)", 0.0),  # R4
    ("BESSELK(0,10000000)", E.NUM),  # R5: x <= 0
    ("BESSELK(10000000,2.3)", 0.0),  # S5
    ("BESSELK(2.3,2)", 0.1617333633782021),  # T5
    ("BESSELK(-1,0)", E.NUM),  # V5
    ("BESSELY(10000000,2.3)", -0.00023689922733673244),  # S6
    ("BESSELY(2.3,2)", -0.4726168566767928),  # T6
    ("BESSELY(-1,0)", E.NUM),  # V6
    ("BESSELY(0,3)", E.NUM),  # W6
])
def test_bessel_functions_give_excels_values_to_the_bit(text: str, want: Any) -> None:
    # Excel's values are Numerical Recipes' approximations (about 1e-8 from the exact
    # function), reproduced exactly: compared with ==, not to a tolerance
    assert calc(text, values={(1, 2): 0.0, (1, 3): 1.0}) == want


def test_mixed_complex_suffixes() -> None:
    # ENGINEERING!S52 IMSUM over "13+5j", "3.1+2j", "-3+2i" is #VALUE!; T38/T51: IMDIV and
    # IMSUB of an "i" and a "j" number are #NUM!
    assert calc('IMSUM("13+5j","3.1+2j","-3+2i")') is E.VALUE
    assert calc('IMSUB("13+5j","-3+2i")') is E.NUM
    assert calc('IMDIV("13+5j","-3+2i")') is E.NUM
    assert calc('IMSUM("7+25j","13+5j","3.1+2j")') == "23.1+32j"  # R52


@pytest.mark.parametrize("text, want", [
    # a logical where digits are expected is #VALUE! (Y7:Y56: the cells hold TRUE)
    ("BIN2DEC(TRUE)", E.VALUE),  # Y7
    ("BIN2HEX(TRUE)", E.VALUE),  # Y8
    ("HEX2DEC(TRUE)", E.VALUE),  # Y27
    ("OCT2HEX(TRUE)", E.VALUE),  # Y56
    ('BIN2DEC("111111111")', 511.0),  # S7
    ("HEX2DEC(\"\")", 0.0),  # W27: a blank
])
def test_base_conversion_logicals(text: str, want: Any) -> None:
    assert calc(text) == want


@pytest.mark.parametrize("text, want", [
    ('IMTAN("7+25j")', "3.82126757337684E-22+j"),  # R53
    ('IMTAN("13+5j")', "0.0000692361330972509+0.999941259144671j"),  # S53
    ('IMTAN("-13+25j")', "-2.94156899085227E-22+j"),  # V53
    ('IMCOT("7+25j")', "3.82126757337684E-22-j"),  # R35
    ('IMCOT("13+5j")', "0.0000692442674613868-1.00005873951153j"),  # S35
    ('IMCOT("-3+2i")', "0.0106047834703371-1.035746637765i"),  # U35
    ('IMCOT("0")', E.NUM),  # hand: cot 0 is infinite
])
def test_imtan_imcot(text: str, want: Any) -> None:
    assert calc(text) == want


def test_improduct_mixed_suffixes() -> None:
    assert calc('IMPRODUCT("-3+2i","3.1+2j")') == E.VALUE  # T44
    assert calc('IMPRODUCT("3.1+2j","13+5j")') == "30.3+41.5j"  # S44


@pytest.mark.parametrize("text, want", [
    ('IMCSC("3.1+2j")', "0.0118908807944521+0.275445903842597j"),  # T36
    ('IMCSC("13+5j")', "0.00566271612725774-0.0122288197535638j"),  # S36
    ('IMCSC("7+25j")', "1.82483860060804E-11-2.09403043759793E-11j"),  # R36
    ('IMCSC("0")', E.NUM),  # hand: csc 0 is infinite
])
def test_imcsc(text: str, want: Any) -> None:
    assert calc(text) == want
