"""``xlfuncs template`` and ``xlfuncs fill`` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from xlfuncs.cli import main
from xlfuncs.templates.builder import operations
from xlfuncs.templates.names import names_for

from .conftest import EXAMPLES


def test_template_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["programme_budget", "model_portfolio", "licence_scenarios"]
    assert all(len(line.split(None, 1)[1]) > 20 for line in lines)  # one-line description each


def test_template_write_has_all_documented_names(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    assert main(["template", "programme_budget", "-o", str(out)]) == 0
    names = set(load_workbook(out).defined_names)
    assert names == {d.name for d in names_for("programme_budget", [o.code for o in operations()])}
    assert {"Revenue", "RnD_Spend", "Score_Total", "Gap_Procurement"} <= names


def test_template_refuses_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"mine")
    assert main(["template", "programme_budget", "-o", str(out)]) == 1
    assert capsys.readouterr().err.startswith(f"{out}: output exists")
    assert out.read_bytes() == b"mine"
    assert main(["template", "programme_budget", "-o", str(out), "--force"]) == 0


def test_template_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "programme_budget"]) == 2
    assert main(["template", "nope", "-o", str(tmp_path / "n.xlsx")]) == 1
    assert "unknown template 'nope'" in capsys.readouterr().err


def test_regenerate(tmp_path: Path) -> None:
    assert main(["template", "--regenerate", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "licence_scenarios.xlsx", "model_portfolio.xlsx", "programme_budget.xlsx"]


def test_fill_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "filled.xlsx"
    assert main(["fill", "programme_budget", str(EXAMPLES / "programme_budget.csv"), "-o", str(out)]) == 0
    assert "cells written" in capsys.readouterr().out
    assert load_workbook(out)["Programme"]["D4"].value == "Hatchback 1.6 MT"
    # again without --force: refused, exit 1, file: message
    assert main(["fill", "programme_budget", str(EXAMPLES / "programme_budget.csv"), "-o", str(out)]) == 1
    assert "output exists" in capsys.readouterr().err


def test_fill_cli_bad_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("Revenue,Score_Total\nabc,1\n")
    assert main(["fill", "programme_budget", str(data), "-o", str(tmp_path / "o.xlsx")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{data}: cannot fill programme_budget")
    assert "Revenue, data row 1: 'abc' is not a number" in err
    assert "Score_Total is a formula cell" in err
    assert not (tmp_path / "o.xlsx").exists()


def test_fill_cli_scenarios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scen"
    assert main(["fill", "licence_scenarios", str(EXAMPLES / "licence_scenarios.csv"), "-o", str(out)]) == 0
    assert len(list(out.glob("*.xlsx"))) == 2
