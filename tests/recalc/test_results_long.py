"""``results(..., long=True)`` / ``xlfuncs results --long``: one row per file and plan year."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlfuncs.cli import main
from xlfuncs.recalc.results import results

EXAMPLE = Path(__file__).parents[2] / "examples" / "programme_budget.csv"


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xlfuncs.templates import fill

    out = tmp_path_factory.mktemp("long") / "filled.xlsx"
    fill("programme_budget", EXAMPLE, out)  # fill stores the computed results
    return out


def test_long_table_by_year(filled: Path) -> None:
    df = results([filled], ["Plan_Year", "Score_Total", "Threshold_Procurement"], long=True)
    assert list(df.columns) == ["file", "item", "Plan_Year", "Score_Total", "Threshold_Procurement"]
    assert df["item"].tolist() == list(range(1, 8))
    assert df["Plan_Year"].tolist() == list(range(2024, 2031))
    # procurement bar by year from the default rulebook: 3,200 until 2026, 3,500 in 2027, 3,700 from 2028
    assert df["Threshold_Procurement"].tolist() == [3200] * 3 + [3500] + [3700] * 3
    # Score_Total of 2024 by hand: welding 400 + painting 500 + Russian paint 100 (example flags)
    # + R&D 1.5 % of revenue = 3 steps x 200 = 600 -> 1,600
    assert df["Score_Total"].iloc[0] == 1600


def test_long_refuses_mixed_shapes(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="different sizes"):
        results([filled], ["Plan_Year", "Op_Codes"], long=True)
    assert main(["results", str(filled), "--names", "Plan_Year", "Op_Codes", "--long"]) == 2
    assert "different sizes" in capsys.readouterr().err


def test_cli_long_csv(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["results", str(filled), "--names", "Plan_Year", "Model_Name", "--long"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "file,item,Plan_Year,Model_Name"
    assert len(lines) == 8 and lines[1].endswith(",1,2024,Hatchback 1.6 MT")
