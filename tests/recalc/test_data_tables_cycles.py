"""What-if data tables kept as Excel stored them, iterative calculation as ``calcPr`` asks,
and cycles of the static dependency graph that the values break; from .xlsx packages built
part by part in the form Excel writes them (:mod:`xlsx_parts`).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_parts import f, package, row, sheet_xml, v, values_of

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.batch import check, recalc
from xlfuncs.recalc.reader import read_workbook

E = ExcelError


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def data_table_book(stale: str = "0") -> bytes:
    """A one-variable data table as Excel writes it: input cell A1 (2), formula row B2 =A1*10,
    inputs A3:A5 = 1, 2, 3 and results B3:B5 = 10, 20, 30, the ``<f t="dataTable">`` in B3;
    a two-variable table E2:F3 (row input A1, column input A6) with its results; formulas
    reading the results: D1 = SUM(B3:B5), D2 = B4*2, D3 = SUM(E2:F3)."""
    cells = (
        row(1, v("A1", "2"), f("D1", "SUM(B3:B5)", stale))
        + row(
            2,
            f("B2", "A1*10", "20"),
            f("D2", "B4*2", stale),
            '<c r="E2"><f t="dataTable" ref="E2:F3" dt2D="1" dtr="1" r1="A1" r2="A6"/>'
            "<v>11</v></c>",
            v("F2", "12"),
        )
        + row(
            3,
            v("A3", "1"),
            '<c r="B3"><f t="dataTable" ref="B3:B5" dt2D="0" dtr="0" r1="A1"/><v>10</v></c>',
            f("D3", "SUM(E2:F3)", stale),
            v("E3", "13"),
            v("F3", "14"),
        )
        + row(4, v("A4", "2"), v("B4", "20"))
        + row(5, v("A5", "3"), v("B5", "30"))
        + row(6, v("A6", "5"))
    )
    return package([("Table", sheet_xml(cells))])


def test_data_table_results_are_kept_and_read_by_formulas() -> None:
    got = values_of(data_table_book())
    # 10 + 20 + 30 (the stored results), 20 * 2, 11 + 12 + 13 + 14; B2 = 2 * 10
    assert got == {"B2": 20.0, "D1": 60.0, "D2": 40.0, "D3": 50.0}


def test_data_tables_survive_recalc_and_check(tmp_path: Path) -> None:
    src = tmp_path / "in" / "table.xlsx"
    src.parent.mkdir()
    src.write_bytes(data_table_book(stale="0"))
    rep = recalc([src], out_dir=tmp_path / "out", jobs=1, progress=False)
    assert rep.exit_code == 0, rep.files[0].reason
    out = tmp_path / "out" / "table.xlsx"
    sheet = _parts(out)["xl/worksheets/sheet1.xml"]
    for elem in (
        b'<c r="B3"><f t="dataTable" ref="B3:B5" dt2D="0" dtr="0" r1="A1"/><v>10</v></c>',
        b'<c r="B4"><v>20</v></c>',
        b'<c r="B5"><v>30</v></c>',
        b'<f t="dataTable" ref="E2:F3" dt2D="1" dtr="1" r1="A1" r2="A6"/><v>11</v>',
    ):
        assert elem in sheet, elem
    book = read_workbook(out)
    assert book.sheets[0].cached[(1, 4)] == 60 and book.sheets[0].values[(3, 2)] == 10
    assert check([out], jobs=1, progress=False).files[0].differences == []


# ---------------------------------------------------------------- calcPr and cycles

def test_iterative_calculation_follows_calc_pr(tmp_path: Path) -> None:
    # A1 = A1/2 + 1 from its stored 0: 1, 1.5, 1.75 after iterateCount="3" (hand
    # calculation; Excel stops after iterateCount passes); with 100 passes and delta 0.001
    # it stops once a pass changes A1 by less than 0.001: 2 - 2^-10 (change 2^-10)
    def book(count: int, delta: str) -> bytes:
        pr = f'<calcPr calcId="191029" iterate="1" iterateCount="{count}" iterateDelta="{delta}"/>'
        return package([("S", sheet_xml(row(1, f("A1", "A1/2+1"), f("B1", "A1*10"))))],
                       calc_pr=pr)

    assert values_of(book(3, "0.001")) == {"A1": 1.75, "B1": 17.5}
    assert values_of(book(100, "0.001"))["A1"] == 2 - 2**-10
    src = tmp_path / "it.xlsx"
    src.write_bytes(book(3, "0.001"))
    rep = recalc([src], out_dir=tmp_path / "out", jobs=1, progress=False)
    assert rep.exit_code == 0 and rep.files[0].circular == []  # allowed: no warning
    assert read_workbook(tmp_path / "out" / "it.xlsx").sheets[0].cached[(1, 1)] == 1.75


def test_cycle_of_the_static_graph_only_is_evaluated(tmp_path: Path) -> None:
    # A1 = IF(B1>0, 1, C1) and C1 = A1 form a cycle of references, but with B1 = 1 A1 never
    # reads C1: Excel computes A1 = 1, C1 = 1 and reports no circular reference
    def book(b1: str) -> bytes:
        cells = row(1, f("A1", "IF(B1&gt;0,1,C1)"), v("B1", b1), f("C1", "A1"))
        return package([("S", sheet_xml(cells))])

    assert values_of(book("1")) == {"A1": 1.0, "C1": 1.0}
    src = tmp_path / "in" / "cyc.xlsx"
    src.parent.mkdir()
    src.write_bytes(book("1"))
    rep = recalc([src], out_dir=tmp_path / "out", jobs=1, progress=False)
    assert rep.exit_code == 0 and rep.files[0].circular == []
    # with B1 = 0 the cycle is real: refused without iteration, as Excel warns
    src.write_bytes(book("0"))
    rep = recalc([src], out_dir=tmp_path / "out2", jobs=1, progress=False)
    assert rep.files[0].status == "failed" and "circular reference" in rep.files[0].reason
