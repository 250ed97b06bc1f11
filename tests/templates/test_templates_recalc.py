"""Fill + batch recalculation gives the scores a hand calculation gives.

Hand calculation from ``examples/programme_budget.csv`` and the default rulebook
(``xlfuncs/data/ru719-press-2026-11.toml``: R&D 200 points per whole 0.5 % of revenue,
licence cost counted as R&D from 2023; M1 operation points body_welding 400,
body_painting 500, engine_ecu 100, cylinder_block 95, engine_assembly_test 25,
russian_body_metal 200, russian_paint 100, telematics 200; M1 procurement bar 3,200 to
2026, 3,500 in 2027, 3,700 from 2028; loans 1,600 (2024), 2,000 (2025), 2,500 from 2026).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlfuncs.templates import fill

from .conftest import EXAMPLES

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("xlfuncs.recalc.engine") is None
    or importlib.util.find_spec("xlfuncs.recalc.batch") is None,
    reason="batch recalculation (xlfuncs.recalc.engine/batch) is not available yet",
)


def _named(path: Path, name: str) -> list[object]:
    wb = load_workbook(path, data_only=True)
    dn = wb.defined_names[name]
    (title, ref), = dn.destinations
    cells = wb[title][ref]
    if not isinstance(cells, tuple):
        return [cells.value]
    return [c.value for row in cells for c in (row if isinstance(row, tuple) else (row,))]


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xlfuncs.recalc import recalc

    src = tmp_path_factory.mktemp("fill") / "budget.xlsx"
    fill("programme_budget", EXAMPLES / "programme_budget.csv", src)
    out = tmp_path_factory.mktemp("recalc")
    report = recalc([src], out_dir=out, jobs=1)
    assert [f.status for f in report.files] == ["ok"], report.files
    return out / src.name


def test_total_score_equals_hand_calculation(recalculated: Path) -> None:
    # 2024: R&D 1.5 bn / revenue 100 bn = 1.5 % -> 3 steps x 200 = 600 points;
    #       operations body_welding 400 + body_painting 500 + russian_paint 100 = 1,000;
    #       total 1,000 + 600 = 1,600.
    # 2025: + engine_ecu 100 -> 1,100 + 600 = 1,700.
    # 2026: licence (10 M x 12.5 / 5) + (100 x 20,000 x 12.5) = 25 M + 25 M = 50 M RUB;
    #       R&D 1.95 bn + 0.05 bn = 2.0 bn = 2 % -> 4 steps -> 800;
    #       operations + russian_body_metal 200 -> 1,300; total 2,100.
    # 2027: + cylinder_block 95 + engine_assembly_test 25 -> 1,420; R&D 2.0 bn + 50 M = 2.05 % -> 800; 2,220.
    # 2028: + telematics 200 -> 1,620; R&D 2.5 % -> 5 steps -> 1,000; total 2,620.
    # 2029, 2030: R&D 3 % -> 1,200; total 2,820.
    assert _named(recalculated, "Score_Without_RnD") == [1000, 1100, 1300, 1420, 1620, 1620, 1620]
    assert _named(recalculated, "RnD_Points") == [600, 600, 800, 800, 1000, 1200, 1200]
    assert _named(recalculated, "Score_Total") == [1600, 1700, 2100, 2220, 2620, 2820, 2820]
    assert _named(recalculated, "Licence_Cost")[2] == 50_000_000


def test_thresholds_gaps_and_spend_needed(recalculated: Path) -> None:
    # procurement bar 3,200 / 3,200 / 3,200 / 3,500 / 3,700... minus the totals above
    assert _named(recalculated, "Gap_Procurement") == [1600, 1500, 1100, 1280, 1080, 880, 880]
    assert _named(recalculated, "Eligible_Procurement") == [False] * 7
    # loans: 1,600 in 2024 (met exactly), 2,000 in 2025 (1,700 short by 300), 2,500 from 2026
    assert _named(recalculated, "Eligible_Loans") == [True, False, False, False, True, True, True]
    # 2024 target procurement: 3,200 - 1,000 = 2,200 R&D points -> 11 steps -> 5.5 % of 100 bn
    # = 5.5 bn, minus the 1.5 bn spent = 4.0 bn. 2026: 1,900 -> 10 steps = 5 bn - 2.0 bn = 3.0 bn.
    spend = _named(recalculated, "Spend_Needed")
    assert spend[0] == pytest.approx(4.0e9) and spend[2] == pytest.approx(3.0e9)
    assert _named(recalculated, "Conclusion")[0] == "2024: 1600 with R&D / с НИОКР; 1000 without / без НИОКР"
