"""The ``xlfuncs recalc/check/results`` commands, run as a user would, including a kill mid-batch."""

from __future__ import annotations

import json

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_batch import BAD_KINDS, _bad_rulebooks, make_book

from xlfuncs.cli import main
from xlfuncs.recalc.writer import TEMP_PREFIX

HERE = Path(__file__).parent


def env(**extra: str) -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(HERE), e.get("PYTHONPATH", "")])
    e["XLFUNCS_RECALC_EVALUATOR"] = "recalc_standin:evaluate"
    e.update(extra)
    return e


def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xlfuncs", *args],
        capture_output=True,
        text=True,
        env=env(**extra),
        timeout=120,
        check=False,
    )


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    make_book(d / "a.xlsx")
    make_book(d / "b.xlsx", {"B1": "=NOPE(1)"})
    (d / "c.xlsx").write_bytes(b"PK\x03\x04 broken")
    return d


def test_recalc_cli_report_and_exit_codes(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run(
        "recalc", str(inputs), "-o", str(out), "--report", str(tmp_path / "r.csv"), "--jobs", "2"
    )
    assert r.returncode == 1  # c.xlsx failed
    assert f"{inputs / 'c.xlsx'}: truncated or corrupt zip package" in r.stderr
    assert f"{inputs / 'b.xlsx'}: warning: unsupported function NOPE" in r.stderr
    assert r.stdout.startswith("recalc: 3 files (2 ok, 1 failed), 4 formula cells, 1 error cells,")
    assert (tmp_path / "r.csv").read_text().splitlines()[0].startswith("path,status,reason,output")
    assert openpyxl.load_workbook(out / "a.xlsx", data_only=True)["Calc"]["B2"].value == "hello"


def test_usage_errors_exit_2(
    inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recalc", str(inputs)]) == 2
    assert "give an output folder (-o DIR) or --in-place" in capsys.readouterr().err
    assert (
        main(["recalc", str(inputs), "-o", str(tmp_path), "--in-place"]) == 2
    )  # argparse: mutually exclusive
    assert main(["recalc", str(tmp_path / "none*.xlsx"), "-o", str(tmp_path / "o")]) == 2
    assert main(["results", str(inputs), "-o", str(tmp_path / "t.json")]) == 2


def test_check_and_results_cli(inputs: Path, tmp_path: Path) -> None:
    (inputs / "c.xlsx").unlink()
    out = tmp_path / "out"
    assert run("recalc", str(inputs), "-o", str(out)).returncode == 0
    r = run("check", str(out))
    assert r.returncode == 0 and r.stdout == ""
    r = run("check", str(inputs / "a.xlsx"))
    assert r.returncode == 1
    assert (f"{inputs / 'a.xlsx'}: 3 cells differ (first: Calc!B1 stored (empty) computed 1002.5)"
            in r.stdout.splitlines())
    r = run("check", str(inputs / "a.xlsx"), "--verbose")
    assert f"{inputs / 'a.xlsx'}: Calc!B1 stored (empty) computed 1002.5" in r.stdout.splitlines()
    r = run("results", str(out))
    assert (
        r.returncode == 0 and r.stdout.splitlines()[0] == "file"
    )  # these books have no defined names


def test_kill_during_batch_leaves_only_complete_workbooks(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    make_book(d / "seed.xlsx")
    for i in range(30):
        (d / f"f{i:02d}.xlsx").write_bytes((d / "seed.xlsx").read_bytes())
    (d / "seed.xlsx").unlink()
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "xlfuncs", "recalc", str(d), "-o", str(out), "--jobs", "2"],
        env=env(STANDIN_SLEEP="0.05"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("f*.xlsx"))) < 3:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers, mid-way
    proc.wait(timeout=30)
    done = sorted(out.glob("f*.xlsx"))
    assert 3 <= len(done) < 30
    for p in done:
        with zipfile.ZipFile(p) as z:
            assert z.testzip() is None
        assert openpyxl.load_workbook(p, data_only=True)["Calc"]["B2"].value == "hello"
    leftovers = [p.name for p in out.iterdir() if not p.name.startswith("f")]
    assert all(name.startswith(TEMP_PREFIX) for name in leftovers)
    # the next run cleans temporary files of dead runs and finishes the job
    r = run("recalc", str(d), "-o", str(out), "--force")
    assert r.returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [f"f{i:02d}.xlsx" for i in range(30)]


# --- with the real engine -------------------------------------------------------------------

ARGS = "Inputs!A1,Inputs!A2,Inputs!A3,Inputs!A4"


def issue_book(path: Path) -> Path:
    """The workbook issue 5 asks for: every stored spelling, nesting, cross-sheet refs, names."""
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Inputs"
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = 15, 1000, 0, 2025
    calc = wb.create_sheet("Calc")
    calc["B1"] = f"=LOCPOINTS({ARGS})"
    calc["B2"] = f"=_xll.LOCPOINTS({ARGS})"
    calc["B3"] = f"=_xludf.LOCPOINTS({ARGS})"
    calc["B4"] = f"=_xldudf_XLFUNCS_LOCPOINTS({ARGS})"
    calc["B5"] = '=IF(B1>=LOCTHRESHOLD("procurement",2027),"eligible","not yet")'
    calc["B6"] = "=IFERROR(LOCPOINTS(1,0,0,2025),-1)"
    calc["B7"] = "=SUM(B1:B4)"
    calc["B8"] = "=Points*2"
    calc["B9"] = '=LOCGAP(LocalPoints,"procurement",2025)'
    wb.defined_names["Points"] = DefinedName("Points", attr_text="Calc!$B$1")
    calc.defined_names["LocalPoints"] = DefinedName("LocalPoints", attr_text="Calc!$B$2")
    wb.save(path)
    return path


def test_real_engine_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("xlfuncs.recalc.engine")
    import hashlib

    import pandas as pd

    from xlfuncs.registry import resolve

    # Expected values: the registry functions called directly, i.e. what the add-in shows in
    # Excel (their own tests pin the numbers against the rules).
    points = resolve("LOCPOINTS").invoke(15, 1000, 0, 2025)
    threshold = resolve("LOCTHRESHOLD").invoke("procurement", 2027)
    gap = resolve("LOCGAP").invoke(points, "procurement", 2025)
    d = tmp_path / "in"
    d.mkdir()
    src = issue_book(d / "issue.xlsx")
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    out = tmp_path / "out"
    plain_env = {k: v for k, v in env().items() if k != "XLFUNCS_RECALC_EVALUATOR"}
    r = subprocess.run(
        [sys.executable, "-m", "xlfuncs", "recalc", str(d), "-o", str(out)],
        capture_output=True,
        text=True,
        env=plain_env,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert hashlib.sha256(src.read_bytes()).hexdigest() == digest  # original unchanged
    ws = openpyxl.load_workbook(out / "issue.xlsx", data_only=True)["Calc"]
    got = [ws[f"B{i}"].value for i in range(1, 10)]
    assert got == [points] * 4 + [
        "eligible" if points >= threshold else "not yet",
        -1,
        4 * points,
        2 * points,
        gap,
    ]
    df = pd.read_excel(out / "issue.xlsx", sheet_name="Calc", header=None)
    assert df.iloc[6, 1] == 4 * points
    assert (
        openpyxl.load_workbook(out / "issue.xlsx")["Calc"]["B2"].value == f"=_xll.LOCPOINTS({ARGS})"
    )
    r = subprocess.run(
        [sys.executable, "-m", "xlfuncs", "check", str(out)],
        capture_output=True,
        text=True,
        env=plain_env,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0 and r.stdout == "", r.stdout
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "xlfuncs",
            "recalc",
            str(out / "issue.xlsx"),
            "-o",
            str(tmp_path / "2"),
        ],
        capture_output=True,
        text=True,
        env=plain_env,
        timeout=120,
        check=False,
    )
    assert (tmp_path / "2" / "issue.xlsx").read_bytes() == (
        out / "issue.xlsx"
    ).read_bytes()  # twice: same bytes
    from test_writer import strip_values

    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out / "issue.xlsx") as b:
        for x, y in zip(a.infolist(), b.infolist(), strict=True):
            assert (x.filename, x.date_time, x.compress_type) == (
                y.filename,
                y.date_time,
                y.compress_type,
            )
            assert strip_values(a.read(x)) == strip_values(b.read(y))


