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


# --- the rulebook -----------------------------------------------------------------------------


def _edition_of(path: Path) -> object:
    from xlfuncs.recalc.results import results

    return results([path], ["Rulebook_Edition"])["Rulebook_Edition"][0]


@pytest.fixture()
def small_data(tmp_path: Path) -> Path:
    data = tmp_path / "data.csv"
    data.write_text("Plan_Year,Revenue,RnD_Spend\n2025,1000,15\n2026,1000,20\n", encoding="utf-8")
    return data


def test_fill_and_template_help_name_the_rulebook_option(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("fill", "template"):
        assert main([command, "--help"]) == 0
        out = capsys.readouterr().out
        assert "--rulebook ID_OR_FILE" in out and "XLFUNCS_RULEBOOK" in out, command


def test_fill_computes_with_the_given_rulebook(
    tmp_path: Path, small_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    out = tmp_path / "press.xlsx"
    assert main(["fill", "programme_budget", str(small_data), "-o", str(out),
                 "--rulebook", "ru719-press-2026-11"]) == 0
    assert _edition_of(out) == "ru719-press-2026-11"
    monkeypatch.setenv("XLFUNCS_RULEBOOK", "ru719-licence-draft")  # the outer default
    assert main(["fill", "programme_budget", str(small_data), "-o", str(tmp_path / "env.xlsx")]) == 0
    assert _edition_of(tmp_path / "env.xlsx") == "ru719-licence-draft"


@pytest.mark.parametrize("no_recalc", [False, True])
def test_fill_with_a_bad_rulebook_exits_2_and_writes_nothing(
    tmp_path: Path, small_data: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, no_recalc: bool,
) -> None:
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 2\nedition = 'x'\n[[[", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    flag = ["--no-recalc"] if no_recalc else []
    assert main(["fill", "programme_budget", str(small_data), "-o", str(out), "--rulebook", str(bad), *flag]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rulebook: {bad}: not valid TOML") and err.count("\n") == 1
    monkeypatch.setenv("XLFUNCS_RULEBOOK", str(tmp_path / "none.toml"))
    assert main(["fill", "programme_budget", str(small_data), "-o", str(out), *flag]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rulebook: {tmp_path / 'none.toml'}: cannot read") and "XLFUNCS_RULEBOOK" in err
    assert not out.exists()


def test_template_with_a_rulebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    out = tmp_path / "t.xlsx"
    assert main(["template", "programme_budget", "-o", str(out), "--rulebook", "ru719-licence-draft"]) == 0
    assert _edition_of(out) == "ru719-licence-draft"
    monkeypatch.setenv("XLFUNCS_RULEBOOK", str(tmp_path))  # a folder
    assert main(["template", "programme_budget", "-o", str(tmp_path / "u.xlsx")]) == 2
    assert capsys.readouterr().err == (
        f"rulebook: {tmp_path}: is a folder, not a rulebook file (set by XLFUNCS_RULEBOOK)\n"
    )
    assert not (tmp_path / "u.xlsx").exists()
    assert main(["template", "list"]) == 0  # builds nothing: needs no rulebook


def _many_scenarios(tmp_path: Path, copies: int) -> Path:
    """examples/licence_scenarios.csv repeated ``copies`` times under new scenario names."""
    import csv

    with (EXAMPLES / "licence_scenarios.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = tmp_path / "many.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for k in range(copies):
            for row in rows:
                writer.writerow({**row, "scenario": f"{row['scenario']}_{k:02d}"})
    return out


def test_fill_many_scenarios_summary_and_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 12: a one-line summary at the end, a short list (all with --verbose), and
    ``--jobs 2`` writes the same bytes as ``--jobs 1``."""
    data = _many_scenarios(tmp_path, 12)  # 24 scenarios
    assert main(["fill", "licence_scenarios", str(data), "-o", str(tmp_path / "one"), "--jobs", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 20 + 2  # 20 files listed, "... and 4 more files", the summary
    assert out[-2] == "... and 4 more files (--verbose lists them)"
    assert out[-1].startswith("fill: 24 files written, 1,416 cells, ") and out[-1].endswith(" s")
    assert main(["fill", "licence_scenarios", str(data), "-o", str(tmp_path / "two"), "--jobs", "2",
                 "--verbose"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 24 + 1
    one = sorted((tmp_path / "one").iterdir())
    two = sorted((tmp_path / "two").iterdir())
    assert [p.name for p in one] == [p.name for p in two] and len(one) == 24
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two))


def test_fill_jobs_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fill", "licence_scenarios", "d.csv", "-o", str(tmp_path), "--jobs", "-1"]) == 2
    assert "--jobs/-j: must be 0 (all cores) or more" in capsys.readouterr().err


def test_fill_shows_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal (stderr a pty) ``fill`` of many scenarios draws ``fill [####  ] n/N files``;
    piped, it does not."""
    import os
    import pty
    import subprocess
    import sys

    data = _many_scenarios(tmp_path, 2)
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "xlfuncs", "fill", "licence_scenarios", str(data),
                             "-o", str(tmp_path / "tty")], stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the pty
            break
        if not chunk:
            break
        chunks.append(chunk)
    stdout, _ = proc.communicate(timeout=120)
    os.close(master)
    assert proc.returncode == 0
    err = b"".join(chunks).decode()
    assert "fill [" in err and "4/4 files" in err
    assert b"fill: 4 files written" in stdout
    piped = subprocess.run([sys.executable, "-m", "xlfuncs", "fill", "licence_scenarios", str(data),
                            "-o", str(tmp_path / "pipe")], capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and "fill [" not in piped.stderr
