"""xlfuncs' own functions in a workbook of the 1904 date system: a date serial argument
counts days from 1904-01-01, a year number stays a year; from .xlsx packages built part by
part in the form Excel writes them (:mod:`xlsx_parts`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_parts import f, package, row, sheet_xml, v, values_of

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.batch import check

E = ExcelError


def book_1904(formulas: list[str], date1904: bool = True) -> bytes:
    """Formulas in A1, B1, ... of a workbook in the 1904 date system (or the 1900 one);
    A2 holds 2027-09-28 as a serial: 45196 days since 1904-01-01 (1900 system: 46658)."""
    from xlfuncs._a1 import column_letters

    pr = '<workbookPr date1904="1" defaultThemeVersion="202300"/>' if date1904 else ""
    cells = row(1, *(f(f"{column_letters(i)}1", t) for i, t in enumerate(formulas, 1)))
    cells += row(2, v("A2", "45196" if date1904 else "46658"))
    return package([("S", sheet_xml(cells))], workbook_pr=pr or '<workbookPr/>')


def _row1(data: bytes) -> list[Any]:
    got = values_of(data)
    return [got[k] for k in sorted((k for k in got if k.endswith("1")), key=lambda k: (len(k), k))]


@pytest.mark.parametrize("date1904", [True, False])
@pytest.mark.parametrize(
    ("formulas", "want"),
    [
        # thresholds: 3500 for procurement M1 in 2027, 3700 in 2028 (the year-number form,
        # a year in both date systems); read in the wrong system DATE(2027,1,1) is
        # 2022-12-31 (3200)
        (
            ['LOCTHRESHOLD("procurement",DATE(2027,1,1),"M1")',
             'LOCTHRESHOLD("procurement",2027,"M1")',
             'LOCGAP(3000,"procurement",DATE(2028,6,1))',
             'LOCELIGIBLE(3600,"procurement",DATE(2028,6,1))',
             'LOCTHRESHOLD("procurement",A2)'],
            [3500.0, 3500.0, 700.0, False, 3500.0],
        ),
        # R&D points: 3 % of revenue = 1200, capped at 1000 from 2026 (footnote <12>); 1200
        # points need 3 % of revenue, above the cap from 2026: #NUM!
        (
            ["LOCPOINTS(30,1000,0,DATE(2027,1,1))",
             "LOCSPENDNEEDED(1200,1000,0,DATE(2028,6,1))",
             "LOCSPENDNEEDED(1200,1000,0,2028)"],
            [1000.0, E.NUM, E.NUM],
        ),
        # operations: an engine ECU of tier 200 scores 75 from 2028 (LOCOPPOINTS(.., 2028))
        (
            ['LOCOPPOINTS("engine_ecu_tier_200","M1",DATE(2028,6,1))',
             'LOCSCORE({"engine_ecu_tier_200";"body_welding"},{1;0},0,"M1",DATE(2028,6,1))',
             'LOCOPPOINTS("engine_ecu_tier_200","M1",2028)'],
            [75.0, 75.0, 75.0],
        ),
        # the rules table in force on 1 January 2027 is the one of the year number 2027
        (
            [('ROWS(LOCRULES("thresholds",DATE(2027,1,1),"M1"))'
              '=ROWS(LOCRULES("thresholds",2027,"M1"))'),
             ('ROWS(LOCRULES("operations",DATE(2028,6,1),"M1"))'
              '=ROWS(LOCRULES("operations",2028,"M1"))')],
            [True, True],
        ),
    ],
    ids=["thresholds", "rnd", "operations", "rules"],
)
def test_date_arguments_follow_the_workbook_date_system(
    formulas: list[str], want: list[Any], date1904: bool
) -> None:
    assert _row1(book_1904(formulas, date1904)) == want


def test_serial_beyond_9999_in_1904_is_num_error() -> None:
    # 2957003 is 9999-12-31 in the 1904 system; one day more is no date (Excel: #NUM!)
    got = _row1(book_1904(['LOCTHRESHOLD("procurement",2957003)',
                           'LOCTHRESHOLD("procurement",2957004)']))
    assert got[1] is E.NUM and got[0] is not E.NUM




def test_check_of_a_1904_workbook_with_excels_results(tmp_path: Path) -> None:
    # the results Excel stores for a 1904 workbook (3500: the 2027 procurement bar for M1;
    # 700 = 3700 - 3000 in 2028) are what recalculation gives: check finds no difference
    cells = row(
        1,
        f("A1", 'LOCTHRESHOLD("procurement",A2,"M1")', "3500"),
        f("B1", 'LOCGAP(3000,"procurement",DATE(2028,6,1))', "700"),
    ) + row(2, v("A2", "45196"))
    src = tmp_path / "mac.xlsx"
    src.write_bytes(package([("S", sheet_xml(cells))],
                            workbook_pr='<workbookPr date1904="1"/>'))
    rep = check([src], jobs=1, progress=False)
    assert rep.exit_code == 0 and rep.files[0].differences == []