# --- the rulebook -----------------------------------------------------------------------------


def rulebook_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calc"
    ws["A1"] = 2027
    ws["B1"] = "=LOCRULEBOOK()"
    ws["B2"] = '=LOCTHRESHOLD("procurement",A1,"M1")'
    wb.save(path)
    return path


def stored(path: Path) -> list[object]:
    ws = openpyxl.load_workbook(path, data_only=True)["Calc"]
    return [ws["B1"].value, ws["B2"].value]


def test_help_names_the_rulebook_option(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("recalc", "check"):
        assert main([command, "--help"]) == 0
        out = capsys.readouterr().out
        assert "--rulebook ID_OR_FILE" in out and "XLFUNCS_RULEBOOK" in out, command
        assert "ru719-2026-07" in out and "ru719-press-2026-11" in out, command


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_rulebook_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setenv("XLFUNCS_RECALC_EVALUATOR", "recalc_standin:evaluate")
    monkeypatch.syspath_prepend(str(HERE))
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    spec, says = _bad_rulebooks(tmp_path)[kind]
    d = tmp_path / "in"
    d.mkdir()
    book = make_book(d / "book.xlsx")
    before = book.read_bytes()
    out = tmp_path / "out"
    for args in (
        ["recalc", str(d), "-o", str(out), "--rulebook", spec],
        ["recalc", str(book), "--in-place", "--rulebook", spec, "--jobs", "2"],
        ["check", str(d), "--rulebook", spec],
    ):
        assert main(args) == 2, args
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith("rulebook: ") and says in captured.err, captured.err
        assert captured.err.count("\n") == 1, captured.err
    # the outer default, when no --rulebook is given: the same refusal, naming the variable
    monkeypatch.setenv("XLFUNCS_RULEBOOK", spec)
    for args in (["recalc", str(book), "--in-place"], ["check", str(book)]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.startswith("rulebook: ") and says in err and "XLFUNCS_RULEBOOK" in err
        assert err.count("\n") == 1
    assert book.read_bytes() == before and sorted(p.name for p in d.iterdir()) == ["book.xlsx"]
    assert not out.exists()


def test_bad_rulebook_never_overwrites_good_values_in_place(tmp_path: Path) -> None:
    # the reported case, with the real engine: exit 0 and #VALUE! in every LOC* cell before
    pytest.importorskip("xlfuncs.recalc.engine")
    plain_env = {k: v for k, v in env().items() if k not in ("XLFUNCS_RECALC_EVALUATOR", "XLFUNCS_RULEBOOK")}
    book = rulebook_book(tmp_path / "book.xlsx")
    bad = tmp_path / "bad.toml"
    bad.write_text("schema = 2\nedition = 'x'\n[[[", encoding="utf-8")

    def xlfuncs(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "xlfuncs", *args], capture_output=True,
                              text=True, env={**plain_env, **extra}, timeout=120, check=False)

    r = xlfuncs("recalc", str(book), "--in-place")
    assert r.returncode == 0, r.stderr
    good = book.read_bytes()
    assert stored(book) == ["ru719-2026-07", 3500]
    r = xlfuncs("recalc", str(book), "-o", str(tmp_path / "out"), "--rulebook", str(bad))
    assert r.returncode == 2 and r.stdout == "" and not (tmp_path / "out").exists()
    assert r.stderr.startswith(f"rulebook: {bad}: not valid TOML") and r.stderr.count("\n") == 1
    r = xlfuncs("recalc", str(book), "--in-place", "--rulebook", str(bad))
    assert r.returncode == 2 and book.read_bytes() == good
    r = xlfuncs("recalc", str(book), "--in-place", XLFUNCS_RULEBOOK=str(bad))
    assert r.returncode == 2 and book.read_bytes() == good
    assert "(set by XLFUNCS_RULEBOOK)" in r.stderr


def test_rulebook_reaches_every_file_with_the_real_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("xlfuncs.recalc.engine")
    monkeypatch.delenv("XLFUNCS_RECALC_EVALUATOR", raising=False)
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    d = tmp_path / "in"
    d.mkdir()
    for i in range(3):
        rulebook_book(d / f"b{i}.xlsx")

    def run_main(out: str, *args: str) -> list[list[object]]:
        assert main(["recalc", str(d), "-o", str(tmp_path / out), "--jobs", "2", *args]) == 0
        return [stored(p) for p in sorted((tmp_path / out).glob("*.xlsx"))]

    assert run_main("press", "--rulebook", "ru719-press-2026-11") == [["ru719-press-2026-11", 3500]] * 3
    monkeypatch.setenv("XLFUNCS_RULEBOOK", "ru719-licence-draft")  # the outer default
    assert run_main("env") == [["ru719-licence-draft", 3500]] * 3
    assert run_main("both", "--rulebook", "ru719-press-2026-11") == [["ru719-press-2026-11", 3500]] * 3
    assert main(["check", str(tmp_path / "press"), "--rulebook", "ru719-press-2026-11"]) == 0
    assert main(["check", str(tmp_path / "press")]) == 1  # LOCRULEBOOK() differs


def test_check_of_many_stale_files_prints_one_line_each(tmp_path: Path) -> None:
    """Issue 12: 300 stale files printed 58,200 lines; now one line per file (the count and
    the first difference), every cell only with --verbose or in --report."""
    d = tmp_path / "stale"
    d.mkdir()
    formulas = {f"B{i}": f"=A1*{i}" for i in range(1, 11)}  # ten formula cells, none cached
    make_book(d / "seed.xlsx", formulas)
    for i in range(12):
        (d / f"f{i:02d}.xlsx").write_bytes((d / "seed.xlsx").read_bytes())
    (d / "seed.xlsx").unlink()
    r = run("check", str(d), "--jobs", "1", "--report", str(tmp_path / "r.json"))
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 12
    assert lines[0].startswith(f"{d / 'f00.xlsx'}: 10 cells differ (first: Calc!B1 stored (empty) computed ")
    assert "12 files" in r.stderr and "120 differences" in r.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert sum(len(f["differences"]) for f in report["files"]) == 120
    verbose = run("check", str(d), "--jobs", "1", "--verbose")
    assert len(verbose.stdout.splitlines()) == 120


def test_no_fallback_keeps_functions_that_are_not_built_in_as_name_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback is a setting of the command (passed to the workers' sessions), not of the
    environment: with a fallback table a function that is not built in is computed per cell;
    ``--no-fallback`` leaves it ``#NAME?``. (A stand-in in the ``formulas`` package's calling
    convention: every function of that package is built in by now.)"""
    pytest.importorskip("formulas")
    from xlsx_parts import f, package, row, sheet_xml, v

    from xlfuncs.errors import ExcelError
    from xlfuncs.recalc.reader import read_workbook
    from xlfuncs.recalc.session import default_session

    monkeypatch.setattr(default_session(fallback=True), "_fallback_table", {"XLDEMOPRODUCT": lambda a, b: a * b})
    cells = row(1, v("A1", "10"), v("B1", "5"), f("C1", "XLDEMOPRODUCT(A1,B1)", "0"))
    src = tmp_path / "t.xlsx"
    src.write_bytes(package([("S", sheet_xml(cells))]))
    for flags, want in (([], 50.0), (["--no-fallback"], ExcelError.NAME)):
        out = tmp_path / ("off" if flags else "on")
        assert main(["recalc", str(src), "-o", str(out), "--jobs", "1", "--no-progress", *flags]) == 0
        got = read_workbook(out / "t.xlsx").sheets[0].cached[(1, 3)]
        assert got == want if isinstance(want, float) else got is want
    assert "unsupported function XLDEMOPRODUCT" in capsys.readouterr().err
