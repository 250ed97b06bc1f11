"""Reference operators (xlfuncs.recalc.functions.operators): range, intersection, union.

Expected values are Excel's stored values in vinci1it2000+formulas/test.xlsx (the golden
corpus, ``../shared/corpus/files``), cells named beside each case; the sheet's values are
rebuilt here where a case reads cells.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.recalc._calc import calc
from xlfuncs.errors import ExcelError

E = ExcelError

# every cell holds its column number
GRID = {(r, c): float(c) for r in range(1, 20) for c in range(1, 20)}


@pytest.mark.parametrize("text, want", [
    ("ROW(C14:E14:G13:I14 E13:F13)", 13.0),  # LOOKUP!AG112 (rows 112..114 there)
    ("COLUMN(C14:E14:G13:I14 E13:F13)", 5.0),  # LOOKUP!AG12
    ("COLUMN(C12:E13 D13:F13)", 4.0),  # LOOKUP!AG14
    ("ROW(C12:E13 F12:H13)", E.NULL),  # LOOKUP!AG113: no common cell
    ("AREAS((D4:G4,I4:J4,K4:N4))", 3.0),  # LOOKUP!S4
    ("AREAS((E4:H4 J4:K4 L4:O4))", E.NULL),  # LOOKUP!T4
    ("AREAS(((F4:G4,G4:I4,F6:G6,G6:I6) G3:G11))", 4.0),  # LOOKUP!V4
    ("COLUMNS((D15:G15,I15:J15,K15:N15))", E.REF),  # LOOKUP!S15
    ("COLUMNS(((G15:H16) H14:H23))", 1.0),  # LOOKUP!W15
    ("INDEX((C2:C4,D2:D4),1,1,2)", 4.0),  # LOOKUP!AQ53: area 2's first cell (D)
    ("INDEX((C2:C4,D2:D4),1,1,3)", E.REF),  # LOOKUP!AQ52: no area 3
    ("INDEX(C2:E3,2)", E.REF),  # LOOKUP!R53: column_num left out of a 2-D reference
    ("INDEX(C2:E3,-1)", E.VALUE),  # LOOKUP!R54
    # CORE!E7 =SUM(E3:G4 (B2:E5,G2:H5)) is 16 there: E3, E4, G3, G4 summed (here 5+5+7+7)
    ("SUM(E3:G4 (B2:E5,G2:H5))", 24.0),
])
def test_reference_operators(text: str, want: Any) -> None:
    assert calc(text, values=GRID) == want


def test_functions_inside_a_range_operator_take_the_cells_values() -> None:
    # anthill+koala/advanced.xlsx Sheet1!B17 =SUM(INDEX(Liste3,1,1):INDEX(Liste3,1,Indice-1))
    # is 30: Indice (a row) meets the formula's column, so INDEX gets a number, not an array
    vals = {(2, 1): 3.0, (2, 2): 9.0, (3, 1): 10.0, (3, 2): 20.0, (3, 3): 40.0}
    assert calc("SUM(INDEX(A3:G3,1,1):INDEX(A3:G3,1,A2:G2-1))", values=vals) == 30.0


def test_aggregates_read_every_area_of_a_union() -> None:
    vals = {(2, 1): 1.0, (2, 2): 2.0, (3, 3): 5.0}
    assert calc("SUM((A2:B2,C3))", values=vals) == 8.0
    assert calc("COUNT((A2:B2,C3))", values=vals) == 3.0
    assert calc("COUNTA((A2:B2,C3,D4))", values=vals) == 3.0
    assert calc("MAX((A2:B2,C3))", values=vals) == 5.0
