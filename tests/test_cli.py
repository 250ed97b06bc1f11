"""Tests of the xlfuncs command: rules, rules diff, the rulebook option, usage errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from xlfuncs.cli import main
from xlfuncs.rulebook import available_editions, diff_rulebooks, load_rulebook

PRESS = "ru719-press-2026-11"


@pytest.fixture(autouse=True)
def _no_outer_rulebook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)


def rules_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["rules", "--format", "json", *args]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def my_edition(path: Path, edition: str = "mine", welding: int = 400) -> Path:
    text = available_editions()[PRESS].read_text(encoding="utf-8")
    text = text.replace(f'edition = "{PRESS}"', f'edition = "{edition}"')
    assert "\npoints = 400\n" in text
    path.write_text(text.replace("\npoints = 400\n", f"\npoints = {welding}\n", 1), encoding="utf-8")
    return path


def test_rules_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--rulebook", PRESS, "--date", "2027-06-01", "--category", "M1"]) == 0
    out = capsys.readouterr().out
    assert PRESS in out
    assert "procurement" in out and "3,500" in out  # §4: 3,500 from Jan 2027
    assert "source:" in out and "kommersant" in out


def test_rules_default_edition_text_shows_powertrain_and_group(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["rules", "--date", "2027-06-01", "--category", "M1"]) == 0
    out = capsys.readouterr().out
    assert "(rulebook ru719-2026-07:" in out.splitlines()[0]
    bev = [line for line in out.splitlines() if line.strip().startswith("procurement [bev]")]
    assert bev and "1,500" in bev[0]
    assert "; group body_stamping" in out


def test_rules_json_and_year(capsys: pytest.CaptureFixture[str]) -> None:
    data = rules_json(capsys, "--rulebook", PRESS, "--date", "2025", "--table", "thresholds")
    assert data["date"] == "2025-01-01" and data["edition"] == PRESS
    utilfee = [r for r in data["rules"] if r["key"] == "utilfee"]  # type: ignore[attr-defined]
    assert utilfee and utilfee[0]["value"] == 3701  # before the August 2025 change


def test_rules_date_accepts_day_month_year(capsys: pytest.CaptureFixture[str]) -> None:
    iso = rules_json(capsys, "--date", "2027-06-01", "--category", "M1")
    dmy = rules_json(capsys, "--date", "01.06.2027", "--category", "M1")
    assert dmy == iso and dmy["date"] == "2027-06-01"
    assert rules_json(capsys, "--date", "1.6.2027", "--table", "rnd")["date"] == "2027-06-01"
    assert main(["rules", "--date", "31.02.2027"]) == 2
    assert "DD.MM.YYYY" in capsys.readouterr().err


def test_rules_json_rows_carry_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    data = rules_json(capsys, "--date", "2027-06-01", "--category", "M1")
    rows = data["rules"]
    assert isinstance(rows, list) and rows
    keys = set(rows[0])
    assert all(set(r) == keys for r in rows)  # one schema for every row
    assert {"legal_heading", "legal_text", "group", "block", "powertrain", "prorata"} <= keys
    stamping = next(r for r in rows if r["key"] == "body_stamping_30")
    assert stamping["group"] == "body_stamping" and stamping["block"] == "body"
    assert stamping["legal_heading"].startswith("детали кузова")
    assert "штамповка" in stamping["legal_text"]
    assert any(r["prorata"] is True for r in rows)
    assert {r["powertrain"] for r in rows if r["table"] == "operations"} >= {"*", "ice", "bev"}


def test_rules_csv_of_all_tables(capsys: pytest.CaptureFixture[str]) -> None:
    # the R&D row comes first and has no operation fields: the header is every field
    assert main(["rules", "--date", "2027-06-01", "--category", "M1", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["table"] == "rnd" and rows[0]["legal_text"] == ""
    assert {"legal_heading", "group", "block", "powertrain", "prorata"} <= set(rows[0])
    assert any(r["table"] == "operations" and r["legal_text"] for r in rows)


def test_rules_powertrain(capsys: pytest.CaptureFixture[str]) -> None:
    def procurement(pt: str) -> list[object]:
        data = rules_json(capsys, "--date", "2027-06-01", "--category", "M1",
                          "--table", "thresholds", "--powertrain", pt)
        return [r["value"] for r in data["rules"] if r["key"] == "procurement"]  # type: ignore[attr-defined]

    assert procurement("bev") == [1500] and procurement("electric") == [1500]
    assert procurement("ice") == [3500]
    ops = rules_json(capsys, "--date", "2027", "--category", "M1", "--table", "operations",
                     "--powertrain", "bev")["rules"]
    assert {r["powertrain"] for r in ops} <= {"*", "bev"}  # type: ignore[attr-defined]
    assert main(["rules", "--powertrain", "steam"]) == 2
    assert "unknown powertrain 'steam'" in capsys.readouterr().err


@pytest.mark.parametrize("edition", sorted(available_editions()))
def test_rules_by_edition_id(capsys: pytest.CaptureFixture[str], edition: str) -> None:
    assert rules_json(capsys, "--rulebook", edition, "--date", "2027")["edition"] == edition


def test_rules_outer_default_is_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XLFUNCS_RULEBOOK", "ru719-licence-draft")
    assert rules_json(capsys, "--date", "2027")["edition"] == "ru719-licence-draft"
    assert rules_json(capsys, "--date", "2027", "--rulebook", PRESS)["edition"] == PRESS
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 2\n[[[", encoding="utf-8")
    monkeypatch.setenv("XLFUNCS_RULEBOOK", str(bad))
    assert main(["rules", "--date", "2027"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rulebook: {bad}: not valid TOML") and "XLFUNCS_RULEBOOK" in err
    assert err.count("\n") == 1
    assert rules_json(capsys, "--date", "2027", "--rulebook", PRESS)["edition"] == PRESS


def test_rules_user_edition_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 1\nedition = 'x'\ncategories = ['M1']\n[[rnd]]\ncategory = 'M1'\n", encoding="utf-8")
    assert main(["rules", "--rulebook", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rulebook: {bad}: [[rnd]] row 1") and err.count("\n") == 1
    assert main(["rules", "--rulebook", "ru719-nope"]) == 2
    assert capsys.readouterr().err.startswith("rulebook: ru719-nope: not a rulebook file or edition id")
    assert main(["rules", "--rulebook", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"rulebook: {tmp_path}: is a folder, not a rulebook file\n"


def test_rules_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mine.toml"
    assert main(["rules", "--export", str(target)]) == 0
    assert target.read_bytes() == available_editions()["ru719-2026-07"].read_bytes()
    assert main(["rules", "--rulebook", str(target), "--date", "2026"]) == 0
    target.write_text("# my edits\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["rules", "--export", str(target)]) == 2  # never overwritten without --force
    assert "exists; not overwritten (use --force)" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "# my edits\n"
    assert main(["rules", "--export", str(target), "--force", "--rulebook", PRESS]) == 0
    assert target.read_bytes() == available_editions()[PRESS].read_bytes()
    assert main(["rules", "--export", str(tmp_path)]) == 2  # a folder


def test_rules_diff(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "diff", PRESS, "ru719-2026-07"]) == 0
    lines = capsys.readouterr().out.splitlines()
    changes = diff_rulebooks(load_rulebook(PRESS), load_rulebook("ru719-2026-07"))
    counts = {k: sum(c.kind == k for c in changes) for k in ("added", "removed", "changed")}
    assert all(counts.values())
    assert lines[0].startswith(f"Changes from {PRESS} (")
    assert lines[-1] == (f"{counts['added']} added, {counts['removed']} removed, "
                         f"{counts['changed']} changed ({PRESS} -> ru719-2026-07)")
    body = lines[1:-1]
    assert len(body) == len(changes)
    assert sum(line.startswith("+ ") for line in body) == counts["added"]
    assert sum(line.startswith("- ") for line in body) == counts["removed"]
    assert sum(line.startswith("~ ") for line in body) == counts["changed"]


def test_rules_diff_of_user_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    same = my_edition(tmp_path / "same.toml")
    more = my_edition(tmp_path / "more.toml", "more", welding=450)
    assert main(["rules", "diff", PRESS, str(same)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"0 added, 0 removed, 0 changed ({PRESS} -> mine)"
    assert main(["rules", "diff", str(same), str(more)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "0 added, 0 removed, 1 changed (mine -> more)"
    assert out[1].startswith("~ operation body_welding M1/*") and "points: 400 -> 450" in out[1]
    assert main(["rules", "diff", str(same), str(more), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"added": 0, "removed": 0, "changed": 1}
    assert data["changes"][0]["fields"] == [{"field": "points", "from": 400, "to": 450}]
    assert main(["rules", "diff", str(same), str(more), "--table", "threshold"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("0 added, 0 removed, 0 changed")
    assert main(["rules", "diff", str(same), str(tmp_path / "none.toml")]) == 2
    assert capsys.readouterr().err.startswith(f"rulebook: {tmp_path / 'none.toml'}: cannot read")


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--rulebook ID_OR_FILE", "--powertrain", "--force", "DD.MM.YYYY", "diff",
                   "ru719-2026-07", "ru719-press-2026-11", "ru719-licence-draft", "XLFUNCS_RULEBOOK"):
        assert option in out, option
    assert main(["rules", "diff", "--help"]) == 0
    assert "--table" in capsys.readouterr().out


def test_usage_errors() -> None:
    assert main([]) == 2
    assert main(["rules", "--date", "yesterday"]) == 2
    assert main(["no-such-command"]) == 2
    assert main(["rules", "diff", PRESS]) == 2


def test_console_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "xlfuncs", "rules", "--date", "2027-06-01"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0 and "procurement" in out.stdout
