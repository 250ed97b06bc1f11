"""Batch recalculation API: destinations, reports, parallel and Dask executors, circular refs.

Values come from the stand-in evaluator (``recalc_standin``), so these tests check the I/O
and orchestration only; the engine has its own tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import recalc_standin

from xlfuncs.errors import ExcelError
from xlfuncs.recalc.batch import UsageError, check, expand_paths, recalc
from xlfuncs.recalc.reader import read_workbook

EV = recalc_standin.evaluate


def make_book(path: Path, formulas: dict[str, str] | None = None, *, iterate: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Calc"
    ws["A1"] = 5
    for ref, text in (formulas or {"B1": "=A1*2", "B2": '="hello"', "B3": "=SUM(A1:A2)"}).items():
        ws[ref] = text
    if iterate:
        wb.calculation.iterate = True
    wb.save(path)
    return path


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture()
def inputs(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    for i in range(4):
        make_book(d / f"book{i}.xlsx")
    return d


def test_recalc_to_out_dir_with_json_report(inputs: Path, tmp_path: Path) -> None:
    before = {p.name: sha(p) for p in inputs.iterdir()}
    out = tmp_path / "out"
    rep = recalc(
        [inputs], out_dir=out, jobs=1, report=tmp_path / "r.json", evaluator=EV, progress=False
    )
    assert rep.exit_code == 0 and [f.status for f in rep.files] == ["ok"] * 4
    assert rep.formula_cells == 12 and rep.error_cells == 0
    assert {p.name: sha(p) for p in inputs.iterdir()} == before  # originals untouched
    ws = openpyxl.load_workbook(out / "book0.xlsx", data_only=True)["Calc"]
    # stand-in: row*1000 + col + len(text)/8; "hello" is returned as text
    assert ws["B1"].value == 1000 + 2 + len("A1*2") / 8 and ws["B2"].value == "hello"
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["summary"] == {
        **data["summary"],
        "files": 4,
        "ok": 4,
        "failed": 0,
        "formula_cells": 12,
        "exit_code": 0,
    }
    assert data["files"][0]["output"] == str(out / "book0.xlsx")


def test_second_run_is_byte_identical_and_needs_force(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    recalc(inputs, out_dir=out, jobs=1, evaluator=EV)
    first = (out / "book1.xlsx").read_bytes()
    rep = recalc(inputs, out_dir=out, jobs=1, evaluator=EV)
    assert rep.exit_code == 1 and "use --force" in rep.files[0].reason
    assert recalc(inputs, out_dir=out, jobs=1, evaluator=EV, force=True).exit_code == 0
    assert (out / "book1.xlsx").read_bytes() == first
    # recalculating the output again (as input) gives the same bytes
    recalc(out / "book1.xlsx", out_dir=tmp_path / "again", jobs=1, evaluator=EV)
    assert (tmp_path / "again" / "book1.xlsx").read_bytes() == first


def test_usage_errors(inputs: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="-o DIR"):
        recalc(inputs, evaluator=EV)
    with pytest.raises(UsageError, match="exclude"):
        recalc(inputs, out_dir=tmp_path, in_place=True)
    with pytest.raises(UsageError, match="jobs"):
        recalc(inputs, out_dir=tmp_path / "o", jobs=0)
    with pytest.raises(UsageError, match="report"):
        recalc(inputs, out_dir=tmp_path / "o", report=tmp_path / "r.txt")
    with pytest.raises(UsageError, match=r"^rulebook: .*none\.toml: cannot read"):
        recalc(inputs, out_dir=tmp_path / "o", rulebook=tmp_path / "none.toml")
    with pytest.raises(UsageError, match="no workbooks"):
        recalc(tmp_path / "nothing*.xlsx", out_dir=tmp_path / "o")
    with pytest.raises(UsageError, match="executor"):
        recalc(inputs, out_dir=tmp_path / "o", executor="threads")


def test_never_overwrites_an_input(inputs: Path, tmp_path: Path) -> None:
    before = sha(inputs / "book0.xlsx")
    rep = recalc(inputs, out_dir=inputs, jobs=1, evaluator=EV, force=True)
    assert all("overwrite an input" in f.reason for f in rep.files)
    assert sha(inputs / "book0.xlsx") == before
    other = tmp_path / "other"
    other.mkdir()
    make_book(other / "book0.xlsx")
    rep = recalc(
        [inputs / "book0.xlsx", other / "book0.xlsx"], out_dir=tmp_path / "o", jobs=1, evaluator=EV
    )
    assert [f.status for f in rep.files] == ["ok", "failed"] and "already used" in rep.files[
        1
    ].reason


def test_in_place_lock_file_and_read_only(inputs: Path) -> None:
    target = inputs / "book0.xlsx"
    (inputs / "~$book1.xlsx").write_bytes(b"owner")  # Excel's lock file: book1 is open
    (inputs / "book2.xlsx").chmod(0o444)
    rep = recalc(inputs, in_place=True, jobs=1, evaluator=EV)
    status = {Path(f.path).name: (f.status, f.reason) for f in rep.files}
    assert "~$book1.xlsx" not in status  # lock files are never inputs
    assert status["book0.xlsx"] == ("ok", "")
    assert status["book1.xlsx"][0] == "failed" and "open in Excel" in status["book1.xlsx"][1]
    if os.geteuid() != 0:  # root may write anything; the check uses os.access
        assert status["book2.xlsx"][0] == "failed"
    assert read_workbook(target).sheets[0].cached[(2, 2)] == "hello"


def test_circular_is_a_per_file_error_unless_iterative(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    make_book(d / "a_circ.xlsx", {"B1": "=B1+CIRC"})
    make_book(d / "b_iter.xlsx", {"B1": "=B1+CIRC"}, iterate=True)
    make_book(d / "c_boom.xlsx", {"B1": "=BOOM"})
    make_book(d / "d_warn.xlsx", {"B1": "=NOPE(1)", "B2": "=1/0+ERRDIV"})
    rep = recalc(d, out_dir=tmp_path / "o", jobs=1, evaluator=EV)
    a, b, c, w = rep.files
    assert a.status == "failed" and a.reason.startswith("circular reference (Calc!R1C2)")
    assert not (tmp_path / "o" / "a_circ.xlsx").exists()  # nothing written for a failed file
    assert b.status == "ok" and b.circular == ["Calc!R1C2"]
    assert c.status == "failed" and "stand-in engine exploded" in c.reason
    assert w.status == "ok" and w.warnings == ["unsupported function NOPE"] and w.error_cells == 2
    assert rep.exit_code == 1


EDITIONS = Path(__file__).resolve().parents[2] / "xlfuncs" / "data"


def my_rulebook(path: Path, edition: str = "mine", *, points: str = "400") -> Path:
    """A valid rulebook file: the press edition under another id (welding at ``points``)."""
    text = (EDITIONS / "ru719-press-2026-11.toml").read_text(encoding="utf-8")
    text = text.replace('edition = "ru719-press-2026-11"', f'edition = "{edition}"')
    text = re.sub(r"(?m)^points = 400$", f"points = {points}", text, count=1)
    path.write_text(text, encoding="utf-8")
    return path


def _edition_books(d: Path, n: int = 3) -> Path:
    d.mkdir()
    for i in range(n):
        make_book(d / f"r{i}.xlsx", {"B1": "=RULEBOOK"})
    return d


def _editions(folder: Path) -> set[object]:
    return {read_workbook(p).sheets[0].cached[(1, 2)] for p in sorted(folder.glob("*.xlsx"))}


@pytest.mark.parametrize("jobs", [1, 2])
def test_rulebook_reaches_the_workers_without_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    rb = my_rulebook(tmp_path / "mine.toml")
    d = _edition_books(tmp_path / "rb")
    rep = recalc(d, out_dir=tmp_path / "o", jobs=jobs, rulebook=rb, evaluator=EV)
    assert rep.exit_code == 0, [f.reason for f in rep.files]
    # pinned in every worker; nothing was put in the environment (it would show after "|")
    assert _editions(tmp_path / "o") == {"mine"}
    assert "XLFUNCS_RULEBOOK" not in os.environ
    rep = recalc(d, out_dir=tmp_path / "o2", jobs=jobs, rulebook="ru719-licence-draft", evaluator=EV)
    assert _editions(tmp_path / "o2") == {"ru719-licence-draft"}


def test_spawned_workers_load_the_rulebook_from_their_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a spawned worker inherits nothing: it gets the validated path as its initializer
    # argument and loads it there; the outer default (the environment) is not what it uses
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from xlfuncs.recalc import batch

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), *sys.path]))
    monkeypatch.setenv("XLFUNCS_RULEBOOK", "ru719-licence-draft")
    seen: list[object] = []

    def spawn_pool(jobs: int, rulebook: str | None) -> ProcessPoolExecutor:
        seen.append(rulebook)
        return ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=batch._init_worker, initargs=(rulebook,),
        )

    monkeypatch.setattr(batch, "_new_pool", spawn_pool)
    rb = my_rulebook(tmp_path / "mine.toml")
    d = _edition_books(tmp_path / "rb")
    rep = recalc(d, out_dir=tmp_path / "o", jobs=2, rulebook=rb, evaluator=EV)
    assert rep.exit_code == 0, [f.reason for f in rep.files]
    assert seen == [str(rb.resolve())]
    assert _editions(tmp_path / "o") == {"mine|ru719-licence-draft"}
    # no --rulebook: the outer default, asked once by the caller, travels as the edition id
    rep = recalc(d, out_dir=tmp_path / "o2", jobs=2, evaluator=EV)
    assert seen[-1] == "ru719-licence-draft"
    assert _editions(tmp_path / "o2") == {"ru719-licence-draft|ru719-licence-draft"}


def _bad_rulebooks(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """name -> (the --rulebook value, what the error says)"""
    good = my_rulebook(tmp_path / "good.toml")
    text = good.read_text(encoding="utf-8")
    (tmp_path / "syntax.toml").write_text("schema = 2\nedition = 'x'\n[[[", encoding="utf-8")
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    (tmp_path / "folder.toml").mkdir()
    first = text.index("[[operation]]")
    second = text.index("[[operation]]", first + 1)
    (tmp_path / "dup.toml").write_text(text + "\n" + text[first:second], encoding="utf-8")
    my_rulebook(tmp_path / "negative.toml", points="-400")
    (tmp_path / "dates.toml").write_text(
        text.replace("effective_from = 2019-05-25", "effective_from = 2019-05-25\neffective_to = 2019-01-01", 1),
        encoding="utf-8",
    )
    return {
        "syntax": (str(tmp_path / "syntax.toml"), "syntax.toml: not valid TOML"),
        "missing": (str(tmp_path / "none.toml"), "none.toml: cannot read"),
        "folder": (str(tmp_path / "folder.toml"), "folder.toml: is a folder"),
        "empty": (str(tmp_path / "empty.toml"), "empty.toml: the file is empty"),
        "duplicate": (str(tmp_path / "dup.toml"), "two rows with the same key"),
        "negative": (str(tmp_path / "negative.toml"), "[[operation]] row 1: field 'points' must be >= 0"),
        "dates": (str(tmp_path / "dates.toml"), "[[rnd]] row 1: field 'effective_to' 2019-01-01 is before"),
        "unknown id": ("ru719-nope", "ru719-nope: not a rulebook file or edition id"),
    }


BAD_KINDS = ["syntax", "missing", "folder", "empty", "duplicate", "negative", "dates", "unknown id"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_a_bad_rulebook_is_a_usage_error_before_any_file_is_touched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    spec, says = _bad_rulebooks(tmp_path)[kind]
    d = tmp_path / "in"
    d.mkdir()
    book = make_book(d / "book.xlsx")
    before = sha(book)
    for call in (
        lambda: recalc(d, in_place=True, jobs=1, rulebook=spec, evaluator=EV),
        lambda: recalc(d, out_dir=tmp_path / "out", jobs=2, rulebook=spec, evaluator=EV),
        lambda: check(d, jobs=1, rulebook=spec, evaluator=EV),
    ):
        with pytest.raises(UsageError) as info:
            call()
        assert str(info.value).startswith("rulebook: ") and says in str(info.value)
        assert "\n" not in str(info.value)
    assert sha(book) == before and sorted(p.name for p in d.iterdir()) == ["book.xlsx"]
    assert not (tmp_path / "out").exists()
    # the same rulebook as the outer default (no rulebook given): the same refusal
    monkeypatch.setenv("XLFUNCS_RULEBOOK", spec)
    with pytest.raises(UsageError, match="^rulebook: "):
        recalc(d, in_place=True, jobs=1, evaluator=EV)
    assert sha(book) == before


def test_the_rulebook_is_loaded_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlfuncs.recalc import batch

    loads: list[str] = []
    real = batch.load_rulebook

    def counting(spec: str) -> object:
        loads.append(spec)
        return real(spec)

    monkeypatch.setattr(batch, "load_rulebook", counting)
    rb = my_rulebook(tmp_path / "mine.toml")
    d = _edition_books(tmp_path / "rb", 4)
    rep = recalc(d, out_dir=tmp_path / "o", jobs=1, rulebook=rb, evaluator=EV)
    assert rep.exit_code == 0 and _editions(tmp_path / "o") == {"mine"}
    assert loads == [str(rb)]


def test_a_rulebook_broken_during_the_run_fails_each_file_and_writes_nothing(
    tmp_path: Path,
) -> None:
    from xlfuncs.recalc.batch import Task, prepare_rulebook, process_file

    rb = my_rulebook(tmp_path / "mine.toml")
    spec, book = prepare_rulebook(rb)
    assert spec == str(rb.resolve()) and book.edition == "mine"
    src = make_book(tmp_path / "in.xlsx", {"B1": "=RULEBOOK"})
    out = tmp_path / "out"
    out.mkdir()
    ok = process_file(Task(str(src), str(out / "a.xlsx"), rulebook=spec, evaluator=EV))
    assert ok.status == "ok"
    rb.write_text("schema = 2\n[[[ broken after the run checked it", encoding="utf-8")
    res = process_file(Task(str(src), str(out / "b.xlsx"), rulebook=spec, evaluator=EV))
    assert res.status == "failed" and res.reason.startswith(f"rulebook: {spec}: not valid TOML")
    assert not (out / "b.xlsx").exists()
    my_rulebook(rb, "mended")  # changed again: loaded again
    res = process_file(Task(str(src), str(out / "c.xlsx"), rulebook=spec, evaluator=EV))
    assert res.status == "ok" and _editions(out) == {"mine", "mended"}


def test_prepare_rulebook_specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlfuncs.recalc.batch import prepare_rulebook
    from xlfuncs.rulebook import load_rulebook, use_rulebook

    monkeypatch.delenv("XLFUNCS_RULEBOOK", raising=False)
    assert prepare_rulebook("ru719-press-2026-11")[0] == "ru719-press-2026-11"
    assert prepare_rulebook(None)[0] == "ru719-2026-07"  # the packaged default, by id
    assert prepare_rulebook(load_rulebook("ru719-licence-draft"))[0] == "ru719-licence-draft"
    rb = my_rulebook(tmp_path / "mine.toml")
    monkeypatch.chdir(tmp_path)
    assert prepare_rulebook("mine.toml")[0] == str(rb.resolve())  # absolute: workers may cd
    try:
        use_rulebook(rb)
        assert prepare_rulebook(None)[0] == str(rb.resolve())
    finally:
        use_rulebook(None)


def _summary(rep: object) -> list[tuple[str, str, int, int]]:
    return [(Path(f.path).name, f.status, f.formula_cells, f.error_cells) for f in rep.files]  # type: ignore[attr-defined]


def test_process_pool_gives_the_same_report_as_inline(inputs: Path, tmp_path: Path) -> None:
    (inputs / "broken.xlsx").write_bytes(b"not a zip")
    one = recalc(inputs, out_dir=tmp_path / "o1", jobs=1, evaluator=EV)
    two = recalc(inputs, out_dir=tmp_path / "o2", jobs=2, evaluator=EV)
    assert _summary(one) == _summary(two) and one.exit_code == two.exit_code == 1
    for name in ("book0.xlsx", "book3.xlsx"):
        assert (tmp_path / "o1" / name).read_bytes() == (tmp_path / "o2" / name).read_bytes()


def test_dask_local_cluster_gives_the_same_report(inputs: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    (inputs / "broken.xlsx").write_bytes(b"")
    for i in range(40):  # enough files for several per Dask task
        (inputs / f"copy{i:02d}.xlsx").write_bytes((inputs / "book0.xlsx").read_bytes())
    ref = recalc(inputs, out_dir=tmp_path / "ref", jobs=1, evaluator=EV)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        rep = recalc(
            inputs,
            out_dir=tmp_path / "dask",
            executor="dask",
            scheduler=cluster.scheduler_address,
            evaluator=EV,
        )
    assert _summary(rep) == _summary(ref) and rep.exit_code == ref.exit_code == 1
    assert (tmp_path / "dask" / "book2.xlsx").read_bytes() == (
        tmp_path / "ref" / "book2.xlsx"
    ).read_bytes()


def test_dask_worker_processes_get_the_rulebook_with_the_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), *sys.path]))
    monkeypatch.setenv("XLFUNCS_RULEBOOK", "ru719-licence-draft")  # what a worker would inherit
    rb = my_rulebook(tmp_path / "mine.toml")
    d = _edition_books(tmp_path / "rb", 4)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        rep = recalc(
            d, out_dir=tmp_path / "o", executor="dask", scheduler=cluster.scheduler_address,
            rulebook=rb, evaluator=EV,
        )
    assert rep.exit_code == 0, [f.reason for f in rep.files]
    assert _editions(tmp_path / "o") == {"mine|ru719-licence-draft"}


def test_check_reports_no_difference_after_recalc(inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    recalc(inputs, out_dir=out, jobs=1, evaluator=EV)
    assert check(out, jobs=1, evaluator=EV).exit_code == 0
    rep = check(inputs / "book0.xlsx", jobs=1, evaluator=EV)
    assert rep.exit_code == 1
    assert (
        rep.files[0].differences[0] == "Calc!B1 stored (empty) computed 1002.5"
    )  # stand-in: 1*1000 + 2 + len("A1*2")/8


def test_check_tolerance_and_types() -> None:
    from xlfuncs.recalc.batch import _same

    assert _same(1.0, 1.0 + 1e-12) and not _same(1.0, 1.0 + 1e-8)  # relative tolerance 1e-9
    assert _same(3, 3.0) and not _same(True, 1) and not _same("1", 1)
    assert _same(ExcelError.NA, ExcelError.NA) and not _same(ExcelError.NA, "#N/A")
    assert _same(None, "")  # Excel stores an empty-text result as an empty <v>


def test_expand_paths_skips_lock_and_temp_files(tmp_path: Path) -> None:
    for name in ("a.xlsx", "b.XLSM", "~$a.xlsx", ".xlfuncs-tmp-1-x.xlsx", "c.xls", "d.txt"):
        (tmp_path / name).write_bytes(b"x")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "e.xlsx").write_bytes(b"x")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.xlsx", "b.XLSM"]
    assert [p.name for p in expand_paths([str(tmp_path / "**" / "*.xlsx")])] == ["a.xlsx", "e.xlsx"]
    # an explicit file is taken whatever its extension (and then fails with a reason)
    assert [p.name for p in expand_paths([tmp_path / "c.xls", tmp_path / "a.xlsx", tmp_path])] == [
        "c.xls",
        "a.xlsx",
        "b.XLSM",
    ]


def test_package_api_and_progress_bar(
    inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import xlfuncs
    import xlfuncs.recalc

    rep = xlfuncs.recalc(inputs, out_dir=tmp_path / "o", jobs=1, evaluator=EV, progress=True)
    assert rep.exit_code == 0
    err = capsys.readouterr().err
    assert (
        "\rrecalc [" in err and "4/4 files (0 failed" in err
    )  # the bar, forced on without a terminal
    assert xlfuncs.check(tmp_path / "o", jobs=1, evaluator=EV).exit_code == 0
    assert rep.summary_line().startswith(
        "recalc: 4 files (4 ok, 0 failed), 12 formula cells, 0 error cells, "
    )


def test_unchanged_sheets_need_exact_stored_values() -> None:
    # sheet 0 stores exactly what was computed (2 == 2.0 as numbers); sheet 1 stores a stale
    # number; sheet 2 stores the text "1" where TRUE was computed (a different type)
    from xlfuncs.recalc.batch import _unchanged_sheets
    from xlfuncs.recalc.model import SheetData, WorkbookData

    book = WorkbookData(
        [
            SheetData("A", cached={(1, 1): 2, (1, 2): "x"}),
            SheetData("B", cached={(1, 1): 5.0}),
            SheetData("C", cached={(1, 1): "1"}),
        ]
    )
    values = {(0, 1, 1): 2.0, (0, 1, 2): "x", (1, 1, 1): 6.0, (2, 1, 1): True}
    assert _unchanged_sheets(book, values) == {0}


def test_a_dying_worker_fails_only_its_own_file(tmp_path: Path) -> None:
    # 48 files on 2 workers go 3 to a pool task; the worker dies on book10, in the middle of
    # its task. Its task mates are run again alone (book09 was already written by the dead
    # task and is rewritten without --force, since this run made it), only book10 fails.
    d = tmp_path / "in"
    d.mkdir()
    good = make_book(tmp_path / "good.xlsx")
    for i in range(48):
        (d / f"book{i:02d}.xlsx").write_bytes(good.read_bytes())
    make_book(d / "book10.xlsx", {"B1": "=DIE()"})
    rep = recalc(d, out_dir=tmp_path / "out", jobs=2, evaluator=EV)
    failed = {Path(f.path).name: f.reason for f in rep.failed}
    assert failed == {"book10.xlsx": "worker process died (out of memory or killed)"}
    assert rep.exit_code == 1
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"book{i:02d}.xlsx" for i in range(48) if i != 10]
    assert read_workbook(tmp_path / "out" / "book09.xlsx").sheets[0].cached[(1, 2)] == EV(
        read_workbook(good)
    ).values[(0, 1, 2)]


def test_pool_worker_freezes_inherited_objects_and_still_collects_cycles(tmp_path: Path) -> None:
    # A worker's collector is off and the objects it inherited are frozen; the cycles a
    # chunk leaves are collected when the chunk ends. Run in a child: it changes the GC.
    book = make_book(tmp_path / "b.xlsx", {"B1": "=CYCLE()"})
    script = f"""
