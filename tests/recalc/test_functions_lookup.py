"""Lookup built-ins (xlfuncs.recalc.functions.lookup) against Excel's stored values.

Expected values are Excel's, from vinci1it2000+formulas/test.xlsx of the golden corpus
(``../shared/corpus/files``), sheet and cell named beside each case.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError

E = ExcelError


@pytest.mark.parametrize("text, want", [
    # across types the order is numbers < text < logicals
    ('XMATCH("*b?u*",{FALSE,2.1,TRUE,4.1},-1)', 4.0),  # LOOKUP!X173
    ('XMATCH(TRUE,{"a",2.1,"c bau c",4.1},-1)', 3.0),  # LOOKUP!Y190
    # a blank lookup value is above everything: the next smaller is the largest item
    ("XMATCH(B1,{FALSE,2.1,TRUE,4.1},-1)", 3.0),  # LOOKUP!W172
    ("XMATCH(B1,{4.1,3.1,2.1,1.1},-1)", 1.0),  # LOOKUP!W192
    ('XMATCH(B1,{"",4.1,"a",1.1},-1)', 3.0),  # LOOKUP!W194
    # binary searches over mixed types
    ('XMATCH("*b?u*",{TRUE,4.1,FALSE,1.1},-1,2)', 2.0),  # LOOKUP!X177
    ('XMATCH("*b?u*",{TRUE,4.1,FALSE,"c bau c"},-1,-2)', 2.0),  # LOOKUP!X178
    ('XLOOKUP("*b?u*",{TRUE,4.1,FALSE,1.1},{"L","ML","MR","R"},1,1,2)', "MR"),  # LOOKUP!X168
    # wildcards with a binary search are #VALUE!
    ("XMATCH(3,{4.1,3.1,2.1,1.1},2,2)", E.VALUE),  # LOOKUP!R183
    ('XMATCH("a",{"c bau c",4.1,"a",1.1},2,-2)', E.VALUE),  # LOOKUP!R184
    # exact text matching folds case as Unicode does ("ß" is "ss"); the wildcard mode not
    ('XMATCH("ß",{1,"ss",2.1,"c bau c",4.1},0)', 2.0),  # EXTRA!L75
    ('XMATCH("ß",{1,"ss",2.1,"c bau c",4.1},1)', 2.0),  # EXTRA!M76
    ('XMATCH("ß",{1,"ss",2.1,"c bau c",4.1},2)', E.NA),  # EXTRA!L77
    # match mode 3: a regular expression (no match here), binary search excluded
    ('XMATCH("ß",{1,"ss",2.1,"c bau c",4.1},3)', E.NA),  # EXTRA!O76
    ('XMATCH("^c",{1,"ss",2.1,"c bau c",4.1},3)', 4.0),
    ('XMATCH("^c",{"a","c"},3,2)', E.VALUE),
    ('XMATCH("ß",{1,"ss",2.1,"c bau c",4.1},4)', E.VALUE),  # EXTRA!P76
])
def test_xmatch_modes_across_types(text: str, want: Any) -> None:
    assert calc(text) == want


# LOOKUP!C135:L139 of vinci1it2000+formulas/test.xlsx, moved to A11 (C -> A, 135 -> 11)
TRIM_GRID = {
    (11, 2): 0.0, (12, 2): 1.0, (12, 4): 4.0, (12, 6): 5.0, (12, 8): 5.0,
    (13, 3): 3.0, (13, 4): 4.0, (13, 6): 5.0, (13, 8): 5.0, (14, 2): 2.0, (14, 5): 5.0,
}


@pytest.mark.parametrize("text, want", [
    ("ROWS(TRIMRANGE(A11:B15,3,3))", 4.0),  # R135:S138 spill 4 rows x 1 column
    ("COLUMNS(TRIMRANGE(A11:B15,3,3))", 1.0),
    ("INDEX(TRIMRANGE(A11:B15,3,3),4,1)", 2.0),  # R138
    ("ROWS(TRIMRANGE(B11:C15,1,3))", 5.0),  # S135:T139: trailing rows kept
    ("ROWS(TRIMRANGE(D11:E15,1,2))", 4.0),  # U135:V138: leading rows trimmed only
    ("INDEX(TRIMRANGE(D11:E15,\"1\",2),1,1)", 4.0),  # AD135: numeric text
    ("ROWS(TRIMRANGE(D11:E15,\"3.3\",2))", E.VALUE),  # W135
    ("ROWS(TRIMRANGE(E11:F15,2.3,2))", E.VALUE),  # Z135
    ("ROWS(TRIMRANGE(E11:F15,{1,1},2))", E.VALUE),  # AA135
    ("ROWS(TRIMRANGE(I11:J15,3,3))", E.REF),  # Z136: all blank
])
def test_trimrange(text: str, want: Any) -> None:
    assert calc(text, values=TRIM_GRID) == want


@pytest.mark.parametrize("text, want", [
    # vinci1it2000+formulas/test.xlsx LOOKUP!R56:Y71: Excel's binary search on unsorted and
    # mixed arrays
    ("LOOKUP(2,{4.1,2.1,3.1,1.1})", E.NA),  # S59
    ("LOOKUP(3,{4.1,2.1,3.1,1.1})", 2.1),  # T59
    ("LOOKUP(4,{4.1,2.1,3.1,1.1})", 1.1),  # U59
    ('LOOKUP(4.1,{"b",4.1,"a",1.1})', 4.1),  # V60
    ('LOOKUP(4.1,{"a",2.1,"b",4.1})', 4.1),  # V57
    ('LOOKUP(4,{"a",2.1,"b",4.1})', 2.1),  # U57
    ('LOOKUP(TRUE,{TRUE,4.1,FALSE,"b"})', False),  # Y63
    ('LOOKUP("b",{TRUE,FALSE,"a","b"})', "b"),  # X64
    ('LOOKUP(3,{4.1,2.1,3.1,1.1},{"L","ML","MR","R"})', "ML"),
    ("MATCH(4,{4.1,3.1,2.1,1.1})", 4.0),  # U68
    ('MATCH(4.1,{"c bau c",4.1,"a",1.1})', 2.0),  # V69
    ("MATCH(4.1,{TRUE,4.1,FALSE,1.1})", 2.0),  # V71
])
def test_approximate_lookup_is_excels_binary_search(text: str, want: Any) -> None:
    got = calc(text)
    assert got == want and type(got) is type(want)


def test_lookup_skips_blank_cells_as_excel_does() -> None:
    # dgorissen+pycel/lookup.xlsx LookupBlanks!F5:F12: A1:A16 holds 1,2,3,_,5,6,7,8 from A5
    vals = {(r, 1): v for r, v in zip(range(5, 13), [1.0, 2.0, 3.0, None, 5.0, 6.0, 7.0, 8.0])
            if v is not None}
    for x, want in [(0, E.NA), (1, 1.0), (2, 2.0), (6, 6.0), (7, 7.0), (8, 8.0), (9, 8.0)]:
        assert calc(f"LOOKUP({x},A1:A16)", values=vals) == want, x
        assert calc(f"VLOOKUP({x},A1:A16,1)", values=vals) == want, x


@pytest.mark.parametrize("text, want", [
    # Microsoft's HYPERLINK page: the cell shows friendly_name, else link_location
    ('HYPERLINK("http://example.microsoft.com/report/budget report.xlsx","Click for report")',
     "Click for report"),
    ('HYPERLINK("[Budget]June!E56")', "[Budget]June!E56"),
    ('HYPERLINK("#Sheet2!A1",B1)', 42.0),  # a friendly name from a cell: its value
    ("HYPERLINK(B2)", 0.0),  # a blank location shows 0, as =B2 does
    ('HYPERLINK("x",1/0)', E.DIV0),
    ("HYPERLINK(#N/A)", E.NA),
])
def test_hyperlink_value(text: str, want: Any) -> None:
    assert calc(text, values={(1, 2): 42.0}) == want
