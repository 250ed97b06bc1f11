"""Fill + batch recalculation gives the scores a hand calculation gives.

Hand calculation from ``examples/programme_budget.csv`` (M1, powertrain ice, revenue 100 bn a
year) and the default rulebook, the law (``xlfuncs/data/ru719-2026-07.toml``, compiled from
section II of Resolution 719). A year number means 1 January of that year.

* R&D (footnote <12>): before 21.03.2024 200 points per full 0.5 % of revenue (so for 2024);
  from 21.03.2024 400 per 1 %, a whole number rounded down, capped for M1 at 1,850 in 2025 and
  1,000 from 2026; licence costs are not counted. For 2024 procurement R&D points count x 1.3
  (note 5).
* Operations (M1, ice): body_welding 400, body_painting 500, body_stamping_30 100 (group
  body_stamping), body_metal_70 200 (group body_metal), cylinder_block 95,
  engine_assembly_test 25; engine_ecu_tier_200 200 from 01.08.2024, 100 from 2026, 75 from
  2028; telematics_tier_200 133 / 67 / 50 on the same dates; ice_bearing_shells_machining 5,
  pro rata, rounded to the nearest whole number.
* Thresholds M1 ice: procurement 3,200 to 2026, 3,500 in 2027, 3,700 from 2028; loans 1,600
  (2024), 2,000 (2025), 2,500 from 2026; competitiveness 1,200, 1,400 from 2025.

Under the press edition this file used before (200 points per 0.5 % without cap, licence
counted from 2023, engine_ecu a single 100-point line) the totals were 1,600 / 1,700 / 2,100 /
2,220 / 2,620 / 2,820 / 2,820: the law changed them from 2025 on.
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
    # 2024: R&D 1.5 bn / revenue 100 bn = 1.5 % -> 3 steps x 200 = 600 points (rule before 21.03.2024);
    #       operations body_welding 400 + body_painting 500 + body_stamping_30 100 = 1,000;
    #       total 1,000 + 600 = 1,600.
    # 2025: + engine_ecu_tier_200 200 -> 1,200; R&D 1.5 % x 400 = 600 (cap 1,850) -> 1,800.
    # 2026: + body_metal_70 200, engine_ecu_tier_200 now 100 -> 1,300;
    #       R&D 1.95 bn = 1.95 % x 400 = 780 (cap 1,000); the licence cost of 50 M (10 M x 12.5 / 5
    #       + 100 x 20,000 x 12.5) is not R&D under the law -> total 2,080.
    # 2027: + cylinder_block 95 + engine_assembly_test 25 -> 1,420; R&D 2.0 % -> 800; 2,220.
    # 2028: engine_ecu_tier_200 75, + telematics_tier_200 50, + ice_bearing_shells_machining
    #       5 x 0.5 = 2.5 -> 3 -> 400 + 500 + 100 + 200 + 75 + 95 + 25 + 50 + 3 = 1,448;
    #       R&D 2.5 % x 400 = 1,000 = the cap -> 2,448.
    # 2029, 2030: R&D 3 % x 400 = 1,200, capped at 1,000 -> 2,448.
    assert _named(recalculated, "Score_Without_RnD") == [1000, 1200, 1300, 1420, 1448, 1448, 1448]
    assert _named(recalculated, "RnD_Points") == [600, 600, 780, 800, 1000, 1000, 1000]
    assert _named(recalculated, "Score_Total") == [1600, 1800, 2080, 2220, 2448, 2448, 2448]
    assert _named(recalculated, "Licence_Cost")[2] == 50_000_000


def test_thresholds_gaps_and_spend_needed(recalculated: Path) -> None:
    # procurement bar 3,200 / 3,200 / 3,200 / 3,500 / 3,700 / 3,700 / 3,700 minus the totals above
    assert _named(recalculated, "Gap_Procurement") == [1600, 1400, 1120, 1280, 1252, 1252, 1252]
    assert _named(recalculated, "Eligible_Procurement") == [False] * 7
    # loans: 1,600 in 2024 (met exactly), 2,000 in 2025 (1,800 short), 2,500 from 2026 (never met)
    assert _named(recalculated, "Eligible_Loans") == [True] + [False] * 6
    # PP 191 programmes: 1,200 in 2024, 1,400 from 2025: met every year
    assert _named(recalculated, "Eligible_Competitiveness") == [True] * 7
    # 2024 target procurement: 3,200 - 1,000 = 2,200 R&D points; with the 2024 procurement
    # factor 1.3 a 0.5 % step earns 260 -> 9 steps = 4.5 % of 100 bn = 4.5 bn, minus the 1.5 bn
    # spent = 3.0 bn. 2025: 3,200 - 1,200 = 2,000 > the cap 1,850; 2026: 1,900 > 1,000: no
    # spend reaches them (#NUM!), and the note says why.
    spend = _named(recalculated, "Spend_Needed")
    assert spend[0] == pytest.approx(3.0e9)
    assert spend[1:] == ["#NUM!"] * 6
    notes = _named(recalculated, "Spend_Needed_Note")
    assert notes[0] in (None, "") and all("above the R&D cap" in n for n in notes[1:])
    assert _named(recalculated, "Conclusion")[0] == "1600 / 1000"  # with R&D / without


def test_the_checklist_is_resolved_once_per_plan_year(filled_budget: Path) -> None:
    # 16 LOCSCORE calls a year over the ~650 checklist rows: one operation index per plan
    # year (M1, ice, 2024-2030), built by the first call and kept on the rulebook
    from xlfuncs.recalc.engine import evaluate
    from xlfuncs.recalc.reader import read_workbook
    from xlfuncs.rulebook import DEFAULT_EDITION, load_rulebook

    book = load_rulebook(DEFAULT_EDITION)
    before = book.index_builds
    first = evaluate(read_workbook(filled_budget), rulebook=book)
    assert book.index_builds == before + 7
    again = evaluate(read_workbook(filled_budget), rulebook=book)
    assert book.index_builds == before + 7
    assert again.values == first.values