import gc, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
import recalc_standin
from xlfuncs.recalc import batch
batch._init_worker(None)
assert not gc.isenabled() and gc.get_freeze_count() > 0
tasks = [batch.Task({str(book)!r}, {str(tmp_path / "o.xlsx")!r}, evaluator=recalc_standin.evaluate, force=True)]
res = batch.process_files(tasks * 3)
assert [r.status for r in res] == ["ok"] * 3, res
assert len(recalc_standin.CYCLES) == 3 and all(r() is None for r in recalc_standin.CYCLES)
print("ok")
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.stdout.strip() == "ok", out.stderr


# ------------------------------------------------------------------ faults (issue 11)
def test_in_place_refuses_a_file_saved_again_while_it_was_computed(tmp_path: Path) -> None:
    # issue 11, item 3: the file was replaced (a save from Excel) between read and write;
    # the old code stored the new inputs with results of the old ones and said "1 ok"
    book = make_book(tmp_path / "b.xlsx")
    newer = make_book(tmp_path / "newer.xlsx", {"B1": "=A1*3"})
    saved = newer.read_bytes()

    def saved_meanwhile(wb: object) -> object:
        result = EV(wb)
        os.replace(newer, book)  # a new file under the same name, as Excel saves
        return result

    rep = recalc(book, in_place=True, jobs=1, evaluator=saved_meanwhile)
    assert rep.exit_code == 1
    (f,) = rep.files
    assert f.status == "failed" and "file changed while it was recalculated" in (f.reason or "")
    assert book.read_bytes() == saved  # the user's save survives, byte for byte
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".xlfuncs-tmp-")]


