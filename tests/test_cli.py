"""Tests of the xlfuncs command: rules, usage errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from xlfuncs.cli import main


def test_rules_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--date", "2027-06-01", "--category", "M1"]) == 0
    out = capsys.readouterr().out
    assert "ru719-press-2026-11" in out
    assert "procurement" in out and "3,500" in out  # §4: 3,500 from Jan 2027
    assert "source:" in out and "kommersant" in out


def test_rules_json_and_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--date", "2025", "--table", "thresholds", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["date"] == "2025-01-01"
    utilfee = [r for r in data["rules"] if r["key"] == "utilfee"]
    assert utilfee and utilfee[0]["value"] == 3701  # before the August 2025 change


def test_rules_user_edition_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 1\nedition = 'x'\ncategories = ['M1']\n[[rnd]]\ncategory = 'M1'\n", encoding="utf-8")
    assert main(["rules", "--rulebook", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "[[rnd]] row 1" in err


def test_rules_export(tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    assert main(["rules", "--export", str(target)]) == 0
    assert main(["rules", "--rulebook", str(target), "--date", "2026"]) == 0
    assert main(["rules", "--export", str(target)]) == 1  # never overwritten


def test_usage_errors() -> None:
    assert main([]) == 2
    assert main(["rules", "--date", "yesterday"]) == 2
    assert main(["no-such-command"]) == 2


def test_console_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "xlfuncs", "rules", "--date", "2027-06-01"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0 and "procurement" in out.stdout