def test_in_place_through_a_symlink_updates_the_target(tmp_path: Path) -> None:
    target = make_book(tmp_path / "real.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(target.name)
    rep = recalc(link, in_place=True, jobs=1, evaluator=EV)
    assert rep.exit_code == 0
    assert link.is_symlink() and os.readlink(link) == "real.xlsx"
    # B1 holds the stand-in's value for =A1*2 in the target itself
    assert read_workbook(target).sheets[0].cached[(1, 2)] == EV(read_workbook(target)).values[(0, 1, 2)]


def _slow_books(folder: Path, n: int) -> list[Path]:
    folder.mkdir()
    return [make_book(folder / f"s{i:02d}.xlsx", {"B1": "=SLOW()+A1"}) for i in range(n)]


def _cli(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "XLFUNCS_RECALC_EVALUATOR": "recalc_standin:evaluate",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "xlfuncs", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)


def _wait_for_outputs(out: Path, n: int, proc: subprocess.Popen[bytes]) -> None:
    import time

    for _ in range(600):
        if out.exists() and sum(1 for p in out.iterdir() if p.suffix == ".xlsx") >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the run ended early: {proc.communicate()}")
        time.sleep(0.05)
    raise AssertionError("no outputs appeared")


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2 :].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("signame", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_ends_the_run_with_its_exit_code_and_nothing_half_written(
    tmp_path: Path, signame: str, code: int
) -> None:
    # issue 11, item 4: workers went on writing after the command was stopped; SIGINT once
    # gave exit 0 with the batch finished. Now: 128 + signal, every output whole, no temp file
    import signal
    import time

    books = _slow_books(tmp_path / "in", 40)
    out = tmp_path / "out"
    proc = _cli("recalc", *map(str, books), "-o", str(out), "--jobs", "2", "--no-progress")
    _wait_for_outputs(out, 2, proc)
    workers = _children(proc.pid)
    proc.send_signal(getattr(signal, signame))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert b"Traceback" not in err
    written = sorted(p.name for p in out.iterdir())
    time.sleep(1.0)
    assert sorted(p.name for p in out.iterdir()) == written  # nothing goes on writing
    assert len(written) < len(books)
    assert all(not name.startswith(".xlfuncs-tmp-") for name in written)
    for name in written:
        openpyxl.load_workbook(out / name).close()  # each output is whole
    assert not [w for w in workers if Path(f"/proc/{w}").exists() and _children(proc.pid) == [w]]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    # after SIGKILL of the command its workers used to run on for a minute, re-parented,
    # writing outputs and holding its stdout open (a caller waiting for EOF hung)
    import signal
    import time

    books = _slow_books(tmp_path / "in", 40)
    out = tmp_path / "out"
    proc = _cli("recalc", *map(str, books), "-o", str(out), "--jobs", "2", "--no-progress")
    _wait_for_outputs(out, 2, proc)
    workers = _children(proc.pid)
    assert workers, "the pool has workers"
    proc.send_signal(signal.SIGKILL)
    start = time.monotonic()
    proc.communicate(timeout=30)  # EOF: no worker holds the pipes
    assert time.monotonic() - start < 10
    for _ in range(100):
        if not any(Path(f"/proc/{w}").exists() for w in workers):
            break
        time.sleep(0.05)
    assert not any(Path(f"/proc/{w}").exists() for w in workers)
    written = sorted(p.name for p in out.iterdir() if p.suffix == ".xlsx")
    time.sleep(1.0)
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".xlsx") == written


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_report_on_a_full_disk_is_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 11, item 8: --report on a full disk was a traceback and hid the run's summary
    import errno

    from xlfuncs import _fileio
    from xlfuncs.cli import main

    book = make_book(tmp_path / "b.xlsx")
    real_fsync = os.fsync

    def full(fd: int) -> None:
        if os.fstat(fd).st_size and str(tmp_path / "rep") in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(_fileio.os, "fsync", full)
    (tmp_path / "rep").mkdir()
    code = main(["recalc", str(book), "-o", str(tmp_path / "out"), "--report", str(tmp_path / "rep" / "r.json"),
                 "--jobs", "1", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    assert "r.json: cannot write the report (No space left on device)" in captured.err
    assert "recalc: 1 files (1 ok, 0 failed)" in captured.out  # the summary is still shown
    assert (tmp_path / "out" / "b.xlsx").exists()
    assert list((tmp_path / "rep").iterdir()) == []  # no temporary file left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals")
@pytest.mark.parametrize("delay", [0.02, 0.1, 0.3, 0.6])
def test_ctrl_c_at_start_up_is_exit_130_without_a_traceback(tmp_path: Path, delay: float) -> None:
    # Ctrl-C in the first 0.7 s printed a KeyboardInterrupt traceback; the package now imports
    # lazily, so the command's own handler is in place as soon as Python itself has started.
    # ``delay`` counts from the end of Python's own start-up (measured here, as the machine
    # may be loaded): a signal inside the interpreter's start-up, before any code of ours
    # runs, is Python's to report ("init_import_site"); such a sample is taken again later.
    import signal
    import time

    books = _slow_books(tmp_path / "in", 4)
    for attempt in range(4):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        startup = (time.perf_counter() - t0) * (1 + attempt)
        proc = _cli("recalc", *map(str, books), "-o", str(tmp_path / f"out{attempt}"), "--jobs", "1", "--no-progress")
        time.sleep(startup + delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if b"init_import_site" not in err:
            break
    assert b"Traceback" not in err, err.decode()
    assert proc.returncode in (130, -signal.SIGINT), err.decode()
